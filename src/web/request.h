/*
 * request: what a page handler of `feedmail serve` is given and gives
 * back, with no libmicrohttpd in sight: the request (method, path, the
 * part of it after the route's prefix, a few headers, the form fields of
 * a POST, the client's address, the site's settings and a store
 * connection of its own) and the reply it fills (status, a page or
 * another body, a few headers). server.c turns them into HTTP and adds
 * the security headers every response carries.
 *
 * A handler runs in one of the server's threads, holding the store
 * connection for the request alone; each write it makes is one short
 * transaction. Adding a page is a row of route.c's table and a handler.
 */
#ifndef FEEDMAIL_REQUEST_H
#define FEEDMAIL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "lib/netspec.h"
#include "lib/token.h"
#include "web/page.h"

struct store;
struct store_subscriber;
struct web_limit;

/* The wording's version of the consent the subscribe page asks for,
 * recorded with each consent given through it: change it with the
 * words of PT_CONSENT. */
#define REQUEST_CONSENT_WORDING "subscribe-2026-12"

/* What the pages need from the layers above web/ (mail/, app/), given by
 * serve (cli/cmd_serve.c). */
struct web_hooks {
	/* Queues the confirmation mail to sub at now, with cfg
	 * (compose_confirm, inside the caller's transaction when it has one
	 * open): 0 queued, 1 when one went to the address this hour
	 * already, -1 with e. */
	int (*confirm)(void *arg, struct store *s, const struct conf *cfg,
		       const struct store_subscriber *sub, int64_t now,
		       struct err *e);
	/* A confirmation was committed: have it carried at once. */
	void (*queued)(void *arg);
	void *arg;
};

/* The most form fields a POST may carry, and a request body's cap. */
#define REQUEST_MAX_FIELDS 32
#define REQUEST_MAX_BODY (16u * 1024)
/* A page's cap (what a handler writes). */
#define REQUEST_MAX_PAGE (256u * 1024)
/* the longest token secret read from the store */
#define REQUEST_SECRET_MAX 64

/* What one configuration says, shared by the requests begun under it and
 * replaced whole on SIGHUP (server.h). */
struct web_site {
	char *base_url;      /* [web] base_url, without a final '/' */
	char origin[300];    /* base_url's origin (guard_origin) */
	enum page_lang lang; /* [digest] language */
	struct netspec_net trusted[NETSPEC_MAX_NETS];
	size_t ntrusted;
	unsigned char secret[REQUEST_SECRET_MAX]; /* the store's "token"
	                                           * secret (form tokens) */
	size_t secret_len;
	struct conf *cfg; /* the configuration it was made from, owned
	                   * (NULL until serve gives it): [digest]
	                   * defaults, and what confirmations need */
};

struct request_field {
	char *name;
	char *value; /* NUL-terminated; may hold NULs of its own */
	size_t len;
};

enum request_method {
	REQUEST_GET = 1 << 0,
	REQUEST_HEAD = 1 << 1,
	REQUEST_POST = 1 << 2,
};

struct request {
	enum request_method method;
	const char *path; /* as sent, without the query */
	const char *tail; /* path after the route's prefix */
	const char *accept_language, *origin, *sec_fetch_site; /* or NULL */
	char client[64]; /* the client's address (proxy.h) */
	int64_t now;     /* clock_now() when it came */
	const struct web_site *site;
	const struct web_hooks *hooks; /* never NULL; members may be */
	struct web_limit *limit;       /* subscriptions per client */
	struct store *store;
	struct request_field fields[REQUEST_MAX_FIELDS];
	size_t nfields;
};

struct reply {
	int status;               /* 200 unless the handler says */
	const char *content_type; /* NULL: text/html; charset=utf-8 */
	struct buf body;          /* capped at REQUEST_MAX_PAGE */
	int no_store;             /* Cache-Control: no-store (token pages) */
	const char *cache;        /* another Cache-Control, or NULL */
	const char *allow;        /* 405: the Allow header */
	const char *csp;          /* another Content-Security-Policy (as
	                           * strict: no script), or NULL */
};

/* A form field's value (the first of that name), or NULL. */
const char *request_field(const struct request *r, const char *name);

/* Frees the fields. */
void request_release(struct request *r);

/* Fills rep with a whole simple page of status in lang: title and text.
 * 0, or -1 when the page's cap is reached. */
int reply_page(struct reply *rep, int status, enum page_lang lang,
	       enum page_text title, enum page_text text);

/* The plain 404 page: an unknown path, or a token that is not one (forged,
 * truncated, altered, stale: all answered alike, nothing changed). */
int reply_not_found(struct reply *rep, enum page_lang lang);

/* The store's "token" secret as it is now, into secret
 * (REQUEST_SECRET_MAX bytes; *len its length), read at each call: a --rotate-secret run
 * while serve runs takes effect at the next link followed, no SIGHUP
 * needed. 0, or -1 when the store fails (logged). */
int request_secret(struct request *r, unsigned char *secret, size_t *len);

/* The subscriber r->tail, a token of purpose, names (verified with the
 * store's secret as it is now: request_secret; bound to their own
 * token), into sub (release it) and
 * what the token says into t: 1; 0 when it names none (forged, cut,
 * altered, of another purpose, of a subscriber removed since, or signed
 * with a rotated secret: the plain 404, nothing to tell); -1 when the
 * store fails (logged). */
int request_subscriber(struct request *r, int purpose,
		       struct store_subscriber *sub, struct token *t);

/* request_subscriber for a page of that subscriber's: on 1 the reply is
 * marked no-store and *lang is the page's language for them; on 0 the
 * plain 404 page is written into rep (nothing to tell); -1 as there. */
int request_subscriber_page(struct request *r, struct reply *rep, int purpose,
			    struct store_subscriber *sub, struct token *t,
			    enum page_lang *lang);

/* The language of a page for r: the subscriber's (sub_lang, may be NULL),
 * else Accept-Language, else [digest] language. */
enum page_lang request_lang(const struct request *r, const char *sub_lang);

#endif
