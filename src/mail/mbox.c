/*
 * mbox: the transport that appends to [digest] path as mboxrd, under an
 * fcntl(2) write lock (deliver.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/fs.h"
#include "mail/transport_int.h"

/* how long to wait for another program's lock on the file */
#define MBOX_LOCK_TIMEOUT_MS 30000
#define MBOX_LOCK_POLL_MS 50

static int
mbox_open(struct deliver *d, struct err *e)
{
	const char *path = d->cfg->digest_path;

	if (!path || !*path)
		return err_set(e, EX_CONFIG,
			       "transport mbox: [digest] path "
			       "is not set");
	return fs_mkdir_parents(path, e);
}

static int
mbox_lock(struct deliver *d, int fd)
{
	struct flock fl;
	struct timespec pause = { 0, MBOX_LOCK_POLL_MS * 1000000L };
	int waited = 0;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (;;) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			deliver_fatal(d, EX_IOERR, "lock mbox '%s': %s",
				      d->cfg->digest_path, strerror(errno));
			return -1;
		}
		if (waited >= MBOX_LOCK_TIMEOUT_MS) {
			deliver_fatal(d, EX_TEMPFAIL,
				      "mbox '%s' is locked by "
				      "another program (waited %d s)",
				      d->cfg->digest_path,
				      MBOX_LOCK_TIMEOUT_MS / 1000);
			return -1;
		}
		nanosleep(&pause, NULL);
		waited += MBOX_LOCK_POLL_MS;
	}
}

static void
mbox_flush(struct deliver *d)
{
	const char *path = d->cfg->digest_path;
	struct buf b = BUF_INIT(BUF_MAX_DOC + 1024);
	char date[64], tail[2];
	struct stat st;
	struct tm tm;
	time_t now;
	off_t size;
	size_t i;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		  0600);
	if (fd < 0) {
		deliver_fatal(d, EX_CANTCREAT, "open mbox '%s': %s", path,
			      strerror(errno));
		return;
	}
	if (mbox_lock(d, fd) < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		deliver_fatal(d, EX_IOERR, "stat mbox '%s': %s", path,
			      strerror(errno));
		goto out;
	}
	size = st.st_size;
	/* the From line must start a paragraph: mend a file that does
	 * not end with a blank line */
	if (size > 0 && pread(fd, tail, 2, size - (size > 1 ? 2 : 1)) > 0) {
		if (tail[size > 1 ? 1 : 0] != '\n')
			buf_adds(&b, "\n\n");
		else if (size > 1 && tail[0] != '\n')
			buf_adds(&b, "\n");
	}
	/* RFC 4155: "From " sender, then the date as asctime() writes it */
	now = (time_t)clock_now();
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	for (i = 0; i < d->nitems; i++) {
		struct deliver_item *it = &d->items[i];

		/* the last look, as smtp's before DATA */
		if (deliver_cancelled(d, it))
			continue;
		if (buf_addf(&b, "From %s %s\n",
			     *deliver_item_sender(it) ?
				     deliver_item_sender(it) :
				     "MAILER-DAEMON",
			     date) < 0 ||
		    deliver_to_lf(&b, it->m.data, it->m.len, 1) < 0 ||
		    buf_addch(&b, '\n') < 0) {
			deliver_fatal(d, EX_OSERR, "out of memory");
			goto out;
		}
		if (deliver_write_all(fd, b.data, b.len) < 0 || fsync(fd) < 0) {
			int err = errno;

			/* leave no half message behind */
			if (ftruncate(fd, size) < 0)
				err = errno;
			deliver_fatal(d, deliver_io_code(err),
				      "write mbox "
				      "'%s': %s",
				      path, strerror(err));
			goto out;
		}
		size += (off_t)b.len;
		buf_reset(&b);
		deliver_set_all(it, DELIVER_OK, 0, "appended to the mbox");
		deliver_report(d, it);
	}
out:
	close(fd); /* and with it the lock */
	buf_release(&b);
}

const struct deliver_ops deliver_mbox_ops = { "mbox", mbox_open, mbox_flush,
					      NULL };
