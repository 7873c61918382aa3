/*
 * fetch: fetches feeds and stores what is new. It hands every feed to the
 * http module at once (one libcurl multi handle), streams each body into a
 * push parser as it arrives, and when a document is complete saves its
 * entries in one transaction and records the outcome (validators for the
 * next conditional GET, failure class and count, next fetch time,
 * permanent redirects).
 *
 * Entries of a document are held until the document ends, because their
 * identities depend on the whole document (see ident.h); bodies are never
 * held whole.
 */
#ifndef FEEDMAIL_FETCH_H
#define FEEDMAIL_FETCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"

struct store;

/* How fetching a feed ended: FETCH_OK or FETCH_NOT_MODIFIED, else the
 * class of its failure. The transfer's (http.h's classes, one for one),
 * then the document's. */
enum fetch_status {
	FETCH_OK,           /* fetched and parsed */
	FETCH_NOT_MODIFIED, /* 304 */
	FETCH_DNS,
	FETCH_CONNECT,
	FETCH_TLS,
	FETCH_TIMEOUT,
	FETCH_TOO_LARGE,
	FETCH_TOO_MANY_REDIRECTS,
	FETCH_BAD_SCHEME,
	FETCH_PRIVATE_ADDRESS,
	FETCH_CLIENT_ERROR,
	FETCH_GONE,
	FETCH_RATE_LIMITED,
	FETCH_SERVER_ERROR,
	FETCH_PROTOCOL,
	FETCH_ABORTED,
	FETCH_CANCELLED,
	FETCH_NOT_A_FEED, /* an HTML page, a JSON document that is no
	                   * JSON Feed... */
	FETCH_PARSE,      /* a feed that cannot be read */
};

/* The status's text form, the one the store keeps (last_status) and the
 * JSON output shows: "ok", "not_modified", "dns", "connect", "tls",
 * "timeout", "too_large", "too_many_redirects", "bad_scheme",
 * "private_address", "client_error", "gone", "rate_limited",
 * "server_error", "protocol", "aborted", "cancelled", "not_a_feed",
 * "parse"; "unknown" for a value outside the enum. Never NULL. */
const char *fetch_status_name(enum fetch_status s);

/* One feed that failed, for the report. */
struct fetch_error {
	int64_t feed_id;
	char *url;
	enum fetch_status status;
	char *message;
	int temporary; /* a later run may succeed */
};

struct fetch_report {
	size_t feeds;        /* feeds attempted */
	size_t fetched;      /* 200 and parsed */
	size_t not_modified; /* 304 */
	size_t failed;
	size_t new_entries;
	size_t updated_entries;
	size_t moved;     /* feeds whose URL followed a permanent redirect */
	size_t cancelled; /* not started, the stop flag being up: still
	                   * due, nothing recorded */
	struct fetch_error *errors;
	size_t nerrors;
};

void fetch_report_release(struct fetch_report *r);
/* Logs each failed feed of r, "fetch 'URL': STATUS: MESSAGE". 1 when one
 * of them may succeed on a later try, else 0. */
int fetch_report_log(const struct fetch_report *r);

/* What to fetch: the due feeds, every feed (all), or the ids given. */
struct fetch_selection {
	int all;
	const int64_t *ids;
	size_t nids;
	/* NULL, or a flag a signal handler sets (a daemon told to stop):
	 * once it is up, transfers running finish and are recorded, feeds
	 * not yet started are left as they are (r->cancelled) */
	const atomic_int *stop;
};

/* A callback for progress: done of total feeds finished. May be NULL. */
typedef void (*fetch_progress_fn)(size_t done, size_t total, void *arg);

/* Fetches the selected feeds into the store and fills r. Returns 0 when
 * the run itself worked (feeds may still have failed: see r), -1 with e
 * when it could not run (store, out of memory). */
int fetch_run(struct store *s, const struct conf *cfg,
	      const struct fetch_selection *sel, fetch_progress_fn progress,
	      void *progress_arg, struct fetch_report *r, struct err *e);

struct parser;
struct parse_callbacks;

/* Fetches one document that is not a subscribed feed (`feedmail parse
 * URL`, `feedmail fetch URL`): url is http(s), or a local file when
 * allow_file. The body streams into a new parser with cb; on success
 * *parser is that parser with every byte pushed: the caller calls
 * parser_finish() and parser_free(). On failure -1 with e: EX_TEMPFAIL for
 * what a retry may cure, EX_UNAVAILABLE for the rest, EX_DATAERR when the
 * body is not a feed. */
int fetch_document(const struct conf *cfg, const char *url, int allow_file,
		   const struct parse_callbacks *cb, struct parser **parser,
		   struct err *e);

#endif
