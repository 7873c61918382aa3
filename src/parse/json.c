#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/html.h"
#include "lib/url.h"
#include "parse/internal.h"

/*
 * JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1). The document
 * is read whole by jansson (at most BUF_MAX_DOC bytes, held by parse.c).
 * Titles are plain text already; content_html is HTML, content_text is
 * escaped to HTML when there is no content_html.
 */

static const char *
str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) && *json_string_value(v) ?
		       json_string_value(v) :
		       NULL;
}

/* A trimmed, collapsed copy (plain fields), NULL when empty. */
static char *
plain(const char *s)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);

	if (!s)
		return NULL;
	if (buf_adds(&b, s) < 0)
		buf_setlen(&b, 0);
	text_collapse_ws(&b);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static char *
url_of(const char *base, const char *s)
{
	return s ? url_resolve(base, s) : NULL;
}

/* 1.1 "authors" array, else 1.0 "author": the first name. */
static char *
author_of(json_t *obj)
{
	json_t *a = json_object_get(obj, "authors");

	if (json_is_array(a) && json_array_size(a))
		return plain(str(json_array_get(a, 0), "name"));
	a = json_object_get(obj, "author");
	if (json_is_object(a))
		return plain(str(a, "name"));
	return NULL;
}

static int
read_item(struct parser *p, json_t *it, const char *base, struct entry *en)
{
	json_t *v;
	size_t i;

	v = json_object_get(it, "id");
	if (json_is_string(v) && *json_string_value(v))
		en->id = strdup(json_string_value(v));
	else if (json_is_integer(v)) {
		struct buf b = BUF_INIT(32);

		buf_addf(&b, "%lld", (long long)json_integer_value(v));
		en->id = buf_detach(&b, NULL);
	}
	en->title = plain(str(it, "title"));
	en->link = url_of(base, str(it, "url"));
	if (!en->link)
		en->link = url_of(base, str(it, "external_url"));
	en->author = author_of(it);
	if (str(it, "summary")) {
		struct buf b = BUF_INIT(BUF_MAX_FIELD);

		html_escape(&b, str(it, "summary"), strlen(str(it, "summary")),
			    0);
		en->summary = b.len ? buf_detach(&b, NULL) : NULL;
		buf_release(&b);
	}
	if (str(it, "content_html")) {
		en->content = strdup(str(it, "content_html"));
	} else if (str(it, "content_text")) {
		struct buf b = BUF_INIT(BUF_MAX_FIELD);

		html_escape(&b, str(it, "content_text"),
			    strlen(str(it, "content_text")), 0);
		en->content = b.len ? buf_detach(&b, NULL) : NULL;
		buf_release(&b);
	}
	en->published = parser_date(p, str(it, "date_published"), 0);
	en->updated = parser_date(p, str(it, "date_modified"), 0);
	v = json_object_get(it, "tags");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		json_t *t = json_array_get(v, i);

		if (json_is_string(t) && *json_string_value(t) &&
		    entry_add_category(en, json_string_value(t)) > 0)
			parser_warn(p, PARSE_WARN_TRUNCATED, 0,
				    "more than %d categories",
				    FEED_MAX_CATEGORIES);
	}
	v = json_object_get(it, "attachments");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		json_t *a = json_array_get(v, i);
		json_t *sz = json_object_get(a, "size_in_bytes");
		char *u = url_of(base, str(a, "url"));
		const char *type = str(a, "mime_type");

		if (!u)
			continue;
		if (entry_add_enclosure(en, u, type ? strdup(type) : NULL,
					json_is_integer(sz) &&
							json_integer_value(
								sz) >= 0 ?
						json_integer_value(sz) :
						-1) > 0)
			parser_warn(p, PARSE_WARN_TRUNCATED, 0,
				    "more than %d enclosures",
				    FEED_MAX_ENCLOSURES);
	}
	return 0;
}

int
parse_json_doc(struct parser *p, const char *s, size_t len, struct err *e)
{
	json_error_t jerr;
	json_t *root, *items;
	const char *version;
	struct feed *f = p->feed;
	struct entry *en = NULL;
	size_t i;
	int rc = -1;

	(void)e;
	root = json_loadb(s, len, 0, &jerr);
	if (!root)
		return parser_reject(p, "not a feed (JSON: %s)", jerr.text);
	version = str(root, "version");
	if (!json_is_object(root) || !version ||
	    strncmp(version, "https://jsonfeed.org/version/", 29) != 0) {
		parser_reject(p,
			      "not a feed (JSON without a JSON Feed version)");
		goto out;
	}
	f->format = !strcmp(version + 29, "1") ? FEED_FORMAT_JSON10 :
						 FEED_FORMAT_JSON11;
	f->title = plain(str(root, "title"));
	f->link = url_of(p->base, str(root, "home_page_url"));
	f->subtitle = str(root, "description") ?
			      strdup(str(root, "description")) :
			      NULL;
	f->language = plain(str(root, "language"));
	f->author = author_of(root);
	items = json_object_get(root, "items");
	en = entry_new();
	if (!en) {
		parser_fail(p, EX_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; json_is_array(items) && i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);

		if (!json_is_object(it))
			continue;
		entry_clear(en);
		read_item(p, it, p->base, en);
		if (parser_emit(p, en))
			break;
	}
	rc = 0;
out:
	entry_free(en);
	json_decref(root);
	return rc;
}
