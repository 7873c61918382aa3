/*
 * server: the HTTP server of `feedmail serve`, on libmicrohttpd (the only
 * file that includes it besides none: this one's .c).
 *
 * A pool of threads polls the connections; a request is routed
 * (route.h), its body (urlencoded or multipart, at most REQUEST_MAX_BODY:
 * past it, 413) read through MHD's post processor, its handler run with a
 * store connection taken from a pool of connections (store_open_another,
 * one per thread at a time), and its reply sent with the headers every
 * response carries (Content-Security-Policy without script, nosniff,
 * no-referrer, DENY). Limits: header memory per connection, an idle
 * timeout per connection (slow clients are dropped), connections in all
 * and per address. One log line per request: method, the route's path
 * (never a token), status, milliseconds.
 *
 * Stopping (web_server_stop): no new connection is accepted, the
 * requests under way finish (for at most the connection timeout), then
 * the threads end.
 */
#ifndef FEEDMAIL_SERVER_H
#define FEEDMAIL_SERVER_H

#include <sys/socket.h>

#include "lib/err.h"
#include "web/request.h"

struct store;
struct web_server;

struct web_server_opts {
	int listen_fd;                  /* >= 0: a socket already listening
	                                 * (systemd socket activation) */
	struct sockaddr_storage listen; /* else: where to listen */
	socklen_t listen_len;
	int timeout;                   /* seconds a connection may stay idle;
	                                * a request body may take twice that
	                                * in all */
	int threads;                   /* polling threads */
	int max_connections;           /* in all */
	int max_per_address;           /* per client address, trusted
	                                * proxies excepted (0: no limit) */
	const struct web_hooks *hooks; /* copied; NULL: none */
};

/* Starts serving with site (taken: freed by the server when replaced or
 * stopped), handlers using connections opened from store (which must
 * stay open until web_server_stop returns). NULL with e (EX_UNAVAILABLE:
 * the address cannot be had, saying why). */
struct web_server *web_server_start(const struct web_server_opts *o,
				    struct web_site *site, struct store *store,
				    struct err *e);

/* Replaces the site (taken) for the requests that begin from now on; the
 * ones under way keep theirs. */
void web_server_set_site(struct web_server *srv, struct web_site *site);

/* Stops accepting, lets the requests under way finish, stops, frees.
 * NULL-safe. */
void web_server_stop(struct web_server *srv);

/* Frees a site. NULL-safe. */
void web_site_free(struct web_site *site);

#endif
