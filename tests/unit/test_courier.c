/*
 * Unit tests for src/mail/courier: what a transport's answer makes of a
 * message (a table), and the outbox carried to a Maildir: each pending
 * message delivered and marked once, `only` taking one alone, the heard
 * callback told of each, digests and reports in one run.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "mail/compose.h"
#include "mail/courier.h"
#include "store/store.h"
#include "testutil.h"

#define N INT64_C(1795000000) /* any fixed now */

static const struct {
	const char *what;
	enum deliver_status status;
	int code, transport, attempts;
	const char *reply;
	enum store_digest_outcome want;
	const char *want_reply;
} outcomes[] = {
	{ "250: sent", DELIVER_OK, 250, 0, 0, "2.0.0 ok", STORE_DIGEST_SENT,
	  "250 2.0.0 ok" },
	{ "file transports: no code", DELIVER_OK, 0, 0, 0,
	  "written to the Maildir", STORE_DIGEST_SENT,
	  "written to the Maildir" },
	{ "451: retried", DELIVER_TEMPFAIL, 451, 0, 0, "try later",
	  STORE_DIGEST_RETRY, "451 try later" },
	{ "451 on the last attempt but one: retried", DELIVER_TEMPFAIL, 451, 0,
	  COURIER_MAX_ATTEMPTS - 2, "x", STORE_DIGEST_RETRY, "451 x" },
	{ "451 on the last attempt: failed", DELIVER_TEMPFAIL, 451, 0,
	  COURIER_MAX_ATTEMPTS - 1, "x", STORE_DIGEST_FAILED, "451 x" },
	{ "the transport down: held, whatever the attempts", DELIVER_TEMPFAIL,
	  0, 1, COURIER_MAX_ATTEMPTS, "connection refused", STORE_DIGEST_HELD,
	  "connection refused" },
	{ "550: failed", DELIVER_PERMFAIL, 550, 0, 0, "no such user",
	  STORE_DIGEST_FAILED, "550 no such user" },
};

START_TEST(t_outcome)
{
	struct deliver_result r = { 0 };
	char reply[COURIER_REPLY_SIZE];

	r.status = outcomes[_i].status;
	r.code = outcomes[_i].code;
	r.transport = outcomes[_i].transport;
	snprintf(r.reply, sizeof(r.reply), "%s", outcomes[_i].reply);
	ck_assert_msg(courier_outcome(&r, outcomes[_i].attempts, reply) ==
			      outcomes[_i].want,
		      "%s", outcomes[_i].what);
	ck_assert_str_eq(reply, outcomes[_i].want_reply);
}
END_TEST

/* How many messages the folder holds. */
static int
files_in(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

struct heard {
	int64_t ids[4];
	int n;
};

static void
on_heard(void *arg, int64_t id, const struct deliver_result *r)
{
	struct heard *h = arg;

	ck_assert_int_eq(r->status, DELIVER_OK);
	if (h->n < 4)
		h->ids[h->n] = id;
	h->n++;
}

START_TEST(t_reports)
{
	char dir[200], path[256], maildir[256], new[300];
	struct compose_mail m = { 0 };
	struct courier c;
	struct heard h = { { 0 }, 0 };
	struct err e = ERR_INIT;
	struct conf cfg;
	struct store *s;
	int64_t a = 0, b = 0, ids[4];
	size_t n = 0;

	ck_assert_ptr_nonnull(testutil_tmpdir(dir, sizeof(dir), "courier"));
	snprintf(path, sizeof(path), "%s/feedmail.db", dir);
	snprintf(maildir, sizeof(maildir), "%s/Maildir", dir);
	snprintf(new, sizeof(new), "%s/new", maildir);
	conf_init(&cfg);
	cfg.digest_path = strdup(maildir);
	ck_assert_msg(conf_finish(&cfg, &e) == 0, "%s", e.msg);
	/* set as the file would: finish picks mbox for a path */
	cfg.transport = CONF_TRANSPORT_MAILDIR;
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	m.to_addr = "ops@example.org";
	m.subject = "a report";
	m.text = "Text.\n";
	m.date = N;
	ck_assert_int_eq(compose_report(s, &cfg, "test", "a", "seed-a", &m, &a,
					&e),
			 0);
	ck_assert_int_eq(compose_report(s, &cfg, "test", "b", "seed-b", &m, &b,
					&e),
			 0);

	/* only b */
	courier_init(&c);
	c.store = s;
	c.cfg = &cfg;
	c.now = N;
	c.only = b;
	c.heard = on_heard;
	c.heard_arg = &h;
	ck_assert_msg(courier_run(&c, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(c.counts.sent, 1);
	courier_release(&c);
	ck_assert_int_eq(h.n, 1);
	ck_assert_int_eq(h.ids[0], b);
	ck_assert_int_eq(files_in(new), 1);

	/* then the rest: a, once */
	courier_init(&c);
	c.store = s;
	c.cfg = &cfg;
	c.now = N;
	ck_assert_msg(courier_run(&c, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(c.counts.sent, 1);
	courier_release(&c);
	ck_assert_int_eq(files_in(new), 2);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, N, INT64_MAX,
					    N + 60, ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);

	store_close(s);
	conf_release(&cfg);
	ck_assert_int_eq(testutil_remove_tree(dir), 0);
}
END_TEST

/* Digests and a report: a claim takes the box it names; a courier of
 * every box carries them in one run, oldest first, and marks each sent. */
START_TEST(t_digests_and_report)
{
	static const char digest[] = "Subject: news\r\n\r\nNews.\r\n";
	char dir[200], path[256], maildir[256], new[300], mid[32];
	char email[32];
	struct compose_mail m = { 0 };
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	struct courier c;
	struct heard h = { { 0 }, 0 };
	struct err e = ERR_INIT;
	struct conf cfg;
	struct store *s, *other;
	int64_t sid, ids[4], report = 0, dg[2];
	size_t n = 0;
	int i;

	ck_assert_ptr_nonnull(testutil_tmpdir(dir, sizeof(dir), "courier"));
	snprintf(path, sizeof(path), "%s/feedmail.db", dir);
	snprintf(maildir, sizeof(maildir), "%s/Maildir", dir);
	snprintf(new, sizeof(new), "%s/new", maildir);
	conf_init(&cfg);
	cfg.digest_path = strdup(maildir);
	ck_assert_msg(conf_finish(&cfg, &e) == 0, "%s", e.msg);
	cfg.transport = CONF_TRANSPORT_MAILDIR;
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	for (i = 0; i < 2; i++) {
		snprintf(email, sizeof(email), "s%d@example.org", i);
		snprintf(mid, sizeof(mid), "<d%d@x>", i);
		sub.email = email;
		ck_assert_int_eq(store_subscriber_add(s, &sub, N, &sid, &e), 0);
		d.subscriber_id = sid;
		d.message_id = mid;
		d.message = digest;
		d.len = sizeof(digest) - 1;
		d.now = N;
		ck_assert_msg(store_digest_add(s, &d, &dg[i], &e) == 0, "%s",
			      e.msg);
		if (i == 0) {
			m.to_addr = "ops@example.org";
			m.subject = "a report";
			m.text = "Text.\n";
			m.date = N;
			ck_assert_int_eq(compose_report(s, &cfg, "health",
							"2026-W48", "seed-h",
							&m, &report, &e),
					 0);
		}
	}

	/* a claim takes the box it names (each on a handle of its own:
	 * leases end with it) */
	other = store_open_another(s, &e);
	ck_assert_msg(other != NULL, "%s", e.msg);
	ck_assert_int_eq(store_outbox_claim(other, STORE_OUTBOX_DIGESTS, N, N,
					    N + 60, ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ids[0], dg[0]);
	ck_assert_int_eq(ids[1], dg[1]);
	store_close(other);
	other = store_open_another(s, &e);
	ck_assert_msg(other != NULL, "%s", e.msg);
	ck_assert_int_eq(store_outbox_claim(other, STORE_OUTBOX_ADMIN, N, N,
					    N + 60, ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], report);
	store_close(other);

	courier_init(&c);
	c.store = s;
	c.cfg = &cfg;
	c.now = N;
	c.heard = on_heard;
	c.heard_arg = &h;
	ck_assert_msg(courier_run(&c, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(c.counts.sent, 3);
	courier_release(&c);
	ck_assert_int_eq(h.n, 3);
	ck_assert_int_eq(h.ids[0], dg[0]);
	ck_assert_int_eq(h.ids[1], report);
	ck_assert_int_eq(h.ids[2], dg[1]);
	ck_assert_int_eq(files_in(new), 3);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, N + 1,
					    INT64_MAX, N + 60, ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);

	store_close(s);
	conf_release(&cfg);
	ck_assert_int_eq(testutil_remove_tree(dir), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("courier");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_outcome, 0,
			    (int)(sizeof(outcomes) / sizeof(outcomes[0])));
	tcase_add_test(tc, t_reports);
	tcase_add_test(tc, t_digests_and_report);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
