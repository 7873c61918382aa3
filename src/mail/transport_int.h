/*
 * transport_int: what deliver.c (the queue, the flush, the results) shares
 * with the transports, one file each: smtp.c, sendmail.c, mbox.c,
 * maildir.c, stdout.c. Private to src/mail; users include deliver.h.
 *
 * A transport is a table of operations, picked by [digest] transport.
 * deliver.c checks and queues each message; at a flush the transport
 * carries the queue and, for each message it has an answer for, fills
 * its results and calls deliver_report() (at once: the caller marks the
 * message sent there). A failure of the transport as a whole goes to
 * deliver_fatal(); deliver.c then answers TEMPFAIL for every message not
 * reported.
 */
#ifndef FEEDMAIL_TRANSPORT_INT_H
#define FEEDMAIL_TRANSPORT_INT_H

#include <signal.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "mail/deliver.h"

/* what a transport keeps of one line a server sent */
#define DELIVER_LINE_KEPT 400

struct deliver_item {
	struct deliver *d;
	struct deliver_message m;       /* the caller's, shallow */
	struct deliver_result *results; /* m.nrcpts */
	/* the envelope in ASCII (envelope_addr): the sender, then each
	 * recipient, ADDR_SIZE octets each */
	char *envelope;
	size_t index;
	int reported; /* done() was called */
	void *handle; /* the transport's, during a
	               * flush (smtp: libesmtp's
	               * message) */
	size_t pos;   /* smtp: bytes handed over */
};

struct deliver_ops {
	const char *name;
	/* checks cfg's settings and sets d->priv up; NULL: nothing to do.
	 * -1 with e (close is called anyway). */
	int (*open)(struct deliver *d, struct err *e);
	/* carries the d->nitems queued, answering as said above */
	void (*flush)(struct deliver *d);
	/* frees d->priv; -1 with e when something written is lost. NULL:
	 * nothing to free */
	int (*close)(struct deliver *d, struct err *e);
};

extern const struct deliver_ops deliver_smtp_ops;
extern const struct deliver_ops deliver_sendmail_ops;
extern const struct deliver_ops deliver_mbox_ops;
extern const struct deliver_ops deliver_maildir_ops;
extern const struct deliver_ops deliver_stdout_ops;

struct deliver {
	const struct conf *cfg;
	const struct deliver_ops *ops;
	struct deliver_item *items;
	size_t nitems, alloc;
	deliver_done_fn *done;
	void *done_arg;
	struct err done_err; /* done() failed, and why (0: it did not) */
	/* why the current flush failed as a whole: EX_* (0: it did not) */
	int fatal_code;
	char fatal[ERR_MSG_MAX];
	void *priv; /* the transport's own state */
};

/* The sender of it in ASCII ("" for <>), and its recipient i. */
const char *deliver_item_sender(const struct deliver_item *it);
const char *deliver_item_rcpt(const struct deliver_item *it, size_t i);

/* Sets one result; the reply from fmt. transport is set to 0. */
void deliver_set_result(struct deliver_result *r, enum deliver_status status,
			int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sets every result of it alike. */
void deliver_set_all(struct deliver_item *it, enum deliver_status status,
		     int code, const char *reply);
/* Calls done() for it, once. */
void deliver_report(struct deliver *d, struct deliver_item *it);
/* Asks it's cancel callback (deliver.h), just before it is handed over:
 * with a reason, reports it DELIVER_PERMFAIL, code 0, with that reason
 * and returns 1 (not to be sent); else 0. */
int deliver_cancelled(struct deliver *d, struct deliver_item *it);
/* Records why the flush failed as a whole; the first cause wins. */
void deliver_fatal(struct deliver *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies at most size-1 bytes of a server's text s into out, on one
 * line: CR, LF and tabs become spaces (runs of them one), other control
 * bytes '?', trailing white space dropped. s may be NULL. */
void deliver_one_line(char *out, size_t size, const char *s);
/* write(2) of all len bytes, going on after EINTR. 0, or -1 (errno). */
int deliver_write_all(int fd, const char *p, size_t len);
/* Appends the CRLF message to out with LF line endings; mboxrd also adds
 * a '>' before every line matching ">*From " (RFC 4155 and the mboxrd
 * convention). Ends out with a line break. -1 when out is full. */
int deliver_to_lf(struct buf *out, const char *data, size_t len, int mboxrd);
/* The exit status for a failed write: a full disk may pass, others not. */
int deliver_io_code(int err);
/* SIGPIPE ignored while a peer may go away, and put back. */
void deliver_sigpipe_ignore(struct sigaction *old);
void deliver_sigpipe_restore(const struct sigaction *old);

/* smtp.c, for the probe (smtp_probe.c): the TLS context deliver_open
 * made (NULL when [smtp] starttls is off), and the first certificate
 * problem its checks saw ("" when none). */
struct ssl_ctx_st *deliver_smtp_tls_ctx(const struct deliver *d);
const char *deliver_smtp_tls_error(const struct deliver *d);

#endif
