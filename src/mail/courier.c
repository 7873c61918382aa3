#include "config.h"

#include "mail/courier.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "mail/deliver.h"
#include "mail/quota.h"
#include "store/store.h"

/*
 * Without PIPELINING (aiosmtpd offers none) the server parses each message
 * while the sender waits for its reply, and the sender composes while the
 * server idles: in one thread the two take turns. So a digest run's
 * builder commits digests while the courier, in a thread of its own,
 * delivers what is pending. The outbox is the queue between them: the
 * courier reads the pending messages from the store, a batch at a time in
 * id order, waiting for the builder until a batch is full or the building
 * is over. Nothing leaves before it is committed, every mark is written
 * right after the server's reply, memory holds one batch, and a message
 * built faster than it can be sent waits on disk.
 */

/* Claims at most max more of the messages due (next attempt at or before
 * due), oldest first, into ids: *n of them. With c->only, that message
 * alone, once. */
static int
claim(struct courier *c, int64_t due, int64_t *ids, size_t max, size_t *n,
      struct err *e)
{
	*n = 0;
	if (c->only) {
		if (!c->claimed && max) {
			ids[(*n)++] = c->only;
			c->claimed = 1;
		}
		return 0;
	}
	/* leased for [store] lease seconds from now (store.h, "Claims"):
	 * long enough to deliver one batch */
	return store_outbox_claim(c->store, c->box, c->now, due,
				  clock_now() + c->cfg->lease, ids, max, n, e);
}

/* Seconds until the next attempt after outcome. A digest's temporary
 * failures back off: 5 minutes, doubling, at most a day; a transport
 * down is tried again in 5 minutes. The admin's mail, one a week or so,
 * is tried again an hour later. */
static int64_t
wait_after(const struct store_message *p, enum store_digest_outcome outcome)
{
	int64_t delay = 300;
	int attempts = p->attempts;

	if (outcome != STORE_DIGEST_RETRY && outcome != STORE_DIGEST_HELD)
		return 0;
	/* a confirmation has someone waiting for it, as a digest has */
	if (!p->subscriber_id && strcmp(p->kind, "confirm"))
		return COURIER_REPORT_RETRY;
	if (outcome == STORE_DIGEST_HELD)
		attempts = 0;
	while (attempts-- > 0 && delay < 24 * 3600)
		delay *= 2;
	return delay < 24 * 3600 ? delay : 24 * 3600;
}

/* Logs what became of p, when that is worth a line: a digest sent is
 * counted, one held is said once by the run; the admin's mail is one of
 * a kind, each said. */
static void
log_outcome(const struct store_message *p, enum store_digest_outcome outcome,
	    const char *reply)
{
	if (p->subscriber_id) {
		if (outcome == STORE_DIGEST_RETRY)
			log_warn("send to '%s': %s; will retry", p->email,
				 reply);
		else if (outcome == STORE_DIGEST_FAILED)
			log_error("send to '%s' failed: %s", p->email, reply);
	} else if (!strcmp(p->kind, "confirm")) {
		if (outcome == STORE_DIGEST_SENT)
			log_info("confirmation sent to '%s'", p->email);
		else
			log_warn("confirmation to '%s': %s%s", p->email, reply,
				 outcome == STORE_DIGEST_FAILED ?
					 "" :
					 "; will retry");
	} else if (outcome == STORE_DIGEST_SENT) {
		log_info("%s report %s sent to '%s'", p->kind,
			 p->slot ? p->slot : "", p->email);
	} else if (outcome == STORE_DIGEST_FAILED) {
		log_error("%s report to '%s' failed: %s", p->kind, p->email,
			  reply);
	} else {
		log_warn("%s report to '%s': %s; will retry", p->kind, p->email,
			 reply);
	}
}

/* ---- the courier */

void
courier_init(struct courier *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
}

void
courier_release(struct courier *c)
{
	if (!c)
		return;
	pthread_cond_destroy(&c->more);
	pthread_mutex_destroy(&c->lock);
}

enum store_digest_outcome
courier_outcome(const struct deliver_result *r, int attempts,
		char reply[COURIER_REPLY_SIZE])
{
	/* "451 4.3.0 try again later": the code first, as servers say it */
	if (r->code > 0)
		snprintf(reply, COURIER_REPLY_SIZE, "%d %s", r->code, r->reply);
	else
		snprintf(reply, COURIER_REPLY_SIZE, "%s", r->reply);
	switch (r->status) {
	case DELIVER_OK:
		return STORE_DIGEST_SENT;
	case DELIVER_TEMPFAIL:
		/* the server down is nobody's attempt */
		if (r->transport)
			return STORE_DIGEST_HELD;
		return attempts + 1 < COURIER_MAX_ATTEMPTS ?
			       STORE_DIGEST_RETRY :
			       STORE_DIGEST_FAILED;
	default:
		return STORE_DIGEST_FAILED;
	}
}

/* Why still_wanted keeps a message back, and the reply it is marked
 * failed with. */
static const char unsubscribed_reply[] = "unsubscribed";
/* Why it keeps back one no longer ours: not marked at all, another
 * worker has it (or will, once the lease ends). */
static const char not_ours_reply[] = "leased by another worker";

/* One batch: the messages queued on the transport, for done(). */
struct batch {
	struct courier *c;
	struct store_message items[COURIER_BATCH];
	const char *rcpts[COURIER_BATCH];
	size_t n;
	int failed; /* the store failed in done(): not the transport */
};

static void
count(struct courier *c, enum store_digest_outcome outcome, const char *reply)
{
	struct courier_counts *k = &c->counts;

	if (outcome == STORE_DIGEST_SENT) {
		k->sent++;
	} else if (outcome == STORE_DIGEST_HELD) {
		k->held++;
		if (!k->transport_error[0])
			snprintf(k->transport_error, sizeof(k->transport_error),
				 "%s", reply);
	} else if (outcome == STORE_DIGEST_RETRY) {
		k->retry++;
	} else {
		k->failed++;
	}
}

static int
on_delivered(void *arg, size_t index, const struct deliver_message *m,
	     const struct deliver_result *results, struct err *e)
{
	struct batch *b = arg;
	struct courier *c = b->c;
	const struct store_message *p = &b->items[index];
	enum store_digest_outcome outcome;
	char reply[COURIER_REPLY_SIZE];
	/* when it left, not when the run began: the quota's windows slide
	 * over these times */
	int64_t wait, at = clock_now();

	(void)m;
	if (results[0].status == DELIVER_PERMFAIL && !results[0].code &&
	    !strcmp(results[0].reply, not_ours_reply)) {
		log_info("message %lld to '%s' not sent: %s", (long long)p->id,
			 p->email ? p->email : "", not_ours_reply);
		return 0;
	}
	outcome = courier_outcome(&results[0], p->attempts, reply);
	if (c->final && outcome != STORE_DIGEST_SENT)
		outcome = STORE_DIGEST_FAILED;
	/* kept back by still_wanted: dropped as the store drops the
	 * pending ones of who unsubscribes, no failure of the run's */
	if (results[0].status == DELIVER_PERMFAIL && !results[0].code &&
	    !strcmp(results[0].reply, unsubscribed_reply)) {
		log_info("message %lld to '%s' not sent: unsubscribed",
			 (long long)p->id, p->email ? p->email : "");
	} else {
		count(c, outcome, reply);
		log_outcome(p, outcome, reply);
	}
	wait = wait_after(p, outcome);
	if (store_outbox_mark(c->store, p->id, outcome, reply, at,
			      wait ? at + wait : 0, e) < 0) {
		b->failed = 1;
		return -1;
	}
	if (c->heard)
		c->heard(c->heard_arg, p->id, &results[0]);
	return 0;
}

/* A message the transport would not even queue (EX_DATAERR: an address
 * it cannot carry): that one fails alone, with the reason why. 0, or -1
 * with e. */
static int
refused(struct courier *c, const struct store_message *p, const struct err *why,
	struct err *e)
{
	struct deliver_result r = { DELIVER_PERMFAIL, 0, 0, "" };

	c->counts.failed++;
	log_outcome(p, STORE_DIGEST_FAILED, why->msg);
	if (store_outbox_mark(c->store, p->id, STORE_DIGEST_FAILED, why->msg,
			      c->now, 0, e) < 0)
		return -1;
	if (c->heard) {
		snprintf(r.reply, sizeof(r.reply), "%.*s",
			 (int)sizeof(r.reply) - 1, why->msg);
		c->heard(c->heard_arg, p->id, &r);
	}
	return 0;
}

/* Whether p goes to a subscriber who unsubscribed after it was claimed
 * (serve's one-click POST, say: their pending digests were dropped then,
 * but this one was in hand). Then it is marked failed as those were, and
 * not sent: *gone 1. 0, or -1 with e when the store fails. */
static int
unsubscribed(struct courier *c, const struct store_message *p, int *gone,
	     struct err *e)
{
	struct store_subscriber sub;
	int rc;

	*gone = 0;
	if (!p->subscriber_id)
		return 0;
	rc = store_subscriber_by_id(c->store, p->subscriber_id, &sub, e);
	if (rc < 0) {
		/* removed meanwhile: the store dropped its mail too */
		if (e->code != EX_DATAERR)
			return -1;
		*e = (struct err)ERR_INIT;
		*gone = 1;
	} else {
		*gone = sub.unsubscribed_at != 0;
		store_subscriber_release(&sub);
	}
	if (!*gone)
		return 0;
	log_info("message %lld to '%s' not sent: unsubscribed",
		 (long long)p->id, p->email ? p->email : "");
	return store_outbox_mark(c->store, p->id, STORE_DIGEST_FAILED,
				 "unsubscribed", c->now, 0, e);
}

/* Renews p's lease for another [store] lease and says whether p is still
 * this courier's: 1, 0 when another worker claimed it since (it must not
 * be sent), or -1 with e. A message named by c->only was never claimed:
 * it is ours. */
static int
keep(struct courier *c, const struct store_message *p, struct err *e)
{
	int64_t now = clock_now();
	int ours;

	if (c->only)
		return 1;
	if (store_outbox_keep(c->store, p->id, now, now + c->cfg->lease, &ours,
			      e) < 0)
		return -1;
	return ours;
}

/* deliver_message's cancel: the last look before a digest's DATA, so
 * that nothing goes to a subscriber after their unsubscription was
 * answered but a message already on its way. Its mark is on_delivered's
 * (failed, "unsubscribed", as the store marks the ones it drops). */
static const char *
still_wanted(void *arg, size_t index)
{
	struct batch *b = arg;
	const struct store_message *p = &b->items[index];
	struct store_subscriber sub;
	struct err e = ERR_INIT;
	int gone, ours;

	/* its lease renewed first: a slow relay holding the messages before
	 * it must not let another worker claim this one and send it too;
	 * a store that fails: kept back, pending, for whoever claims it
	 * once the lease ends */
	ours = keep(b->c, p, &e);
	if (ours <= 0) {
		if (ours < 0)
			log_warn("message %lld kept back: %s", (long long)p->id,
				 e.msg);
		return not_ours_reply;
	}
	if (!p->subscriber_id)
		return NULL;
	if (store_subscriber_by_id(b->c->store, p->subscriber_id, &sub, &e) < 0)
		/* removed: its mail was dropped with it; a store that
		 * fails: send, as before this look */
		return e.code == EX_DATAERR ? unsubscribed_reply : NULL;
	gone = sub.unsubscribed_at != 0;
	store_subscriber_release(&sub);
	return gone ? unsubscribed_reply : NULL;
}

static void
batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		store_message_release(&b->items[i]);
	b->n = 0;
}

static int
flush_batch(struct deliver *dv, struct batch *b, struct err *e)
{
	int rc = 0;

	b->failed = 0;
	if (b->n && deliver_flush(dv, on_delivered, b, e) < 0)
		rc = -1;
	batch_release(b);
	return rc;
}

static int
stopping(const struct courier *c)
{
	return c->stop && *c->stop;
}

/* Claims up to a batch of the messages due into ids; none once the
 * builder has failed. While a builder goes on, waits until a whole batch
 * is there: one session per COURIER_BATCH messages, as when everything
 * was built first. */
static int
next_batch(struct courier *c, size_t max, int64_t *ids, size_t *n,
	   struct err *e)
{
	int64_t due = c->all_pending ? INT64_MAX : c->now;
	size_t seen, got;
	int built, abandon;

	*n = 0;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		seen = c->committed;
		built = !c->building || c->built;
		abandon = c->abandon;
		pthread_mutex_unlock(&c->lock);
		if (abandon) {
			*n = 0;
			return 0;
		}
		if (claim(c, due, ids + *n, max - *n, &got, e) < 0)
			return -1;
		*n += got;
		if (*n == max || built)
			return 0;
		/* for the rest of a batch, counted from seen: the query may
		 * have found some committed since, which only makes the wait
		 * longer, never past the end of the building */
		pthread_mutex_lock(&c->lock);
		while (!c->built && c->committed - seen < max - *n)
			pthread_cond_wait(&c->more, &c->lock);
		pthread_mutex_unlock(&c->lock);
	}
}

/* How many of the next batch the quota lets leave into *max: 0 once it
 * is reached, the rest then counted in c->counts.quota (after the
 * builder is done: they stay pending, untouched). */
static int
quota_room(struct courier *c, size_t *max, struct err *e)
{
	struct quota q;
	int64_t n, now = clock_now();

	*max = COURIER_BATCH;
	if (c->only)
		return 0;
	if (quota_check(c->store, c->cfg, now, &q, e) < 0)
		return -1;
	if (q.room > 0) {
		if (q.room < COURIER_BATCH)
			*max = (size_t)q.room;
		return 0;
	}
	*max = 0;
	pthread_mutex_lock(&c->lock);
	while (c->building && !c->built)
		pthread_cond_wait(&c->more, &c->lock);
	pthread_mutex_unlock(&c->lock);
	if (store_outbox_due_count(c->store, c->box,
				   c->all_pending ? INT64_MAX : c->now, &n,
				   e) < 0)
		return -1;
	c->counts.quota = (size_t)n;
	c->counts.quota_until = q.reopen;
	c->counts.quota_key = q.key;
	c->counts.quota_limit = q.limit;
	if (n)
		log_info("[smtp] %s = %d reached: %lld message%s held back "
			 "for %lld s",
			 q.key, q.limit, (long long)n, n == 1 ? "" : "s",
			 (long long)(q.reopen - now));
	return 0;
}

int
courier_run(struct courier *c, struct err *e)
{
	struct deliver *dv = NULL;
	struct batch *b = NULL;
	int64_t ids[COURIER_BATCH];
	size_t n, i, max;
	int rc = -1;

	b = calloc(1, sizeof(*b));
	if (!b) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	b->c = c;
	for (;;) {
		if (quota_room(c, &max, e) < 0)
			goto out;
		if (!max)
			break;
		if (next_batch(c, max, ids, &n, e) < 0)
			goto out;
		if (!n || stopping(c))
			break;
		/* connects lazily: nothing pending, no session */
		if (!dv && !(dv = deliver_open(c->cfg, e)))
			goto out;
		for (i = 0; i < n && !stopping(c); i++) {
			struct store_message *p = &b->items[b->n];
			struct deliver_message m = { 0 };
			struct err why;
			int gone;

			memset(p, 0, sizeof(*p));
			if (store_outbox_get(c->store, ids[i], p, e) < 0)
				goto out;
			if (unsubscribed(c, p, &gone, e) < 0)
				goto out;
			if (!gone) {
				int ours = keep(c, p, e);

				if (ours < 0)
					goto out;
				if (!ours)
					log_info("message %lld to '%s' not "
						 "sent: %s",
						 (long long)p->id,
						 p->email ? p->email : "",
						 not_ours_reply);
				gone = !ours;
			}
			if (gone) {
				store_message_release(p);
				continue;
			}
			b->rcpts[b->n] = p->email;
			b->n++;
			m.data = p->message;
			m.len = p->len;
			m.envelope_from = c->cfg->from_addr;
			m.rcpts = &b->rcpts[b->n - 1];
			m.nrcpts = 1;
			m.cancel = still_wanted;
			m.cancel_arg = b;
			if (deliver_queue(dv, &m, e) < 0) {
				if (e->code != EX_DATAERR)
					goto out;
				/* this message alone: its address, say */
				why = *e;
				if (refused(c, p, &why, e) < 0)
					goto out;
				store_message_release(p);
				b->n--;
				*e = (struct err)ERR_INIT;
			}
		}
		if (flush_batch(dv, b, e) < 0) {
			if (b->failed)
				goto out;
			/* the transport failed as a whole: what it held
			 * stays pending, and the rest waits for next time */
			c->counts.transport_code = e->code ? e->code :
							     EX_TEMPFAIL;
			snprintf(c->counts.transport_error,
				 sizeof(c->counts.transport_error), "%s",
				 e->msg);
			*e = (struct err)ERR_INIT;
			break;
		}
	}
	/* a 421 to everything, the session going on */
	if (c->counts.held && !c->counts.transport_code)
		c->counts.transport_code = EX_TEMPFAIL;
	rc = 0;
out:
	if (b)
		batch_release(b);
	if (dv && deliver_close(dv, rc < 0 ? NULL : e) < 0)
		rc = -1;
	free(b);
	return rc;
}

static void *
courier_main(void *arg)
{
	struct courier *c = arg;

	c->rc = courier_run(c, &c->err);
	return NULL;
}

int
courier_start(struct courier *c, struct err *e)
{
	sigset_t block, old;
	int rc;

	c->building = 1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&c->thread, NULL, courier_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		c->building = 0;
		return err_set(e, EX_OSERR, "cannot start a thread: %s",
			       strerror(rc));
	}
	c->threaded = 1;
	return 0;
}

void
courier_committed(struct courier *c)
{
	pthread_mutex_lock(&c->lock);
	c->committed++;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
}

void
courier_built(struct courier *c, int failed)
{
	pthread_mutex_lock(&c->lock);
	c->built = 1;
	c->abandon = failed;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
}

int
courier_join(struct courier *c, struct err *e)
{
	if (!c->threaded)
		return 0;
	pthread_join(c->thread, NULL);
	c->threaded = 0;
	if (c->rc < 0)
		*e = c->err;
	return c->rc;
}
