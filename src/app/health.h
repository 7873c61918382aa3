/*
 * report: the feeds' health, for the operator.
 *
 * One rule says which feeds need a look; `feedmail status` flags them and
 * the weekly report lists them. An enabled feed is failing once its last
 * [fetch] sick_failures fetches in a row failed, and silent once [fetch]
 * sick_days have passed without a new entry (counted from its last new
 * entry, or from when it was added if it never had one). A disabled feed
 * (410 Gone, or by hand) is never flagged: nobody expects news from it.
 *
 * The weekly health report goes to [digest] admin when set: a short
 * text/plain mail listing the flagged feeds, each with its title, URL,
 * last success, failures in a row and last error. Its slot is Monday at
 * [digest] time in [digest] timezone, keyed by ISO week ("2026-W48"); the
 * first `run` (or daemon cycle) at or after that slot sends it. Like a
 * digest it is recorded in the store (kind "health" and the week) before
 * it leaves and the courier (courier.h) marks it sent once the transport
 * took it, so a week has at most one, whatever runs crash or overlap, and
 * a failed attempt is retried an hour later, COURIER_MAX_ATTEMPTS times at
 * most. A week in which no feed is flagged records and sends nothing: a later run of that week
 * that finds a sick feed sends that week's report then.
 */
#ifndef FEEDMAIL_HEALTH_H
#define FEEDMAIL_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "lib/schedule.h"

struct store;
struct store_feed;

enum health_flag {
	HEALTH_FAILING = 1 << 0, /* sick_failures failed fetches in a row */
	HEALTH_SILENT = 1 << 1,  /* no new entry for sick_days */
};

/* The REPORT_* flags of f at now under cfg's [fetch] sick_failures and
 * sick_days; 0 for a healthy or disabled feed. */
unsigned health_feed_flags(const struct store_feed *f, const struct conf *cfg,
			   int64_t now);

/* One flagged feed, as the report lists it. */
struct health_feed {
	char *title; /* NULL when unknown: the URL is shown */
	char *url;
	int64_t last_success_at;   /* 0: never */
	int64_t last_new_entry_at; /* 0: never */
	int failures;              /* in a row */
	char *last_status;         /* error class, or NULL */
	char *last_error;          /* its message, or NULL */
	unsigned flags;            /* REPORT_* */
};

/* Appends the report's text for week ("2026-W48"): a line saying how many
 * of total feeds need a look, then each of the n feeds, then how the rule
 * reads with cfg's thresholds. Unwrapped, LF line endings. 0, or -1 when
 * out would pass its cap (errno EMSGSIZE/ENOMEM). */
int health_format(struct buf *out, const char *week, size_t total,
		  const struct health_feed *feeds, size_t n,
		  const struct conf *cfg);

/* The health report's slot at or before now (start and key), or the next
 * one strictly after now (start only): Mondays at cfg->time in
 * cfg->timezone. Fail as schedule_current_slot() does. */
int health_current_slot(const struct conf *cfg, int64_t now, int64_t *start,
			char key[SCHEDULE_KEY_SIZE], struct err *e);
int health_next_slot(const struct conf *cfg, int64_t now, int64_t *start,
		     struct err *e);

struct health_outcome {
	size_t sick; /* feeds flagged this time (when built) */
	int built;   /* this week's report was recorded now */
	size_t sent, retry, failed;
};

/* What `run` and each daemon cycle do: when cfg->admin is set, records
 * the mail that says the transport works again when the run ended the
 * outage outage_ended (0: none), and this week's report if its slot has
 * come, none is recorded yet and some feed is flagged or the mail
 * transport had an outage in the last 7 days; then, admin or not, has
 * the courier deliver every pending report whose attempt is due. 0 when
 * that worked (r says what was sent; a transport that failed leaves the
 * report pending, r->retry, and is logged), -1 with e when the store or
 * the configuration failed. */
int health_run(struct store *s, const struct conf *cfg, int64_t outage_ended,
	       struct health_outcome *r, struct err *e);

#endif
