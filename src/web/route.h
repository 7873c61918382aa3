/*
 * route: which handler answers which path, one row per page. A row is a
 * path, or a prefix whose rest (a token) the handler reads; the methods
 * it answers (HEAD goes with GET); whether its form posts must come from
 * our own pages (guard.h: a form token and a same-site check, done before
 * the handler runs; never for RFC 8058's one-click POST, which by its RFC
 * carries no context).
 */
#ifndef FEEDMAIL_ROUTE_H
#define FEEDMAIL_ROUTE_H

#include "web/request.h"

struct route {
	const char *path;  /* "/style.css", or a prefix "/u/" */
	int prefix;        /* 1: path is a prefix, tail non-empty */
	unsigned methods;  /* enum request_method bits */
	const char *allow; /* the Allow header of a 405 */
	int guarded;       /* POSTs need guard.h's checks */
	/* what the log shows for the path: never a token */
	const char *log_path;
	/* fills rep; 0, or -1 when the store fails (a 503 page is sent) */
	int (*handle)(struct request *r, struct reply *rep);
};

/* The row for path (without its query), its tail (what follows a prefix)
 * in *tail; NULL when none: a 404. */
const struct route *route_find(const char *path, const char **tail);

/* The handlers. */
int unsubscribe_handle(struct request *r, struct reply *rep);
int subscribe_handle(struct request *r, struct reply *rep);
int confirm_handle(struct request *r, struct reply *rep);
int preferences_handle(struct request *r, struct reply *rep);
int view_handle(struct request *r, struct reply *rep);

#endif
