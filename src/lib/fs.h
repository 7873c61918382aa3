/*
 * fs: file-system chores done right once: creating the folders above a
 * path, and replacing a file atomically (temporary file, fsync, rename) so a
 * crash leaves either the old file or the new one, never half of one.
 */
#ifndef FEEDMAIL_FS_H
#define FEEDMAIL_FS_H

#include <stdio.h>

#include "lib/err.h"

/* Creates the folders above path (mode 0700) as needed. */
int fs_mkdir_parents(const char *path, struct err *e);

/* What keeps this process's user from a file, for an error message. */
enum fs_denied {
	FS_DENIED_NONE,      /* nothing the modes or the mount explain */
	FS_DENIED_FILE,      /* the file cannot be read, or written */
	FS_DENIED_FOLDER,    /* a folder on the way cannot be entered, or the
	                      * file's own cannot be written (new files) */
	FS_DENIED_READ_ONLY, /* a read-only file system */
};

/* Why this process's user (effective ids) cannot read path, or read and
 * write it (and create files beside it) when write is set, as the file
 * modes and the mount say; path need not exist. Writes the reason into
 * out ("user 'nobody' cannot write the file (mode 0444, owner root)",
 * "user 'nobody' cannot create files in the folder '/srv' (mode 0555,
 * owner root)", "'/srv/x.db' is on a read-only file system"), or "" with
 * FS_DENIED_NONE. Checks, never changes anything; root passes every mode
 * check, so only the mount and immutable files stop it. */
enum fs_denied fs_access_denied(const char *path, int write, char *out,
				size_t size);

struct fs_atomic {
	FILE *f;   /* write the new content here */
	char *tmp; /* PATH.tmp.XXXXXX beside the target */
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
