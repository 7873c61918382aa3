/*
 * polling: when to fetch a feed next. The policy (DESIGN.md, issue 7): about
 * as often as the feed changes, never more often than it asks, backing off
 * when it fails, with a little jitter so feeds of one host are not all due
 * in the same second. Pure arithmetic: no clock, no store.
 */
#ifndef FEEDMAIL_POLLING_H
#define FEEDMAIL_POLLING_H

#include <stdint.h>

struct polling_input {
	int64_t now;
	int min_interval;          /* seconds ([fetch] min_interval) */
	int max_interval;          /* seconds ([fetch] max_interval) */
	int64_t entries_last_week; /* new entries in the last 7 days */
	int ttl_minutes;      /* the feed's <ttl> / sy:updatePeriod, 0 none */
	int64_t fresh_until;  /* Cache-Control max-age / Expires, 0 none */
	int64_t retry_after;  /* Retry-After, 0 none */
	int failures;         /* consecutive, counting this fetch */
	uint64_t jitter_seed; /* e.g. the feed id: same feed, same jitter */
};

/* The next fetch time: the latest of the entry-frequency interval (a week
 * divided by last week's entries, clamped to [min, max]), the ttl, the
 * freshness and Retry-After; after failures, an exponential backoff from
 * min_interval doubling per failure up to max_interval instead of the
 * frequency; plus up to 5% (at most 5 minutes) of jitter. */
int64_t polling_next_fetch(const struct polling_input *in);

#endif
