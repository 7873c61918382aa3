/*
 * Unit tests for src/deliver's smtp transport, against a real SMTP server:
 * tests/smtpd.py (Debian's python3-aiosmtpd), one server per case, started
 * by the case itself with the options it needs (STARTTLS with a
 * self-signed certificate made by openssl(1) at test time, AUTH,
 * rejections, 451/421, a server that speaks TLS from the first byte...).
 * The server saves what it accepts as N.eml (after dot-unstuffing) and
 * N.json (envelope, TLS, AUTH), and logs its connections.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "mail/deliver.h"
#include "testutil.h"

static char tmpdir[256];
static char cert[300], key[300], other_cert[300], other_key[300];

/* ---- helpers */

/* How many lines of FILE start with prefix. */
static int
count_lines(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, prefix, strlen(prefix)))
			n++;
	fclose(f);
	return n;
}

struct server {
	pid_t pid;
	int port;
	char dir[300]; /* what it received: N.eml, N.json, log */
	char log[320];
};

/* Starts tests/smtpd.py with the options given (NULL-terminated) in a
 * folder of its own. The server dies with the test process. */
static void
server_start(struct server *srv, const char *const *opts)
{
	char script[300], base[300], port_file[320];
	char *argv[32];
	int n = 0, i;

	snprintf(script, sizeof(script), "%s/tests/smtpd.py", SRCDIR);
	testutil_fresh_path(base, sizeof(base), tmpdir, "srv");
	if (strlen(base) + 10 > sizeof(srv->dir))
		ck_abort_msg("%s: too long", base);
	ck_assert_int_eq(mkdir(base, 0700), 0);
	snprintf(port_file, sizeof(port_file), "%s/port", base);
	snprintf(srv->dir, sizeof(srv->dir), "%s/mail", base);
	snprintf(srv->log, sizeof(srv->log), "%s/log", srv->dir);
	argv[n++] = (char *)testutil_python();
	argv[n++] = script;
	argv[n++] = (char *)"--port-file";
	argv[n++] = port_file;
	argv[n++] = (char *)"--dir";
	argv[n++] = srv->dir;
	for (i = 0; opts && opts[i] && n < 31; i++)
		argv[n++] = (char *)opts[i];
	argv[n] = NULL;
	ck_assert_int_eq(testutil_spawn(argv, &srv->pid, 0), 0);
	srv->port = testutil_wait_port_file(port_file);
	if (srv->port < 0)
		ck_abort_msg("tests/smtpd.py did not start");
}

static void
server_stop(struct server *srv)
{
	testutil_stop(&srv->pid);
}

/* A config for the smtp transport on 127.0.0.1:port, STARTTLS off. The
 * strings are literals: never conf_release() it. */
static void
smtp_config(struct conf *cfg, int port)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->transport = CONF_TRANSPORT_SMTP;
	cfg->smtp_host = (char *)"127.0.0.1";
	cfg->smtp_port = port;
	cfg->starttls = CONF_STARTTLS_OFF;
	cfg->smtp_timeout = 10;
}

/* Three messages as mime renders them: CRLF, Date, From, Message-ID; the
 * bodies have lines that need dot-stuffing (RFC 5321 4.5.2). */
static const char *const msgs[] = {
	"Date: Thu, 26 Nov 2026 07:00:00 +0000\r\n"
	"From: feedmail <digest@example.org>\r\n"
	"To: <a@example.org>\r\n"
	"Subject: digest one\r\n"
	"Message-ID: <one@example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"First line\r\n"
	".starts with a dot\r\n"
	".\r\n"
	"..two dots\r\n"
	"From here on\r\n"
	"last line\r\n",

	"Date: Thu, 26 Nov 2026 07:00:01 +0000\r\n"
	"From: feedmail <digest@example.org>\r\n"
	"To: <b@example.org>\r\n"
	"Subject: digest two\r\n"
	"Message-ID: <two@example.org>\r\n"
	"\r\n"
	". \r\n"
	"body two\r\n",

	"Date: Thu, 26 Nov 2026 07:00:02 +0000\r\n"
	"From: feedmail <digest@example.org>\r\n"
	"To: <c@example.org>\r\n"
	"Subject: digest three\r\n"
	"Message-ID: <three@example.org>\r\n"
	"\r\n"
	"body three\r\n"
	".\r\n",
};

static const char *const rcpt_a[] = { "a@example.org" };
static const char *const rcpt_b[] = { "b@example.org" };
static const char *const rcpt_c[] = { "c@example.org" };
static const char *const *const rcpts[] = { rcpt_a, rcpt_b, rcpt_c };

static struct deliver_message
message(size_t i)
{
	struct deliver_message m = { 0 };

	m.data = msgs[i];
	m.len = strlen(msgs[i]);
	m.envelope_from = "bounces@example.org";
	m.rcpts = rcpts[i];
	m.nrcpts = 1;
	return m;
}

/* What done() saw. */
#define MAX_SEEN 8
struct seen {
	int calls;
	size_t index[MAX_SEEN];
	struct deliver_result first[MAX_SEEN]; /* results[0] */
	int file_there[MAX_SEEN]; /* N.eml existed when done() ran */
	const struct server *srv;
};

static int
on_done(void *arg, size_t index, const struct deliver_message *m,
	const struct deliver_result *results, struct err *e)
{
	struct seen *s = arg;
	char path[400];
	struct stat st;

	(void)m;
	(void)e;
	if (s->calls < MAX_SEEN) {
		s->index[s->calls] = index;
		s->first[s->calls] = results[0];
		if (s->srv) {
			snprintf(path, sizeof(path), "%s/%zu.eml", s->srv->dir,
				 index + 1);
			s->file_there[s->calls] = stat(path, &st) == 0;
		}
	}
	s->calls++;
	return 0;
}

static void
assert_received(const struct server *srv, int n, const char *want)
{
	char path[400];
	char *got;
	size_t len;

	snprintf(path, sizeof(path), "%s/%d.eml", srv->dir, n);
	got = testutil_read_file(path, &len);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_msg(!memcmp(got, want, len), "%s differs:\n%s", path, got);
	free(got);
}

/* What the server noted of message n, n.json: envelope, TLS, AUTH. The
 * caller frees it. */
static char *
received_meta(const struct server *srv, int n)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%d.json", srv->dir, n);
	return testutil_read_file(path, NULL);
}

static int
received(const struct server *srv)
{
	char path[400];
	struct stat st;
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/%d.eml", srv->dir, n + 1);
		if (stat(path, &st) < 0)
			return n;
		n++;
	}
}

/* Sends message 0 alone through cfg; returns deliver_send()'s result. */
static int
send_one(const struct conf *cfg, struct deliver_result *r, struct err *e)
{
	struct deliver_message m = message(0);
	struct deliver *d;
	int rc;

	d = deliver_open(cfg, e);
	ck_assert_msg(d != NULL, "deliver_open: %s", e->msg);
	rc = deliver_send(d, &m, r, e);
	if (rc < 0 && getenv("TEST_VERBOSE"))
		fprintf(stderr, "# %s (%d)\n", e->msg, e->code);
	ck_assert_int_eq(deliver_close(d, NULL), 0);
	return rc;
}

static void
assert_contains(const char *s, const char *part)
{
	ck_assert_msg(strstr(s, part) != NULL, "'%s' lacks '%s'", s, part);
}

/* ---- the cases */

START_TEST(test_three_in_one_session)
{
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m;
	struct seen s;
	char path[400], *meta;
	size_t i;

	server_start(&srv, NULL);
	smtp_config(&cfg, srv.port);
	cfg.starttls = CONF_STARTTLS_OPTIONAL; /* not offered: plain */
	memset(&s, 0, sizeof(s));
	s.srv = &srv;
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < 3; i++) {
		m = message(i);
		ck_assert_int_eq(deliver_queue(d, &m, &e), 0);
	}
	ck_assert_uint_eq(deliver_queued(d), 3);
	ck_assert_msg(deliver_flush(d, on_done, &s, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(deliver_queued(d), 0);
	ck_assert_int_eq(s.calls, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.index[i], i);
		ck_assert_int_eq(s.first[i].status, DELIVER_OK);
		ck_assert_int_eq(s.first[i].code, 250);
		snprintf(path, sizeof(path), "2.0.0 OK queued as %zu", i + 1);
		ck_assert_str_eq(s.first[i].reply, path);
		/* done() came after the server had taken the message */
		ck_assert_int_eq(s.file_there[i], 1);
		assert_received(&srv, (int)i + 1, msgs[i]);
	}
	ck_assert_int_eq(count_lines(srv.log, "connect"), 1);
	ck_assert_int_eq(count_lines(srv.log, "data "), 3);
	meta = received_meta(&srv, 1);
	assert_contains(meta, "\"mail_from\": \"bounces@example.org\"");
	assert_contains(meta, "\"rcpt_tos\": [\"a@example.org\"]");
	assert_contains(meta, "\"tls\": false");
	free(meta);
	/* an empty flush neither connects nor fails */
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), 0);
	ck_assert_int_eq(s.calls, 3);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	server_stop(&srv);
	ck_assert_int_eq(count_lines(srv.log, "connect"), 1);
}
END_TEST

START_TEST(test_one_recipient_refused)
{
	static const char *const opts[] = { "--reject", "bad@example.org=550",
					    NULL };
	static const char *const three[] = { "a@example.org", "bad@example.org",
					     "c@example.org" };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(0);
	struct deliver_result r[3];
	char *meta;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	m.rcpts = three;
	m.nrcpts = 3;
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	ck_assert_int_eq(r[0].code, 250);
	ck_assert_int_eq(r[1].status, DELIVER_PERMFAIL);
	ck_assert_int_eq(r[1].code, 550);
	ck_assert_str_eq(r[1].reply,
			 "5.1.1 <bad@example.org>: recipient rejected");
	ck_assert_int_eq(r[2].status, DELIVER_OK);
	ck_assert_int_eq(r[2].code, 250);
	deliver_close(d, NULL);
	server_stop(&srv);
	assert_received(&srv, 1, msgs[0]);
	meta = received_meta(&srv, 1);
	assert_contains(meta,
			"\"rcpt_tos\": [\"a@example.org\", \"c@example.org\"]");
	free(meta);
}
END_TEST

START_TEST(test_451_is_tempfail)
{
	static const char *const opts[] = { "--tempfail", "1", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(0);
	struct deliver_result r[1];

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	/* the server answered: the transport worked, the message waits */
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(r[0].code, 451);
	ck_assert_str_eq(r[0].reply,
			 "4.3.0 temporary failure, try again later");
	ck_assert_int_eq(received(&srv), 0);
	/* and the retry, a new session on the same deliver, goes through */
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	deliver_close(d, NULL);
	server_stop(&srv);
	assert_received(&srv, 1, msgs[0]);
	ck_assert_int_eq(count_lines(srv.log, "connect"), 2);
}
END_TEST

START_TEST(test_421_closes_the_session)
{
	static const char *const opts[] = { "--tempfail", "5",
					    "--tempfail-code", "421", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m;
	struct seen s;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	memset(&s, 0, sizeof(s));
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	m = message(0);
	ck_assert_int_eq(deliver_queue(d, &m, &e), 0);
	m = message(1);
	ck_assert_int_eq(deliver_queue(d, &m, &e), 0);
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	assert_contains(e.msg, "421");
	ck_assert_int_eq(s.calls, 2);
	ck_assert_int_eq(s.first[0].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(s.first[0].code, 421);
	ck_assert_int_eq(s.first[1].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(s.first[1].code, 0);
	assert_contains(s.first[1].reply, "421");
	deliver_close(d, NULL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];
	char want[64];
	int port = testutil_closed_port();

	ck_assert_int_gt(port, 0);
	smtp_config(&cfg, port);
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	snprintf(want, sizeof(want),
		 "cannot connect to '127.0.0.1:%d': "
		 "connection refused",
		 cfg.smtp_port);
	ck_assert_str_eq(e.msg, want);
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(r[0].code, 0);
	ck_assert_str_eq(r[0].reply, want);
}
END_TEST

START_TEST(test_starttls_required_not_offered)
{
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	server_start(&srv, NULL);
	smtp_config(&cfg, srv.port);
	cfg.starttls = CONF_STARTTLS_REQUIRED;
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg,
			"TLS required but the server does not offer STARTTLS");
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
	ck_assert_int_eq(count_lines(srv.log, "mail "), 0);
}
END_TEST

/* {host, SNI the server should see ("" none)} */
static const struct {
	const char *host, *sni;
} tls_hosts[] = {
	{ "127.0.0.1", "" }, /* an IP: no SNI (RFC 6066 3) */
	{ "localhost", "localhost" },
};

START_TEST(test_starttls_with_ca_file)
{
	const char *opts[] = { "--tls", cert, key, "--require-starttls", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];
	char want[64], *meta;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.smtp_host = (char *)tls_hosts[_i].host;
	cfg.starttls = CONF_STARTTLS_REQUIRED;
	cfg.smtp_ca_file = cert;
	ck_assert_msg(send_one(&cfg, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	server_stop(&srv);
	assert_received(&srv, 1, msgs[0]);
	meta = received_meta(&srv, 1);
	assert_contains(meta, "\"tls\": true");
	free(meta);
	if (*tls_hosts[_i].sni) {
		snprintf(want, sizeof(want), "sni %s", tls_hosts[_i].sni);
		ck_assert_int_eq(count_lines(srv.log, want), 1);
	} else {
		ck_assert_int_eq(count_lines(srv.log, "sni "), 0);
	}
}
END_TEST

START_TEST(test_starttls_optional_uses_tls)
{
	const char *opts[] = { "--tls", cert, key, NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];
	char *meta;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.starttls = CONF_STARTTLS_OPTIONAL;
	cfg.smtp_ca_file = cert;
	ck_assert_msg(send_one(&cfg, r, &e) == 0, "%s", e.msg);
	server_stop(&srv);
	meta = received_meta(&srv, 1);
	assert_contains(meta, "\"tls\": true");
	free(meta);
}
END_TEST

/* libesmtp reads before it writes; TLS 1.3 session tickets that arrive
 * before the EHLO after STARTTLS is sent made one session in three hang
 * until the timeout on loopback (smtp_tls_drain() in deliver.c): 40
 * sessions fail without it nearly always, each hang after smtp_config()'s
 * timeout. */
START_TEST(test_starttls_many_sessions)
{
	const char *opts[] = { "--tls", cert, key, NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(1);
	struct deliver_result r[1];
	int i;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.starttls = CONF_STARTTLS_REQUIRED;
	cfg.smtp_ca_file = cert;
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < 40; i++) {
		ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "session %d: %s",
			      i + 1, e.msg);
		ck_assert_int_eq(r[0].status, DELIVER_OK);
	}
	deliver_close(d, NULL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 40);
}
END_TEST

START_TEST(test_starttls_untrusted)
{
	const char *opts[] = { "--tls", cert, key, NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	/* optional: a bad certificate must not fall back to plain text */
	cfg.starttls = _i ? CONF_STARTTLS_OPTIONAL : CONF_STARTTLS_REQUIRED;
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "server certificate not trusted: "
			       "self-signed certificate");
	assert_contains(e.msg, "ca_file");
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
	ck_assert_int_eq(count_lines(srv.log, "mail "), 0);
}
END_TEST

START_TEST(test_starttls_wrong_name)
{
	const char *opts[] = { "--tls", other_cert, other_key, NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.smtp_host = (char *)tls_hosts[_i].host;
	cfg.starttls = CONF_STARTTLS_REQUIRED;
	cfg.smtp_ca_file = other_cert; /* trusted, but for another name */
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "the server certificate is not for");
	assert_contains(e.msg, tls_hosts[_i].host);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
}
END_TEST

/* {password, expected flush, auth line the server logs} */
static const struct {
	const char *password;
	int rc;
	const char *log;
} auth_cases[] = {
	{ "s3cret", 0, "auth feedmail ok" },
	{ "wrong", -1, "auth feedmail failed" },
};

START_TEST(test_auth)
{
	static const char *const opts[] = { "--auth", "feedmail:s3cret", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];
	char *meta;

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.smtp_user = (char *)"feedmail";
	cfg.smtp_password = (char *)auth_cases[_i].password;
	ck_assert_int_eq(send_one(&cfg, r, &e), auth_cases[_i].rc);
	server_stop(&srv);
	/* libesmtp tries each mechanism offered (LOGIN, then PLAIN) */
	ck_assert_int_ge(count_lines(srv.log, auth_cases[_i].log), 1);
	if (auth_cases[_i].rc == 0) {
		ck_assert_int_eq(r[0].status, DELIVER_OK);
		meta = received_meta(&srv, 1);
		assert_contains(meta, "\"auth\": true");
		free(meta);
		return;
	}
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "authentication failed: 535");
	/* the server's later 530 to MAIL is no verdict on the recipient */
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(received(&srv), 0);
}
END_TEST

START_TEST(test_auth_required)
{
	static const char *const opts[] = { "--auth", "feedmail:s3cret", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m;
	struct seen s;

	/* no user set: a 530 to each MAIL FROM is the session's, not the
	 * recipients': the transport fails, nothing is anyone's attempt */
	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	memset(&s, 0, sizeof(s));
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	m = message(0);
	ck_assert_int_eq(deliver_queue(d, &m, &e), 0);
	m = message(1);
	ck_assert_int_eq(deliver_queue(d, &m, &e), 0);
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "the server requires authentication: 530");
	assert_contains(e.msg, "set [smtp] user and password_file");
	ck_assert_int_eq(s.calls, 2);
	ck_assert_int_eq(s.first[0].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(s.first[0].transport, 1);
	ck_assert_int_eq(s.first[1].status, DELIVER_TEMPFAIL);
	ck_assert_int_eq(s.first[1].transport, 1);
	deliver_close(d, NULL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
}
END_TEST

/* deliver_probe logs in as [smtp] user: the outcome, the server's words */
static const struct {
	const char *password;
	enum deliver_probe_auth status;
	const char *says;
} probe_cases[] = {
	{ "s3cret", DELIVER_AUTH_OK, "AUTH PLAIN accepted: 235" },
	{ "wrong", DELIVER_AUTH_REFUSED, "AUTH PLAIN refused: 535" },
};

START_TEST(test_probe_auth)
{
	static const char *const opts[] = { "--auth", "feedmail:s3cret", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_probe *p = calloc(1, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.smtp_user = (char *)"feedmail";
	cfg.smtp_password = (char *)probe_cases[_i].password;
	ck_assert_msg(deliver_probe(&cfg, p, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(p->auth_status, probe_cases[_i].status);
	assert_contains(p->auth, probe_cases[_i].says);
	/* without a user, no AUTH at all */
	cfg.smtp_user = NULL;
	ck_assert_msg(deliver_probe(&cfg, p, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(p->auth_status, DELIVER_AUTH_UNSET);
	server_stop(&srv);
	ck_assert_int_eq(count_lines(srv.log, "auth feedmail"), 1);
	ck_assert_int_eq(received(&srv), 0);
	free(p);
}
END_TEST

START_TEST(test_auth_not_offered)
{
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	/* the server would take mail without AUTH; we must not send it */
	server_start(&srv, NULL);
	smtp_config(&cfg, srv.port);
	cfg.smtp_user = (char *)"feedmail";
	cfg.smtp_password = (char *)"s3cret";
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "does not offer AUTH");
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	server_stop(&srv);
	ck_assert_int_eq(received(&srv), 0);
}
END_TEST

START_TEST(test_implicit_tls_server)
{
	static const char *const opts[] = { "--garbage", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	assert_contains(e.msg, "this port expects implicit TLS (465); use "
			       "587 with STARTTLS");
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	server_stop(&srv);
}
END_TEST

START_TEST(test_no_greeting)
{
	static const char *const opts[] = { "--silent", NULL };
	struct server srv;
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver_result r[1];

	server_start(&srv, opts);
	smtp_config(&cfg, srv.port);
	cfg.smtp_timeout = 1;
	ck_assert_int_eq(send_one(&cfg, r, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	assert_contains(e.msg, "no greeting within 1 s");
	assert_contains(e.msg, "implicit TLS");
	server_stop(&srv);
}
END_TEST

/* {port, starttls, user, password, the error of deliver_open} */
static const struct {
	const char *host;
	int port;
	const char *user, *password, *ca_file;
	const char *error;
} open_cases[] = {
	{ "127.0.0.1", 465, NULL, NULL, NULL,
	  "[smtp] port 465: this port expects implicit TLS (465); use 587 "
	  "with STARTTLS" },
	{ NULL, 587, NULL, NULL, NULL,
	  "transport smtp: [smtp] host is not set" },
	{ "::1", 587, NULL, NULL, NULL,
	  "[smtp] host '::1': IPv6 address literals are not supported; use "
	  "a name such as localhost" },
	{ "127.0.0.1", 587, "u", NULL, NULL,
	  "[smtp] user is set but no password (password_file or "
	  "password_env)" },
	{ "127.0.0.1", 587, NULL, NULL, "/nonexistent/ca.pem",
	  "[smtp] ca_file '/nonexistent/ca.pem': " },
};

START_TEST(test_open_errors)
{
	struct conf cfg;
	struct err e = ERR_INIT;

	smtp_config(&cfg, open_cases[_i].port);
	cfg.smtp_host = (char *)open_cases[_i].host;
	cfg.smtp_user = (char *)open_cases[_i].user;
	cfg.smtp_password = (char *)open_cases[_i].password;
	cfg.smtp_ca_file = (char *)open_cases[_i].ca_file;
	cfg.starttls = CONF_STARTTLS_REQUIRED;
	ck_assert_ptr_null(deliver_open(&cfg, &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(!strncmp(e.msg, open_cases[_i].error,
			       strlen(open_cases[_i].error)),
		      "got '%s'", e.msg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deliver_smtp");
	TCase *tc = tcase_create("core");
	int rc;

	unsetenv("FEEDMAIL_NOW");
	if (getenv("TEST_VERBOSE")) /* the SMTP dialogue on stderr */
		log_set_level(LOG_LEVEL_DEBUG);
	if (!testutil_tmpdir(tmpdir, sizeof(tmpdir), "deliver-smtp")) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	/* libesmtp looks for client certificates under $HOME */
	setenv("HOME", tmpdir, 1);
	unsetenv("XDG_CONFIG_DIR");
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
	snprintf(other_cert, sizeof(other_cert), "%s/other.pem", tmpdir);
	snprintf(other_key, sizeof(other_key), "%s/other-key.pem", tmpdir);
	testutil_make_cert(cert, key, "/CN=localhost",
			   "subjectAltName=IP:127.0.0.1,DNS:localhost");
	testutil_make_cert(other_cert, other_key, "/CN=mail.example.org",
			   "subjectAltName=DNS:mail.example.org");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_three_in_one_session);
	tcase_add_test(tc, test_one_recipient_refused);
	tcase_add_test(tc, test_451_is_tempfail);
	tcase_add_test(tc, test_421_closes_the_session);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_starttls_required_not_offered);
	tcase_add_loop_test(tc, test_starttls_with_ca_file, 0,
			    sizeof(tls_hosts) / sizeof(tls_hosts[0]));
	tcase_add_test(tc, test_starttls_optional_uses_tls);
	tcase_add_test(tc, test_starttls_many_sessions);
	tcase_add_loop_test(tc, test_starttls_untrusted, 0, 2);
	tcase_add_loop_test(tc, test_starttls_wrong_name, 0,
			    sizeof(tls_hosts) / sizeof(tls_hosts[0]));
	tcase_add_loop_test(tc, test_auth, 0,
			    sizeof(auth_cases) / sizeof(auth_cases[0]));
	tcase_add_test(tc, test_auth_not_offered);
	tcase_add_test(tc, test_auth_required);
	tcase_add_loop_test(tc, test_probe_auth, 0,
			    sizeof(probe_cases) / sizeof(probe_cases[0]));
	tcase_add_test(tc, test_implicit_tls_server);
	tcase_add_test(tc, test_no_greeting);
	tcase_add_loop_test(tc, test_open_errors, 0,
			    sizeof(open_cases) / sizeof(open_cases[0]));
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_remove_tree(tmpdir);
	return rc;
}
