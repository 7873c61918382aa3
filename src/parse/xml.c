#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include "lib/html.h"
#include "lib/url.h"
#include "lib/utf8.h"
#include "parse/internal.h"

/*
 * The SAX2 handler for RSS 0.9x/1.0/2.0 and Atom 0.3/1.0.
 *
 * A stack of frames follows the open elements, each with its xml:base and
 * xml:lang and what it is to us (its role); on broken markup it follows
 * the end tags of the source rather than libxml2's recovery (on_end). A field element (title, link,
 * description...) opens a capture: its text, and any markup inside it
 * serialized back, gathered in one bounded buffer and turned into the
 * field's value at its end tag (plain text for titles, HTML for summary
 * and content, an absolute URL for links, a date). Fields of one entry or
 * of the feed may come from several elements; a priority per slot decides
 * (RSS <title> over dc:title over media:title), the first of equal
 * priority wins, except for dates where a later one overwrites, as in
 * feedparser. Unknown elements are skipped with their subtree. Relative
 * URLs, also those inside HTML content, are resolved against the base in
 * effect where they appear, which is lost once the value is a string.
 */

enum ns {
	NS_NONE,
	NS_RSS, /* RSS 0.90 / 1.0 / 2.0 namespaces */
	NS_RSS090,
	NS_ATOM10,
	NS_ATOM03,
	NS_RDF,
	NS_DC,
	NS_DCTERMS,
	NS_CONTENT,
	NS_MEDIA,
	NS_SY,
	NS_XHTML,
	NS_XML,
	NS_ITUNES,
	NS_OTHER,
};

static const struct {
	const char *uri;
	enum ns ns;
} ns_table[] = {
	{ "http://www.w3.org/2005/atom", NS_ATOM10 },
	{ "http://purl.org/atom/ns#", NS_ATOM03 },
	/* pre-0.3 drafts feedparser still reads */
	{ "http://example.com/newformat#", NS_ATOM03 },
	{ "http://example.com/necho", NS_ATOM03 },
	{ "http://purl.org/echo/", NS_ATOM03 },
	{ "http://purl.org/pie/", NS_ATOM03 },
	{ "http://purl.org/rss/1.0/", NS_RSS },
	{ "http://my.netscape.com/rdf/simple/0.9/", NS_RSS090 },
	{ "http://backend.userland.com/rss2", NS_RSS },
	{ "http://backend.userland.com/rss", NS_RSS },
	{ "http://blogs.law.harvard.edu/tech/rss", NS_RSS },
	{ "http://purl.org/net/rss1.1#", NS_RSS },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF },
	{ "http://purl.org/dc/elements/1.1/", NS_DC },
	{ "http://purl.org/dc/elements/1.0/", NS_DC },
	{ "http://purl.org/dc/terms/", NS_DCTERMS },
	{ "http://purl.org/rss/1.0/modules/content/", NS_CONTENT },
	{ "http://search.yahoo.com/mrss/", NS_MEDIA },
	{ "http://search.yahoo.com/mrss", NS_MEDIA },
	{ "http://purl.org/rss/1.0/modules/syndication/", NS_SY },
	{ "http://www.w3.org/1999/xhtml", NS_XHTML },
	{ "http://www.w3.org/xml/1998/namespace", NS_XML },
	{ "http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES },
};

/* Prefixes used without a declaration, as feeds do. */
static const struct {
	const char *prefix;
	enum ns ns;
} prefix_table[] = {
	{ "dc", NS_DC },           { "dcterms", NS_DCTERMS },
	{ "content", NS_CONTENT }, { "media", NS_MEDIA },
	{ "sy", NS_SY },           { "atom", NS_ATOM10 },
	{ "rdf", NS_RDF },         { "xhtml", NS_XHTML },
	{ "xml", NS_XML },
};

enum role {
	ROLE_NONE,   /* follow children */
	ROLE_IGNORE, /* skip the subtree */
	ROLE_ROOT,
	ROLE_FEED, /* channel / atom feed */
	ROLE_ENTRY,
	ROLE_AUTHOR,  /* atom author container */
	ROLE_GROUP,   /* media:group: children count as the entry's */
	ROLE_CAPTURE, /* the field element itself */
	ROLE_MARKUP,  /* an element inside a capture */
};

enum field {
	F_TITLE,
	F_LINK,
	F_SUBTITLE, /* feed */
	F_SUMMARY,  /* entry */
	F_CONTENT,
	F_LANGUAGE,
	F_UPDATED,
	F_PUBLISHED,
	F_AUTHOR,
	F_ID,
	F_GUID,
	F_CATEGORY,
	F_TTL,
	F_SY_PERIOD,
	F_SY_FREQ,
	F__COUNT
};

enum ctype {
	CT_TEXT,  /* plain text */
	CT_GUESS, /* plain text that may be HTML (RSS titles) */
	CT_HTML,
	CT_XHTML, /* inline markup */
};

struct frame {
	const xmlChar *name;   /* local name, owned by libxml2's dict */
	const xmlChar *prefix; /* also the dict's, or NULL */
	enum ns ns;
	enum role role;
	char *base; /* absolute xml:base in effect */
	int base_owned;
	const char *lang; /* xml:lang in effect (points in a frame) */
	char *lang_owned;
};

struct capture {
	int on;
	size_t depth; /* frame index of the field element */
	enum field field;
	int entry; /* entry-level, else feed-level */
	int prio;
	enum ctype type;
	int base64;
	int markup;     /* child elements were serialized */
	int atom_xhtml; /* Atom 1.0 type="xhtml": drop the div */
	int permalink;  /* guid isPermaLink */
	int full;       /* over BUF_MAX_FIELD: no more text */
	long line;
	struct buf text;
};

struct parse_xml {
	struct parser *p;
	xmlParserCtxtPtr ctxt;
	struct frame stack[PARSE_MAX_DEPTH];
	size_t depth;    /* frames in use */
	size_t overflow; /* elements deeper than we follow */
	int root_seen;
	int html;
	long root_line; /* where the root element starts */
	int atomish;    /* Atom: <author> is a container */
	int got_feed;   /* a feed or channel element was seen */
	struct capture cap;

	int in_entry;
	struct entry entry;
	int eprio[F__COUNT];
	char *guid_link; /* a permalink guid, the link fallback */
	char *rdf_about;
	int fprio[F__COUNT];
	int64_t feed_published;
	int sy_period; /* minutes per period */
	long sy_freq;
	int errors;
	const char *root_name;
	char *mismatch;          /* the end tag libxml2 did not expect */
	const xmlChar *last_uri; /* the last namespace URI an element had */
	enum ns last_ns;         /* and its ns_of */
};

static enum ns
ns_of(const xmlChar *uri, const xmlChar *prefix)
{
	size_t i, n;

	if (!uri || !*uri) {
		if (!prefix)
			return NS_NONE;
		for (i = 0; i < sizeof(prefix_table) / sizeof(prefix_table[0]);
		     i++)
			if (!strcmp((const char *)prefix,
				    prefix_table[i].prefix))
				return prefix_table[i].ns;
		return NS_OTHER;
	}
	n = strlen((const char *)uri);
	for (i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++) {
		size_t m = strlen(ns_table[i].uri);

		/* feedparser compares namespaces without case */
		if (n == m && !strcasecmp((const char *)uri, ns_table[i].uri))
			return ns_table[i].ns;
		if (n + 1 == m && ns_table[i].uri[m - 1] == '/' &&
		    !strncasecmp((const char *)uri, ns_table[i].uri, n))
			return ns_table[i].ns;
	}
	return NS_OTHER;
}

/* RSS or Atom elements (and undeclared ones). */
static int
is_core(enum ns ns)
{
	return ns == NS_NONE || ns == NS_RSS || ns == NS_RSS090 ||
	       ns == NS_ATOM10 || ns == NS_ATOM03;
}

static long
cur_line(const struct parse_xml *x)
{
	return x->ctxt ? xmlSAX2GetLineNumber(x->ctxt) : 0;
}

long
parse_xml_line(const struct parse_xml *x)
{
	/* "not a feed" is about the root element, wherever libxml2 is */
	if (x->html || x->p->state == PARSE_FAILED)
		return x->root_line ? x->root_line : cur_line(x);
	return cur_line(x);
}

/* The value of attribute name (no namespace, or the given one), as a
 * pointer into libxml2's array with its length. */
static const xmlChar *
attr(int nb, const xmlChar **attrs, const char *name, enum ns ns, size_t *len)
{
	int i;

	for (i = 0; i < nb; i++) {
		const xmlChar **a = attrs + i * 5;

		/* cheap tests first: every element is asked for xml:base
		 * and xml:lang */
		if (ns == NS_NONE ? a[2] && a[1] : !a[2] && !a[1])
			continue;
		if (a[0][0] != (unsigned char)name[0] ||
		    strcmp((const char *)a[0], name) != 0)
			continue;
		if (ns != NS_NONE && ns_of(a[2], a[1]) != ns)
			continue;
		*len = (size_t)(a[4] - a[3]);
		return a[3];
	}
	return NULL;
}

/* Appends an attribute value as libxml2 gives it: without entity
 * substitution it leaves a '&' as "&#38;" (for its tree builder to read
 * again); nothing else in the value can look like that. */
static int
attr_add(struct buf *b, const xmlChar *v, size_t len)
{
	const char *s = (const char *)v, *end = s + len, *amp;

	while ((amp = memchr(s, '&', (size_t)(end - s))) != NULL) {
		size_t skip = end - amp >= 5 && !memcmp(amp, "&#38;", 5) ? 5 :
									   1;

		if (buf_add(b, s, (size_t)(amp - s)) < 0 ||
		    buf_addch(b, '&') < 0)
			return -1;
		s = amp + skip;
	}
	return buf_add(b, s, (size_t)(end - s));
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* The value of attribute name (no namespace) with the white space
 * buf_trim takes off, in place: for comparing, not keeping (a '&' is
 * still "&#38;"). NULL when absent or blank. */
static const char *
attr_span(int nb, const xmlChar **attrs, const char *name, size_t *len)
{
	const char *v = (const char *)attr(nb, attrs, name, NS_NONE, len);

	if (!v)
		return NULL;
	while (*len && is_space(v[*len - 1]))
		(*len)--;
	while (*len && is_space(*v))
		v++, (*len)--;
	return *len ? v : NULL;
}

/* Whether v[0..len) is s, without case. */
static int
span_is(const char *v, size_t len, const char *s)
{
	return strlen(s) == len && !strncasecmp(v, s, len);
}

/* Copy of an attribute value, or NULL. */
static char *
attr_dup(int nb, const xmlChar **attrs, const char *name)
{
	size_t len;
	const xmlChar *v = attr(nb, attrs, name, NS_NONE, &len);
	struct buf b = BUF_INIT(BUF_MAX_FIELD);

	if (!v)
		return NULL;
	if (attr_add(&b, v, len) < 0) {
		buf_release(&b);
		return NULL;
	}
	buf_trim(&b);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
attr_is(int nb, const xmlChar **attrs, const char *name, const char *val)
{
	size_t len;
	const xmlChar *v = attr(nb, attrs, name, NS_NONE, &len);

	return v && strlen(val) == len &&
	       !strncasecmp((const char *)v, val, len);
}

static const char *
cur_base(const struct parse_xml *x)
{
	return x->depth ? x->stack[x->depth - 1].base : x->p->base;
}

/* --- slots ------------------------------------------------------------- */

static char **
slot_str(struct parse_xml *x, int entry, enum field f)
{
	struct feed *fd = x->p->feed;
	struct entry *en = &x->entry;

	switch (f) {
	case F_TITLE:
		return entry ? &en->title : &fd->title;
	case F_LINK:
		return entry ? &en->link : &fd->link;
	case F_SUBTITLE:
		return entry ? NULL : &fd->subtitle;
	case F_SUMMARY:
		return entry ? &en->summary : &fd->subtitle;
	case F_CONTENT:
		return entry ? &en->content : NULL;
	case F_LANGUAGE:
		return entry ? NULL : &fd->language;
	case F_AUTHOR:
		return entry ? &en->author : &fd->author;
	case F_ID:
		return entry ? &en->id : NULL;
	default:
		return NULL;
	}
}

/* Stores v (taken) in a string slot if prio beats what is there. */
static void
set_str(struct parse_xml *x, int entry, enum field f, int prio, char *v)
{
	char **slot = slot_str(x, entry, f);
	int *pr = entry ? &x->eprio[f] : &x->fprio[f];

	if (!slot || !v || prio <= *pr) {
		free(v);
		return;
	}
	free(*slot);
	*slot = v;
	*pr = prio;
}

static void
set_date(struct parse_xml *x, int entry, enum field f, int prio, int64_t t)
{
	int *pr = entry ? &x->eprio[f] : &x->fprio[f];
	int64_t *slot;

	if (t == DATE_NONE)
		return;
	if (f == F_PUBLISHED)
		slot = entry ? &x->entry.published : &x->feed_published;
	else
		slot = entry ? &x->entry.updated : &x->p->feed->updated;
	/* feedparser: a later date of the same kind overwrites */
	if (prio < *pr)
		return;
	*slot = t;
	*pr = prio;
}

/* --- captures ---------------------------------------------------------- */

static void
cap_add(struct parse_xml *x, const void *s, size_t len, int escape)
{
	struct capture *c = &x->cap;
	int rc;

	if (c->full)
		return;
	rc = escape ? html_escape(&c->text, s, len, 0) :
		      buf_add(&c->text, s, len);
	if (rc < 0) {
		c->full = 1;
		parser_warn(x->p, PARSE_WARN_TRUNCATED, cur_line(x),
			    "field longer than %u bytes truncated",
			    (unsigned)BUF_MAX_FIELD);
	}
}

static enum ctype
text_type(int nb, const xmlChar **attrs, int *base64, int *atom_xhtml,
	  enum ctype dflt)
{
	size_t len, mlen;
	const xmlChar *t = attr(nb, attrs, "type", NS_NONE, &len);
	const xmlChar *m = attr(nb, attrs, "mode", NS_NONE, &mlen);
	enum ctype ct = dflt;
	char type[64];

	*base64 = 0;
	*atom_xhtml = 0;
	if (t && len < sizeof(type)) {
		memcpy(type, t, len);
		type[len] = '\0';
		if (!strcasecmp(type, "text") ||
		    !strcasecmp(type, "text/plain"))
			ct = CT_TEXT;
		else if (!strcasecmp(type, "html") ||
			 !strcasecmp(type, "text/html"))
			ct = CT_HTML;
		else if (!strcasecmp(type, "xhtml")) {
			ct = CT_XHTML;
			*atom_xhtml = 1;
		} else if (!strcasecmp(type, "application/xhtml+xml"))
			ct = CT_XHTML;
		else if (!strncasecmp(type, "text/", 5))
			ct = CT_TEXT;
		else if (strstr(type, "xml"))
			ct = CT_XHTML;
		else
			ct = CT_TEXT;
	}
	if (m) {
		if (mlen == 7 && !strncasecmp((const char *)m, "escaped", 7)) {
			if (ct == CT_XHTML)
				ct = CT_HTML;
		} else if (mlen == 6 &&
			   !strncasecmp((const char *)m, "base64", 6)) {
			*base64 = 1;
			if (ct == CT_XHTML)
				ct = CT_HTML;
		}
	}
	return ct;
}

static void
cap_start(struct parse_xml *x, enum field f, int entry, int prio,
	  enum ctype type)
{
	struct capture *c = &x->cap;

	c->on = 1;
	c->depth = x->depth - 1;
	c->field = f;
	c->entry = entry;
	c->prio = prio;
	c->type = type;
	c->base64 = 0;
	c->markup = 0;
	c->atom_xhtml = 0;
	c->permalink = 0;
	c->full = 0;
	c->line = cur_line(x);
	buf_reset(&c->text);
	x->stack[x->depth - 1].role = ROLE_CAPTURE;
}

/* Looks like HTML: a closing tag or an entity reference (feedparser's
 * test for text/plain content). */
static int
looks_like_html(const char *s)
{
	const char *p;

	for (p = s; (p = strchr(p, '<')); p++)
		if (p[1] == '/' && (p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'z')
			return strchr(p, '>') != NULL;
	for (p = s; (p = strchr(p, '&')); p++) {
		const char *q = p + 1;

		if (*q == '#')
			q++;
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		       (*q >= '0' && *q <= '9'))
			q++;
		if (q > p + 1 && *q == ';')
			return 1;
	}
	return 0;
}

static int
is_plain_field(enum field f)
{
	return f == F_TITLE || f == F_AUTHOR || f == F_CATEGORY;
}

/* Strips the wrapping <div> of Atom 1.0 xhtml content (RFC 4287 3.1.1.3:
 * the div is not part of the content). */
static void
strip_div(struct buf *b)
{
	const char *gt;
	size_t tail = 6; /* "</div>" */

	buf_trim(b);
	if (b->len < 11 || strncmp(b->data, "<div", 4) != 0 ||
	    (b->data[4] != '>' && b->data[4] != ' '))
		return;
	if (strcmp(b->data + b->len - tail, "</div>") != 0)
		return;
	gt = strchr(b->data, '>');
	if (!gt || (size_t)(gt - b->data) + 1 > b->len - tail)
		return;
	{
		size_t start = (size_t)(gt - b->data) + 1;
		size_t len = b->len - tail - start;

		memmove(b->data, b->data + start, len);
		buf_setlen(b, len);
	}
}

/* Repairs the UTF-8 of base64-decoded bytes: invalid sequences become
 * U+FFFD, characters XML forbids are dropped. */
static void
fix_utf8(struct buf *b)
{
	struct buf out = BUF_INIT(BUF_MAX_FIELD + 16);
	const unsigned char *s = (const unsigned char *)b->data;
	size_t i = 0, bad;
	unsigned long cp;

	while (i < b->len) {
		int n = utf8_decode(s + i, b->len - i, &cp, &bad);

		if (n > 0) {
			if ((cp >= 0x20 || cp == '\t' || cp == '\n' ||
			     cp == '\r') &&
			    cp != 0xfffe && cp != 0xffff &&
			    buf_add(&out, s + i, (size_t)n) < 0)
				break;
			i += (size_t)n;
			continue;
		}
		if (buf_add(&out, "\xef\xbf\xbd", 3) < 0)
			break;
		i += n < 0 ? b->len - i : bad;
	}
	buf_release(b);
	*b = out;
}

/* The text of the capture as the field wants it, malloc'd or NULL. The
 * capture buffer keeps its memory for the next field: a value taken as
 * it is gets copied at its size, rather than the buffer grown again from
 * nothing for every field. */
static char *
cap_value(struct parse_xml *x)
{
	struct capture *c = &x->cap;
	struct buf out = BUF_INIT(BUF_MAX_FIELD);
	struct buf *r = &c->text; /* the value: c->text itself, or out */
	enum ctype type = c->type;
	char *v = NULL;

	if (c->base64) {
		if (text_base64_decode(&c->text) == 0)
			fix_utf8(&c->text);
	}
	if (c->markup && (type == CT_TEXT || type == CT_GUESS))
		type = CT_XHTML;
	if (is_plain_field(c->field)) {
		if (type == CT_GUESS)
			type = looks_like_html(c->text.data) ? CT_HTML :
							       CT_TEXT;
		if (type != CT_TEXT) {
			struct err he = ERR_INIT;

			/* room for the line breaks and list indents that
			 * text_collapse_ws takes out again: the text is
			 * then no longer than the HTML */
			buf_init(&out, HTML_INPUT_MAX);
			r = &out;
			if (html_to_text(&out, c->text.data, c->text.len, &he) <
			    0)
				parser_warn(x->p, PARSE_WARN_TRUNCATED, c->line,
					    "field dropped: %s", he.msg);
		}
		/* one line, as a title is shown */
		text_collapse_ws(r);
	} else if (c->field == F_SUMMARY || c->field == F_CONTENT ||
		   c->field == F_SUBTITLE) {
		if (type == CT_TEXT) {
			buf_trim(&c->text);
			r = &out;
			if (html_escape(&out, c->text.data, c->text.len, 0) < 0)
				parser_warn(
					x->p, PARSE_WARN_TRUNCATED, c->line,
					"field longer than %u bytes truncated",
					(unsigned)BUF_MAX_FIELD);
		} else {
			if (x->stack[c->depth].base) {
				/* relative links of the markup, against the
				 * base in effect here: it is lost once the
				 * HTML is a string */
				r = &out;
				if (text_resolve_html(c->text.data, c->text.len,
						      x->stack[c->depth].base,
						      &out) < 0)
					parser_warn(
						x->p, PARSE_WARN_TRUNCATED,
						c->line,
						"field longer than %u bytes "
						"truncated",
						(unsigned)BUF_MAX_FIELD);
			}
			if (c->atom_xhtml)
				strip_div(r);
		}
		buf_trim(r);
	} else {
		buf_trim(r);
	}
	if (r->len)
		v = r == &out ? buf_detach(&out, NULL) :
				strndup(r->data, r->len);
	buf_release(&out);
	return v;
}

static void
cap_end(struct parse_xml *x)
{
	struct capture *c = &x->cap;
	const char *base = x->stack[c->depth].base;
	char *v = cap_value(x), *u;
	int64_t t;

	c->on = 0;
	if (!v)
		return;
	switch (c->field) {
	case F_LINK:
		u = url_resolve(base, v);
		free(v);
		set_str(x, c->entry, F_LINK, c->prio, u);
		break;
	case F_UPDATED:
	case F_PUBLISHED:
		t = parser_date(x->p, v, c->line);
		free(v);
		set_date(x, c->entry, c->field, c->prio, t);
		break;
	case F_GUID:
		if (c->permalink && !x->guid_link)
			x->guid_link = url_resolve(base, v);
		set_str(x, 1, F_ID, c->prio, v);
		break;
	case F_CATEGORY:
		if (c->entry && x->in_entry &&
		    entry_add_category(&x->entry, v) > 0)
			parser_warn(x->p, PARSE_WARN_TRUNCATED, c->line,
				    "more than %d categories",
				    FEED_MAX_CATEGORIES);
		free(v);
		break;
	case F_TTL:
		if (!c->entry) {
			long m = strtol(v, NULL, 10);

			if (m > 0 && m < 1000000)
				x->p->feed->ttl_minutes = (int)m;
		}
		free(v);
		break;
	case F_SY_PERIOD:
		if (!strcasecmp(v, "hourly"))
			x->sy_period = 60;
		else if (!strcasecmp(v, "daily"))
			x->sy_period = 1440;
		else if (!strcasecmp(v, "weekly"))
			x->sy_period = 10080;
		else if (!strcasecmp(v, "monthly"))
			x->sy_period = 43200;
		else if (!strcasecmp(v, "yearly"))
			x->sy_period = 525600;
		free(v);
		break;
	case F_SY_FREQ:
		x->sy_freq = strtol(v, NULL, 10);
		free(v);
		break;
	default:
		set_str(x, c->entry, c->field, c->prio, v);
	}
}

/* --- entries ----------------------------------------------------------- */

static void
entry_begin(struct parse_xml *x, int nb, const xmlChar **attrs)
{
	entry_clear(&x->entry);
	memset(x->eprio, 0, sizeof(x->eprio));
	free(x->guid_link);
	x->guid_link = NULL;
	free(x->rdf_about);
	x->rdf_about = NULL;
	{
		size_t len;
		const xmlChar *v = attr(nb, attrs, "about", NS_RDF, &len);

		struct buf b = BUF_INIT(BUF_MAX_FIELD);

		if (v && len && attr_add(&b, v, len) == 0)
			x->rdf_about = buf_detach(&b, NULL);
		buf_release(&b);
	}
	x->in_entry = 1;
}

static void
entry_end(struct parse_xml *x)
{
	struct entry *en = &x->entry;

	x->in_entry = 0;
	if (!en->link && x->guid_link) {
		en->link = x->guid_link;
		x->guid_link = NULL;
	}
	if (!en->id && x->rdf_about) {
		en->id = x->rdf_about;
		x->rdf_about = NULL;
	}
	if (x->p->state == PARSE_XML && parser_emit(x->p, en))
		xmlStopParser(x->ctxt);
	entry_clear(en);
}

/* --- dispatch ---------------------------------------------------------- */

/* Starts a text-construct capture (title, summary...). */
static void
start_text(struct parse_xml *x, enum field f, int entry, int prio,
	   enum ctype dflt, int nb, const xmlChar **attrs)
{
	int b64, ax;
	enum ctype ct = text_type(nb, attrs, &b64, &ax, dflt);

	cap_start(x, f, entry, prio, ct);
	x->cap.base64 = b64;
	x->cap.atom_xhtml = ax;
}

/* An Atom link (href attribute) in an entry or the feed. */
static void
atom_link(struct parse_xml *x, int entry, int nb, const xmlChar **attrs)
{
	size_t rl = 0, tl = 0;
	const char *rel = attr_span(nb, attrs, "rel", &rl);
	const char *type = attr_span(nb, attrs, "type", &tl);
	char *href = attr_dup(nb, attrs, "href");
	char *url;

	if (!href)
		return;
	url = url_resolve(cur_base(x), href);
	free(href);
	if (!url)
		return;
	if (!rel || span_is(rel, rl, "alternate")) {
		int html = !type || span_is(type, tl, "text/html") ||
			   span_is(type, tl, "application/xhtml+xml");

		set_str(x, entry, F_LINK, html ? 3 : 2, url);
	} else if (entry && span_is(rel, rl, "enclosure")) {
		char *len = attr_dup(nb, attrs, "length");
		int64_t n = len ? strtoll(len, NULL, 10) : -1;

		free(len);
		if (entry_add_enclosure(&x->entry, url,
					attr_dup(nb, attrs, "type"),
					n < 0 ? -1 : n) > 0)
			parser_warn(x->p, PARSE_WARN_TRUNCATED, cur_line(x),
				    "more than %d enclosures",
				    FEED_MAX_ENCLOSURES);
	} else {
		free(url);
	}
}

static void
enclosure(struct parse_xml *x, int nb, const xmlChar **attrs,
	  const char *urlattr, const char *lenattr)
{
	char *u = attr_dup(nb, attrs, urlattr), *url, *len;
	int64_t n = -1;

	if (!u)
		return;
	url = url_resolve(cur_base(x), u);
	free(u);
	if (!url)
		return;
	len = attr_dup(nb, attrs, lenattr);
	if (len) {
		char *end;
		long long v = strtoll(len, &end, 10);

		if (end != len && v >= 0)
			n = v;
		free(len);
	}
	if (entry_add_enclosure(&x->entry, url, attr_dup(nb, attrs, "type"),
				n) > 0)
		parser_warn(x->p, PARSE_WARN_TRUNCATED, cur_line(x),
			    "more than %d enclosures", FEED_MAX_ENCLOSURES);
}

/* Called with every element name against every name we know: the first
 * byte settles most of them without a call. */
static int
is(const xmlChar *name, const char *s)
{
	return name[0] == (unsigned char)s[0] &&
	       strcmp((const char *)name, s) == 0;
}

/* Fields shared by the feed and entries. Returns the role. */
static enum role
common_field(struct parse_xml *x, int entry, const xmlChar *name, enum ns ns,
	     int nb, const xmlChar **attrs)
{
	int b64, ax;

	if (is_core(ns)) {
		if (is(name, "title")) {
			start_text(x, F_TITLE, entry, 3,
				   ns == NS_ATOM10 || ns == NS_ATOM03 ||
						   x->atomish ?
					   CT_TEXT :
					   CT_GUESS,
				   nb, attrs);
			return ROLE_CAPTURE;
		}
		if (is(name, "link")) {
			size_t l;

			if (attr(nb, attrs, "href", NS_NONE, &l)) {
				atom_link(x, entry, nb, attrs);
				return ROLE_IGNORE;
			}
			cap_start(x, F_LINK, entry, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "author") &&
		    (x->atomish || ns == NS_ATOM10 || ns == NS_ATOM03))
			return ROLE_AUTHOR;
		if (is(name, "author") ||
		    (!entry && is(name, "managingEditor"))) {
			cap_start(x, F_AUTHOR, entry, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "updated") || is(name, "modified") ||
		    (!entry && is(name, "lastBuildDate"))) {
			cap_start(x, F_UPDATED, entry, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "pubDate") || is(name, "published") ||
		    is(name, "issued")) {
			cap_start(x, F_PUBLISHED, entry, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		return ROLE_IGNORE;
	}
	switch (ns) {
	case NS_DC:
		if (is(name, "title")) {
			cap_start(x, F_TITLE, entry, 2, CT_GUESS);
			return ROLE_CAPTURE;
		}
		if (is(name, "creator") || is(name, "author")) {
			cap_start(x, F_AUTHOR, entry, 2, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "date")) {
			cap_start(x, F_UPDATED, entry, 2, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "description")) {
			cap_start(x, F_SUMMARY, entry, 2, CT_HTML);
			return ROLE_CAPTURE;
		}
		if (is(name, "subject") && entry) {
			cap_start(x, F_CATEGORY, entry, 1, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "language") && !entry) {
			cap_start(x, F_LANGUAGE, 0, 2, CT_TEXT);
			return ROLE_CAPTURE;
		}
		break;
	case NS_DCTERMS:
		if (is(name, "modified")) {
			cap_start(x, F_UPDATED, entry, 2, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "issued")) {
			cap_start(x, F_PUBLISHED, entry, 2, CT_TEXT);
			return ROLE_CAPTURE;
		}
		break;
	case NS_ITUNES:
		/* podcasts: the author when nothing better names one */
		if (is(name, "author")) {
			cap_start(x, F_AUTHOR, entry, 1, CT_TEXT);
			return ROLE_CAPTURE;
		}
		break;
	case NS_MEDIA:
		if (is(name, "title")) {
			cap_start(x, F_TITLE, entry, 1,
				  text_type(nb, attrs, &b64, &ax, CT_TEXT));
			return ROLE_CAPTURE;
		}
		break;
	default:
		break;
	}
	return ROLE_IGNORE;
}

static enum role
entry_field(struct parse_xml *x, const xmlChar *name, enum ns ns, int nb,
	    const xmlChar **attrs)
{
	if (is_core(ns)) {
		if (is(name, "description")) {
			cap_start(x, F_SUMMARY, 1, 3, CT_HTML);
			return ROLE_CAPTURE;
		}
		if (is(name, "summary")) {
			start_text(x, F_SUMMARY, 1, 3, CT_TEXT, nb, attrs);
			return ROLE_CAPTURE;
		}
		if (is(name, "content")) {
			start_text(x, F_CONTENT, 1, 3,
				   x->p->feed->format == FEED_FORMAT_ATOM03 ?
					   CT_XHTML :
					   CT_TEXT,
				   nb, attrs);
			if (x->p->feed->format == FEED_FORMAT_ATOM03 &&
			    !attr(nb, attrs, "type", NS_NONE, (size_t[]){ 0 }))
				x->cap.type = CT_TEXT;
			return ROLE_CAPTURE;
		}
		if (is(name, "guid")) {
			cap_start(x, F_GUID, 1, 3, CT_TEXT);
			x->cap.permalink = !attr_is(nb, attrs, "isPermaLink",
						    "false");
			return ROLE_CAPTURE;
		}
		if (is(name, "id")) {
			cap_start(x, F_ID, 1, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "category")) {
			char *term = attr_dup(nb, attrs, "term");

			if (term) {
				entry_add_category(&x->entry, term);
				free(term);
				return ROLE_IGNORE;
			}
			cap_start(x, F_CATEGORY, 1, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "enclosure")) {
			enclosure(x, nb, attrs, "url", "length");
			return ROLE_IGNORE;
		}
	} else if (ns == NS_CONTENT && is(name, "encoded")) {
		cap_start(x, F_CONTENT, 1, 4, CT_HTML);
		return ROLE_CAPTURE;
	} else if (ns == NS_MEDIA) {
		if (is(name, "content")) {
			enclosure(x, nb, attrs, "url", "fileSize");
			return ROLE_GROUP;
		}
		if (is(name, "thumbnail")) {
			enclosure(x, nb, attrs, "url", "fileSize");
			return ROLE_IGNORE;
		}
		if (is(name, "group"))
			return ROLE_GROUP;
	} else if (ns == NS_XHTML && (is(name, "body") || is(name, "div"))) {
		cap_start(x, F_CONTENT, 1, 2, CT_XHTML);
		return ROLE_CAPTURE;
	}
	return common_field(x, 1, name, ns, nb, attrs);
}

static enum role
feed_field(struct parse_xml *x, const xmlChar *name, enum ns ns, int nb,
	   const xmlChar **attrs)
{
	if (is_core(ns)) {
		if (is(name, "item") || is(name, "entry"))
			return ROLE_ENTRY;
		if (is(name, "description")) {
			cap_start(x, F_SUBTITLE, 0, 3, CT_HTML);
			return ROLE_CAPTURE;
		}
		if (is(name, "subtitle") || is(name, "tagline")) {
			start_text(x, F_SUBTITLE, 0, 3, CT_TEXT, nb, attrs);
			return ROLE_CAPTURE;
		}
		if (is(name, "language")) {
			cap_start(x, F_LANGUAGE, 0, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "ttl")) {
			cap_start(x, F_TTL, 0, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
	} else if (ns == NS_SY) {
		if (is(name, "updatePeriod")) {
			cap_start(x, F_SY_PERIOD, 0, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
		if (is(name, "updateFrequency")) {
			cap_start(x, F_SY_FREQ, 0, 3, CT_TEXT);
			return ROLE_CAPTURE;
		}
	}
	return common_field(x, 0, name, ns, nb, attrs);
}

/* The role of the root element; sets the format. */
static enum role
root_role(struct parse_xml *x, const xmlChar *name, enum ns ns, int nb,
	  const xmlChar **attrs)
{
	struct feed *f = x->p->feed;
	size_t len;
	const xmlChar *v;

	x->root_name = (const char *)name;
	x->root_line = cur_line(x);
	if (!strcasecmp((const char *)name, "html")) {
		x->html = 1;
		xmlStopParser(x->ctxt);
		return ROLE_IGNORE;
	}
	if (is(name, "rss") && (ns == NS_NONE || ns == NS_RSS)) {
		v = attr(nb, attrs, "version", NS_NONE, &len);
		f->format = FEED_FORMAT_RSS20;
		if (v && len >= 4 && !strncmp((const char *)v, "0.9", 3)) {
			switch (v[3]) {
			case '0':
				f->format = FEED_FORMAT_RSS090;
				break;
			case '1':
				f->format = FEED_FORMAT_RSS091;
				break;
			case '2':
				f->format = FEED_FORMAT_RSS092;
				break;
			case '3':
				f->format = FEED_FORMAT_RSS093;
				break;
			case '4':
				f->format = FEED_FORMAT_RSS094;
				break;
			default:
				break;
			}
		} else if (v && len == 3 &&
			   !strncmp((const char *)v, "1.0", 3)) {
			f->format = FEED_FORMAT_RSS10;
		}
		return ROLE_ROOT;
	}
	if (is(name, "RDF")) {
		f->format = ns == NS_RSS090 ? FEED_FORMAT_RSS090 :
					      FEED_FORMAT_RSS10;
		return ROLE_ROOT;
	}
	if (is(name, "feed")) {
		x->atomish = 1;
		if (ns == NS_ATOM03)
			f->format = FEED_FORMAT_ATOM03;
		else if (ns == NS_ATOM10)
			f->format = FEED_FORMAT_ATOM10;
		else {
			v = attr(nb, attrs, "version", NS_NONE, &len);
			f->format = v && len >= 3 &&
						    !strncmp((const char *)v,
							     "0.", 2) ?
					    FEED_FORMAT_ATOM03 :
					    FEED_FORMAT_ATOM10;
		}
		x->got_feed = 1;
		return ROLE_FEED;
	}
	if (is(name, "channel")) {
		f->format = FEED_FORMAT_RSS091;
		x->got_feed = 1;
		return ROLE_FEED;
	}
	return ROLE_NONE;
}

/* --- SAX callbacks ----------------------------------------------------- */

/* HTML void elements, minus link and source, which RSS and Atom use
 * for elements with content. */
static const char *const void_elements[] = {
	"area",  "br",   "col",   "embed", "hr",  "img",
	"input", "meta", "param", "track", "wbr", NULL,
};

static int
is_url_attr(const xmlChar *name)
{
	static const char *const names[] = {
		"href",     "src",    "cite",   "action", "background",
		"longdesc", "poster", "usemap", NULL,
	};
	size_t i;

	for (i = 0; names[i]; i++)
		if (is(name, names[i]))
			return 1;
	return 0;
}

static int
is_void(const xmlChar *name, const xmlChar *prefix)
{
	size_t i;

	if (prefix)
		return 0;
	for (i = 0; void_elements[i]; i++)
		if (is(name, void_elements[i]))
			return 1;
	return 0;
}

static void
serialize_start(struct parse_xml *x, const xmlChar *name, const xmlChar *prefix,
		enum ns ns, int nb, const xmlChar **attrs)
{
	struct capture *c = &x->cap;
	struct buf val = BUF_INIT(BUF_MAX_FIELD);
	int i;

	c->markup = 1;
	if (c->full)
		return;
	cap_add(x, "<", 1, 0);
	if (prefix && ns != NS_XHTML) {
		cap_add(x, prefix, strlen((const char *)prefix), 0);
		cap_add(x, ":", 1, 0);
	}
	cap_add(x, name, strlen((const char *)name), 0);
	for (i = 0; i < nb; i++) {
		const xmlChar **a = attrs + i * 5;

		cap_add(x, " ", 1, 0);
		if (a[1]) {
			cap_add(x, a[1], strlen((const char *)a[1]), 0);
			cap_add(x, ":", 1, 0);
		}
		cap_add(x, a[0], strlen((const char *)a[0]), 0);
		cap_add(x, "=\"", 2, 0);
		buf_reset(&val);
		if (attr_add(&val, a[3], (size_t)(a[4] - a[3])) == 0 &&
		    is_url_attr(a[0])) {
			/* the xml:base in effect is lost once the markup
			 * is a string: resolve now, as feedparser does */
			char *u = url_resolve(cur_base(x), val.data);

			buf_reset(&val);
			if (u && buf_adds(&val, u) < 0)
				buf_reset(&val);
			free(u);
		}
		if (html_escape(&c->text, val.data, val.len, 1) < 0)
			parser_warn(x->p, PARSE_WARN_TRUNCATED, cur_line(x),
				    "field longer than %u bytes truncated",
				    (unsigned)BUF_MAX_FIELD);
		cap_add(x, "\"", 1, 0);
	}
	cap_add(x, ">", 1, 0);
	buf_release(&val);
}

static void
serialize_end(struct parse_xml *x, const struct frame *fr)
{
	const xmlChar *prefix = fr->prefix;
	cap_add(x, "</", 2, 0);
	if (prefix && fr->ns != NS_XHTML) {
		cap_add(x, prefix, strlen((const char *)prefix), 0);
		cap_add(x, ":", 1, 0);
	}
	cap_add(x, fr->name, strlen((const char *)fr->name), 0);
	cap_add(x, ">", 1, 0);
}

/* The role of a new element from its parent's. */
static enum role
child_role(struct parse_xml *x, const struct frame *parent, const xmlChar *name,
	   enum ns ns, int nb, const xmlChar **attrs)
{
	switch (parent->role) {
	case ROLE_ROOT:
		if (is(name, "channel")) {
			if (ns == NS_RSS090)
				x->p->feed->format = FEED_FORMAT_RSS090;
			x->got_feed = 1;
			return ROLE_FEED;
		}
		if (is_core(ns) && (is(name, "item") || is(name, "entry")))
			return ROLE_ENTRY;
		return ROLE_IGNORE;
	case ROLE_FEED:
		return feed_field(x, name, ns, nb, attrs);
	case ROLE_ENTRY:
	case ROLE_GROUP:
		if (!x->in_entry)
			return ROLE_IGNORE;
		return entry_field(x, name, ns, nb, attrs);
	case ROLE_AUTHOR:
		if (is_core(ns) && is(name, "name")) {
			int in = parent > x->stack &&
				 (parent - 1)->role != ROLE_FEED;

			cap_start(x, F_AUTHOR, in && x->in_entry, 4, CT_TEXT);
			return ROLE_CAPTURE;
		}
		return ROLE_IGNORE;
	case ROLE_NONE:
		if (is_core(ns) && is(name, "channel")) {
			x->got_feed = 1;
			return ROLE_FEED;
		}
		if (is_core(ns) && (is(name, "item") || is(name, "entry")) &&
		    !x->in_entry)
			return ROLE_ENTRY;
		return ROLE_NONE;
	default:
		return ROLE_IGNORE;
	}
}

static void
on_start(void *ctx, const xmlChar *name, const xmlChar *prefix,
	 const xmlChar *uri, int nb_ns, const xmlChar **nss, int nb, int nb_def,
	 const xmlChar **attrs)
{
	struct parse_xml *x = ctx;
	struct frame *fr, *parent;
	enum ns ns;
	size_t len;
	const xmlChar *v;
	int i;

	/* libxml2 gives every element of a namespace the same string (its
	 * dictionary's): elements of one namespace tend to come together */
	if (uri && uri == x->last_uri) {
		ns = x->last_ns;
	} else {
		ns = ns_of(uri, prefix);
		if (uri && *uri) {
			x->last_uri = uri;
			x->last_ns = ns;
		}
	}
	/* As feedparser: an element in an unknown default namespace is
	 * read as a plain RSS/Atom element, a prefixed one is not. */
	if (ns == NS_OTHER && !prefix)
		ns = NS_NONE;
	nb += nb_def;
	if (x->depth >= PARSE_MAX_DEPTH) {
		if (!x->overflow)
			parser_warn(x->p, PARSE_WARN_TRUNCATED, cur_line(x),
				    "elements nested deeper than %d ignored",
				    PARSE_MAX_DEPTH);
		x->overflow++;
		return;
	}
	parent = x->depth ? &x->stack[x->depth - 1] : NULL;
	if (is_void(name, prefix)) {
		/* HTML void elements (<br>, <img>...) are never pushed: an
		 * unclosed <br> in a description must not swallow what
		 * follows. Their end tags, if any, find nothing to close. */
		if (parent && (parent->role == ROLE_CAPTURE ||
			       parent->role == ROLE_MARKUP)) {
			serialize_start(x, name, prefix, ns, nb, attrs);
			if (!x->cap.full && x->cap.text.len) {
				buf_setlen(&x->cap.text, x->cap.text.len - 1);
				cap_add(x, " />", 3, 0);
			}
		}
		return;
	}
	fr = &x->stack[x->depth++];
	memset(fr, 0, sizeof(*fr));
	fr->name = name;
	fr->prefix = prefix;
	fr->ns = ns;
	fr->base = parent ? parent->base : x->p->base;
	fr->lang = parent ? parent->lang : NULL;
	v = attr(nb, attrs, "base", NS_XML, &len);
	if (v) {
		struct buf rb = BUF_INIT(BUF_MAX_FIELD);
		char *ref = attr_add(&rb, v, len) == 0 ? buf_detach(&rb, NULL) :
							 NULL;

		buf_release(&rb);
		if (ref) {
			fr->base = url_resolve(parent ? parent->base :
							x->p->base,
					       ref);
			fr->base_owned = fr->base != NULL;
			if (!fr->base)
				fr->base = parent ? parent->base : x->p->base;
			free(ref);
		}
	}
	v = attr(nb, attrs, "lang", NS_XML, &len);
	if (v) {
		fr->lang_owned = strndup((const char *)v, len);
		fr->lang = fr->lang_owned;
	}

	if (parent &&
	    (parent->role == ROLE_CAPTURE || parent->role == ROLE_MARKUP)) {
		fr->role = ROLE_MARKUP;
		serialize_start(x, name, prefix, ns, nb, attrs);
		return;
	}
	if (parent && parent->role == ROLE_IGNORE) {
		fr->role = ROLE_IGNORE;
		return;
	}
	if (!parent) {
		x->root_seen = 1;
		fr->role = root_role(x, name, ns, nb, attrs);
		/* <rdf:RDF xmlns="...0.9/">: RSS 0.90 even without items */
		for (i = 0; fr->role == ROLE_ROOT && i < nb_ns; i++)
			if (!nss[2 * i] &&
			    ns_of(nss[2 * i + 1], NULL) == NS_RSS090)
				x->p->feed->format = FEED_FORMAT_RSS090;
	} else {
		fr->role = child_role(x, parent, name, ns, nb, attrs);
	}
	if (fr->role == ROLE_ENTRY)
		entry_begin(x, nb, attrs);
	if (fr->role == ROLE_FEED && fr->lang && fr->lang[0] &&
	    x->fprio[F_LANGUAGE] < 1) {
		char *l = strdup(fr->lang);

		set_str(x, 0, F_LANGUAGE, 1, l);
	}
}

/* Closes the innermost open element. */
static void
pop_frame(struct parse_xml *x)
{
	struct frame *fr = &x->stack[x->depth - 1];

	switch (fr->role) {
	case ROLE_MARKUP:
		serialize_end(x, fr);
		break;
	case ROLE_CAPTURE:
		if (x->cap.on && x->cap.depth == x->depth - 1)
			cap_end(x);
		break;
	case ROLE_ENTRY:
		if (x->in_entry)
			entry_end(x);
		break;
	default:
		break;
	}
	if (fr->base_owned)
		free(fr->base);
	free(fr->lang_owned);
	x->depth--;
}

/*
 * An end tag. Our stack follows the end tags of the source, not libxml2's
 * recovery: on a mismatch libxml2 closes its innermost element whatever
 * the tag said (on_error noted the tag's name). Like an HTML parser, we
 * close down to the innermost open element of that name, and ignore an
 * end tag that matches nothing open; so "<description>a<p>b</description>"
 * does not swallow the rest of the feed.
 */
static void
on_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
       const xmlChar *uri)
{
	struct parse_xml *x = ctx;
	const char *want = (const char *)name, *colon;
	size_t k;

	(void)prefix;
	(void)uri;
	if (x->mismatch) {
		want = x->mismatch;
		colon = strrchr(want, ':');
		if (colon)
			want = colon + 1;
	} else if (x->overflow) {
		x->overflow--;
		return;
	}
	/* names are libxml2's dictionary strings: the same pointer first */
	for (k = x->depth; k > 0; k--)
		if ((const char *)x->stack[k - 1].name == want ||
		    !strcmp((const char *)x->stack[k - 1].name, want))
			break;
	while (k > 0 && x->depth >= k)
		pop_frame(x);
	free(x->mismatch);
	x->mismatch = NULL;
}

static void
on_text(void *ctx, const xmlChar *s, int len)
{
	struct parse_xml *x = ctx;
	const struct frame *fr;

	if (!x->cap.on || !x->depth || x->overflow)
		return;
	fr = &x->stack[x->depth - 1];
	if (fr->role == ROLE_MARKUP)
		cap_add(x, s, (size_t)len, 1);
	else if (fr->role == ROLE_CAPTURE)
		cap_add(x, s, (size_t)len,
			x->cap.type == CT_XHTML && !x->cap.base64);
}

static void
on_error(void *ctx, xmlErrorPtr err)
{
	struct parse_xml *x = ctx;
	struct buf msg = BUF_INIT(256);

	if (!err || err->level == XML_ERR_WARNING)
		return;
	x->errors++;
	if (err->code == XML_ERR_TAG_NAME_MISMATCH && err->str2) {
		free(x->mismatch);
		x->mismatch = strdup(err->str2);
	}
	if (err->message) {
		buf_adds(&msg, err->message);
		buf_trim(&msg);
	}
	parser_warn(x->p, PARSE_WARN_MALFORMED, err->line,
		    "malformed XML recovered: %s", msg.len ? msg.data : "?");
	buf_release(&msg);
}

/* --- life cycle -------------------------------------------------------- */

int
parse_xml_begin(struct parser *p, struct err *e)
{
	struct parse_xml *x;
	xmlSAXHandler sax;

	x = calloc(1, sizeof(*x));
	if (!x)
		return parser_fail(p, EX_OSERR, "out of memory");
	x->p = p;
	buf_init(&x->cap.text, BUF_MAX_FIELD);
	x->entry.published = x->entry.updated = DATE_NONE;
	x->feed_published = DATE_NONE;
	p->xml = x;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.serror = on_error;
	x->ctxt = xmlCreatePushParserCtxt(&sax, x, NULL, 0, NULL);
	if (!x->ctxt)
		return parser_fail(p, EX_OSERR, "out of memory");
	/* Recover like feedparser's loose mode; never substitute entities,
	 * load a DTD or reach the network. */
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET |
					   XML_PARSE_NOWARNING);
	(void)e;
	return 0;
}

/*
 * libxml2 is given the text in blocks of PARSE_XML_BLOCK bytes whatever
 * sizes the caller pushed: its recovery from broken markup depends on
 * where chunks end, and the same document must give the same entries
 * however the network cut it.
 */
int
parse_xml_push(struct parser *p, const char *s, size_t len, int final,
	       struct err *e)
{
	struct parse_xml *x = p->xml;
	size_t off = 0;

	(void)e;
	if (filter_run(p, s, len, final, &p->filt) < 0)
		return parser_fail(p, EX_OSERR, "out of memory");
	while (p->state == PARSE_XML && x->ctxt->instate != XML_PARSER_EOF &&
	       (p->filt.len - off >= PARSE_XML_BLOCK ||
		(final && off <= p->filt.len))) {
		size_t n = p->filt.len - off;
		int last;

		if (n > PARSE_XML_BLOCK)
			n = PARSE_XML_BLOCK;
		last = final && off + n == p->filt.len;
		xmlParseChunk(x->ctxt, p->filt.data + off, (int)n, last);
		off += n;
		if (x->html) {
			xmlStopParser(x->ctxt);
			return parser_reject(p, "not a feed (HTML page)");
		}
		if (last)
			break;
	}
	if (off) {
		memmove(p->filt.data, p->filt.data + off, p->filt.len - off);
		buf_setlen(&p->filt, p->filt.len - off);
	}
	return p->state == PARSE_FAILED ? -1 : 0;
}

int
parse_xml_end(struct parser *p, struct err *e)
{
	struct parse_xml *x = p->xml;
	struct feed *f = p->feed;

	(void)e;
	/* A truncated document: close what is open, innermost first, so
	 * the entry being read is not lost. */
	while (x->depth && p->state == PARSE_XML)
		pop_frame(x);
	if (p->state == PARSE_FAILED)
		return -1;
	if (x->html || (p->filter.saw_html_doctype && !x->got_feed &&
			f->format == FEED_FORMAT_UNKNOWN))
		return parser_reject(p, "not a feed (HTML page)");
	if (f->format == FEED_FORMAT_UNKNOWN && !x->got_feed && !p->nentries) {
		if (!x->root_seen)
			return parser_reject(
				p, "not a feed (no XML element found)");
		return parser_reject(p, "not a feed (root element '%s')",
				     x->root_name ? x->root_name : "?");
	}
	if (f->updated == DATE_NONE)
		f->updated = x->feed_published;
	if (!f->ttl_minutes && x->sy_period) {
		long freq = x->sy_freq > 0 ? x->sy_freq : 1;

		f->ttl_minutes = (int)(x->sy_period / freq);
		if (f->ttl_minutes < 1)
			f->ttl_minutes = 1;
	}
	return 0;
}

void
parse_xml_free(struct parse_xml *x)
{
	if (!x)
		return;
	while (x->depth) {
		struct frame *fr = &x->stack[--x->depth];

		if (fr->base_owned)
			free(fr->base);
		free(fr->lang_owned);
	}
	if (x->ctxt) {
		xmlFreeDoc(x->ctxt->myDoc);
		xmlFreeParserCtxt(x->ctxt);
	}
	buf_release(&x->cap.text);
	free(x->mismatch);
	entry_clear(&x->entry);
	free(x->guid_link);
	free(x->rdf_about);
	free(x);
}
