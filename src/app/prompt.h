/*
 * prompt: the confirmation mails `feedmail serve` queues, carried at once
 * by a thread of serve's own, so that whoever subscribes on the web gets
 * their mail in seconds even when the only other process is a daemon
 * asleep until the next digest slot.
 *
 * Each time serve queues a confirmation (prompt_kick), the thread takes
 * the store's run lock without waiting, and runs a courier over the
 * outbox's confirmations only (STORE_OUTBOX_CONFIRMS), through the
 * normal claims and marks: what `run` or the daemon would carry, carried
 * now, never twice (on SQLite the lock keeps any other courier out
 * meanwhile; on PostgreSQL, where every command takes it shared, the
 * outbox's leases give each message to one courier). When another
 * process holds the lock (a SQLite run under way, which may carry it),
 * the thread tries again PROMPT_RETRY seconds later, until it has made
 * one pass after the last kick. A confirmation the server refuses for now
 * stays pending with its next attempt, for the next run or the daemon.
 */
#ifndef FEEDMAIL_PROMPT_H
#define FEEDMAIL_PROMPT_H

#include "lib/conf.h"
#include "lib/err.h"
#include "store/store.h"

/* Seconds between tries of a run lock another process holds. */
#define PROMPT_RETRY 5

struct prompt;

/* Starts the thread for the store at location (its run lock's name),
 * whose connections it opens from store (store_open_another: store must
 * stay open until prompt_stop returns), sending with cfg (taken: freed by
 * the prompt; heap-allocated, conf_init'ed and loaded). Call it with the
 * asynchronous signals blocked: the thread inherits the mask. NULL with e
 * (EX_OSERR) when no thread can be started; cfg is then freed. */
struct prompt *prompt_start(struct store *store, const char *location,
			    struct conf *cfg, struct err *e);

/* The settings for the next pass (taken, as prompt_start's). */
void prompt_set_conf(struct prompt *p, struct conf *cfg);

/* A confirmation was queued: carry it soon. NULL-safe. */
void prompt_kick(struct prompt *p);

/* Ends the thread (a message under way finishes) and frees p.
 * NULL-safe. */
void prompt_stop(struct prompt *p);

#endif
