/* run: one pass of the whole job, and when the next one is due (run.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "app/lead.h"
#include "app/run.h"
#include "lib/clock.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/schedule.h"
#include "lib/str.h"
#include "mail/quota.h"

/* How long a sent digest's message stays in the store, in seconds,
 * when nothing links to it. */
#define RUN_KEEP_SENT (24 * 3600)

/* How long sent messages are kept: a day; with [web] base_url, each
 * digest's view link reads its message, which then lives as long as
 * entries do ([store] keep_days). */
static int64_t
keep_sent(const struct conf *cfg)
{
	int64_t days = (int64_t)cfg->keep_days * 24 * 3600;

	return cfg->web_base_url && days > RUN_KEEP_SENT ? days : RUN_KEEP_SENT;
}

int64_t
run_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
count_pending(const struct store_outbox_row *row, void *arg, struct err *e)
{
	(void)e;
	if (!strcmp(row->status, "pending"))
		++*(int64_t *)arg;
	return 0;
}

int64_t
run_pending(struct store *s)
{
	struct err e = ERR_INIT;
	int64_t n = 0;

	if (store_outbox_each(s, NULL, count_pending, &n, &e) < 0) {
		log_warn("counting the pending mail: %s", e.msg);
		return -1;
	}
	return n;
}

/* Whether this worker does the work of kind this pass: with several
 * workers on one PostgreSQL store, one at a time (store_work_lease);
 * alone on SQLite, always. A lease that cannot be asked for is not
 * held: the work waits for the next pass. */
static int
run_lease(struct store *s, const char *kind)
{
	struct err e = ERR_INIT;
	int held = 0;

	if (store_work_lease(s, kind, &held, &e) < 0) {
		log_warn("run: %s", e.msg);
		return 0;
	}
	return held;
}

/* Marks due the feeds a coming digest slot needs (lead.h), when this
 * worker holds the "digests" lease: only for that, so that its fetch,
 * however long, never keeps another worker from building digests.
 * Sets *temporary when it failed. */
static void
mark_lead(struct store *s, const struct conf *cfg, int *temporary)
{
	struct err e = ERR_INIT;
	size_t early = 0;

	if (!run_lease(s, "digests"))
		return;
	if (lead_mark_due(s, cfg, clock_now(), &early, &e) < 0) {
		/* the digests still go, with what was fetched before */
		log_error("run: fetch ahead of the digests: %s", e.msg);
		*temporary = 1;
	} else if (early) {
		log_info("%zu %s due early: a digest slot needs them", early,
			 str_plural(early, "feed", "feeds"));
	}
	store_work_release(s, "digests");
}

/* One pass. Work leases (store_work_lease), each held only while its
 * work goes on: "digests" to mark lead feeds, then to build digests;
 * "upkeep" to write the admin's reports and prune. Fetching and
 * delivering go ahead in every worker, through claims, so a worker
 * without the "digests" lease delivers what another built. */
int
run_pass(struct store *s, const struct conf *cfg, const atomic_int *stop,
	 struct run_counts *c)
{
	struct fetch_selection sel = { 0 };
	struct fetch_report fr;
	struct send_options so = { .scheduled = 1 };
	struct err e = ERR_INIT;
	int temporary = 0, send_rc, health_rc = 0, digests, upkeep, rc;
	size_t pruned;
	int64_t t0 = run_ms(), t1;

	memset(c, 0, sizeof(*c));
	c->pending = -1;
	sel.stop = stop;
	so.stop = stop;
	/* the digests about to be built carry what their feeds have now, not
	 * what they had when their polling interval last came round */
	mark_lead(s, cfg, &temporary);
	if (fetch_run(s, cfg, &sel, NULL, NULL, &fr, &e) < 0) {
		log_error("run: fetch: %s", e.msg);
		return err_exit_status(&e);
	}
	temporary |= fetch_report_log(&fr);
	t1 = run_ms();
	c->fetch_ms = t1 - t0;
	/* the caller gets the counts, not the errors: they are logged */
	c->fetch = fr;
	c->fetch.errors = NULL;
	c->fetch.nerrors = 0;
	fetch_report_release(&fr);
	if (stop && *stop)
		return 0;
	digests = run_lease(s, "digests");
	so.deliver_only = !digests;
	rc = send_run(s, cfg, &so, &c->send, &e);
	if (digests)
		store_work_release(s, "digests");
	if (rc < 0) {
		log_error("run: send: %s", e.msg);
		return err_exit_status(&e);
	}
	c->send_ms = run_ms() - t1;
	c->ran = 1;
	upkeep = run_lease(s, "upkeep");
	if (upkeep && !(stop && *stop) &&
	    health_run(s, cfg, c->send.outage_ended, &c->report, &e) < 0) {
		log_error("run: health report: %s", e.msg);
		health_rc = err_exit_status(&e);
	}
	/* a sent message is of no more use to the outbox: a day to look at
	 * it (or as long as its view link lives), then its 50-odd kB go */
	if (!upkeep)
		pruned = 0;
	else if (store_digest_prune(s, clock_now() - keep_sent(cfg), &pruned,
				    &e) < 0)
		log_warn("run: %s", e.msg);
	else if (pruned && keep_sent(cfg) == RUN_KEEP_SENT)
		log_info("deleted the messages of %zu %s sent over a day ago",
			 pruned, str_plural(pruned, "digest", "digests"));
	else if (pruned)
		log_info("deleted the messages of %zu %s sent over %d days ago",
			 pruned, str_plural(pruned, "digest", "digests"),
			 cfg->keep_days);
	if (upkeep) {
		/* who never confirmed is forgotten: the address was perhaps
		 * not theirs to give */
		if (store_subscriber_forget_pending(
			    s,
			    clock_now() -
				    (int64_t)STORE_PENDING_DAYS * 24 * 3600,
			    &pruned, &e) < 0)
			log_warn("run: %s", e.msg);
		else if (pruned)
			log_info("forgot %zu %s who never confirmed in %d days",
				 pruned,
				 str_plural(pruned, "subscriber",
					    "subscribers"),
				 STORE_PENDING_DAYS);
		store_work_release(s, "upkeep");
	}
	c->pending = run_pending(s);
	send_rc = run_send_status(&c->send);
	/* an outage first: it holds everyone's digests back */
	if (c->send.out.transport_code) {
		log_error("run: mail transport down: %s",
			  c->send.out.transport_error);
		return send_rc;
	}
	if (temporary || send_rc == EX_TEMPFAIL || c->report.retry)
		return EX_TEMPFAIL;
	if (c->fetch.failed || send_rc == EX_DATAERR || c->report.failed)
		return EX_DATAERR;
	return health_rc;
}

void
run_summary(const struct run_counts *c, char *out, size_t size)
{
	int n;

	n = snprintf(out, size,
		     "%zu %s: %zu fetched, %zu not modified, %zu failed; "
		     "%zu new %s\n",
		     c->fetch.feeds,
		     str_plural(c->fetch.feeds, "feed", "feeds"),
		     c->fetch.fetched, c->fetch.not_modified, c->fetch.failed,
		     c->fetch.new_entries,
		     str_plural(c->fetch.new_entries, "entry", "entries"));
	if (n < 0 || (size_t)n >= size)
		return;
	run_send_summary(&c->send, c->pending, out + n, size - (size_t)n);
	n = (int)strlen(out);
	if (c->report.sent)
		snprintf(out + n, size - (size_t)n, "\nhealth report sent");
}

int
run_send_status(const struct send_report *r)
{
	if (r->out.transport_code)
		return r->out.transport_code == EX_CONFIG ? EX_CONFIG :
							    EX_UNAVAILABLE;
	if (r->out.retry)
		return EX_TEMPFAIL;
	if (r->out.failed)
		return EX_DATAERR;
	return 0;
}

/* The line saying what the quota held back, and until when. */
static void
quota_summary(const struct courier_counts *k, char *out, size_t size)
{
	char until[DATE_UTC_SIZE];

	date_format_utc(k->quota_until, until);
	snprintf(out, size,
		 "\n%zu %s held back by the quota "
		 "([smtp] %s = %d) until %s",
		 k->quota, str_plural(k->quota, "digest", "digests"),
		 k->quota_key ? k->quota_key : "max_per_*", k->quota_limit,
		 until);
}

void
run_send_summary(const struct send_report *r, int64_t pending, char *out,
		 size_t size)
{
	int n;

	n = snprintf(out, size,
		     "%zu %s built; %zu sent, %zu left pending, %zu failed",
		     r->built, str_plural(r->built, "digest", "digests"),
		     r->out.sent, r->out.retry + r->out.held + r->out.quota,
		     r->out.failed);
	if (pending >= 0 && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n,
			      "; %lld pending in the outbox",
			      (long long)pending);
	if (r->out.transport_code && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n,
			      "\nmail transport down, %zu %s held back: %s",
			      r->out.held,
			      str_plural(r->out.held, "digest", "digests"),
			      r->out.transport_error);
	if (r->out.quota && n >= 0 && (size_t)n < size)
		quota_summary(&r->out, out + n, size - (size_t)n);
}

/* The earliest time to wake for a slot of the subscribers' schedules after
 * now: lead_time before it, to fetch its feeds, then at the slot. */
struct slots {
	const struct conf *cfg;
	int64_t now, next;
};

static int
earliest_slot(const char *schedule, const char *timezone, void *arg,
	      struct err *e)
{
	struct slots *sl = arg;
	struct schedule sch;
	struct err bad = ERR_INIT;
	int64_t start;

	(void)e;
	if (send_schedule(sl->cfg, schedule, timezone, &sch, &bad) < 0 ||
	    schedule_next_slot(&sch, sl->now, &start, &bad) < 0) {
		/* send_run reports the subscriber; here it only cannot wake
		 * us */
		log_debug("next slot: %s", bad.msg);
		return 0;
	}
	start = lead_wake(sl->cfg, start, sl->now);
	if (start < sl->next)
		sl->next = start;
	return 0;
}

/* When mail due at attempt_at may leave: later when the quota is
 * reached, at the time it lets one more go. */
static int64_t
quota_wait(struct store *s, const struct conf *cfg, int64_t now,
	   int64_t attempt_at)
{
	struct err e = ERR_INIT;
	struct quota q;

	if (quota_check(s, cfg, now, &q, &e) < 0) {
		log_warn("next due time: %s", e.msg);
		return attempt_at;
	}
	return q.room == 0 && q.reopen > attempt_at ? q.reopen : attempt_at;
}

int64_t
run_next_due(struct store *s, const struct conf *cfg, int64_t now,
	     int64_t horizon)
{
	struct slots sl = { cfg, now, now + horizon };
	struct err e = ERR_INIT;
	int64_t fetch_at = 0, attempt_at = 0, t;

	if (store_next_due(s, &fetch_at, &attempt_at, &e) < 0)
		log_warn("next due time: %s", e.msg);
	if (fetch_at && fetch_at < sl.next)
		sl.next = fetch_at;
	if (attempt_at)
		attempt_at = quota_wait(s, cfg, now, attempt_at);
	if (attempt_at && attempt_at < sl.next)
		sl.next = attempt_at;
	if (store_subscriber_schedules(s, earliest_slot, &sl, &e) < 0)
		log_warn("next slot: %s", e.msg);
	if (cfg->admin && *cfg->admin &&
	    health_next_slot(cfg, now, &t, &e) == 0 && t < sl.next)
		sl.next = t;
	return sl.next;
}
