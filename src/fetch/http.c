#include "config.h"

#include "fetch/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "lib/clock.h"
#include "lib/date.h"
#include "lib/err.h"
#include "lib/ipaddr.h"
#include "lib/str.h"

#define HTTP_DEFAULT_MAX_SIZE (16LL * 1024 * 1024)

/* What we ask for: feeds first, anything else accepted (servers that
 * negotiate on Accept are rare, but some send HTML to browsers only). */
#define HTTP_ACCEPT                                                      \
	"Accept: application/rss+xml, application/atom+xml, "            \
	"application/feed+json, application/xml;q=0.9, text/xml;q=0.9, " \
	"*/*;q=0.8"

/*
 * One request, from http_add() to on_done. While queued it holds only its
 * strings; easy is created when it starts. The header fields themselves
 * libcurl keeps (curl_easy_header, those of the latest request); the status
 * line, the hops and the size of all headers are counted here.
 */
struct xfer {
	struct http *h;
	struct xfer *next; /* in h's queue or running list */
	char *url, *etag, *last_modified, *user_agent;
	char *host; /* lower-case host name, "" if none */
	int allow_file;
	int may_private; /* may connect to addresses that are not
	                  * public: allowed, or the URL names one */
	int (*on_response)(const struct http_response *, void *);
	int (*on_body)(const char *, size_t, void *);
	void (*on_done)(const struct http_result *, void *);
	void *arg;

	CURL *easy;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];

	/* the current response */
	long status; /* 0 before the first status line */
	char reason[64];
	int interim;      /* a 1xx: the real one follows */
	int headers_done; /* blank line seen: later lines are
	                   * trailers */

	/* a connection refused for its address: 1 when the socket of one
	 * address was not opened (another may have worked), 2 when the
	 * request was stopped on a connection already open */
	int refused;
	enum ipaddr_class refused_class;
	char refused_addr[INET6_ADDRSTRLEN + 32];

	/* across hops */
	int hops;            /* responses seen, 1xx not counted */
	int permanent_run;   /* every hop so far was 301/308 */
	size_t header_bytes; /* header lines of every response and
	                      * trailers */
	char *permanent_url;
	int responded; /* on_response called */
	int aborted;   /* a callback said stop */
	int too_large;
	int header_too_large;
	int oom;
	long long body_bytes;
	long long discarded; /* bytes of an error body thrown away */
};

struct http {
	CURLM *multi;
	struct http_options o; /* defaults applied, strings owned */
	char *user_agent, *ca_file, *resolve, *public_addrs;
	struct curl_slist *resolve_list; /* o.resolve, one entry a node */
	struct xfer *queue;              /* waiting, in order */
	struct xfer **queue_tail;        /* &last->next, or &queue */
	struct xfer *running;
	int nrunning;
	int in_run; /* inside http_run: no second one */
};

/* Reason phrases for when the server sends none (HTTP/2 never does). */
static const char *
reason_phrase(long status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 406:
		return "Not Acceptable";
	case 410:
		return "Gone";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "";
	}
}

static int
has_line_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

/* The lower-case host of url, "" when it has none or does not parse (the
 * transfer then fails in libcurl with the reason). NULL when out of
 * memory. */
static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *copy;
	size_t i;

	if (u && curl_url_set(u, CURLUPART_URL, url,
			      CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK)
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_cleanup(u);
	copy = strdup(host ? host : "");
	curl_free(host);
	if (!copy)
		return NULL;
	for (i = 0; copy[i]; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	return copy;
}

static void
response_clear(struct xfer *x)
{
	x->reason[0] = '\0';
	x->interim = 0;
	x->headers_done = 0;
}

static void
xfer_free(struct xfer *x)
{
	if (!x)
		return;
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	response_clear(x);
	free(x->url);
	free(x->etag);
	free(x->last_modified);
	free(x->user_agent);
	free(x->host);
	free(x->permanent_url);
	free(x);
}

static void
free_list(struct xfer *x)
{
	struct xfer *next;

	for (; x; x = next) {
		next = x->next;
		xfer_free(x);
	}
}

/* A non-negative decimal number of at most 18 digits (so adding it to a
 * date cannot overflow), or -1. */
static long long
parse_seconds(const char *s)
{
	long long n = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 18)
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return i > 0 && s[i] == '\0' ? n : -1;
}

/*
 * The value of the last field called name in the latest response's header
 * as libcurl keeps it, white space trimmed (a field repeated that is not a
 * list is the server's mistake: the last one counts); NULL when absent.
 * A value over HTTP_MAX_HEADER is ignored as if absent. Trailers and 1xx
 * fields are other origins, never seen here. Valid until the next call:
 * libcurl reuses the struct (copy with header_dup).
 */
static const char *
header_value(struct xfer *x, const char *name)
{
	struct curl_header *h;
	size_t i;

	if (curl_easy_header(x->easy, name, 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return NULL;
	for (i = h->amount; i > 0; i--)
		if (curl_easy_header(x->easy, name, i - 1, CURLH_HEADER, -1,
				     &h) == CURLHE_OK &&
		    strlen(h->value) <= HTTP_MAX_HEADER)
			return h->value;
	return NULL;
}

/* A copy of header_value(x, name), owned by the caller; NULL when absent,
 * or when out of memory (x->oom is then set). */
static char *
header_dup(struct xfer *x, const char *name)
{
	const char *v = header_value(x, name);
	char *copy;

	if (!v)
		return NULL;
	copy = strdup(v);
	if (!copy)
		x->oom = 1;
	return copy;
}

/* The freshness directives of the final response. */
struct cache_control {
	long long max_age, age; /* -1: absent */
	int no_cache;           /* no-store or no-cache */
};

/* RFC 9111 5.2: Cache-Control is a comma-separated list of directives,
 * names case-insensitive, max-age's argument a number possibly quoted. */
static void
parse_cache_control(struct cache_control *cc, const char *v)
{
	const char *p = v, *end = v + strlen(v), *tok, *q;
	char num[20];
	size_t n;
	long long secs;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		tok = p;
		while (p < end && *p != ',')
			p++;
		n = (size_t)(p - tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			n--;
		if ((n == 8 && !strncasecmp(tok, "no-store", 8)) ||
		    (n == 8 && !strncasecmp(tok, "no-cache", 8))) {
			cc->no_cache = 1;
		} else if (n > 8 && !strncasecmp(tok, "max-age=", 8)) {
			q = tok + 8;
			n -= 8;
			if (n >= 2 && q[0] == '"' && q[n - 1] == '"') {
				q++;
				n -= 2;
			}
			if (n == 0 || n >= sizeof(num))
				continue;
			memcpy(num, q, n);
			num[n] = '\0';
			secs = parse_seconds(num);
			if (secs >= 0)
				cc->max_age = secs;
		}
	}
}

/* Cache-Control (every field of that name, in order: RFC 9110 5.3 reads
 * them as one list) and Age of the final response. */
static void
cache_control(struct xfer *x, struct cache_control *cc)
{
	struct curl_header *h;
	const char *age;
	size_t n, i;

	cc->max_age = cc->age = -1;
	cc->no_cache = 0;
	if (curl_easy_header(x->easy, "Cache-Control", 0, CURLH_HEADER, -1,
			     &h) == CURLHE_OK)
		for (n = h->amount, i = 0; i < n; i++)
			if (curl_easy_header(x->easy, "Cache-Control", i,
					     CURLH_HEADER, -1,
					     &h) == CURLHE_OK &&
			    strlen(h->value) <= HTTP_MAX_HEADER)
				parse_cache_control(cc, h->value);
	age = header_value(x, "Age");
	if (age)
		cc->age = parse_seconds(age);
}

/* A status line, "HTTP/1.1 200 OK" or "HTTP/2 200": starts a response. */
static void
status_line(struct xfer *x, const char *line, size_t len)
{
	const char *p = memchr(line, ' ', len), *end = line + len;
	long status = 0;
	char *url = NULL;
	size_t n = 0;

	if (p)
		for (p++; p < end && *p >= '0' && *p <= '9' && status < 1000;
		     p++)
			status = status * 10 + (*p - '0');
	/* a response came: the connection it came on was allowed */
	x->refused = 0;
	if (status >= 100 && status < 200) {
		/* 100 Continue, 103 Early Hints: the real one follows */
		x->interim = 1;
		x->headers_done = 0;
		return;
	}
	if (x->hops > 0) {
		/* the previous response was a redirect libcurl followed, and
		 * the URL now requested is its target */
		if (x->permanent_run &&
		    (x->status == 301 || x->status == 308)) {
			curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL,
					  &url);
			if (url) {
				free(x->permanent_url);
				x->permanent_url = strdup(url);
				if (!x->permanent_url)
					x->oom = 1;
			}
		} else {
			x->permanent_run = 0;
		}
	}
	x->hops++;
	response_clear(x);
	x->status = status;
	/* the reason phrase, kept printable for messages */
	if (p && p < end && *p == ' ')
		for (p++; p < end && n + 1 < sizeof(x->reason); p++)
			if (*p >= ' ' && *p <= '~')
				x->reason[n++] = *p;
	while (n > 0 && x->reason[n - 1] == ' ')
		n--;
	x->reason[n] = '\0';
}

static int
call_on_response(struct xfer *x)
{
	struct http_response r;
	char *url = NULL, *type, *location;
	int ret = 0;

	x->responded = 1;
	if (!x->on_response)
		return 0;
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	type = header_dup(x, "Content-Type");
	location = header_dup(x, "Content-Location");
	r.status = x->status;
	r.content_type = type;
	r.content_location = location;
	r.effective_url = url;
	if (x->oom) {
		ret = -1;
	} else if (x->on_response(&r, x->arg)) {
		x->aborted = 1;
		ret = -1;
	}
	free(type);
	free(location);
	return ret;
}

/* CURLOPT_HEADERFUNCTION: one whole header line at a time, CRLF included,
 * for every response (redirects too); libcurl gives HTTP/2 headers in the
 * same form. Returning anything but n stops the transfer. */
static size_t
on_header(char *line, size_t size, size_t nitems, void *p)
{
	struct xfer *x = p;
	size_t n = size * nitems;

	/* libcurl holds one line at a time, so memory is not at stake:
	 * headers this large are no server's honest answer, and a clear
	 * failure beats libcurl's own words for its cap (300 KiB over all
	 * hops, which ours comes before) */
	if (n > HTTP_MAX_HEADERS - x->header_bytes) {
		x->header_too_large = 1;
		return 0;
	}
	x->header_bytes += n;
	if (n >= 5 && !memcmp(line, "HTTP/", 5)) {
		status_line(x, line, n);
	} else if (x->interim || x->headers_done || x->status == 0) {
		/* 1xx headers, trailers, or not HTTP */
	} else if (line[0] == '\r' || line[0] == '\n') {
		x->headers_done = 1;
		if (x->status >= 200 && x->status <= 299 &&
		    call_on_response(x) < 0)
			return 0;
	}
	return x->oom ? 0 : n;
}

/* CURLOPT_XFERINFOFUNCTION: dlnow counts the bytes of the response being
 * received, among them those of a redirect's body, which libcurl reads
 * and drops by itself (on_write never sees them): without this, a
 * redirect with an endless chunked body is read until the timeout.
 * Returning non-zero stops the transfer. */
static int
on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	    curl_off_t ulnow)
{
	struct xfer *x = p;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (x->status >= 300 && x->status <= 399 &&
	    dlnow > (curl_off_t)x->h->o.max_size) {
		x->too_large = 1;
		return 1;
	}
	return 0;
}

/* CURLOPT_WRITEFUNCTION: decompressed body bytes, never a followed
 * redirect's. Returning anything but n stops the transfer. */
static size_t
on_write(char *data, size_t size, size_t nitems, void *p)
{
	struct xfer *x = p;
	size_t n = size * nitems;
	long long max = x->h->o.max_size;

	if (x->status != 0 && (x->status < 200 || x->status > 299)) {
		/* an error page: read it to keep the connection, up to the
		 * cap */
		if ((long long)n > max - x->discarded)
			return 0;
		x->discarded += (long long)n;
		return n;
	}
	if (!x->responded && call_on_response(x) < 0)
		return 0;
	if ((long long)n > max - x->body_bytes) {
		x->too_large = 1;
		return 0;
	}
	x->body_bytes += (long long)n;
	if (x->on_body && n > 0 && x->on_body(data, n, x->arg)) {
		x->aborted = 1;
		return 0;
	}
	return n;
}

/* Whether "ADDR:PORT" is one of the options' public_addrs (tests). */
static int
counted_public(const struct http *h, const char *addr, int port)
{
	char want[INET6_ADDRSTRLEN + 32];
	const char *p = h->public_addrs;
	size_t n, len;
	int w;

	if (!p)
		return 0;
	w = snprintf(want, sizeof(want), "%s:%d", addr, port);
	if (w < 0 || (size_t)w >= sizeof(want))
		return 0;
	n = (size_t)w;
	while (*p) {
		len = strcspn(p, ",");
		if (len == n && !memcmp(p, want, n))
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Whether x may connect to addr (of class c, written text) at port; when
 * not, keeps what the result will say. */
static int
address_allowed(struct xfer *x, enum ipaddr_class c, const char *text, int port)
{
	if (c == IPADDR_PUBLIC || x->may_private ||
	    counted_public(x->h, text, port))
		return 1;
	x->refused_class = c;
	snprintf(x->refused_addr, sizeof(x->refused_addr), "%s", text);
	return 0;
}

static int
sockaddr_port(const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		return ntohs(sin.sin_port);
	}
	memcpy(&sin6, sa, sizeof(sin6));
	return ntohs(sin6.sin6_port);
}

/* CURLOPT_OPENSOCKETFUNCTION: every address libcurl is about to connect
 * to, after DNS (or CURLOPT_RESOLVE), for every hop. Returning
 * CURL_SOCKET_BAD refuses it: libcurl tries the name's next address or
 * fails CURLE_COULDNT_CONNECT. */
static curl_socket_t
on_open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = p;
	enum ipaddr_class c = IPADDR_RESERVED;
	char text[INET6_ADDRSTRLEN + 32];
	int port = 0;

	(void)purpose;
	/* another family (none comes for http) is refused as unknown */
	if (ipaddr_class_sockaddr(&a->addr, a->addrlen, &c, text,
				  sizeof(text)) == 0)
		port = sockaddr_port(&a->addr);
	if (!address_allowed(x, c, text, port)) {
		x->refused = 1;
		return CURL_SOCKET_BAD;
	}
	/* as libcurl would, but not inherited by a sendmail child */
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* CURLOPT_PREREQFUNCTION: before each request, on a new connection or one
 * reused from the pool, which another transfer, allowed where this one is
 * not, may have opened without on_open_socket refusing it. */
static int
on_prereq(void *p, char *primary_ip, char *local_ip, int primary_port,
	  int local_port)
{
	struct xfer *x = p;
	unsigned char a[16];
	enum ipaddr_class c;

	(void)local_ip;
	(void)local_port;
	if (!primary_ip[0])
		return CURL_PREREQFUNC_OK; /* file://: no connection */
	if (inet_pton(AF_INET, primary_ip, a) == 1)
		c = ipaddr_class4(a);
	else if (inet_pton(AF_INET6, primary_ip, a) == 1)
		c = ipaddr_class6(a);
	else
		c = IPADDR_RESERVED; /* cannot tell: refused as unknown */
	if (address_allowed(x, c, primary_ip, primary_port))
		return CURL_PREREQFUNC_OK;
	x->refused = 2;
	return CURL_PREREQFUNC_ABORT;
}

/* Appends the request header "NAME: VALUE" (name_colon, then value when
 * not NULL) to x->headers; -1 when out of memory. */
static int
add_header(struct xfer *x, const char *name_colon, const char *value)
{
	struct curl_slist *l;
	char *line = NULL;

	if (asprintf(&line, "%s%s", name_colon, value ? value : "") < 0)
		return -1;
	l = curl_slist_append(x->headers, line);
	free(line);
	if (!l)
		return -1;
	x->headers = l;
	return 0;
}

/* Sets up x's easy handle and adds it to the multi handle. */
static int
xfer_start(struct http *h, struct xfer *x)
{
	const struct http_options *o = &h->o;
	CURLcode rc = CURLE_OK;
	int ret = -1;

	x->easy = curl_easy_init();
	if (!x->easy)
		goto out;
#define SET(opt, val)                                                       \
	do {                                                                \
		if ((rc = curl_easy_setopt(x->easy, opt, val)) != CURLE_OK) \
			goto out;                                           \
	} while (0)
	SET(CURLOPT_URL, x->url);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, x);
	SET(CURLOPT_PREREQFUNCTION, on_prereq);
	SET(CURLOPT_PREREQDATA, x);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, x);
	if (h->resolve_list)
		SET(CURLOPT_RESOLVE, h->resolve_list);
	SET(CURLOPT_PROTOCOLS_STR,
	    x->allow_file ? "http,https,file" : "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file)
		SET(CURLOPT_CAINFO, h->ca_file);
	SET(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout);
	SET(CURLOPT_TIMEOUT, (long)o->timeout);
	if (o->low_speed_time > 0) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time);
	}
	/* refuses a Content-Length past the cap before any byte; the
	 * write callback counts the decompressed bytes */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
	SET(CURLOPT_USERAGENT, x->user_agent ? x->user_agent : h->user_agent);

	if (add_header(x, HTTP_ACCEPT, NULL) < 0 ||
	    (x->etag && add_header(x, "If-None-Match: ", x->etag) < 0) ||
	    (x->last_modified &&
	     add_header(x, "If-Modified-Since: ", x->last_modified) < 0))
		goto out;
	SET(CURLOPT_HTTPHEADER, x->headers);
#undef SET
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		goto out;
	ret = 0;
out:
	if (ret < 0 && rc != CURLE_OK)
		snprintf(x->errbuf, sizeof(x->errbuf), "%s",
			 curl_easy_strerror(rc));
	return ret;
}

/* "WORDS: DETAIL" from our words and libcurl's text, less what libcurl
 * says again: "cannot resolve host: Could not resolve host: x" is
 * "cannot resolve host: x", and "connection refused: Failed to connect
 * to h port 80: Couldn't connect to server" loses its last part. */
static void
curl_message(const char *words, const char *detail, char *out, size_t size)
{
	static const char *const same[] = { "Could not resolve host",
					    "Couldn't resolve host",
					    "Could not resolve proxy",
					    "Couldn't resolve proxy", NULL };
	static const char *const tails[] = { "Couldn't connect to server",
					     "Could not connect to server",
					     NULL };
	size_t i, len, tlen, wlen = strlen(words);

	for (i = 0; same[i]; i++) {
		len = strlen(same[i]);
		if (!strncmp(detail, same[i], len) &&
		    (detail[len] == ':' || detail[len] == ' ' ||
		     detail[len] == '\0')) {
			detail += len;
			detail += strspn(detail, ": ");
			break;
		}
	}
	len = strcspn(detail, "\r\n");
	/* what "cannot connect", "connection refused" already say */
	for (i = 0; tails[i]; i++) {
		tlen = strlen(tails[i]);
		if (len >= tlen + 2 &&
		    !strncmp(detail + len - tlen - 2, ": ", 2) &&
		    !strncasecmp(detail + len - tlen, tails[i], tlen)) {
			len -= tlen + 2;
			break;
		}
	}
	if (len >= wlen + 2 && !strncasecmp(detail + len - wlen, words, wlen) &&
	    !strncmp(detail + len - wlen - 2, ": ", 2))
		len -= wlen + 2;
	else if (len == wlen && !strncasecmp(detail, words, wlen))
		len = 0;
	if (len)
		snprintf(out, size, "%s: %.*s", words, (int)len, detail);
	else
		snprintf(out, size, "%s", words);
}

/* The class of a transfer that ended without a usable final status. */
static enum http_class
curl_class(CURLcode rc, const char **words)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*words = "cannot resolve host";
		return HTTP_DNS;
	case CURLE_COULDNT_CONNECT:
		*words = "cannot connect";
		return HTTP_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		*words = "TLS";
		return HTTP_TLS;
	case CURLE_OPERATION_TIMEDOUT:
		*words = "timed out";
		return HTTP_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		*words = "too large";
		return HTTP_TOO_LARGE;
	case CURLE_TOO_MANY_REDIRECTS:
		*words = "too many redirects";
		return HTTP_TOO_MANY_REDIRECTS;
	case CURLE_UNSUPPORTED_PROTOCOL:
		*words = "protocol not allowed";
		return HTTP_BAD_SCHEME;
	case CURLE_URL_MALFORMAT:
		*words = "bad URL";
		return HTTP_BAD_SCHEME;
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_READ_ERROR:
		*words = "cannot read file";
		return HTTP_CLIENT_ERROR;
	case CURLE_ABORTED_BY_CALLBACK:
		*words = "aborted";
		return HTTP_ABORTED;
	default:
		*words = "transfer failed";
		return HTTP_PROTOCOL;
	}
}

/* The class of a complete response with this status. */
static enum http_class
status_class(long status)
{
	if (status == 0 || (status >= 200 && status <= 299))
		return HTTP_OK;
	if (status == 304)
		return HTTP_NOT_MODIFIED;
	if (status == 410)
		return HTTP_GONE;
	if (status == 429)
		return HTTP_RATE_LIMITED;
	if (status >= 400 && status <= 499)
		return HTTP_CLIENT_ERROR;
	if (status >= 500 && status <= 599)
		return HTTP_SERVER_ERROR;
	return HTTP_PROTOCOL;
}

/* RFC 9110 10.2.3: Retry-After is delay-seconds or an HTTP-date. Not
 * CURLINFO_RETRY_AFTER: it counts a date from the system clock, not
 * clock_now(), and says 0 both for "0" and for no header at all. */
static int64_t
retry_after(const char *v, int64_t now)
{
	long long secs;
	int64_t t;

	if (!v)
		return 0;
	secs = parse_seconds(v);
	if (secs >= 0)
		return now + secs;
	if (date_parse(v, &t) == 0 && t > 0)
		return t;
	return 0;
}

/* RFC 9111 4.2.1: max-age wins over Expires; an Expires that is not a
 * date means already stale. Age (5.1) is time already spent in caches. */
static int64_t
fresh_until(struct xfer *x, int64_t now)
{
	struct cache_control cc;
	const char *expires;
	int64_t t;

	cache_control(x, &cc);
	if (cc.no_cache)
		return 0;
	if (cc.max_age >= 0)
		return now + cc.max_age - (cc.age > 0 ? cc.age : 0);
	expires = header_value(x, "Expires");
	if (expires && date_parse(expires, &t) == 0 && t > 0)
		return t;
	return 0;
}

/* "HTTP 404 Not Found", with the server's reason phrase or ours. */
static void
status_message(const struct xfer *x, struct http_result *res)
{
	const char *reason = x->reason[0] ? x->reason :
					    reason_phrase(res->status);

	snprintf(res->message, sizeof(res->message), "HTTP %ld%s%s%s",
		 res->status, reason[0] ? " " : "", reason,
		 res->cls == HTTP_PROTOCOL ? ": unexpected status" : "");
}

/* Sets res->cls and res->message for a transfer that ended with rc;
 * started is 0 when it could not even start. May call on_response (an
 * empty file:// body). */
static void
classify(struct xfer *x, CURLcode rc, int started, struct http_result *res)
{
	const char *words = NULL;
	long os_errno = 0;
	size_t n;

	if (!started) {
		res->cls = HTTP_PROTOCOL;
		snprintf(res->message, sizeof(res->message),
			 "cannot start transfer: %s",
			 x->errbuf[0] ? x->errbuf : "out of memory");
	} else if (x->refused == 2 ||
		   (x->refused == 1 && rc == CURLE_COULDNT_CONNECT)) {
		res->cls = HTTP_PRIVATE_ADDRESS;
		snprintf(res->message, sizeof(res->message),
			 "refused to connect to %s: %s (set [fetch] "
			 "allow_private = yes to allow)",
			 x->refused_addr, ipaddr_class_words(x->refused_class));
	} else if (x->header_too_large) {
		res->cls = HTTP_TOO_LARGE;
		snprintf(res->message, sizeof(res->message),
			 "response header larger than %d KiB",
			 HTTP_MAX_HEADERS / 1024);
	} else if (rc == CURLE_OUT_OF_MEMORY && !x->oom && !x->responded &&
		   x->discarded == 0) {
		/* before any body, libcurl's "out of memory" is its refusal
		 * of a header line of CURL_MAX_HTTP_HEADER bytes: it keeps
		 * one line whole before it hands it over */
		res->cls = HTTP_TOO_LARGE;
		snprintf(res->message, sizeof(res->message),
			 "response header line of %d KiB or more",
			 CURL_MAX_HTTP_HEADER / 1024);
	} else if (x->aborted) {
		res->cls = HTTP_ABORTED;
	} else if (x->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		res->cls = HTTP_TOO_LARGE;
		snprintf(res->message, sizeof(res->message),
			 "body larger than %lld bytes", x->h->o.max_size);
	} else if (x->oom) {
		res->cls = HTTP_PROTOCOL;
		snprintf(res->message, sizeof(res->message), "out of memory");
	} else if (x->headers_done && x->status >= 400) {
		/* an error status says more than how its body ended */
		res->cls = status_class(x->status);
		status_message(x, res);
	} else if (rc == CURLE_OK) {
		res->cls = status_class(x->status);
		if (res->cls == HTTP_OK && !x->responded &&
		    call_on_response(x) < 0)
			res->cls = HTTP_ABORTED;
		else if (x->status == 0)
			snprintf(res->message, sizeof(res->message),
				 "file read");
		else
			status_message(x, res);
	} else {
		res->cls = curl_class(rc, &words);
		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
		if (rc == CURLE_OPERATION_TIMEDOUT &&
		    !strncmp(x->errbuf, "Resolving timed out", 19)) {
			/* libcurl's words for a DNS server that never
			 * answered: a DNS problem more than a slow site */
			res->cls = HTTP_DNS;
			words = "cannot resolve host";
		} else if (res->cls == HTTP_CONNECT &&
			   os_errno == ECONNREFUSED) {
			words = "connection refused";
		} else if (res->cls == HTTP_CONNECT && os_errno == ETIMEDOUT) {
			words = "connection timed out";
		}
		curl_message(words,
			     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc),
			     res->message, sizeof(res->message));
		n = strlen(res->message);
		while (n > 0 && (res->message[n - 1] == '\n' ||
				 res->message[n - 1] == '\r'))
			res->message[--n] = '\0';
	}
	if (res->cls == HTTP_ABORTED)
		snprintf(res->message, sizeof(res->message),
			 "stopped by the consumer");
}

/* Builds the result of a finished transfer and calls on_done. */
static void
xfer_done(struct xfer *x, CURLcode rc, int started)
{
	struct http_result res;
	char *url = NULL, *etag = NULL, *last_modified = NULL;
	int64_t now;

	memset(&res, 0, sizeof(res));
	if (started)
		curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	res.effective_url = url ? url : x->url;
	res.status = x->status;
	res.body_bytes = x->body_bytes;
	classify(x, rc, started, &res);

	if (res.cls == HTTP_OK || res.cls == HTTP_NOT_MODIFIED) {
		res.etag = etag = header_dup(x, "ETag");
		res.last_modified = last_modified = header_dup(x,
							       "Last-Modified");
		if (res.cls == HTTP_NOT_MODIFIED) {
			if (!res.etag)
				res.etag = x->etag;
			if (!res.last_modified)
				res.last_modified = x->last_modified;
		}
	}
	if (x->headers_done) {
		/* the final response's headers are all in */
		now = clock_now();
		if (res.status == 429 || res.status == 503)
			res.retry_after =
				retry_after(header_value(x, "Retry-After"),
					    now);
		res.fresh_until = fresh_until(x, now);
	}
	res.permanent_url = x->permanent_url;
	if (x->on_done)
		x->on_done(&res, x->arg);
	free(etag);
	free(last_modified);
}

/* The stop flag is up: every queued request ends HTTP_CANCELLED, unstarted
 * (and any its on_done adds). */
static void
cancel_queued(struct http *h)
{
	struct http_result res;
	struct xfer *x;

	while ((x = h->queue)) {
		h->queue = x->next;
		if (!h->queue)
			h->queue_tail = &h->queue;
		x->next = NULL;
		memset(&res, 0, sizeof(res));
		res.cls = HTTP_CANCELLED;
		res.effective_url = x->url;
		snprintf(res.message, sizeof(res.message),
			 "cancelled before it started");
		if (x->on_done)
			x->on_done(&res, x->arg);
		xfer_free(x);
	}
}

static int
stopping(const struct http *h)
{
	return h->o.stop && *h->o.stop;
}

/* Starts queued transfers while there is room overall and for their host,
 * oldest first; cancels them all instead once the stop flag is up. */
static void
start_more(struct http *h)
{
	struct xfer **pp = &h->queue, *x, *r;
	int same;

	while (*pp && h->nrunning < h->o.jobs && !stopping(h)) {
		x = *pp;
		same = 0;
		for (r = h->running; r; r = r->next)
			if (!strcmp(r->host, x->host))
				same++;
		if (same >= h->o.per_host) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		if (!x->next)
			h->queue_tail = pp;
		x->next = NULL;
		if (xfer_start(h, x) < 0) {
			/* on_done may add to the queue: pp stays valid, it
			 * points into the queue before x */
			xfer_done(x, CURLE_OK, 0);
			xfer_free(x);
			continue;
		}
		x->next = h->running;
		h->running = x;
		h->nrunning++;
	}
	/* pp is not used past here: on_done may free what it points into */
	if (stopping(h))
		cancel_queued(h);
}

/* Splits o.resolve at its commas into resolve_list (libcurl's own
 * syntax takes a comma between the addresses of one name, which the test
 * hook does not need). -1 when out of memory. */
static int
resolve_list(struct http *h)
{
	struct curl_slist *l;
	const char *p = h->resolve;
	char *one;
	size_t len;

	while (*p) {
		len = strcspn(p, ",");
		if (len > 0) {
			one = strndup(p, len);
			l = one ? curl_slist_append(h->resolve_list, one) :
				  NULL;
			free(one);
			if (!l)
				return -1;
			h->resolve_list = l;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

struct http *
http_new(const struct http_options *o, struct err *e)
{
	static const struct http_options defaults = HTTP_OPTIONS_INIT;
	struct http *h = NULL;
	int fail = 0;

	if (!o)
		o = &defaults;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(e, EX_SOFTWARE, "cannot initialise libcurl");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		curl_global_cleanup();
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	h->queue_tail = &h->queue;
	h->o = *o;
	if (h->o.jobs <= 0)
		h->o.jobs = defaults.jobs;
	if (h->o.per_host <= 0)
		h->o.per_host = defaults.per_host;
	if (h->o.connect_timeout <= 0)
		h->o.connect_timeout = defaults.connect_timeout;
	if (h->o.timeout <= 0)
		h->o.timeout = defaults.timeout;
	if (h->o.low_speed_time < 0)
		h->o.low_speed_time = defaults.low_speed_time;
	if (h->o.max_size <= 0)
		h->o.max_size = HTTP_DEFAULT_MAX_SIZE;
	h->user_agent = str_dup(o->user_agent ? o->user_agent :
						PACKAGE_NAME
					"/" PACKAGE_VERSION,
				&fail);
	h->ca_file = str_dup(o->ca_file, &fail);
	h->resolve = str_dup(o->resolve && *o->resolve ? o->resolve : NULL,
			     &fail);
	h->public_addrs = str_dup(o->public_addrs, &fail);
	h->o.user_agent = h->user_agent;
	h->o.ca_file = h->ca_file;
	h->o.resolve = h->resolve;
	h->o.public_addrs = h->public_addrs;
	if (fail || (h->resolve && resolve_list(h) < 0)) {
		err_set(e, EX_OSERR, "out of memory");
		goto fail;
	}
	if (has_line_break(h->user_agent)) {
		err_set(e, EX_DATAERR, "user agent has a line break");
		goto fail;
	}
	h->multi = curl_multi_init();
	if (!h->multi) {
		err_set(e, EX_SOFTWARE, "cannot create a libcurl multi handle");
		goto fail;
	}
	/* HTTP/2 streams share a connection; the caps bound what the
	 * redirects of running transfers may open too */
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING,
			  (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)h->o.jobs);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)h->o.per_host);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->o.jobs);
	return h;
fail:
	http_free(h);
	return NULL;
}

int
http_add(struct http *h, const struct http_request *r, struct err *e)
{
	struct xfer *x;
	int fail = 0;

	if (!r->url || !r->url[0])
		return err_set(e, EX_DATAERR, "no URL to fetch");
	if (has_line_break(r->url) || has_line_break(r->etag) ||
	    has_line_break(r->last_modified) || has_line_break(r->user_agent))
		return err_set(e, EX_DATAERR,
			       "'%.200s': line break in the URL or a header",
			       r->url);
	x = calloc(1, sizeof(*x));
	if (!x)
		return err_set(e, EX_OSERR, "out of memory");
	x->h = h;
	x->url = str_dup(r->url, &fail);
	/* "" counts as absent: a store may keep no validator that way */
	x->etag = str_dup(r->etag && *r->etag ? r->etag : NULL, &fail);
	x->last_modified = str_dup(r->last_modified && *r->last_modified ?
					   r->last_modified :
					   NULL,
				   &fail);
	x->user_agent = str_dup(r->user_agent && *r->user_agent ?
					r->user_agent :
					NULL,
				&fail);
	if (!fail && !(x->host = url_host(r->url)))
		fail = 1;
	if (fail) {
		xfer_free(x);
		return err_set(e, EX_OSERR, "out of memory");
	}
	/* the host as libcurl reads it (0x7f000001 comes as 127.0.0.1) */
	x->may_private = h->o.allow_private || ipaddr_host_is_local(x->host);
	x->allow_file = r->allow_file;
	x->on_response = r->on_response;
	x->on_body = r->on_body;
	x->on_done = r->on_done;
	x->arg = r->arg;
	x->permanent_run = 1;
	*h->queue_tail = x;
	h->queue_tail = &x->next;
	return 0;
}

/* Takes x off the running list. */
static void
unlink_running(struct http *h, struct xfer *x)
{
	struct xfer **pp;

	for (pp = &h->running; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			x->next = NULL;
			h->nrunning--;
			return;
		}
	}
}

/* Ends the transfers libcurl reports done: on_done, then free. */
static void
reap(struct http *h)
{
	struct CURLMsg *msg;
	struct xfer *x;
	CURLcode rc;
	CURL *easy;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg dies with remove_handle: copy first */
		easy = msg->easy_handle;
		rc = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		x = (struct xfer *)priv;
		curl_multi_remove_handle(h->multi, easy);
		unlink_running(h, x);
		xfer_done(x, rc, 1);
		xfer_free(x);
	}
}

static int
run(struct http *h, struct err *e)
{
	CURLMcode mc;
	int still;

	start_more(h);
	while (h->nrunning > 0) {
		mc = curl_multi_perform(h->multi, &still);
		if (mc != CURLM_OK)
			return err_set(e, EX_SOFTWARE, "libcurl: %s",
				       curl_multi_strerror(mc));
		reap(h);
		start_more(h);
		if (h->nrunning == 0)
			break;
		mc = curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return err_set(e, EX_SOFTWARE, "libcurl: %s",
				       curl_multi_strerror(mc));
	}
	return 0;
}

int
http_run(struct http *h, struct err *e)
{
	int ret;

	if (h->in_run)
		return err_set(e, EX_SOFTWARE,
			       "http_run called from a callback");
	h->in_run = 1;
	ret = run(h, e);
	h->in_run = 0;
	return ret;
}

void
http_free(struct http *h)
{
	struct xfer *x;

	if (!h)
		return;
	for (x = h->running; x; x = x->next)
		curl_multi_remove_handle(h->multi, x->easy);
	free_list(h->running);
	free_list(h->queue);
	curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->resolve_list);
	free(h->user_agent);
	free(h->ca_file);
	free(h->resolve);
	free(h->public_addrs);
	free(h);
	curl_global_cleanup();
}
