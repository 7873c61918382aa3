#include "config.h"

#include "mail/send.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/random.h>

#include "lib/addr.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "mail/deliver.h"
#include "mail/digest.h"
#include "lib/log.h"
#include "mail/mime.h"
#include "lib/schedule.h"
#include "store/store.h"

/*
 * A run builds and delivers at the same time. Without PIPELINING (aiosmtpd
 * offers none) the server parses each message while the sender waits for
 * its reply, and the sender composes while the server idles: in one thread
 * the two take turns. So the main thread builds and records the digests
 * (the builder) while a thread of its own, with its own store connection,
 * delivers what is pending (the courier).
 *
 * The outbox is the queue between them: the builder commits each digest
 * as pending and counts it; the courier reads the pending digests from the
 * store, a batch (SEND_BATCH) at a time in id order, waiting for the
 * builder until a batch is full or the building is over. Nothing leaves
 * before it is committed, every mark is written right after the server's
 * reply as before, memory holds one digest being built and one batch, and
 * a digest built faster than it can be sent waits on disk, as when a run
 * built everything first.
 */
struct courier {
	struct store *store;    /* its own connection, or the builder's when
	                         * there is no thread (then it runs after) */
	const struct conf *cfg;
	const struct send_options *opts;
	struct send_report *report; /* sent, retry, failed: the builder only
	                         * counts built */
	int64_t now;
	struct err fatal;       /* the store failed */
	struct err err;         /* why delivering failed */
	int rc;
	/* shared with the builder, under lock */
	pthread_mutex_t lock;
	pthread_cond_t more;
	size_t committed;       /* digests the builder has committed */
	int built;              /* the builder is done: no more will come */
	int abandon;            /* the builder failed: start no new batch */
};

struct run {
	struct store *store;
	const struct conf *cfg;
	const struct send_options *opts;
	struct send_report *report;
	int64_t now;
	struct courier *courier; /* NULL for a dry run */
	struct digest_cache summaries; /* shared by every subscriber's digest */
	size_t failed;          /* digests that could not be built: added to
	                         * report->failed once the courier is done
	                         * (it counts its own there meanwhile) */
	struct send_composed composed; /* the digest being built, its buffers
	                         * reused from one subscriber to the next */
};

/* A page of subscribers, copied so that building their digests writes to
 * the store while no statement is reading it. */
struct subscribers {
	struct store_subscriber *items;
	size_t n;
};

static int
copy_subscriber(const struct store_subscriber *sub, void *arg)
{
	struct subscribers *list = arg;
	struct store_subscriber *grown;

	grown = realloc(list->items, (list->n + 1) * sizeof(*grown));
	if (!grown)
		return EX_OSERR;
	list->items = grown;
	if (store_subscriber_copy(&list->items[list->n], sub) < 0)
		return EX_OSERR;
	list->n++;
	return 0;
}

static void
subscribers_release(struct subscribers *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		store_subscriber_release(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* The domain of an address, for Message-IDs. */
static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "localhost";
}

void
send_composed_release(struct send_composed *c)
{
	if (!c)
		return;
	digest_release(&c->digest);
	buf_release(&c->text);
	buf_release(&c->html);
	buf_release(&c->message);
	buf_release(&c->raw);
	free(c->subject);
	free(c->message_id);
	memset(c, 0, sizeof(*c));
}

static void
composed_init(struct send_composed *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->text, BUF_MAX_DOC);
	buf_init(&c->html, BUF_MAX_DOC);
	buf_init(&c->message, BUF_MAX_DOC);
	buf_init(&c->raw, BUF_MAX_DOC);
}

/* Empties c for the next subscriber's digest, keeping its buffers' memory:
 * a run composes thousands of messages of about the same size. */
static void
composed_clear(struct send_composed *c)
{
	digest_release(&c->digest);
	free(c->subject);
	free(c->message_id);
	c->subject = c->message_id = NULL;
	buf_reset(&c->text);
	buf_reset(&c->html);
	buf_reset(&c->message);
	buf_reset(&c->raw);
}

/* A seed for a Message-ID: what it is, for whom, when, and 128 random
 * bits. */
static int
unique_seed(char *seed, size_t size, const char *what, int64_t sub_id,
	    int64_t now)
{
	unsigned char rnd[16];
	size_t got = 0;
	ssize_t n;
	int len, i;

	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	len = snprintf(seed, size, "%s-%lld-%lld-", what, (long long)sub_id,
		       (long long)now);
	for (i = 0; i < (int)sizeof(rnd) && len + 3 <= (int)size; i++)
		len += snprintf(seed + len, size - (size_t)len, "%02x",
				rnd[i]);
	return 0;
}

/* Renders c->digest, collected, into c's subject, parts and message. A
 * failure here belongs to this digest alone. */
static int
render(const struct conf *cfg, const struct store_subscriber *sub,
       int64_t now, struct send_composed *c, struct err *e)
{
	struct mime_message m = { 0 };
	char seed[128], mailto[300];

	if (digest_render(&c->digest, sub, cfg, cfg->from_addr, now,
			  &c->subject, &c->raw, &c->html, e) < 0)
		return -1;
	if (mime_wrap_text(&c->text, c->raw.data, MIME_WRAP_WIDTH) < 0)
		return err_set(e, EX_SOFTWARE, "digest for '%s' is too large",
			       sub->email);
	/* stored with the digest, so every retry carries the same
	 * Message-ID; unique even for two digests of the same subscriber,
	 * second and entries (one that failed and gave its entries back) */
	if (unique_seed(seed, sizeof(seed), "digest", sub->id, now) < 0)
		return err_set(e, EX_OSERR, "no random bytes: %s",
			       strerror(errno));
	c->message_id = mime_message_id(seed, domain_of(cfg->from_addr));
	if (!c->message_id)
		return err_set(e, EX_SOFTWARE, "cannot make a Message-ID "
			       "for '%s'", cfg->from_addr);
	snprintf(mailto, sizeof(mailto), "mailto:%s?subject=unsubscribe",
		 cfg->from_addr);
	m.from.name = cfg->from_name;
	m.from.addr = cfg->from_addr;
	m.to.name = sub->name;
	m.to.addr = sub->email;
	m.subject = c->subject;
	m.date = now;
	m.message_id = c->message_id;
	m.list_id = cfg->list_id;
	m.unsubscribe_mailto = mailto;
	m.unsubscribe_url = cfg->unsubscribe_url;
	m.entries = (long)c->digest.n;
	m.text = c->text.data;
	m.html = c->html.data;
	if (mime_render(&m, &c->message, e) < 0)
		return err_prefix(e, "digest for '%s'", sub->email);
	return 0;
}

int
send_compose(struct store *s, const struct conf *cfg,
	     const struct store_subscriber *sub, int64_t since, int64_t now,
	     struct digest_cache *cache, struct send_composed *c,
	     struct err *e)
{
	int rc = -1;

	composed_init(c);
	if (digest_collect(s, sub, since, cfg->summary_words, cache,
			   &c->digest, e) < 0)
		goto out;
	rc = c->digest.n ? render(cfg, sub, now, c, e) : 0;
out:
	if (rc < 0)
		send_composed_release(c);
	return rc;
}

int
send_schedule(const struct conf *cfg, const char *schedule,
	      const char *timezone, struct schedule *sch, struct err *e)
{
	if (schedule_parse(schedule ? schedule : "daily", cfg->time, sch,
			   e) < 0)
		return -1;
	sch->timezone = timezone ? timezone : cfg->timezone;
	return 0;
}

/* The key of sub's current schedule slot into key, and whether it is
 * theirs: a slot that began before they subscribed is not, the first
 * digest waits for their first slot. A schedule that cannot be read is
 * this subscriber's failure alone (*own set). */
static int
current_slot(struct run *run, const struct store_subscriber *sub,
	     char key[SCHEDULE_KEY_SIZE], int *theirs, int *own,
	     struct err *e)
{
	struct schedule sch;
	int64_t start;

	*theirs = 0;
	if (send_schedule(run->cfg, sub->schedule, sub->timezone, &sch,
			  e) < 0 ||
	    schedule_current_slot(&sch, run->now, &start, key, e) < 0) {
		*own = 1;
		return err_prefix(e, "subscriber '%s'", sub->email);
	}
	*theirs = start >= sub->created_at;
	return 0;
}

/* Records that sub's digest (for slot, or NULL) could not be built, and
 * why: a failed digest with no message, listed by `feedmail outbox`. */
static int
record_failure(struct run *run, const struct store_subscriber *sub,
	       const char *slot, const struct err *why, struct err *e)
{
	struct store_digest_new rec = { 0 };
	char seed[128];
	char *message_id;
	int64_t id;
	int rc;

	log_error("digest for '%s' failed: %s", sub->email, why->msg);
	run->failed++;
	if (unique_seed(seed, sizeof(seed), "failed", sub->id, run->now) < 0)
		return err_set(e, EX_OSERR, "no random bytes: %s",
			       strerror(errno));
	message_id = mime_message_id(seed, domain_of(run->cfg->from_addr));
	if (!message_id)
		return err_set(e, EX_OSERR, "out of memory");
	rec.subscriber_id = sub->id;
	rec.slot = slot;
	rec.message_id = message_id;
	rec.failure = why->msg;
	rec.now = run->now;
	rc = store_digest_add(run->store, &rec, &id, e);
	/* a digest failed already for this slot: once is enough */
	if (rc < 0 && e->code == EX_DATAERR)
		rc = 0;
	free(message_id);
	return rc;
}

/* Builds and records the digest of one subscriber, if anything is new
 * (and, for `run`, if its current schedule slot has none yet). A failure
 * that belongs to this digest alone (its schedule, its rendering, an
 * entry taken meanwhile) is recorded on it, and the run goes on: -1 only
 * when the store or the configuration fails. */
static int
build_one(struct run *run, const struct store_subscriber *sub, struct err *e)
{
	/* the key a failure is recorded under when the schedule itself
	 * cannot be read: one per subscriber, not one per run */
	char slot[SCHEDULE_KEY_SIZE] = "schedule-error";
	struct store_digest_new rec = { 0 };
	struct send_composed *c = &run->composed;
	struct err own_err = ERR_INIT;
	int theirs = 1, done = 0, own = 0, again = 1;
	int64_t id;
	int rc = -1;

	if (run->opts->scheduled) {
		if (current_slot(run, sub, slot, &theirs, &own, &own_err) < 0)
			goto out;
		if (!theirs)
			return 0;
		if (store_digest_has_slot(run->store, sub->id, slot, &done,
					  e) < 0)
			return -1;
		if (done)
			return 0;
	}
collect:
	if (digest_collect(run->store, sub, 0, run->cfg->summary_words,
			   &run->summaries, &c->digest, e) < 0)
		goto out;
	if (!c->digest.n) {
		rc = 0;
		goto out;
	}
	own = 1;
	if (render(run->cfg, sub, run->now, c, &own_err) < 0)
		goto out;
	if (run->opts->dry_run) {
		fprintf(run->opts->listing, "%s: %zu articles: %s\n", sub->email,
			c->digest.n, c->subject);
		rc = 0;
		goto out;
	}
	rec.subscriber_id = sub->id;
	rec.slot = run->opts->scheduled ? slot : NULL;
	rec.message_id = c->message_id;
	rec.message = c->message.data;
	rec.len = c->message.len;
	rec.entry_ids = c->digest.entry_ids;
	rec.nentries = c->digest.nentries;
	rec.now = run->now;
	/* its own transaction, short: the courier marks digests sent
	 * meanwhile, and would wait for a longer one holding the write lock
	 * while the server waits for it */
	if (store_digest_add(run->store, &rec, &id, &own_err) < 0) {
		/* an entry or slot taken meanwhile is this digest's; the
		 * store failing is everyone's */
		own = own_err.code == EX_DATAERR;
		if (!own)
			*e = own_err;
		/* an entry taken meanwhile (outbox retry or drop of a failed
		 * digest whose entries it gave back): collect once more */
		if (own && again) {
			again = 0;
			own = 0;
			own_err = (struct err)ERR_INIT;
			composed_clear(c);
			goto collect;
		}
		goto out;
	}
	run->report->built++;
	pthread_mutex_lock(&run->courier->lock);
	run->courier->committed++;
	pthread_cond_signal(&run->courier->more);
	pthread_mutex_unlock(&run->courier->lock);
	rc = 0;
out:
	composed_clear(c);
	if (rc < 0 && own) {
		if (run->opts->dry_run) {
			log_error("digest for '%s' failed: %s", sub->email,
				  own_err.msg);
			run->failed++;
			return 0;
		}
		return record_failure(run, sub, run->opts->scheduled ? slot :
				      NULL, &own_err, e);
	}
	return rc;
}

/* Told to stop (a daemon's SIGTERM): finish what is under way only. */
static int
stopping(const struct send_options *opts)
{
	return opts->stop && *opts->stop;
}

/* Subscribers are read a page at a time, so memory does not grow with
 * their number; no statement reads while a digest is written. */
#define SEND_PAGE 500

/* Builds the digests of one page of subscribers, each recorded in its own
 * transaction. */
static int
build_page(struct run *run, const struct subscribers *page, struct err *e)
{
	size_t i;

	for (i = 0; i < page->n && !stopping(run->opts); i++)
		if (build_one(run, &page->items[i], e) < 0)
			return -1;
	return 0;
}

static int
build_all(struct run *run, struct err *e)
{
	struct subscribers page = { 0 };
	int64_t after = 0;
	int rc;

	do {
		subscribers_release(&page);
		rc = store_subscriber_page(run->store, after, SEND_PAGE,
					   copy_subscriber, &page, e);
		if (rc > 0)
			rc = err_set(e, EX_OSERR, "out of memory");
		if (rc == 0)
			rc = build_page(run, &page, e);
		if (page.n)
			after = page.items[page.n - 1].id;
	} while (rc == 0 && page.n == SEND_PAGE && !stopping(run->opts));
	subscribers_release(&page);
	return rc;
}

/* One batch: the digests queued on the transport, for done(). */
struct batch {
	struct courier *c;
	struct store_digest items[SEND_BATCH];
	const char *rcpts[SEND_BATCH];
	size_t n;
};

/* Temporary failures back off: 5 minutes, doubling, at most a day. */
static int64_t
retry_delay(int attempts)
{
	int64_t delay = 300;

	while (attempts-- > 0 && delay < 24 * 3600)
		delay *= 2;
	return delay < 24 * 3600 ? delay : 24 * 3600;
}

enum store_digest_outcome
send_outcome(const struct deliver_result *r, int attempts,
	     char reply[SEND_REPLY_SIZE])
{
	/* "451 4.3.0 try again later": the code first, as servers say it */
	if (r->code > 0)
		snprintf(reply, SEND_REPLY_SIZE, "%d %s", r->code, r->reply);
	else
		snprintf(reply, SEND_REPLY_SIZE, "%s", r->reply);
	switch (r->status) {
	case DELIVER_OK:
		return STORE_DIGEST_SENT;
	case DELIVER_TEMPFAIL:
		/* the server down is nobody's attempt */
		if (r->transport)
			return STORE_DIGEST_HELD;
		return attempts + 1 < SEND_MAX_ATTEMPTS ? STORE_DIGEST_RETRY :
							  STORE_DIGEST_FAILED;
	default:
		return STORE_DIGEST_FAILED;
	}
}

static void
on_delivered(void *arg, size_t index, const struct deliver_message *m,
	     const struct deliver_result *results)
{
	struct batch *b = arg;
	struct courier *c = b->c;
	const struct store_digest *d = &b->items[index];
	enum store_digest_outcome outcome;
	char reply[SEND_REPLY_SIZE];
	int64_t next = 0;

	(void)m;
	if (c->fatal.code)
		return;
	outcome = send_outcome(&results[0], d->attempts, reply);
	if (outcome == STORE_DIGEST_SENT) {
		c->report->sent++;
	} else if (outcome == STORE_DIGEST_HELD) {
		/* the run says why, once */
		next = c->now + retry_delay(0);
		c->report->held++;
		if (!c->report->transport_error[0])
			snprintf(c->report->transport_error,
				 sizeof(c->report->transport_error), "%s",
				 reply);
	} else if (outcome == STORE_DIGEST_RETRY) {
		next = c->now + retry_delay(d->attempts);
		c->report->retry++;
		log_warn("send to '%s': %s; will retry", d->email, reply);
	} else {
		c->report->failed++;
		log_error("send to '%s' failed: %s", d->email, reply);
	}
	store_digest_mark(c->store, d->id, outcome, reply, c->now, next,
			  &c->fatal);
}

/* A message the transport would not even queue (EX_DATAERR: an address
 * it cannot carry): that digest fails alone, with the reason. */
static int
refused(struct courier *c, const struct store_digest *d,
	const struct err *why)
{
	c->report->failed++;
	log_error("send to '%s' failed: %s", d->email, why->msg);
	return store_digest_mark(c->store, d->id, STORE_DIGEST_FAILED,
				 why->msg, c->now, 0, &c->fatal);
}

static void
batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		store_digest_release(&b->items[i]);
	b->n = 0;
}

static int
flush_batch(struct courier *c, struct deliver *dv, struct batch *b,
	    struct err *e)
{
	int rc = 0;

	if (b->n && deliver_flush(dv, on_delivered, b, e) < 0)
		rc = -1;
	batch_release(b);
	if (c->fatal.code) {
		*e = c->fatal;
		return -1;
	}
	return rc;
}

/* Up to a batch of the digests due after the id after into ids; none
 * once the builder has failed. While the builder goes on, waits until a
 * whole batch is there: one session per SEND_BATCH messages, as when
 * everything was built first. */
static int
next_batch(struct courier *c, int64_t after, int64_t *ids, size_t *n,
	   struct err *e)
{
	int64_t due = c->opts->all_pending ? INT64_MAX : c->now;
	size_t seen;
	int built, abandon;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		seen = c->committed;
		built = c->built;
		abandon = c->abandon;
		pthread_mutex_unlock(&c->lock);
		*n = 0;
		if (abandon)
			return 0;
		if (store_digest_due(c->store, due, after, SEND_BATCH, ids, n,
				     e) < 0)
			return -1;
		if (*n == SEND_BATCH || built)
			return 0;
		/* for the rest of a batch, counted from seen: the query may
		 * have found some committed since, which only makes the wait
		 * longer, never past the end of the building */
		pthread_mutex_lock(&c->lock);
		while (!c->built && c->committed - seen < SEND_BATCH - *n)
			pthread_cond_wait(&c->more, &c->lock);
		pthread_mutex_unlock(&c->lock);
	}
}

static int
deliver_pending(struct courier *c, struct err *e)
{
	struct deliver *dv = NULL;
	struct batch *b = NULL;
	int64_t ids[SEND_BATCH], after = 0;
	size_t n, i;
	int rc = -1;

	b = calloc(1, sizeof(*b));
	if (!b) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	b->c = c;
	for (;;) {
		if (next_batch(c, after, ids, &n, e) < 0)
			goto out;
		if (!n || stopping(c->opts))
			break;
		/* connects lazily: no pending digest, no session */
		if (!dv && !(dv = deliver_open(c->cfg, e)))
			goto out;
		for (i = 0; i < n && !stopping(c->opts); i++) {
			struct store_digest *d = &b->items[b->n];
			struct deliver_message m = { 0 };

			if (store_digest_get(c->store, ids[i], d, e) < 0)
				goto out;
			b->rcpts[b->n] = d->email;
			b->n++;
			m.data = d->message;
			m.len = d->len;
			m.envelope_from = c->cfg->from_addr;
			m.rcpts = &b->rcpts[b->n - 1];
			m.nrcpts = 1;
			if (deliver_queue(dv, &m, e) < 0) {
				if (e->code != EX_DATAERR)
					goto out;
				/* this message alone: its address, say */
				if (refused(c, d, e) < 0) {
					*e = c->fatal;
					goto out;
				}
				store_digest_release(d);
				b->n--;
				*e = (struct err)ERR_INIT;
			}
		}
		if (flush_batch(c, dv, b, e) < 0) {
			if (c->fatal.code)
				goto out;
			/* the transport failed as a whole: what it held
			 * stays pending, and the rest waits for next time */
			c->report->transport_code = e->code ? e->code :
							       EX_TEMPFAIL;
			snprintf(c->report->transport_error,
				 sizeof(c->report->transport_error), "%s",
				 e->msg);
			*e = (struct err)ERR_INIT;
			break;
		}
		after = ids[n - 1];
	}
	/* a 421 to everything, the session going on */
	if (c->report->held && !c->report->transport_code)
		c->report->transport_code = EX_TEMPFAIL;
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

	c->rc = deliver_pending(c, &c->err);
	return NULL;
}

/* Starts the courier's thread with the asynchronous signals blocked: a
 * SIGTERM or SIGHUP lands in the builder, which checks the stop flag,
 * never interrupts an SMTP session. */
static int
courier_start(struct courier *c, pthread_t *thread, struct err *e)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(thread, NULL, courier_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return err_set(e, EX_OSERR, "cannot start a thread: %s",
			       strerror(rc));
	return 0;
}

/* The builder is done (failed: the courier starts no new batch). */
static void
courier_built(struct courier *c, int failed)
{
	pthread_mutex_lock(&c->lock);
	c->built = 1;
	c->abandon = failed;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
}

/* Keeps the transport's outages in the store: one that failed as a whole
 * opens or extends one, one that took a message ends it. */
static int
note_transport(struct store *s, struct send_report *r, int64_t now,
	       struct err *e)
{
	struct store_outage o;

	if (r->transport_code)
		return store_outage_note(s, now, r->transport_error,
					 (long)r->held, e);
	if (!r->sent)
		return 0;
	if (store_outage_end(s, now, &o, e) < 0)
		return -1;
	r->outage_ended = o.id;
	if (o.id)
		log_info("the mail transport works again, after %lld s "
			 "down", (long long)(now - o.started_at));
	store_outage_release(&o);
	return 0;
}

int
send_run(struct store *s, const struct conf *cfg,
	 const struct send_options *o, struct send_report *r, struct err *e)
{
	struct run run = { 0 };
	struct courier c = { 0 };
	struct err berr = ERR_INIT;
	pthread_t thread;
	int threaded = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	run.store = s;
	run.cfg = cfg;
	run.opts = o;
	run.report = r;
	run.now = clock_now();
	composed_init(&run.composed);
	if (o->dry_run) {
		rc = build_all(&run, e);
		goto out;
	}
	c.cfg = cfg;
	c.opts = o;
	c.report = r;
	c.now = run.now;
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.more, NULL);
	run.courier = &c;
	c.store = store_open_another(s, &berr);
	if (c.store && courier_start(&c, &thread, &berr) == 0) {
		threaded = 1;
	} else {
		/* SQLite without threads, say: deliver after building, in
		 * turns as before */
		log_info("send: delivering after building: %s", berr.msg);
		store_close(c.store);
		c.store = s;
	}
	berr = (struct err)ERR_INIT;
	rc = build_all(&run, &berr);
	courier_built(&c, rc < 0);
	if (threaded) {
		pthread_join(thread, NULL);
		store_close(c.store);
	} else if (rc == 0) {
		c.rc = deliver_pending(&c, &c.err);
	}
	/* the builder's error first: it stopped the run */
	if (rc < 0)
		*e = berr;
	else if (c.rc < 0) {
		*e = c.err;
		rc = -1;
	}
	pthread_cond_destroy(&c.more);
	pthread_mutex_destroy(&c.lock);
	if (rc == 0)
		rc = note_transport(s, r, run.now, e);
out:
	r->failed += run.failed;
	digest_cache_release(&run.summaries);
	send_composed_release(&run.composed);
	return rc;
}
