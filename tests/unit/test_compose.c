/*
 * Unit tests for src/mail/compose: every mail is the bytes mime_render
 * makes of the same message by hand (the sender from the parsed conf, the
 * text wrapped, the list headers for a digest only), Message-IDs made
 * from a seed in the sender's domain, and a report committed to the
 * outbox once per kind and slot.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/token.h"
#include "mail/compose.h"
#include "mail/mime.h"
#include "store/store.h"
#include "testutil.h"

#define N INT64_C(1795000000) /* any fixed now */
#define LONG_LINE                                                 \
	"A line long enough to be wrapped, since it goes on and " \
	"on past the seventy-two columns of the text part.\n"

static struct conf cfg;

static void
setup(void)
{
	struct err e = ERR_INIT;

	conf_init(&cfg);
	free(cfg.from);
	cfg.from = strdup("Veille <veille@cluster.example>");
	cfg.unsubscribe_url = strdup("https://cluster.example/u?x=1");
	ck_assert_msg(conf_finish(&cfg, &e) == 0, "%s", e.msg);
}

static void
teardown(void)
{
	conf_release(&cfg);
}

static const struct {
	const char *what;
	const char *to_name;
	const char *text, *html;
	int list;
	long entries;
} cases[] = {
	{ "a report: text only, no list headers", "Ops", LONG_LINE, NULL, 0,
	  0 },
	{ "a test mail: no display name", NULL, "Short.\n", NULL, 0, 0 },
	{ "a digest: both parts, the list headers", "Marie", LONG_LINE,
	  "<p>Hello</p>", 1, 3 },
	{ "a digest without a name", NULL, "x", "<p>x</p>", 1, 1 },
	{ "empty text", "Ops", "", NULL, 0, 0 },
};

/* compose_render gives the bytes mime_render gives the message written
 * out by hand, as each caller wrote it before compose.c. */
START_TEST(t_same_as_mime)
{
	struct buf text = BUF_INIT(BUF_MAX_DOC), out = BUF_INIT(BUF_MAX_DOC);
	struct buf wrapped = BUF_INIT(BUF_MAX_DOC);
	struct buf want = BUF_INIT(BUF_MAX_DOC);
	struct compose_mail m = { 0 };
	struct mime_message mm = { 0 };
	struct err e = ERR_INIT;

	m.to_name = cases[_i].to_name;
	m.to_addr = "ops@example.org";
	m.subject = "Subject: é";
	m.text = cases[_i].text;
	m.html = cases[_i].html;
	m.date = N;
	m.message_id = "<0123.feedmail@cluster.example>";
	m.list = cases[_i].list;
	m.entries = cases[_i].entries;
	ck_assert_msg(compose_render(&cfg, &m, &text, &out, &e) == 0, "%s: %s",
		      cases[_i].what, e.msg);

	ck_assert_int_eq(mime_wrap_text(&wrapped, m.text, MIME_WRAP_WIDTH), 0);
	mm.from.name = "Veille";
	mm.from.addr = "veille@cluster.example";
	mm.to.name = m.to_name;
	mm.to.addr = m.to_addr;
	mm.subject = m.subject;
	mm.date = N;
	mm.message_id = m.message_id;
	if (m.list) {
		mm.list_id = "feedmail.cluster.example";
		mm.unsubscribe_mailto =
			"mailto:veille@cluster.example?subject=unsubscribe";
		mm.unsubscribe_url = "https://cluster.example/u?x=1";
	}
	mm.entries = m.entries;
	mm.text = wrapped.data;
	mm.html = m.html;
	ck_assert_int_eq(mime_render(&mm, &want, &e), 0);

	ck_assert_msg(out.len == want.len &&
			      !memcmp(out.data, want.data, out.len),
		      "%s:\n%s\n---\n%s", cases[_i].what, out.data, want.data);
	ck_assert_str_eq(text.data ? text.data : "",
			 wrapped.data ? wrapped.data : "");
	ck_assert_int_eq(strstr(out.data, "\r\nList-Id: ") != NULL, m.list);
	ck_assert_int_eq(strstr(out.data, "\r\nList-Unsubscribe: ") != NULL,
			 m.list);
	buf_release(&text);
	buf_release(&out);
	buf_release(&wrapped);
	buf_release(&want);
}
END_TEST

START_TEST(t_message_id)
{
	struct err e = ERR_INIT;
	char *a, *b, *c, *d;

	a = compose_message_id(&cfg, "report-health-2026-W48-1", 0, &e);
	b = compose_message_id(&cfg, "report-health-2026-W48-1", 0, &e);
	c = compose_message_id(&cfg, "digest-1-2-", 1, &e);
	d = compose_message_id(&cfg, "digest-1-2-", 1, &e);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(d);
	/* the same seed, the same id: a retried report keeps its id */
	ck_assert_str_eq(a, b);
	/* random bits: two digests of one second differ */
	ck_assert_str_ne(c, d);
	ck_assert_msg(strstr(a, ".feedmail@cluster.example>") != NULL, "%s", a);
	ck_assert_msg(strstr(c, ".feedmail@cluster.example>") != NULL, "%s", c);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(t_report)
{
	char dir[200], path[256];
	struct compose_mail m = { 0 };
	struct store_message got = { 0 };
	struct err e = ERR_INIT;
	struct store *s;
	int64_t id = 0, again = 0, ids[4];
	size_t n = 0;

	ck_assert_ptr_nonnull(testutil_tmpdir(dir, sizeof(dir), "compose"));
	snprintf(path, sizeof(path), "%s/feedmail.db", dir);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	m.to_name = "Ops";
	m.to_addr = "ops@example.org";
	m.subject = "feedmail: 1 of 2 feeds need a look (2026-W48)";
	m.text = LONG_LINE;
	m.date = N;
	ck_assert_int_eq(compose_report(s, &cfg, "health", "2026-W48",
					"report-health-2026-W48", &m, &id, &e),
			 0);
	ck_assert_int_gt(id, 0);
	/* once per kind and slot: another process's is its own */
	ck_assert_int_eq(compose_report(s, &cfg, "health", "2026-W48",
					"report-health-2026-W48-2", &m, &again,
					&e),
			 1);
	ck_assert_int_eq(e.code, 0);
	/* in the outbox, as any mail */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, N, N, N + 60,
					    ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	ck_assert_int_eq(store_outbox_get(s, id, &got, &e), 0);
	ck_assert_str_eq(got.kind, "health");
	ck_assert_str_eq(got.slot, "2026-W48");
	ck_assert_int_eq(got.subscriber_id, 0);
	ck_assert_str_eq(got.email, "ops@example.org");
	ck_assert_msg(strstr(got.message, "\r\nTo: Ops <ops@example.org>"
					  "\r\n") != NULL,
		      "%s", got.message);
	ck_assert_msg(strstr(got.message, got.message_id) != NULL, "%s",
		      got.message);
	store_message_release(&got);
	store_close(s);
	ck_assert_int_eq(testutil_remove_tree(dir), 0);
}
END_TEST

/* The message's bodies as read: quoted-printable undone (soft breaks
 * and =XX), malloc'd. */
static char *
qp_decode(const char *m)
{
	char *out = malloc(strlen(m) + 1), *o = out;
	unsigned int x;

	ck_assert_ptr_nonnull(out);
	while (*m) {
		if (m[0] == '=' && m[1] == '\r' && m[2] == '\n') {
			m += 3;
		} else if (m[0] == '=' && sscanf(m + 1, "%2x", &x) == 1 &&
			   m[1] && m[2]) {
			*o++ = (char)x;
			m += 3;
		} else {
			*o++ = *m++;
		}
	}
	*o = '\0';
	return out;
}

/* The confirmation: in the subscriber's language, both parts with the
 * link to base_url + "c/" + a token that verifies, the name (the form's
 * filler chose it) nowhere, once per address and hour. */
START_TEST(t_confirm)
{
	static const struct {
		const char *lang, *subject, *words;
	} langs[] = {
		{ "fr", "Subject: =?UTF-8?", "Pour confirmer, ouvrez ce lien" },
		{ "en", "Subject: Confirm your subscription to Veille",
		  "To confirm, open this link" },
	};
	char dir[200], path[256], want[300], *body, *at, token[TOKEN_SIZE];
	struct store_subscriber sub = { 0 }, got = { 0 };
	struct store_message msg = { 0 };
	struct token t;
	struct err e = ERR_INIT;
	unsigned char secret[TOKEN_SECRET_SIZE];
	size_t secret_len;
	struct store *s;
	int64_t sid, id = 0, again = 0, ids[4];
	size_t n = 0;

	ck_assert_ptr_nonnull(testutil_tmpdir(dir, sizeof(dir), "confirm"));
	snprintf(path, sizeof(path), "%s/feedmail.db", dir);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	sub.email = (char *)"Eve@Example.org";
	sub.name = (char *)"Eve\r\nBcc: victim@example.net";
	sub.lang = (char *)langs[_i].lang;
	sub.pending_since = N;
	ck_assert_int_eq(store_subscriber_add(s, &sub, N, &sid, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, sub.email, &got, &e), 0);
	/* no [web] base_url: the link cannot be made */
	ck_assert_int_eq(compose_confirm(s, &cfg, &got, N, &id, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "[web] base_url") != NULL, "%s", e.msg);
	e = (struct err)ERR_INIT;
	cfg.web_base_url = strdup("https://veille.example.org/lettre");
	free(cfg.name);
	cfg.name = strdup("Veille");
	ck_assert_int_eq(compose_confirm(s, &cfg, &got, N, &id, &e), 0);
	ck_assert_int_gt(id, 0);
	/* again within the hour, with another case: nothing more */
	free(got.email);
	got.email = strdup("eve@example.ORG");
	ck_assert_int_eq(compose_confirm(s, &cfg, &got, N + 1800, &again, &e),
			 1);
	ck_assert_int_eq(e.code, 0);
	/* carried with the digests, a person waiting for it; not the
	 * admin's mail */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ADMIN, N, N, N + 60,
					    ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_DIGESTS, N, N,
					    N + 60, ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	ck_assert_int_eq(store_outbox_get(s, id, &msg, &e), 0);
	ck_assert_str_eq(msg.kind, "confirm");
	ck_assert_int_eq(msg.subscriber_id, 0);
	ck_assert_str_eq(msg.email, "Eve@Example.org");
	ck_assert_msg(strncmp(msg.slot, "eve@example.org@", 16) == 0, "%s",
		      msg.slot);
	/* the headers: one To:, no Bcc: from the name */
	body = strstr(msg.message, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	*body = '\0';
	ck_assert_msg(strstr(msg.message, "\r\nBcc:") == NULL &&
			      strncmp(msg.message, "Bcc:", 4) != 0,
		      "%s", msg.message);
	ck_assert_msg(strstr(msg.message, "To: ") != NULL, "%s", msg.message);
	ck_assert_msg(strstr(msg.message, "\r\nTo: Eve@Example.org\r\n") !=
			      NULL,
		      "%s", msg.message);
	ck_assert_msg(strstr(msg.message, langs[_i].subject) != NULL, "%s",
		      msg.message);
	ck_assert_msg(strstr(msg.message, "List-Unsubscribe") == NULL, "%s",
		      msg.message);
	*body = '\r';
	body = qp_decode(body);
	ck_assert_msg(strstr(body, langs[_i].words) != NULL, "%s", body);
	ck_assert_msg(strstr(body, "text/html") != NULL, "%s", body);
	ck_assert_msg(strstr(body, "victim") == NULL, "%s", body);
	/* the link, in both parts, with a token that verifies */
	at = strstr(body, "https://veille.example.org/lettre/c/");
	ck_assert_msg(at != NULL, "%s", body);
	at += strlen("https://veille.example.org/lettre/c/");
	snprintf(token, sizeof(token), "%.*s",
		 (int)strspn(at, "abcdefghijkl"
				 "mnopqrstuvwxyz"
				 "234567"),
		 at);
	ck_assert_int_eq(token_parse(token, &t), 0);
	ck_assert_int_eq(t.purpose, TOKEN_CONFIRM);
	ck_assert_int_eq(t.id, sid);
	ck_assert_int_eq(store_secret(s, "token", secret, sizeof(secret),
				      &secret_len, &e),
			 0);
	ck_assert_int_eq(token_verify(secret, secret_len, token, &t, got.token),
			 1);
	snprintf(want, sizeof(want),
		 "href=\"https://veille.example.org/lettre/c/%s\"", token);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	free(body);
	store_message_release(&msg);
	/* noted on the subscriber, and an hour later another may go */
	store_subscriber_release(&got);
	ck_assert_int_eq(store_subscriber_by_email(s, sub.email, &got, &e), 0);
	ck_assert_int_eq(compose_confirm(s, &cfg, &got, N + 3600, &again, &e),
			 0);
	ck_assert_int_gt(again, id);
	store_subscriber_release(&got);
	store_close(s);
	ck_assert_int_eq(testutil_remove_tree(dir), 0);
}
END_TEST

/* With [web] base_url, a digest's one-click link is BASE/u/TOKEN: the
 * subscriber's token under the secret, bound to their own random token,
 * whatever the final '/' of base_url; it replaces [digest]
 * unsubscribe_url in List-Unsubscribe, with the Post header. */
START_TEST(t_unsubscribe_url)
{
	static const unsigned char secret[TOKEN_SECRET_SIZE] = "s3cret";
	static const char *const bases[] = { "https://veille.example/app/",
					     "https://veille.example/app" };
	struct store_subscriber sub = { 0 };
	struct compose_mail m = { 0 };
	struct buf text = BUF_INIT(BUF_MAX_DOC), out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	char url[COMPOSE_URL_SIZE], bind[] = "00112233445566778899aabbccddeeff";
	struct token t;
	const char *tok;
	size_t i;

	sub.id = 42;
	sub.token = bind;
	for (i = 0; i < 2; i++) {
		free(cfg.web_base_url);
		cfg.web_base_url = strdup(bases[i]);
		ck_assert_int_eq(compose_unsubscribe_url(&cfg, secret,
							 sizeof(secret), &sub,
							 url, &e),
				 0);
		ck_assert_msg(!strncmp(url, "https://veille.example/app/u/",
				       29),
			      "%s", url);
		tok = url + 29;
		ck_assert_int_eq(token_parse(tok, &t), 0);
		ck_assert_int_eq(t.purpose, TOKEN_UNSUBSCRIBE);
		ck_assert_int_eq(t.id, 42);
		ck_assert(token_verify(secret, sizeof(secret), tok, &t, bind));
		ck_assert(!token_verify(secret, sizeof(secret), tok, &t, ""));
	}
	m.to_addr = "marie@example.org";
	m.subject = "s";
	m.text = "x";
	m.message_id = "<1@cluster.example>";
	m.list = 1;
	m.unsubscribe_url = url;
	ck_assert_int_eq(compose_render(&cfg, &m, &text, &out, &e), 0);
	ck_assert_ptr_nonnull(strstr(out.data, url));
	ck_assert_ptr_null(strstr(out.data, "https://cluster.example/u?x=1"));
	ck_assert_ptr_nonnull(strstr(out.data, "List-Unsubscribe-Post: "
					       "List-Unsubscribe=One-Click"));
	/* without base_url, no link can be made */
	free(cfg.web_base_url);
	cfg.web_base_url = NULL;
	ck_assert_int_eq(compose_unsubscribe_url(&cfg, secret, sizeof(secret),
						 &sub, url, &e),
			 -1);
	buf_release(&text);
	buf_release(&out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("compose");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, t_same_as_mime, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, t_message_id);
	tcase_add_test(tc, t_report);
	tcase_add_loop_test(tc, t_confirm, 0, 2);
	tcase_add_test(tc, t_unsubscribe_url);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
