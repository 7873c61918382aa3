#include "config.h"

#include "fetch/polling.h"

#define WEEK (7 * 24 * 3600)
#define MAX_JITTER 300

static int64_t
later(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
polling_next_fetch(const struct polling_input *in)
{
	int64_t interval, next, jitter;
	int i;

	if (in->failures > 0) {
		interval = in->min_interval;
		for (i = 1; i < in->failures && interval < in->max_interval;
		     i++)
			interval *= 2;
	} else if (in->entries_last_week > 0) {
		interval = WEEK / in->entries_last_week;
	} else {
		interval = in->max_interval;
	}
	if (interval < in->min_interval)
		interval = in->min_interval;
	if (interval > in->max_interval)
		interval = in->max_interval;
	next = in->now + interval;
	if (in->failures == 0)
		next = later(next, in->now + (int64_t)in->ttl_minutes * 60);
	next = later(next, in->fresh_until);
	next = later(next, in->retry_after);
	/* a multiplicative hash of the seed spreads feeds of one host */
	jitter = interval / 20 < MAX_JITTER ? interval / 20 : MAX_JITTER;
	if (jitter > 0)
		next += (int64_t)((in->jitter_seed *
				   UINT64_C(0x9e3779b97f4a7c15)) >>
				  33) %
			jitter;
	return next;
}
