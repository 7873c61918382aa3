#include "config.h"

#include "mail/courier.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "mail/deliver.h"
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

/* One message of a batch, read from its box. */
struct courier_parcel {
	int64_t id;
	const char *rcpt;
	const char *message;
	size_t len;
	int attempts;
	struct store_digest digest;   /* COURIER_DIGESTS */
	struct store_report report;   /* COURIER_REPORTS */
};

/* What differs between the boxes. */
struct box {
	/* claims at most max more of the messages due (next attempt at or
	 * before due), oldest first, into ids: *n of them */
	int (*claim)(struct courier *c, int64_t due, int64_t *ids, size_t max,
		size_t *n, struct err *e);
	/* reads message id into p */
	int (*get)(struct courier *c, int64_t id, struct courier_parcel *p,
		struct err *e);
	void (*release)(struct courier_parcel *p);
	int (*mark)(struct store *s, int64_t id,
		enum store_digest_outcome outcome, const char *reply,
		int64_t now, int64_t next_attempt, struct err *e);
	/* seconds until the next attempt after outcome */
	int64_t (*wait)(enum store_digest_outcome outcome, int attempts);
	/* logs what became of p, when that is worth a line */
	void (*log)(const struct courier_parcel *p,
		enum store_digest_outcome outcome, const char *reply);
};

/* ---- digests */

/* A claimed digest is leased for longer than any run (store.h, "Claims"). */
#define COURIER_LEASE (24 * 3600)

static int
digest_claim(struct courier *c, int64_t due, int64_t *ids, size_t max,
	     size_t *n, struct err *e)
{
	return store_digest_claim(c->store, c->now, due, c->now + COURIER_LEASE,
				  ids, max, n, e);
}

static int
digest_get(struct courier *c, int64_t id, struct courier_parcel *p,
	   struct err *e)
{
	if (store_digest_get(c->store, id, &p->digest, e) < 0)
		return -1;
	p->id = id;
	p->rcpt = p->digest.email;
	p->message = p->digest.message;
	p->len = p->digest.len;
	p->attempts = p->digest.attempts;
	return 0;
}

static void
digest_release(struct courier_parcel *p)
{
	store_digest_release(&p->digest);
}

/* Temporary failures back off: 5 minutes, doubling, at most a day; a
 * transport down is tried again in 5 minutes. */
static int64_t
digest_wait(enum store_digest_outcome outcome, int attempts)
{
	int64_t delay = 300;

	if (outcome == STORE_DIGEST_HELD)
		attempts = 0;
	else if (outcome != STORE_DIGEST_RETRY)
		return 0;
	while (attempts-- > 0 && delay < 24 * 3600)
		delay *= 2;
	return delay < 24 * 3600 ? delay : 24 * 3600;
}

static void
digest_log(const struct courier_parcel *p, enum store_digest_outcome outcome,
	   const char *reply)
{
	/* sent: counted; held: the run says why, once */
	if (outcome == STORE_DIGEST_RETRY)
		log_warn("send to '%s': %s; will retry", p->rcpt, reply);
	else if (outcome == STORE_DIGEST_FAILED)
		log_error("send to '%s' failed: %s", p->rcpt, reply);
}

static const struct box digests = {
	digest_claim, digest_get, digest_release, store_digest_mark,
	digest_wait, digest_log,
};

/* ---- reports: at most a few pending at a time (one per kind and
 * slot), read in one go */

static int
report_claim(struct courier *c, int64_t due, int64_t *ids, size_t max,
	     size_t *n, struct err *e)
{
	if (!c->loaded) {
		if (store_report_pending(c->store, due, &c->reports,
					 &c->nreports, e) < 0)
			return -1;
		c->loaded = 1;
	}
	*n = 0;
	for (; c->claimed < c->nreports && *n < max; c->claimed++)
		if (!c->only || c->reports[c->claimed].id == c->only)
			ids[(*n)++] = c->reports[c->claimed].id;
	return 0;
}

static int
report_get(struct courier *c, int64_t id, struct courier_parcel *p,
	   struct err *e)
{
	size_t i;

	for (i = 0; i < c->nreports && c->reports[i].id != id; i++)
		;
	if (i == c->nreports)
		return err_set(e, EX_SOFTWARE, "report %lld is not pending",
			       (long long)id);
	/* moved into the parcel: the list keeps an empty one */
	p->report = c->reports[i];
	memset(&c->reports[i], 0, sizeof(c->reports[i]));
	c->reports[i].id = id;
	p->id = id;
	p->rcpt = p->report.rcpt;
	p->message = p->report.message;
	p->len = p->report.len;
	p->attempts = p->report.attempts;
	return 0;
}

static void
report_release(struct courier_parcel *p)
{
	store_report_release(&p->report);
}

static int64_t
report_wait(enum store_digest_outcome outcome, int attempts)
{
	(void)attempts;
	return outcome == STORE_DIGEST_RETRY || outcome == STORE_DIGEST_HELD ?
		       COURIER_REPORT_RETRY : 0;
}

static void
report_log(const struct courier_parcel *p, enum store_digest_outcome outcome,
	   const char *reply)
{
	const struct store_report *r = &p->report;

	if (outcome == STORE_DIGEST_SENT)
		log_info("%s report %s sent to '%s'", r->kind, r->slot,
			 r->rcpt);
	else if (outcome == STORE_DIGEST_FAILED)
		log_error("%s report to '%s' failed: %s", r->kind, r->rcpt,
			  reply);
	else
		log_warn("%s report to '%s': %s; will retry", r->kind,
			 r->rcpt, reply);
}

static const struct box reports = {
	report_claim, report_get, report_release, store_report_mark,
	report_wait, report_log,
};

static const struct box *
box_of(const struct courier *c)
{
	return c->box == COURIER_REPORTS ? &reports : &digests;
}

/* ---- the courier */

void
courier_init(struct courier *c, enum courier_box box)
{
	memset(c, 0, sizeof(*c));
	c->box = box;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
}

void
courier_release(struct courier *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nreports; i++)
		store_report_release(&c->reports[i]);
	free(c->reports);
	c->reports = NULL;
	c->nreports = 0;
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
			       STORE_DIGEST_RETRY : STORE_DIGEST_FAILED;
	default:
		return STORE_DIGEST_FAILED;
	}
}

/* One batch: the messages queued on the transport, for done(). */
struct batch {
	struct courier *c;
	struct courier_parcel items[COURIER_BATCH];
	const char *rcpts[COURIER_BATCH];
	size_t n;
};

static void
count(struct courier *c, enum store_digest_outcome outcome,
      const char *reply)
{
	struct courier_counts *k = &c->counts;

	if (outcome == STORE_DIGEST_SENT) {
		k->sent++;
	} else if (outcome == STORE_DIGEST_HELD) {
		k->held++;
		if (!k->transport_error[0])
			snprintf(k->transport_error,
				 sizeof(k->transport_error), "%s", reply);
	} else if (outcome == STORE_DIGEST_RETRY) {
		k->retry++;
	} else {
		k->failed++;
	}
}

static void
on_delivered(void *arg, size_t index, const struct deliver_message *m,
	     const struct deliver_result *results)
{
	struct batch *b = arg;
	struct courier *c = b->c;
	const struct box *box = box_of(c);
	const struct courier_parcel *p = &b->items[index];
	enum store_digest_outcome outcome;
	char reply[COURIER_REPLY_SIZE];
	int64_t wait;

	(void)m;
	if (c->fatal.code)
		return;
	outcome = courier_outcome(&results[0], p->attempts, reply);
	count(c, outcome, reply);
	box->log(p, outcome, reply);
	wait = box->wait(outcome, p->attempts);
	if (box->mark(c->store, p->id, outcome, reply, c->now,
		      wait ? c->now + wait : 0, &c->fatal) == 0 && c->heard)
		c->heard(c->heard_arg, p->id, &results[0]);
}

/* A message the transport would not even queue (EX_DATAERR: an address
 * it cannot carry): that one fails alone, with the reason. */
static int
refused(struct courier *c, const struct courier_parcel *p,
	const struct err *why)
{
	const struct box *box = box_of(c);
	struct deliver_result r = { DELIVER_PERMFAIL, 0, 0, "" };

	c->counts.failed++;
	box->log(p, STORE_DIGEST_FAILED, why->msg);
	if (box->mark(c->store, p->id, STORE_DIGEST_FAILED, why->msg, c->now,
		      0, &c->fatal) < 0)
		return -1;
	if (c->heard) {
		snprintf(r.reply, sizeof(r.reply), "%.*s",
			 (int)sizeof(r.reply) - 1, why->msg);
		c->heard(c->heard_arg, p->id, &r);
	}
	return 0;
}

static void
batch_release(struct courier *c, struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		box_of(c)->release(&b->items[i]);
	b->n = 0;
}

static int
flush_batch(struct courier *c, struct deliver *dv, struct batch *b,
	    struct err *e)
{
	int rc = 0;

	if (b->n && deliver_flush(dv, on_delivered, b, e) < 0)
		rc = -1;
	batch_release(c, b);
	if (c->fatal.code) {
		*e = c->fatal;
		return -1;
	}
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
next_batch(struct courier *c, int64_t *ids, size_t *n, struct err *e)
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
		if (box_of(c)->claim(c, due, ids + *n, COURIER_BATCH - *n, &got,
				     e) < 0)
			return -1;
		*n += got;
		if (*n == COURIER_BATCH || built)
			return 0;
		/* for the rest of a batch, counted from seen: the query may
		 * have found some committed since, which only makes the wait
		 * longer, never past the end of the building */
		pthread_mutex_lock(&c->lock);
		while (!c->built && c->committed - seen < COURIER_BATCH - *n)
			pthread_cond_wait(&c->more, &c->lock);
		pthread_mutex_unlock(&c->lock);
	}
}

int
courier_run(struct courier *c, struct err *e)
{
	const struct box *box = box_of(c);
	struct deliver *dv = NULL;
	struct batch *b = NULL;
	int64_t ids[COURIER_BATCH];
	size_t n, i;
	int rc = -1;

	b = calloc(1, sizeof(*b));
	if (!b) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	b->c = c;
	for (;;) {
		if (next_batch(c, ids, &n, e) < 0)
			goto out;
		if (!n || stopping(c))
			break;
		/* connects lazily: nothing pending, no session */
		if (!dv && !(dv = deliver_open(c->cfg, e)))
			goto out;
		for (i = 0; i < n && !stopping(c); i++) {
			struct courier_parcel *p = &b->items[b->n];
			struct deliver_message m = { 0 };

			memset(p, 0, sizeof(*p));
			if (box->get(c, ids[i], p, e) < 0)
				goto out;
			b->rcpts[b->n] = p->rcpt;
			b->n++;
			m.data = p->message;
			m.len = p->len;
			m.envelope_from = c->cfg->from_addr;
			m.rcpts = &b->rcpts[b->n - 1];
			m.nrcpts = 1;
			if (deliver_queue(dv, &m, e) < 0) {
				if (e->code != EX_DATAERR)
					goto out;
				/* this message alone: its address, say */
				if (refused(c, p, e) < 0) {
					*e = c->fatal;
					goto out;
				}
				box->release(p);
				b->n--;
				*e = (struct err)ERR_INIT;
			}
		}
		if (flush_batch(c, dv, b, e) < 0) {
			if (c->fatal.code)
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
		batch_release(c, b);
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
