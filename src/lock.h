/*
 * lock: one writing run at a time per store. The lock is an flock(2) on
 * STORE.lock, which the kernel drops when the process dies, so a killed run
 * never leaves a stale lock. The file records the holder (pid, command,
 * start time) so that a waiting run can name it.
 */
#ifndef FEEDMAIL_LOCK_H
#define FEEDMAIL_LOCK_H

#include "err.h"

struct lock;

/* Takes the lock of the store at store_path for command, waiting at most
 * timeout seconds. On timeout: NULL with EX_TEMPFAIL and a message naming
 * the holder; other failures: NULL with the cause. */
struct lock *lock_acquire(const char *store_path, const char *command,
	int timeout, struct err *e);
/* Releases the lock and frees l. NULL-safe. */
void lock_release(struct lock *l);

#endif
