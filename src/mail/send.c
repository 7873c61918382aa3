#include "config.h"

#include "mail/send.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "lib/schedule.h"
#include "lib/str.h"
#include "lib/token.h"
#include "mail/compose.h"
#include "mail/courier.h"
#include "mail/digest.h"
#include "store/store.h"

/*
 * A run builds and delivers at the same time: this thread builds and
 * records the digests (the builder) while the courier (courier.h), in a
 * thread of its own with its own store connection, delivers what is
 * pending.
 */
struct run {
	struct store *store;
	const struct conf *cfg;
	const struct send_options *opts;
	struct send_report *report;
	int64_t now;
	struct courier *courier;       /* NULL for a dry run */
	struct digest_cache summaries; /* shared by every subscriber's digest */
	size_t failed; /* digests that could not be built: added to
	                * report->out.failed once the courier is done */
	struct send_composed composed; /* the digest being built, its buffers
	                                * reused from one subscriber to the next */
	/* the token secret, for the one-click link ([web] base_url set) */
	unsigned char secret[64];
	size_t secret_len; /* 0: no link */
};

/* A page of subscribers, copied so that building their digests writes to
 * the store while no statement is reading it. */
struct subscribers {
	struct store_subscriber *items;
	size_t n;
};

static int
copy_subscriber(const struct store_subscriber *sub, void *arg, struct err *e)
{
	struct subscribers *list = arg;
	struct store_subscriber *grown;

	grown = realloc(list->items, (list->n + 1) * sizeof(*grown));
	if (!grown)
		return err_set(e, EX_OSERR, "out of memory");
	list->items = grown;
	if (store_subscriber_copy(&list->items[list->n], sub) < 0)
		return err_set(e, EX_OSERR, "out of memory");
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

/* Renders c->digest, collected, into c's subject, parts and message. A
 * failure here belongs to this digest alone. */
static int
render(const struct conf *cfg, const struct store_subscriber *sub, int64_t now,
       const unsigned char *secret, size_t secret_len, struct send_composed *c,
       struct err *e)
{
	struct compose_mail m = { 0 };
	struct digest_links links = { 0 };
	char seed[64], url[COMPOSE_URL_SIZE], view[COMPOSE_URL_SIZE],
		prefs[COMPOSE_URL_SIZE];

	/* stored with the digest, so every retry carries the same
	 * Message-ID; unique even for two digests of the same subscriber,
	 * second and entries (one that failed and gave its entries back);
	 * made first: the view link names the digest by it */
	snprintf(seed, sizeof(seed), "digest-%lld-%lld-", (long long)sub->id,
		 (long long)now);
	c->message_id = compose_message_id(cfg, seed, 1, e);
	if (!c->message_id)
		return -1;
	if (secret_len) {
		if (compose_link(cfg, secret, secret_len, sub, TOKEN_VIEW,
				 token_message_key(c->message_id), view,
				 e) < 0 ||
		    compose_link(cfg, secret, secret_len, sub,
				 TOKEN_PREFERENCES, 0, prefs, e) < 0)
			return err_prefix(e, "digest for '%s'", sub->email);
		links.view = view;
		links.preferences = prefs;
	}
	if (digest_render(&c->digest, sub, cfg, cfg->from_addr, &links, now,
			  &c->subject, &c->raw, &c->html, e) < 0)
		return -1;
	m.to_name = sub->name;
	m.to_addr = sub->email;
	m.subject = c->subject;
	m.text = c->raw.data;
	m.html = c->html.data;
	m.date = now;
	m.message_id = c->message_id;
	m.list = 1;
	if (secret_len) {
		if (compose_unsubscribe_url(cfg, secret, secret_len, sub, url,
					    e) < 0)
			return err_prefix(e, "digest for '%s'", sub->email);
		m.unsubscribe_url = url;
	}
	m.entries = (long)c->digest.n;
	if (compose_render(cfg, &m, &c->text, &c->message, e) < 0)
		return err_prefix(e, "digest for '%s'", sub->email);
	return 0;
}

int
send_compose(struct store *s, const struct conf *cfg,
	     const struct store_subscriber *sub, int64_t since, int64_t now,
	     struct digest_cache *cache, struct send_composed *c, struct err *e)
{
	int rc = -1;

	composed_init(c);
	if (digest_collect(s, sub, since, cfg->summary_words, cache, &c->digest,
			   e) < 0)
		goto out;
	rc = c->digest.n ? render(cfg, sub, now, NULL, 0, c, e) : 0;
out:
	if (rc < 0)
		send_composed_release(c);
	return rc;
}

int
send_schedule(const struct conf *cfg, const char *schedule,
	      const char *timezone, struct schedule *sch, struct err *e)
{
	if (schedule_parse(schedule ? schedule : "daily", cfg->time, sch, e) <
	    0)
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
	     char key[SCHEDULE_KEY_SIZE], int *theirs, int *own, struct err *e)
{
	struct schedule sch;
	int64_t start;

	*theirs = 0;
	if (send_schedule(run->cfg, sub->schedule, sub->timezone, &sch, e) <
		    0 ||
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
	char seed[64];
	char *message_id;
	int64_t id;
	int rc;

	log_error("digest for '%s' failed: %s", sub->email, why->msg);
	run->failed++;
	snprintf(seed, sizeof(seed), "failed-%lld-%lld-", (long long)sub->id,
		 (long long)run->now);
	message_id = compose_message_id(run->cfg, seed, 1, e);
	if (!message_id)
		return -1;
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

	/* what is new to them while paused waits for their next digest;
	 * the unconfirmed and the unsubscribed get nothing */
	if (!store_subscriber_receives(sub, run->now))
		return 0;
	if (run->opts->scheduled) {
		if (current_slot(run, sub, slot, &theirs, &own, &own_err) < 0)
			goto out;
		if (!theirs)
			return 0;
		if (store_digest_has_slot(run->store, sub->id, slot, &done, e) <
		    0)
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
	if (render(run->cfg, sub, run->now, run->secret, run->secret_len, c,
		   &own_err) < 0)
		goto out;
	if (run->opts->dry_run) {
		fprintf(run->opts->listing, "%s: %zu %s: %s\n", sub->email,
			c->digest.n,
			str_plural(c->digest.n, "article", "articles"),
			c->subject);
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
	rec.covered_seq = c->digest.covered_seq;
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
	/* id 0: another worker built this slot's digest first */
	if (id) {
		run->report->built++;
		courier_committed(run->courier);
	}
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
		return record_failure(run, sub,
				      run->opts->scheduled ? slot : NULL,
				      &own_err, e);
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
		if (rc == 0)
			rc = build_page(run, &page, e);
		if (page.n)
			after = page.items[page.n - 1].id;
	} while (rc == 0 && page.n == SEND_PAGE && !stopping(run->opts));
	subscribers_release(&page);
	return rc;
}

/* Keeps the transport's outages in the store: one that failed as a whole
 * opens or extends one, one that took a message ends it. */
static int
note_transport(struct store *s, struct send_report *r, int64_t now,
	       struct err *e)
{
	struct store_outage o;

	if (r->out.transport_code)
		return store_outage_note(s, now, r->out.transport_error,
					 (long)r->out.held, e);
	if (!r->out.sent)
		return 0;
	if (store_outage_end(s, now, &o, e) < 0)
		return -1;
	r->outage_ended = o.id;
	if (o.id)
		log_info("the mail transport works again, after %lld s "
			 "down",
			 (long long)(now - o.started_at));
	store_outage_release(&o);
	return 0;
}

int
send_run(struct store *s, const struct conf *cfg, const struct send_options *o,
	 struct send_report *r, struct err *e)
{
	struct run run = { 0 };
	struct courier c;
	struct err berr = ERR_INIT, cerr = ERR_INIT;
	int threaded = 0, rc = -1, crc = 0;

	memset(r, 0, sizeof(*r));
	courier_init(&c);
	/* the admin's mail is the health report's to send and count */
	c.box = STORE_OUTBOX_DIGESTS;
	run.store = s;
	run.cfg = cfg;
	run.opts = o;
	run.report = r;
	run.now = clock_now();
	composed_init(&run.composed);
	/* read once: a rotation during the run applies to the next one */
	if (cfg->web_base_url &&
	    store_secret(s, "token", run.secret, sizeof(run.secret),
			 &run.secret_len, e) < 0)
		return -1;
	if (o->dry_run) {
		rc = build_all(&run, e);
		goto out;
	}
	c.cfg = cfg;
	c.now = run.now;
	c.all_pending = o->all_pending;
	c.stop = o->stop;
	run.courier = &c;
	c.store = store_open_another(s, &berr);
	if (c.store && courier_start(&c, &berr) == 0) {
		threaded = 1;
	} else {
		/* SQLite without threads, say: deliver after building, in
		 * turns as before */
		log_info("send: delivering after building: %s", berr.msg);
		store_close(c.store);
		c.store = s;
	}
	berr = (struct err)ERR_INIT;
	rc = o->deliver_only ? 0 : build_all(&run, &berr);
	courier_built(&c, rc < 0);
	if (threaded) {
		crc = courier_join(&c, &cerr);
		store_close(c.store);
	} else if (rc == 0) {
		crc = courier_run(&c, &cerr);
	}
	r->out = c.counts;
	/* the builder's error first: it stopped the run */
	if (rc < 0) {
		*e = berr;
	} else if (crc < 0) {
		*e = cerr;
		rc = -1;
	}
	if (rc == 0)
		rc = note_transport(s, r, run.now, e);
out:
	r->out.failed += run.failed;
	courier_release(&c);
	digest_cache_release(&run.summaries);
	send_composed_release(&run.composed);
	return rc;
}
