/*
 * smtp: the SMTP transport (deliver.h says what it does), over libesmtp
 * and OpenSSL: the only file but the probe (smtp_probe.c) that includes
 * them. libesmtp runs a whole session, connect to QUIT, inside
 * smtp_start_session(); what it showed is read from its event and monitor
 * callbacks, and smtp_diagnose() puts it into the words an operator needs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>

/* <openssl/ssl.h> first: libesmtp.h declares smtp_starttls_set_ctx() only
 * when it has seen SSL_CTX. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <auth-client.h>
#include <libesmtp.h>

#include "lib/conf.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "mail/transport_int.h"

enum auth_state {
	AUTH_NONE,    /* no AUTH command sent */
	AUTH_PENDING, /* AUTH sent, no final reply yet */
	AUTH_OK,      /* 235 */
	AUTH_FAILED,  /* a 4xx or 5xx to AUTH */
};

/* What one SMTP session showed, reset by each flush. Filled by the event
 * and monitor callbacks, which libesmtp calls from smtp_start_session(). */
struct smtp_state {
	/* the message whose DATA was refused by its cancel callback (the
	 * connection dropped before its end), and why */
	struct deliver_item *cancelled;
	char cancel_why[DELIVER_REPLY_MAX];
	int connected;
	int got_bytes; /* anything read from the server */
	int mail_sent; /* a MAIL command went out */
	int starttls_sent;
	int lines; /* complete reply lines read */
	int greeting_code;
	int greeting_bad; /* first bytes were not an SMTP reply */
	unsigned char first_byte;
	int tls_on;
	int tls_missing;     /* STARTTLS required, not offered */
	char tls_error[512]; /* certificate or handshake problem */
	enum auth_state auth;
	char auth_reply[DELIVER_LINE_KEPT];
	int auth_offered; /* EHLO listed AUTH */
	char auth_mechs[128];
	int in_ehlo;         /* the last command was EHLO */
	char ext_error[256]; /* a required extension is missing */
	char last_reply[DELIVER_LINE_KEPT];
	int last_code;
	char line[DELIVER_LINE_KEPT]; /* the reply line being read */
	size_t line_len;
	struct timespec last_read;
	int setup_failed; /* TLS, AUTH: nothing may be sent */
	int sock;         /* the session's socket, or -1 */
	int corked;       /* TCP_CORK set on sock */
};

/* The transport's state (d->priv). */
struct smtp {
	char *hostport; /* the relay in use, "HOST:PORT" */
	SSL_CTX *ssl_ctx;
	int loopback;
	int ip_literal;
	/* [smtp] host's relays, tried in turn (smtp_failover); relay is
	 * the one in use, kept from one flush to the next */
	struct conf_relay relays[CONF_MAX_RELAYS];
	int nrelays, relay;
	auth_context_t auth;
	struct smtp_state st;
};

static struct smtp *
smtp_of(const struct deliver *d)
{
	return d->priv;
}

/* The relay sessions go to now. */
static const struct conf_relay *
smtp_relay(const struct deliver *d)
{
	return &smtp_of(d)->relays[smtp_of(d)->relay];
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
		deliver_one_line(st->auth_mechs, sizeof(st->auth_mechs),
				 line + 9);
	}
	if (line[3] == '-')
		return; /* more lines of the same reply follow */
	if (!st->greeting_code)
		st->greeting_code = code;
	st->last_code = code;
	deliver_one_line(st->last_reply, sizeof(st->last_reply), line);
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
	struct smtp_state *st = &smtp_of(d)->st;
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
				continue; /* a SASL response */
			log_debug("smtp: > %.*s",
				  (int)(eol - p) - (eol > p && eol[-1] == '\r'),
				  p);
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
	return smtp_of(d)->auth && smtp_of(d)->st.auth != AUTH_OK;
}

/* RFC 4954 6: 530 to MAIL FROM, authentication required (or, from some
 * servers, STARTTLS first): the session's setup, not the sender's or the
 * recipient's doing, and the same answer for every message. */
static int
smtp_auth_required(const smtp_status_t *mail)
{
	return mail && mail->code == 530;
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
		s = mail; /* MAIL FROM refused: all recipients */
	else if (rcpt && rcpt->code >= 400)
		s = rcpt; /* RCPT TO refused */
	else if (rcpt && rcpt->code >= 200 && rcpt->code < 300 && msg &&
		 (msg->code >= 400 || (msg->code >= 200 && msg->code < 300)))
		s = msg; /* the reply to the end of DATA */
	if (!s) {
		deliver_set_result(r, DELIVER_TEMPFAIL, 0, "%s",
				   d->fatal[0] ? d->fatal :
						 "the session ended before the "
						 "server answered");
		/* a message whose recipient was accepted was in flight when
		 * the session died: it may be what broke it, so it is
		 * charged (a message that kills every session fails after
		 * its attempts, not holding everyone back for ever); those
		 * never begun are not */
		r->transport = !(rcpt && rcpt->code >= 200 && rcpt->code < 300);
		return;
	}
	deliver_one_line(text, sizeof(text), s->text);
	if (s->code < 300)
		deliver_set_result(r, DELIVER_OK, s->code, "%s", text);
	else if (s->code >= 500 && !smtp_of(d)->st.setup_failed &&
		 !smtp_auth_missing(d) && !smtp_auth_required(mail))
		deliver_set_result(r, DELIVER_PERMFAIL, s->code, "%s", text);
	else
		deliver_set_result(r, DELIVER_TEMPFAIL, s->code, "%s", text);
	/* RFC 5321 4.2.3: 421, the service is closing the channel: the
	 * server's state, not the recipient's; so is a session that could
	 * not be set up (AUTH, TLS) */
	if (s->code == 421 || smtp_auth_required(mail) ||
	    (s->code >= 400 &&
	     (smtp_of(d)->st.setup_failed || smtp_auth_missing(d))))
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
	w.mail = smtp_reverse_path_status(it->handle);
	w.msg = smtp_message_transfer_status(it->handle);
	smtp_enumerate_recipients(it->handle, smtp_rcpt_cb, &w);
}

/* The server has given its last word on it (or done() was called). */
static int
smtp_item_final(struct deliver_item *it)
{
	int mail, msg;

	/* answered in an earlier session of the flush: not in this one */
	if (it->reported || !it->handle)
		return 1;
	mail = smtp_reverse_path_status(it->handle)->code;
	msg = smtp_message_transfer_status(it->handle)->code;
	return mail >= 400 || msg >= 400 || (msg >= 200 && msg < 300);
}

static void tls_error(struct deliver *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
tls_error(struct deliver *d, const char *fmt, ...)
{
	va_list ap;

	if (smtp_of(d)->st.tls_error[0])
		return; /* the first cause is the one to tell */
	va_start(ap, fmt);
	vsnprintf(smtp_of(d)->st.tls_error, sizeof(smtp_of(d)->st.tls_error),
		  fmt, ap);
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
	struct smtp_state *st = &smtp_of(d)->st;
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
		st->sock = smtp_nodelay(smtp_relay(d)->port);
		st->corked = 0;
		break;
	case SMTP_EV_MESSAGESENT:
		/* the server has answered the end of this message's DATA
		 * (or refused DATA): final, tell the caller now */
		msg = va_arg(ap, smtp_message_t);
		it = smtp_message_get_application_data(msg);
		if (it && !it->reported) {
			smtp_item_results(it);
			deliver_report(d, it);
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
		if (smtp_of(d)->auth)
			auth_set_mechanism_flags(smtp_of(d)->auth,
						 AUTH_PLUGIN_PLAIN, 0);
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
		tls_error(d,
			  "libesmtp found a client certificate it cannot "
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
			  smtp_relay(d)->host);
	else
		tls_error(
			d, "server certificate not trusted: %s%s",
			X509_verify_cert_error_string(err),
			d->cfg->smtp_ca_file ?
				"" :
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
	if (d && !smtp_of(d)->ip_literal &&
	    !SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
		SSL_set_tlsext_host_name((SSL *)ssl, smtp_relay(d)->host);
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
			result[i] = (char *)""; /* realm */
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
		smtp_cork(&smtp_of(it->d)->st, 0);
		errno = EACCES;
		*len = 0;
		return NULL;
	}
	/* the last moment to keep it back: the same refusal, which ends
	 * the session before the end of DATA (smtp_flush goes on with the
	 * messages after it in a new one) */
	if (it->pos == 0 && it->m.cancel) {
		struct smtp_state *st = &smtp_of(it->d)->st;
		const char *why = it->m.cancel(it->m.cancel_arg, it->index);

		if (why) {
			st->cancelled = it;
			snprintf(st->cancel_why, sizeof(st->cancel_why), "%s",
				 why);
			smtp_cork(st, 0);
			errno = ECANCELED;
			*len = 0;
			return NULL;
		}
	}
	n = it->m.len - it->pos;
	if (n > 1024 * 1024)
		n = 1024 * 1024;
	/* the body's first piece: cork; its end (n == 0): uncork */
	smtp_cork(&smtp_of(it->d)->st, n > 0);
	*len = (int)n;
	it->pos += n;
	return it->m.data + it->pos - n;
}

/* A 530 to MAIL FROM: the whole session fails (EX_CONFIG), every message
 * held, none charged. 1 when it was that. */
static int
smtp_diagnose_auth_required(struct deliver *d)
{
	struct smtp_state *st = &smtp_of(d)->st;
	const smtp_status_t *mail;
	char text[DELIVER_REPLY_MAX];
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		if (!d->items[i].handle)
			continue;
		mail = smtp_reverse_path_status(d->items[i].handle);
		if (!smtp_auth_required(mail))
			continue;
		st->setup_failed = 1;
		deliver_one_line(text, sizeof(text),
				 mail->text ? mail->text : "");
		deliver_fatal(d, EX_CONFIG,
			      "'%s': the server requires authentication: "
			      "530 %s%s",
			      smtp_of(d)->hostport, text,
			      smtp_of(d)->auth ? "" :
						 " (set [smtp] user and "
						 "password_file)");
		return 1;
	}
	return 0;
}

/* After smtp_start_session(): works out whether the session failed as a
 * whole and why, in the words the operator needs. */
static void
smtp_diagnose(struct deliver *d, int started, int serr)
{
	const struct conf *c = d->cfg;
	struct smtp_state *st = &smtp_of(d)->st;
	const char *hp = smtp_of(d)->hostport;
	char why[256];
	unsigned long ossl;
	size_t i, pending = 0;

	for (i = 0; i < d->nitems; i++)
		if (!smtp_item_final(&d->items[i]))
			pending++;
	/* our own doing, not the server's (smtp_cancelled) */
	if (st->cancelled)
		return;
	if (st->tls_missing) {
		st->setup_failed = 1;
		deliver_fatal(d, EX_CONFIG,
			      "'%s': TLS required but the "
			      "server does not offer STARTTLS",
			      hp);
		return;
	}
	if (st->tls_error[0] ||
	    (st->starttls_sent && !st->tls_on && st->last_code == 220)) {
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
		deliver_fatal(d, EX_CONFIG, "'%s': STARTTLS: %s", hp,
			      st->tls_error);
		return;
	}
	if (st->greeting_bad) {
		st->setup_failed = 1;
		deliver_fatal(d, EX_CONFIG,
			      "'%s': the server does not greet "
			      "in SMTP (%s): this port expects implicit TLS "
			      "(465); use 587 with STARTTLS",
			      hp,
			      st->first_byte == 0x15 || st->first_byte == 0x16 ?
				      "it answers in TLS" :
				      "its first line is not a reply");
		return;
	}
	if (smtp_of(d)->auth && st->auth == AUTH_FAILED) {
		st->setup_failed = 1;
		deliver_fatal(d, EX_CONFIG, "'%s': authentication failed: %s",
			      hp, st->auth_reply);
		return;
	}
	if (smtp_of(d)->auth && st->auth != AUTH_OK && st->mail_sent) {
		st->setup_failed = 1;
		if (!st->auth_offered)
			deliver_fatal(d, EX_CONFIG,
				      "'%s': [smtp] user is set "
				      "but the server does not offer AUTH",
				      hp);
		else if (!st->tls_on && !smtp_of(d)->loopback)
			deliver_fatal(d, EX_CONFIG,
				      "'%s': not sending the "
				      "password over an unencrypted connection "
				      "(the server is not on this machine and "
				      "STARTTLS was not used)",
				      hp);
		else
			deliver_fatal(d, EX_CONFIG,
				      "'%s': none of the "
				      "server's AUTH mechanisms (%s) can be "
				      "used",
				      hp, st->auth_mechs);
		return;
	}
	if (smtp_diagnose_auth_required(d))
		return;
	if (st->ext_error[0]) {
		deliver_fatal(d, EX_UNAVAILABLE, "'%s': %s", hp, st->ext_error);
		return;
	}
	if (!st->connected && !started) {
		char text[128];

		smtp_strerror(serr, text, sizeof(text));
		deliver_fatal(d,
			      serr == SMTP_ERR_EAI_NONAME ||
					      serr == SMTP_ERR_EAI_NODATA ||
					      serr == SMTP_ERR_EAI_SERVICE ?
				      EX_UNAVAILABLE :
				      EX_TEMPFAIL,
			      "cannot connect to '%s': %s", hp,
			      lower_first(text));
		return;
	}
	if (st->connected && !st->got_bytes) {
		if (elapsed_ms(&st->last_read) + 100 >= c->smtp_timeout * 1000)
			snprintf(why, sizeof(why), "no greeting within %d s",
				 c->smtp_timeout);
		else
			snprintf(why, sizeof(why),
				 "the server closed the "
				 "connection without a greeting");
		deliver_fatal(d, EX_TEMPFAIL,
			      "'%s': %s; if this port "
			      "expects implicit TLS (465), use 587 with "
			      "STARTTLS",
			      hp, why);
		return;
	}
	if (st->greeting_code >= 400) {
		deliver_fatal(d,
			      st->greeting_code >= 500 ? EX_UNAVAILABLE :
							 EX_TEMPFAIL,
			      "'%s': the server refused the "
			      "session: %s",
			      hp, st->last_reply);
		return;
	}
	if (pending == 0)
		return;
	if (st->last_code == 421)
		deliver_fatal(d, EX_TEMPFAIL,
			      "'%s': the server closed the "
			      "session: %s",
			      hp, st->last_reply);
	else if (elapsed_ms(&st->last_read) + 100 >= c->smtp_timeout * 1000)
		deliver_fatal(d, EX_TEMPFAIL,
			      "'%s': no answer within %d s "
			      "(last reply: %s)",
			      hp, c->smtp_timeout, st->last_reply);
	else if (st->last_code >= 400)
		deliver_fatal(d,
			      st->last_code >= 500 ? EX_UNAVAILABLE :
						     EX_TEMPFAIL,
			      "'%s': the session ended after: %s", hp,
			      st->last_reply);
	else
		deliver_fatal(d, EX_TEMPFAIL,
			      "'%s': the connection was lost "
			      "(last reply: %s)",
			      hp, st->last_reply[0] ? st->last_reply : "none");
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
		/* answered in an earlier session of this flush */
		if (it->reported)
			continue;
		msg = smtp_add_message(s);
		if (!msg)
			return -1;
		it->handle = msg;
		smtp_message_set_application_data_release(msg, it, NULL);
		if (!smtp_set_reverse_path(msg, deliver_item_sender(it)) ||
		    !smtp_set_messagecb(msg, smtp_read_msg, it))
			return -1;
		smtp_size_set_estimate(msg, it->m.len);
		/* RFC 6152: declare 8-bit content (mime renders 7-bit) */
		if (has_8bit(it->m.data, it->m.len))
			smtp_8bitmime_set_body(msg, E8bitmime_8BITMIME);
		for (j = 0; j < it->m.nrcpts; j++)
			if (!smtp_add_recipient(msg, deliver_item_rcpt(it, j)))
				return -1;
	}
	return 0;
}

/* ---- relays: [smtp] host may list several, tried in turn */

/* Makes relay i the one sessions go to: its HOST:PORT, and the name its
 * certificate must bear. -1 when OpenSSL cannot take the name. */
static int
smtp_use_relay(struct deliver *d, int i)
{
	struct smtp *sm = smtp_of(d);
	const struct conf_relay *r = &sm->relays[i];
	X509_VERIFY_PARAM *param;
	struct in_addr a;
	int ok;

	sm->relay = i;
	snprintf(sm->hostport, sizeof(r->host) + 8, "%s:%d", r->host, r->port);
	sm->loopback = ipaddr_host_is_loopback(r->host);
	sm->ip_literal = inet_pton(AF_INET, r->host, &a) == 1;
	if (!sm->ssl_ctx)
		return 0;
	/* SSL_new copies the context's parameters: each session checks
	 * the name of the relay it went to */
	param = SSL_CTX_get0_param(sm->ssl_ctx);
	X509_VERIFY_PARAM_set1_host(param, NULL, 0);
	X509_VERIFY_PARAM_set1_ip(param, NULL, 0);
	if (sm->ip_literal)
		ok = X509_VERIFY_PARAM_set1_ip_asc(param, r->host);
	else
		ok = X509_VERIFY_PARAM_set1_host(param, r->host, 0);
	return ok ? 0 : -1;
}

/* The relays of cfg into sm, checked: [smtp] host as conf_finish split
 * it, or as it is with [smtp] port when it was not. */
static int
smtp_relays(struct deliver *d, struct err *e)
{
	const struct conf *c = d->cfg;
	struct smtp *sm = smtp_of(d);
	const struct conf_relay *r;
	int i;

	if (c->smtp_nrelays > 0) {
		memcpy(sm->relays, c->smtp_relays, sizeof(sm->relays));
		sm->nrelays = c->smtp_nrelays;
	} else {
		snprintf(sm->relays[0].host, sizeof(sm->relays[0].host), "%s",
			 c->smtp_host);
		sm->relays[0].port = c->smtp_port;
		sm->nrelays = 1;
	}
	for (i = 0; i < sm->nrelays; i++) {
		r = &sm->relays[i];
		/* libesmtp splits "HOST:PORT" at the first colon */
		if (strchr(r->host, ':') || r->host[0] == '[')
			return err_set(e, EX_CONFIG,
				       "[smtp] host '%s': IPv6 address "
				       "literals are not supported; use a name "
				       "such as localhost",
				       r->host);
		if (r->port == 465 && sm->nrelays == 1 &&
		    r->port == c->smtp_port)
			return err_set(e, EX_CONFIG,
				       "[smtp] port 465: this port "
				       "expects implicit TLS (465); use 587 "
				       "with STARTTLS");
		if (r->port == 465)
			return err_set(e, EX_CONFIG,
				       "[smtp] host '%s:465': this port "
				       "expects implicit TLS (465); use 587 "
				       "with STARTTLS",
				       r->host);
	}
	return 0;
}

/* After a session that took nothing: whether its relay was down (no
 * connection, no greeting, a 4xx or 5xx greeting) and another is left to
 * try; if so, says so, forgets the failure and moves to the next. A relay
 * that answered and then refused (TLS, AUTH, a command) is not down. */
static int
smtp_failover(struct deliver *d)
{
	struct smtp *sm = smtp_of(d);
	const struct smtp_state *st = &sm->st;
	size_t i;
	int down;

	if (sm->relay + 1 >= sm->nrelays || !d->fatal_code)
		return 0;
	for (i = 0; i < d->nitems; i++)
		if (d->items[i].reported)
			return 0;
	down = !st->connected || (!st->got_bytes && !st->greeting_bad) ||
	       st->greeting_code >= 400;
	if (!down)
		return 0;
	log_warn("smtp: relay down: %s; trying '%s:%d'", d->fatal,
		 sm->relays[sm->relay + 1].host,
		 sm->relays[sm->relay + 1].port);
	d->fatal_code = 0;
	d->fatal[0] = '\0';
	if (smtp_use_relay(d, sm->relay + 1) < 0) {
		deliver_fatal(d, EX_SOFTWARE,
			      "cannot set the host name to verify");
		return 0;
	}
	return 1;
}

/* After a session in which a message was cancelled (smtp_read_msg):
 * reports it, never sent, and makes the messages not yet answered ready
 * for a new session. 1 when some are left for it. */
static int
smtp_cancelled(struct deliver *d)
{
	struct smtp_state *st = &smtp_of(d)->st;
	struct deliver_item *it = st->cancelled;
	size_t i, left = 0;

	for (i = 0; i < it->m.nrcpts; i++) {
		it->results[i].status = DELIVER_PERMFAIL;
		it->results[i].code = 0;
		it->results[i].transport = 0;
		snprintf(it->results[i].reply, sizeof(it->results[i].reply),
			 "%s", st->cancel_why);
	}
	deliver_report(d, it);
	for (i = 0; i < d->nitems; i++) {
		d->items[i].handle = NULL;
		d->items[i].pos = 0;
		if (!d->items[i].reported)
			left++;
	}
	log_info("smtp: message %zu not sent (%s); %zu left for a new "
		 "session",
		 it->index, st->cancel_why, left);
	return left > 0;
}

static void
smtp_flush(struct deliver *d)
{
	static const int timeouts[] = {
		Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
		Timeout_TRANSFER, Timeout_DATA2,
	};
	const struct conf *c = d->cfg;
	struct smtp *sm = smtp_of(d);
	struct deliver_item *it;
	struct sigaction old;
	smtp_session_t s;
	int started, serr;
	size_t i;

again:
	memset(&sm->st, 0, sizeof(sm->st));
	sm->st.sock = -1;
	s = smtp_create_session();
	if (!s || !smtp_set_server(s, sm->hostport)) {
		deliver_fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	/* libesmtp's timeouts are in milliseconds, and at least the
	 * minutes of RFC 5321 4.5.3.2 unless overridden */
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
		smtp_set_timeout(s,
				 timeouts[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
				 (long)c->smtp_timeout * 1000);
	smtp_set_eventcb(s, smtp_event, d);
	smtp_set_monitorcb(s, smtp_monitor, d, 0);
	smtp_starttls_enable(s, c->starttls == CONF_STARTTLS_REQUIRED ?
					Starttls_REQUIRED :
				c->starttls == CONF_STARTTLS_OPTIONAL ?
					Starttls_ENABLED :
					Starttls_DISABLED);
	if (sm->ssl_ctx)
		smtp_starttls_set_ctx(s, sm->ssl_ctx);
	if (sm->auth) {
		/* libesmtp refuses mechanisms that send the password as it
		 * is (PLAIN, LOGIN) unless told; tell it for a server on
		 * this machine now, and for others once TLS is up
		 * (SMTP_EV_STARTTLS_OK) */
		auth_set_mechanism_flags(sm->auth,
					 sm->loopback ? AUTH_PLUGIN_PLAIN : 0,
					 sm->loopback ? 0 : AUTH_PLUGIN_PLAIN);
		smtp_auth_set_context(s, sm->auth);
	}
	if (smtp_add_items(d, s) < 0) {
		deliver_fatal(d, EX_OSERR, "out of memory");
		goto out;
	}

	ERR_clear_error();
	deliver_sigpipe_ignore(&old);
	started = smtp_start_session(s);
	serr = smtp_errno();
	deliver_sigpipe_restore(&old);
	smtp_diagnose(d, started, serr);
	if (sm->st.cancelled) {
		int again = smtp_cancelled(d);

		smtp_destroy_session(s);
		s = NULL;
		if (again)
			goto again;
		goto out;
	}
	if (smtp_failover(d)) {
		for (i = 0; i < d->nitems; i++) {
			d->items[i].handle = NULL;
			d->items[i].pos = 0;
		}
		smtp_destroy_session(s);
		goto again;
	}
out:
	/* the rest of what the server answered (MAIL refused...), or
	 * TEMPFAIL with the reason the session failed */
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (it->handle && !it->reported) {
			smtp_item_results(it);
			deliver_report(d, it);
		}
		it->handle = NULL;
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
	struct smtp *sm;

	if (!host || !*host)
		return err_set(e, EX_CONFIG,
			       "transport smtp: [smtp] host is "
			       "not set");
	sm = d->priv = calloc(1, sizeof(*sm));
	if (!sm)
		return err_set(e, EX_OSERR, "out of memory");
	if (smtp_relays(d, e) < 0)
		return -1;
	if (c->smtp_user && !c->smtp_password)
		return err_set(e, EX_CONFIG,
			       "[smtp] user is set but no "
			       "password (password_file or password_env)");
	sm->hostport = malloc(sizeof(sm->relays[0].host) + 8);
	if (!sm->hostport)
		return err_set(e, EX_OSERR, "out of memory");

	if (c->starttls != CONF_STARTTLS_OFF) {
		sm->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!sm->ssl_ctx)
			return err_set(e, EX_SOFTWARE, "SSL_CTX_new failed");
		SSL_CTX_set_min_proto_version(sm->ssl_ctx, TLS1_2_VERSION);
		SSL_CTX_set_default_verify_paths(sm->ssl_ctx);
		if (c->smtp_ca_file &&
		    !SSL_CTX_load_verify_locations(sm->ssl_ctx, c->smtp_ca_file,
						   NULL)) {
			char why[256];

			ERR_error_string_n(ERR_get_error(), why, sizeof(why));
			return err_set(e, EX_CONFIG, "[smtp] ca_file '%s': %s",
				       c->smtp_ca_file, why);
		}
		/* verified in the handshake: chain and name; a failure
		 * stops it before anything is sent */
		SSL_CTX_set_verify(sm->ssl_ctx, SSL_VERIFY_PEER,
				   smtp_verify_cb);
		param = SSL_CTX_get0_param(sm->ssl_ctx);
		X509_VERIFY_PARAM_set_hostflags(
			param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_CTX_set_app_data(sm->ssl_ctx, d);
		SSL_CTX_set_info_callback(sm->ssl_ctx, smtp_tls_info);
	}
	if (smtp_use_relay(d, 0) < 0)
		return err_set(e, EX_SOFTWARE,
			       "cannot set the host "
			       "name to verify");
	if (c->smtp_user) {
		auth_client_init();
		sm->auth = auth_create_context();
		if (!sm->auth)
			return err_set(e, EX_OSERR, "out of memory");
		auth_set_interact_cb(sm->auth, smtp_auth_interact, d);
	}
	return 0;
}

static int
smtp_close(struct deliver *d, struct err *e)
{
	struct smtp *sm = smtp_of(d);

	(void)e;
	if (!sm)
		return 0;
	if (sm->auth)
		auth_destroy_context(sm->auth);
	SSL_CTX_free(sm->ssl_ctx);
	free(sm->hostport);
	free(sm);
	d->priv = NULL;
	return 0;
}

struct ssl_ctx_st *
deliver_smtp_tls_ctx(const struct deliver *d)
{
	return smtp_of(d)->ssl_ctx;
}

const char *
deliver_smtp_tls_error(const struct deliver *d)
{
	return smtp_of(d)->st.tls_error;
}

const struct deliver_ops deliver_smtp_ops = { "smtp", smtp_open, smtp_flush,
					      smtp_close };
