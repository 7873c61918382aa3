/*
 * feedmail serve: the subscribers' web pages (src/web/), in the
 * foreground, behind a reverse proxy.
 *
 * It never takes the run lock: each request uses a store connection of
 * its own for one short transaction, so pages answer while `run` fetches
 * and sends (SQLite WAL). The listening socket is [web] listen, or the
 * one systemd passes (socket activation: LISTEN_PID is ours and LISTEN_FDS
 * at least 1: fd 3). Signals are blocked in every thread and taken by
 * this one with sigwait(): SIGTERM and SIGINT stop accepting, let the
 * requests under way finish and exit 0; SIGHUP reloads the config and the
 * token secret (a broken config is logged and the old one kept; [web]
 * listen and timeout keep their first values).
 *
 * --rotate-secret makes a new token secret and exits: every link in the
 * mails already sent stops working at once, for a running server too
 * (request_secret reads it for each link; SIGHUP renews the forms' own).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "app/prompt.h"
#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/netspec.h"
#include "mail/compose.h"
#include "store/store.h"
#include "web/server.h"
#include "web/site.h"

/* The first socket systemd passes (sd_listen_fds(3)). */
#define SERVE_LISTEN_FD 3
#define SERVE_THREADS 4
#define SERVE_MAX_CONNECTIONS 512
#define SERVE_MAX_PER_ADDRESS 32

static const char serve_text[] =
	"\nServes the subscribers' pages at [web] listen (or on the socket\n"
	"systemd passes), for the links in mails, which point to [web]\n"
	"base_url: / (subscribe), /c/TOKEN (confirm), /p/TOKEN (preferences),\n"
	"/v/TOKEN (a digest in a browser), /u/TOKEN (RFC 8058 one-click\n"
	"unsubscription). The confirmations it queues, it sends at once\n"
	"itself, taking the store's run lock for that moment. SIGTERM or\n"
	"SIGINT: stop accepting, finish the requests under way, exit 0.\n"
	"SIGHUP: reload the config and the token secret. --rotate-secret:\n"
	"make a new token secret (every link already mailed stops working,\n"
	"a running serve included) and exit.\n";

/* The socket systemd passed, or -1. Read before any thread starts. */
static int
activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid() ||
	    strtol(fds, NULL, 10) < 1)
		return -1;
	return SERVE_LISTEN_FD;
}

/* The pages' ways into mail/ and app/ (web/request.h). */
static int
hook_confirm(void *arg, struct store *s, const struct conf *cfg,
	     const struct store_subscriber *sub, int64_t now, struct err *e)
{
	int64_t id;

	(void)arg;
	return compose_confirm(s, cfg, sub, now, &id, e);
}

static void
hook_queued(void *arg)
{
	prompt_kick(*(struct prompt **)arg);
}

/* A configuration of its own for a thread or a site (the one in ctx is
 * replaced on SIGHUP): loaded again, heap-allocated. NULL with e. */
static struct conf *
conf_copy(struct ctx *ctx, struct err *e)
{
	struct conf *cfg = malloc(sizeof(*cfg));

	if (!cfg) {
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	conf_init(cfg);
	if (cmd_load_config(ctx->config_path, cfg, e) < 0) {
		conf_release(cfg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

/* A site from cfg, with a configuration of its own for the pages. Its
 * secret is read through a connection of its own: ctx's, idle while
 * serve runs, may have been lost meanwhile (store_lost), and a reload
 * must not fail for that. */
static struct web_site *
site_new(struct ctx *ctx, const struct conf *cfg, struct err *e)
{
	struct store *s = store_open_another(ctx->store, e);
	struct web_site *site = s ? web_site_new(cfg, s, e) : NULL;

	store_close(s);
	if (site && !(site->cfg = conf_copy(ctx, e))) {
		web_site_free(site);
		return NULL;
	}
	return site;
}

/* Reads the config and the secret again into a new site, or keeps the old
 * one (logging why). */
static void
reload(struct ctx *ctx, struct web_server *srv, struct prompt *prompt)
{
	struct conf fresh, *mailing = NULL;
	struct web_site *site;
	struct err e = ERR_INIT;

	conf_init(&fresh);
	if (cmd_load_config(ctx->config_path, &fresh, &e) < 0 ||
	    !(site = site_new(ctx, &fresh, &e))) {
		log_error("reload: %s; keeping the previous configuration",
			  e.msg);
		conf_release(&fresh);
		return;
	}
	if (!(mailing = conf_copy(ctx, &e))) {
		log_error("reload: %s; keeping the previous configuration",
			  e.msg);
		web_site_free(site);
		conf_release(&fresh);
		return;
	}
	web_server_set_site(srv, site);
	prompt_set_conf(prompt, mailing);
	conf_release(&ctx->cfg);
	ctx->cfg = fresh;
	log_info("reloaded the configuration%s%s and the token secret",
		 fresh.path ? " from " : "", fresh.path ? fresh.path : "");
}

static int
rotate(struct ctx *ctx)
{
	struct err e = ERR_INIT;

	if (store_secret_rotate(ctx->store, "token", clock_now(), &e) < 0) {
		log_error("rotate the token secret: %s", e.msg);
		return err_exit_status(&e);
	}
	if (!ctx->quiet)
		printf("rotated the token secret: the links in mails sent "
		       "until now no longer work\n");
	return 0;
}

int
cmd_serve(int argc, char **argv, struct ctx *ctx)
{
	int use_syslog = 0, rotate_secret = 0, rc, sig;
	const struct opt opts[] = {
		OPT_FLAG("rotate-secret", 0, &rotate_secret,
			 "make a new token secret and exit"),
		OPT_FLAG("syslog", 0, &use_syslog,
			 "log to syslog (facility daemon) instead of stderr"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--syslog] [--rotate-secret]", opts, 15,
				       serve_text };
	struct web_server_opts o = { 0 };
	struct web_server *srv;
	struct web_site *site;
	struct prompt *prompt = NULL;
	struct web_hooks hooks = { hook_confirm, hook_queued, &prompt };
	struct conf *mailing;
	const char *db = ctx->db_path ? ctx->db_path : ctx->cfg.store_path;
	struct err e = ERR_INIT;
	sigset_t sigs;
	char where[80];

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (rotate_secret)
		return rotate(ctx);
	if (use_syslog)
		log_use_syslog("feedmail");
	else
		log_use_journal_levels();
	site = site_new(ctx, &ctx->cfg, &e);
	if (!site) {
		log_error("serve: %s", e.msg);
		return err_exit_status(&e);
	}
	o.listen_fd = activated_socket();
	if (o.listen_fd < 0 &&
	    netspec_parse_listen(ctx->cfg.web_listen, &o.listen, &o.listen_len,
				 &e) < 0) {
		log_error("serve: [web] listen '%s' %s", ctx->cfg.web_listen,
			  e.msg);
		web_site_free(site);
		return EX_CONFIG;
	}
	o.timeout = ctx->cfg.web_timeout;
	o.threads = SERVE_THREADS;
	o.max_connections = SERVE_MAX_CONNECTIONS;
	/* per peer, but for the trusted proxies: every connection through
	 * one is the proxy's, whose own limits (etc/nginx-feedmail.conf)
	 * count per client */
	o.max_per_address = SERVE_MAX_PER_ADDRESS;
	/* blocked before the server's threads start, which inherit it:
	 * only sigwait() below takes them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* the thread that carries the confirmations, before the requests
	 * that queue them */
	mailing = conf_copy(ctx, &e);
	if (!mailing || !(prompt = prompt_start(ctx->store, db, mailing, &e))) {
		log_error("serve: %s", e.msg);
		web_site_free(site);
		return err_exit_status(&e);
	}
	o.hooks = &hooks;
	srv = web_server_start(&o, site, ctx->store, &e);
	if (!srv) {
		log_error("serve: %s", e.msg);
		prompt_stop(prompt);
		return err_exit_status(&e);
	}
	if (o.listen_fd >= 0)
		snprintf(where, sizeof(where), "the socket systemd passed");
	else
		snprintf(where, sizeof(where), "%s", ctx->cfg.web_listen);
	log_info("serve: listening on %s for %s (pid %ld)", where,
		 ctx->cfg.web_base_url, (long)getpid());
	sigdelset(&sigs, SIGPIPE);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(ctx, srv, prompt);
			continue;
		}
		break;
	}
	log_info("serve: stopping (%s): finishing the requests under way",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_server_stop(srv);
	prompt_stop(prompt);
	log_info("serve: stopped");
	return 0;
}
