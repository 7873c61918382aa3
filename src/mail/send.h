/*
 * send: builds each subscriber's digest and delivers every pending one,
 * keeping the outbox promise of DESIGN.md: a digest (its message, its
 * Message-ID and its entries) is committed as pending before it leaves,
 * marked sent only once the transport has accepted it, so a killed run
 * loses nothing and re-sends at most the messages that were in flight,
 * with the same Message-ID.
 *
 * The courier (courier.h) carries them, in batches of COURIER_BATCH over
 * one transport session; only one batch is in memory at a time. Building
 * and delivering overlap: the courier, in a thread with its own store
 * connection, delivers the digests already committed while the calling
 * thread builds the next (see send.c).
 */
#ifndef FEEDMAIL_SEND_H
#define FEEDMAIL_SEND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "lib/schedule.h"
#include "mail/courier.h"
#include "mail/digest.h"
#include "store/store.h"

struct send_report {
	size_t built;              /* digests built this run */
	struct courier_counts out; /* what the courier made of them; failed
	                            * counts those that could not be built too */
	int64_t outage_ended;      /* the id of the outage this run ended */
};

struct send_options {
	int dry_run;            /* build and list, record and send nothing */
	int all_pending;        /* retry pending digests now, backoff or not
	                         * (an operator's `send`; `run` waits) */
	int scheduled;          /* `run`: one digest per subscriber and
	                         * schedule slot, built once the slot began */
	int deliver_only;       /* build nothing: deliver what is pending
	                         * (another worker builds the digests) */
	FILE *listing;          /* dry run: where to list the digests */
	const atomic_int *stop; /* NULL, or a flag a signal
	                         * handler sets: once up, no further digest
	                         * is built or queued; the messages queued
	                         * are delivered, the rest stay pending */
};

/* One subscriber's digest, composed: the collected articles, the subject,
 * the text (wrapped) and HTML parts, and the whole message. */
struct send_composed {
	struct digest digest; /* digest.n == 0: nothing new, no message */
	char *subject;
	char *message_id;
	struct buf text, html, message;
	struct buf raw; /* the text before wrapping */
};

/* Composes sub's digest at now (since > 0: a preview of the entries first
 * seen since then, delivered or not), with summaries from cache (may be
 * NULL; see digest_collect). 0 (c->digest.n may be 0), or -1
 * with e; release c with send_composed_release either way. */
int send_compose(struct store *s, const struct conf *cfg,
		 const struct store_subscriber *sub, int64_t since, int64_t now,
		 struct digest_cache *cache, struct send_composed *c,
		 struct err *e);
void send_composed_release(struct send_composed *c);

/* Builds the digests of every subscriber with something new and, at the
 * same time, delivers every pending digest that is due, oldest first
 * (no new batch once the building has failed). A failure that belongs to
 * one digest is recorded on it and counted in r->failed (a digest that
 * cannot be built, an address the transport refuses, a recipient's 5xx);
 * a recipient's 4xx leaves it pending (r->retry); a transport that fails
 * as a whole (no connection, TLS, AUTH, 421) ends the delivering and
 * leaves its digests pending with no attempt counted (r->held,
 * r->transport_code and _error), and is kept as an outage in the store.
 * Returns 0 then too; -1 with e when the store, the configuration or
 * memory failed. */
int send_run(struct store *s, const struct conf *cfg,
	     const struct send_options *o, struct send_report *r,
	     struct err *e);

/* A subscriber's schedule into sch: schedule (NULL: daily) at [digest]
 * time unless it names one, in timezone (NULL: [digest] timezone, which
 * must outlive sch). Fails as schedule_parse() does. */
int send_schedule(const struct conf *cfg, const char *schedule,
		  const char *timezone, struct schedule *sch, struct err *e);

#endif
