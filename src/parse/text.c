#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "parse/internal.h"
#include "lib/url.h"
#include "lib/utf8.h"

/* Longest entity name we look up (HTML 4's longest is 8). */
#define ENTITY_NAME_MAX 32

long
text_html_entity(const char *name, size_t len)
{
	char tmp[ENTITY_NAME_MAX + 1];
	const htmlEntityDesc *d;

	if (len == 0 || len > ENTITY_NAME_MAX)
		return -1;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	d = htmlEntityLookup((const xmlChar *)tmp);
	return d ? (long)d->value : -1;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Decodes the character reference at s ("&...;"); returns its length
 * and sets *cp, or 0 when s does not start one. */
static size_t
char_ref(const char *s, size_t len, unsigned long *cp)
{
	size_t i = 1;
	unsigned long v = 0;

	if (len < 3)
		return 0;
	if (s[1] == '#') {
		int hex = 0, digits = 0;

		i = 2;
		if (i < len && (s[i] == 'x' || s[i] == 'X'))
			hex = 1, i++;
		for (; i < len && digits < 8; i++, digits++) {
			char c = s[i];

			if (c >= '0' && c <= '9')
				v = v * (hex ? 16 : 10) +
					(unsigned long)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned long)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				v = v * 16 + (unsigned long)(c - 'A' + 10);
			else
				break;
		}
		if (!digits)
			return 0;
		if (i < len && s[i] == ';')
			i++;
		/* &#150; means windows-1252's dash, as browsers read it */
		if (utf8_cp1252_c1(v))
			v = utf8_cp1252_c1(v);
		*cp = v ? v : 0xfffd;
		return i;
	}
	while (i < len && i <= ENTITY_NAME_MAX && is_alnum(s[i]))
		i++;
	if (i == 1 || i >= len || s[i] != ';')
		return 0;
	{
		long c = text_html_entity(s + 1, i - 1);

		if (c < 0) {
			if (i - 1 == 4 && !strncmp(s + 1, "apos", 4))
				c = '\'';
			else
				return 0;
		}
		*cp = (unsigned long)c;
	}
	return i + 1;
}

/* Whether the tag at s (after '<', maybe '/') breaks the text flow. */
static int
is_block_tag(const char *s, size_t len)
{
	static const char *const blocks[] = {
		"address", "article", "aside", "blockquote", "br", "dd",
		"div", "dl", "dt", "figcaption", "figure", "footer", "h1",
		"h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
		"nav", "ol", "p", "pre", "section", "table", "td", "th",
		"tr", "ul", NULL,
	};
	size_t n = 0, i;

	if (len && *s == '/')
		s++, len--;
	while (n < len && is_alnum(s[n]))
		n++;
	for (i = 0; blocks[i]; i++)
		if (strlen(blocks[i]) == n && !strncasecmp(s, blocks[i], n))
			return 1;
	return 0;
}

static int
tag_start(char c)
{
	return c == '!' || c == '/' || c == '?' ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

int
text_from_html(const char *html, size_t len, struct buf *out)
{
	size_t i = 0;
	const char *skip_to = NULL;

	while (i < len) {
		char c = html[i];

		if (skip_to) {
			const char *e = strcasestr(html + i, skip_to);

			if (!e)
				break;
			i = (size_t)(e - html);
			skip_to = NULL;
			continue;
		}
		if (c == '<' && i + 1 < len && tag_start(html[i + 1])) {
			const char *end;

			if (!strncmp(html + i, "<!--", 4)) {
				end = strstr(html + i + 4, "-->");
				i = end ? (size_t)(end - html) + 3 : len;
				continue;
			}
			if (!strncasecmp(html + i, "<script", 7))
				skip_to = "</script";
			else if (!strncasecmp(html + i, "<style", 6))
				skip_to = "</style";
			/* a block ends a word, an inline tag does not */
			if (is_block_tag(html + i + 1, len - i - 1) &&
			    buf_addch(out, ' ') < 0)
				return -1;
			end = memchr(html + i, '>', len - i);
			i = end ? (size_t)(end - html) + 1 : len;
			continue;
		}
		if (c == '&') {
			unsigned long cp;
			size_t n = char_ref(html + i, len - i, &cp);

			if (n) {
				if (utf8_encode(out, cp) < 0)
					return -1;
				i += n;
				continue;
			}
		}
		/* up to the next byte that may start a tag or reference */
		{
			size_t j = i + 1;

			while (j < len && html[j] != '<' && html[j] != '&')
				j++;
			if (buf_add(out, html + i, j - i) < 0) {
				/* over the cap: what fits, as byte by byte */
				while (i < j && buf_addch(out, html[i]) == 0)
					i++;
				return -1;
			}
			i = j;
		}
	}
	return 0;
}

void
text_collapse_ws(struct buf *b)
{
	const char *d = b->data;
	size_t i = 0, o, n = b->len;
	int space = 0;

	/* most text has nothing to change: find where the first change is
	 * (white space first, not a lone ' ' between two other bytes) */
	if (n && !is_ws(d[0])) {
		for (i = 1; i < n; i++) {
			if ((unsigned char)d[i] > ' ' || !is_ws(d[i]))
				continue;
			if (d[i] != ' ' || i + 1 == n || is_ws(d[i + 1]))
				break;
			i++;
		}
		if (i >= n)
			return;
	}
	for (o = i; i < n; i++) {
		char c = b->data[i];

		if (is_ws(c)) {
			space = 1;
			continue;
		}
		if (space && o)
			b->data[o++] = ' ';
		space = 0;
		b->data[o++] = c;
	}
	buf_setlen(b, o);
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
text_base64_decode(struct buf *b)
{
	size_t i, o = 0;
	unsigned long acc = 0;
	int bits = 0;

	/* RFC 4648 section 4. Checked first, so that b is left alone when
	 * it is not base64; the output is never longer than the input, so
	 * decoding in place is safe. */
	for (i = 0; i < b->len && b->data[i] != '='; i++)
		if (!is_ws(b->data[i]) && b64_value(b->data[i]) < 0)
			return -1;
	for (i = 0; i < b->len; i++) {
		int v;

		if (is_ws(b->data[i]))
			continue;
		if (b->data[i] == '=')
			break;
		v = b64_value(b->data[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b->data[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	buf_setlen(b, o);
	return 0;
}

char *
text_dup_nonempty(const struct buf *b)
{
	if (!b->len)
		return NULL;
	return strndup(b->data, b->len);
}

/* Attributes whose value is a URL (HTML 4.01 index of attributes, with
 * HTML5's poster). */
static int
is_alpha(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
is_url_attr_name(const char *s, size_t n)
{
	static const char *const names[] = {
		"href", "src", "cite", "action", "background", "longdesc",
		"poster", "usemap", NULL,
	};
	size_t i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && !strncasecmp(s, names[i], n))
			return 1;
	return 0;
}

static int
add_resolved(struct buf *out, const char *base, const char *v, size_t n)
{
	char *ref = strndup(v, n), *abs;
	size_t k;
	int rc;

	if (!ref)
		return -1;
	abs = url_resolve(base, ref);
	free(ref);
	if (!abs)
		return -1;
	/* the value stays HTML source (its &amp; are kept); only a quote
	 * from a value that was single-quoted needs escaping */
	rc = 0;
	for (k = 0; abs[k] && rc == 0; k++)
		rc = abs[k] == '"' ? buf_adds(out, "&quot;") :
			buf_addch(out, abs[k]);
	free(abs);
	return rc;
}

int
text_resolve_html(const char *html, size_t len, const char *base,
	struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, n;

		if (html[i] != '<' || i + 1 >= len ||
		    !is_alpha(html[i + 1])) {
			if (!strncmp(html + i, "<!--", 4)) {
				const char *e = strstr(html + i + 4, "-->");

				i = e ? (size_t)(e - html) + 3 : len;
			} else {
				i++;
			}
			while (i < len && html[i] != '<')
				i++;
			if (buf_add(out, html + start, i - start) < 0)
				return -1;
			continue;
		}
		/* a start tag: copy it, resolving URL attributes */
		i++;
		while (i < len && is_alnum(html[i]))
			i++;
		for (;;) {
			size_t ns, ne, vs, ve;
			char q = 0;

			while (i < len && is_ws(html[i]))
				i++;
			if (i >= len || html[i] == '>' || html[i] == '/' ||
			    html[i] == '<')
				break;
			ns = i;
			while (i < len && !is_ws(html[i]) && html[i] != '=' &&
			       html[i] != '>' && html[i] != '/')
				i++;
			ne = i;
			if (ne == ns) {
				i++;
				continue;
			}
			while (i < len && is_ws(html[i]))
				i++;
			if (i >= len || html[i] != '=')
				continue;
			i++;
			while (i < len && is_ws(html[i]))
				i++;
			if (i < len && (html[i] == '"' || html[i] == '\''))
				q = html[i++];
			vs = i;
			while (i < len && (q ? html[i] != q :
					   !is_ws(html[i]) && html[i] != '>'))
				i++;
			ve = i;
			if (q && i < len)
				i++;
			if (!is_url_attr_name(html + ns, ne - ns))
				continue;
			/* everything up to the value, the new value, then
			 * go on after it */
			n = vs - start - (q ? 1 : 0);
			if (buf_add(out, html + start, n) < 0 ||
			    buf_addch(out, '"') < 0 ||
			    add_resolved(out, base, html + vs, ve - vs) < 0 ||
			    buf_addch(out, '"') < 0)
				return -1;
			start = i;
		}
		if (buf_add(out, html + start, i - start) < 0)
			return -1;
	}
	return 0;
}
