#include "config.h"

#include "web/server.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"
#include "web/guard.h"
#include "web/limit.h"
#include "web/proxy.h"
#include "web/route.h"

/* Header memory per connection: what a request line and its headers may
 * take (MHD answers 431 past it). */
#define SERVER_MEMORY_LIMIT (32u * 1024)
/* A body past REQUEST_MAX_BODY is read and dropped up to this, so that
 * the client gets its 413; past it, the connection is closed. */
#define SERVER_MAX_DRAIN (1024u * 1024)
/* Store connections kept idle for the next requests. */
#define SERVER_MAX_IDLE 16
/* Client addresses counted at once (their connections per address). */
#define SERVER_MAX_PEERS 1024

static const char csp[] = "default-src 'none'; style-src 'self'; "
			  "img-src 'self'; form-action 'self'; "
			  "frame-ancestors 'none'; base-uri 'none'";

/* A site shared by the requests begun under it: freed with the last. */
struct shared_site {
	struct web_site *site;
	int refs;
};

struct web_server {
	struct MHD_Daemon *mhd;
	int own_socket; /* 1: MHD opened it (not systemd): closed at stop */
	struct store *store;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when in_flight drops to 0 */
	struct shared_site *current;
	struct store *pool[SERVER_MAX_IDLE];
	int npool;
	int in_flight;
	struct web_hooks hooks;
	struct web_limit *limit;
	/* a body may take this long in all (2 x the idle time-out): one
	 * sent a byte at a time, each within the time-out, ends there */
	long body_ms;
	/* connections open per client address, but for trusted proxies
	 * (under lock): MHD's own per-IP limit cannot tell them apart */
	int max_per_address;
	struct peer {
		char addr[64];
		int n;
	} peers[SERVER_MAX_PEERS];
	size_t npeers;
};

/* One request's state across MHD's calls. */
struct call {
	struct web_server *srv;
	struct shared_site *ss;
	const struct route *route;
	struct MHD_PostProcessor *pp;
	struct request req;
	struct timespec start;
	size_t body;   /* bytes of body seen */
	int too_large; /* the body passed REQUEST_MAX_BODY */
	int bad_form;  /* too many fields */
	int answered;  /* a response is queued */
	int status;    /* what was answered */
	char method[8];
	char *path;
};

void
web_site_free(struct web_site *site)
{
	if (!site)
		return;
	explicit_bzero(site->secret, sizeof(site->secret));
	free(site->base_url);
	if (site->cfg) {
		conf_release(site->cfg);
		free(site->cfg);
	}
	free(site);
}

static void
site_put(struct web_server *srv, struct shared_site *ss)
{
	int last;

	if (!ss)
		return;
	pthread_mutex_lock(&srv->lock);
	last = --ss->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last) {
		web_site_free(ss->site);
		free(ss);
	}
}

static struct shared_site *
site_get(struct web_server *srv)
{
	struct shared_site *ss;

	pthread_mutex_lock(&srv->lock);
	ss = srv->current;
	ss->refs++;
	pthread_mutex_unlock(&srv->lock);
	return ss;
}

void
web_server_set_site(struct web_server *srv, struct web_site *site)
{
	struct shared_site *ss = calloc(1, sizeof(*ss)), *old;

	if (!ss) {
		log_error(
			"serve: out of memory: keeping the previous settings");
		web_site_free(site);
		return;
	}
	ss->site = site;
	ss->refs = 1;
	pthread_mutex_lock(&srv->lock);
	old = srv->current;
	srv->current = ss;
	pthread_mutex_unlock(&srv->lock);
	site_put(srv, old);
}

/* A store connection for one request: an idle one, else a new one. */
static struct store *
store_take(struct web_server *srv, struct err *e)
{
	struct store *s = NULL;

	pthread_mutex_lock(&srv->lock);
	if (srv->npool)
		s = srv->pool[--srv->npool];
	pthread_mutex_unlock(&srv->lock);
	return s ? s : store_open_another(srv->store, e);
}

/* Closes the idle connections: a lost one most often means that the
 * database server restarted, and took the others with it. */
static void
pool_drain(struct web_server *srv)
{
	struct store *idle[SERVER_MAX_IDLE];
	int i, n;

	pthread_mutex_lock(&srv->lock);
	n = srv->npool;
	memcpy(idle, srv->pool, (size_t)n * sizeof(idle[0]));
	srv->npool = 0;
	pthread_mutex_unlock(&srv->lock);
	for (i = 0; i < n; i++)
		store_close(idle[i]);
}

static void
store_give(struct web_server *srv, struct store *s)
{
	if (!s)
		return;
	if (store_lost(s)) {
		/* kept, it would fail every request it is given */
		log_warn("serve: the store's connection was lost: the next "
			 "requests open new ones");
		store_close(s);
		pool_drain(srv);
		return;
	}
	/* a request that failed may have left a transaction open */
	store_rollback(s);
	pthread_mutex_lock(&srv->lock);
	if (srv->npool < SERVER_MAX_IDLE) {
		srv->pool[srv->npool++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
	store_close(s);
}

/* --- responses ----------------------------------------------------------- */

static enum MHD_Result
send_reply(struct call *c, struct MHD_Connection *conn, struct reply *rep)
{
	struct MHD_Response *res;
	enum MHD_Result ok;
	size_t len = rep->body.len; /* MHD sends none for HEAD */

	res = MHD_create_response_from_buffer(len, rep->body.data,
					      MHD_RESPMEM_MUST_COPY);
	if (!res)
		return MHD_NO;
	MHD_add_response_header(res, "Content-Type",
				rep->content_type ? rep->content_type :
						    "text/html; charset=utf-8");
	MHD_add_response_header(res, "Content-Security-Policy",
				rep->csp ? rep->csp : csp);
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(res, "X-Frame-Options", "DENY");
	if (rep->no_store)
		MHD_add_response_header(res, "Cache-Control", "no-store");
	else if (rep->cache)
		MHD_add_response_header(res, "Cache-Control", rep->cache);
	else
		MHD_add_response_header(res, "Cache-Control", "no-cache");
	if (rep->allow)
		MHD_add_response_header(res, "Allow", rep->allow);
	ok = MHD_queue_response(conn, (unsigned)rep->status, res);
	MHD_destroy_response(res);
	c->answered = 1;
	c->status = rep->status;
	return ok;
}

/* A simple page of status, in the language Accept-Language asks. */
static enum MHD_Result
send_simple(struct call *c, struct MHD_Connection *conn, int status,
	    enum page_text title, enum page_text text, const char *allow)
{
	struct reply rep = { 0 };
	enum MHD_Result ok;

	buf_init(&rep.body, REQUEST_MAX_PAGE);
	reply_page(&rep, status, request_lang(&c->req, NULL), title, text);
	rep.allow = allow;
	ok = send_reply(c, conn, &rep);
	buf_release(&rep.body);
	return ok;
}

/* --- requests ------------------------------------------------------------ */

static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key,
	 const char *filename, const char *content_type,
	 const char *transfer_encoding, const char *data, uint64_t off,
	 size_t size)
{
	struct call *c = cls;
	struct request_field *f;
	char *grown;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (!key)
		return MHD_YES;
	/* a value comes in pieces: the next piece of the last field */
	f = c->req.nfields ? &c->req.fields[c->req.nfields - 1] : NULL;
	if (!f || off == 0 || strcmp(f->name, key)) {
		if (c->req.nfields >= REQUEST_MAX_FIELDS) {
			c->bad_form = 1;
			return MHD_NO;
		}
		f = &c->req.fields[c->req.nfields];
		f->name = strdup(key);
		f->value = calloc(1, 1);
		f->len = 0;
		if (!f->name || !f->value) {
			free(f->name);
			free(f->value);
			return MHD_NO;
		}
		c->req.nfields++;
	}
	/* the body's cap bounds the sum of the sizes */
	grown = realloc(f->value, f->len + size + 1);
	if (!grown)
		return MHD_NO;
	f->value = grown;
	memcpy(f->value + f->len, data, size);
	f->len += size;
	f->value[f->len] = '\0';
	return MHD_YES;
}

static enum request_method
method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return REQUEST_GET;
	if (!strcmp(m, "HEAD"))
		return REQUEST_HEAD;
	if (!strcmp(m, "POST"))
		return REQUEST_POST;
	return 0;
}

/* The first call for a request: what it is, who sent it. */
static struct call *
call_new(struct web_server *srv, struct MHD_Connection *conn, const char *url,
	 const char *method)
{
	struct call *c = calloc(1, sizeof(*c));
	const union MHD_ConnectionInfo *ci;
	const struct web_site *site;

	if (!c)
		return NULL;
	c->srv = srv;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	c->ss = site_get(srv);
	site = c->ss->site;
	c->path = strdup(url);
	snprintf(c->method, sizeof(c->method), "%s", method);
	c->req.method = method_of(method);
	c->req.path = c->path ? c->path : "";
	c->req.site = site;
	c->req.hooks = &srv->hooks;
	c->req.limit = srv->limit;
	c->req.now = clock_now();
	c->req.accept_language = MHD_lookup_connection_value(conn,
							     MHD_HEADER_KIND,
							     "Accept-Language");
	c->req.origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "Origin");
	c->req.sec_fetch_site = MHD_lookup_connection_value(conn,
							    MHD_HEADER_KIND,
							    "Sec-Fetch-Site");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	proxy_client(ci ? ci->client_addr : NULL,
		     MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 "X-Forwarded-For"),
		     site->trusted, site->ntrusted, c->req.client,
		     sizeof(c->req.client));
	pthread_mutex_lock(&srv->lock);
	srv->in_flight++;
	pthread_mutex_unlock(&srv->lock);
	return c;
}

/* Runs the route's handler once the body is in. */
static enum MHD_Result
dispatch(struct call *c, struct MHD_Connection *conn)
{
	struct reply rep = { 0 };
	struct err e = ERR_INIT;
	enum MHD_Result ok;
	int rc;

	if (c->too_large)
		return send_simple(c, conn, 413, PT_TOO_LARGE_TITLE,
				   PT_TOO_LARGE_BODY, NULL);
	if (c->bad_form)
		return send_simple(c, conn, 400, PT_BAD_REQUEST_TITLE,
				   PT_BAD_REQUEST_BODY, NULL);
	if (c->req.method == REQUEST_POST && c->route->guarded &&
	    (!guard_same_site(c->req.sec_fetch_site, c->req.origin,
			      c->req.site->origin) ||
	     !guard_form_token_ok(c->req.site->secret, c->req.site->secret_len,
				  request_field(&c->req, GUARD_FIELD),
				  c->req.now)))
		return send_simple(c, conn, 403, PT_FORBIDDEN_TITLE,
				   PT_FORBIDDEN_BODY, NULL);
	c->req.store = store_take(c->srv, &e);
	if (!c->req.store) {
		log_error("serve: %s", e.msg);
		return send_simple(c, conn, 503, PT_ERROR_TITLE, PT_ERROR_BODY,
				   NULL);
	}
	buf_init(&rep.body, REQUEST_MAX_PAGE);
	rep.status = 200;
	rc = c->route->handle(&c->req, &rep);
	store_give(c->srv, c->req.store);
	c->req.store = NULL;
	if (rc < 0) {
		buf_release(&rep.body);
		return send_simple(c, conn, 503, PT_ERROR_TITLE, PT_ERROR_BODY,
				   NULL);
	}
	ok = send_reply(c, conn, &rep);
	buf_release(&rep.body);
	return ok;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	struct web_server *srv = cls;
	struct call *c = *con_cls;
	const char *tail, *length;

	(void)version;
	if (!c) {
		c = call_new(srv, conn, url, method);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		c->route = route_find(c->req.path, &tail);
		if (!c->route)
			return send_simple(c, conn, 404, PT_NOT_FOUND_TITLE,
					   PT_NOT_FOUND_BODY, NULL);
		c->req.tail = tail;
		log_debug("%s %s: begun", method, c->route->log_path);
		if (!(c->req.method & c->route->methods))
			return send_simple(c, conn, 405, PT_METHOD_TITLE,
					   PT_BAD_REQUEST_BODY,
					   c->route->allow);
		length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Length");
		if (length && strtoull(length, NULL, 10) > REQUEST_MAX_BODY)
			return send_simple(c, conn, 413, PT_TOO_LARGE_TITLE,
					   PT_TOO_LARGE_BODY, NULL);
		if (c->req.method == REQUEST_POST)
			/* NULL for a body of another type: no fields */
			c->pp = MHD_create_post_processor(conn, 1024, on_field,
							  c);
		return MHD_YES;
	}
	if (c->answered) {
		/* a body sent after the answer: not read */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t got = *upload_data_size;
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (srv->body_ms > 0 &&
		    (now.tv_sec - c->start.tv_sec) * 1000 +
				    (now.tv_nsec - c->start.tv_nsec) / 1000000 >
			    srv->body_ms) {
			/* a slow body (slowloris): the idle time-out alone
			 * would wait for it forever */
			log_info("%s %s: body too slow, closed", c->method,
				 c->route->log_path);
			return MHD_NO;
		}
		c->body += got;
		*upload_data_size = 0;
		/* MHD answers only once the body is in: what is past the
		 * cap is read and dropped, the 413 sent at its end; a body
		 * far past it is not worth reading (the connection closes) */
		if (c->body > REQUEST_MAX_BODY) {
			c->too_large = 1;
			return c->body > SERVER_MAX_DRAIN ? MHD_NO : MHD_YES;
		}
		if (c->pp && !c->bad_form &&
		    MHD_post_process(c->pp, upload_data, got) != MHD_YES)
			c->bad_form = 1;
		return MHD_YES;
	}
	return dispatch(c, conn);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct web_server *srv = cls;
	struct call *c = *con_cls;
	struct timespec end;
	long ms;

	(void)conn;
	if (!c)
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	ms = (end.tv_sec - c->start.tv_sec) * 1000 +
	     (end.tv_nsec - c->start.tv_nsec) / 1000000;
	if (c->answered)
		log_info("%s %s %d %ld ms", c->method,
			 c->route ? c->route->log_path : "(unknown path)",
			 c->status, ms);
	else
		log_info("%s %s dropped (%s) %ld ms", c->method,
			 c->route ? c->route->log_path : "(unknown path)",
			 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ?
				 "timed out" :
				 "connection closed",
			 ms);
	if (c->pp)
		MHD_destroy_post_processor(c->pp);
	request_release(&c->req);
	site_put(srv, c->ss);
	free(c->path);
	free(c);
	*con_cls = NULL;
	pthread_mutex_lock(&srv->lock);
	if (--srv->in_flight == 0)
		pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
}

/* Whether peer is one of the current site's trusted proxies. */
static int
peer_trusted(struct web_server *srv, const struct sockaddr *peer)
{
	struct shared_site *ss = site_get(srv);
	int yes = netspec_match_sockaddr(peer, ss->site->trusted,
					 ss->site->ntrusted);

	site_put(srv, ss);
	return yes;
}

/* The count of addr (under lock), made when add is set and there is
 * room; NULL else. */
static struct peer *
peer_find(struct web_server *srv, const char *addr, int add)
{
	size_t i;

	for (i = 0; i < srv->npeers; i++)
		if (!strcmp(srv->peers[i].addr, addr))
			return &srv->peers[i];
	if (!add || srv->npeers == SERVER_MAX_PEERS)
		return NULL;
	snprintf(srv->peers[i].addr, sizeof(srv->peers[i].addr), "%s", addr);
	srv->peers[i].n = 0;
	srv->npeers++;
	return &srv->peers[i];
}

/* MHD's accept policy: a client address (not a trusted proxy) already at
 * max_per_address connections gets no more. Counted when MHD reports a
 * connection started and closed (on_connection); several threads
 * accepting at once may pass the cap by a few. */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct web_server *srv = cls;
	char text[64];
	struct peer *p;
	int ok;

	(void)len;
	if (!srv->max_per_address || peer_trusted(srv, addr))
		return MHD_YES;
	netspec_format(addr, text, sizeof(text));
	pthread_mutex_lock(&srv->lock);
	p = peer_find(srv, text, 0);
	ok = !p || p->n < srv->max_per_address;
	pthread_mutex_unlock(&srv->lock);
	return ok ? MHD_YES : MHD_NO;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
	      enum MHD_ConnectionNotificationCode code)
{
	struct web_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	char text[64];
	struct peer *p;

	if (!srv->max_per_address)
		return;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		*socket_context = NULL;
		if (!ci || !ci->client_addr ||
		    peer_trusted(srv, ci->client_addr))
			return;
		netspec_format(ci->client_addr, text, sizeof(text));
		pthread_mutex_lock(&srv->lock);
		p = peer_find(srv, text, 1);
		if (p) {
			p->n++;
			*socket_context = srv; /* counted */
		}
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || !*socket_context)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	netspec_format(ci->client_addr, text, sizeof(text));
	pthread_mutex_lock(&srv->lock);
	p = peer_find(srv, text, 0);
	if (p && --p->n <= 0)
		/* the last one takes its place */
		*p = srv->peers[--srv->npeers];
	pthread_mutex_unlock(&srv->lock);
	*socket_context = NULL;
}

static void
on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

struct web_server *
web_server_start(const struct web_server_opts *o, struct web_site *site,
		 struct store *store, struct err *e)
{
	struct web_server *srv = calloc(1, sizeof(*srv));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_AUTO;

	if (!srv) {
		web_site_free(site);
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	srv->store = store;
	srv->own_socket = o->listen_fd < 0;
	srv->body_ms = 2000L * o->timeout;
	srv->max_per_address = o->max_per_address;
	if (o->hooks)
		srv->hooks = *o->hooks;
	srv->limit = web_limit_new(WEB_LIMIT_MAX, WEB_LIMIT_WINDOW);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->idle, NULL);
	srv->current = calloc(1, sizeof(*srv->current));
	if (!srv->current || !srv->limit) {
		web_site_free(site);
		web_server_stop(srv);
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	srv->current->site = site;
	srv->current->refs = 1;
	if (o->listen_fd < 0 && o->listen.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	srv->mhd = MHD_start_daemon(flags, 0, on_accept, srv, on_request, srv,
				    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error,
				    NULL, MHD_OPTION_NOTIFY_COMPLETED,
				    on_completed, srv,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection,
				    srv, MHD_OPTION_THREAD_POOL_SIZE,
				    (unsigned)o->threads,
				    MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned)o->timeout,
				    MHD_OPTION_CONNECTION_LIMIT,
				    (unsigned)o->max_connections,
				    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				    (size_t)SERVER_MEMORY_LIMIT,
				    o->listen_fd >= 0 ?
					    MHD_OPTION_LISTEN_SOCKET :
					    MHD_OPTION_SOCK_ADDR,
				    o->listen_fd >= 0 ? (intptr_t)o->listen_fd :
							(intptr_t)&o->listen,
				    MHD_OPTION_END);
	if (!srv->mhd) {
		err_set(e, EX_UNAVAILABLE, "cannot listen%s%s",
			errno ? ": " : "", errno ? strerror(errno) : "");
		web_server_stop(srv);
		return NULL;
	}
	return srv;
}

void
web_server_stop(struct web_server *srv)
{
	struct timespec until;
	MHD_socket fd;
	int i;

	if (!srv)
		return;
	if (srv->mhd) {
		/* no new connection; the requests begun finish (30 s at
		 * most: a request is short, an idle one times out) */
		fd = MHD_quiesce_daemon(srv->mhd);
		if (fd != MHD_INVALID_SOCKET && srv->own_socket)
			close(fd);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 30;
		pthread_mutex_lock(&srv->lock);
		while (srv->in_flight > 0)
			if (pthread_cond_timedwait(&srv->idle, &srv->lock,
						   &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&srv->lock);
		MHD_stop_daemon(srv->mhd);
	}
	for (i = 0; i < srv->npool; i++)
		store_close(srv->pool[i]);
	web_limit_free(srv->limit);
	if (srv->current) {
		web_site_free(srv->current->site);
		free(srv->current);
	}
	pthread_cond_destroy(&srv->idle);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
