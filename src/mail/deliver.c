/*
 * deliver: what every transport shares (deliver.h): the queue and its
 * checks, the flush and its promise that done() hears of each message
 * once, one-off sends. The transports, one file each, are tables of
 * operations (transport_int.h) picked by [digest] transport.
 */
#include "config.h"

#include "mail/deliver.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/conf.h"
#include "mail/transport_int.h"

const char *
deliver_status_name(enum deliver_status s)
{
	switch (s) {
	case DELIVER_OK:
		return "ok";
	case DELIVER_TEMPFAIL:
		return "tempfail";
	case DELIVER_PERMFAIL:
		return "permfail";
	}
	return "?";
}

/* ---- small helpers */

void
deliver_one_line(char *out, size_t size, const char *s)
{
	size_t i, n = 0;
	unsigned char c;

	if (!s)
		s = "";
	for (i = 0; s[i] && n + 1 < size; i++) {
		c = (unsigned char)s[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue; /* squeeze runs, as a CRLF plus indent */
		out[n++] = (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

void
deliver_set_result(struct deliver_result *r, enum deliver_status status,
		   int code, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->code = code;
	r->transport = 0;
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof(r->reply), fmt, ap);
	va_end(ap);
}

void
deliver_set_all(struct deliver_item *it, enum deliver_status status, int code,
		const char *reply)
{
	size_t i;

	for (i = 0; i < it->m.nrcpts; i++)
		deliver_set_result(&it->results[i], status, code, "%s", reply);
}

int
deliver_cancelled(struct deliver *d, struct deliver_item *it)
{
	const char *why;

	if (!it->m.cancel || !(why = it->m.cancel(it->m.cancel_arg, it->index)))
		return 0;
	deliver_set_all(it, DELIVER_PERMFAIL, 0, why);
	deliver_report(d, it);
	return 1;
}

void
deliver_report(struct deliver *d, struct deliver_item *it)
{
	if (it->reported)
		return;
	it->reported = 1;
	/* a callback that failed is not called again in this flush; one
	 * that said -1 but not why still counts as failed */
	if (d->done && !d->done_err.code &&
	    d->done(d->done_arg, it->index, &it->m, it->results,
		    &d->done_err) != 0 &&
	    !d->done_err.code)
		err_set(&d->done_err, EX_SOFTWARE,
			"deliver: the done callback failed");
}

int
deliver_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
deliver_to_lf(struct buf *out, const char *data, size_t len, int mboxrd)
{
	const char *p = data, *end = data + len, *eol, *q;
	size_t n;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (mboxrd) {
			for (q = p; q < p + n && *q == '>'; q++)
				;
			if ((size_t)(p + n - q) >= 5 &&
			    !memcmp(q, "From ", 5) && buf_addch(out, '>') < 0)
				return -1;
		}
		if (buf_add(out, p, n) < 0 || buf_addch(out, '\n') < 0)
			return -1;
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* An envelope address as libesmtp, sendmail and an mbox From line all take
 * it: valid as addr_validate() says (printable ASCII local part, no white
 * space, no angle brackets) and written in ASCII, an international domain
 * as A-labels, into out (ADDR_SIZE octets). The reason names the address:
 * "recipient: 'élise@example.org': non-ASCII local parts are not
 * supported: ...". */
static int
envelope_addr(const char *what, const char *a, int empty_ok, char *out,
	      struct err *e)
{
	if (!a)
		return err_set(e, EX_DATAERR, "%s: missing", what);
	if (!*a && empty_ok) {
		out[0] = '\0';
		return 0;
	}
	if (addr_ascii(a, out, ADDR_SIZE, e) < 0)
		return err_prefix(e, "%s", what);
	return 0;
}

/* ---- queue */

/* Whether every CR and LF of data is part of a CRLF and there is no NUL;
 * else -1 with *at the offset of the first offender. The bytes between
 * line breaks are skipped with memchr: this runs over every message. */
static int
crlf_check(const char *data, size_t len, size_t *at)
{
	const char *p = data, *end = data + len, *cr, *lf, *nul;

	nul = memchr(data, '\0', len);
	end = nul ? nul : end;
	while (p < end) {
		cr = memchr(p, '\r', (size_t)(end - p));
		lf = memchr(p, '\n', (size_t)(end - p));
		if (!cr && !lf)
			break;
		/* the first break must be a CR with its LF right after */
		if (!cr || (lf && lf < cr) || lf != cr + 1) {
			*at = (size_t)((lf && (!cr || lf < cr) ? lf : cr) -
				       data);
			return -1;
		}
		p = lf + 1;
	}
	if (nul) {
		*at = (size_t)(nul - data);
		return -1;
	}
	return 0;
}

int
deliver_queue(struct deliver *d, const struct deliver_message *m, struct err *e)
{
	struct deliver_item *it, *grown;
	char *envelope = NULL;
	size_t i, n;
	char what[32];

	if (!m->data || m->len == 0)
		return err_set(e, EX_DATAERR, "empty message");
	if (m->len > BUF_MAX_DOC)
		return err_set(e, EX_DATAERR, "message of %zu bytes: over %u",
			       m->len, BUF_MAX_DOC);
	/* RFC 5321 2.3.8: only CRLF ends a line. A bare LF or CR (or a NUL)
	 * is refused rather than repaired: "\n.\r\n" is how end-of-data is
	 * smuggled past servers that accept a bare LF. */
	if (crlf_check(m->data, m->len, &i) < 0)
		return err_set(e, EX_DATAERR,
			       "message is not CRLF text: %s at offset %zu",
			       m->data[i] == '\0' ? "NUL" :
			       m->data[i] == '\r' ? "bare CR" :
						    "bare LF",
			       i);
	if (m->nrcpts == 0 || !m->rcpts)
		return err_set(e, EX_DATAERR, "message has no recipient");
	if (m->nrcpts > DELIVER_MAX_RCPTS)
		return err_set(e, EX_DATAERR,
			       "message has %zu recipients: at most %d",
			       m->nrcpts, DELIVER_MAX_RCPTS);
	envelope = malloc((m->nrcpts + 1) * ADDR_SIZE);
	if (!envelope)
		return err_set(e, EX_OSERR, "out of memory");
	if (envelope_addr("sender", m->envelope_from, 1, envelope, e) < 0)
		goto fail;
	for (i = 0; i < m->nrcpts; i++) {
		/* "recipient 2" only when there is more than one */
		if (m->nrcpts > 1)
			snprintf(what, sizeof(what), "recipient %zu", i + 1);
		else
			snprintf(what, sizeof(what), "recipient");
		if (envelope_addr(what, m->rcpts[i], 0,
				  envelope + (i + 1) * ADDR_SIZE, e) < 0)
			goto fail;
	}
	if (d->nitems >= DELIVER_MAX_QUEUE) {
		err_set(e, EX_SOFTWARE,
			"more than %d messages queued: flush "
			"first",
			DELIVER_MAX_QUEUE);
		goto fail;
	}
	if (d->nitems == d->alloc) {
		n = d->alloc ? d->alloc * 2 : 16;
		if (n > DELIVER_MAX_QUEUE)
			n = DELIVER_MAX_QUEUE;
		grown = realloc(d->items, n * sizeof(*grown));
		if (!grown)
			goto nomem;
		d->items = grown;
		d->alloc = n;
	}
	it = &d->items[d->nitems];
	memset(it, 0, sizeof(*it));
	it->results = calloc(m->nrcpts, sizeof(*it->results));
	if (!it->results)
		goto nomem;
	it->d = d;
	it->m = *m;
	it->envelope = envelope;
	it->index = d->nitems;
	d->nitems++;
	return 0;
nomem:
	err_set(e, EX_OSERR, "out of memory");
fail:
	free(envelope);
	return -1;
}

const char *
deliver_item_sender(const struct deliver_item *it)
{
	return it->envelope;
}

const char *
deliver_item_rcpt(const struct deliver_item *it, size_t i)
{
	return it->envelope + (i + 1) * ADDR_SIZE;
}

size_t
deliver_queued(const struct deliver *d)
{
	return d ? d->nitems : 0;
}

static void
queue_clear(struct deliver *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		free(d->items[i].results);
		free(d->items[i].envelope);
	}
	d->nitems = 0;
}

/* ---- SIGPIPE: a peer that goes away must not kill the process */

void
deliver_sigpipe_ignore(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, old);
}

void
deliver_sigpipe_restore(const struct sigaction *old)
{
	sigaction(SIGPIPE, old, NULL);
}

void
deliver_fatal(struct deliver *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d->fatal_code)
		return;
	d->fatal_code = code;
	va_start(ap, fmt);
	vsnprintf(d->fatal, sizeof(d->fatal), fmt, ap);
	va_end(ap);
}

int
deliver_io_code(int err)
{
	return err == ENOSPC || err == EDQUOT ? EX_TEMPFAIL : EX_IOERR;
}

/* The transports, by [digest] transport. */
static const struct deliver_ops *const transports[] = {
	[CONF_TRANSPORT_SMTP] = &deliver_smtp_ops,
	[CONF_TRANSPORT_SENDMAIL] = &deliver_sendmail_ops,
	[CONF_TRANSPORT_MBOX] = &deliver_mbox_ops,
	[CONF_TRANSPORT_MAILDIR] = &deliver_maildir_ops,
	[CONF_TRANSPORT_STDOUT] = &deliver_stdout_ops,
};

struct deliver *
deliver_open(const struct conf *cfg, struct err *e)
{
	struct deliver *d;
	size_t t = (size_t)cfg->transport;

	if (t >= sizeof(transports) / sizeof(transports[0]) || !transports[t]) {
		err_set(e, EX_SOFTWARE, "unknown transport %d",
			(int)cfg->transport);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	d->cfg = cfg;
	d->ops = transports[t];
	if (d->ops->open && d->ops->open(d, e) < 0) {
		deliver_close(d, NULL);
		return NULL;
	}
	return d;
}

int
deliver_flush(struct deliver *d, deliver_done_fn *done, void *arg,
	      struct err *e)
{
	struct deliver_item *it;
	size_t i, j;
	int code;

	d->done = done;
	d->done_arg = arg;
	d->done_err = (struct err)ERR_INIT;
	d->fatal_code = 0;
	d->fatal[0] = '\0';
	if (d->nitems > 0)
		d->ops->flush(d);
	/* whatever the transport did not answer for: try again later */
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (!it->reported) {
			deliver_set_all(it, DELIVER_TEMPFAIL, 0,
					d->fatal[0] ? d->fatal : "not sent");
			for (j = 0; j < it->m.nrcpts; j++)
				it->results[j].transport = 1;
			deliver_report(d, it);
		}
	}
	queue_clear(d);
	d->done = NULL;
	d->done_arg = NULL;
	/* the caller's failure first: it is why it cannot go on */
	if (d->done_err.code)
		return err_set(e, d->done_err.code, "%s", d->done_err.msg);
	code = d->fatal_code;
	if (code)
		return err_set(e, code, "%s", d->fatal);
	return 0;
}

struct send_one {
	size_t index;
	struct deliver_result *results;
};

static int
send_one_done(void *arg, size_t index, const struct deliver_message *m,
	      const struct deliver_result *results, struct err *e)
{
	struct send_one *s = arg;

	(void)e;
	if (index == s->index)
		memcpy(s->results, results, m->nrcpts * sizeof(*results));
	return 0;
}

int
deliver_send(struct deliver *d, const struct deliver_message *m,
	     struct deliver_result *results, struct err *e)
{
	struct send_one s;
	struct err qe = ERR_INIT;
	size_t i;

	if (d->nitems > 0)
		return err_set(e, EX_SOFTWARE,
			       "deliver_send: %zu messages "
			       "queued; flush them first",
			       d->nitems);
	s.index = 0;
	s.results = results;
	if (deliver_queue(d, m, &qe) < 0) {
		for (i = 0; i < m->nrcpts; i++)
			deliver_set_result(&results[i], DELIVER_PERMFAIL, 0,
					   "%s", qe.msg);
		return err_set(e, qe.code, "%s", qe.msg);
	}
	return deliver_flush(d, send_one_done, &s, e);
}

int
deliver_close(struct deliver *d, struct err *e)
{
	size_t dropped;
	int rc = 0;

	if (!d)
		return 0;
	dropped = d->nitems;
	queue_clear(d);
	free(d->items);
	if (d->ops && d->ops->close && d->ops->close(d, e) < 0)
		rc = -1;
	if (dropped)
		rc = err_set(e, EX_SOFTWARE,
			     "%zu queued messages were never "
			     "sent",
			     dropped);
	free(d);
	return rc;
}
