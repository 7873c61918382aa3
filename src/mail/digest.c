#include "config.h"

#include "mail/digest.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/conf.h"
#include "lib/date.h"
#include "lib/html.h"
#include "lib/str.h"
#include "lib/url.h"
#include "lib/utf8.h"
#include "lib/zone.h"

/* The strings of a digest, one table per language. */
struct lang {
	const char *code;
	const char *days[7]; /* tm_wday order: Sunday first */
	const char *months[12];
	const char *subject; /* before the date: "Your digest for" */
	const char *article, *articles;
	const char *colon;              /* after the organisation's name */
	const char *new_one, *new_many; /* "new article(s)" after a count */
	const char *from; /* "from" before the number of sources */
	const char *sources;
	const char *untitled;
	const char *also_in;  /* before the other feeds of a merged story */
	const char *more;     /* after "+N": the articles not in full */
	const char *other;    /* the heading of feeds without a tag */
	const char *footer;   /* how to unsubscribe, before an address */
	const char *delayed;  /* after the date of an article given back by
	                       * a digest that failed */
	const char *deferred; /* after "+N": past the digest's budget */
	const char *view;     /* before the link to the digest on the web */
	const char *prefs;    /* before the link to the preferences page */
};

static const struct lang langs[] = {
	{ "en",
	  { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	    "Saturday" },
	  { "January", "February", "March", "April", "May", "June", "July",
	    "August", "September", "October", "November", "December" },
	  "Your digest for",
	  "article",
	  "articles",
	  ": ",
	  "new article",
	  "new articles",
	  "from",
	  "sources",
	  "(untitled)",
	  "also in: ",
	  "more:",
	  "Other news",
	  "You receive this digest because you subscribed to it. To stop, "
	  "use your mail client's Unsubscribe button or write to ",
	  " (delayed)",
	  "more articles in your next digest",
	  "View this digest in a browser",
	  "Your preferences (tags, schedule, language, pause, unsubscribe)" },
	{ "fr",
	  { "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
	    "samedi" },
	  { "janvier", "f\xc3\xa9vrier", "mars", "avril", "mai", "juin",
	    "juillet", "ao\xc3\xbbt", "septembre", "octobre", "novembre",
	    "d\xc3\xa9"
	    "cembre" },
	  "Votre veille du",
	  "article",
	  "articles",
	  " : ",
	  "nouvel article",
	  "nouveaux articles",
	  "de",
	  "sources",
	  "(sans titre)",
	  "aussi dans : ",
	  "autres :",
	  "Autres actualit\xc3\xa9s",
	  "Vous recevez cette veille parce que vous y \xc3\xaates abonn\xc3\xa9. "
	  "Pour ne plus la recevoir, utilisez le bouton de "
	  "d\xc3\xa9sabonnement de votre messagerie ou \xc3\xa9"
	  "crivez "
	  "\xc3\xa0 ",
	  " (en retard)",
	  "autres articles dans votre prochaine veille",
	  "Voir cette veille dans le navigateur",
	  "Vos pr\xc3\xa9"
	  "f\xc3\xa9rences (th\xc3\xa8mes, horaire, langue, "
	  "pause, d\xc3\xa9sabonnement)" },
};

static const struct lang *
lang_for(const struct store_subscriber *sub, const struct conf *cfg)
{
	const char *code = sub->lang ? sub->lang : cfg->language;
	size_t i;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (code && !strcmp(code, langs[i].code))
			return &langs[i];
	return &langs[0];
}

/* Titles compared for merging: ASCII letters and digits lower-cased, the
 * rest (punctuation, spaces) dropped, UTF-8 bytes kept as they are. */
static char *
title_key(const char *title)
{
	char *key, *o;
	const unsigned char *p;

	if (!title)
		return NULL;
	key = malloc(strlen(title) + 1);
	if (!key)
		return NULL;
	for (p = (const unsigned char *)title, o = key; *p; p++) {
		if (*p >= 0x80 || (*p >= '0' && *p <= '9'))
			*o++ = (char)*p;
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
			*o++ = (char)(*p | 0x20);
	}
	*o = '\0';
	return key;
}

/* Two feeds' takes on one story: the same link (scheme, www., tracking
 * parameters aside) or the same title within MERGE_WINDOW. */
#define MERGE_WINDOW (48 * 3600)

static struct digest_item *
same_story(struct digest *d, const char *link_key, const char *tkey,
	   int64_t published)
{
	struct digest_item *it;
	size_t i;

	for (i = 0; i < d->n; i++) {
		it = &d->items[i];
		if (link_key && it->link_key && !strcmp(link_key, it->link_key))
			return it;
		if (tkey && *tkey && it->title_key &&
		    !strcmp(tkey, it->title_key) &&
		    llabs(it->published - published) <= MERGE_WINDOW)
			return it;
	}
	return NULL;
}

/* A copy of s (NULL for NULL) of at most max bytes: a longer one is cut
 * at a character boundary and ends with an ellipsis. */
static char *
bounded_dup(const char *s, size_t max, int *oom)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	size_t len, cut;
	char *out;

	if (!s)
		return NULL;
	len = strlen(s);
	if (len <= max)
		return str_dup(s, oom);
	cut = max - (sizeof(ellipsis) - 1);
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	out = malloc(cut + sizeof(ellipsis));
	if (!out) {
		*oom = 1;
		return NULL;
	}
	memcpy(out, s, cut);
	memcpy(out + cut, ellipsis, sizeof(ellipsis));
	return out;
}

/* Adds feed to it->also unless it is the item's own feed or there already
 * (whole titles compared: "AI" is not in "AI Weekly"). */
static int
add_also(struct digest_item *it, const char *feed)
{
	char **grown;
	size_t i;

	int oom = 0;

	if (!strcmp(feed, it->feed_title))
		return 0;
	for (i = 0; i < it->nalso; i++)
		if (!strcmp(feed, it->also[i]))
			return 0;
	grown = realloc(it->also, (it->nalso + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	it->also = grown;
	it->also[it->nalso] = bounded_dup(feed, DIGEST_MAX_NAME, &oom);
	if (!it->also[it->nalso])
		return -1;
	it->nalso++;
	return 0;
}

/* What an article costs the digest's budget: its text, in both parts,
 * and the markup around it. */
static size_t
item_cost(const struct digest_item *it)
{
	size_t n = DIGEST_ITEM_OVERHEAD;

	n += it->title ? 2 * strlen(it->title) : 0;
	n += it->feed_title ? 2 * strlen(it->feed_title) : 0;
	n += it->link ? 3 * strlen(it->link) : 0;
	n += it->summary ? 2 * strlen(it->summary) : 0;
	n += it->html ? strlen(it->html) : 0;
	return n;
}

/* s as utf8_printable() shows it, malloc'd: every title and name the
 * digest prints is such a copy (the store keeps what the feed said). NULL
 * for NULL, or with *oom set when memory runs out. */
static char *
printable_dup(const char *s, int *oom)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	char *p;

	if (!s)
		return NULL;
	if (utf8_printable(&b, s, strlen(s)) < 0) {
		buf_release(&b);
		*oom = 1;
		return NULL;
	}
	p = buf_detach(&b, NULL);
	if (!p)
		*oom = 1;
	return p;
}

/* s as printed (printable_dup), cut to at most max bytes (bounded_dup).
 * A longer s is cut first, to what can make max bytes once printable (a
 * byte becomes at most a 3-byte U+FFFD), so that no field, however long,
 * is more than printable_dup's buffer can hold. */
static char *
shown_dup(const char *s, size_t max, int *oom)
{
	char *shown, *cut, *head = NULL;

	if (s && strlen(s) > 4 * max) {
		head = bounded_dup(s, 4 * max, oom);
		if (!head)
			return NULL;
		s = head;
	}
	shown = printable_dup(s, oom);
	free(head);
	if (!shown || strlen(shown) <= max)
		return shown;
	cut = bounded_dup(shown, max, oom);
	free(shown);
	return cut;
}

struct collect {
	struct digest *d;
	const struct store_subscriber *sub;
	int summary_words;
	struct digest_cache *cache;
};

struct digest_cached {
	int64_t id;    /* 0: the slot is free */
	char *summary; /* NULL: the entry has none */
	char *html;    /* see digest_item */
};

void
digest_cache_release(struct digest_cache *cache)
{
	size_t i;

	if (!cache)
		return;
	for (i = 0; i < cache->cap; i++) {
		free(cache->slots[i].summary);
		free(cache->slots[i].html);
	}
	free(cache->slots);
	memset(cache, 0, sizeof(*cache));
}

/* The slot of id in an open-addressing table with room (cap a power of 2,
 * at most half full). */
static struct digest_cached *
cache_slot(struct digest_cache *cache, int64_t id)
{
	size_t i = ((uint64_t)id * UINT64_C(0x9e3779b97f4a7c15)) >> 32;

	for (i &= cache->cap - 1;; i = (i + 1) & (cache->cap - 1))
		if (!cache->slots[i].id || cache->slots[i].id == id)
			return &cache->slots[i];
}

/* Makes room for one more; -1 when memory runs out. */
static int
cache_grow(struct digest_cache *cache)
{
	struct digest_cache bigger = { 0 };
	size_t i;

	if (cache->cap && (cache->n + 1) * 2 <= cache->cap)
		return 0;
	bigger.cap = cache->cap ? cache->cap * 2 : 64;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (i = 0; i < cache->cap; i++)
		if (cache->slots[i].id)
			*cache_slot(&bigger,
				    cache->slots[i].id) = cache->slots[i];
	bigger.n = cache->n;
	free(cache->slots);
	*cache = bigger;
	return 0;
}

static int
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (unsigned char)c >= 0x80;
}

/* Whether folded text holds the word (folded too) as a whole word:
 * "ia" is in "l'ia au service" but not in "media". */
static int
has_word(const char *text, const char *word)
{
	struct buf w = BUF_INIT(BUF_MAX_LINE);
	const char *p = text;
	int found = 0;

	if (utf8_fold(&w, word) < 0 || !w.len) {
		buf_release(&w);
		return 0;
	}
	while (!found && (p = strstr(p, w.data))) {
		found = (p == text || !is_word_char(p[-1])) &&
			!is_word_char(p[w.len]);
		p++;
	}
	buf_release(&w);
	return found;
}

/* The subscriber's --include/--exclude words on title and summary. */
static int
wanted(const struct store_subscriber *sub, const struct store_news *n)
{
	struct buf text = BUF_INIT(BUF_MAX_DOC), folded = BUF_INIT(BUF_MAX_DOC);
	struct err ignored = ERR_INIT;
	size_t i;
	int keep = 1;

	if (!sub->include.n && !sub->exclude.n)
		return 1;
	if (n->title)
		buf_adds(&text, n->title);
	buf_addch(&text, ' ');
	if (n->summary)
		html_to_text(&text, n->summary, strlen(n->summary), &ignored);
	utf8_fold(&folded, text.data);
	for (i = 0, keep = !sub->include.n; i < sub->include.n && !keep; i++)
		keep = has_word(folded.data, sub->include.items[i]);
	for (i = 0; i < sub->exclude.n && keep; i++)
		keep = !has_word(folded.data, sub->exclude.items[i]);
	buf_release(&text);
	buf_release(&folded);
	return keep;
}

/* The summary of the richer of an entry's summary and content into
 * slot, and the article's own HTML, sanitized, when its text is the whole
 * summary: its links and emphasis are worth keeping. Failures leave NULLs:
 * a digest without a summary beats no digest. */
static void
summarize(const struct store_news *n, int words, struct digest_cached *slot)
{
	struct buf out = BUF_INIT(BUF_MAX_FIELD);
	struct buf html = BUF_INIT(BUF_MAX_FIELD);
	const char *src = n->summary;
	struct err ignored = ERR_INIT;
	int whole;

	if (n->content && (!src || strlen(n->content) > strlen(src)))
		src = n->content;
	if (!src || words <= 0)
		return;
	whole = html_summary(&out, src, strlen(src), words, &ignored);
	if (whole < 0 || !out.len) {
		buf_release(&out);
		return;
	}
	slot->summary = buf_detach(&out, NULL);
	if (whole && strchr(src, '<') &&
	    html_sanitize(&html, src, strlen(src), n->link, &ignored) == 0 &&
	    html.len)
		slot->html = buf_detach(&html, NULL);
	buf_release(&html);
}

/* n's summary and HTML into it, made once per run when there is a
 * cache; copies the item owns. */
static void
cached_summary(struct collect *c, const struct store_news *n,
	       struct digest_item *it, int *oom)
{
	struct digest_cached *slot;

	if (!c->cache || n->id <= 0) {
		struct digest_cached own = { 0 };

		summarize(n, c->summary_words, &own);
		it->summary = own.summary;
		it->html = own.html;
		return;
	}
	if (cache_grow(c->cache) < 0) {
		*oom = 1;
		return;
	}
	slot = cache_slot(c->cache, n->id);
	if (!slot->id) {
		slot->id = n->id;
		summarize(n, c->summary_words, slot);
		c->cache->n++;
	}
	it->summary = str_dup(slot->summary, oom);
	it->html = str_dup(slot->html, oom);
}

/* Bounds what an article brings into the digest (DIGEST_MAX_*). */
static void
bound_item(struct digest_item *it, int *oom)
{
	char *cut;

	if (it->summary && strlen(it->summary) > DIGEST_MAX_SUMMARY) {
		cut = bounded_dup(it->summary, DIGEST_MAX_SUMMARY, oom);
		free(it->summary);
		it->summary = cut;
	}
	/* a cut HTML fragment is no longer well-formed: the summary instead */
	if (it->html && strlen(it->html) > DIGEST_MAX_HTML) {
		free(it->html);
		it->html = NULL;
	}
}

static int
collect_one(const struct store_news *n, void *arg, struct err *e)
{
	struct collect *c = arg;
	struct digest *d = c->d;
	struct digest_item *items, *it;
	int64_t *ids, published;
	char *tkey, *title, *feed;
	int oom = 0, rc;

	/* rows come newest published first, not in the store's order */
	if (n->id > d->covered_seq)
		d->covered_seq = n->id;
	/* past the budget, an entry stays new: the next digest has it */
	if (d->bytes >= DIGEST_BUDGET) {
		d->deferred++;
		return 0;
	}
	ids = realloc(d->entry_ids, (d->nentries + 1) * sizeof(*ids));
	if (!ids)
		return err_set(e, EX_OSERR, "out of memory");
	d->entry_ids = ids;
	/* filtered out entries are covered too, so they do not come back */
	d->entry_ids[d->nentries++] = n->id;
	if (!wanted(c->sub, n))
		return 0;
	published = n->published != DATE_NONE ? n->published : n->first_seen;
	title = shown_dup(n->title, DIGEST_MAX_TITLE, &oom);
	tkey = title_key(title);
	if ((title && !tkey) || oom) {
		free(title);
		free(tkey);
		return err_set(e, EX_OSERR, "out of memory");
	}
	it = same_story(d, n->link_key, tkey, published);
	if (it) {
		free(title);
		free(tkey);
		it->delayed |= n->delayed;
		feed = shown_dup(n->feed_title, DIGEST_MAX_NAME, &oom);
		d->bytes += feed ? strlen(feed) : 0;
		rc = oom || add_also(it, feed) < 0 ?
			     err_set(e, EX_OSERR, "out of memory") :
			     0;
		free(feed);
		return rc;
	}
	items = realloc(d->items, (d->n + 1) * sizeof(*items));
	if (!items) {
		free(title);
		free(tkey);
		return err_set(e, EX_OSERR, "out of memory");
	}
	d->items = items;
	it = &d->items[d->n++];
	memset(it, 0, sizeof(*it));
	it->entry_id = n->id;
	/* what is printed, as it may be printed, and bounded */
	it->feed_title = shown_dup(n->feed_title, DIGEST_MAX_NAME, &oom);
	it->tag = shown_dup(n->feed_tag, DIGEST_MAX_NAME, &oom);
	it->title = title;
	/* NULL also when out of memory: no link beats no digest */
	it->link = url_printable(n->link);
	/* a cut link leads nowhere: none */
	if (it->link && strlen(it->link) > DIGEST_MAX_LINK) {
		free(it->link);
		it->link = NULL;
	}
	it->link_key = str_dup(n->link_key, &oom);
	it->title_key = tkey;
	it->published = published;
	it->delayed = n->delayed;
	cached_summary(c, n, it, &oom);
	bound_item(it, &oom);
	d->bytes += item_cost(it);
	return oom ? err_set(e, EX_OSERR, "out of memory") : 0;
}

int
digest_collect(struct store *s, const struct store_subscriber *sub,
	       int64_t since, int summary_words, struct digest_cache *cache,
	       struct digest *d, struct err *e)
{
	struct collect c = { d, sub, summary_words, cache };
	int rc;

	memset(d, 0, sizeof(*d));
	rc = store_news_each(s, sub, since, collect_one, &c, e);
	if (rc < 0) {
		digest_release(d);
		return -1;
	}
	return 0;
}

void
digest_release(struct digest *d)
{
	size_t i, j;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->items[i].feed_title);
		free(d->items[i].tag);
		free(d->items[i].title);
		free(d->items[i].link);
		free(d->items[i].link_key);
		free(d->items[i].title_key);
		for (j = 0; j < d->items[i].nalso; j++)
			free(d->items[i].also[j]);
		free(d->items[i].also);
		free(d->items[i].summary);
		free(d->items[i].html);
	}
	free(d->items);
	free(d->entry_ids);
	memset(d, 0, sizeof(*d));
}

/* Appends s with &, <, > and " escaped for HTML text and attributes. */
static int
add_html_escaped(struct buf *b, const char *s)
{
	return html_escape(b, s, strlen(s), 1);
}

/* Only http(s) links become clickable: a feed could say javascript:. */
static int
is_web_link(const char *link)
{
	return link &&
	       (!strncmp(link, "https://", 8) || !strncmp(link, "http://", 7));
}

/* The other feeds of a merged story, "FEED, FEED". */
static int
render_also(struct buf *b, const struct digest_item *it, int html)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < it->nalso && rc == 0; i++)
		rc = (i && buf_adds(b, ", ")) ||
		     (html ? add_html_escaped(b, it->also[i]) :
			     buf_adds(b, it->also[i]));
	return rc;
}

static int
render_item(const struct digest_item *it, size_t number, const struct lang *l,
	    const struct zone *tz, struct buf *text, struct buf *html)
{
	const char *title = it->title ? it->title : l->untitled;
	struct tm tm;
	char date[64];
	int rc;

	if (zone_local(tz, it->published, &tm) < 0)
		date[0] = '\0';
	else
		snprintf(date, sizeof(date), "%d %s %d %02d:%02d", tm.tm_mday,
			 l->months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
			 tm.tm_min);
	rc = buf_addf(text, "%zu. %s\n   %s, %s%s\n", number, title,
		      it->feed_title, date, it->delayed ? l->delayed : "");
	if (rc == 0 && it->nalso)
		rc = buf_addf(text, "   %s", l->also_in) ||
		     render_also(text, it, 0) || buf_addch(text, '\n');
	if (rc == 0 && it->summary)
		rc = buf_addf(text, "   %s\n", it->summary);
	/* the link as a numbered reference: a URL never breaks a sentence */
	if (rc == 0 && is_web_link(it->link))
		rc = buf_addf(text, "   [%zu] %s\n", number, it->link);
	if (rc == 0)
		rc = buf_addch(text, '\n');
	if (rc == 0)
		rc = buf_addf(html,
			      "<li value=\"%zu\" style=\"margin:0 0 "
			      "12px\">",
			      number);
	if (rc == 0 && is_web_link(it->link))
		rc = buf_adds(html, "<a href=\"") ||
		     add_html_escaped(html, it->link) ||
		     buf_adds(html, "\" style=\"color:#0b57d0\">");
	if (rc == 0)
		rc = add_html_escaped(html, title);
	if (rc == 0 && is_web_link(it->link))
		rc = buf_adds(html, "</a>");
	if (rc == 0)
		rc = buf_adds(html, "<br/><span style=\"color:#555;"
				    "font-size:90%\">") ||
		     add_html_escaped(html, it->feed_title) ||
		     buf_addf(html, ", %s%s", date,
			      it->delayed ? l->delayed : "");
	if (rc == 0 && it->nalso)
		rc = buf_addf(html, "<br/>%s", l->also_in) ||
		     render_also(html, it, 1);
	if (rc == 0)
		rc = buf_adds(html, "</span>");
	if (rc == 0 && it->html)
		rc = buf_adds(html, "<div style=\"margin:4px 0 0\">") ||
		     buf_adds(html, it->html) || buf_adds(html, "</div>");
	else if (rc == 0 && it->summary)
		rc = buf_adds(html, "<p style=\"margin:4px 0 0\">") ||
		     add_html_escaped(html, it->summary) ||
		     buf_adds(html, "</p>");
	if (rc == 0)
		rc = buf_adds(html, "</li>\n");
	return rc;
}

static int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The feeds the articles come from, each counted once, into *n: their
 * titles sorted, so that a large backlog costs n log n. -1 when memory
 * runs out. */
static int
count_sources(const struct digest *d, size_t *n)
{
	const char **titles;
	size_t i;

	*n = 0;
	if (!d->n)
		return 0;
	titles = malloc(d->n * sizeof(*titles));
	if (!titles)
		return -1;
	for (i = 0; i < d->n; i++)
		titles[i] = d->items[i].feed_title;
	qsort(titles, d->n, sizeof(*titles), str_ptr_cmp);
	for (i = 0; i < d->n; i++)
		*n += !i || strcmp(titles[i - 1], titles[i]);
	free(titles);
	return 0;
}

static int
null_last_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !a - !b;
	return strcmp(a, b);
}

/* Tag (untagged last), then feed, then newest first. */
static int
group_cmp(const void *pa, const void *pb)
{
	const struct digest_item *a = *(const struct digest_item *const *)pa;
	const struct digest_item *b = *(const struct digest_item *const *)pb;
	int c = null_last_cmp(a->tag, b->tag);

	if (!c)
		c = strcmp(a->feed_title, b->feed_title);
	if (!c)
		c = (a->published < b->published) -
		    (a->published > b->published);
	return c;
}

/* The n newest articles, grouped under a heading per tag and feed. */
static int
render_groups(const struct digest *d, size_t n, const struct lang *l,
	      const struct zone *tz, struct buf *text, struct buf *html)
{
	const struct digest_item **order, *it, *prev = NULL;
	const char *heading;
	size_t i;
	int rc = 0, tagged = 0;

	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -1;
	for (i = 0; i < n; i++)
		order[i] = &d->items[i];
	qsort(order, n, sizeof(*order), group_cmp);
	/* untagged feeds get a heading of their own only beside tagged ones */
	for (i = 0; i < n; i++)
		tagged |= order[i]->tag != NULL;
	for (i = 0; i < n && rc == 0; i++) {
		it = order[i];
		if (!prev || null_last_cmp(prev->tag, it->tag)) {
			if (prev)
				rc = buf_adds(html, "</ol>\n");
			heading = it->tag ? it->tag : tagged ? l->other : NULL;
			if (rc == 0 && heading)
				rc = buf_addf(text, "== %s ==\n\n", heading) ||
				     buf_adds(html, "<h2 style=\"font-size:"
						    "18px\">") ||
				     add_html_escaped(html, heading) ||
				     buf_adds(html, "</h2>\n");
			prev = NULL;
		}
		if (rc == 0 &&
		    (!prev || strcmp(prev->feed_title, it->feed_title))) {
			if (prev)
				rc = buf_adds(html, "</ol>\n");
			if (rc == 0)
				rc = buf_addf(text, "-- %s --\n\n",
					      it->feed_title) ||
				     buf_adds(html, "<h3 style=\"font-size:"
						    "16px;color:#333\">") ||
				     add_html_escaped(html, it->feed_title) ||
				     buf_adds(html, "</h3>\n<ol style=\""
						    "padding-left:20px\">\n");
		}
		if (rc == 0)
			rc = render_item(it, i + 1, l, tz, text, html);
		prev = it;
	}
	if (rc == 0 && n)
		rc = buf_adds(html, "</ol>\n");
	free(order);
	return rc;
}

/* The articles past max_entries: never dropped, listed by title and link. */
static int
render_more(const struct digest *d, size_t full, const struct lang *l,
	    struct buf *text, struct buf *html)
{
	const struct digest_item *it;
	size_t i;
	int rc;

	rc = buf_addf(text, "+%zu %s\n", d->n - full, l->more) ||
	     buf_addf(html, "<p>+%zu %s</p>\n<ul>\n", d->n - full, l->more);
	for (i = full; i < d->n && rc == 0; i++) {
		it = &d->items[i];
		rc = buf_addf(text, "%zu. %s\n", i + 1,
			      it->title ? it->title : l->untitled);
		if (rc == 0 && is_web_link(it->link))
			rc = buf_addf(text, "   [%zu] %s\n", i + 1, it->link);
		if (rc == 0)
			rc = buf_adds(html, "<li>");
		if (rc == 0 && is_web_link(it->link))
			rc = buf_adds(html, "<a href=\"") ||
			     add_html_escaped(html, it->link) ||
			     buf_adds(html, "\">");
		if (rc == 0)
			rc = add_html_escaped(html, it->title ? it->title :
								l->untitled);
		if (rc == 0 && is_web_link(it->link))
			rc = buf_adds(html, "</a>");
		if (rc == 0)
			rc = buf_adds(html, "</li>\n");
	}
	if (rc == 0)
		rc = buf_addch(text, '\n') || buf_adds(html, "</ul>\n");
	return rc;
}

int
digest_render(const struct digest *d, const struct store_subscriber *sub,
	      const struct conf *cfg, const char *contact,
	      const struct digest_links *links, int64_t now, char **subject,
	      struct buf *text, struct buf *html, struct err *e)
{
	const struct lang *l = lang_for(sub, cfg);
	const char *noun = d->n == 1 ? l->article : l->articles;
	struct buf heading = BUF_INIT(BUF_MAX_LINE);
	struct buf footer = BUF_INIT(BUF_MAX_LINE);
	struct buf subj = BUF_INIT(BUF_MAX_LINE);
	size_t full = cfg->max_entries > 0 ? (size_t)cfg->max_entries : d->n;
	size_t sources = 0;
	/* dates as the subscriber reads them */
	const char *name = sub->timezone ? sub->timezone : cfg->timezone;
	struct zone *tz;
	struct tm tm;
	int rc;

	*subject = NULL;
	/* A zone that does not open has failed the schedule already, but
	 * for a preview: dates then read in UTC, as they always did. */
	tz = zone_open(name && *name ? name : "UTC", NULL);
	if (!tz)
		tz = zone_open("UTC", NULL);
	if (zone_local(tz, now, &tm) < 0) {
		zone_free(tz);
		return err_set(e, EX_SOFTWARE, "date %lld out of range",
			       (long long)now);
	}
	rc = buf_addf(&subj, "%s %s %d %s %d \xe2\x80\x94 %zu %s", l->subject,
		      l->days[tm.tm_wday], tm.tm_mday, l->months[tm.tm_mon],
		      tm.tm_year + 1900, d->n, noun);
	if (rc == 0)
		rc = buf_addf(&heading, "%s%s%zu %s", cfg->name, l->colon, d->n,
			      d->n == 1 ? l->new_one : l->new_many);
	if (rc == 0)
		rc = count_sources(d, &sources);
	/* "from 3 sources": one source says nothing the list does not */
	if (rc == 0 && sources > 1)
		rc = buf_addf(&heading, " %s %zu %s", l->from, sources,
			      l->sources);
	if (rc == 0)
		rc = buf_addf(&footer, "%s%s.", l->footer, contact);
	/* the view link first, where a reader whose client shows the text
	 * part (or no images) looks */
	if (rc == 0 && links && links->view)
		rc = buf_addf(text, "%s%s%s\n\n", l->view, l->colon,
			      links->view);
	if (rc == 0)
		rc = buf_addf(text, "%s\n\n", heading.data);
	if (rc == 0)
		rc = buf_addf(html,
			      "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
			      "<meta charset=\"utf-8\"/><meta name=\"viewport\""
			      " content=\"width=device-width\"/><title>",
			      l->code) ||
		     add_html_escaped(html, subj.data) ||
		     buf_adds(html, "</title></head>\n<body style=\"margin:0;"
				    "padding:16px;font-family:sans-serif\">\n"
				    "<div style=\"max-width:640px;margin:0 "
				    "auto\">\n<h1 style=\"font-size:20px\">") ||
		     add_html_escaped(html, heading.data) ||
		     buf_adds(html, "</h1>\n");
	if (rc == 0 && links && links->view)
		rc = buf_adds(html, "<p style=\"font-size:85%\"><a href=\"") ||
		     add_html_escaped(html, links->view) ||
		     buf_adds(html, "\">") || add_html_escaped(html, l->view) ||
		     buf_adds(html, "</a></p>\n");
	if (rc == 0)
		rc = render_groups(d, full < d->n ? full : d->n, l, tz, text,
				   html);
	if (rc == 0 && d->n > full)
		rc = render_more(d, full, l, text, html);
	if (rc == 0 && d->deferred)
		rc = buf_addf(text, "+%zu %s\n\n", d->deferred, l->deferred) ||
		     buf_addf(html, "<p>+%zu %s</p>\n", d->deferred,
			      l->deferred);
	if (rc == 0)
		rc = buf_addf(text, "-- \n%s\n", footer.data) ||
		     buf_adds(html, "<p style=\"color:#555;"
				    "font-size:85%\">") ||
		     add_html_escaped(html, footer.data) ||
		     buf_adds(html, "</p>\n");
	/* beside the unsubscribing: where to change it all, or leave */
	if (rc == 0 && links && links->preferences)
		rc = buf_addf(text, "%s%s%s\n", l->prefs, l->colon,
			      links->preferences) ||
		     buf_adds(html, "<p style=\"color:#555;font-size:85%\">"
				    "<a href=\"") ||
		     add_html_escaped(html, links->preferences) ||
		     buf_adds(html, "\">") ||
		     add_html_escaped(html, l->prefs) ||
		     buf_adds(html, "</a></p>\n");
	if (rc == 0)
		rc = buf_adds(html, "</div>\n</body></html>\n");
	buf_release(&heading);
	buf_release(&footer);
	zone_free(tz);
	if (rc) {
		buf_release(&subj);
		return err_set(e, EX_SOFTWARE, "digest for '%s' is too large",
			       sub->email);
	}
	*subject = buf_detach(&subj, NULL);
	return *subject ? 0 : err_set(e, EX_OSERR, "out of memory");
}
