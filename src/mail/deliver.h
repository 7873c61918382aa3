/*
 * deliver: hands rendered messages to a transport and says, per recipient,
 * what became of them. deliver.c holds the queue and the flush; each
 * transport is a file of its own behind a table of operations
 * (transport_int.h): smtp.c, sendmail.c, mbox.c, maildir.c, stdout.c, and
 * smtp_probe.c for deliver_probe(). Only smtp.c and smtp_probe.c include
 * libesmtp and OpenSSL.
 *
 * Messages arrive complete (RFC 5322, CRLF line endings, rendered by mime);
 * this module only carries them. Transports ([digest] transport):
 *
 *   smtp      libesmtp to [smtp] host:port (several relays: the first
 *             that is up, see feedmail.conf(5)); STARTTLS as configured (the
 *             server certificate verified against the system CAs plus
 *             [smtp] ca_file, and its name against host); AUTH PLAIN or
 *             LOGIN when [smtp] user is set, never over an unencrypted link
 *             unless the server is on this machine (loopback). libesmtp
 *             drops a Return-Path header and a second Date, From, To, Cc,
 *             Message-ID...; it adds Date, From and Message-ID when the
 *             message has none. Everything else goes out byte for byte.
 *   sendmail  [digest] sendmail run as `sendmail -i -f FROM -- RCPT...`
 *             (no shell), the message on its standard input with LF line
 *             endings. Exit status 0: delivered; 75 (EX_TEMPFAIL): try
 *             again later; anything else: failed for good.
 *   mbox      appended to [digest] path under an fcntl(2) write lock, as
 *             mboxrd: a "From SENDER DATE" line, lines matching ">*From "
 *             get one more '>', LF line endings, a blank line after; fsync.
 *   maildir   written to PATH/tmp/ under a unique name
 *             (SECONDS.MmicrosPpidQn.HOST), fsync, renamed into PATH/new/;
 *             tmp/ new/ cur/ are created when missing. LF line endings.
 *   stdout    the message as it is (CRLF), one after another.
 *
 * Batches. deliver_queue() only records a message; deliver_flush() sends
 * everything queued, over ONE SMTP session (libesmtp runs a whole session,
 * connect to QUIT, inside smtp_start_session), and calls done() once per
 * message with one result per recipient.
 *
 * Crash safety (DESIGN.md: at-least-once with a stable Message-ID). The
 * caller records each digest (and its entries) as pending BEFORE queueing
 * it. For SMTP, done() is called while the session is still running, as
 * soon as the server has answered the end of that message's DATA (250:
 * accepted; 4xx/5xx: refused); for the files, right after the message is
 * fsynced; for sendmail, when the program has exited. So the caller marks
 * a digest sent in done(), only for DELIVER_OK, and nowhere else;
 * DELIVER_PERMFAIL marks that recipient failed; DELIVER_TEMPFAIL leaves it
 * pending. A crash between the server's 250 and that mark leaves the
 * digest pending: it is sent again next run, with the same Message-ID,
 * the duplicate at-least-once allows; no crash can mark sent a digest the
 * server has not accepted, and a crash in the middle of a batch loses none
 * of the marks of the messages before it. Messages that never reached the
 * end of DATA (connection lost, session refused) get done() at the end of
 * the flush, with DELIVER_TEMPFAIL.
 *
 * SMTP connects lazily: deliver_open() checks the settings and loads the
 * CA file; each deliver_flush() makes one connection. The connect(2)
 * itself has the system's timeout (libesmtp sets none); every later step
 * waits at most [smtp] timeout seconds. SIGPIPE is ignored during a flush
 * (a server or sendmail that goes away is an error, not a signal) and
 * restored after.
 */
#ifndef FEEDMAIL_DELIVER_H
#define FEEDMAIL_DELIVER_H

#include <stddef.h>

#include "lib/err.h"

struct conf;

/* One open transport: an SMTP server, an mbox, a Maildir, ... */
struct deliver;

#define DELIVER_MAX_RCPTS 100   /* per message: RFC 5321 4.5.3.1.8 */
#define DELIVER_MAX_QUEUE 10000 /* messages queued before a flush */
#define DELIVER_MAX_ADDR \
	254 /* octets in an envelope address (the
	     * ASCII form: ADDR_MAX) */
#define DELIVER_REPLY_MAX 512

struct deliver_message {
	const char *data; /* the rendered message, CRLF */
	size_t len;
	const char *envelope_from; /* bare address; "" is <> */
	const char *const *rcpts;  /* bare addresses */
	size_t nrcpts;
	/* Asked once more just before the message is handed over (smtp:
	 * when its DATA begins, after the messages before it were
	 * answered), with the deliver_queue() index: a reason not to send
	 * it after all (its subscriber left meanwhile), or NULL. The
	 * message is then reported DELIVER_PERMFAIL, code 0, with that
	 * reason, and nothing of it reaches the server. Every transport
	 * asks: sendmail before running the program for it, the file
	 * transports before writing it. NULL: not asked. */
	const char *(*cancel)(void *arg, size_t index);
	void *cancel_arg;
};

enum deliver_status {
	DELIVER_OK,
	DELIVER_TEMPFAIL, /* 4xx, lost connection, refused session: retry */
	DELIVER_PERMFAIL, /* 5xx for this recipient or this message */
};

/* What became of one recipient. For smtp, code is the server's reply code
 * (for OK, the one that ended DATA) and reply its text without the code,
 * on one line; code 0 when the server never answered for it (reply then
 * says why). Other transports set code 0 and say in reply what happened
 * ("'/usr/sbin/sendmail' exited with status 75"). */
struct deliver_result {
	enum deliver_status status;
	int code;
	int transport; /* TEMPFAIL only: the transport failed as a whole
	                * (no answer for this message, a 421, a session
	                * that could not be set up): not the recipient's
	                * doing */
	char reply[DELIVER_REPLY_MAX];
};

/* Called by deliver_flush() once per queued message, in queue order for
 * the file transports and sendmail, in the order the server answers for
 * smtp (which is queue order too). index counts deliver_queue() calls since
 * the last flush, from 0; m is the caller's message; results[i] is for
 * m->rcpts[i], valid during the call only. For smtp it runs inside the
 * session (the server waits meanwhile); it must not call deliver_*() on
 * the same struct deliver. Returns 0, or -1 with e (the flush's own) when
 * the caller cannot go on (its store failed): done is not called again
 * in this flush, though the transport still answers for the rest (what
 * it took cannot be taken back), and deliver_flush fails with e. */
typedef int deliver_done_fn(void *arg, size_t index,
			    const struct deliver_message *m,
			    const struct deliver_result *results,
			    struct err *e);

/* Opens the transport cfg->transport with cfg's settings (cfg is borrowed
 * and must outlive d). smtp: checks host and port (465, implicit TLS, is
 * refused: libesmtp speaks STARTTLS only), builds the TLS context (loads
 * ca_file); does not connect. maildir: creates the folders. sendmail:
 * checks the program can be run. NULL with e set (EX_CONFIG for settings,
 * EX_CANTCREAT, EX_OSERR) on failure. */
struct deliver *deliver_open(const struct conf *cfg, struct err *e);

/* Queues a copy of *m (the data, addresses and rcpts array stay the
 * caller's and must live until deliver_flush() returns). The envelope
 * addresses are checked with addr_ascii() and go out in its ASCII form:
 * a domain with non-ASCII letters as IDNA A-labels (RCPT
 * TO:<contact@xn--socit-esab.fr>), and the server or program never sees
 * UTF-8. Refused with EX_DATAERR, nothing queued (the caller fails that
 * one message; the others are not concerned): an empty message, one that
 * is not strictly CRLF (a bare CR or LF, or a NUL, could smuggle an end of
 * DATA), no recipient or more than DELIVER_MAX_RCPTS, an address
 * addr_validate() refuses, the reason naming it ("recipient:
 * 'élise@example.org': non-ASCII local parts are not supported: they need
 * SMTPUTF8, ..."; "recipient 2: ..." with several, "sender: ..."); with
 * EX_SOFTWARE past DELIVER_MAX_QUEUE messages. */
int deliver_queue(struct deliver *d, const struct deliver_message *m,
		  struct err *e);

/* The number of messages queued and not yet flushed. */
size_t deliver_queued(const struct deliver *d);

/* Sends every queued message and empties the queue; done (may be NULL)
 * hears about each message exactly once, as described above. An empty
 * queue does nothing (no connection) and returns 0. Returns 0
 * when the transport worked, whatever it answered for each recipient;
 * -1 with e set when the transport failed as a whole: every message it
 * had not answered for then gets DELIVER_TEMPFAIL with e's text as reply.
 * SMTP failures, in plain words: "cannot connect to 'HOST:PORT':
 * connection refused" (EX_TEMPFAIL), "TLS required but the server does
 * not offer STARTTLS", a certificate that is not trusted or not for the
 * host, "authentication failed: 535 ...", "this port expects implicit TLS
 * (465); use 587 with STARTTLS" (all EX_CONFIG), a refused session or a
 * lost connection with the server's last reply (EX_TEMPFAIL, or
 * EX_UNAVAILABLE for 5xx). */
int deliver_flush(struct deliver *d, deliver_done_fn *done, void *arg,
		  struct err *e);

/* One message on its own, the queue being empty: deliver_queue() and
 * deliver_flush(), results[i] (the caller's array of m->nrcpts) for
 * m->rcpts[i]. Same return as deliver_flush(); when queueing fails every
 * result is DELIVER_PERMFAIL; with messages already queued, -1 with
 * EX_SOFTWARE and nothing done. */
int deliver_send(struct deliver *d, const struct deliver_message *m,
		 struct deliver_result *results, struct err *e);

/* Frees d. -1 with EX_SOFTWARE when messages were queued and never
 * flushed (they are dropped), or EX_IOERR when stdout cannot be flushed.
 * NULL-safe. */
int deliver_close(struct deliver *d, struct err *e);

/* "ok", "tempfail", "permfail". */
const char *deliver_status_name(enum deliver_status s);

/* What an SMTP server says of itself, for `feedmail doctor`. */
struct deliver_probe {
	char greeting[DELIVER_REPLY_MAX];
	char offers[1024]; /* EHLO keywords, one line each ("SIZE 1000") */
	int starttls_offered;
	int tls;               /* 1: STARTTLS done, certificate verified */
	char tls_info[1024];   /* protocol and cipher, or what failed */
	char offers_tls[1024]; /* EHLO keywords after STARTTLS */
	enum deliver_probe_auth {
		DELIVER_AUTH_UNSET,   /* no [smtp] user: not tried */
		DELIVER_AUTH_OK,      /* 235 */
		DELIVER_AUTH_REFUSED, /* the server refused the password */
		DELIVER_AUTH_UNTRIED, /* could not be tried: auth says why */
	} auth_status;
	char auth[DELIVER_REPLY_MAX + 64]; /* "AUTH PLAIN accepted: 235 ..." */
};

/* Connects to [smtp] host:port, reads the greeting, sends EHLO, then
 * STARTTLS (unless [smtp] starttls = off) with the same certificate checks
 * as a delivery, EHLO again; with [smtp] user, logs in as a delivery would
 * (AUTH PLAIN, else LOGIN; never in clear text to another machine); QUIT,
 * no mail. 0 when the server was reached (p says what it offers and what
 * became of AUTH; a TLS failure is in p->tls_info), -1
 * with e when it could not be (EX_UNAVAILABLE: refused, unreachable,
 * silent; EX_CONFIG: not an smtp transport). */
int deliver_probe(const struct conf *cfg, struct deliver_probe *p,
		  struct err *e);

#endif
