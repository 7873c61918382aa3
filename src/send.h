/*
 * send: builds each subscriber's digest and delivers every pending one,
 * keeping the outbox promise of DESIGN.md: a digest (its message, its
 * Message-ID and its entries) is committed as pending before it leaves,
 * marked sent only once the transport has accepted it, so a killed run
 * loses nothing and re-sends at most the messages that were in flight,
 * with the same Message-ID.
 *
 * Messages go out in batches of SEND_BATCH over one transport session;
 * only one batch is in memory at a time. Building and delivering overlap:
 * a thread with its own store connection delivers the digests already
 * committed while the calling thread builds the next (see send.c).
 */
#ifndef FEEDMAIL_SEND_H
#define FEEDMAIL_SEND_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "deliver.h"
#include "digest.h"
#include "err.h"
#include "schedule.h"
#include "store.h"

/* Messages handed to the transport per session. */
#define SEND_BATCH 100
/* Temporary failures before a digest is given up as failed. */
#define SEND_MAX_ATTEMPTS 10
/* A server's reply as the outbox keeps it: code, space, text. */
#define SEND_REPLY_SIZE (DELIVER_REPLY_MAX + 16)

struct send_report {
	size_t built;           /* digests built this run */
	size_t sent;
	size_t retry;           /* left pending after a temporary failure */
	size_t failed;          /* given up: 5xx or too many attempts */
};

struct send_options {
	int dry_run;            /* build and list, record and send nothing */
	int all_pending;        /* retry pending digests now, backoff or not
	                         * (an operator's `send`; `run` waits) */
	int scheduled;          /* `run`: one digest per subscriber and
	                         * schedule slot, built once the slot began */
	FILE *listing;          /* dry run: where to list the digests */
	const volatile sig_atomic_t *stop; /* NULL, or a flag a signal
	                         * handler sets: once up, no further digest
	                         * is built or queued; the messages queued
	                         * are delivered, the rest stay pending */
};

/* One subscriber's digest, composed: the collected articles, the subject,
 * the text (wrapped) and HTML parts, and the whole message. */
struct send_composed {
	struct digest digest;     /* digest.n == 0: nothing new, no message */
	char *subject;
	char *message_id;
	struct buf text, html, message;
	struct buf raw;           /* the text before wrapping */
};

/* Composes sub's digest at now (since > 0: a preview of the entries first
 * seen since then, delivered or not), with summaries from cache (may be
 * NULL; see digest_collect). 0 (c->digest.n may be 0), or -1
 * with e; release c with send_composed_release either way. */
int send_compose(struct store *s, const struct config *cfg,
	const struct store_subscriber *sub, int64_t since, int64_t now,
	struct digest_cache *cache, struct send_composed *c, struct err *e);
void send_composed_release(struct send_composed *c);

/* Builds the digests of every subscriber with something new and, at the
 * same time, delivers every pending digest that is due, oldest first
 * (no new batch once the building has failed). Returns 0 when the run
 * worked (see r for the digests: a server's 4xx leaves one pending,
 * r->retry), -1 with e when it did not: the store, the configuration,
 * memory, or a transport that failed as a whole (a server that cannot be
 * reached: e->code EX_TEMPFAIL; the batch it had counts as temporary
 * failures in r, the digests after it stay pending untried). */
int send_run(struct store *s, const struct config *cfg,
	const struct send_options *o, struct send_report *r, struct err *e);

/* What a delivery result makes of a message (a digest or a report) tried
 * attempts times before: sent; failed for a 5xx or a last try; else
 * retried later. reply gets the server's answer as the outbox keeps it,
 * the code first ("451 4.3.0 try again later"). */
enum store_digest_outcome send_outcome(const struct deliver_result *r,
	int attempts, char reply[SEND_REPLY_SIZE]);

/* A subscriber's schedule into sch: schedule (NULL: daily) at [digest]
 * time unless it names one, in timezone (NULL: [digest] timezone, which
 * must outlive sch). Fails as schedule_parse() does. */
int send_schedule(const struct config *cfg, const char *schedule,
	const char *timezone, struct schedule *sch, struct err *e);

#endif
