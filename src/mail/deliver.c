#include "config.h"

#include "mail/deliver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* <openssl/ssl.h> first: libesmtp.h declares smtp_starttls_set_ctx() only
 * when it has seen SSL_CTX. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/fs.h"
#include "lib/ipaddr.h"
#include "lib/log.h"

/* mbox: how long to wait for another program's lock on the file */
#define MBOX_LOCK_TIMEOUT_MS 30000
#define MBOX_LOCK_POLL_MS 50

/* what the SMTP monitor keeps of one reply line */
#define LINE_MAX_KEPT 400

struct deliver_item {
	struct deliver *d;
	struct deliver_message m;          /* the caller's, shallow */
	struct deliver_result *results;    /* m.nrcpts */
	/* the envelope in ASCII (envelope_addr): the sender, then each
	 * recipient, ADDR_SIZE octets each */
	char *envelope;
	size_t index;
	int reported;                      /* done() was called */
	smtp_message_t msg;                /* smtp: libesmtp's, during flush */
	size_t pos;                        /* smtp: bytes handed to libesmtp */
};

enum auth_state {
	AUTH_NONE,       /* no AUTH command sent */
	AUTH_PENDING,    /* AUTH sent, no final reply yet */
	AUTH_OK,         /* 235 */
	AUTH_FAILED,     /* a 4xx or 5xx to AUTH */
};

/* What one SMTP session showed, reset by each flush. Filled by the event
 * and monitor callbacks, which libesmtp calls from smtp_start_session(). */
struct smtp_state {
	int connected;
	int got_bytes;                 /* anything read from the server */
	int mail_sent;                 /* a MAIL command went out */
	int starttls_sent;
	int lines;                     /* complete reply lines read */
	int greeting_code;
	int greeting_bad;              /* first bytes were not an SMTP reply */
	unsigned char first_byte;
	int tls_on;
	int tls_missing;               /* STARTTLS required, not offered */
	char tls_error[512];           /* certificate or handshake problem */
	enum auth_state auth;
	char auth_reply[LINE_MAX_KEPT];
	int auth_offered;              /* EHLO listed AUTH */
	char auth_mechs[128];
	int in_ehlo;                   /* the last command was EHLO */
	char ext_error[256];           /* a required extension is missing */
	char last_reply[LINE_MAX_KEPT];
	int last_code;
	char line[LINE_MAX_KEPT];      /* the reply line being read */
	size_t line_len;
	struct timespec last_read;
	int setup_failed;              /* TLS, AUTH: nothing may be sent */
	int sock;                      /* the session's socket, or -1 */
	int corked;                    /* TCP_CORK set on sock */
};

struct deliver {
	const struct conf *cfg;
	enum conf_transport transport;
	struct deliver_item *items;
	size_t nitems, alloc;
	deliver_done_fn *done;
	void *done_arg;
	/* why the current flush failed as a whole: EX_* (0: it did not) */
	int fatal_code;
	char fatal[ERR_MSG_MAX];

	/* smtp */
	char *hostport;
	SSL_CTX *ssl_ctx;
	int loopback;
	int ip_literal;
	auth_context_t auth;
	struct smtp_state st;

	/* maildir */
	unsigned maildir_seq;
	char host[256];                /* gethostname, '/' and ':' escaped */
};

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

/* Copies at most size-1 bytes of the server's text s into out, on one
 * line: CR, LF and tabs become spaces (runs of them one), other control
 * bytes '?', trailing white space dropped. s may be NULL. */
static void
one_line(char *out, size_t size, const char *s)
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
			continue;   /* squeeze runs, as a CRLF plus indent */
		out[n++] = (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void
set_result(struct deliver_result *r, enum deliver_status status, int code,
	   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_result(struct deliver_result *r, enum deliver_status status, int code,
	   const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->code = code;
	r->transport = 0;
	va_start(ap, fmt);
	vsnprintf(r->reply, sizeof(r->reply), fmt, ap);
	va_end(ap);
}

static void
set_all(struct deliver_item *it, enum deliver_status status, int code,
	const char *reply)
{
	size_t i;

	for (i = 0; i < it->m.nrcpts; i++)
		set_result(&it->results[i], status, code, "%s", reply);
}

/* Calls done() for it, once. */
static void
report(struct deliver *d, struct deliver_item *it)
{
	if (it->reported)
		return;
	it->reported = 1;
	if (d->done)
		d->done(d->done_arg, it->index, &it->m, it->results);
}

static int
write_all(int fd, const char *p, size_t len)
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

/* Appends the CRLF message to out with LF line endings; mboxrd also adds a
 * '>' before every line matching ">*From " (RFC 4155 and the mboxrd
 * convention), so that no line of the message can start a new one. Ends
 * out with a line break. */
static int
to_lf(struct buf *out, const char *data, size_t len, int mboxrd)
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
			*at = (size_t)((lf && (!cr || lf < cr) ? lf : cr) - data);
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
deliver_queue(struct deliver *d, const struct deliver_message *m,
	      struct err *e)
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
			       m->data[i] == '\r' ? "bare CR" : "bare LF", i);
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
		err_set(e, EX_SOFTWARE, "more than %d messages queued: flush "
			"first", DELIVER_MAX_QUEUE);
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

/* The sender of it (the ASCII form; "" for <>). */
static const char *
item_sender(const struct deliver_item *it)
{
	return it->envelope;
}

/* Its recipient i, in ASCII. */
static const char *
item_rcpt(const struct deliver_item *it, size_t i)
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

static void
sigpipe_ignore(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, old);
}

static void
sigpipe_restore(const struct sigaction *old)
{
	sigaction(SIGPIPE, old, NULL);
}

/* Records why the flush failed as a whole; the first cause wins. */
static void
fatal(struct deliver *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fatal(struct deliver *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d->fatal_code)
		return;
	d->fatal_code = code;
	va_start(ap, fmt);
	vsnprintf(d->fatal, sizeof(d->fatal), fmt, ap);
	va_end(ap);
}

/* strerror() and friends say "Connection refused"; messages here are lower
 * case ("connection refused"), except where the second letter is upper
 * case too (an acronym). */
static const char *
lower_first(char *s)
{
	if (s[0] && isupper((unsigned char)s[0]) &&
	    !isupper((unsigned char)s[1]))
		s[0] = (char)tolower((unsigned char)s[0]);
	return s;
}

/* ---- smtp: what the session showed */

static int
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int)((now.tv_sec - since->tv_sec) * 1000 +
		     (now.tv_nsec - since->tv_nsec) / 1000000);
}

/* One complete line the server sent, CRLF removed. */
static void
smtp_read_line(struct smtp_state *st, const char *line)
{
	int code = 0, i;

	st->lines++;
	log_debug("smtp: < %s", line);
	for (i = 0; i < 3 && isdigit((unsigned char)line[i]); i++)
		code = code * 10 + (line[i] - '0');
	if (i < 3 || (line[3] != ' ' && line[3] != '-' && line[3] != '\0')) {
		if (st->lines == 1)
			st->greeting_bad = 1;
		return;
	}
	/* RFC 4954 4: "250-AUTH PLAIN LOGIN" in the EHLO reply */
	if (st->in_ehlo && line[3] != '\0' &&
	    !strncasecmp(line + 4, "AUTH", 4) &&
	    (line[8] == ' ' || line[8] == '=')) {
		st->auth_offered = 1;
		one_line(st->auth_mechs, sizeof(st->auth_mechs), line + 9);
	}
	if (line[3] == '-')
		return;     /* more lines of the same reply follow */
	if (!st->greeting_code)
		st->greeting_code = code;
	st->last_code = code;
	one_line(st->last_reply, sizeof(st->last_reply), line);
	if (st->auth == AUTH_PENDING && code != 334) {
		if (code == 235) {
			st->auth = AUTH_OK;
		} else {
			st->auth = AUTH_FAILED;
			memcpy(st->auth_reply, st->last_reply,
			       sizeof(st->auth_reply));
		}
	}
	st->in_ehlo = 0;
}

/* libesmtp's protocol monitor, given what was read (writing 0) or written
 * (1), message contents excepted. Of what we write only the verbs are
 * looked at; the lines of an AUTH exchange carry the password and are
 * skipped. */
static void
smtp_monitor(const char *buf, int len, int writing, void *arg)
{
	struct deliver *d = arg;
	struct smtp_state *st = &d->st;
	const char *p = buf, *end = buf + (len > 0 ? len : 0), *eol;
	int i;

	if (writing) {
		/* each flushed buffer starts with a command */
		for (; p < end; p = eol + 1) {
			eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol)
				eol = end - 1;
			if (end - p >= 5 && !strncasecmp(p, "AUTH ", 5)) {
				/* "AUTH PLAIN <credentials>": the verb only */
				log_debug("smtp: > AUTH ...");
				st->auth = AUTH_PENDING;
				continue;
			}
			if (st->auth == AUTH_PENDING)
				continue;   /* a SASL response */
			log_debug("smtp: > %.*s", (int)(eol - p) -
				  (eol > p && eol[-1] == '\r'), p);
			if (end - p >= 4 && !strncasecmp(p, "EHLO", 4)) {
				st->in_ehlo = 1;
				st->auth_offered = 0;
				st->auth_mechs[0] = '\0';
			} else if (end - p >= 4 && !strncasecmp(p, "MAIL", 4)) {
				st->mail_sent = 1;
			} else if (end - p >= 8 &&
				   !strncasecmp(p, "STARTTLS", 8)) {
				st->starttls_sent = 1;
			}
		}
		return;
	}
	if (len > 0) {
		if (!st->got_bytes)
			st->first_byte = (unsigned char)buf[0];
		st->got_bytes = 1;
		clock_gettime(CLOCK_MONOTONIC, &st->last_read);
	}
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (st->line_len > 0 &&
			    st->line[st->line_len - 1] == '\r')
				st->line_len--;
			st->line[st->line_len] = '\0';
			smtp_read_line(st, st->line);
			st->line_len = 0;
		} else if (st->line_len + 1 < sizeof(st->line)) {
			st->line[st->line_len++] = buf[i];
		}
	}
	/* a TLS record (alert 0x15, handshake 0x16) where the greeting
	 * should be: the server speaks TLS from the first byte */
	if (st->lines == 0 &&
	    (st->first_byte == 0x15 || st->first_byte == 0x16))
		st->greeting_bad = 1;
}

/* AUTH was asked for ([smtp] user) and did not succeed: nothing may be
 * sent, and the server's refusals say nothing about the recipients. */
static int
smtp_auth_missing(const struct deliver *d)
{
	return d->auth && d->st.auth != AUTH_OK;
}

/* The server's answer for one recipient, from libesmtp's statuses. */
static void
smtp_rcpt_result(struct deliver_item *it, struct deliver_result *r,
		 const smtp_status_t *mail, const smtp_status_t *rcpt,
		 const smtp_status_t *msg)
{
	struct deliver *d = it->d;
	const smtp_status_t *s = NULL;
	char text[DELIVER_REPLY_MAX];

	if (mail && mail->code >= 400)
		s = mail;          /* MAIL FROM refused: all recipients */
	else if (rcpt && rcpt->code >= 400)
		s = rcpt;          /* RCPT TO refused */
	else if (rcpt && rcpt->code >= 200 && rcpt->code < 300 && msg &&
		 (msg->code >= 400 || (msg->code >= 200 && msg->code < 300)))
		s = msg;           /* the reply to the end of DATA */
	if (!s) {
		set_result(r, DELIVER_TEMPFAIL, 0, "%s", d->fatal[0] ?
			   d->fatal :
			   "the session ended before the server answered");
		/* a message whose recipient was accepted was in flight when
		 * the session died: it may be what broke it, so it is
		 * charged (a message that kills every session fails after
		 * its attempts, not holding everyone back for ever); those
		 * never begun are not */
		r->transport = !(rcpt && rcpt->code >= 200 && rcpt->code < 300);
		return;
	}
	one_line(text, sizeof(text), s->text);
	if (s->code < 300)
		set_result(r, DELIVER_OK, s->code, "%s", text);
	else if (s->code >= 500 && !d->st.setup_failed &&
		 !smtp_auth_missing(d))
		set_result(r, DELIVER_PERMFAIL, s->code, "%s", text);
	else
		set_result(r, DELIVER_TEMPFAIL, s->code, "%s", text);
	/* RFC 5321 4.2.3: 421, the service is closing the channel: the
	 * server's state, not the recipient's; so is a session that could
	 * not be set up (AUTH, TLS) */
	if (s->code == 421 || (s->code >= 400 && (d->st.setup_failed ||
						  smtp_auth_missing(d))))
		r->transport = 1;
}

struct rcpt_walk {
	struct deliver_item *it;
	const smtp_status_t *mail, *msg;
	size_t i;
};

static void
smtp_rcpt_cb(smtp_recipient_t rcpt, const char *mailbox, void *arg)
{
	struct rcpt_walk *w = arg;

	(void)mailbox;
	if (w->i < w->it->m.nrcpts)
		smtp_rcpt_result(w->it, &w->it->results[w->i], w->mail,
				 smtp_recipient_status(rcpt), w->msg);
	w->i++;
}

/* Fills it->results from what the server has answered. */
static void
smtp_item_results(struct deliver_item *it)
{
	struct rcpt_walk w;

	memset(&w, 0, sizeof(w));
	w.it = it;
	w.mail = smtp_reverse_path_status(it->msg);
	w.msg = smtp_message_transfer_status(it->msg);
	smtp_enumerate_recipients(it->msg, smtp_rcpt_cb, &w);
}

/* The server has given its last word on it (or done() was called). */
static int
smtp_item_final(struct deliver_item *it)
{
	int mail = smtp_reverse_path_status(it->msg)->code;
	int msg = smtp_message_transfer_status(it->msg)->code;

	return it->reported || mail >= 400 || msg >= 400 ||
	       (msg >= 200 && msg < 300);
}

static void
tls_error(struct deliver *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
tls_error(struct deliver *d, const char *fmt, ...)
{
	va_list ap;

	if (d->st.tls_error[0])
		return;     /* the first cause is the one to tell */
	va_start(ap, fmt);
	vsnprintf(d->st.tls_error, sizeof(d->st.tls_error), fmt, ap);
	va_end(ap);
}

/* libesmtp (1.1.0, do_session) handles a readable socket before it
 * flushes what it has written. A TLS 1.3 server sends its session tickets
 * just after the handshake; when they arrive before the EHLO that follows
 * STARTTLS has gone out (on a fast link, as on loopback), libesmtp reads,
 * finds no reply and waits for one to a command it has not sent, until
 * the timeout. So the tickets are read here first, from the
 * SMTP_EV_STARTTLS_OK event that comes before that EHLO: wait a little for
 * them, then until the line is quiet. Tickets that come later (a slow
 * link) arrive after the EHLO has been flushed and do no harm. */
static void
smtp_tls_drain(SSL *ssl)
{
	struct pollfd p;
	int fd, i, r, wait_ms = 200;
	char c;

	if (!ssl || SSL_version(ssl) != TLS1_3_VERSION)
		return;
	fd = SSL_get_rfd(ssl);
	for (i = 0; fd >= 0 && i < 8; i++) {
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, wait_ms) <= 0)
			break;
		/* processes the records; leaves any application data */
		r = SSL_peek(ssl, &c, 1);
		if (r > 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
			break;
		wait_ms = 20;
	}
	ERR_clear_error();
}

/*
 * libesmtp writes a message in 2 KiB pieces on a socket it never sets
 * TCP_NODELAY on, so with Nagle's algorithm and the server's delayed ACK
 * every message waited ~40 ms: 22 messages/s (bench/README.md). libesmtp
 * does not hand out its socket; at SMTP_EV_CONNECT it has just connected
 * it, so the TCP sockets of this process connected to the server's port
 * get TCP_NODELAY (harmless on any other). Returns the last of them (the
 * session's: the sockets of earlier sessions are closed), or -1.
 */
static int
smtp_nodelay(int port)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int fd, type, one = 1, p, found = -1;

	for (fd = 3; fd < 1024; fd++) {
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
		    type != SOCK_STREAM)
			continue;
		len = sizeof(peer);
		if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
			continue;
		if (peer.ss_family == AF_INET)
			p = ntohs(((struct sockaddr_in *)&peer)->sin_port);
		else if (peer.ss_family == AF_INET6)
			p = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
		else
			continue;
		if (p == port) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			found = fd;
		}
	}
	return found;
}

/*
 * libesmtp hands a message body to the socket 2 KiB at a time; with
 * TCP_NODELAY each write leaves as a segment of its own (27 for a 55 kB
 * digest), and every segment costs both ends a trip through the network
 * stack. Corked while the body is read, the kernel sends it in full-sized
 * segments; uncorked at its end, before libesmtp writes the final dot.
 */
static void
smtp_cork(struct smtp_state *st, int on)
{
	if (st->sock < 0 || st->corked == on)
		return;
	if (setsockopt(st->sock, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) == 0)
		st->corked = on;
}

/* Called by libesmtp as the session goes; what follows arg depends on the
 * event (libesmtp.h and its docs/tlsevents). */
static void
smtp_event(smtp_session_t session, int event, void *arg, ...)
{
	struct deliver *d = arg;
	struct smtp_state *st = &d->st;
	struct deliver_item *it;
	smtp_message_t msg;
	va_list ap;
	int *ok;
	long vfy;

	(void)session;
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT:
		st->connected = 1;
		clock_gettime(CLOCK_MONOTONIC, &st->last_read);
		st->sock = smtp_nodelay(d->cfg->smtp_port);
		st->corked = 0;
		break;
	case SMTP_EV_MESSAGESENT:
		/* the server has answered the end of this message's DATA
		 * (or refused DATA): final, tell the caller now */
		msg = va_arg(ap, smtp_message_t);
		it = smtp_message_get_application_data(msg);
		if (it && !it->reported) {
			smtp_item_results(it);
			report(d, it);
		}
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		st->tls_missing = 1;
		break;
	case SMTP_EV_EXTNA_8BITMIME:
		snprintf(st->ext_error, sizeof(st->ext_error),
			 "the server does not offer 8BITMIME, which a message "
			 "with 8-bit content needs");
		break;
	case SMTP_EV_STARTTLS_OK:
		st->tls_on = 1;
		smtp_tls_drain(va_arg(ap, SSL *));
		/* encrypted now: PLAIN and LOGIN may carry the password */
		if (d->auth)
			auth_set_mechanism_flags(d->auth, AUTH_PLUGIN_PLAIN, 0);
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		vfy = va_arg(ap, long);
		ok = va_arg(ap, int *);
		*ok = 0;
		tls_error(d, "server certificate not trusted: %s",
			  X509_verify_cert_error_string(vfy));
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		tls_error(d, "the server sent no certificate");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		/* OpenSSL has checked the name against [smtp] host during the
		 * handshake (X509_VERIFY_PARAM_set1_host/_ip_asc in
		 * smtp_open(); it fails otherwise), IP addresses included,
		 * which libesmtp's own check does not know. */
		ok = va_arg(ap, int *);
		*ok = 1;
		break;
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		ok = va_arg(ap, int *);
		*ok = 0;
		tls_error(d, "the TLS cipher is too weak");
		break;
	case SMTP_EV_NO_CLIENT_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		tls_error(d, "libesmtp's client certificate has no usable key");
		break;
	case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
	case SMTP_EV_UNUSABLE_CA_LIST:
		tls_error(d, "libesmtp found a client certificate it cannot "
			  "use under ~/.config/libesmtp (it must be readable "
			  "by its owner only)");
		break;
	default:
		/* SYNTAXWARNING and EXTNA_DSN/CHUNKING/ETRN pass an int
		 * *quit_now that stays 0: tolerate, none is required */
		break;
	}
	va_end(ap);
}

/* OpenSSL's certificate check, one call per certificate of the chain. */
static int
smtp_verify_cb(int preverify_ok, X509_STORE_CTX *x)
{
	struct deliver *d = NULL;
	SSL *ssl;
	int err;

	if (preverify_ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(x,
		SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl)
		d = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	err = X509_STORE_CTX_get_error(x);
	if (!d)
		return 0;
	if (err == X509_V_ERR_HOSTNAME_MISMATCH ||
	    err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		tls_error(d, "the server certificate is not for '%s'",
			  d->cfg->smtp_host);
	else
		tls_error(d, "server certificate not trusted: %s%s",
			  X509_verify_cert_error_string(err),
			  d->cfg->smtp_ca_file ? "" :
			  " (set [smtp] ca_file to the CA that signed it)");
	return 0;
}

/* libesmtp creates the SSL and starts the handshake itself, with no hook
 * in between; the start of the handshake is the one place left to name
 * the server (SNI, RFC 6066 3) before the ClientHello goes out. */
static void
smtp_tls_info(const SSL *ssl, int where, int ret)
{
	struct deliver *d;

	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_START))
		return;
	d = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (d && !d->ip_literal &&
	    !SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
		SSL_set_tlsext_host_name((SSL *)ssl, d->cfg->smtp_host);
}

/* SASL asks for the user and password (PLAIN, LOGIN, CRAM-MD5). */
static int
smtp_auth_interact(auth_client_request_t req, char **result, int fields,
		   void *arg)
{
	struct deliver *d = arg;
	int i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = d->cfg->smtp_user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = d->cfg->smtp_password;
		else
			result[i] = (char *)"";   /* realm */
		if (!result[i])
			return 0;
	}
	return 1;
}

/* libesmtp reads the message through this: len NULL rewinds. The data is
 * handed over as it is, in pieces of at most 1 MiB (libesmtp's lengths are
 * int); libesmtp does the dot-stuffing (RFC 5321 4.5.2). When AUTH was
 * asked for and did not succeed, it refuses (errno set), which makes
 * libesmtp drop the connection before the end of DATA: no message goes
 * out unauthenticated. */
static const char *
smtp_read_msg(void **ctx, int *len, void *arg)
{
	struct deliver_item *it = arg;
	size_t n;

	(void)ctx;
	if (!len) {
		it->pos = 0;
		return NULL;
	}
	if (smtp_auth_missing(it->d)) {
		smtp_cork(&it->d->st, 0);
		errno = EACCES;
		*len = 0;
		return NULL;
	}
	n = it->m.len - it->pos;
	if (n > 1024 * 1024)
		n = 1024 * 1024;
	/* the body's first piece: cork; its end (n == 0): uncork */
	smtp_cork(&it->d->st, n > 0);
	*len = (int)n;
	it->pos += n;
	return it->m.data + it->pos - n;
}

/* After smtp_start_session(): works out whether the session failed as a
 * whole and why, in the words the operator needs. */
static void
smtp_diagnose(struct deliver *d, int started, int serr)
{
	const struct conf *c = d->cfg;
	struct smtp_state *st = &d->st;
	const char *hp = d->hostport;
	char why[256];
	unsigned long ossl;
	size_t i, pending = 0;

	for (i = 0; i < d->nitems; i++)
		if (!smtp_item_final(&d->items[i]))
			pending++;
	if (st->tls_missing) {
		st->setup_failed = 1;
		fatal(d, EX_CONFIG, "'%s': TLS required but the server does "
		      "not offer STARTTLS", hp);
		return;
	}
	if (st->tls_error[0] || (st->starttls_sent && !st->tls_on &&
				 st->last_code == 220)) {
		st->setup_failed = 1;
		if (!st->tls_error[0]) {
			ossl = ERR_peek_last_error();
			if (ossl)
				ERR_error_string_n(ossl, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "%s",
					 "the server closed the connection");
			tls_error(d, "TLS handshake failed: %s", why);
		}
		fatal(d, EX_CONFIG, "'%s': STARTTLS: %s", hp, st->tls_error);
		return;
	}
	if (st->greeting_bad) {
		st->setup_failed = 1;
		fatal(d, EX_CONFIG, "'%s': the server does not greet in SMTP "
		      "(%s): this port expects implicit TLS (465); use 587 "
		      "with STARTTLS", hp,
		      st->first_byte == 0x15 || st->first_byte == 0x16 ?
		      "it answers in TLS" : "its first line is not a reply");
		return;
	}
	if (d->auth && st->auth == AUTH_FAILED) {
		st->setup_failed = 1;
		fatal(d, EX_CONFIG, "'%s': authentication failed: %s", hp,
		      st->auth_reply);
		return;
	}
	if (d->auth && st->auth != AUTH_OK && st->mail_sent) {
		st->setup_failed = 1;
		if (!st->auth_offered)
			fatal(d, EX_CONFIG, "'%s': [smtp] user is set but the "
			      "server does not offer AUTH", hp);
		else if (!st->tls_on && !d->loopback)
			fatal(d, EX_CONFIG, "'%s': not sending the password "
			      "over an unencrypted connection (the server is "
			      "not on this machine and STARTTLS was not used)",
			      hp);
		else
			fatal(d, EX_CONFIG, "'%s': none of the server's AUTH "
			      "mechanisms (%s) can be used", hp,
			      st->auth_mechs);
		return;
	}
	if (st->ext_error[0]) {
		fatal(d, EX_UNAVAILABLE, "'%s': %s", hp, st->ext_error);
		return;
	}
	if (!st->connected && !started) {
		char text[128];

		smtp_strerror(serr, text, sizeof(text));
		fatal(d, serr == SMTP_ERR_EAI_NONAME ||
		      serr == SMTP_ERR_EAI_NODATA ||
		      serr == SMTP_ERR_EAI_SERVICE ? EX_UNAVAILABLE :
		      EX_TEMPFAIL, "cannot connect to '%s': %s", hp,
		      lower_first(text));
		return;
	}
	if (st->connected && !st->got_bytes) {
		if (elapsed_ms(&st->last_read) + 100 >= c->smtp_timeout * 1000)
			snprintf(why, sizeof(why), "no greeting within %d s",
				 c->smtp_timeout);
		else
			snprintf(why, sizeof(why), "the server closed the "
				 "connection without a greeting");
		fatal(d, EX_TEMPFAIL, "'%s': %s; if this port expects "
		      "implicit TLS (465), use 587 with STARTTLS", hp, why);
		return;
	}
	if (st->greeting_code >= 400) {
		fatal(d, st->greeting_code >= 500 ? EX_UNAVAILABLE :
		      EX_TEMPFAIL, "'%s': the server refused the session: %s",
		      hp, st->last_reply);
		return;
	}
	if (pending == 0)
		return;
	if (st->last_code == 421)
		fatal(d, EX_TEMPFAIL, "'%s': the server closed the session: "
		      "%s", hp, st->last_reply);
	else if (elapsed_ms(&st->last_read) + 100 >= c->smtp_timeout * 1000)
		fatal(d, EX_TEMPFAIL, "'%s': no answer within %d s (last "
		      "reply: %s)", hp, c->smtp_timeout, st->last_reply);
	else if (st->last_code >= 400)
		fatal(d, st->last_code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL,
		      "'%s': the session ended after: %s", hp,
		      st->last_reply);
	else
		fatal(d, EX_TEMPFAIL, "'%s': the connection was lost (last "
		      "reply: %s)", hp, st->last_reply[0] ? st->last_reply :
		      "none");
}

static int
has_8bit(const char *p, size_t len)
{
	uint64_t w, any = 0;
	size_t i = 0;

	/* eight bytes at a time: the whole of every message is looked at
	 * (mime renders 7-bit, so nothing stops the scan early) */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		any |= w;
	}
	for (; i < len; i++)
		any |= (unsigned char)p[i];
	return (any & UINT64_C(0x8080808080808080)) != 0;
}

/* Hands the queue to the session s: one libesmtp message per item. -1
 * when memory runs out. */
static int
smtp_add_items(struct deliver *d, smtp_session_t s)
{
	struct deliver_item *it;
	smtp_message_t msg;
	size_t i, j;

	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		msg = smtp_add_message(s);
		if (!msg)
			return -1;
		it->msg = msg;
		smtp_message_set_application_data_release(msg, it, NULL);
		if (!smtp_set_reverse_path(msg, item_sender(it)) ||
		    !smtp_set_messagecb(msg, smtp_read_msg, it))
			return -1;
		smtp_size_set_estimate(msg, it->m.len);
		/* RFC 6152: declare 8-bit content (mime renders 7-bit) */
		if (has_8bit(it->m.data, it->m.len))
			smtp_8bitmime_set_body(msg, E8bitmime_8BITMIME);
		for (j = 0; j < it->m.nrcpts; j++)
			if (!smtp_add_recipient(msg, item_rcpt(it, j)))
				return -1;
	}
	return 0;
}

static void
smtp_flush(struct deliver *d)
{
	static const int timeouts[] = {
		Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
		Timeout_TRANSFER, Timeout_DATA2,
	};
	const struct conf *c = d->cfg;
	struct deliver_item *it;
	struct sigaction old;
	smtp_session_t s;
	int started, serr;
	size_t i;

	memset(&d->st, 0, sizeof(d->st));
	d->st.sock = -1;
	s = smtp_create_session();
	if (!s || !smtp_set_server(s, d->hostport)) {
		fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	/* libesmtp's timeouts are in milliseconds, and at least the
	 * minutes of RFC 5321 4.5.3.2 unless overridden */
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
		smtp_set_timeout(s, timeouts[i] |
				 Timeout_OVERRIDE_RFC2822_MINIMUM,
				 (long)c->smtp_timeout * 1000);
	smtp_set_eventcb(s, smtp_event, d);
	smtp_set_monitorcb(s, smtp_monitor, d, 0);
	smtp_starttls_enable(s, c->starttls == CONF_STARTTLS_REQUIRED ?
			     Starttls_REQUIRED :
			     c->starttls == CONF_STARTTLS_OPTIONAL ?
			     Starttls_ENABLED : Starttls_DISABLED);
	if (d->ssl_ctx)
		smtp_starttls_set_ctx(s, d->ssl_ctx);
	if (d->auth) {
		/* libesmtp refuses mechanisms that send the password as it
		 * is (PLAIN, LOGIN) unless told; tell it for a server on
		 * this machine now, and for others once TLS is up
		 * (SMTP_EV_STARTTLS_OK) */
		auth_set_mechanism_flags(d->auth,
					 d->loopback ? AUTH_PLUGIN_PLAIN : 0,
					 d->loopback ? 0 : AUTH_PLUGIN_PLAIN);
		smtp_auth_set_context(s, d->auth);
	}
	if (smtp_add_items(d, s) < 0) {
		fatal(d, EX_OSERR, "out of memory");
		goto out;
	}

	ERR_clear_error();
	sigpipe_ignore(&old);
	started = smtp_start_session(s);
	serr = smtp_errno();
	sigpipe_restore(&old);
	smtp_diagnose(d, started, serr);
out:
	/* the rest of what the server answered (MAIL refused...), or
	 * TEMPFAIL with the reason the session failed */
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (it->msg && !it->reported) {
			smtp_item_results(it);
			report(d, it);
		}
		it->msg = NULL;
	}
	if (s)
		smtp_destroy_session(s);
}

static int
smtp_open(struct deliver *d, struct err *e)
{
	const struct conf *c = d->cfg;
	const char *host = c->smtp_host;
	X509_VERIFY_PARAM *param;
	struct in_addr a;
	size_t n;

	if (!host || !*host)
		return err_set(e, EX_CONFIG, "transport smtp: [smtp] host is "
			       "not set");
	/* libesmtp splits "HOST:PORT" at the first colon */
	if (strchr(host, ':') || host[0] == '[')
		return err_set(e, EX_CONFIG, "[smtp] host '%s': IPv6 address "
			       "literals are not supported; use a name such "
			       "as localhost", host);
	if (c->smtp_port == 465)
		return err_set(e, EX_CONFIG, "[smtp] port 465: this port "
			       "expects implicit TLS (465); use 587 with "
			       "STARTTLS");
	if (c->smtp_user && !c->smtp_password)
		return err_set(e, EX_CONFIG, "[smtp] user is set but no "
			       "password (password_file or password_env)");
	n = strlen(host) + 8;
	d->hostport = malloc(n);
	if (!d->hostport)
		return err_set(e, EX_OSERR, "out of memory");
	snprintf(d->hostport, n, "%s:%d", host, c->smtp_port);
	d->loopback = ipaddr_host_is_loopback(host);
	d->ip_literal = inet_pton(AF_INET, host, &a) == 1;

	if (c->starttls != CONF_STARTTLS_OFF) {
		d->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!d->ssl_ctx)
			return err_set(e, EX_SOFTWARE, "SSL_CTX_new failed");
		SSL_CTX_set_min_proto_version(d->ssl_ctx, TLS1_2_VERSION);
		SSL_CTX_set_default_verify_paths(d->ssl_ctx);
		if (c->smtp_ca_file &&
		    !SSL_CTX_load_verify_locations(d->ssl_ctx, c->smtp_ca_file,
						   NULL)) {
			char why[256];

			ERR_error_string_n(ERR_get_error(), why, sizeof(why));
			return err_set(e, EX_CONFIG, "[smtp] ca_file '%s': %s",
				       c->smtp_ca_file, why);
		}
		/* verified in the handshake: chain and name; a failure
		 * stops it before anything is sent */
		SSL_CTX_set_verify(d->ssl_ctx, SSL_VERIFY_PEER, smtp_verify_cb);
		param = SSL_CTX_get0_param(d->ssl_ctx);
		X509_VERIFY_PARAM_set_hostflags(param,
			X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (!(d->ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
		      : X509_VERIFY_PARAM_set1_host(param, host, 0)))
			return err_set(e, EX_SOFTWARE, "cannot set the host "
				       "name to verify");
		SSL_CTX_set_app_data(d->ssl_ctx, d);
		SSL_CTX_set_info_callback(d->ssl_ctx, smtp_tls_info);
	}
	if (c->smtp_user) {
		auth_client_init();
		d->auth = auth_create_context();
		if (!d->auth)
			return err_set(e, EX_OSERR, "out of memory");
		auth_set_interact_cb(d->auth, smtp_auth_interact, d);
	}
	return 0;
}

/* ---- sendmail */

/* Runs [digest] sendmail for one message. -1 (fatal set) when it cannot be
 * run at all; otherwise the results say what its exit status meant. */
static int
sendmail_one(struct deliver *d, struct deliver_item *it)
{
	const char *prog = d->cfg->sendmail;
	struct buf body = BUF_INIT(BUF_MAX_DOC);
	char **argv = NULL;
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int status, child_errno = 0, write_failed = 0, rc = -1;
	struct sigaction old;
	size_t i, n = 0;
	ssize_t got;
	pid_t pid;

	if (to_lf(&body, it->m.data, it->m.len, 0) < 0) {
		fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	argv = calloc(it->m.nrcpts + 6, sizeof(*argv));
	if (!argv) {
		fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	/* -i: a line with a single dot is not the end; -f: the envelope
	 * sender; "--": no recipient can be taken for an option */
	argv[n++] = (char *)prog;
	argv[n++] = (char *)"-i";
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)(*item_sender(it) ? item_sender(it) : "<>");
	argv[n++] = (char *)"--";
	for (i = 0; i < it->m.nrcpts; i++)
		argv[n++] = (char *)item_rcpt(it, i);
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		fatal(d, EX_OSERR, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fatal(d, EX_OSERR, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec; the
		 * error pipe closes on a successful exec */
		if (dup2(in[0], 0) < 0) {
			child_errno = errno;
		} else {
			sigset_t none;

			/* the courier thread blocks the signals a daemon
			 * handles: sendmail must get them as usual */
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			signal(SIGPIPE, SIG_DFL);
			execv(prog, argv);
			child_errno = errno;
		}
		if (write(ep[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(ep[1]);
	ep[1] = -1;
	do
		got = read(ep[0], &child_errno, sizeof(child_errno));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(child_errno)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		fatal(d, EX_CONFIG, "cannot run [digest] sendmail '%s': %s",
		      prog, strerror(child_errno));
		goto out;
	}
	sigpipe_ignore(&old);
	if (write_all(in[1], body.data, body.len) < 0)
		write_failed = errno;
	sigpipe_restore(&old);
	close(in[1]);
	in[1] = -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fatal(d, EX_OSERR, "waitpid: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !write_failed)
		set_all(it, DELIVER_OK, 0, "accepted by sendmail");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		set_all(it, DELIVER_TEMPFAIL, 0, "sendmail exited before "
			"reading the whole message");
	else if (WIFEXITED(status))
		for (i = 0; i < it->m.nrcpts; i++)
			set_result(&it->results[i],
				   WEXITSTATUS(status) == EX_TEMPFAIL ?
				   DELIVER_TEMPFAIL : DELIVER_PERMFAIL, 0,
				   "'%s' exited with status %d", prog,
				   WEXITSTATUS(status));
	else
		for (i = 0; i < it->m.nrcpts; i++)
			set_result(&it->results[i], DELIVER_TEMPFAIL, 0,
				   "'%s' was killed by signal %d", prog,
				   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	report(d, it);
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(argv);
	buf_release(&body);
	return rc;
}

static void
sendmail_flush(struct deliver *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (sendmail_one(d, &d->items[i]) < 0)
			return;
}

/* ---- mbox */

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
			fatal(d, EX_IOERR, "lock mbox '%s': %s",
			      d->cfg->digest_path, strerror(errno));
			return -1;
		}
		if (waited >= MBOX_LOCK_TIMEOUT_MS) {
			fatal(d, EX_TEMPFAIL, "mbox '%s' is locked by another "
			      "program (waited %d s)", d->cfg->digest_path,
			      MBOX_LOCK_TIMEOUT_MS / 1000);
			return -1;
		}
		nanosleep(&pause, NULL);
		waited += MBOX_LOCK_POLL_MS;
	}
}

static int
io_code(int err)
{
	return err == ENOSPC || err == EDQUOT ? EX_TEMPFAIL : EX_IOERR;
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
		fatal(d, EX_CANTCREAT, "open mbox '%s': %s", path,
		      strerror(errno));
		return;
	}
	if (mbox_lock(d, fd) < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		fatal(d, EX_IOERR, "stat mbox '%s': %s", path,
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

		if (buf_addf(&b, "From %s %s\n", *item_sender(it) ?
			     item_sender(it) : "MAILER-DAEMON", date) < 0 ||
		    to_lf(&b, it->m.data, it->m.len, 1) < 0 ||
		    buf_addch(&b, '\n') < 0) {
			fatal(d, EX_OSERR, "out of memory");
			goto out;
		}
		if (write_all(fd, b.data, b.len) < 0 || fsync(fd) < 0) {
			int err = errno;

			/* leave no half message behind */
			if (ftruncate(fd, size) < 0)
				err = errno;
			fatal(d, io_code(err), "write mbox '%s': %s", path,
			      strerror(err));
			goto out;
		}
		size += (off_t)b.len;
		buf_reset(&b);
		set_all(it, DELIVER_OK, 0, "appended to the mbox");
		report(d, it);
	}
out:
	close(fd);    /* and with it the lock */
	buf_release(&b);
}

/* ---- maildir */

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
	size_t i, n = 0;
	char host[sizeof(d->host)];

	if (!d->cfg->digest_path || !*d->cfg->digest_path)
		return err_set(e, EX_CONFIG, "transport maildir: [digest] "
			       "path is not set");
	if (fs_mkdir_parents(d->cfg->digest_path, e) < 0 ||
	    maildir_mkdir(d, NULL, e) < 0)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (maildir_mkdir(d, subs[i], e) < 0)
			return -1;
	/* the host part of a unique name: '/' and ':' written as octal
	 * escapes (the Maildir convention) */
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] && n + 5 < sizeof(d->host); i++) {
		if (host[i] == '/' || host[i] == ':') {
			snprintf(d->host + n, 5, "\\%03o",
				 (unsigned char)host[i]);
			n += 4;
		} else {
			d->host[n++] = host[i];
		}
	}
	d->host[n] = '\0';
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
	struct timespec ts;
	int fd, dfd, err;

	buf_reset(tmp);
	buf_reset(dst);
	buf_reset(body);
	clock_gettime(CLOCK_REALTIME, &ts);
	d->maildir_seq++;
	if (buf_addf(tmp, "%s/tmp/%lld.M%06ldP%ldQ%u.%s", path,
		     (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
		     d->maildir_seq, d->host) < 0 ||
	    buf_addf(dst, "%s/new/%s", path, strrchr(tmp->data, '/') + 1) < 0 ||
	    to_lf(body, it->m.data, it->m.len, 0) < 0) {
		fatal(d, EX_OSERR, "out of memory");
		return -1;
	}
	fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fatal(d, EX_CANTCREAT, "create '%s': %s", tmp->data,
		      strerror(errno));
		return -1;
	}
	if (write_all(fd, body->data, body->len) < 0 || fsync(fd) < 0) {
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
		fatal(d, EX_IOERR, "rename '%s' to '%s': %s", tmp->data,
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
	fatal(d, io_code(err), "write '%s': %s", tmp->data, strerror(err));
	return -1;
}

static void
maildir_flush(struct deliver *d)
{
	struct buf tmp = BUF_INIT(4096), dst = BUF_INIT(4096);
	struct buf body = BUF_INIT(BUF_MAX_DOC);
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		if (maildir_one(d, &d->items[i], &tmp, &dst, &body) < 0)
			break;
		set_all(&d->items[i], DELIVER_OK, 0, "written to the Maildir");
		report(d, &d->items[i]);
	}
	buf_release(&tmp);
	buf_release(&dst);
	buf_release(&body);
}

/* ---- stdout */

static void
stdout_flush(struct deliver *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		struct deliver_item *it = &d->items[i];

		if (fwrite(it->m.data, 1, it->m.len, stdout) != it->m.len ||
		    fflush(stdout) == EOF) {
			fatal(d, io_code(errno), "write to standard output: "
			      "%s", strerror(errno));
			return;
		}
		set_all(it, DELIVER_OK, 0, "written to standard output");
		report(d, it);
	}
}

/* ---- the API */

struct deliver *
deliver_open(const struct conf *cfg, struct err *e)
{
	struct deliver *d;
	int rc = 0;

	d = calloc(1, sizeof(*d));
	if (!d) {
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	d->cfg = cfg;
	d->transport = cfg->transport;
	switch (cfg->transport) {
	case CONF_TRANSPORT_SMTP:
		rc = smtp_open(d, e);
		break;
	case CONF_TRANSPORT_SENDMAIL:
		if (!cfg->sendmail || !*cfg->sendmail)
			rc = err_set(e, EX_CONFIG, "transport sendmail: "
				     "[digest] sendmail is not set");
		else if (access(cfg->sendmail, X_OK) < 0)
			rc = err_set(e, EX_CONFIG, "[digest] sendmail '%s': %s",
				     cfg->sendmail, strerror(errno));
		break;
	case CONF_TRANSPORT_MBOX:
		if (!cfg->digest_path || !*cfg->digest_path)
			rc = err_set(e, EX_CONFIG, "transport mbox: [digest] "
				     "path is not set");
		else
			rc = fs_mkdir_parents(cfg->digest_path, e);
		break;
	case CONF_TRANSPORT_MAILDIR:
		rc = maildir_open(d, e);
		break;
	case CONF_TRANSPORT_STDOUT:
		break;
	default:
		rc = err_set(e, EX_SOFTWARE, "unknown transport %d",
			     (int)cfg->transport);
		break;
	}
	if (rc < 0) {
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
	d->fatal_code = 0;
	d->fatal[0] = '\0';
	if (d->nitems > 0) {
		switch (d->transport) {
		case CONF_TRANSPORT_SMTP:
			smtp_flush(d);
			break;
		case CONF_TRANSPORT_SENDMAIL:
			sendmail_flush(d);
			break;
		case CONF_TRANSPORT_MBOX:
			mbox_flush(d);
			break;
		case CONF_TRANSPORT_MAILDIR:
			maildir_flush(d);
			break;
		case CONF_TRANSPORT_STDOUT:
			stdout_flush(d);
			break;
		}
	}
	/* whatever the transport did not answer for: try again later */
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (!it->reported) {
			set_all(it, DELIVER_TEMPFAIL, 0, d->fatal[0] ?
				d->fatal : "not sent");
			for (j = 0; j < it->m.nrcpts; j++)
				it->results[j].transport = 1;
			report(d, it);
		}
	}
	queue_clear(d);
	d->done = NULL;
	d->done_arg = NULL;
	code = d->fatal_code;
	if (code)
		return err_set(e, code, "%s", d->fatal);
	return 0;
}

struct send_one {
	size_t index;
	struct deliver_result *results;
};

static void
send_one_done(void *arg, size_t index, const struct deliver_message *m,
	      const struct deliver_result *results)
{
	struct send_one *s = arg;

	if (index == s->index)
		memcpy(s->results, results, m->nrcpts * sizeof(*results));
}

int
deliver_send(struct deliver *d, const struct deliver_message *m,
	     struct deliver_result *results, struct err *e)
{
	struct send_one s;
	struct err qe = ERR_INIT;
	size_t i;

	if (d->nitems > 0)
		return err_set(e, EX_SOFTWARE, "deliver_send: %zu messages "
			       "queued; flush them first", d->nitems);
	s.index = 0;
	s.results = results;
	if (deliver_queue(d, m, &qe) < 0) {
		for (i = 0; i < m->nrcpts; i++)
			set_result(&results[i], DELIVER_PERMFAIL, 0, "%s",
				   qe.msg);
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
	if (d->transport == CONF_TRANSPORT_STDOUT && fflush(stdout) == EOF)
		rc = err_set(e, EX_IOERR, "write to standard output: %s",
			     strerror(errno));
	if (dropped)
		rc = err_set(e, EX_SOFTWARE, "%zu queued messages were never "
			     "sent", dropped);
	if (d->auth)
		auth_destroy_context(d->auth);
	SSL_CTX_free(d->ssl_ctx);
	free(d->hostport);
	free(d);
	return rc;
}

/* ---- probe (feedmail doctor): a minimal SMTP client of our own, since
 * libesmtp connects only to send a message */

struct probe_conn {
	int fd;
	SSL *ssl;
	char buf[4096];
	size_t len;
};

static int
probe_write(struct probe_conn *c, const char *line)
{
	size_t n = strlen(line);

	log_debug("smtp: > %.*s", (int)n - 2, line);
	if (c->ssl)
		return SSL_write(c->ssl, line, (int)n) == (int)n ? 0 : -1;
	return write_all(c->fd, line, n);
}

/* One line from the server into line (CRLF removed); -1 on EOF or error. */
static int
probe_line(struct probe_conn *c, char *line, size_t size)
{
	char *eol;
	size_t take;
	ssize_t n;

	while (!(eol = memchr(c->buf, '\n', c->len))) {
		if (c->len == sizeof(c->buf))
			return -1;
		n = c->ssl ? SSL_read(c->ssl, c->buf + c->len,
				      (int)(sizeof(c->buf) - c->len))
			   : read(c->fd, c->buf + c->len,
				  sizeof(c->buf) - c->len);
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
	take = (size_t)(eol - c->buf) + 1;
	*eol = '\0';
	if (eol > c->buf && eol[-1] == '\r')
		eol[-1] = '\0';
	one_line(line, size, c->buf);
	log_debug("smtp: < %s", line);
	memmove(c->buf, c->buf + take, c->len - take);
	c->len -= take;
	return 0;
}

/* Reads one reply: its first line into first, the text of the lines after
 * it (EHLO's keywords) into rest, one per line. The code, or -1. */
static int
probe_reply(struct probe_conn *c, char *first, size_t firstsz, char *rest,
	    size_t restsz)
{
	char line[LINE_MAX_KEPT];
	size_t used = 0;
	int n = 0;

	if (rest)
		rest[0] = '\0';
	for (;;) {
		if (probe_line(c, line, sizeof(line)) < 0 || strlen(line) < 3 ||
		    !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]))
			return -1;
		if (n++ == 0)
			snprintf(first, firstsz, "%s", line);
		else if (rest && used < restsz)
			used += (size_t)snprintf(rest + used, restsz - used,
						 "%s%s", used ? "\n" : "",
						 line[3] ? line + 4 : "");
		if (line[3] != '-')
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			       (line[2] - '0');
	}
}

static int
probe_connect(const struct conf *cfg, struct err *e)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	struct timeval tv = { cfg->smtp_timeout, 0 };
	char port[16];
	int fd = -1, rc, saved = 0;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", cfg->smtp_port);
	rc = getaddrinfo(cfg->smtp_host, port, &hints, &res);
	if (rc)
		return err_set(e, EX_UNAVAILABLE, "'%s': %s", cfg->smtp_host,
			       gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(e, EX_UNAVAILABLE, "cannot connect to '%s:%d': %s",
			       cfg->smtp_host, cfg->smtp_port,
			       saved == ECONNREFUSED ? "connection refused" :
						       strerror(saved));
	return fd;
}

int
deliver_probe(const struct conf *cfg, struct deliver_probe *p,
	      struct err *e)
{
	struct probe_conn c = { -1, NULL, { 0 }, 0 };
	struct deliver *d = NULL;
	char reply[DELIVER_REPLY_MAX], ehlo[300], host[256];
	int code, rc = -1;

	memset(p, 0, sizeof(*p));
	if (cfg->transport != CONF_TRANSPORT_SMTP)
		return err_set(e, EX_CONFIG, "the transport is not smtp");
	d = deliver_open(cfg, e);
	if (!d)
		return -1;
	c.fd = probe_connect(cfg, e);
	if (c.fd < 0)
		goto out;
	if (probe_reply(&c, p->greeting, sizeof(p->greeting), NULL, 0) != 220) {
		err_set(e, EX_UNAVAILABLE, "'%s:%d' does not greet as an SMTP "
			"server%s%s", cfg->smtp_host, cfg->smtp_port,
			p->greeting[0] ? ": " : " (a TLS-only port such as "
			"465?)", p->greeting);
		goto out;
	}
	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", host);
	if (probe_write(&c, ehlo) < 0 ||
	    probe_reply(&c, reply, sizeof(reply), p->offers,
			sizeof(p->offers)) != 250) {
		err_set(e, EX_UNAVAILABLE, "EHLO refused: %s", reply);
		goto out;
	}
	p->starttls_offered = strstr(p->offers, "STARTTLS") != NULL;
	rc = 0;
	if (!p->starttls_offered || !d->ssl_ctx)
		goto quit;
	if (probe_write(&c, "STARTTLS\r\n") < 0 ||
	    (code = probe_reply(&c, reply, sizeof(reply), NULL, 0)) != 220) {
		snprintf(p->tls_info, sizeof(p->tls_info), "STARTTLS refused: %s",
			 reply);
		goto out;
	}
	c.ssl = SSL_new(d->ssl_ctx);
	if (!c.ssl || !SSL_set_fd(c.ssl, c.fd) || SSL_connect(c.ssl) != 1) {
		char why[256];

		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		snprintf(p->tls_info, sizeof(p->tls_info), "TLS failed: %s",
			 d->st.tls_error[0] ? d->st.tls_error : why);
		SSL_free(c.ssl);
		c.ssl = NULL;
		goto out;       /* the connection is in no state for QUIT */
	}
	p->tls = 1;
	snprintf(p->tls_info, sizeof(p->tls_info),
		 "%s, %s, certificate verified", SSL_get_version(c.ssl),
		 SSL_get_cipher_name(c.ssl));
	if (probe_write(&c, ehlo) < 0 ||
	    probe_reply(&c, reply, sizeof(reply), p->offers_tls,
			sizeof(p->offers_tls)) != 250)
		snprintf(p->offers_tls, sizeof(p->offers_tls),
			 "(EHLO after STARTTLS failed)");
quit:
	if (probe_write(&c, "QUIT\r\n") == 0)
		probe_reply(&c, reply, sizeof(reply), NULL, 0);
out:
	if (c.ssl) {
		SSL_shutdown(c.ssl);
		SSL_free(c.ssl);
	}
	if (c.fd >= 0)
		close(c.fd);
	deliver_close(d, NULL);
	return rc;
}
