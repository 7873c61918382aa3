#include "config.h"

#include "send.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "clock.h"
#include "deliver.h"
#include "digest.h"
#include "log.h"
#include "mime.h"
#include "schedule.h"
#include "store.h"

struct run {
	struct store *store;
	const struct config *cfg;
	const struct send_options *opts;
	struct send_report *report;
	int64_t now;
	char *from_addr;        /* the envelope sender */
	struct digest_cache summaries; /* shared by every subscriber's digest */
	struct send_composed composed; /* the digest being built, its buffers
	                         * reused from one subscriber to the next */
	size_t tx_digests, tx_bytes; /* recorded in the open transaction */
	struct err fatal;       /* the store failed */
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

/* send_compose into c, initialised and empty (composed_init or
 * composed_clear); on failure c is left for the caller to clear. */
static int
compose(struct store *s, const struct config *cfg,
	const struct store_subscriber *sub, int64_t since, int64_t now,
	struct digest_cache *cache, struct send_composed *c, struct err *e)
{
	struct mime_message m = { 0 };
	char *from_name = NULL, *from_addr = NULL, seed[128], mailto[300];
	int rc = -1;

	if (addr_parse_mailbox(cfg->from, &from_name, &from_addr, e) < 0) {
		err_prefix(e, "[digest] from");
		e->code = EX_CONFIG;
		return -1;
	}
	if (digest_collect(s, sub, since, cfg->summary_words, cache,
			   &c->digest, e) < 0)
		goto out;
	if (!c->digest.n) {
		rc = 0;
		goto out;
	}
	if (digest_render(&c->digest, sub, cfg, from_addr, now, &c->subject,
			  &c->raw, &c->html, e) < 0)
		goto out;
	if (mime_wrap_text(&c->text, c->raw.data, MIME_WRAP_WIDTH) < 0) {
		err_set(e, EX_SOFTWARE, "digest for '%s' is too large",
			sub->email);
		goto out;
	}
	/* unique per subscriber and content, and stored with the digest, so
	 * every retry carries the same Message-ID */
	snprintf(seed, sizeof(seed), "digest-%lld-%lld-%lld-%zu",
		 (long long)sub->id, (long long)now,
		 (long long)c->digest.entry_ids[0], c->digest.nentries);
	c->message_id = mime_message_id(seed, domain_of(from_addr));
	if (!c->message_id) {
		err_set(e, EX_SOFTWARE, "cannot make a Message-ID for '%s'",
			from_addr);
		goto out;
	}
	snprintf(mailto, sizeof(mailto), "mailto:%s?subject=unsubscribe",
		 from_addr);
	m.from.name = from_name;
	m.from.addr = from_addr;
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
	if (mime_render(&m, &c->message, e) < 0) {
		err_prefix(e, "digest for '%s'", sub->email);
		goto out;
	}
	rc = 0;
out:
	free(from_name);
	free(from_addr);
	return rc;
}

int
send_compose(struct store *s, const struct config *cfg,
	     const struct store_subscriber *sub, int64_t since, int64_t now,
	     struct digest_cache *cache, struct send_composed *c,
	     struct err *e)
{
	composed_init(c);
	if (compose(s, cfg, sub, since, now, cache, c, e) < 0) {
		send_composed_release(c);
		return -1;
	}
	return 0;
}

/* The key of sub's current schedule slot into key; *done when a digest
 * was already built for it. */
static int
current_slot(struct run *run, const struct store_subscriber *sub,
	     char key[SCHEDULE_KEY_SIZE], int *done, struct err *e)
{
	struct schedule sch;
	int64_t start;

	if (schedule_parse(sub->schedule ? sub->schedule : "daily",
			   run->cfg->time, &sch, e) < 0)
		return err_prefix(e, "subscriber '%s'", sub->email);
	sch.timezone = sub->timezone ? sub->timezone : run->cfg->timezone;
	if (schedule_current_slot(&sch, run->now, &start, key, e) < 0)
		return err_prefix(e, "subscriber '%s'", sub->email);
	/* a slot that began before they subscribed is not theirs: the first
	 * digest waits for their first slot */
	if (start < sub->created_at) {
		*done = 1;
		return 0;
	}
	return store_digest_has_slot(run->store, sub->id, key, done, e);
}

/* Builds and records the digest of one subscriber, if anything is new
 * (and, for `run`, if its current schedule slot has none yet). */
static int
build_one(struct run *run, const struct store_subscriber *sub, struct err *e)
{
	char slot[SCHEDULE_KEY_SIZE];
	int done = 0;

	struct store_digest_new rec = { 0 };
	struct send_composed *c = &run->composed;
	int64_t id;
	int rc = -1;

	if (run->opts->scheduled &&
	    current_slot(run, sub, slot, &done, e) < 0)
		return -1;
	if (done)
		return 0;
	if (compose(run->store, run->cfg, sub, 0, run->now, &run->summaries,
		    c, e) < 0)
		goto out;
	if (!c->digest.n) {
		rc = 0;
		goto out;
	}
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
	if (store_digest_add(run->store, &rec, &id, e) < 0)
		goto out;
	run->report->built++;
	run->tx_digests++;
	run->tx_bytes += rec.len;
	rc = 0;
out:
	composed_clear(c);
	return rc;
}

/* Told to stop (a daemon's SIGTERM): finish what is under way only. */
static int
stopping(const struct run *run)
{
	return run->opts->stop && *run->opts->stop;
}

/* Subscribers are read a page at a time, so memory does not grow with
 * their number; no statement reads while a digest is written. */
#define SEND_PAGE 500

/* Digests recorded per transaction: the pages they share (the outbox's
 * indexes, deliveries) are written once per commit rather than once per
 * digest. Nothing of them has been sent yet, so a crash before the commit
 * loses nothing: the next run builds them again. A transaction also stays
 * under about a megabyte of messages, within SQLite's page cache (2 MB by
 * default), which otherwise spills pages to the WAL before the commit and
 * writes them again. */
#define SEND_COMMIT_EVERY 25
#define SEND_COMMIT_BYTES (1024 * 1024)

/* Builds the digests of one page of subscribers, several to a
 * transaction. After a failure what was built before it is kept, as it
 * was when each digest had its own transaction. */
static int
build_page(struct run *run, const struct subscribers *page, struct err *e)
{
	int tx = !run->opts->dry_run, open = 0, rc = 0;
	size_t i;

	for (i = 0; rc == 0 && i < page->n && !stopping(run); i++) {
		if (open && (run->tx_digests >= SEND_COMMIT_EVERY ||
			     run->tx_bytes >= SEND_COMMIT_BYTES)) {
			if (store_commit(run->store, e) < 0)
				goto fail;
			open = 0;
		}
		if (tx && !open) {
			if (store_begin(run->store, e) < 0)
				return -1;
			open = 1;
			run->tx_digests = run->tx_bytes = 0;
		}
		rc = build_one(run, &page->items[i], e);
	}
	if (open && store_commit(run->store, rc < 0 ? NULL : e) < 0) {
		rc = -1;
		goto fail;
	}
	return rc;
fail:
	store_rollback(run->store);
	return -1;
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
	} while (rc == 0 && page.n == SEND_PAGE && !stopping(run));
	subscribers_release(&page);
	return rc;
}

/* One batch: the digests queued on the transport, for done(). */
struct batch {
	struct run *run;
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

static void
on_delivered(void *arg, size_t index, const struct deliver_message *m,
	     const struct deliver_result *results)
{
	struct batch *b = arg;
	struct run *run = b->run;
	const struct store_digest *d = &b->items[index];
	const struct deliver_result *r = &results[0];
	enum store_digest_outcome outcome;
	char reply[DELIVER_REPLY_MAX + 16];
	int64_t next = 0;

	(void)m;
	/* "451 4.3.0 try again later": the code first, as servers say it */
	if (r->code > 0)
		snprintf(reply, sizeof(reply), "%d %s", r->code, r->reply);
	else
		snprintf(reply, sizeof(reply), "%s", r->reply);
	if (run->fatal.code)
		return;
	switch (r->status) {
	case DELIVER_OK:
		outcome = STORE_DIGEST_SENT;
		run->report->sent++;
		break;
	case DELIVER_TEMPFAIL:
		outcome = d->attempts + 1 < SEND_MAX_ATTEMPTS ?
				  STORE_DIGEST_RETRY : STORE_DIGEST_FAILED;
		break;
	default:
		outcome = STORE_DIGEST_FAILED;
		break;
	}
	if (outcome == STORE_DIGEST_RETRY) {
		next = run->now + retry_delay(d->attempts);
		run->report->retry++;
		log_warn("send to '%s': %s; will retry", d->email, reply);
	} else if (outcome == STORE_DIGEST_FAILED) {
		run->report->failed++;
		log_error("send to '%s' failed: %s", d->email, reply);
	}
	store_digest_mark(run->store, d->id, outcome, reply, run->now, next,
			  &run->fatal);
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
flush_batch(struct run *run, struct deliver *dv, struct batch *b,
	    struct err *e)
{
	int rc = 0;

	if (b->n && deliver_flush(dv, on_delivered, b, e) < 0)
		rc = -1;
	batch_release(b);
	if (run->fatal.code) {
		*e = run->fatal;
		return -1;
	}
	return rc;
}

static int
deliver_pending(struct run *run, struct err *e)
{
	struct deliver *dv = NULL;
	struct batch *b = NULL;
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (store_digest_pending(run->store,
				 run->opts->all_pending ? INT64_MAX : run->now,
				 &ids, &n, e) < 0)
		return -1;
	if (!n)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	b->run = run;
	dv = deliver_open(run->cfg, e);
	if (!dv)
		goto out;
	for (i = 0; i < n && !stopping(run); i++) {
		struct store_digest *d = &b->items[b->n];
		struct deliver_message m = { 0 };

		if (store_digest_get(run->store, ids[i], d, e) < 0)
			goto out;
		b->rcpts[b->n] = d->email;
		b->n++;
		m.data = d->message;
		m.len = d->len;
		m.envelope_from = run->from_addr;
		m.rcpts = &b->rcpts[b->n - 1];
		m.nrcpts = 1;
		if (deliver_queue(dv, &m, e) < 0)
			goto out;
		if (b->n == SEND_BATCH && flush_batch(run, dv, b, e) < 0)
			goto out;
	}
	rc = flush_batch(run, dv, b, e);
out:
	if (b)
		batch_release(b);
	if (dv && deliver_close(dv, rc < 0 ? NULL : e) < 0)
		rc = -1;
	free(b);
	free(ids);
	return rc;
}

int
send_run(struct store *s, const struct config *cfg,
	 const struct send_options *o, struct send_report *r, struct err *e)
{
	struct run run = { 0 };
	char *from_name = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	run.store = s;
	run.cfg = cfg;
	run.opts = o;
	run.report = r;
	run.now = clock_now();
	composed_init(&run.composed);
	if (addr_parse_mailbox(cfg->from, &from_name, &run.from_addr, e) < 0) {
		err_prefix(e, "[digest] from");
		e->code = EX_CONFIG;
		return -1;
	}
	free(from_name);
	if (build_all(&run, e) < 0)
		goto out;
	rc = o->dry_run ? 0 : deliver_pending(&run, e);
out:
	free(run.from_addr);
	digest_cache_release(&run.summaries);
	send_composed_release(&run.composed);
	return rc;
}
