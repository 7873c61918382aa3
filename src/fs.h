/*
 * fs: file-system chores done right once: creating the folders above a
 * path, and replacing a file atomically (temporary file, fsync, rename) so a
 * crash leaves either the old file or the new one, never half of one.
 */
#ifndef FEEDMAIL_FS_H
#define FEEDMAIL_FS_H

#include <stdio.h>

#include "err.h"

/* Creates the folders above path (mode 0700) as needed. */
int fs_mkdir_parents(const char *path, struct err *e);

struct fs_atomic {
	FILE *f;     /* write the new content here */
	char *tmp;   /* PATH.tmp.XXXXXX beside the target */
	char *path;
};

/* Opens a temporary file beside path; write to a->f, then fs_atomic_commit
 * or fs_atomic_abort (which removes the temporary file). */
int fs_atomic_open(struct fs_atomic *a, const char *path, struct err *e);
/* Flushes, fsyncs and renames over path; frees a. */
int fs_atomic_commit(struct fs_atomic *a, struct err *e);
/* Removes the temporary file and frees a. NULL-safe, idempotent. */
void fs_atomic_abort(struct fs_atomic *a);

#endif
