/*
 * courier: carries the outbox to the transport, for every mail feedmail
 * sends: the digests, the admin's reports (weekly health, "the transport
 * works again") and doctor's test mail, all composed by compose.h.
 *
 * The outbox promise (DESIGN.md), the same for all of them: a message is
 * committed to the store as pending before it leaves, and marked right
 * after the transport has answered for it (deliver.h's done()): sent,
 * tried again later, or failed for good. So a killed process loses
 * nothing and sends again at most the messages that were in flight, with
 * their Message-ID. The courier reads what is due a batch (COURIER_BATCH)
 * at a time in id order, over one transport session per batch, and holds
 * one batch in memory.
 *
 * The outbox is one table in the store: digests (a subscriber's, with
 * its entries) and the admin's mail (reports, one per kind and slot) are
 * its rows alike, claimed, read and marked by the same calls
 * (store_outbox_claim, _get, _mark), so a courier carries whatever is
 * due, of either. Only how long a message waits after a failure and how
 * that is logged depend on whether it is a digest.
 *
 * A subscriber who unsubscribes (serve's one-click POST) while a digest
 * of theirs is in hand: the courier looks at the subscriber again when it
 * queues the digest and just before it is handed over (deliver.h's
 * cancel: smtp before its DATA, sendmail before running the program, the
 * file transports before writing it); either way it is not sent, and is marked failed with the reply
 * "unsubscribed", as the store marks the pending ones it drops. So only a
 * message already being transmitted can still leave after the answer.
 *
 * A batch is claimed for [store] lease seconds; a slow relay can outlast
 * that, and another worker then claims the rest. So at each of those
 * looks the courier renews the message's lease first
 * (store_outbox_keep), and leaves unsent and unmarked a message another
 * worker holds now: only one whose DATA outlasts its lease can leave
 * twice.
 *
 * A digest run builds and delivers at the same time: the builder commits
 * digests while the courier, in a thread of its own with its own store
 * connection, delivers them (courier_start, courier_committed,
 * courier_built; see send.c).
 */
#ifndef FEEDMAIL_COURIER_H
#define FEEDMAIL_COURIER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "mail/deliver.h"
#include "store/store.h"

/* Messages handed to the transport per session. */
#define COURIER_BATCH 100
/* Temporary failures before a message is given up as failed. */
#define COURIER_MAX_ATTEMPTS 10
/* A server's reply as the outbox keeps it: code, space, text. */
#define COURIER_REPLY_SIZE (DELIVER_REPLY_MAX + 16)
/* The admin's mail the transport refused for now is tried again this much
 * later. */
#define COURIER_REPORT_RETRY 3600

/* What became of the messages carried. */
struct courier_counts {
	size_t sent;
	size_t retry;       /* left pending after a recipient's
	                     * temporary failure */
	size_t held;        /* left pending, uncharged: the transport
	                     * failed as a whole */
	size_t failed;      /* given up (a 5xx, too many attempts, an
	                     * address the transport refuses) */
	int transport_code; /* 0, or why the transport failed as a
	                     * whole: EX_TEMPFAIL, EX_UNAVAILABLE (a 5xx
	                     * to the session), EX_CONFIG (TLS, AUTH) */
	char transport_error[ERR_MSG_MAX];
	size_t quota;          /* left pending, uncharged: [smtp]
	                        * max_per_* reached (quota.h) */
	int64_t quota_until;   /* quota: when one more may leave */
	const char *quota_key; /* quota: the limit reached, static */
	int quota_limit;       /* quota: its value */
};

/* Told of each message the transport answered for, once it is marked:
 * its outbox id and the result for its recipient. */
typedef void courier_heard_fn(void *arg, int64_t id,
			      const struct deliver_result *r);

struct courier {
	/* the caller's, set after courier_init */
	struct store *store; /* the courier's own connection when it runs
	                      * in a thread */
	const struct conf *cfg;
	int64_t now;
	int all_pending;           /* every pending message, due or not */
	int64_t only;              /* > 0: this message alone, as it is (one
	                            * just recorded: doctor's test mail) */
	enum store_outbox_box box; /* which messages it claims */
	int final;                 /* each message's first outcome is its
	                            * last: no retry (doctor's test mail) */
	const atomic_int *stop;    /* NULL, or a flag: once up, no
	                            * further batch is queued */
	courier_heard_fn *heard;   /* NULL, or told of each message */
	void *heard_arg;
	struct courier_counts counts;

	/* the courier's */
	struct err err; /* why a thread's delivering failed */
	int rc;
	pthread_t thread;
	int threaded;
	int claimed; /* only: it was handed out */
	/* shared with a builder, under lock */
	pthread_mutex_t lock;
	pthread_cond_t more;
	int building;     /* a builder commits more meanwhile */
	size_t committed; /* messages the builder has committed */
	int built;        /* the builder is done: no more will come */
	int abandon;      /* the builder failed: start no new batch */
};

/* Sets c up (zeroed, its lock made); release it with courier_release. */
void courier_init(struct courier *c);
void courier_release(struct courier *c);

/* Delivers every due message of the outbox, oldest first, batch by batch,
 * marking each as its answer comes, as many as the quota lets leave
 * (quota.h): past it the rest stays pending as it is, no attempt counted
 * (counts.quota; the courier waits for its builder to be done to count
 * them); c->only, doctor's test mail, is counted by the quota but never
 * held. A failure that belongs to one message is recorded on it
 * (counts.failed: a 5xx, a last attempt, an address the transport
 * refuses); a recipient's 4xx leaves it pending (counts.retry);
 * a transport that fails as a whole ends the delivering, its messages
 * held (counts.held, counts.transport_code and _error). 0 then too; -1
 * with e when the store or the configuration (the transport cannot be
 * opened) failed. */
int courier_run(struct courier *c, struct err *e);

/* For a builder: runs courier_run in a thread with the asynchronous
 * signals blocked (they land in the builder, which checks the stop flag,
 * never in an SMTP session); it waits for whole batches until
 * courier_built. courier_join waits for it and gives its return. -1
 * with e when no thread can be started (nothing then runs). */
int courier_start(struct courier *c, struct err *e);
void courier_committed(struct courier *c);
void courier_built(struct courier *c, int failed);
int courier_join(struct courier *c, struct err *e);

/* What a delivery result makes of a message tried attempts times before:
 * sent; failed for a 5xx or a last try; held when the transport failed as
 * a whole; else retried later. reply gets the server's answer as the
 * outbox keeps it, the code first ("451 4.3.0 try again later"). */
enum store_digest_outcome courier_outcome(const struct deliver_result *r,
					  int attempts,
					  char reply[COURIER_REPLY_SIZE]);

#endif
