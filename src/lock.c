#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "date.h"
#include "fs.h"

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

struct lock *
lock_acquire(const char *store_path, const char *command, int timeout,
	     struct err *e)
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
		err_set(e, EX_CANTCREAT, "lock '%s': %s", path,
			strerror(errno));
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
	date_format_utc(clock_now(), started);
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
