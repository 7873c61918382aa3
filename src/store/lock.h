/*
 * lock: the SQLite backend's run lock (store_lock_run), private to
 * src/store/. One writing run at a time per store: an flock(2) on
 * STORE.lock, which the kernel drops when the process dies, so a killed run
 * never leaves a stale lock. The file records the holder (pid, command,
 * start time) so that a waiting run can name it.
 */
#ifndef FEEDMAIL_LOCK_H
#define FEEDMAIL_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct lock;

/* Takes the lock of the store at store_path for command, waiting at most
 * timeout seconds. On timeout: NULL with EX_TEMPFAIL and a message naming
 * the holder; other failures: NULL with the cause. */
struct lock *lock_acquire(const char *store_path, const char *command,
			  int timeout, int64_t now, struct err *e);
/* Releases the lock and frees l. NULL-safe. */
void lock_release(struct lock *l);

/* Who else holds the store at store_path, for a "busy" message: the
 * holder this lock's file names ("pid 42 (feedmail run, since ...)")
 * while another process holds it, else (Linux) a process holding a write
 * lock on the SQLite file or its -shm, as /proc/locks shows it ("pid 42
 * (sqlite3)"). 1 with out filled, or 0 when none is found. Never takes
 * or drops a lock this process holds. */
int lock_holder(const char *store_path, char *out, size_t size);

#endif
