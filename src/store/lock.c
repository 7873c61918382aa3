#include "config.h"

#include "store/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/date.h"
#include "lib/fs.h"

struct lock {
	int fd;
};

/* Reads the holder's line for the timeout message. */
static void
read_holder(int fd, char *out, size_t size)
{
	ssize_t n;

	n = pread(fd, out, size - 1, 0);
	if (n <= 0) {
		snprintf(out, size, "another process");
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

/* The error for a lock file that open(2) refused with err: one the user
 * may not write is EX_NOPERM, saying what is missing. */
static void
open_error(const char *path, int err, struct err *e)
{
	char why[1024];

	if (err != EACCES && err != EPERM && err != EROFS) {
		err_set(e, EX_CANTCREAT, "lock '%s': %s", path, strerror(err));
		return;
	}
	switch (fs_access_denied(path, 1, why, sizeof(why))) {
	case FS_DENIED_NONE:
		err_set(e, EX_NOPERM, "lock '%s': %s", path, strerror(err));
		break;
	case FS_DENIED_READ_ONLY:
		err_set(e, EX_NOPERM, "lock '%s': %s", path, why);
		break;
	default:
		err_set(e, EX_NOPERM, "lock '%s': permission denied: %s", path,
			why);
	}
}

struct lock *
lock_acquire(const char *store_path, const char *command, int timeout,
	     int64_t now, struct err *e)
{
	struct lock *l = NULL;
	char *path = NULL, holder[256], started[32];
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	long waited_ms = 0;
	int fd = -1;

	if (fs_mkdir_parents(store_path, e) < 0)
		return NULL;
	if (asprintf(&path, "%s.lock", store_path) < 0) {
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		open_error(path, errno, e);
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			err_set(e, EX_OSERR, "lock '%s': %s", path,
				strerror(errno));
			goto out;
		}
		if (waited_ms >= (long)timeout * 1000) {
			read_holder(fd, holder, sizeof(holder));
			err_set(e, EX_TEMPFAIL,
				"store '%s' is busy: held by %s; gave up "
				"after %d s",
				store_path, holder, timeout);
			goto out;
		}
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
	date_format_utc(now, started);
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "pid %ld (feedmail %s, since %s)\n", (long)getpid(),
			command, started);
	l = malloc(sizeof(*l));
	if (!l) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	l->fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return l;
}

void
lock_release(struct lock *l)
{
	if (!l)
		return;
	/* closing drops the flock; the file stays for the next run */
	close(l->fd);
	free(l);
}

/* The pid at the start of a holder line ("pid 42 (feedmail ..."), or 0. */
static long
holder_pid(const char *line)
{
	long pid = 0;

	if (sscanf(line, "pid %ld", &pid) != 1)
		return 0;
	return pid;
}

/* "pid N (COMMAND)" for pid into out, the command from /proc when it can
 * be read. */
static void
name_pid(long pid, char *out, size_t size)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (comm[0])
		snprintf(out, size, "pid %ld (%s)", pid, comm);
	else
		snprintf(out, size, "pid %ld", pid);
}

/* Whether the lock line's device and inode are those of st. */
static int
same_file(const struct stat *st, unsigned maj, unsigned min, unsigned long ino)
{
	return major(st->st_dev) == maj && minor(st->st_dev) == min &&
	       st->st_ino == ino;
}

/* The pid of a process other than this one holding a POSIX write lock
 * on the store or its -shm (SQLite's write lock is one: a byte of the
 * -shm in WAL mode), or 0. Read from /proc/locks (Linux), so that nothing
 * here opens and closes the store's files: closing any descriptor of a
 * file drops every POSIX lock this process holds on it, SQLite's
 * included. */
static long
posix_holder(const char *store_path)
{
	struct stat db, shm;
	char line[256], *shm_path = NULL, kind[16], rw[16];
	unsigned maj, min;
	unsigned long ino;
	long pid, found = 0;
	int have_shm;
	FILE *f;

	if (stat(store_path, &db) < 0 ||
	    asprintf(&shm_path, "%s-shm", store_path) < 0)
		return 0;
	have_shm = stat(shm_path, &shm) == 0;
	free(shm_path);
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	/* "1: POSIX  ADVISORY  WRITE 4242 fd:01:1234 120 120"; a line of
	 * a waiter ("1: -> POSIX ...") does not parse */
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%lu", kind, rw,
			   &pid, &maj, &min, &ino) != 6 ||
		    strcmp(kind, "POSIX") || strcmp(rw, "WRITE") || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (same_file(&db, maj, min, ino) ||
		    (have_shm && same_file(&shm, maj, min, ino)))
			found = pid;
	}
	fclose(f);
	return found;
}

/* The holder line of the run lock of store_path into out, when another
 * process holds it; 1 then, else 0. */
static int
run_lock_holder(const char *store_path, char *out, size_t size)
{
	char *path = NULL;
	int fd, found = 0;

	if (asprintf(&path, "%s.lock", store_path) < 0)
		return 0;
	/* a shared flock on a descriptor of our own conflicts with any
	 * holder's, ours included: then the file says who it is */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		read_holder(fd, out, size);
		found = holder_pid(out) != (long)getpid();
	}
	close(fd);
	return found;
}

int
lock_holder(const char *store_path, char *out, size_t size)
{
	char line[256];
	int has_line = run_lock_holder(store_path, line, sizeof(line));
	long pid = posix_holder(store_path);

	/* SQLite's lock says who holds the store; the run lock's line says
	 * more about that process when it is the same one */
	if (pid && (!has_line || holder_pid(line) != pid)) {
		name_pid(pid, out, size);
		return 1;
	}
	if (has_line)
		snprintf(out, size, "%s", line);
	return has_line;
}
