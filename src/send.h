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
#include "digest.h"
#include "err.h"

struct store;

/* Messages handed to the transport per session. */
#define SEND_BATCH 100
/* Temporary failures before a digest is given up as failed. */
#define SEND_MAX_ATTEMPTS 10

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
 * itself worked (see r for the digests), -1 with e when it could not
 * (store, configuration, out of memory). A transport that cannot be
 * reached is not an error of the run: its digests stay pending (r->retry)
 * and e says why (e->code EX_TEMPFAIL) while 0 is returned. */
int send_run(struct store *s, const struct config *cfg,
	const struct send_options *o, struct send_report *r, struct err *e);

#endif
