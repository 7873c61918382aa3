#include "config.h"

#include "lib/feed.h"

#include <stdlib.h>
#include <string.h>

static const char *const format_names[] = {
	[FEED_FORMAT_UNKNOWN] = "unknown", [FEED_FORMAT_RSS090] = "rss090",
	[FEED_FORMAT_RSS091] = "rss091",   [FEED_FORMAT_RSS092] = "rss092",
	[FEED_FORMAT_RSS093] = "rss093",   [FEED_FORMAT_RSS094] = "rss094",
	[FEED_FORMAT_RSS20] = "rss20",     [FEED_FORMAT_RSS10] = "rss10",
	[FEED_FORMAT_ATOM03] = "atom03",   [FEED_FORMAT_ATOM10] = "atom10",
	[FEED_FORMAT_JSON10] = "json10",   [FEED_FORMAT_JSON11] = "json11",
};

const char *
feed_format_name(enum feed_format f)
{
	if ((size_t)f >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[f];
}

struct feed *
feed_new(void)
{
	struct feed *f = calloc(1, sizeof(*f));

	if (f)
		f->updated = DATE_NONE;
	return f;
}

struct entry *
entry_new(void)
{
	struct entry *en = calloc(1, sizeof(*en));

	if (en)
		en->published = en->updated = DATE_NONE;
	return en;
}

void
entry_clear(struct entry *en)
{
	size_t i;

	if (!en)
		return;
	free(en->id);
	free(en->title);
	free(en->link);
	free(en->author);
	free(en->summary);
	free(en->content);
	for (i = 0; i < en->ncategories; i++)
		free(en->categories[i]);
	free(en->categories);
	for (i = 0; i < en->nenclosures; i++) {
		free(en->enclosures[i].url);
		free(en->enclosures[i].type);
	}
	free(en->enclosures);
	memset(en, 0, sizeof(*en));
	en->published = en->updated = DATE_NONE;
}

void
entry_free(struct entry *en)
{
	if (!en)
		return;
	entry_clear(en);
	free(en);
}

void
feed_free(struct feed *f)
{
	if (!f)
		return;
	free(f->title);
	free(f->link);
	free(f->subtitle);
	free(f->language);
	free(f->author);
	free(f);
}

int
entry_add_category(struct entry *en, const char *s)
{
	char **v, *copy;
	size_t i;

	for (i = 0; i < en->ncategories; i++)
		if (strcmp(en->categories[i], s) == 0)
			return 0;
	if (en->ncategories >= FEED_MAX_CATEGORIES)
		return 1;
	copy = strdup(s);
	if (!copy)
		return -1;
	v = realloc(en->categories, (en->ncategories + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return -1;
	}
	v[en->ncategories++] = copy;
	en->categories = v;
	return 0;
}

int
entry_add_enclosure(struct entry *en, char *url, char *type, int64_t length)
{
	struct enclosure *v;
	size_t i;
	int rc = 0;

	for (i = 0; i < en->nenclosures; i++)
		if (strcmp(en->enclosures[i].url, url) == 0)
			goto out;
	rc = 1;
	if (en->nenclosures >= FEED_MAX_ENCLOSURES)
		goto out;
	rc = -1;
	v = realloc(en->enclosures, (en->nenclosures + 1) * sizeof(*v));
	if (!v)
		goto out;
	en->enclosures = v;
	v[en->nenclosures].url = url;
	v[en->nenclosures].type = type;
	v[en->nenclosures].length = length;
	en->nenclosures++;
	return 0;
out:
	free(url);
	free(type);
	return rc;
}
