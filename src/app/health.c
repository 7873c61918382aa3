#include "config.h"

#include "app/health.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/addr.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "mail/compose.h"
#include "mail/courier.h"
#include "mail/send.h"
#include "store/store.h"

#define DAY (24 * 3600)
#define HEALTH_KIND "health"
#define HEALTH_OUTAGE "outage"

unsigned
health_feed_flags(const struct store_feed *f, const struct conf *cfg,
		  int64_t now)
{
	int64_t quiet_since = f->last_new_entry_at ? f->last_new_entry_at :
						     f->added_at;
	unsigned flags = 0;

	if (!f->enabled)
		return 0;
	if (f->failures >= cfg->sick_failures)
		flags |= HEALTH_FAILING;
	if (now - quiet_since >= (int64_t)cfg->sick_days * DAY)
		flags |= HEALTH_SILENT;
	return flags;
}

static void
format_time(int64_t t, char out[DATE_UTC_SIZE])
{
	if (t)
		date_format_utc(t, out);
	else
		snprintf(out, DATE_UTC_SIZE, "never");
}

int
health_format(struct buf *out, const char *week, size_t total,
	      const struct health_feed *feeds, size_t n, const struct conf *cfg)
{
	char success[DATE_UTC_SIZE], news[DATE_UTC_SIZE];
	size_t i;
	int rc;

	rc = buf_addf(out,
		      "Feed health, week %s: %zu of %zu feeds need a "
		      "look.\n",
		      week, n, total);
	for (i = 0; rc == 0 && i < n; i++) {
		const struct health_feed *f = &feeds[i];

		format_time(f->last_success_at, success);
		format_time(f->last_new_entry_at, news);
		/* the title as utf8_printable shows outside text */
		rc = buf_addch(out, '\n');
		if (rc == 0)
			rc = f->title ? utf8_printable(out, f->title,
						       strlen(f->title)) :
					buf_adds(out, f->url);
		if (rc == 0)
			rc = buf_addf(out, "\n  %s\n", f->url);
		if (rc == 0 && (f->flags & HEALTH_FAILING))
			rc = buf_addf(out, "  FAILING: %d failures in a row\n",
				      f->failures);
		if (rc == 0 && (f->flags & HEALTH_SILENT))
			rc = buf_addf(out, "  SILENT: no new entry since %s\n",
				      f->last_new_entry_at ? news :
							     "it was added");
		if (rc == 0)
			rc = buf_addf(out, "  last success: %s\n", success);
		if (rc == 0 && f->failures)
			rc = buf_addf(out, "  last error: %s: %s\n",
				      f->last_status ? f->last_status : "error",
				      f->last_error ? f->last_error : "");
	}
	if (rc == 0)
		rc = buf_addf(out,
			      "\nA feed is failing after %d failed "
			      "fetches in a row ([fetch] sick_failures) and "
			      "silent after %d days without a new entry "
			      "([fetch] sick_days). `feedmail status` shows "
			      "every feed.\n",
			      cfg->sick_failures, cfg->sick_days);
	return rc;
}

/* Mondays at [digest] time in [digest] timezone. */
#define HEALTH_SCHEDULE "weekly@mon"

int
health_current_slot(const struct conf *cfg, int64_t now, int64_t *start,
		    char key[SCHEDULE_KEY_SIZE], struct err *e)
{
	struct schedule sch;

	if (send_schedule(cfg, HEALTH_SCHEDULE, NULL, &sch, e) < 0)
		return -1;
	return schedule_current_slot(&sch, now, start, key, e);
}

int
health_next_slot(const struct conf *cfg, int64_t now, int64_t *start,
		 struct err *e)
{
	struct schedule sch;

	if (send_schedule(cfg, HEALTH_SCHEDULE, NULL, &sch, e) < 0)
		return -1;
	return schedule_next_slot(&sch, now, start, e);
}

/* The flagged feeds, collected by the walk over every feed. */
struct sick {
	const struct conf *cfg;
	int64_t now;
	struct health_feed *items;
	size_t n, total;
};

static void
health_feed_release(struct health_feed *f)
{
	free(f->title);
	free(f->url);
	free(f->last_status);
	free(f->last_error);
}

static void
sick_release(struct sick *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		health_feed_release(&s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static int
collect(const struct store_feed *f, void *arg, struct err *e)
{
	struct sick *s = arg;
	struct health_feed *grown, *r;
	unsigned flags = health_feed_flags(f, s->cfg, s->now);
	int oom = 0;

	s->total++;
	if (!flags)
		return 0;
	grown = realloc(s->items, (s->n + 1) * sizeof(*grown));
	if (!grown)
		return err_set(e, EX_OSERR, "out of memory");
	s->items = grown;
	r = &grown[s->n++];
	memset(r, 0, sizeof(*r));
	r->title = str_dup(f->title, &oom);
	r->url = str_dup(f->url, &oom);
	r->last_status = str_dup(f->last_status, &oom);
	r->last_error = str_dup(f->last_error, &oom);
	r->last_success_at = f->last_success_at;
	r->last_new_entry_at = f->last_new_entry_at;
	r->failures = f->failures;
	r->flags = flags;
	return oom ? err_set(e, EX_OSERR, "out of memory") : 0;
}

/* Composes and records a report of kind for slot: subject and text
 * (unwrapped) to [digest] admin. 1 when another process recorded it
 * meanwhile. */
static int
record(struct store *s, const struct conf *cfg, const char *kind,
       const char *slot, const char *subject, const char *text, int64_t now,
       struct err *e)
{
	struct compose_mail m = { 0 };
	char *to_name = NULL, *to_addr = NULL;
	char seed[160];
	int64_t id;
	int rc = -1;

	if (addr_parse_mailbox(cfg->admin, &to_name, &to_addr, e) < 0) {
		e->code = EX_CONFIG;
		err_prefix(e, "[digest] admin");
		goto out;
	}
	/* the store keeps it: retries carry the same Message-ID */
	snprintf(seed, sizeof(seed), "report-%s-%s-%lld", kind, slot,
		 (long long)now);
	m.to_name = to_name;
	m.to_addr = to_addr;
	m.subject = subject;
	m.text = text;
	m.date = now;
	rc = compose_report(s, cfg, kind, slot, seed, &m, &id, e);
out:
	free(to_name);
	free(to_addr);
	return rc;
}

/* One outage, as a report lists it. */
static int
format_outage(struct buf *out, const struct store_outage *o)
{
	char from[DATE_UTC_SIZE], to[DATE_UTC_SIZE];

	format_time(o->started_at, from);
	format_time(o->ended_at ? o->ended_at : o->last_at, to);
	return buf_addf(out,
			"\nThe mail transport was down from %s %s %s "
			"(%ld runs met it, %ld digests held back), last: %s\n",
			from, o->ended_at ? "to" : "and still at", to,
			o->failures, o->held, o->reason);
}

static int
add_outage(const struct store_outage *o, void *arg, struct err *e)
{
	struct buf *out = arg;

	return format_outage(out, o) < 0 ?
		       err_set(e, EX_OSERR, "out of memory") :
		       0;
}

/* Records this week's report: the flagged feeds, then the outages of the
 * mail transport of the last 7 days. Nothing when there is neither. */
static int
build(struct store *s, const struct conf *cfg, const char *week, int64_t now,
      const struct sick *sick, struct health_outcome *r, struct err *e)
{
	struct buf outages = BUF_INIT(BUF_MAX_DOC);
	struct buf text = BUF_INIT(BUF_MAX_DOC);
	char subject[200];
	int rc;

	rc = store_outage_each(s, now - 7 * 24 * 3600, add_outage, &outages, e);
	if (rc < 0 || (!sick->n && !outages.len))
		goto out;
	rc = -1;
	if (health_format(&text, week, sick->total, sick->items, sick->n, cfg) <
		    0 ||
	    buf_add(&text, outages.data, outages.len) < 0) {
		err_set(e, EX_SOFTWARE, "health report: too large");
		goto out;
	}
	snprintf(subject, sizeof(subject),
		 "%s: %zu of %zu feeds need a look"
		 "%s (%s)",
		 cfg->name ? cfg->name : "feedmail", sick->n, sick->total,
		 outages.len ? "; the mail transport was down" : "", week);
	rc = record(s, cfg, HEALTH_KIND, week, subject, text.data, now, e);
	if (rc == 0) {
		r->built = 1;
		r->sick = sick->n;
	}
	rc = rc < 0 ? -1 : 0;
out:
	buf_release(&outages);
	buf_release(&text);
	return rc;
}

/* The outage to tell of, and the text that tells it. */
struct ended {
	int64_t id;
	struct buf *text;
};

static int
add_ended(const struct store_outage *o, void *arg, struct err *e)
{
	struct ended *x = arg;

	if (o->id != x->id)
		return 0;
	if (format_outage(x->text, o) < 0)
		return err_set(e, EX_OSERR, "out of memory");
	return 1; /* the one wanted */
}

/* Records the mail that tells the admin the transport works again after
 * the outage id, once (kind "outage", slot the outage's id). */
static int
back(struct store *s, const struct conf *cfg, int64_t id, int64_t now,
     struct err *e)
{
	struct buf text = BUF_INIT(BUF_MAX_DOC);
	struct ended x = { id, &text };
	char slot[32], subject[200];
	int rc;

	rc = store_outage_each(s, 0, add_ended, &x, e) < 0 ? -1 : 0;
	if (rc == 0 && buf_adds(&text, "\nIt takes mail again: the digests "
				       "it held back have gone out.\n") < 0)
		rc = err_set(e, EX_OSERR, "out of memory");
	if (rc == 0) {
		snprintf(slot, sizeof(slot), "%lld", (long long)id);
		snprintf(subject, sizeof(subject),
			 "%s: the mail transport "
			 "works again",
			 cfg->name ? cfg->name : "feedmail");
		rc = record(s, cfg, HEALTH_OUTAGE, slot, subject, text.data,
			    now, e) < 0 ?
			     -1 :
			     0;
	}
	buf_release(&text);
	return rc;
}

/* Runs the courier over the admin's mail in the outbox: the report just
 * recorded, and any waiting for its retry. Digests are send's. */
static int
deliver_due(struct store *s, const struct conf *cfg, int64_t now,
	    struct health_outcome *r, struct err *e)
{
	struct courier c;
	int rc;

	courier_init(&c);
	c.box = STORE_OUTBOX_ADMIN;
	c.store = s;
	c.cfg = cfg;
	c.now = now;
	rc = courier_run(&c, e);
	r->sent = c.counts.sent;
	r->retry = c.counts.retry + c.counts.held;
	r->failed = c.counts.failed;
	courier_release(&c);
	return rc;
}

int
health_run(struct store *s, const struct conf *cfg, int64_t outage_ended,
	   struct health_outcome *r, struct err *e)
{
	struct sick sick = { 0 };
	char week[SCHEDULE_KEY_SIZE];
	int64_t now = clock_now(), start;
	int has = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	/* none to record; what the outbox holds (doctor's test mail, a
	 * report recorded before admin was unset) still goes */
	if (!cfg->admin || !*cfg->admin)
		return deliver_due(s, cfg, now, r, e);
	if (outage_ended && back(s, cfg, outage_ended, now, e) < 0)
		return -1;
	if (health_current_slot(cfg, now, &start, week, e) < 0)
		return err_prefix(e, "health report");
	if (store_report_has(s, HEALTH_KIND, week, &has, e) < 0)
		return -1;
	if (!has) {
		sick.cfg = cfg;
		sick.now = now;
		rc = store_feed_each(s, collect, &sick, e);
		if (rc == 0)
			rc = build(s, cfg, week, now, &sick, r, e);
		sick_release(&sick);
		if (rc < 0)
			return -1;
	}
	return deliver_due(s, cfg, now, r, e);
}
