/*
 * http: many HTTP(S) transfers at once on one libcurl multi handle, each
 * body streamed to a consumer as it arrives. The only module that includes
 * curl.
 *
 * Use: http_new() with options, http_add() one request per feed (each with
 * its callbacks), http_run() until every transfer has ended, http_free().
 * For every request http_add() accepted, on_done is called exactly once,
 * from inside http_run(); callbacks may call http_add() again (the new
 * transfer runs in the same http_run()), never http_run() or http_free().
 *
 * Invariants and limits:
 * - No body is ever buffered here: each piece goes to on_body as libcurl
 *   decodes it, so memory is a few tens of KiB per running transfer whatever
 *   the documents' size. Requests wait in a queue (their strings only) until
 *   they may start: at most `jobs` transfers run at once and at most
 *   `per_host` to one host name. Queue time does not count against the
 *   transfer's timeouts, since a transfer starts only when it may run.
 * - Protocols are http and https, on redirects too; file:// only for a
 *   request with allow_file, and never as a redirect target. At most
 *   HTTP_MAX_REDIRECTS redirects are followed.
 * - No connection reaches an address that is not public (ipaddr.h:
 *   loopback, private, link-local...) unless the options' allow_private is
 *   set or the request's own URL names such a host (an IP literal in those
 *   ranges, localhost, *.localhost): whoever chose that URL chose the
 *   address, while a redirect or a DNS answer is the server's choice. The
 *   address is checked as the socket is opened, after DNS, so rebinding
 *   does not help, and again before every request, so a connection that
 *   another transfer opened and left in the pool is not a way around it.
 *   Through a proxy, the address checked is the proxy's.
 * - Bodies are decompressed (every Content-Encoding libcurl supports) and
 *   the size cap counts decompressed bytes, so a small gzip bomb stops at
 *   max_size like a large plain body. The body of a redirect, which
 *   libcurl reads and drops, and of an error page stop there too.
 * - TLS peers are always verified; HTTP/2 is used over TLS when the server
 *   offers it, the transfers to one host then sharing one connection.
 * - Error pages (4xx, 5xx) and redirect bodies never reach on_body.
 * - Times (Retry-After, freshness) come from clock_now(), so FEEDMAIL_NOW
 *   makes them reproducible.
 */
#ifndef FEEDMAIL_HTTP_H
#define FEEDMAIL_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct http;

#define HTTP_MAX_REDIRECTS 5

/* Longest header value kept (ETag, Content-Type...); longer ones are
 * ignored as if absent. */
#define HTTP_MAX_HEADER 8192

/* Largest response header of a transfer, in bytes: the status lines and
 * fields of all its responses (redirects and 1xx included) and trailers;
 * past it the transfer ends HTTP_TOO_LARGE ("response header larger than
 * 256 KiB"), as it does when one line reaches libcurl's own cap of
 * 100 KiB (CURL_MAX_HTTP_HEADER). */
#define HTTP_MAX_HEADERS (256 * 1024)

struct http_options {
	int jobs;               /* transfers (and connections) at once;
	                         * <= 0: 16 */
	int per_host;           /* transfers at once to one host; <= 0: 2 */
	int connect_timeout;    /* seconds to resolve and connect; <= 0: 10 */
	int timeout;            /* seconds for a whole transfer; <= 0: 60 */
	int low_speed_time;     /* seconds a transfer may stay under 1 byte/s
	                         * before it is a timeout; 0: no limit,
	                         * < 0: 30. libcurl averages the speed over
	                         * the last 5 s, so a stall after a burst of
	                         * data is cut up to 5 s later than this */
	long long max_size;     /* largest body in decompressed bytes; past it a
	                         * transfer ends HTTP_TOO_LARGE; <= 0: 16 MiB */
	const char *user_agent; /* User-Agent header; NULL: "feedmail/VERSION"
	                         * (copied by http_new) */
	const char *ca_file; /* PEM file of CA certificates to trust instead of
	                      * libcurl's bundle file (the system CA folder
	                      * still counts); NULL: the system's (copied) */
	const atomic_int *stop; /* NULL, or a flag (set by a signal
	                         * handler) that, once non-zero, ends the
	                         * requests still queued HTTP_CANCELLED without
	                         * starting them; running transfers finish */
	int allow_private;      /* every request may connect to addresses that
	                         * are not public ([fetch] allow_private) */
	const char *resolve;    /* for tests: NULL, or "HOST:PORT:ADDR" entries
	                         * separated by commas, the addresses those names
	                         * resolve to (CURLOPT_RESOLVE; copied) */
	const char *public_addrs; /* for tests: NULL, or "ADDR:PORT" entries
	                           * (IPv4) separated by commas that count as public
	                           * addresses, so that a test on 127.0.0.1 can play
	                           * a public server (copied) */
};

/* The defaults, as a config file would give them. */
#define HTTP_OPTIONS_INIT                                                   \
	{                                                                   \
		16, 2, 10, 60, 30, 16LL * 1024 * 1024, NULL, NULL, NULL, 0, \
			NULL, NULL                                          \
	}

/* What is known when the final response's headers are complete. Strings
 * are borrowed for the duration of the on_response call; NULL when the
 * header is absent. */
struct http_response {
	long status;                  /* 200..299; 0 for file:// */
	const char *content_type;     /* Content-Type value as sent */
	const char *content_location; /* as sent: may be relative to
	                               * effective_url */
	const char *effective_url;    /* the URL this response came from,
	                               * after redirects */
};

/* How a transfer ended (fetch.h's enum fetch_status gives each its
 * name). */
enum http_class {
	HTTP_OK,                 /* a 2xx (or file://) body was delivered */
	HTTP_NOT_MODIFIED,       /* 304 to a conditional GET; no body */
	HTTP_DNS,                /* host name did not resolve (or the DNS
	                          * server did not answer in time) */
	HTTP_CONNECT,            /* refused, unreachable, reset on connect */
	HTTP_TLS,                /* handshake or certificate verification */
	HTTP_TIMEOUT,            /* connect timeout, whole-transfer timeout, or
	                          * too slow for low_speed_time */
	HTTP_TOO_LARGE,          /* body past max_size (Content-Length or
	                          * decompressed bytes), or a response header
	                          * past HTTP_MAX_HEADERS */
	HTTP_TOO_MANY_REDIRECTS, /* more than HTTP_MAX_REDIRECTS, or a loop */
	HTTP_BAD_SCHEME,         /* the URL or a redirect target is malformed
	                          * or uses a protocol not allowed */
	HTTP_PRIVATE_ADDRESS,    /* refused to connect to an address that is
	                          * not public (see allow_private) */
	HTTP_CLIENT_ERROR,       /* 4xx other than 410 and 429; also a
	                          * file:// path that cannot be read */
	HTTP_GONE,               /* 410: the feed is gone for good */
	HTTP_RATE_LIMITED,       /* 429 (see retry_after) */
	HTTP_SERVER_ERROR,       /* 5xx (see retry_after for 503) */
	HTTP_PROTOCOL,           /* anything else: truncated body, bad
	                          * encoding, a 3xx without Location... */
	HTTP_ABORTED,            /* on_response or on_body asked to stop */
	HTTP_CANCELLED,          /* never started: the options' stop flag
	                          * was set */
};

/* The outcome of one request, given to on_done. Strings are borrowed until
 * on_done returns; NULL when absent. */
struct http_result {
	enum http_class cls;
	long status;       /* final HTTP status, 0 when none came */
	char message[512]; /* plain words: "HTTP 503 Service
	                    * Unavailable", "connection refused: ...",
	                    * libcurl's own text after a colon; "refused
	                    * to connect to 10.0.0.1: a private address
	                    * (set [fetch] allow_private = yes to
	                    * allow)" */
	/* Validators of the final 2xx, for the next conditional GET; on a
	 * 304 the server's when it repeats them, else the ones the request
	 * sent, so the caller may always store what it gets. */
	const char *etag;
	const char *last_modified;
	const char *effective_url; /* last URL requested, after redirects */
	const char *permanent_url; /* where the leading run of 301/308
	                            * redirects led (the URL to store in place
	                            * of the feed's, once the transfer
	                            * succeeded); NULL when the first hop was
	                            * not permanent or nothing redirected */
	int64_t retry_after;       /* on 429 and 503: Retry-After (seconds or
	                            * HTTP-date) as absolute epoch seconds;
	                            * 0 none */
	int64_t fresh_until;       /* Cache-Control max-age (minus Age), else
	                            * Expires, of the final response, absolute
	                            * epoch seconds; 0 none (or no-store,
	                            * no-cache) */
	long long body_bytes;      /* decompressed bytes given to on_body */
};

/* One transfer. http_add() copies the strings; the callbacks and arg are
 * kept as given. */
struct http_request {
	const char *url;
	const char *etag;          /* sent as If-None-Match unless NULL/"" */
	const char *last_modified; /* as If-Modified-Since unless NULL/"" */
	const char *user_agent;    /* overrides the options' unless NULL/"" */
	int allow_file;            /* file:// allowed (paths given on the
	                            * command line only, never feed URLs) */
	/* Called at most once, when the headers of a final 2xx are complete
	 * (for file://, before the first byte), before any on_body; a
	 * non-zero return ends the transfer HTTP_ABORTED. A transfer that ends
	 * HTTP_OK has had it called. May be NULL. */
	int (*on_response)(const struct http_response *r, void *arg);
	/* Each piece of the decompressed body of the final 2xx, in order;
	 * never called for a 304, a redirect or an error status. A non-zero
	 * return ends the transfer HTTP_ABORTED. May be NULL. */
	int (*on_body)(const char *data, size_t len, void *arg);
	/* Exactly once per request accepted by http_add(). May be NULL. */
	void (*on_done)(const struct http_result *res, void *arg);
	void *arg;
};

/*
 * Returns a new transfer set with options o (NULL: HTTP_OPTIONS_INIT),
 * owned by the caller (http_free), or NULL with e set (EX_SOFTWARE when
 * libcurl cannot start, EX_OSERR when out of memory).
 */
struct http *http_new(const struct http_options *o, struct err *e);

/*
 * Queues request r; it starts in http_run() when a slot is free. Copies
 * what it needs from r. Returns 0, or -1 with e set and on_done never to be
 * called: EX_DATAERR when url is NULL or empty or a string holds a line
 * break (header injection), EX_OSERR when out of memory. Safe to call from
 * any callback.
 */
int http_add(struct http *h, const struct http_request *r, struct err *e);

/*
 * Runs every queued transfer, and any added meanwhile, to its end, calling
 * the callbacks as things happen. Returns 0 once none is left; -1 with e set
 * (EX_SOFTWARE) when called from a callback, or when libcurl's multi
 * interface itself fails, in which case the transfers not yet done stay
 * (a later http_run resumes them, http_free drops them) without on_done.
 */
int http_run(struct http *h, struct err *e);

/* Frees h and everything it holds; requests still queued or running are
 * dropped without on_done. NULL-safe. Not from a callback. */
void http_free(struct http *h);

#endif
