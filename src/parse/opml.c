#include "config.h"

#include "parse/opml.h"

#include "lib/buf.h"
#include "lib/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* Tags of the feeds being read: the enclosing categories, outermost
 * first; total counts the tags given to feeds so far. */
struct tagstack {
	char **v;
	size_t n, cap, total;
};

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* A malloc'd copy of s[0..len) without surrounding white space, or NULL
 * with *blank set when nothing is left. */
static char *
dup_trimmed(const char *s, size_t len, int *blank)
{
	while (len && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && is_space((unsigned char)s[len - 1]))
		len--;
	*blank = len == 0;
	if (!len)
		return NULL;
	return strndup(s, len);
}

static int
name_is(const xmlChar *name, const char *want)
{
	return name && xmlStrcasecmp(name, (const xmlChar *)want) == 0;
}

/* The trimmed value of n's attribute name (any case), malloc'd; NULL when
 * absent or blank (*nomem says which NULLs are allocation failures). */
static char *
attr_get(xmlNodePtr n, const char *name, int *nomem)
{
	xmlAttrPtr a;
	xmlChar *v;
	char *s;
	int blank;

	for (a = n->properties; a; a = a->next)
		if (name_is(a->name, name))
			break;
	if (!a)
		return NULL;
	v = xmlNodeListGetString(n->doc, a->children, 1);
	if (!v)
		return NULL;
	s = dup_trimmed((const char *)v, strlen((const char *)v), &blank);
	if (!s && !blank)
		*nomem = 1;
	xmlFree(v);
	return s;
}

static void
feed_release(struct opml_feed *f)
{
	size_t i;

	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	free(f->tags);
	free(f->url);
	free(f->title);
	free(f->html_url);
	memset(f, 0, sizeof(*f));
}

void
opml_release(struct opml *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nfeeds; i++)
		feed_release(&o->feeds[i]);
	free(o->feeds);
	free(o->title);
	memset(o, 0, sizeof(*o));
}

int
opml_add_feed(struct opml *o, const char *url, const char *title,
	      const char *const *tags, size_t ntags, struct err *e)
{
	struct opml_feed f = { NULL, NULL, NULL, NULL, 0 }, *grown;
	size_t i;

	if (o->nfeeds >= SIZE_MAX / sizeof(*o->feeds) / 2 ||
	    ntags >= SIZE_MAX / sizeof(*f.tags))
		goto nomem;
	/* grow by powers of two: nfeeds is a power of two when full */
	if ((o->nfeeds & (o->nfeeds - 1)) == 0) {
		grown = realloc(o->feeds, (o->nfeeds ? 2 * o->nfeeds : 1) *
						  sizeof(*o->feeds));
		if (!grown)
			goto nomem;
		o->feeds = grown;
	}
	f.url = strdup(url ? url : "");
	if (!f.url || (title && !(f.title = strdup(title))))
		goto nomem;
	if (ntags) {
		f.tags = calloc(ntags, sizeof(*f.tags));
		if (!f.tags)
			goto nomem;
		for (i = 0; i < ntags; i++) {
			f.tags[i] = strdup(tags[i]);
			if (!f.tags[i])
				goto nomem;
			f.ntags++;
		}
	}
	o->feeds[o->nfeeds++] = f;
	return 0;
nomem:
	feed_release(&f);
	return err_set(e, EX_OSERR, "opml: out of memory");
}

int
opml_set_html_url(struct opml *o, const char *html_url, struct err *e)
{
	struct opml_feed *f;
	char *copy = NULL;

	if (!o->nfeeds)
		return err_set(e, EX_SOFTWARE, "opml: no feed to set");
	f = &o->feeds[o->nfeeds - 1];
	if (html_url && *html_url && !(copy = strdup(html_url)))
		return err_set(e, EX_OSERR, "opml: out of memory");
	free(f->html_url);
	f->html_url = copy;
	return 0;
}

static int
tags_push(struct tagstack *ts, char *tag)
{
	char **grown;

	if (ts->n == ts->cap) {
		if (ts->cap > SIZE_MAX / sizeof(*ts->v) / 2 - 8)
			return -1;
		grown = realloc(ts->v, (ts->cap * 2 + 8) * sizeof(*ts->v));
		if (!grown)
			return -1;
		ts->v = grown;
		ts->cap = ts->cap * 2 + 8;
	}
	ts->v[ts->n++] = tag;
	return 0;
}

static void
tags_release(struct tagstack *ts)
{
	while (ts->n)
		free(ts->v[--ts->n]);
	free(ts->v);
	ts->v = NULL;
	ts->cap = 0;
}

/* Appends to ts the tags of a category attribute: comma separated paths
 * whose "/"-separated components are each one tag. Returns -1 when memory
 * runs out. */
static int
tags_add_categories(struct tagstack *ts, const char *cat)
{
	const char *p = cat, *end;
	char *tag;
	int blank;

	while (*p) {
		end = p + strcspn(p, ",/");
		tag = dup_trimmed(p, (size_t)(end - p), &blank);
		if (!tag && !blank)
			return -1;
		if (tag && tags_push(ts, tag) < 0) {
			free(tag);
			return -1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Adds the feed outline n to o with the tags in ts, then those of its
 * category attribute, each once. */
static int
add_outline_feed(struct opml *o, xmlNodePtr n, char *url, struct tagstack *ts,
		 struct err *e)
{
	struct tagstack all = { NULL, 0, 0, 0 };
	const char **uniq = NULL;
	char *title = NULL, *cat = NULL, *html_url = NULL;
	size_t i, j, nuniq = 0;
	int nomem = 0, rc = -1;

	html_url = attr_get(n, "htmlUrl", &nomem);
	title = attr_get(n, "title", &nomem);
	if (!title && !nomem)
		title = attr_get(n, "text", &nomem);
	cat = attr_get(n, "category", &nomem);
	if (nomem || (cat && tags_add_categories(&all, cat) < 0))
		goto nomem;
	uniq = calloc(ts->n + all.n + 1, sizeof(*uniq));
	if (!uniq)
		goto nomem;
	/* stops one past the cap, so that this stays linear */
	for (i = 0; i < ts->n + all.n && nuniq <= OPML_MAX_TAGS; i++) {
		const char *t = i < ts->n ? ts->v[i] : all.v[i - ts->n];

		for (j = 0; j < nuniq && strcmp(uniq[j], t) != 0; j++)
			;
		if (j == nuniq)
			uniq[nuniq++] = t;
	}
	/* caps: a hostile file must not turn 16 MB into gigabytes */
	if (nuniq > OPML_MAX_TAGS) {
		err_set(e, EX_DATAERR, "feed %zu has more than %d tags",
			o->nfeeds + 1, OPML_MAX_TAGS);
		goto out;
	}
	ts->total += nuniq;
	if (ts->total > OPML_MAX_TAGS_TOTAL) {
		err_set(e, EX_DATAERR, "more than %d tags in all",
			OPML_MAX_TAGS_TOTAL);
		goto out;
	}
	rc = opml_add_feed(o, url, title, uniq, nuniq, e);
	if (rc == 0 && html_url)
		rc = opml_set_html_url(o, html_url, e);
	goto out;
nomem:
	err_set(e, EX_OSERR, "opml: out of memory");
out:
	free(uniq);
	tags_release(&all);
	free(cat);
	free(title);
	free(html_url);
	return rc;
}

/* Walks the outlines under parent; recursion depth is bounded by
 * libxml2's own nesting limit (256 without XML_PARSE_HUGE). */
static int
walk(xmlNodePtr parent, struct tagstack *ts, struct opml *o, struct err *e)
{
	char *url = NULL, *type = NULL, *name = NULL;
	int nomem = 0, rc = -1;
	size_t depth = ts->n;
	xmlNodePtr n;

	for (n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || !name_is(n->name, "outline"))
			continue;
		url = attr_get(n, "xmlUrl", &nomem);
		if (!url && !nomem) {
			type = attr_get(n, "type", &nomem);
			if (!type ||
			    (!name_is((const xmlChar *)type, "link") &&
			     !name_is((const xmlChar *)type, "include")))
				url = attr_get(n, "url", &nomem);
		}
		if (!url && !nomem) {
			name = attr_get(n, "text", &nomem);
			if (!name && !nomem)
				name = attr_get(n, "title", &nomem);
		}
		if (nomem)
			goto nomem;
		if (url && add_outline_feed(o, n, url, ts, e) < 0)
			goto out;
		if (name) {
			if (tags_push(ts, name) < 0)
				goto nomem;
			name = NULL;
		}
		if (walk(n, ts, o, e) < 0)
			goto out;
		while (ts->n > depth)
			free(ts->v[--ts->n]);
		free(url);
		free(type);
		url = type = NULL;
	}
	rc = 0;
	goto out;
nomem:
	err_set(e, EX_OSERR, "opml: out of memory");
out:
	free(url);
	free(type);
	free(name);
	return rc;
}

static xmlNodePtr
child_element(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	for (n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && name_is(n->name, name))
			return n;
	return NULL;
}

/* Reads the whole file, at most OPML_MAX_FILE bytes, into b. */
static int
slurp(const char *path, struct buf *b, struct err *e)
{
	char chunk[64 * 1024];
	FILE *f;
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f)
		return err_set(e, EX_NOINPUT, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(b, chunk, n) < 0) {
			rc = errno == EMSGSIZE ?
				     err_set(e, EX_DATAERR,
					     "%s: larger than %u MB", path,
					     OPML_MAX_FILE / 1024 / 1024) :
				     err_set(e, EX_OSERR, "%s: out of memory",
					     path);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = err_set(e, EX_NOINPUT, "%s: %s", path, strerror(errno));
	fclose(f);
	return rc;
}

int
opml_read(const char *path, struct opml *out, struct err *e)
{
	struct buf data = BUF_INIT(OPML_MAX_FILE);
	struct tagstack ts = { NULL, 0, 0, 0 };
	xmlParserCtxtPtr ctxt = NULL;
	xmlNodePtr root, head, title, body;
	xmlChar *text = NULL;
	xmlDocPtr doc = NULL;
	int rc = -1, blank;

	memset(out, 0, sizeof(*out));
	if (slurp(path, &data, e) < 0)
		goto out;
	if (data.len == 0) {
		err_set(e, EX_DATAERR, "%s:1: document is empty", path);
		goto out;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		err_set(e, EX_OSERR, "%s: out of memory", path);
		goto out;
	}
	/* No XML_PARSE_NOENT, no DTD loading, no network; errors come back
	 * through the context, not on stderr. */
	doc = xmlCtxtReadMemory(ctxt, data.data, (int)data.len, path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (!doc || !ctxt->wellFormed) {
		xmlErrorPtr xe = xmlCtxtGetLastError(ctxt);
		char *p;

		err_set(e, EX_DATAERR, "%s:%d: %s", path,
			xe && xe->line > 0 ? xe->line : 1,
			xe && xe->message ? xe->message : "not well-formed");
		/* libxml2 messages end in a newline and some have two
		 * lines ("...\nBytes: 0xFF"): make it one line */
		if (e) {
			for (p = e->msg; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			while (p > e->msg && p[-1] == ' ')
				*--p = '\0';
		}
		goto out;
	}
	if (doc->intSubset && doc->intSubset->entities) {
		err_set(e, EX_DATAERR,
			"%s: entity declarations are not "
			"allowed",
			path);
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !name_is(root->name, "opml")) {
		err_set(e, EX_DATAERR,
			"%s: not an OPML file (root element "
			"is '%s')",
			path, root ? (const char *)root->name : "");
		goto out;
	}
	head = child_element(root, "head");
	title = head ? child_element(head, "title") : NULL;
	if (title && (text = xmlNodeGetContent(title)) != NULL) {
		out->title = dup_trimmed((const char *)text,
					 strlen((const char *)text), &blank);
		if (!out->title && !blank) {
			err_set(e, EX_OSERR, "%s: out of memory", path);
			goto out;
		}
	}
	body = child_element(root, "body");
	if (body && walk(body, &ts, out, e) < 0) {
		err_prefix(e, "%s", path);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		opml_release(out);
	tags_release(&ts);
	xmlFree(text);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	buf_release(&data);
	return rc;
}

/* XML 1.0 2.2 Char */
static int
is_xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Writes s escaped for XML 1.0 content or a double-quoted attribute. */
static void
put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c;
	size_t bad;
	int len;

	while (*p) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			p++;
			continue;
		case '<':
			fputs("&lt;", f);
			p++;
			continue;
		case '>':
			fputs("&gt;", f);
			p++;
			continue;
		case '"':
			fputs("&quot;", f);
			p++;
			continue;
		/* attribute-value normalization would turn these into
		 * spaces (XML 1.0 3.3.3) */
		case '\t':
			fputs("&#9;", f);
			p++;
			continue;
		case '\n':
			fputs("&#10;", f);
			p++;
			continue;
		case '\r':
			fputs("&#13;", f);
			p++;
			continue;
		default:
			break;
		}
		len = utf8_decode(p, strnlen((const char *)p, 4), &c, &bad);
		if (len <= 0) {
			fputs("\xef\xbf\xbd", f);
			p += len < 0 ? strlen((const char *)p) : bad;
			continue;
		}
		if (is_xml_char(c))
			fwrite(p, 1, (size_t)len, f);
		p += len;
	}
}

static void
indent(FILE *f, size_t depth)
{
	size_t i;

	for (i = 0; i < depth + 2; i++)
		fputs("  ", f);
}

static int
is_blank(const char *s)
{
	if (!s)
		return 1;
	while (is_space((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* The non-blank tags of f into v (sized f->ntags); returns their count. */
static size_t
effective_tags(const struct opml_feed *f, const char **v)
{
	size_t i, n = 0;

	for (i = 0; i < f->ntags; i++)
		if (!is_blank(f->tags[i]))
			v[n++] = f->tags[i];
	return n;
}

int
opml_write(FILE *f, const struct opml *o, struct err *e)
{
	const char **prev = NULL, **cur = NULL, **swap;
	size_t i, k, nprev = 0, ncur, common, maxtags = 1;
	int rc = -1;

	for (i = 0; i < o->nfeeds; i++) {
		if (is_blank(o->feeds[i].url))
			return err_set(e, EX_SOFTWARE,
				       "write OPML: feed %zu "
				       "has no URL",
				       i + 1);
		if (o->feeds[i].ntags > maxtags)
			maxtags = o->feeds[i].ntags;
	}
	prev = calloc(maxtags, sizeof(*prev));
	if (!prev)
		return err_set(e, EX_OSERR, "write OPML: out of memory");
	for (i = 0; i < o->nfeeds; i++)
		if (effective_tags(&o->feeds[i], prev) > OPML_MAX_TAGS) {
			free(prev);
			return err_set(e, EX_SOFTWARE,
				       "write OPML: feed %zu "
				       "has more than %d tags",
				       i + 1, OPML_MAX_TAGS);
		}
	cur = calloc(maxtags, sizeof(*cur));
	if (!cur) {
		err_set(e, EX_OSERR, "write OPML: out of memory");
		goto out;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<opml version=\"2.0\">\n"
	      "  <head>\n",
	      f);
	if (!is_blank(o->title)) {
		fputs("    <title>", f);
		put_escaped(f, o->title);
		fputs("</title>\n", f);
	}
	fputs("  </head>\n"
	      "  <body>\n",
	      f);
	for (i = 0; i < o->nfeeds; i++) {
		const struct opml_feed *feed = &o->feeds[i];

		ncur = effective_tags(feed, cur);
		for (common = 0; common < nprev && common < ncur &&
				 strcmp(prev[common], cur[common]) == 0;
		     common++)
			;
		for (k = nprev; k > common; k--) {
			indent(f, k - 1);
			fputs("</outline>\n", f);
		}
		for (k = common; k < ncur; k++) {
			indent(f, k);
			fputs("<outline text=\"", f);
			put_escaped(f, cur[k]);
			fputs("\">\n", f);
		}
		indent(f, ncur);
		fputs("<outline type=\"rss\" text=\"", f);
		if (!is_blank(feed->title))
			put_escaped(f, feed->title);
		fputs("\"", f);
		if (!is_blank(feed->title)) {
			fputs(" title=\"", f);
			put_escaped(f, feed->title);
			fputs("\"", f);
		}
		fputs(" xmlUrl=\"", f);
		put_escaped(f, feed->url);
		if (!is_blank(feed->html_url)) {
			fputs("\" htmlUrl=\"", f);
			put_escaped(f, feed->html_url);
		}
		fputs("\"/>\n", f);
		swap = prev;
		prev = cur;
		cur = swap;
		nprev = ncur;
	}
	for (k = nprev; k > 0; k--) {
		indent(f, k - 1);
		fputs("</outline>\n", f);
	}
	fputs("  </body>\n"
	      "</opml>\n",
	      f);
	if (fflush(f) != 0 || ferror(f)) {
		err_set(e, EX_IOERR, "write OPML: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(prev);
	free(cur);
	return rc;
}
