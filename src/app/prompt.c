/* prompt: serve's own courier for the confirmations it queues
 * (prompt.h). */
#include "config.h"

#include "app/prompt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "mail/courier.h"

struct prompt {
	struct store *store;
	char *location;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct conf *cfg;  /* the thread's */
	struct conf *next; /* taken at the next pass, under lock */
	int kicked;        /* under lock */
	atomic_int stop;
};

static void
conf_free(struct conf *cfg)
{
	if (!cfg)
		return;
	conf_release(cfg);
	free(cfg);
}

/* One pass: 0 done (or failed, logged), 1 when another process holds
 * the run lock. */
static int
pass(struct prompt *p)
{
	struct store_lock *lock;
	struct store *conn = NULL;
	struct courier c;
	struct err e = ERR_INIT;

	lock = store_lock_run(p->location, "serve", 0, clock_now(), &e);
	if (!lock) {
		if (e.code == EX_TEMPFAIL)
			return 1;
		log_error("serve: confirmations: %s", e.msg);
		return 0;
	}
	courier_init(&c);
	conn = store_open_another(p->store, &e);
	if (!conn) {
		log_error("serve: confirmations: %s", e.msg);
		goto out;
	}
	c.store = conn;
	c.cfg = p->cfg;
	c.now = clock_now();
	c.box = STORE_OUTBOX_CONFIRMS;
	c.stop = &p->stop;
	if (courier_run(&c, &e) < 0)
		log_error("serve: confirmations: %s", e.msg);
	else if (c.counts.transport_code)
		log_warn("serve: confirmations held: %s",
			 c.counts.transport_error);
	else if (c.counts.sent || c.counts.retry || c.counts.failed)
		log_debug("serve: confirmations: %zu sent, %zu to retry, %zu "
			  "failed",
			  c.counts.sent, c.counts.retry, c.counts.failed);
out:
	courier_release(&c);
	store_close(conn);
	store_unlock_run(lock);
	return 0;
}

static void *
run(void *arg)
{
	struct prompt *p = arg;
	struct timespec until;
	int busy = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (busy) {
			/* the lock was held: again later, or at a kick */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += PROMPT_RETRY;
			while (!p->kicked && !atomic_load(&p->stop))
				if (pthread_cond_timedwait(&p->wake, &p->lock,
							   &until) == ETIMEDOUT)
					break;
			p->kicked = 1;
		}
		while (!p->kicked && !atomic_load(&p->stop))
			pthread_cond_wait(&p->wake, &p->lock);
		if (atomic_load(&p->stop))
			break;
		p->kicked = 0;
		if (p->next) {
			conf_free(p->cfg);
			p->cfg = p->next;
			p->next = NULL;
		}
		pthread_mutex_unlock(&p->lock);
		busy = pass(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct prompt *
prompt_start(struct store *store, const char *location, struct conf *cfg,
	     struct err *e)
{
	struct prompt *p = calloc(1, sizeof(*p));

	if (!p || !(p->location = strdup(location))) {
		free(p);
		conf_free(cfg);
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	p->store = store;
	p->cfg = cfg;
	atomic_init(&p->stop, 0);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, run, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		conf_free(p->cfg);
		free(p->location);
		free(p);
		err_set(e, EX_OSERR, "cannot start a thread");
		return NULL;
	}
	return p;
}

void
prompt_set_conf(struct prompt *p, struct conf *cfg)
{
	struct conf *old;

	pthread_mutex_lock(&p->lock);
	old = p->next;
	p->next = cfg;
	pthread_mutex_unlock(&p->lock);
	conf_free(old);
}

void
prompt_kick(struct prompt *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->kicked = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void
prompt_stop(struct prompt *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->stop, 1);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	conf_free(p->cfg);
	conf_free(p->next);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->location);
	free(p);
}
