/*
 * feedmail daemon: `run` as things fall due, in one long-lived process.
 *
 * Each cycle takes the store's lock, opens the store, does what `run` does
 * (app/run.h: due feeds, due digests, the admin's reports), works out
 * when something is next due (run_next_due), closes the store and drops the lock; then
 * the process sleeps until then, so that `add`, `subscriber add` or a cron
 * `run` work meanwhile. The next due time is the earliest of: a feed's next
 * fetch, a pending digest's or report's next attempt, [fetch] lead_time
 * before a subscriber's next schedule slot (that cycle fetches the feeds
 * the slot needs: lead.h) and then the slot itself, the health report's
 * next slot; at most DAEMON_MAX_SLEEP
 * ahead, so feeds and subscribers added meanwhile (whose times are not
 * known to the sleeping process) wait at most that long. Times are in
 * clock_now()'s seconds, turned into real time by clock_real_span(), so a
 * test clock running fast (FEEDMAIL_CLOCK_SPEED) wakes the daemon fast.
 *
 * Wake-ups: on a store that can tell (PostgreSQL, store.h), the daemon
 * keeps one connection of its own listening while it sleeps (made in the
 * first cycle, before its pass, so that nothing committed after the pass
 * read the store goes unseen), and the sleep also ends when that
 * connection says another process added a feed or a subscriber, changed
 * a schedule or queued mail: then the next cycle runs at once. On SQLite
 * the daemon sleeps until the next due time, as above.
 *
 * Signals: SIGTERM and SIGINT set a flag that the fetch and send code
 * checks before starting the next transfer or message (the ones under way
 * finish and are recorded) and that ends the sleep; the daemon then exits
 * 0. SIGHUP reloads the config file (a broken one is logged with its
 * FILE:LINE and the previous one kept) and starts a cycle at once. The
 * handlers only set flags; signals are blocked outside pselect() while the
 * daemon decides to sleep, so none is lost between the check and the
 * sleep.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "app/run.h"
#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "store/store.h"

/* The longest sleep, in clock seconds: what is added to the store by
 * other processes is seen at least this often. */
#define DAEMON_MAX_SLEEP 3600
/* After a cycle that could not run (store, config), in clock seconds. */
#define DAEMON_RETRY 60
/* Between tries of a lock another process holds, in real milliseconds. */
#define DAEMON_LOCK_PAUSE_MS 500

static const char daemon_text[] =
	"\nFetches each feed when it is due, and [fetch] lead_time before a\n"
	"digest slot the feeds it needs, and sends each digest at its\n"
	"subscriber's slot, as `feedmail run` would, sleeping in between\n"
	"without holding the store's lock (on PostgreSQL, a feed or\n"
	"subscriber added by another process wakes it at once). SIGTERM or\n"
	"SIGINT: finish the transfer or message under way and exit 0.\n"
	"SIGHUP: reload the config (a broken one is reported and the old one\n"
	"kept) and look for work at once. Logs go to stderr (-v for each\n"
	"cycle, -vv for debugging) or, with --syslog, to syslog.\n";

static atomic_int stop_signal; /* the signal that said stop */
static volatile sig_atomic_t reload_asked;

/* The listening connection (see the top), kept between cycles. */
struct waker {
	struct store *store; /* NULL: none (yet) */
	char *location;      /* the store it listens to */
	int fd;              /* readable when work may have come */
	int cannot;          /* that store cannot wake anyone: no retry */
};

static void
on_stop(int sig)
{
	stop_signal = sig;
}

static void
on_hangup(int sig)
{
	(void)sig;
	reload_asked = 1;
}

/* SA_RESTART: a signal during a cycle must not fail the transfer, the
 * SMTP session or the SQLite call it interrupts; pselect() is never
 * restarted, so the sleep still ends. */
static int
install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = on_hangup;
	return sigaction(SIGHUP, &sa, NULL);
}

static int
signalled(void)
{
	return stop_signal || reload_asked;
}

/* Sleeps for span (real time) unless a signal comes first or came
 * already, or fd (when not -1) becomes readable. */
static void
nap(const struct timespec *span, int fd)
{
	sigset_t block, old;
	fd_set in;

	FD_ZERO(&in);
	if (fd >= 0 && fd < FD_SETSIZE)
		FD_SET(fd, &in);
	else
		fd = -1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!signalled())
		pselect(fd + 1, fd >= 0 ? &in : NULL, NULL, NULL, span, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
waker_drop(struct waker *w)
{
	store_close(w->store);
	w->store = NULL;
	w->fd = -1;
}

/* Makes w listen to the store at db (s, open), unless it does already or
 * that store cannot wake anyone; then reads what came, so that what the
 * coming pass sees does not wake the daemon again. A listener that
 * cannot be had is logged: the daemon then sleeps by the clock alone
 * until a later cycle makes one. */
static void
waker_ready(struct waker *w, struct store *s, const char *db)
{
	struct err e = ERR_INIT;
	int fd = -1;

	if (w->location && strcmp(w->location, db)) {
		waker_drop(w);
		w->cannot = 0;
		free(w->location);
		w->location = NULL;
	}
	if (!w->location && !(w->location = strdup(db)))
		return;
	if (w->store) {
		int n = store_wake_drain(w->store, &e);

		if (n > 0)
			log_debug("woken: another process gave work");
		if (n >= 0)
			return;
		log_warn("daemon: %s; listening again", e.msg);
		waker_drop(w);
		e = (struct err)ERR_INIT;
	}
	/* the cycle's own handle tells whether its backend can wake
	 * anyone; what it hears dies with it at the end of the cycle */
	if (w->cannot || store_wake_listen(s, &fd, &e) < 0 || fd < 0) {
		w->cannot = w->cannot || (!e.code && fd < 0);
		if (e.code)
			log_warn("daemon: %s", e.msg);
		return;
	}
	if (!(w->store = store_open_another(s, &e)) ||
	    store_wake_listen(w->store, &w->fd, &e) < 0) {
		log_warn("daemon: %s", e.msg);
		waker_drop(w);
	}
}

/* Reads the config again; the old one stays when the new one is bad. */
static void
reload(struct ctx *ctx)
{
	struct conf fresh;
	struct err e = ERR_INIT;

	conf_init(&fresh);
	if (cmd_load_config(ctx->config_path, &fresh, &e) < 0) {
		log_error("reload: %s; keeping the previous configuration",
			  e.msg);
		conf_release(&fresh);
		return;
	}
	conf_release(&ctx->cfg);
	ctx->cfg = fresh;
	log_info("reloaded the configuration%s%s", fresh.path ? " from " : "",
		 fresh.path ? fresh.path : "");
}

/* Takes the lock, waiting as long as another process holds it (but no
 * longer than a signal allows). NULL with e when it cannot be had. */
static struct store_lock *
take_lock(const char *db, struct err *e)
{
	struct timespec pause = { 0, DAEMON_LOCK_PAUSE_MS * 1000000L };
	struct store_lock *l;
	int said = 0;

	while (!(l = store_lock_run(db, "daemon", 0, clock_now(), e))) {
		if (e->code != EX_TEMPFAIL || stop_signal)
			return NULL;
		if (!said++)
			log_info("waiting: %s", e->msg);
		nap(&pause, -1);
	}
	return l;
}

/* in with its line breaks as "; ", cut to fit out. */
static void
one_line(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 3 < size; in++) {
		if (*in == '\n') {
			out[o++] = ';';
			out[o++] = ' ';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* One cycle. Returns the clock time of the next one. *fatal is set to an
 * exit status when the lock or the store could not be had (a pass that
 * fails is only logged: it is tried again DAEMON_RETRY later). */
static int64_t
cycle(struct ctx *ctx, struct waker *w, int *fatal)
{
	const char *db = ctx->db_path ? ctx->db_path :
					conf_store_location(&ctx->cfg);
	struct run_counts c;
	struct store_lock *lock;
	struct err e = ERR_INIT;
	char summary[2048], line[2100];
	int64_t next;

	*fatal = 0;
	lock = take_lock(db, &e);
	if (!lock) {
		if (stop_signal)
			return clock_now();
		log_error("%s", e.msg);
		*fatal = err_exit_status(&e);
		/* a listener whose server went away stays readable: the
		 * retry waits by the clock */
		waker_drop(w);
		return clock_now() + DAEMON_RETRY;
	}
	ctx->store = store_open(db, &e);
	if (!ctx->store) {
		log_error("%s", e.msg);
		store_unlock_run(lock);
		*fatal = err_exit_status(&e);
		waker_drop(w);
		return clock_now() + DAEMON_RETRY;
	}
	waker_ready(w, ctx->store, db);
	run_pass(ctx->store, &ctx->cfg, &stop_signal, &c);
	if (c.ran) {
		run_summary(&c, summary, sizeof(summary));
		one_line(summary, line, sizeof(line));
		log_info("%s", line);
	}
	next = run_next_due(ctx->store, &ctx->cfg, clock_now(),
			    DAEMON_MAX_SLEEP);
	/* a pass that failed as a whole (its errors are logged) would fail
	 * again at once: wait a little */
	if (!c.ran && next < clock_now() + DAEMON_RETRY)
		next = clock_now() + DAEMON_RETRY;
	store_close(ctx->store);
	ctx->store = NULL;
	store_unlock_run(lock);
	return next;
}

int
cmd_daemon(int argc, char **argv, struct ctx *ctx)
{
	int use_syslog = 0, foreground = 0, fatal, first = 1, rc;
	/* --foreground is the only mode: systemd and the like supervise it */
	const struct opt opts[] = {
		OPT_FLAG("syslog", 0, &use_syslog,
			 "log to syslog (facility daemon) instead of stderr"),
		OPT_FLAG("foreground", 0, &foreground,
			 "stay in the foreground (the default and only mode)"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--syslog] [--foreground]", opts, 12,
				       daemon_text };
	struct waker w = { NULL, NULL, -1, 0 };
	struct timespec span;
	int64_t next, now;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (use_syslog)
		log_use_syslog("feedmail");
	else
		log_use_journal_levels();
	if (install_handlers() < 0) {
		log_error("daemon: cannot set signal handlers: %s",
			  strerror(errno));
		return EX_OSERR;
	}
	log_info("daemon started (pid %ld)", (long)getpid());
	while (!stop_signal) {
		if (reload_asked) {
			reload_asked = 0;
			reload(ctx);
		}
		next = cycle(ctx, &w, &fatal);
		/* a store that cannot be opened at start is a setup error */
		if (fatal && first) {
			waker_drop(&w);
			free(w.location);
			return fatal;
		}
		first = 0;
		now = clock_now();
		/* one second past the due time: the clock's second has
		 * begun for sure */
		clock_real_span(next > now ? next - now + 1 : 1, &span);
		log_debug("next cycle in %lld s (clock)",
			  (long long)(next > now ? next - now + 1 : 1));
		nap(&span, w.fd);
	}
	waker_drop(&w);
	free(w.location);
	log_info("daemon stopping (%s)",
		 stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
