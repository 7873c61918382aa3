/*
 * run: one pass of the whole job, and when the next one is due. `feedmail
 * run` does one pass; `feedmail daemon` a pass each time something falls
 * due (later, the web server asks when too).
 *
 * A pass, with the configuration loaded, the store open and its run lock
 * held: marks due the feeds a coming digest slot needs (lead.h), fetches
 * the due feeds, builds and delivers the due digests, then the admin's
 * reports (health.h), and deletes the messages of digests sent over a day
 * ago. stop (NULL, or a flag a signal handler sets) ends the pass early
 * once up, letting the transfer or message under way finish.
 */
#ifndef FEEDMAIL_RUN_H
#define FEEDMAIL_RUN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "app/health.h"
#include "fetch/fetch.h"
#include "lib/conf.h"
#include "mail/send.h"
#include "store/store.h"

/* What one pass did. */
struct run_counts {
	struct fetch_report fetch; /* counts only: errors are logged */
	struct send_report send;
	struct health_outcome report;
	int ran;                   /* fetch and send ran to their end */
	int64_t fetch_ms, send_ms; /* how long each took */
	int64_t pending;           /* all mail left pending in the outbox
	                            * after the pass; -1: not counted */
};

/* One pass (above). Logs every failure; returns the exit status `run`
 * gives for it: 0; 69 when the mail transport was down, 78 when it
 * refused our settings; else 75 when something failed in a way the next
 * pass may cure; else 65 when some feed or digest failed for good. */
int run_pass(struct store *s, const struct conf *cfg, const atomic_int *stop,
	     struct run_counts *c);

/* The two or three lines `run` prints for c, without the last newline. */
void run_summary(const struct run_counts *c, char *out, size_t size);

/* The exit status for a send report: 0; 69 when the mail transport was
 * down (78 when it refused our settings: TLS, AUTH); else 75 when some
 * digest waits for a retry; else 65 when some failed. */
int run_send_status(const struct send_report *r);
/* The line `send` prints for r, with the mail pending in the outbox after
 * it (-1: not said), and one more each when the transport was down and
 * when the quota held mail back. */
void run_send_summary(const struct send_report *r, int64_t pending, char *out,
		      size_t size);

/* All the mail (digests and the admin's) pending in the outbox, or -1,
 * logged, when it cannot be counted. */
int64_t run_pending(struct store *s);

/* A monotonic clock in milliseconds, for the durations summaries give. */
int64_t run_ms(void);

/* When the next pass is due, at most horizon after now: the earliest of
 * a feed's next fetch, a pending message's next attempt, [fetch]
 * lead_time before a subscriber's next digest slot and then the slot
 * itself, and the health report's next slot; mail the quota holds back
 * (quota.h) is due when the window lets one more go. What cannot be read
 * is logged and does not count. */
int64_t run_next_due(struct store *s, const struct conf *cfg, int64_t now,
		     int64_t horizon);

#endif
