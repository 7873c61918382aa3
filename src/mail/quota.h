/*
 * quota: what the provider's or relay's quota ([smtp] max_per_minute,
 * max_per_hour, max_per_day) lets leave now.
 *
 * The windows slide: "per minute" is the last 60 seconds, "per day" the
 * last 24 hours. What left is read from the store (the outbox's sent
 * times, every kind of mail), not kept in memory, so the limits hold
 * across runs, the daemon and several processes one after another (the
 * run lock keeps two from sending at the same time). Only the smtp and
 * sendmail transports are limited; the files and stdout never are.
 */
#ifndef FEEDMAIL_QUOTA_H
#define FEEDMAIL_QUOTA_H

#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "store/store.h"

/* No limit, as quota.room says it. */
#define QUOTA_NONE INT64_MAX

struct quota {
	int64_t room;    /* messages that may leave now: QUOTA_NONE
	                  * when no limit applies */
	int64_t reopen;  /* room 0: when one more may leave */
	const char *key; /* room 0: the limit reached, such as
	                  * "max_per_minute" (static) */
	int limit;       /* room 0: its value */
};

/* Works out q at now for cfg's transport. 0, or -1 with e when the store
 * cannot be read. */
int quota_check(struct store *s, const struct conf *cfg, int64_t now,
		struct quota *q, struct err *e);

#endif
