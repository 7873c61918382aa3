/*
 * maildir: the transport that writes each message into the Maildir at
 * [digest] path: tmp/ under a unique name, fsync, renamed into new/
 * (deliver.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fs.h"
#include "mail/transport_int.h"

/* The transport's state (d->priv). */
struct maildir {
	unsigned seq;   /* the Q part of a unique name */
	char host[256]; /* gethostname, '/' and ':' escaped */
};

static int
maildir_mkdir(struct deliver *d, const char *sub, struct err *e)
{
	struct buf p = BUF_INIT(4096);
	int rc = 0;

	if (buf_addf(&p, "%s%s%s", d->cfg->digest_path, sub ? "/" : "",
		     sub ? sub : "") < 0)
		rc = err_set(e, EX_CONFIG, "[digest] path is too long");
	else if (mkdir(p.data, 0700) < 0 && errno != EEXIST)
		rc = err_set(e, EX_CANTCREAT, "create Maildir folder '%s': %s",
			     p.data, strerror(errno));
	buf_release(&p);
	return rc;
}

static int
maildir_open(struct deliver *d, struct err *e)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	struct maildir *md;
	size_t i, n = 0;
	char host[sizeof(md->host)];

	if (!d->cfg->digest_path || !*d->cfg->digest_path)
		return err_set(e, EX_CONFIG,
			       "transport maildir: [digest] "
			       "path is not set");
	if (fs_mkdir_parents(d->cfg->digest_path, e) < 0 ||
	    maildir_mkdir(d, NULL, e) < 0)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (maildir_mkdir(d, subs[i], e) < 0)
			return -1;
	md = d->priv = calloc(1, sizeof(*md));
	if (!md)
		return err_set(e, EX_OSERR, "out of memory");
	/* the host part of a unique name: '/' and ':' written as octal
	 * escapes (the Maildir convention) */
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] && n + 5 < sizeof(md->host); i++) {
		if (host[i] == '/' || host[i] == ':') {
			snprintf(md->host + n, 5, "\\%03o",
				 (unsigned char)host[i]);
			n += 4;
		} else {
			md->host[n++] = host[i];
		}
	}
	md->host[n] = '\0';
	return 0;
}

/* Writes one message into the Maildir: tmp/NAME, fsync, renamed to
 * new/NAME, new/ fsynced. -1 (fatal set, nothing left in tmp/) on
 * failure. */
static int
maildir_one(struct deliver *d, struct deliver_item *it, struct buf *tmp,
	    struct buf *dst, struct buf *body)
{
	const char *path = d->cfg->digest_path;
	struct maildir *md = d->priv;
	struct timespec ts;
	int fd, dfd, err;

	buf_reset(tmp);
	buf_reset(dst);
	buf_reset(body);
	clock_gettime(CLOCK_REALTIME, &ts);
	md->seq++;
	if (buf_addf(tmp, "%s/tmp/%lld.M%06ldP%ldQ%u.%s", path,
		     (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
		     md->seq, md->host) < 0 ||
	    buf_addf(dst, "%s/new/%s", path, strrchr(tmp->data, '/') + 1) < 0 ||
	    deliver_to_lf(body, it->m.data, it->m.len, 0) < 0) {
		deliver_fatal(d, EX_OSERR, "out of memory");
		return -1;
	}
	fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		deliver_fatal(d, EX_CANTCREAT, "create '%s': %s", tmp->data,
			      strerror(errno));
		return -1;
	}
	if (deliver_write_all(fd, body->data, body->len) < 0 || fsync(fd) < 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		err = errno;
		goto fail;
	}
	if (rename(tmp->data, dst->data) < 0) {
		err = errno;
		unlink(tmp->data);
		deliver_fatal(d, EX_IOERR, "rename '%s' to '%s': %s", tmp->data,
			      dst->data, strerror(err));
		return -1;
	}
	/* the rename itself must survive a crash */
	buf_setlen(dst, (size_t)(strrchr(dst->data, '/') - dst->data));
	dfd = open(dst->data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	unlink(tmp->data);
	deliver_fatal(d, deliver_io_code(err), "write '%s': %s", tmp->data,
		      strerror(err));
	return -1;
}

static void
maildir_flush(struct deliver *d)
{
	struct buf tmp = BUF_INIT(4096), dst = BUF_INIT(4096);
	struct buf body = BUF_INIT(BUF_MAX_DOC);
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		/* the last look, as smtp's before DATA */
		if (deliver_cancelled(d, &d->items[i]))
			continue;
		if (maildir_one(d, &d->items[i], &tmp, &dst, &body) < 0)
			break;
		deliver_set_all(&d->items[i], DELIVER_OK, 0,
				"written to the Maildir");
		deliver_report(d, &d->items[i]);
	}
	buf_release(&tmp);
	buf_release(&dst);
	buf_release(&body);
}

static int
maildir_close(struct deliver *d, struct err *e)
{
	(void)e;
	free(d->priv);
	d->priv = NULL;
	return 0;
}

const struct deliver_ops deliver_maildir_ops = { "maildir", maildir_open,
						 maildir_flush, maildir_close };
