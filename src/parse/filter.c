#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/html.h"
#include "lib/utf8.h"
#include "parse/internal.h"

/*
 * What libxml2 gets is the document with:
 * - the XML declaration dropped (the text is UTF-8 now, whatever it said);
 * - the DOCTYPE dropped (no DTD is ever read, no entity expanded by
 *   libxml2), after simple internal entities (<!ENTITY n "text">, no
 *   references in the text) were noted so that &n; can still be expanded
 *   here, within PARSE_MAX_ENTITY_EXPANSION bytes for the whole document;
 * - comments dropped, CDATA sections longer than PARSE_MAX_SECTION split
 *   in several (libxml2 stops at 10 MB);
 * - in the body, outside CDATA sections and comments, every reference
 *   resolved here: HTML named entities too, windows-1252 code points in
 *   &#128;-&#159; mapped as browsers do, references to characters XML
 *   forbids dropped, and every '&' that starts no reference kept as a
 *   character (feedparser's loose parser keeps such text as it is). In
 *   tags the characters are written as character references; in text
 *   '<', '>' and '&' go into a CDATA section (text_char), most others as
 *   UTF-8. Never an entity reference: libxml2 drops those once it has
 *   recovered from an error.
 * Newlines of dropped constructs are kept so line numbers stay right.
 */

enum {
	FILTER_PROLOG,
	FILTER_BODY,
	FILTER_CDATA,
	FILTER_COMMENT,
	FILTER_TAG,     /* inside a start or end tag */
	FILTER_PI,      /* a processing instruction, dropped */
	FILTER_DOCTYPE, /* a DOCTYPE too long to hold, dropped */
};

/* Longest reference we look at: "&" name ";" */
#define REF_MAX 40

void
filter_init(struct xml_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = FILTER_PROLOG;
	buf_init(&f->carry, PARSE_MAX_PROLOG_ITEM + REF_MAX);
}

void
filter_release(struct xml_filter *f)
{
	size_t i;

	buf_release(&f->carry);
	for (i = 0; i < f->nents; i++) {
		free(f->ents[i].name);
		free(f->ents[i].value);
	}
	f->nents = 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (unsigned char)c >= 0x80;
}

static int
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

/* Appends only the newlines of s. */
static int
add_newlines(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\n' && buf_addch(out, '\n') < 0)
			return -1;
	return 0;
}

/* The first what in s[0..n), or NULL. By memchr for its first byte:
 * glibc's memmem costs hundreds of instructions a call even when the
 * match is near, and the filter calls this for every CDATA section. */
static const char *
find(const char *s, size_t n, const char *what)
{
	size_t wl = strlen(what);
	const char *p = s, *end = s + n;

	while ((size_t)(end - p) >= wl &&
	       (p = memchr(p, what[0], (size_t)(end - p) - wl + 1)) != NULL) {
		if (!memcmp(p, what, wl))
			return p;
		p++;
	}
	return NULL;
}

/* Notes the <!ENTITY name "value"> declarations of an internal subset
 * that are plain text. */
static void
note_entities(struct xml_filter *f, const char *s, size_t n)
{
	const char *end = s + n, *p = s;

	while ((p = find(p, (size_t)(end - p), "<!ENTITY")) != NULL) {
		const char *name, *v, *ve;
		size_t nlen;
		char q;
		struct buf val = BUF_INIT(PARSE_MAX_ENTITY_VALUE);
		int ok = 1;

		p += 8;
		while (p < end && is_ws(*p))
			p++;
		if (p >= end || !is_name_start(*p))
			continue; /* "%": a parameter entity, ignored */
		name = p;
		while (p < end && is_name_char(*p))
			p++;
		nlen = (size_t)(p - name);
		while (p < end && is_ws(*p))
			p++;
		if (p >= end || (*p != '"' && *p != '\''))
			continue; /* SYSTEM / PUBLIC: never loaded */
		q = *p++;
		v = p;
		ve = memchr(v, q, (size_t)(end - v));
		if (!ve)
			return;
		p = ve + 1;
		if (f->nents >= PARSE_MAX_DTD_ENTITIES)
			continue;
		for (; v < ve && ok; v++) {
			if (*v == '&') {
				/* only character references */
				if (v + 1 < ve && v[1] == '#') {
					const char *semi = memchr(v, ';',
								  (size_t)(ve -
									   v));

					if (!semi) {
						ok = 0;
						break;
					}
					ok = buf_add(&val, v,
						     (size_t)(semi - v) + 1) ==
					     0;
					v = semi;
					continue;
				}
				ok = 0;
			} else if (*v == '%' || *v == '<') {
				ok = 0;
			} else if (*v == '"') {
				ok = buf_adds(&val, "&quot;") == 0;
			} else if (*v == '\'') {
				ok = buf_adds(&val, "&apos;") == 0;
			} else if (*v == '>') {
				ok = buf_adds(&val, "&gt;") == 0;
			} else {
				ok = buf_addch(&val, *v) == 0;
			}
		}
		if (ok) {
			char *nm = strndup(name, nlen);
			char *vv = buf_detach(&val, NULL);

			if (nm && vv) {
				f->ents[f->nents].name = nm;
				f->ents[f->nents].value = vv;
				f->nents++;
			} else {
				free(nm);
				free(vv);
			}
		}
		buf_release(&val);
	}
}

/* Length of the DOCTYPE at s, 0 if it does not end within n. */
static size_t
doctype_len(const char *s, size_t n)
{
	size_t i = 9;
	int in_subset = 0;
	char q = 0;

	for (; i < n; i++) {
		char c = s[i];

		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == '[') {
			in_subset = 1;
		} else if (c == ']') {
			in_subset = 0;
		} else if (c == '>' && !in_subset) {
			return i + 1;
		} else if (in_subset && c == '<' && i + 3 < n &&
			   !memcmp(s + i, "<!--", 4)) {
			const char *e = find(s + i + 4, n - i - 4, "-->");

			if (!e)
				return 0;
			i = (size_t)(e - s) + 2;
		}
	}
	return 0;
}

/* Appends the inside of a CDATA section, closed and opened again every
 * PARSE_MAX_SECTION bytes (libxml2 gives up on a section longer than 10
 * MB, and the rest of the feed with it; split, the text is the same);
 * of a comment or processing instruction, only the newlines. */
static int
section(struct xml_filter *f, struct buf *out, const char *s, size_t n)
{
	if (f->state != FILTER_CDATA)
		return add_newlines(out, s, n);
	while (n) {
		size_t room = PARSE_MAX_SECTION - f->section_len;
		size_t m = n < room ? n : room;

		if (buf_add(out, s, m) < 0)
			return -1;
		f->section_len += m;
		s += m;
		n -= m;
		if (f->section_len == PARSE_MAX_SECTION) {
			/* "]]]]>" still ends after the content's "]]" */
			if (buf_adds(out, "]]><![CDATA[") < 0)
				return -1;
			f->section_len = 0;
		}
	}
	return 0;
}

/* Appends "&#xHEX;" for v (upper-case digits, no leading zeros), without
 * printf: one for every entity of the document. */
static int
add_charref(struct buf *out, unsigned long v)
{
	static const char hex[] = "0123456789ABCDEF";
	char ref[3 + 2 * sizeof(v) + 1];
	char digits[2 * sizeof(v)];
	size_t n = 0, k = 0;

	do {
		digits[n++] = hex[v & 0xf];
		v >>= 4;
	} while (v);
	ref[k++] = '&';
	ref[k++] = '#';
	ref[k++] = 'x';
	while (n)
		ref[k++] = digits[--n];
	ref[k++] = ';';
	return buf_add(out, ref, k);
}

/* What a reference stands for: one character, text to copy as it is (a
 * DTD entity's value, already XML), or nothing (cp < 0, text NULL: a
 * character XML forbids, dropped). */
struct ref {
	long cp;
	const char *text;
	size_t len;
};

/* The predefined entity name[0..len), or -1. */
static long
predef_entity(const char *name, size_t len)
{
	switch (len) {
	case 2:
		if (name[1] != 't')
			break;
		return name[0] == 'l' ? '<' : name[0] == 'g' ? '>' : -1;
	case 3:
		return !memcmp(name, "amp", 3) ? '&' : -1;
	case 4:
		return !memcmp(name, "quot", 4) ? '"' :
		       !memcmp(name, "apos", 4) ? '\'' :
						  -1;
	default:
		break;
	}
	return -1;
}

/* Reads the reference at s[0] == '&' into *r. Returns the bytes
 * consumed, 0 when more input is needed to decide. */
static size_t
do_ref(struct parser *p, const char *s, size_t n, int final, struct ref *r)
{
	struct xml_filter *f = &p->filter;
	size_t i = 1;

	r->cp = -1;
	r->text = NULL;
	if (n > 1 && s[1] == '#') {
		unsigned long v = 0;
		size_t digits = 0, end = n < REF_MAX ? n : REF_MAX;
		int hex = 0;

		i = 2;
		if (i < n && (s[i] == 'x' || s[i] == 'X'))
			hex = 1, i++;
		if (i < end)
			digits = html_ref_digits(s + i, end - i, hex, &v);
		i += digits;
		if (i >= n && !final && i < REF_MAX)
			return 0;
		if (!digits) {
			r->cp = '&';
			return 1;
		}
		if (i < n && s[i] == ';')
			i++;
		if (utf8_cp1252_c1(v))
			v = utf8_cp1252_c1(v);
		if ((v < 0x20 && v != 9 && v != 10 && v != 13) ||
		    (v >= 0xd800 && v <= 0xdfff) || v == 0xfffe ||
		    v == 0xffff || v > 0x10ffff)
			return i; /* XML forbids it: dropped */
		r->cp = (long)v;
		return i;
	}
	if (n > 1 && !is_name_start(s[1])) {
		r->cp = '&';
		return 1;
	}
	while (i < n && i < REF_MAX && is_name_char(s[i]))
		i++;
	if (i >= n && !final && i < REF_MAX)
		return 0;
	if (i >= n || s[i] != ';') {
		r->cp = '&';
		return 1;
	}
	{
		const char *name = s + 1;
		size_t len = i - 1, k;

		r->cp = predef_entity(name, len);
		if (r->cp >= 0)
			return i + 1;
		for (k = 0; k < f->nents; k++) {
			size_t vl;

			if (strlen(f->ents[k].name) != len ||
			    memcmp(f->ents[k].name, name, len))
				continue;
			vl = strlen(f->ents[k].value);
			if (f->expanded + vl > PARSE_MAX_ENTITY_EXPANSION)
				break;
			f->expanded += vl;
			r->text = f->ents[k].value;
			r->len = vl;
			return i + 1;
		}
		r->cp = text_html_entity(name, len);
		if (r->cp >= 0)
			return i + 1;
		parser_warn(p, PARSE_WARN_ENTITY, 0,
			    "undefined entity '&%.*s;' kept as text", (int)len,
			    name);
		r->cp = '&';
		return 1;
	}
}

/* Closes the CDATA section text_char opened, if one is open. */
static int
text_cdata_close(struct xml_filter *f, struct buf *out)
{
	if (!f->text_cdata)
		return 0;
	f->text_cdata = 0;
	return buf_add(out, "]]>", 3);
}

/*
 * Appends the character of a reference in text. '<', '>' and '&' go into
 * a CDATA section, opened here and left open for the text that follows
 * (up to the next markup, ']', CR or PARSE_MAX_SECTION bytes): libxml2
 * reads escaped HTML as one block instead of a reference and a callback
 * per character, and the characters are the same. Others that are safe as
 * they are are written as UTF-8; the rest as a reference, outside the
 * section: ']' (it could end the section), CR (XML reads it as LF), LF
 * (libxml2 would count one more line) and the C1 controls.
 */
static int
text_char(struct xml_filter *f, unsigned long cp, struct buf *out)
{
	size_t before = out->len;

	if (cp == '<' || cp == '>' || cp == '&') {
		if (!f->text_cdata) {
			if (buf_add(out, "<![CDATA[", 9) < 0)
				return -1;
			f->text_cdata = 1;
			f->section_len = 0;
			before = out->len;
		}
		if (buf_addch(out, (int)cp) < 0)
			return -1;
	} else if (cp == '\t' || cp >= 0xa0 ||
		   (cp >= 0x20 && cp < 0x7f && cp != ']')) {
		if (utf8_encode(out, cp) < 0)
			return -1;
	} else {
		if (text_cdata_close(f, out) < 0)
			return -1;
		return add_charref(out, cp);
	}
	if (f->text_cdata) {
		f->section_len += out->len - before;
		if (f->section_len >= PARSE_MAX_SECTION)
			return text_cdata_close(f, out);
	}
	return 0;
}

/* Bytes of a tag that only make it longer: not a quote, '<', '>', '&'
 * or white space (is_ws). */
static const unsigned char tag_plain[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Index of the first c in s[i..n), n when there is none. *at caches the
 * answer of an earlier search over the same s and n (SIZE_MAX: none), so
 * that text with a rare character is not searched again at every tag. */
static size_t
next_of(const char *s, size_t n, size_t i, char c, size_t *at)
{
	if (*at == SIZE_MAX || *at < i) {
		const char *e = memchr(s + i, c, n - i);

		*at = e ? (size_t)(e - s) : n;
	}
	return *at;
}

int
filter_run(struct parser *p, const char *in, size_t inlen, int final,
	   struct buf *out)
{
	struct xml_filter *f = &p->filter;
	struct buf work = BUF_INIT(PARSE_MAX_PROLOG_ITEM + REF_MAX + 1);
	const char *s = in;
	size_t n = inlen, i = 0, keep = 0, lim;
	size_t lt_at = SIZE_MAX, amp_at = SIZE_MAX, rsqb_at = SIZE_MAX;
	size_t cr_at = SIZE_MAX;
	int rc = -1;

	if (f->carry.len) {
		/* the held-back tail joins the new bytes */
		work.max = f->carry.len + inlen;
		if (buf_add(&work, f->carry.data, f->carry.len) < 0 ||
		    buf_add(&work, in, inlen) < 0)
			goto out;
		buf_reset(&f->carry);
		s = work.data;
		n = work.len;
	}
	while (i < n) {
		const char *e;
		size_t m;

		switch (f->state) {
		case FILTER_PROLOG:
			if (is_ws(s[i])) {
				if (buf_addch(out, s[i]) < 0)
					goto out;
				i++;
				break;
			}
			if (s[i] != '<') {
				i++; /* text before the root: dropped */
				break;
			}
			if (n - i < 10 && !final) {
				keep = n - i;
				goto hold;
			}
			/* what is decided on a construct looks at its first
			 * PARSE_MAX_PROLOG_ITEM bytes only, so that it does
			 * not depend on how the input was cut */
			lim = n - i < PARSE_MAX_PROLOG_ITEM ?
				      n - i :
				      PARSE_MAX_PROLOG_ITEM;
			if (!strncmp(s + i, "<?", 2)) {
				e = find(s + i, lim, "?>");
				if (!e && n - i >= PARSE_MAX_PROLOG_ITEM) {
					/* too long to hold: dropped */
					i += 2;
					f->state = FILTER_PI;
					f->after = FILTER_PROLOG;
					break;
				}
				if (!e && !final) {
					keep = n - i;
					goto hold;
				}
				m = e ? (size_t)(e - s - i) + 2 : n - i;
				if (!strncmp(s + i, "<?xml", 5) &&
				    (is_ws(s[i + 5]) || s[i + 5] == '?')) {
					if (add_newlines(out, s + i, m) < 0)
						goto out;
				} else if (buf_add(out, s + i, m) < 0) {
					goto out;
				}
				i += m;
				break;
			}
			if (!strncmp(s + i, "<!--", 4)) {
				/* comments are dropped */
				i += 4;
				f->state = FILTER_COMMENT;
				f->after = FILTER_PROLOG;
				break;
			}
			if (!strncasecmp(s + i, "<!DOCTYPE", 9)) {
				m = doctype_len(s + i, lim);
				if (!m && n - i >= PARSE_MAX_PROLOG_ITEM) {
					/* too long to hold: dropped, its
					 * entities unknown */
					i += 9;
					f->state = FILTER_DOCTYPE;
					f->quote = 0;
					f->in_subset = 0;
					break;
				}
				if (!m && !final) {
					keep = n - i;
					goto hold;
				}
				if (!m)
					m = n - i;
				{
					size_t k = i + 9;

					while (k < i + m && is_ws(s[k]))
						k++;
					if (k + 4 <= i + m &&
					    !strncasecmp(s + k, "html", 4) &&
					    (k + 4 == i + m ||
					     !is_name_char(s[k + 4])))
						f->saw_html_doctype = 1;
				}
				note_entities(f, s + i, m);
				if (add_newlines(out, s + i, m) < 0)
					goto out;
				i += m;
				break;
			}
			f->state = FILTER_BODY;
			break;
		case FILTER_BODY:
			m = next_of(s, n, i, '<', &lt_at);
			if (next_of(s, n, i, '&', &amp_at) < m)
				m = amp_at;
			if (f->text_cdata) {
				/* in text_char's section: a ']' could end
				 * it early, libxml2 passes a CR in it on as
				 * it is (in text it reads CR LF and CR as
				 * LF), and it has a cap */
				if (next_of(s, n, i, ']', &rsqb_at) < m)
					m = rsqb_at;
				if (next_of(s, n, i, '\r', &cr_at) < m)
					m = cr_at;
				if (f->section_len + (m - i) >
					    PARSE_MAX_SECTION &&
				    text_cdata_close(f, out) < 0)
					goto out;
				f->section_len += m - i;
			}
			if (buf_add(out, s + i, m - i) < 0)
				goto out;
			i = m;
			if (i >= n)
				break;
			if (s[i] == ']' || s[i] == '\r') {
				if (text_cdata_close(f, out) < 0 ||
				    buf_addch(out, s[i]) < 0)
					goto out;
				i++;
				break;
			}
			if (s[i] == '<') {
				if (text_cdata_close(f, out) < 0)
					goto out;
				if (n - i < 9 && !final &&
				    (n - i == 1 || s[i + 1] == '!') &&
				    (!strncmp(s + i, "<![CDATA[", n - i) ||
				     !strncmp(s + i, "<!--",
					      n - i < 4 ? n - i : 4))) {
					keep = n - i;
					goto hold;
				}
				if (n - i >= 9 && s[i + 1] == '!' &&
				    !strncmp(s + i, "<![CDATA[", 9)) {
					if (buf_add(out, s + i, 9) < 0)
						goto out;
					i += 9;
					f->state = FILTER_CDATA;
					f->section_len = 0;
					break;
				}
				if (n - i >= 4 && s[i + 1] == '!' &&
				    !strncmp(s + i, "<!--", 4)) {
					/* comments are dropped */
					i += 4;
					f->state = FILTER_COMMENT;
					f->after = FILTER_BODY;
					break;
				}
				if (buf_addch(out, '<') < 0)
					goto out;
				i++;
				if (i < n &&
				    (is_name_start(s[i]) || s[i] == '/')) {
					f->state = FILTER_TAG;
					f->tag_len = 1;
					f->quote = 0;
					f->cut_quote = 0;
					f->last = 0;
				}
				break;
			}
			/* FALLTHROUGH: a reference */
ref : {
	struct ref r;
	int rc2 = 0;

	m = do_ref(p, s + i, n - i, final, &r);
	if (!m) {
		keep = n - i;
		goto hold;
	}
	if (f->state == FILTER_TAG) {
		/* a reference across the cap ends
					 * what is kept, as a byte at the cap
					 * does: note the quote to close */
		if (f->tag_len < PARSE_MAX_TAG &&
		    f->tag_len + m > PARSE_MAX_TAG)
			f->cut_quote = f->quote;
		f->tag_len += m;
		/* as references: libxml2 drops
					 * entity references once it has
					 * recovered from an error */
		if (r.text)
			rc2 = buf_add(out, r.text, r.len);
		else if (r.cp >= 0)
			rc2 = add_charref(out, (unsigned long)r.cp);
	} else if (r.text) {
		rc2 = text_cdata_close(f, out);
		if (rc2 == 0)
			rc2 = buf_add(out, r.text, r.len);
	} else if (r.cp >= 0) {
		rc2 = text_char(f, (unsigned long)r.cp, out);
	}
	if (rc2 < 0)
		goto out;
	i += m;
} break;
		case FILTER_TAG: {
			/* up to the '>' outside quotes; a tag longer than
			 * PARSE_MAX_TAG loses the rest of its attributes
			 * (libxml2 would stop at 10 MB, and lose the feed) */
			size_t room = f->tag_len < PARSE_MAX_TAG ?
					      PARSE_MAX_TAG - f->tag_len :
					      0,
			       ok;

			for (m = i; m < n; m++) {
				char c;

				if (f->tag_len < PARSE_MAX_TAG) {
					/* a run of tag_plain bytes at once,
					 * short of the cap */
					size_t k = m,
					       stop = n - m < PARSE_MAX_TAG - f->tag_len ?
							      n :
							      m + PARSE_MAX_TAG -
								      f->tag_len;

					while (k < stop &&
					       tag_plain[(unsigned char)s[k]])
						k++;
					if (k > m) {
						f->last = s[k - 1];
						f->tag_len += k - m;
						m = k;
						if (m == n)
							break;
					}
				}
				c = s[m];
				if (f->tag_len == PARSE_MAX_TAG)
					f->cut_quote = f->quote;
				if (f->quote) {
					if (c == f->quote)
						f->quote = 0;
				} else if (c == '"' || c == '\'') {
					f->quote = c;
				} else if (c == '>' || c == '<') {
					break;
				}
				if (c == '&' && f->tag_len < PARSE_MAX_TAG)
					break;
				if (!is_ws(c))
					f->last = c;
				f->tag_len++;
			}
			ok = m - i < room ? m - i : room;
			/* never cut a UTF-8 sequence */
			if (ok < m - i)
				while (ok && ((unsigned char)s[i + ok] &
					      0xc0) == 0x80)
					ok--;
			if (buf_add(out, s + i, ok) < 0)
				goto out;
			i = m;
			if (i >= n)
				break;
			if (s[i] == '&')
				goto ref;
			if (f->tag_len > PARSE_MAX_TAG) {
				/* close what was cut */
				if (f->cut_quote &&
				    buf_addch(out, f->cut_quote) < 0)
					goto out;
				if (f->last == '/' && buf_addch(out, '/') < 0)
					goto out;
				parser_warn(p, PARSE_WARN_TRUNCATED, 0,
					    "tag longer than %u bytes cut",
					    (unsigned)PARSE_MAX_TAG);
			}
			f->state = FILTER_BODY;
			if (s[i] == '>') {
				if (buf_addch(out, '>') < 0)
					goto out;
				i++;
			}
			break;
		}
		case FILTER_DOCTYPE:
			for (m = i; m < n; m++) {
				char c = s[m];

				if (f->quote) {
					if (c == f->quote)
						f->quote = 0;
				} else if (c == '"' || c == '\'') {
					f->quote = c;
				} else if (c == '[') {
					f->in_subset = 1;
				} else if (c == ']') {
					f->in_subset = 0;
				} else if (c == '>' && !f->in_subset) {
					break;
				}
			}
			if (add_newlines(out, s + i, m - i) < 0)
				goto out;
			i = m;
			if (i < n) {
				i++;
				f->state = FILTER_PROLOG;
			}
			break;
		case FILTER_CDATA:
		case FILTER_COMMENT:
		case FILTER_PI: {
			const char *end = f->state == FILTER_CDATA ? "]]>" :
					  f->state == FILTER_PI    ? "?>" :
								     "-->";

			e = find(s + i, n - i, end);
			if (!e) {
				/* keep 2 bytes: the terminator may be cut */
				m = final ? n - i : n - i > 2 ? n - i - 2 : 0;
				if (section(f, out, s + i, m) < 0)
					goto out;
				i += m;
				if (i < n) {
					keep = n - i;
					goto hold;
				}
				break;
			}
			m = (size_t)(e - s - i);
			if (section(f, out, s + i, m) < 0 ||
			    (f->state == FILTER_CDATA &&
			     buf_add(out, "]]>", 3) < 0))
				goto out;
			i += m + strlen(end);
			f->state = f->state == FILTER_CDATA ? FILTER_BODY :
							      f->after;
			break;
		}
		}
	}
	/* the document ends: so does the section text_char opened */
	if (final && text_cdata_close(f, out) < 0)
		goto out;
	rc = 0;
	goto out;
hold:
	/* at most PARSE_MAX_PROLOG_ITEM: longer constructs changed state */
	rc = buf_add(&f->carry, s + n - keep, keep);
out:
	buf_release(&work);
	return rc;
}
