#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "lib/html.h"
#include "lib/url.h"
#include "lib/utf8.h"

/* libxml2 2.9's HTML parser tells nothing about how it recovers, so these
 * options only silence it; HTML_PARSE_NONET keeps it off the network. */
#define PARSE_OPTS                                                    \
	(HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
	 HTML_PARSE_NOWARNING)

/* Longest entity name we look at (HTML5's longest is 31). */
#define ENTITY_NAME_MAX 32

/* What an element is to the text and sanitizing walks. */
enum {
	T_DROP = 1 << 0,  /* dropped with its content */
	T_LINE = 1 << 1,  /* starts and ends a line */
	T_PARA = 1 << 2,  /* a paragraph: blank lines around it */
	T_CELL = 1 << 3,  /* a table cell: a space before it */
	T_LIST = 1 << 4,  /* ul, ol */
	T_ITEM = 1 << 5,  /* li */
	T_PRE = 1 << 6,   /* white space kept */
	T_BR = 1 << 7,    /* a forced line break */
	T_KEEP = 1 << 8,  /* kept by html_sanitize (as out) */
	T_VOID = 1 << 9,  /* written <x/> */
	T_SPAN = 1 << 10, /* colspan and rowspan allowed */
	/* void in HTML5 but not to libxml2's HTML 4 parser, which nests what
	 * follows inside it: the element goes, what it holds stays */
	T_EMPTY = 1 << 11
};

struct tag {
	const char *name;
	unsigned flags;
	const char *out; /* sanitized name, NULL to unwrap */
};

static const struct tag tags[] = {
	{ "a", T_KEEP, "a" },
	{ "address", T_PARA, "div" },
	{ "applet", T_DROP, NULL },
	{ "article", T_PARA, "div" },
	{ "aside", T_PARA, "div" },
	{ "audio", T_DROP, NULL },
	{ "b", T_KEEP, "b" },
	{ "base", T_DROP, NULL },
	{ "blockquote", T_PARA | T_KEEP, "blockquote" },
	{ "br", T_BR | T_KEEP | T_VOID, "br" },
	{ "button", T_DROP, NULL },
	{ "canvas", T_DROP, NULL },
	{ "caption", T_LINE, NULL },
	{ "center", T_LINE, "div" },
	{ "code", T_KEEP, "code" },
	{ "dd", T_LINE, "div" },
	{ "details", T_PARA, "div" },
	{ "dialog", T_DROP, NULL },
	{ "div", T_LINE | T_KEEP, "div" },
	{ "dl", T_PARA, "div" },
	{ "dt", T_LINE, "div" },
	{ "em", T_KEEP, "em" },
	{ "embed", T_EMPTY, NULL },
	{ "fieldset", T_DROP, NULL },
	{ "figcaption", T_LINE, "div" },
	{ "figure", T_PARA, "div" },
	{ "footer", T_PARA, "div" },
	{ "form", T_DROP, NULL },
	{ "frame", T_DROP, NULL },
	{ "frameset", T_DROP, NULL },
	{ "h1", T_PARA | T_KEEP, "h3" },
	{ "h2", T_PARA | T_KEEP, "h3" },
	{ "h3", T_PARA | T_KEEP, "h3" },
	{ "h4", T_PARA | T_KEEP, "h4" },
	{ "h5", T_PARA | T_KEEP, "h5" },
	{ "h6", T_PARA | T_KEEP, "h6" },
	{ "head", T_DROP, NULL },
	{ "header", T_PARA, "div" },
	{ "hr", T_PARA | T_KEEP | T_VOID, "br" },
	{ "i", T_KEEP, "i" },
	{ "iframe", T_DROP, NULL },
	{ "img", T_DROP, NULL },
	{ "input", T_DROP, NULL },
	{ "li", T_ITEM | T_KEEP, "li" },
	{ "link", T_DROP, NULL },
	{ "main", T_PARA, "div" },
	{ "map", T_DROP, NULL },
	{ "meta", T_DROP, NULL },
	{ "nav", T_PARA, "div" },
	{ "noembed", T_DROP, NULL },
	{ "noframes", T_DROP, NULL },
	{ "noscript", T_DROP, NULL },
	{ "object", T_DROP, NULL },
	{ "ol", T_LIST | T_KEEP, "ol" },
	{ "option", T_DROP, NULL },
	{ "p", T_PARA | T_KEEP, "p" },
	{ "param", T_DROP, NULL },
	{ "picture", T_DROP, NULL },
	{ "pre", T_PARA | T_PRE | T_KEEP, "pre" },
	{ "s", T_KEEP, "s" },
	{ "script", T_DROP, NULL },
	{ "section", T_PARA, "div" },
	{ "select", T_DROP, NULL },
	{ "source", T_EMPTY, NULL },
	{ "span", T_KEEP, "span" },
	{ "strike", T_KEEP, "s" },
	{ "strong", T_KEEP, "strong" },
	{ "style", T_DROP, NULL },
	{ "svg", T_DROP, NULL },
	{ "table", T_PARA | T_KEEP, "table" },
	{ "tbody", T_KEEP, "tbody" },
	{ "td", T_CELL | T_KEEP | T_SPAN, "td" },
	{ "template", T_DROP, NULL },
	{ "textarea", T_DROP, NULL },
	{ "tfoot", T_KEEP, "tbody" },
	{ "th", T_CELL | T_KEEP | T_SPAN, "th" },
	{ "thead", T_KEEP, "thead" },
	{ "title", T_DROP, NULL },
	{ "tr", T_LINE | T_KEEP, "tr" },
	{ "track", T_EMPTY, NULL },
	{ "u", T_KEEP, "u" },
	{ "ul", T_LIST | T_KEEP, "ul" },
	{ "video", T_DROP, NULL },
};

static int
tag_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tag *)elem)->name);
}

/* The entry for an element name (libxml2 lower-cases HTML names), NULL for
 * one we unwrap without a break (font, sub, abbr, unknown...). */
static const struct tag *
tag_find(const xmlChar *name)
{
	if (!name)
		return NULL;
	return bsearch(name, tags, sizeof(tags) / sizeof(tags[0]),
		       sizeof(tags[0]), tag_cmp);
}

/* HTML5 named character references seen in feeds that libxml2's HTML 4
 * table lacks (WHATWG HTML 13.5, "Named character references"). */
static const struct {
	const char *name;
	unsigned long cp;
} html5_entities[] = {
	{ "COPY", 0xa9 },        { "Hat", 0x5e },
	{ "NewLine", 0x0a },     { "NonBreakingSpace", 0xa0 },
	{ "REG", 0xae },         { "Rightarrow", 0x21d2 },
	{ "TRADE", 0x2122 },     { "Tab", 0x09 },
	{ "ThinSpace", 0x2009 }, { "ZeroWidthSpace", 0x200b },
	{ "approx", 0x2248 },    { "ast", 0x2a },
	{ "bsol", 0x5c },        { "bullet", 0x2022 },
	{ "centerdot", 0xb7 },   { "check", 0x2713 },
	{ "circledR", 0xae },    { "colon", 0x3a },
	{ "comma", 0x2c },       { "commat", 0x40 },
	{ "copysr", 0x2117 },    { "cross", 0x2717 },
	{ "dash", 0x2010 },      { "div", 0xf7 },
	{ "dollar", 0x24 },      { "emsp13", 0x2004 },
	{ "equals", 0x3d },      { "excl", 0x21 },
	{ "female", 0x2640 },    { "geq", 0x2265 },
	{ "grave", 0x60 },       { "hairsp", 0x200a },
	{ "half", 0xbd },        { "horbar", 0x2015 },
	{ "hyphen", 0x2010 },    { "lcub", 0x7b },
	{ "ldquor", 0x201e },    { "leq", 0x2264 },
	{ "lowbar", 0x5f },      { "lpar", 0x28 },
	{ "lsqb", 0x5b },        { "lsquor", 0x201a },
	{ "male", 0x2642 },      { "mldr", 0x2026 },
	{ "mnplus", 0x2213 },    { "nldr", 0x2025 },
	{ "num", 0x23 },         { "numsp", 0x2007 },
	{ "percnt", 0x25 },      { "period", 0x2e },
	{ "phone", 0x260e },     { "plus", 0x2b },
	{ "pm", 0xb1 },          { "puncsp", 0x2008 },
	{ "quest", 0x3f },       { "rcub", 0x7d },
	{ "rdquor", 0x201d },    { "rpar", 0x29 },
	{ "rsqb", 0x5d },        { "rsquor", 0x2019 },
	{ "semi", 0x3b },        { "sol", 0x2f },
	{ "srarr", 0x2192 },     { "star", 0x2606 },
	{ "starf", 0x2605 },     { "verbar", 0x7c },
};

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* A code point the output may carry (XML 1.0 Char, as the sanitized HTML
 * must parse as XML): else U+FFFD. */
static unsigned long
char_fix(unsigned long cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return cp;
	if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff || cp > 0x10ffff)
		return UTF8_REPLACEMENT;
	return cp;
}

size_t
html_ref_digits(const char *s, size_t len, int hex, unsigned long *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (hex && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		/* past U+10FFFF it stays past it, without overflow */
		if (*v <= 0x10ffff)
			*v = *v * (hex ? 16 : 10) + (unsigned long)d;
	}
	return i;
}

/* "&#N;" or "&#xN;" at s: its length with the code point in *cp, as
 * HTML5 reads it; 0 if s is not one. */
static size_t
char_ref_numeric(const char *s, size_t len, unsigned long *cp)
{
	size_t i = 2, digits;
	unsigned long v;
	int hex = 0;

	if (len < 3 || s[1] != '#')
		return 0;
	if (s[2] == 'x' || s[2] == 'X') {
		hex = 1;
		i++;
	}
	digits = html_ref_digits(s + i, len - i, hex, &v);
	if (!digits)
		return 0;
	i += digits;
	if (i < len && s[i] == ';')
		i++;
	/* WHATWG HTML 13.2.5.80: references to 0x80-0x9f mean
	 * windows-1252 (the undefined ones stay as they are) */
	if (utf8_cp1252_c1(v))
		v = utf8_cp1252_c1(v);
	if (v == 0)
		v = UTF8_REPLACEMENT;
	*cp = char_fix(v);
	return i;
}

/* "&name;" at s (or a Latin-1 name without ';', as HTML5's legacy
 * references): its length with the code point in *cp; 0 when libxml2 can
 * be left to it or when it is no reference. */
static size_t
char_ref_named(const char *s, size_t len, unsigned long *cp)
{
	char name[ENTITY_NAME_MAX + 1];
	const htmlEntityDesc *d;
	size_t n = 0, i;

	while (1 + n < len && n < ENTITY_NAME_MAX && is_alnum(s[1 + n]))
		n++;
	if (!n || (1 + n < len && is_alnum(s[1 + n])))
		return 0;
	memcpy(name, s + 1, n);
	name[n] = '\0';
	d = htmlEntityLookup((const xmlChar *)name);
	if (1 + n < len && s[1 + n] == ';') {
		if (d)
			return 0;
		for (i = 0;
		     i < sizeof(html5_entities) / sizeof(html5_entities[0]);
		     i++) {
			if (!strcmp(html5_entities[i].name, name)) {
				*cp = html5_entities[i].cp;
				return n + 2;
			}
		}
		return 0;
	}
	/* without ';' only the legacy (HTML 4 Latin-1) names, and not
	 * before '=' where they would be part of a query string */
	if (!d || d->value > 0xff || (1 + n < len && s[1 + n] == '='))
		return 0;
	*cp = d->value;
	return n + 1;
}

/* Appends n bytes of s with invalid UTF-8 and control characters made
 * U+FFFD (\f and \v: a space); if escape, & and < as references. */
static int
add_repaired(struct buf *in, const char *s, size_t n, int escape)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned long cp;
		size_t bad;
		int k;

		if (escape && (c == '&' || c == '<')) {
			if (buf_adds(in, c == '&' ? "&amp;" : "&lt;") < 0)
				return -1;
			i++;
			continue;
		}
		if (c == '\f' || c == '\v') {
			if (buf_addch(in, ' ') < 0)
				return -1;
			i++;
			continue;
		}
		k = utf8_decode((const unsigned char *)s + i, n - i, &cp, &bad);
		if (k > 0 && char_fix(cp) == cp) {
			if (buf_add(in, s + i, (size_t)k) < 0)
				return -1;
			i += (size_t)k;
			continue;
		}
		if (utf8_encode(in, UTF8_REPLACEMENT) < 0)
			return -1;
		i += k > 0 ? (size_t)k : k < 0 ? n - i : bad;
	}
	return 0;
}

/* Our pass before libxml2's (see html.h): comments dropped, CDATA
 * sections escaped as text, references it would get wrong or leave
 * undecoded written as numeric ones, bytes repaired. */
static int
prepare(struct buf *in, const char *s, size_t len)
{
	size_t i = 0, run = 0;

	while (i < len) {
		const char *end;
		unsigned long cp;
		size_t n = 0;

		if (s[i] == '<' && len - i >= 4 && !memcmp(s + i, "<!--", 4)) {
			if (add_repaired(in, s + run, i - run, 0) < 0)
				return -1;
			end = memmem(s + i + 4, len - i - 4, "-->", 3);
			i = run = end ? (size_t)(end - s) + 3 : len;
			continue;
		}
		if (s[i] == '<' && len - i >= 9 &&
		    !memcmp(s + i, "<![CDATA[", 9)) {
			if (add_repaired(in, s + run, i - run, 0) < 0)
				return -1;
			i += 9;
			end = memmem(s + i, len - i, "]]>", 3);
			n = end ? (size_t)(end - s) - i : len - i;
			if (add_repaired(in, s + i, n, 1) < 0)
				return -1;
			i = run = end ? i + n + 3 : len;
			continue;
		}
		if (s[i] == '&') {
			n = char_ref_numeric(s + i, len - i, &cp);
			if (!n)
				n = char_ref_named(s + i, len - i, &cp);
		}
		if (!n) {
			i++;
			continue;
		}
		if (add_repaired(in, s + run, i - run, 0) < 0 ||
		    buf_addf(in, "&#%lu;", cp) < 0)
			return -1;
		i = run = i + n;
	}
	return add_repaired(in, s + run, len - run, 0);
}

/* Sets e from errno after a buf function failed. */
static int
buf_failed(struct err *e, const char *what)
{
	if (errno == EMSGSIZE)
		return err_set(e, EX_DATAERR, "html: %s too long", what);
	return err_set(e, EX_OSERR, "html: %s: out of memory", what);
}

/* Parses a fragment into a document whose body holds it. */
static htmlDocPtr
parse(const char *html, size_t len, struct err *e)
{
	/* our pass grows no byte more than five-fold ('&' in CDATA) */
	struct buf in = BUF_INIT(HTML_INPUT_MAX * 5 + 64);
	htmlDocPtr doc = NULL;

	if (len > HTML_INPUT_MAX) {
		err_set(e, EX_DATAERR, "html: %zu bytes, more than %u", len,
			HTML_INPUT_MAX);
		goto out;
	}
	/* a body around it: libxml2 would otherwise put leading text in
	 * an implied <p> */
	if (buf_adds(&in, "<html><body>") < 0 ||
	    (len && prepare(&in, html, len) < 0)) {
		buf_failed(e, "input");
		goto out;
	}
	doc = htmlReadMemory(in.data, (int)in.len, NULL, "UTF-8", PARSE_OPTS);
	if (!doc)
		err_set(e, EX_OSERR, "html: cannot parse: out of memory");
out:
	buf_release(&in);
	return doc;
}

/*
 * A walk over the tree without recursion: enter returns 1 to descend (and
 * have leave called after the children), 0 to skip the node, -1 to stop.
 */
typedef int (*walk_fn)(xmlNode *n, void *ctx);

static int
walk(xmlNode *root, walk_fn enter, walk_fn leave, void *ctx)
{
	xmlNode *n = root->children;
	int r;

	while (n) {
		r = enter(n, ctx);
		if (r < 0)
			return -1;
		if (r > 0 && n->children) {
			n = n->children;
			continue;
		}
		if (r > 0 && leave(n, ctx) < 0)
			return -1;
		while (!n->next) {
			n = n->parent;
			if (!n || n == root)
				return 0;
			if (leave(n, ctx) < 0)
				return -1;
		}
		n = n->next;
	}
	return 0;
}

/* ---- html_to_text ---- */

struct text {
	struct buf *out;
	size_t start;  /* out->len before us: what is ours starts here */
	int brk;       /* newlines owed before the next text (0 to 2) */
	size_t spaces; /* spaces owed (outside pre: 0 or 1) */
	int pre;       /* depth of pre elements */
	int lists;     /* depth of ul/ol */
	int items;     /* depth of li */
	int bullet;    /* list level whose "- " is owed, 0 for none */
};

static void
text_break(struct text *t, int n)
{
	/* inside a list item a paragraph is only a line */
	if (n > 1 && t->items)
		n = 1;
	if (t->brk < n)
		t->brk = n;
}

/* Pays what is owed, then appends n bytes of s. */
static int
text_put(struct text *t, const char *s, size_t n)
{
	struct buf *o = t->out;
	int i;

	/* nothing before the first text: the output is trimmed */
	if (o->len == t->start)
		t->brk = 0, t->spaces = 0;
	for (i = 0; i < t->brk; i++)
		if (buf_addch(o, '\n') < 0)
			return -1;
	if (t->brk && !t->pre)
		t->spaces = 0;
	if (t->bullet) {
		for (i = 1; i < t->bullet; i++)
			if (buf_adds(o, "  ") < 0)
				return -1;
		if (buf_adds(o, "- ") < 0)
			return -1;
		t->bullet = 0;
		if (!t->pre)
			t->spaces = 0;
	}
	for (; t->spaces; t->spaces--)
		if (buf_addch(o, ' ') < 0)
			return -1;
	t->brk = 0;
	return buf_add(o, s, n);
}

static int
text_chars(struct text *t, const char *s)
{
	size_t i = 0, n;

	while (s[i]) {
		if (t->pre && s[i] == '\n') {
			/* a line of pre: break now, even an empty line */
			if (t->brk < 2)
				t->brk++;
			t->spaces = 0;
			i++;
		} else if (t->pre && s[i] == '\r') {
			i++;
		} else if (is_space(s[i])) {
			t->spaces = t->pre ?
					    t->spaces + (s[i] == '\t' ? 8 : 1) :
					    1;
			i++;
		} else if (!t->pre && (unsigned char)s[i] == 0xc2 &&
			   (unsigned char)s[i + 1] == 0xa0) {
			/* &nbsp; is a space like any other here */
			t->spaces = 1;
			i += 2;
		} else {
			n = i;
			while (s[n] && !is_space(s[n]) &&
			       !((unsigned char)s[n] == 0xc2 &&
				 (unsigned char)s[n + 1] == 0xa0 && !t->pre))
				n++;
			if (text_put(t, s + i, n - i) < 0)
				return -1;
			i = n;
		}
	}
	return 0;
}

static int
text_enter(xmlNode *n, void *ctx)
{
	struct text *t = ctx;
	const struct tag *tg;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		return n->content && text_chars(t, (const char *)n->content) <
					       0 ?
			       -1 :
			       0;
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	tg = tag_find(n->name);
	if (!tg)
		return 1;
	if (tg->flags & T_DROP)
		return 0;
	if (tg->flags & T_BR) {
		if (t->brk < 2)
			t->brk++;
		t->spaces = 0;
		return 0;
	}
	if (tg->flags & T_PARA)
		text_break(t, 2);
	if (tg->flags & T_LINE)
		text_break(t, 1);
	if (tg->flags & T_CELL)
		t->spaces = 1;
	if (tg->flags & T_PRE)
		t->pre++;
	if (tg->flags & T_LIST) {
		text_break(t, t->lists ? 1 : 2);
		t->lists++;
	}
	if (tg->flags & T_ITEM) {
		text_break(t, 1);
		t->items++;
		t->bullet = t->lists ? t->lists : 1;
	}
	return 1;
}

static int
text_leave(xmlNode *n, void *ctx)
{
	struct text *t = ctx;
	const struct tag *tg = tag_find(n->name);

	if (!tg)
		return 0;
	if (tg->flags & T_PRE)
		t->pre--;
	if (tg->flags & T_LIST)
		t->lists--;
	if (tg->flags & T_ITEM) {
		t->items--;
		/* an empty item shows no bullet */
		t->bullet = 0;
	}
	if (tg->flags & T_LIST)
		text_break(t, t->lists ? 1 : 2);
	if (tg->flags & (T_PARA | T_LINE | T_ITEM))
		text_break(t, tg->flags & T_PARA ? 2 : 1);
	return 0;
}

int
html_to_text(struct buf *out, const char *html, size_t len, struct err *e)
{
	struct text t;
	htmlDocPtr doc = parse(html, len, e);
	int rc = -1;

	if (!doc)
		return -1;
	memset(&t, 0, sizeof(t));
	t.out = out;
	t.start = out->len;
	if (walk((xmlNode *)doc, text_enter, text_leave, &t) < 0) {
		buf_failed(e, "text");
		buf_setlen(out, t.start);
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/* ---- html_summary ---- */

/* Tails that say "there is more" rather than being the article, each
 * maybe followed by an arrow. */
static const char *const tails[] = {
	"Lire la suite…",
	"Lire la suite...",
	"Lire la suite",
	"Continue reading…",
	"Continue reading",
	"Read more…",
	"Read more...",
	"Read more",
	"Réagir",
	"[…]",
	"(…)",
	"[...]",
	"(...)",
};

static const char *const arrows[] = { "→", "»", "›", ">" };

/* 1 if text[0..len) ends with tail, compared without ASCII case, and the
 * tail starts a word (or is punctuation). */
static int
ends_with(const char *text, size_t len, const char *tail)
{
	size_t n = strlen(tail);

	if (n > len || strncasecmp(text + len - n, tail, n))
		return 0;
	if (!is_alnum((unsigned char)tail[0]) || n == len)
		return 1;
	return !is_alnum((unsigned char)text[len - n - 1]) &&
	       !((unsigned char)text[len - n - 1] & 0x80);
}

/* The last occurrence of needle in s, or NULL. */
static const char *
find_last(const char *s, const char *needle)
{
	const char *p = NULL;

	while ((s = strstr(s, needle)))
		p = s++;
	return p;
}

/* Removes WordPress's "The post X appeared first on Y." from the end of s:
 * the site name Y is the last sentence. */
static void
strip_post_footer(struct buf *s)
{
	const char *p = find_last(s->data, "The post "), *q;

	if (!p || !(q = strstr(p, " appeared first on ")) || strstr(q, ". "))
		return;
	buf_setlen(s, (size_t)(p - s->data));
}

/* Removes WordPress's 'Continue reading "Title"' (the title is there for
 * screen readers) from the end of s[0..*len). */
static void
strip_continue_title(const char *s, size_t *len)
{
	static const char *const quotes[][2] = {
		{ "\"", "\"" },
		{ "“", "”" },
		{ "«", "»" },
	};
	const char *p = find_last(s, "Continue reading ");
	size_t i, at, n, q;

	if (!p)
		return;
	at = (size_t)(p - s) + strlen("Continue reading ");
	for (i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
		n = strlen(quotes[i][0]);
		q = strlen(quotes[i][1]);
		if (*len >= at + n + q && !strncmp(s + at, quotes[i][0], n) &&
		    !strncmp(s + *len - q, quotes[i][1], q)) {
			*len = at - 1;
			return;
		}
	}
}

static void
strip_tails(struct buf *s)
{
	size_t i, len;
	int again = 1;

	strip_post_footer(s);
	while (again) {
		again = 0;
		buf_trim(s);
		len = s->len;
		for (i = 0; i < sizeof(arrows) / sizeof(arrows[0]); i++) {
			if (ends_with(s->data, len, arrows[i])) {
				len -= strlen(arrows[i]);
				break;
			}
		}
		while (len && s->data[len - 1] == ' ')
			len--;
		strip_continue_title(s->data, &len);
		for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			if (ends_with(s->data, len, tails[i])) {
				buf_setlen(s, len - strlen(tails[i]));
				again = 1;
				break;
			}
		}
	}
}

/* Writes text on one line: every run of white space one space. */
static int
one_line(struct buf *dst, const char *s, size_t len)
{
	size_t i;
	int sp = 0;

	for (i = 0; i < len; i++) {
		if (is_space(s[i])) {
			sp = 1;
			continue;
		}
		if (sp && dst->len && buf_addch(dst, ' ') < 0)
			return -1;
		sp = 0;
		if (buf_addch(dst, s[i]) < 0)
			return -1;
	}
	return 0;
}

/* 1 if the sentence ends at s[i] (its last byte): . ! ? or … */
static int
sentence_end(const char *s, size_t i)
{
	if (s[i] == '.' || s[i] == '!' || s[i] == '?')
		return 1;
	return i >= 2 && !memcmp(s + i - 2, "…", 3);
}

/* The length of the clause punctuation (, ; : - – —) that ends s[0..n),
 * 0 if none. */
static size_t
clause_mark(const char *s, size_t n)
{
	if (n && s[n - 1] && strchr(",;:-", s[n - 1]))
		return 1;
	if (n >= 3 &&
	    (!memcmp(s + n - 3, "–", 3) || !memcmp(s + n - 3, "—", 3)))
		return 3;
	return 0;
}

int
html_summary(struct buf *out, const char *html, size_t len, int words,
	     struct err *e)
{
	struct buf text = BUF_INIT(HTML_INPUT_MAX * 4);
	struct buf line = BUF_INIT(HTML_INPUT_MAX * 4);
	size_t start = out->len, i, cut = 0, sent = 0, keep, k;
	int n = 0, sent_words = 0, rc = -1, whole;
	const char *s, *more = "";

	if (words < 1)
		words = 1;
	if (html_to_text(&text, html, len, e) < 0)
		goto out;
	if (one_line(&line, text.data, text.len) < 0) {
		buf_failed(e, "summary");
		goto out;
	}
	keep = line.len;
	strip_tails(&line);
	whole = keep == line.len;
	s = line.data;
	keep = line.len;
	/* find where word `words` ends, and the last sentence end before */
	for (i = 0; i < line.len; i++) {
		if (s[i] != ' ')
			continue;
		n++;
		if (i > 0 && sentence_end(s, i - 1)) {
			sent = i;
			sent_words = n;
		}
		if (n == words) {
			cut = i;
			break;
		}
	}
	if (cut && sent && sent_words * 2 >= words) {
		keep = sent;
		more = " …";
		whole = 0;
	} else if (cut) {
		/* "word,…" reads badly: the clause's punctuation goes */
		while ((k = clause_mark(s, cut)))
			cut -= k;
		while (cut > 0 && s[cut - 1] == ' ')
			cut--;
		keep = cut;
		more = "…";
		whole = 0;
	}
	if (buf_add(out, s, keep) < 0 || buf_adds(out, more) < 0) {
		buf_failed(e, "summary");
		buf_setlen(out, start);
		goto out;
	}
	rc = whole;
out:
	buf_release(&text);
	buf_release(&line);
	return rc;
}

/* ---- html_sanitize ---- */

struct san {
	struct buf *out;
	const char *base;
};

/* A marker on the <a> elements written with their tag. */
static char link_open;

int
html_escape(struct buf *out, const char *s, size_t len, int attr)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *rep;

		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = attr ? "&quot;" : NULL;
			break;
		default:
			rep = NULL;
		}
		if (!rep) {
			run++;
			continue;
		}
		if (buf_add(out, s + i - run, run) < 0 ||
		    buf_adds(out, rep) < 0)
			return -1;
		run = 0;
	}
	return buf_add(out, s + len - run, run);
}

static int
add_attr(struct buf *o, const char *name, const char *value)
{
	return buf_addf(o, " %s=\"", name) < 0 ||
			       html_escape(o, value, strlen(value), 1) < 0 ||
			       buf_addch(o, '"') < 0 ?
		       -1 :
		       0;
}

/* The absolute http, https or mailto URL of href, malloc'd; NULL when it
 * is anything else (or on allocation failure). A tab, CR or LF drops it:
 * browsers remove them before parsing (WHATWG URL), so "java\tscript:"
 * is another URL to them than to url_resolve. An http(s) URL is written
 * as url_printable() gives it, as the digest does an entry's link (other
 * control and bidirectional formatting characters percent-encoded); a
 * mailto: URL with such a character, or a space, is dropped. */
static char *
link_target(const char *base, const char *href)
{
	char *u = url_resolve(base, href), *shown = NULL;

	if (!u || strpbrk(u, "\t\r\n"))
		goto out;
	if (!strncasecmp(u, "mailto:", 7) && utf8_is_printable(u) &&
	    !strchr(u, ' '))
		return u;
	if (!strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8))
		shown = url_printable(u);
out:
	free(u);
	return shown;
}

static int
span_ok(const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= 3 && strspn(v, "0123456789") == n;
}

static int
san_enter(xmlNode *n, void *ctx)
{
	struct san *sn = ctx;
	struct buf *o = sn->out;
	const struct tag *tg;
	xmlChar *v = NULL;
	xmlAttr *a;
	char *href = NULL;
	int rc = -1;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		return n->content && html_escape(o, (const char *)n->content,
						 strlen((const char *)
								n->content),
						 0) < 0 ?
			       -1 :
			       0;
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	tg = tag_find(n->name);
	if (tg && !strcmp(tg->name, "img")) {
		v = xmlGetProp(n, (const xmlChar *)"alt");
		rc = v ? html_escape(o, (const char *)v,
				     strlen((const char *)v), 0) :
			 0;
		goto out;
	}
	if (!tg || !tg->out) {
		rc = tg && (tg->flags & T_DROP) ? 0 : 1;
		goto out;
	}
	if (!strcmp(tg->name, "a")) {
		v = xmlGetProp(n, (const xmlChar *)"href");
		href = v ? link_target(sn->base, (const char *)v) : NULL;
		if (!href) {
			rc = 1;
			goto out;
		}
		n->_private = &link_open;
	}
	if (buf_addf(o, "<%s", tg->out) < 0 ||
	    (href && add_attr(o, "href", href) < 0))
		goto out;
	for (a = n->properties; a; a = a->next) {
		const char *name = (const char *)a->name;

		if (strcmp(name, "title") &&
		    (!(tg->flags & T_SPAN) ||
		     (strcmp(name, "colspan") && strcmp(name, "rowspan"))))
			continue;
		xmlFree(v);
		v = xmlNodeGetContent((xmlNode *)a);
		if (!v || (strcmp(name, "title") && !span_ok((const char *)v)))
			continue;
		if (add_attr(o, name, (const char *)v) < 0)
			goto out;
	}
	if (tg->flags & T_VOID) {
		rc = buf_adds(o, "/>") < 0 ? -1 : 0;
		goto out;
	}
	rc = buf_addch(o, '>') < 0 ? -1 : 1;
out:
	xmlFree(v);
	free(href);
	return rc;
}

static int
san_leave(xmlNode *n, void *ctx)
{
	struct san *sn = ctx;
	const struct tag *tg = tag_find(n->name);

	if (!tg || !tg->out || (tg->flags & T_VOID))
		return 0;
	if (!strcmp(tg->name, "a") && n->_private != &link_open)
		return 0;
	return buf_addf(sn->out, "</%s>", tg->out) < 0 ? -1 : 0;
}

int
html_sanitize(struct buf *out, const char *html, size_t len,
	      const char *base_url, struct err *e)
{
	struct san sn = { out, base_url };
	size_t start = out->len;
	htmlDocPtr doc = parse(html, len, e);
	int rc = -1;

	if (!doc)
		return -1;
	/* the whole document: a fragment's text may land after <body>, and
	 * what went to <head> (title, meta) is dropped as head */
	if (walk((xmlNode *)doc, san_enter, san_leave, &sn) < 0) {
		buf_failed(e, "sanitized html");
		buf_setlen(out, start);
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}
