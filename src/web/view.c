/* view: the HTML part of a kept message (view.h), and the /v/TOKEN page
 * that shows it. */
#include "config.h"

#include "web/view.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/token.h"
#include "store/store.h"
#include "web/route.h"

/* The end of the header block that starts at p (the blank line's first
 * byte), or NULL. */
static const char *
headers_end(const char *p, const char *end)
{
	const char *q = p;

	if (end - p >= 2 && !memcmp(p, "\r\n", 2))
		return p;
	for (; end - q >= 4; q++)
		if (!memcmp(q, "\r\n\r\n", 4))
			return q + 2;
	return NULL;
}

/* The value of header name in the block [p, end), unfolded, into out
 * (size bytes, cut): 0, or -1 when absent. */
static int
header(const char *p, const char *end, const char *name, char *out, size_t size)
{
	size_t n = strlen(name), o = 0;
	const char *line = p, *eol;

	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > n && !strncasecmp(line, name, n) &&
		    line[n] == ':') {
			const char *v = line + n + 1;

			/* this line and the folded ones after it */
			for (;;) {
				for (; v < eol && o + 1 < size; v++)
					if (*v != '\r' && *v != '\n')
						out[o++] = *v;
				line = eol + 1;
				if (line >= end ||
				    (*line != ' ' && *line != '\t'))
					break;
				eol = memchr(line, '\n', (size_t)(end - line));
				if (!eol)
					eol = end;
				v = line;
			}
			out[o] = '\0';
			return 0;
		}
		line = eol + 1;
	}
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 2045 6.7 */
static int
qp_decode(const char *p, const char *end, struct buf *out)
{
	int hi, lo;
	char c;

	while (p < end) {
		if (*p != '=') {
			if (buf_add(out, p++, 1) < 0)
				return -1;
			continue;
		}
		/* a soft line break */
		if (end - p >= 3 && p[1] == '\r' && p[2] == '\n') {
			p += 3;
			continue;
		}
		if (end - p >= 2 && p[1] == '\n') {
			p += 2;
			continue;
		}
		if (end - p >= 3 && (hi = hexval((unsigned char)p[1])) >= 0 &&
		    (lo = hexval((unsigned char)p[2])) >= 0) {
			c = (char)(hi * 16 + lo);
			if (buf_add(out, &c, 1) < 0)
				return -1;
			p += 3;
			continue;
		}
		/* a lone '=' is kept, as RFC 2045 advises */
		if (buf_add(out, p++, 1) < 0)
			return -1;
	}
	return 0;
}

static int
b64val(int c)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(set, c) : NULL;

	return at ? (int)(at - set) : -1;
}

static int
b64_decode(const char *p, const char *end, struct buf *out)
{
	unsigned long acc = 0;
	int bits = 0, v;
	char c;

	for (; p < end; p++) {
		v = b64val((unsigned char)*p);
		if (v < 0)
			continue; /* line breaks, padding */
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)((acc >> bits) & 0xff);
			if (buf_add(out, &c, 1) < 0)
				return -1;
		}
	}
	return 0;
}

/* Decodes the part whose headers start at p (body up to end) into out
 * when it is text/html: 0 done, 1 not html, -1 broken. */
static int
part(const char *p, const char *end, struct buf *out)
{
	const char *body = headers_end(p, end);
	char type[256], cte[64];

	if (!body)
		return -1;
	if (header(p, body, "Content-Type", type, sizeof(type)) < 0)
		return 1;
	{
		const char *t = type;

		while (*t == ' ' || *t == '\t')
			t++;
		if (strncasecmp(t, "text/html", 9))
			return 1;
	}
	body += 2;
	if (header(p, body, "Content-Transfer-Encoding", cte, sizeof(cte)) < 0)
		return buf_add(out, body, (size_t)(end - body));
	if (strcasestr(cte, "quoted-printable"))
		return qp_decode(body, end, out);
	if (strcasestr(cte, "base64"))
		return b64_decode(body, end, out);
	return buf_add(out, body, (size_t)(end - body));
}

int
view_html(const char *msg, size_t len, struct buf *out)
{
	const char *end = msg + len, *hend, *b, *p, *next;
	char type[512], delim[200];
	size_t dn;
	int rc;

	hend = headers_end(msg, end);
	if (!hend || header(msg, hend, "Content-Type", type, sizeof(type)) < 0)
		return -1;
	b = strcasestr(type, "boundary=");
	if (!b)
		return part(msg, end, out) == 0 ? 0 : -1;
	b += 9;
	if (*b == '"')
		b++;
	dn = strcspn(b, "\"; \t");
	if (!dn || dn + 5 > sizeof(delim))
		return -1;
	/* RFC 2046 5.1.1: CRLF "--" boundary */
	delim[0] = '\r';
	delim[1] = '\n';
	delim[2] = delim[3] = '-';
	memcpy(delim + 4, b, dn);
	dn += 4;
	/* the preamble ends at the first delimiter */
	p = memmem(hend, (size_t)(end - hend), delim, dn);
	while (p) {
		p += dn;
		if (end - p >= 2 && !memcmp(p, "--", 2))
			break; /* the closing delimiter */
		/* the rest of the delimiter line */
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			break;
		p++;
		next = memmem(p, (size_t)(end - p), delim, dn);
		rc = part(p, next ? next : end, out);
		if (rc <= 0)
			return rc;
		p = next;
	}
	return -1;
}

/* --- the page ------------------------------------------------------------ */

/* The digest of the subscriber whose Message-ID's key is key. */
struct find {
	int64_t key;
	int64_t id;
};

static int
match(int64_t id, const char *message_id, void *arg, struct err *e)
{
	struct find *f = arg;

	(void)e;
	if (token_message_key(message_id) != f->key)
		return 0;
	f->id = id;
	return 1;
}

/* Kept HTML: what it shows may style itself (the digest's inline
 * styles) but run nothing and load nothing, from here or elsewhere
 * (remote images are not fetched: shown as sent, less those). */
static const char view_csp[] =
	"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

static int
gone(struct reply *rep, enum page_lang lang)
{
	return reply_page(rep, 404, lang, PT_VIEW_GONE_TITLE, PT_VIEW_GONE);
}

int
view_handle(struct request *r, struct reply *rep)
{
	struct store_subscriber sub;
	struct store_message m;
	struct find f = { 0, 0 };
	struct token t;
	struct err e = ERR_INIT;
	enum page_lang lang;
	int rc;

	memset(&sub, 0, sizeof(sub));
	memset(&m, 0, sizeof(m));
	rc = request_subscriber_page(r, rep, TOKEN_VIEW, &sub, &t, &lang);
	if (rc <= 0)
		return rc;
	f.key = t.id2;
	if (store_digest_each_of(r->store, sub.id, match, &f, &e) < 0) {
		log_error("view: %s", e.msg);
		rc = -1;
		goto out;
	}
	if (!f.id) {
		rc = gone(rep, lang);
		goto out;
	}
	if (store_outbox_get(r->store, f.id, &m, &e) < 0) {
		/* pruned between the two reads */
		rc = e.code == EX_DATAERR ? gone(rep, lang) : -1;
		if (rc < 0)
			log_error("view: %s", e.msg);
		goto out;
	}
	buf_reset(&rep->body);
	if (!m.message || view_html(m.message, m.len, &rep->body) < 0) {
		rc = gone(rep, lang);
		goto out;
	}
	rep->csp = view_csp;
	rc = 0;
out:
	store_message_release(&m);
	store_subscriber_release(&sub);
	return rc;
}
