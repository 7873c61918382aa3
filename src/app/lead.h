/*
 * lead: a digest carries the news published up to shortly before it.
 *
 * A feed is fetched when its polling policy says so (fetch/polling.h: its ttl,
 * freshness, publishing rate, backoff), which for a slow feed can be
 * hours away: a 07:00 digest would miss what it published at 21:00. So
 * before each digest slot the feeds its subscribers read are made due,
 * whatever their own interval says. Per distinct (schedule, timezone) of
 * the subscribers:
 *
 * - a slot that begins within [fetch] lead_time minutes needs the feeds of
 *   all its subscribers (the daemon wakes for it: lead_wake);
 * - the slot under way needs the feeds of those of its subscribers who
 *   subscribed by its start and have no digest for it yet: the run about
 *   to build their digest, at 07:00 from cron or hours late, fetches
 *   first.
 *
 * A slot needs a feed once: a feed fetched at or after the slot's start
 * minus lead_time (by the policy or for the slot) is not fetched again for
 * it, so a run repeated within a slot fetches nothing more. A subscriber
 * reads the feeds carrying one of their tags, every feed when they have
 * none, as their digest selects them. What the server asked still holds:
 * a feed whose last answer was 429 or 5xx waits as it was told
 * (Retry-After, else the backoff); our own minimum and polling intervals
 * and the backoff after other failures give way, once per slot.
 * lead_time = 0 turns all this off.
 */
#ifndef FEEDMAIL_LEAD_H
#define FEEDMAIL_LEAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"

struct store;

/* Makes due at now the feeds that the subscribers' slots at hand need (see
 * above); *marked says how many were not due already. A schedule or time
 * zone that cannot be read is skipped (the digest run reports its
 * subscribers). 0, or -1 with e (the store, memory). */
int lead_mark_due(struct store *s, const struct conf *cfg, int64_t now,
		  size_t *marked, struct err *e);

/* When a daemon that looks at now should wake for a slot that begins at
 * start: lead_time before it, or at start once that has passed (the
 * slot's feeds were fetched then), or at start when lead_time is 0. */
int64_t lead_wake(const struct conf *cfg, int64_t start, int64_t now);

#endif
