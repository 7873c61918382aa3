/* quota: what [smtp] max_per_* lets leave now (quota.h). */
#include "config.h"

#include "mail/quota.h"

#include <stddef.h>

static int
limited(const struct conf *cfg)
{
	return cfg->transport == CONF_TRANSPORT_SMTP ||
	       cfg->transport == CONF_TRANSPORT_SENDMAIL;
}

int
quota_check(struct store *s, const struct conf *cfg, int64_t now,
	    struct quota *q, struct err *e)
{
	const struct {
		const char *key;
		int limit;
		int64_t span;
	} windows[] = {
		{ "max_per_minute", cfg->max_per_minute, 60 },
		{ "max_per_hour", cfg->max_per_hour, 3600 },
		{ "max_per_day", cfg->max_per_day, 24 * 3600 },
	};
	int64_t since, n, at, room;
	size_t i;

	q->room = QUOTA_NONE;
	q->reopen = 0;
	q->key = NULL;
	q->limit = 0;
	if (!limited(cfg))
		return 0;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		if (windows[i].limit <= 0)
			continue;
		/* the last span seconds, now included */
		since = now - windows[i].span + 1;
		if (store_outbox_sent_since(s, since, 0, &n, &at, e) < 0)
			return -1;
		room = windows[i].limit - n;
		if (room > 0) {
			if (room < q->room)
				q->room = room;
			continue;
		}
		/* full: one more may go once the (n - limit)th oldest of
		 * the window has left it */
		if (store_outbox_sent_since(s, since, n - windows[i].limit, &n,
					    &at, e) < 0)
			return -1;
		at += windows[i].span;
		if (at <= now)
			at = now + 1;
		if (q->room > 0 || at > q->reopen) {
			q->reopen = at;
			q->key = windows[i].key;
			q->limit = windows[i].limit;
		}
		q->room = 0;
	}
	return 0;
}
