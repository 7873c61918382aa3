#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "lib/str.h"
#include "lib/url.h"
#include "parse/internal.h"

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
is_url_attr_name(const char *s, size_t n)
{
	static const char *const names[] = {
		"href",     "src",    "cite",   "action", "background",
		"longdesc", "poster", "usemap", NULL,
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
		    !str_is_alpha((unsigned char)html[i + 1])) {
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
			while (i < len &&
			       (q ? html[i] != q :
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
