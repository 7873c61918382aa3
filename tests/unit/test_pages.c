/* The pure parts of the subscribers' pages: a kept digest's HTML read
 * back from the message mail/ wrote (view.h), the limit per client
 * (limit.h) and the form's checks (form.h). The pages themselves are
 * tested through the real program (tests/integ/t0510-pages.sh). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "mail/compose.h"
#include "testutil.h"
#include "web/form.h"
#include "web/limit.h"
#include "web/view.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct conf cfg;

static void
setup(void)
{
	struct err e = ERR_INIT;

	conf_init(&cfg);
	free(cfg.from);
	cfg.from = strdup("Veille <veille@cluster.example>");
	ck_assert_msg(conf_finish(&cfg, &e) == 0, "%s", e.msg);
}

static void
teardown(void)
{
	conf_release(&cfg);
}

/* What compose and mime write comes back byte for byte: non-ASCII, '=',
 * a line far past 76 columns (soft breaks), CRLF line ends. */
START_TEST(t_view_round_trip)
{
	static const char *const htmls[] = {
		"<html><body><p>Économie &amp; énergie = 100 %</p></body></html>\r\n",
		"<p>"
		"0123456789012345678901234567890123456789012345678901234567890123"
		"4567890123456789012345678901234567890123456789 — long</p>\r\n"
		"<p>=3D not decoded twice</p>\r\n",
		"<p>no final line break</p>",
	};
	struct compose_mail m = { 0 };
	struct buf text = BUF_INIT(BUF_MAX_DOC), out = BUF_INIT(BUF_MAX_DOC),
		   got = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;

	m.to_addr = "marie@example.org";
	m.subject = "Votre veille";
	m.text = "le texte";
	m.html = htmls[_i];
	m.date = 1764151200;
	m.message_id = "<1@cluster.example>";
	m.list = 1;
	ck_assert_int_eq(compose_render(&cfg, &m, &text, &out, &e), 0);
	ck_assert_int_eq(view_html(out.data, out.len, &got), 0);
	ck_assert_str_eq(got.data, htmls[_i]);
	buf_release(&text);
	buf_release(&out);
	buf_release(&got);
}
END_TEST

static const struct {
	const char *msg, *want; /* want NULL: no HTML part */
} views[] = {
	/* a single part, base64 */
	{ "Content-Type: text/html; charset=utf-8\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\n"
	  "PHA+w4l0w6k8L3A+\r\n",
	  "<p>\xc3\x89t\xc3\xa9</p>" },
	/* folded Content-Type, boundary unquoted, html second */
	{ "Content-Type: multipart/alternative;\r\n boundary=XYZ\r\n\r\n"
	  "--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	  "--XYZ\r\nContent-Type: TEXT/HTML\r\n\r\n<b>hi</b>\r\n--XYZ--\r\n",
	  "<b>hi</b>" },
	/* text only */
	{ "Content-Type: text/plain\r\n\r\nhello\r\n", NULL },
	/* no headers end */
	{ "Content-Type: text/html", NULL },
	/* a boundary that never comes */
	{ "Content-Type: multipart/alternative; boundary=\"Q\"\r\n\r\nbody",
	  NULL },
	/* an empty boundary */
	{ "Content-Type: multipart/alternative; boundary=\"\"\r\n\r\n--\r\n",
	  NULL },
	/* a part without its blank line */
	{ "Content-Type: multipart/alternative; boundary=Q\r\n\r\n"
	  "--Q\r\nContent-Type: text/html",
	  NULL },
	/* a broken escape is kept */
	{ "Content-Type: text/html\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\na=ZZb=",
	  "a=ZZb=" },
	{ "", NULL },
};

START_TEST(t_view_cases)
{
	struct buf got = BUF_INIT(BUF_MAX_DOC);
	int rc = view_html(views[_i].msg, strlen(views[_i].msg), &got);

	if (views[_i].want) {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(got.data, views[_i].want);
	} else {
		ck_assert_int_eq(rc, -1);
	}
	buf_release(&got);
}
END_TEST

/* Every prefix of a real message reads without a fault (the sanitizer
 * build says so), whatever it gives. */
START_TEST(t_view_cut)
{
	struct compose_mail m = { 0 };
	struct buf text = BUF_INIT(BUF_MAX_DOC), out = BUF_INIT(BUF_MAX_DOC),
		   got = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	size_t n;
	char *copy;

	m.to_addr = "marie@example.org";
	m.subject = "s";
	m.text = "t";
	m.html = "<p>Économie</p>";
	m.message_id = "<2@cluster.example>";
	ck_assert_int_eq(compose_render(&cfg, &m, &text, &out, &e), 0);
	for (n = 0; n <= out.len; n++) {
		/* a heap copy of exactly n bytes: a read past it is caught */
		copy = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, out.data, n);
		buf_reset(&got);
		view_html(copy, n, &got);
		free(copy);
	}
	buf_release(&text);
	buf_release(&out);
	buf_release(&got);
}
END_TEST

START_TEST(t_limit)
{
	struct web_limit *l = web_limit_new(5, 600);
	char ip[64];
	int i;

	ck_assert_ptr_nonnull(l);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(web_limit_take(l, "192.0.2.1", 1000 + i), 1);
	ck_assert_int_eq(web_limit_take(l, "192.0.2.1", 1010), 0);
	/* refused ones are not counted; another client is its own */
	ck_assert_int_eq(web_limit_take(l, "192.0.2.2", 1010), 1);
	/* the window moves: the first went out at 1600 */
	ck_assert_int_eq(web_limit_take(l, "192.0.2.1", 1599), 0);
	ck_assert_int_eq(web_limit_take(l, "192.0.2.1", 1600), 1);
	ck_assert_int_eq(web_limit_take(l, "192.0.2.1", 1600), 0);
	/* more clients than slots: memory stays, the limit holds for the
	 * latest */
	for (i = 0; i < 3 * WEB_LIMIT_SLOTS; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
			 i & 255);
		ck_assert_int_eq(web_limit_take(l, ip, 2000), 1);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(web_limit_take(l, ip, 2000), 1);
	ck_assert_int_eq(web_limit_take(l, ip, 2000), 0);
	/* IPv6: a /64 is one client, whichever of its addresses */
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:1:2::%x", i + 1);
		ck_assert_int_eq(web_limit_take(l, ip, 3000), 1);
	}
	ck_assert_int_eq(web_limit_take(l, "2001:db8:1:2:ffff:1:2:3", 3000), 0);
	ck_assert_int_eq(web_limit_take(l, "2001:db8:1:3::1", 3000), 1);
	/* an IPv4 address mapped is still its own */
	ck_assert_int_eq(web_limit_take(l, "::ffff:192.0.2.77", 3000), 1);
	ck_assert_int_eq(web_limit_take(l, "::ffff:192.0.2.78", 3000), 1);
	web_limit_free(l);
	ck_assert_ptr_null(web_limit_new(0, 600));
	ck_assert_ptr_null(web_limit_new(WEB_LIMIT_CAP + 1, 600));
}
END_TEST

/* One form each: the fields in error (a bit per enum form_field), the
 * schedule made. */
static const struct {
	const char *email, *name, *lang, *schedule, *time, *day, *zone,
		*include, *exclude;
	unsigned errors;
	const char *made;
} forms[] = {
	{ "marie@example.org", "Marie", "fr", "daily", "07:30", NULL,
	  "Europe/Paris", "", "", 0, "daily@07:30" },
	{ "marie@example.org", NULL, "en", "weekly", "7:05", "fri", "", NULL,
	  NULL, 0, "weekly@fri 7:05" },
	{ "m@example.org", NULL, "en", "hourly", "nonsense", "nonsense",
	  " UTC ", "a, b,,c", "d", 0, "hourly" },
	{ "not an address", NULL, "fr", "daily", "07:30", NULL, NULL, NULL,
	  NULL, 1u << FORM_EMAIL, NULL },
	{ "", NULL, "fr", "daily", "07:30", NULL, NULL, NULL, NULL,
	  1u << FORM_EMAIL, NULL },
	{ "m@example.org", "Eve\r\nBcc: x@example.net", "fr", "daily", "07:30",
	  NULL, NULL, NULL, NULL, 1u << FORM_NAME, NULL },
	{ "m@example.org", NULL, "de", "daily", "24:00", NULL, NULL, NULL, NULL,
	  1u << FORM_LANG | 1u << FORM_TIME, NULL },
	{ "m@example.org", NULL, "fr", "monthly", NULL, NULL, NULL, NULL, NULL,
	  1u << FORM_SCHEDULE, NULL },
	{ "m@example.org", NULL, "fr", NULL, NULL, NULL, NULL, NULL, NULL,
	  1u << FORM_SCHEDULE, NULL },
	{ "m@example.org", NULL, "fr", "weekly", "07:00", "someday",
	  "Mars/Olympus", NULL, NULL, 1u << FORM_DAY | 1u << FORM_TIMEZONE,
	  NULL },
	{ "m@example.org", NULL, "fr", "daily", "07:00", NULL,
	  "../../etc/passwd", NULL, NULL, 1u << FORM_TIMEZONE, NULL },
	{ "m@example.org", NULL, "fr", "daily", "07:00", NULL, NULL,
	  "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21", "x",
	  1u << FORM_INCLUDE, NULL },
	{ "m@example.org", NULL, "fr", "daily", "07:00", NULL, NULL, "ok",
	  "01234567890123456789012345678901234567890123456789012345678901234",
	  1u << FORM_EXCLUDE, NULL },
};

START_TEST(t_form_check)
{
	struct store_subscriber sub;
	struct form f;
	struct err e = ERR_INIT;
	unsigned errors = 0;
	int k, rc;

	memset(&sub, 0, sizeof(sub));
	form_init(&f);
	f.value[FORM_EMAIL] = forms[_i].email;
	f.value[FORM_NAME] = forms[_i].name;
	f.value[FORM_LANG] = forms[_i].lang;
	f.value[FORM_SCHEDULE] = forms[_i].schedule;
	f.value[FORM_TIME] = forms[_i].time;
	f.value[FORM_DAY] = forms[_i].day;
	f.value[FORM_TIMEZONE] = forms[_i].zone;
	f.value[FORM_INCLUDE] = forms[_i].include;
	f.value[FORM_EXCLUDE] = forms[_i].exclude;
	rc = form_check(&f, &cfg, 1, 1764151200, &sub, &e);
	for (k = 0; k < FORM_NFIELDS; k++)
		if (f.error[k] != PT_COUNT)
			errors |= 1u << k;
	ck_assert_uint_eq(errors, forms[_i].errors);
	ck_assert_int_eq(rc, forms[_i].errors ? 1 : 0);
	if (forms[_i].made) {
		ck_assert_str_eq(sub.schedule, forms[_i].made);
		ck_assert_str_eq(sub.lang, forms[_i].lang);
	}
	if (_i == 2) {
		ck_assert_str_eq(sub.timezone, "UTC");
		ck_assert_uint_eq(sub.include.n, 3);
		ck_assert_str_eq(sub.include.items[2], "c");
		ck_assert_uint_eq(sub.exclude.n, 1);
	}
	if (_i == 0)
		ck_assert_uint_eq(sub.include.n, 0);
	form_release(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pages");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, t_view_round_trip, 0, 3);
	tcase_add_loop_test(tc, t_view_cases, 0, (int)N(views));
	tcase_add_test(tc, t_view_cut);
	tcase_add_test(tc, t_limit);
	tcase_add_loop_test(tc, t_form_check, 0, (int)N(forms));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
