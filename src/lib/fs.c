#include "config.h"

#include "lib/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

int
fs_mkdir_parents(const char *path, struct err *e)
{
	char *copy, *p;
	int rc = 0;

	copy = strdup(path);
	if (!copy)
		return err_set(e, EX_OSERR, "out of memory");
	for (p = copy + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			rc = err_set(e, EX_CANTCREAT, "create folder '%s': %s",
				     copy, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(copy);
	return rc;
}

/* "user 'NAME'" (or "uid N") for uid into out. */
static void
user_name(uid_t uid, const char *prefix, char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(out, size, "%s'%s'", prefix, found->pw_name);
	else
		snprintf(out, size, "uid %ld", (long)uid);
}

/* " (mode 0444, owner root)" for path into out; "" when it cannot be
 * read. */
static void
mode_owner(const char *path, char *out, size_t size)
{
	struct stat st;
	char owner[300];

	out[0] = '\0';
	if (stat(path, &st) < 0)
		return;
	user_name(st.st_uid, "", owner, sizeof(owner));
	snprintf(out, size, " (mode %04o, owner %s)",
		 (unsigned)(st.st_mode & 07777), owner);
}

/* Says in out that user cannot do `what` to thing ("the file", "the
 * folder 'D'") because of err, errno from faccessat. */
static enum fs_denied
denied(enum fs_denied kind, int err, const char *path, const char *what,
       const char *thing, char *out, size_t size)
{
	char user[300], mode[340];

	if (err == EROFS) {
		snprintf(out, size, "'%s' is on a read-only file system", path);
		return FS_DENIED_READ_ONLY;
	}
	user_name(geteuid(), "user ", user, sizeof(user));
	if (err == EACCES) {
		mode_owner(path, mode, sizeof(mode));
		snprintf(out, size, "%s cannot %s %s%s", user, what, thing,
			 mode);
	} else {
		/* EPERM: an immutable or append-only file (chattr), a
		 * policy; strerror says which as well as we can */
		snprintf(out, size, "%s cannot %s %s: %s", user, what, thing,
			 strerror(err));
	}
	return kind;
}

enum fs_denied
fs_access_denied(const char *path, int write, char *out, size_t size)
{
	char folder[4096], thing[4200], *slash;
	size_t len;
	int exists;

	out[0] = '\0';
	/* the folder: path up to its last slash; "." for a bare name */
	slash = strrchr(path, '/');
	len = slash ? (size_t)(slash - path) : 1;
	if (len >= sizeof(folder))
		return FS_DENIED_NONE;
	if (!slash)
		memcpy(folder, ".", 2);
	else if (len == 0)
		memcpy(folder, "/", 2);
	else {
		memcpy(folder, path, len);
		folder[len] = '\0';
	}
	/* each folder on the way must let us through */
	for (slash = folder + 1;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		if (faccessat(AT_FDCWD, folder, X_OK, AT_EACCESS) < 0 &&
		    errno == EACCES) {
			snprintf(thing, sizeof(thing), "the folder '%s'",
				 folder);
			return denied(FS_DENIED_FOLDER, EACCES, folder, "enter",
				      thing, out, size);
		}
		if (!slash)
			break;
		*slash = '/';
	}
	exists = faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
	if (exists && faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0)
		return denied(FS_DENIED_FILE, errno, path, "read", "the file",
			      out, size);
	if (!write)
		return FS_DENIED_NONE;
	if (exists && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) < 0)
		return denied(FS_DENIED_FILE, errno, path, "write", "the file",
			      out, size);
	if (faccessat(AT_FDCWD, folder, W_OK, AT_EACCESS) < 0) {
		snprintf(thing, sizeof(thing), "the folder '%s'", folder);
		return denied(FS_DENIED_FOLDER, errno, folder,
			      exists ? "write" : "create files in", thing, out,
			      size);
	}
	return FS_DENIED_NONE;
}

int
fs_atomic_open(struct fs_atomic *a, const char *path, struct err *e)
{
	size_t len = strlen(path);
	int fd;

	memset(a, 0, sizeof(*a));
	a->path = strdup(path);
	a->tmp = malloc(len + sizeof(".tmp.XXXXXX"));
	if (!a->path || !a->tmp) {
		fs_atomic_abort(a);
		return err_set(e, EX_OSERR, "out of memory");
	}
	memcpy(a->tmp, path, len);
	memcpy(a->tmp + len, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		err_set(e, EX_CANTCREAT, "create '%s': %s", a->tmp,
			strerror(errno));
		free(a->tmp);
		a->tmp = NULL;
		fs_atomic_abort(a);
		return -1;
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		close(fd);
		fs_atomic_abort(a);
		return err_set(e, EX_OSERR, "fdopen: %s", strerror(errno));
	}
	return 0;
}

int
fs_atomic_commit(struct fs_atomic *a, struct err *e)
{
	int rc = 0;

	if (fflush(a->f) == EOF || ferror(a->f) || fsync(fileno(a->f)) < 0)
		rc = err_set(e, EX_IOERR, "write '%s': %s", a->tmp,
			     strerror(errno));
	else if (rename(a->tmp, a->path) < 0)
		rc = err_set(e, EX_CANTCREAT, "rename '%s' to '%s': %s", a->tmp,
			     a->path, strerror(errno));
	if (rc == 0) {
		free(a->tmp);
		a->tmp = NULL; /* renamed: nothing to remove */
	}
	fs_atomic_abort(a);
	return rc;
}

void
fs_atomic_abort(struct fs_atomic *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
}
