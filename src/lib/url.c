#include "config.h"

#include "lib/url.h"

#include "lib/buf.h"
#include "lib/ipaddr.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A piece of a string that is not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/* The five components of RFC 3986 3; "has_*" says whether the component
 * is defined (an empty query "?" is defined, a missing one is not). */
struct uri {
	struct span scheme, auth, path, query, frag;
	int has_scheme, has_auth, has_query, has_frag;
};

/* What normalize() accepts and produces. */
enum {
	NORM_LOCAL = 1, /* a string without a scheme is a local path */
	NORM_FILE = 2,  /* file: URLs are accepted */
	NORM_DEDUP = 4, /* build a url_dedup_key instead of a URL */
};

static const char hexdigits[] = "0123456789ABCDEF";

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* RFC 3986 2.3 */
static int
is_unreserved(int c)
{
	return str_is_alpha(c) || str_is_digit(c) || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

/* RFC 3986 2.2 */
static int
is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* White space and controls that HTML and WHATWG strip around a URL. */
static int
is_trim(int c)
{
	return c >= 0 && c <= ' ';
}

static struct span
trim(const char *s)
{
	struct span sp;
	size_t len = strlen(s);

	while (len && is_trim((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && is_trim((unsigned char)s[len - 1]))
		len--;
	sp.p = s;
	sp.len = len;
	return sp;
}

static int
span_ieq(struct span sp, const char *lit)
{
	return strlen(lit) == sp.len && strncasecmp(sp.p, lit, sp.len) == 0;
}

/* RFC 3986 appendix B: never fails. */
static void
uri_split(const char *s, size_t len, struct uri *u)
{
	size_t i = 0, start;

	memset(u, 0, sizeof(*u));
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (len && str_is_alpha((unsigned char)s[0])) {
		for (i = 1; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (!str_is_alpha(c) && !str_is_digit(c) && c != '+' &&
			    c != '-' && c != '.')
				break;
		}
		if (i < len && s[i] == ':') {
			u->has_scheme = 1;
			u->scheme.p = s;
			u->scheme.len = i;
			i++;
		} else {
			i = 0;
		}
	}
	if (len - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		start = i;
		while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		u->has_auth = 1;
		u->auth.p = s + start;
		u->auth.len = i - start;
	}
	start = i;
	while (i < len && s[i] != '?' && s[i] != '#')
		i++;
	u->path.p = s + start;
	u->path.len = i - start;
	if (i < len && s[i] == '?') {
		start = ++i;
		while (i < len && s[i] != '#')
			i++;
		u->has_query = 1;
		u->query.p = s + start;
		u->query.len = i - start;
	}
	if (i < len && s[i] == '#') {
		i++;
		u->has_frag = 1;
		u->frag.p = s + i;
		u->frag.len = len - i;
	}
}

static int
starts(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(p, lit, n) == 0;
}

static int
equals(const char *p, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(p, lit, len) == 0;
}

/* RFC 3986 5.2.4 remove_dot_segments, appending the result to out. The
 * output is at most as long as the input. */
static int
remove_dots(struct buf *out, const char *in, size_t len)
{
	size_t base = out->len, i = 0, j;

	while (i < len) {
		const char *p = in + i;
		size_t n = len - i;

		if (starts(p, n, "../")) {
			i += 3; /* A */
		} else if (starts(p, n, "./")) {
			i += 2; /* A */
		} else if (starts(p, n, "/./")) {
			i += 2; /* B */
		} else if (equals(p, n, "/.")) {
			return buf_addch(out, '/'); /* B, then E */
		} else if (starts(p, n, "/../") || equals(p, n, "/..")) {
			/* C: drop the last output segment and its '/' */
			char *slash = strrchr(out->data + base, '/');

			buf_setlen(out,
				   slash ? (size_t)(slash - out->data) : base);
			if (n == 3)
				return buf_addch(out, '/');
			i += 3;
		} else if (equals(p, n, ".") || equals(p, n, "..")) {
			return 0; /* D */
		} else {
			/* E: move the first segment, with its leading '/' */
			j = p[0] == '/' ? 1 : 0;
			while (j < n && p[j] != '/')
				j++;
			if (buf_add(out, p, j) < 0)
				return -1;
			i += j;
		}
	}
	return 0;
}

static int
add_span(struct buf *b, struct span sp)
{
	return buf_add(b, sp.p, sp.len);
}

/* RFC 3986 5.2.3 merge, then remove_dot_segments, into out. */
static int
merge_paths(struct buf *out, const struct uri *base, struct span ref)
{
	struct buf tmp = BUF_INIT(base->path.len + ref.len + 1);
	const char *slash;
	int rc = -1;

	if (base->has_auth && base->path.len == 0) {
		if (buf_addch(&tmp, '/') < 0)
			goto out;
	} else {
		slash = memrchr(base->path.p, '/', base->path.len);
		if (slash && buf_add(&tmp, base->path.p,
				     (size_t)(slash - base->path.p) + 1) < 0)
			goto out;
	}
	if (add_span(&tmp, ref) < 0)
		goto out;
	rc = remove_dots(out, tmp.data, tmp.len);
out:
	buf_release(&tmp);
	return rc;
}

char *
url_resolve(const char *base, const char *ref)
{
	struct span bs, rs;
	struct uri b, r;
	struct buf out;
	int fail = 0;

	rs = trim(ref ? ref : "");
	if (!base)
		return strndup(rs.p, rs.len);
	bs = trim(base);
	uri_split(bs.p, bs.len, &b);
	if (!b.has_scheme)
		return strndup(rs.p, rs.len);
	uri_split(rs.p, rs.len, &r);
	/* the result is never longer than both inputs and a '/' */
	buf_init(&out, bs.len + rs.len + 8);

	/* RFC 3986 5.2.2, then 5.3 recomposition as we go */
	if (r.has_scheme) {
		fail |= add_span(&out, r.scheme) | buf_addch(&out, ':');
		if (r.has_auth)
			fail |= buf_adds(&out, "//") | add_span(&out, r.auth);
		fail |= remove_dots(&out, r.path.p, r.path.len);
		b.has_query = r.has_query;
		b.query = r.query;
	} else {
		fail |= add_span(&out, b.scheme) | buf_addch(&out, ':');
		if (r.has_auth) {
			fail |= buf_adds(&out, "//") | add_span(&out, r.auth);
			fail |= remove_dots(&out, r.path.p, r.path.len);
			b.has_query = r.has_query;
			b.query = r.query;
		} else {
			if (b.has_auth)
				fail |= buf_adds(&out, "//") |
					add_span(&out, b.auth);
			if (r.path.len == 0) {
				fail |= add_span(&out, b.path);
				if (r.has_query) {
					b.has_query = 1;
					b.query = r.query;
				}
			} else {
				if (r.path.p[0] == '/')
					fail |= remove_dots(&out, r.path.p,
							    r.path.len);
				else
					fail |= merge_paths(&out, &b, r.path);
				b.has_query = r.has_query;
				b.query = r.query;
			}
		}
	}
	if (b.has_query)
		fail |= buf_addch(&out, '?') | add_span(&out, b.query);
	if (r.has_frag)
		fail |= buf_addch(&out, '#') | add_span(&out, r.frag);
	if (fail) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static int
add_escape(struct buf *b, unsigned char c)
{
	char esc[3] = { '%', hexdigits[c >> 4], hexdigits[c & 15] };

	return buf_add(b, esc, 3);
}

/* RFC 3986 6.2.2.1 and 6.2.2.2 on a path, query or userinfo: escapes of
 * unreserved characters decoded, other escapes in upper case, bytes that
 * may not appear raw (not unreserved, not a sub-delim, not in extra)
 * escaped, a '%' that starts no escape written "%25". */
static int
pct_norm(struct buf *b, struct span sp, const char *extra)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < sp.len; i++) {
		unsigned char c = (unsigned char)sp.p[i];

		if (c == '%' && i + 2 < sp.len &&
		    (hi = hex_value((unsigned char)sp.p[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)sp.p[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_unreserved(c) ? buf_addch(b, c) :
					       add_escape(b, c))
				return -1;
		} else if (is_unreserved(c) || is_subdelim(c) ||
			   (c && c < 0x80 && strchr(extra, c))) {
			if (buf_addch(b, c) < 0)
				return -1;
		} else if (add_escape(b, c) < 0) {
			return -1;
		}
	}
	return 0;
}

/* A reg-name host (RFC 3986 3.2.2) lower-cased, escapes normalized, raw
 * UTF-8 kept (IDN). */
static int
host_norm(struct buf *b, struct span h, const char *q, struct err *e)
{
	size_t i, n;
	int hi, lo;

	for (i = 0; i < h.len; i++) {
		unsigned char c = (unsigned char)h.p[i];
		char shown[8];

		if (c == '%') {
			if (i + 2 >= h.len ||
			    (hi = hex_value((unsigned char)h.p[i + 1])) < 0 ||
			    (lo = hex_value((unsigned char)h.p[i + 2])) < 0)
				return err_set(e, EX_DATAERR,
					       "'%s': invalid percent-escape "
					       "in host",
					       q);
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_unreserved(c) ? buf_addch(b, to_lower(c)) :
					       add_escape(b, c))
				goto nomem;
		} else if (is_unreserved(c) || is_subdelim(c)) {
			if (buf_addch(b, to_lower(c)) < 0)
				goto nomem;
		} else if (c >= 0x80) {
			n = utf8_valid((const unsigned char *)h.p + i,
				       h.len - i);
			if (!n)
				return err_set(e, EX_DATAERR,
					       "'%s': invalid UTF-8 in host",
					       q);
			if (buf_add(b, h.p + i, n) < 0)
				goto nomem;
			i += n - 1;
		} else {
			err_quote(shown, sizeof(shown), h.p + i, 1);
			return err_set(e, EX_DATAERR,
				       "'%s': invalid character '%s' in host",
				       q, shown);
		}
	}
	return 0;
nomem:
	return err_set(e, EX_OSERR, "'%s': out of memory", q);
}

/* An IPv6 literal "[...]" (RFC 3986 3.2.2) in its RFC 5952 text form.
 * IPvFuture and zone identifiers are refused: curl and we have no use for
 * them in a feed URL. */
static int
ipv6_norm(struct buf *b, struct span lit, const char *q, struct err *e)
{
	char text[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	unsigned char addr[16];

	if (lit.len - 2 >= sizeof(text) || memchr(lit.p, '%', lit.len) != NULL)
		goto bad;
	memcpy(text, lit.p + 1, lit.len - 2);
	text[lit.len - 2] = '\0';
	if (inet_pton(AF_INET6, text, addr) != 1 ||
	    !inet_ntop(AF_INET6, addr, canon, sizeof(canon)))
		goto bad;
	if (buf_addch(b, '[') < 0 || buf_adds(b, canon) < 0 ||
	    buf_addch(b, ']') < 0)
		return err_set(e, EX_OSERR, "'%s': out of memory", q);
	return 0;
bad:
	err_quote(text, sizeof(text), lit.p, lit.len);
	return err_set(e, EX_DATAERR, "'%s': invalid IPv6 address '%s'", q,
		       text);
}

/* authority = [ userinfo "@" ] host [ ":" port ] (RFC 3986 3.2), with
 * the default port of scheme dropped. */
static int
auth_norm(struct buf *b, struct span auth, const char *scheme, int dedup,
	  const char *q, struct err *e)
{
	struct span user = { NULL, 0 }, host, port = { NULL, 0 };
	const char *at, *end = auth.p + auth.len, *p;
	struct buf h = BUF_INIT(3 * auth.len + 2);
	unsigned long v = 0;
	char shown[32];
	int rc = -1;

	at = memrchr(auth.p, '@', auth.len);
	host.p = at ? at + 1 : auth.p;
	host.len = (size_t)(end - host.p);
	if (at) {
		user.p = auth.p;
		user.len = (size_t)(at - auth.p);
	}
	if (host.len && host.p[0] == '[') {
		p = memchr(host.p, ']', host.len);
		if (!p) {
			err_set(e, EX_DATAERR,
				"'%s': unterminated IPv6 "
				"literal in host",
				q);
			goto out;
		}
		if (p + 1 < end && p[1] != ':') {
			err_set(e, EX_DATAERR,
				"'%s': unexpected text after "
				"IPv6 literal",
				q);
			goto out;
		}
		if (p + 1 < end) {
			port.p = p + 2;
			port.len = (size_t)(end - port.p);
		}
		host.len = (size_t)(p + 1 - host.p);
		if (ipv6_norm(&h, host, q, e) < 0)
			goto out;
	} else {
		p = memrchr(host.p, ':', host.len);
		if (p) {
			port.p = p + 1;
			port.len = (size_t)(end - port.p);
			host.len = (size_t)(p - host.p);
		}
		if (host.len == 0) {
			err_set(e, EX_DATAERR, "'%s': missing host", q);
			goto out;
		}
		if (host_norm(&h, host, q, e) < 0)
			goto out;
	}
	for (p = port.p; p && p < port.p + port.len; p++) {
		if (!str_is_digit((unsigned char)*p)) {
			err_quote(shown, sizeof(shown), port.p, port.len);
			err_set(e, EX_DATAERR, "'%s': invalid port '%s'", q,
				shown);
			goto out;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (port.len && (v == 0 || v > 65535)) {
		err_quote(shown, sizeof(shown), port.p, port.len);
		err_set(e, EX_DATAERR,
			"'%s': port %s is out of range "
			"(1-65535)",
			q, shown);
		goto out;
	}
	if (user.p && (pct_norm(b, user, ":") < 0 || buf_addch(b, '@') < 0))
		goto nomem;
	/* dedup: "www.example.com" and "example.com" are one site (but
	 * "www.com" is not "com") */
	if (dedup && strncmp(h.data, "www.", 4) == 0 &&
	    strchr(h.data + 4, '.')) {
		if (buf_adds(b, h.data + 4) < 0)
			goto nomem;
	} else if (buf_add(b, h.data, h.len) < 0) {
		goto nomem;
	}
	/* RFC 3986 6.2.3: an empty port and the default port go */
	if (port.len && !(v == 80 && strcmp(scheme, "http") == 0) &&
	    !(v == 443 && strcmp(scheme, "https") == 0) &&
	    buf_addf(b, ":%lu", v) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	err_set(e, EX_OSERR, "'%s': out of memory", q);
out:
	buf_release(&h);
	return rc;
}

/* Path normalization: escapes, dot segments, "" -> "/" (or, for a dedup
 * key, no trailing slash at all). */
static int
path_norm(struct buf *b, struct span path, int dedup)
{
	struct buf tmp = BUF_INIT(3 * path.len + 1);
	size_t start = b->len;
	int rc = -1;

	if (pct_norm(&tmp, path, ":@/") < 0 ||
	    remove_dots(b, tmp.data, tmp.len) < 0)
		goto out;
	if (dedup) {
		while (b->len > start && b->data[b->len - 1] == '/')
			buf_setlen(b, b->len - 1);
	} else if (b->len == start && buf_addch(b, '/') < 0) {
		goto out;
	}
	rc = 0;
out:
	buf_release(&tmp);
	return rc;
}

/* Query parameters that only say where a click came from. */
static int
is_tracking_param(const char *p, size_t len)
{
	static const char *const names[] = { "xtor", "fbclid", "gclid",
					     "mc_cid", "mc_eid" };
	size_t i;

	if (len >= 4 && strncasecmp(p, "utm_", 4) == 0)
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i]) &&
		    strncasecmp(p, names[i], len) == 0)
			return 1;
	return 0;
}

/* "?" and the query, normalized; for a dedup key without tracking and
 * empty parameters, and nothing when no parameter remains. */
static int
query_norm(struct buf *b, struct span query, int dedup)
{
	struct buf tmp = BUF_INIT(3 * query.len + 1);
	const char *p, *amp, *eq, *end;
	int rc = -1, first = 1;

	if (pct_norm(&tmp, query, ":@/?") < 0)
		goto out;
	if (!dedup) {
		rc = buf_addch(b, '?') | buf_add(b, tmp.data, tmp.len);
		goto out;
	}
	end = tmp.data + tmp.len;
	for (p = tmp.data; p < end; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (amp == p ||
		    is_tracking_param(p, (size_t)((eq ? eq : amp) - p)))
			continue;
		if (buf_addch(b, first ? '?' : '&') < 0 ||
		    buf_add(b, p, (size_t)(amp - p)) < 0)
			goto out;
		first = 0;
	}
	rc = 0;
out:
	buf_release(&tmp);
	return rc;
}

/* A local path: file:// + its realpath, bytes outside pchar escaped. */
static char *
local_path_url(struct span s, const char *q, struct err *e)
{
	char *path = NULL, *real = NULL, *res = NULL;
	struct buf b = BUF_INIT(0);
	const unsigned char *p;
	struct stat st;

	path = strndup(s.p, s.len);
	if (!path) {
		err_set(e, EX_OSERR, "'%s': out of memory", q);
		goto out;
	}
	real = realpath(path, NULL);
	if (!real) {
		err_set(e, EX_DATAERR,
			"'%s': not a URL and not a local "
			"file: %s",
			q, strerror(errno));
		goto out;
	}
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(e, EX_DATAERR, "'%s': is a directory", q);
		goto out;
	}
	buf_init(&b, 3 * strlen(real) + 8);
	if (buf_adds(&b, "file://") < 0)
		goto nomem;
	for (p = (const unsigned char *)real; *p; p++) {
		if (is_unreserved(*p) || is_subdelim(*p) || *p == ':' ||
				    *p == '@' || *p == '/' ?
			    buf_addch(&b, *p) :
			    add_escape(&b, *p))
			goto nomem;
	}
	res = buf_detach(&b, NULL);
	if (!res)
		goto nomem;
	goto out;
nomem:
	err_set(e, EX_OSERR, "'%s': out of memory", q);
out:
	buf_release(&b);
	free(real);
	free(path);
	return res;
}

static char *
normalize(const char *url, int flags, struct err *e)
{
	char q[ERR_QUOTE_SIZE], shown[64];
	struct buf b = BUF_INIT(3 * URL_MAX + 16);
	const char *scheme;
	int dedup = flags & NORM_DEDUP;
	struct span s;
	struct uri u;
	char *res = NULL;

	s = trim(url ? url : "");
	err_quote(q, sizeof(q), s.p, s.len);
	if (s.len == 0) {
		err_set(e, EX_DATAERR, "'%s': empty URL", q);
		goto out;
	}
	if (s.len > URL_MAX) {
		err_set(e, EX_DATAERR, "'%s': URL longer than %u bytes", q,
			URL_MAX);
		goto out;
	}
	uri_split(s.p, s.len, &u);
	if (!u.has_scheme) {
		if (flags & NORM_LOCAL)
			return local_path_url(s, q, e);
		err_set(e, EX_DATAERR, "'%s': not an absolute URL", q);
		goto out;
	}
	if (span_ieq(u.scheme, "feed") && !u.has_auth) {
		/* "feed:https://x": the feed: prefix of some web pages */
		uri_split(u.scheme.p + 5, s.len - 5, &u);
		if (!u.has_scheme || !(span_ieq(u.scheme, "http") ||
				       span_ieq(u.scheme, "https"))) {
			err_set(e, EX_DATAERR,
				"'%s': feed: must be followed "
				"by // or an http(s) URL",
				q);
			goto out;
		}
	}
	if (span_ieq(u.scheme, "http") || span_ieq(u.scheme, "feed"))
		scheme = "http";
	else if (span_ieq(u.scheme, "https"))
		scheme = "https";
	else if (span_ieq(u.scheme, "file") && (flags & NORM_FILE))
		scheme = "file";
	else {
		err_quote(shown, sizeof(shown), u.scheme.p, u.scheme.len);
		err_set(e, EX_DATAERR,
			"'%s': scheme '%s' is not supported; "
			"use http, https or a local file",
			q, shown);
		goto out;
	}

	if (strcmp(scheme, "file") == 0) {
		if (u.has_auth && u.auth.len &&
		    !span_ieq(u.auth, "localhost")) {
			err_quote(shown, sizeof(shown), u.auth.p, u.auth.len);
			err_set(e, EX_DATAERR,
				"'%s': file URL host '%s' is "
				"not supported; use file:///PATH",
				q, shown);
			goto out;
		}
		if (!u.path.len || u.path.p[0] != '/') {
			err_set(e, EX_DATAERR,
				"'%s': file URL path is not "
				"absolute",
				q);
			goto out;
		}
		if (buf_adds(&b, "file://") < 0)
			goto nomem;
	} else {
		if (!u.has_auth) {
			err_set(e, EX_DATAERR,
				"'%s': missing host (expected "
				"%s://HOST/...)",
				q, scheme);
			goto out;
		}
		if (buf_adds(&b, dedup ? "http" : scheme) < 0 ||
		    buf_adds(&b, "://") < 0)
			goto nomem;
		if (auth_norm(&b, u.auth, scheme, dedup, q, e) < 0)
			goto out;
	}
	if (path_norm(&b, u.path, dedup) < 0 ||
	    (u.has_query && query_norm(&b, u.query, dedup) < 0))
		goto toolong;
	res = buf_detach(&b, NULL);
	if (!res)
		goto nomem;
	goto out;
toolong:
	if (errno == EMSGSIZE) {
		err_set(e, EX_DATAERR, "'%s': URL too long once normalized", q);
		goto out;
	}
nomem:
	err_set(e, EX_OSERR, "'%s': out of memory", q);
out:
	buf_release(&b);
	return res;
}

char *
url_normalize(const char *url, struct err *e)
{
	return normalize(url, NORM_LOCAL | NORM_FILE, e);
}

char *
url_dedup_key(const char *url)
{
	return normalize(url, NORM_DEDUP, NULL);
}

int
url_is_http(const char *url)
{
	struct buf b = BUF_INIT(3 * URL_MAX + 16);
	struct uri u;
	size_t len;
	int rc;

	if (!url || (len = strlen(url)) > URL_MAX)
		return 0;
	uri_split(url, len, &u);
	if (!u.has_scheme || !u.has_auth)
		return 0;
	if (span_ieq(u.scheme, "http"))
		rc = auth_norm(&b, u.auth, "http", 0, "", NULL);
	else if (span_ieq(u.scheme, "https"))
		rc = auth_norm(&b, u.auth, "https", 0, "", NULL);
	else
		rc = -1;
	buf_release(&b);
	return rc == 0;
}

int
url_is_https(const char *url)
{
	const char *s;

	if (!url_is_http(url) || strncasecmp(url, "https://", 8))
		return 0;
	for (s = url; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("<>\"'\\", *s))
			return 0;
	return 1;
}

int
url_is_host(const char *host)
{
	enum ipaddr_class c;
	const char *s;

	if (!host || !*host)
		return 0;
	if (ipaddr_literal_class(host, &c) == 0)
		return 1;
	for (s = host; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
			return 0;
	return 1;
}

char *
url_file_path(const char *url)
{
	struct buf b = BUF_INIT(0);
	struct uri u;
	size_t i, len;
	int hi, lo;

	if (!url)
		return NULL;
	len = strlen(url);
	uri_split(url, len, &u);
	if (!u.has_scheme || !span_ieq(u.scheme, "file") ||
	    (u.has_auth && u.auth.len && !span_ieq(u.auth, "localhost")) ||
	    !u.path.len || u.path.p[0] != '/')
		return NULL;
	buf_init(&b, u.path.len);
	for (i = 0; i < u.path.len; i++) {
		unsigned char c = (unsigned char)u.path.p[i];

		if (c == '%' && i + 2 < u.path.len &&
		    (hi = hex_value((unsigned char)u.path.p[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)u.path.p[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '\0')
				goto fail;
		}
		if (buf_addch(&b, c) < 0)
			goto fail;
	}
	return buf_detach(&b, NULL);
fail:
	buf_release(&b);
	return NULL;
}

char *
url_printable(const char *link)
{
	struct buf b = BUF_INIT(3 * URL_MAX + 1);
	const unsigned char *p = (const unsigned char *)link;
	unsigned long cp;
	size_t len, bad, i;
	int n;

	if (!link)
		return NULL;
	len = strlen(link);
	/* as HTML does for an href value (and url_resolve): C0 and spaces
	 * around it are no part of it */
	while (len && p[0] <= ' ') {
		p++;
		len--;
	}
	while (len && p[len - 1] <= ' ')
		len--;
	if (len > URL_MAX)
		return NULL;
	while (len) {
		n = utf8_decode(p, len, &cp, &bad);
		if (n > 0 && cp != ' ' && !utf8_unsafe(cp)) {
			if (buf_add(&b, p, (size_t)n) < 0)
				goto fail;
		} else {
			/* RFC 3987 3.1: such a character is written as the
			 * percent-escapes of its UTF-8 octets, as are
			 * invalid octets */
			if (n <= 0)
				n = n < 0 ? (int)len : (int)bad;
			for (i = 0; i < (size_t)n; i++)
				if (add_escape(&b, p[i]) < 0)
					goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!b.len || !url_is_http(b.data))
		goto fail;
	return buf_detach(&b, NULL);
fail:
	buf_release(&b);
	return NULL;
}

char *
url_mask_password(const char *url)
{
	const char *auth = strstr(url, "://"), *at, *colon, *end, *p;
	struct buf b = BUF_INIT(16384);

	if (auth) {
		auth += 3;
		/* libpq ends the authority at '/' alone: a password may hold
		 * '?' or '#', and '@' too, up to the last one */
		end = auth + strcspn(auth, "/");
		for (at = NULL, p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			buf_add(&b, url, (size_t)(colon - url));
			buf_adds(&b, ":***");
			url = at;
		}
	}
	p = url;
	while ((p = strstr(p, "password=")) != NULL) {
		if (p != url && p[-1] != '?' && p[-1] != '&') {
			p++;
			continue;
		}
		p += strlen("password=");
		buf_add(&b, url, (size_t)(p - url));
		buf_adds(&b, "***");
		url = p + strcspn(p, "&#");
		p = url;
	}
	buf_adds(&b, url);
	return buf_detach(&b, NULL);
}
