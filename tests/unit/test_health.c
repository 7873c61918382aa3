/*
 * Unit tests for src/app/health: the rule that flags a feed (a table around
 * both thresholds), the report's text, and its weekly slot (Mondays at
 * [digest] time in [digest] timezone, keyed by ISO week).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/health.h"
#include "lib/conf.h"
#include "lib/date.h"
#include "store/store.h"
#include "testutil.h"

#define DAY 86400
#define N INT64_C(1795000000) /* any fixed now */

static int64_t
at(const char *iso)
{
	int64_t t = 0;

	ck_assert_msg(date_parse(iso, &t) == 0, "bad test date %s", iso);
	return t;
}

/* sick_failures 3, sick_days 14 */
static const struct {
	const char *what;
	int enabled, failures;
	int64_t added_ago, last_new_ago; /* seconds before N; -1: never */
	unsigned want;
} flag_cases[] = {
	{ "healthy", 1, 0, 30 * DAY, DAY, 0 },
	{ "2 failures: not yet", 1, 2, 30 * DAY, DAY, 0 },
	{ "3 failures: failing", 1, 3, 30 * DAY, DAY, HEALTH_FAILING },
	{ "many failures", 1, 999, 30 * DAY, DAY, HEALTH_FAILING },
	{ "quiet one second short of 14 days", 1, 0, 30 * DAY, 14 * DAY - 1,
	  0 },
	{ "quiet exactly 14 days: silent", 1, 0, 30 * DAY, 14 * DAY,
	  HEALTH_SILENT },
	{ "never an entry, added 13 days ago", 1, 0, 13 * DAY, -1, 0 },
	{ "never an entry, added 14 days ago: silent", 1, 0, 14 * DAY, -1,
	  HEALTH_SILENT },
	{ "failing and silent", 1, 5, 60 * DAY, 20 * DAY,
	  HEALTH_FAILING | HEALTH_SILENT },
	{ "disabled: never flagged", 0, 5, 60 * DAY, 20 * DAY, 0 },
	{ "a new entry just now", 1, 0, 60 * DAY, 0, 0 },
};

START_TEST(t_flags)
{
	struct conf cfg;
	struct store_feed f;

	conf_init(&cfg);
	cfg.sick_failures = 3;
	cfg.sick_days = 14;
	memset(&f, 0, sizeof(f));
	f.enabled = flag_cases[_i].enabled;
	f.failures = flag_cases[_i].failures;
	f.added_at = N - flag_cases[_i].added_ago;
	f.last_new_entry_at = flag_cases[_i].last_new_ago < 0 ?
				      0 :
				      N - flag_cases[_i].last_new_ago;
	ck_assert_msg(health_feed_flags(&f, &cfg, N) == flag_cases[_i].want,
		      "%s", flag_cases[_i].what);
	conf_release(&cfg);
}
END_TEST

START_TEST(t_format)
{
	struct health_feed feeds[2];
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct conf cfg;

	conf_init(&cfg);
	memset(feeds, 0, sizeof(feeds));
	feeds[0].title = (char *)"Broken news";
	feeds[0].url = (char *)"https://broken.example/feed.xml";
	feeds[0].last_success_at = at("2026-11-20T09:00:00Z");
	feeds[0].last_new_entry_at = at("2026-11-19T08:00:00Z");
	feeds[0].failures = 4;
	feeds[0].last_status = (char *)"http_404";
	feeds[0].last_error = (char *)"HTTP 404 Not Found";
	feeds[0].flags = HEALTH_FAILING;
	feeds[1].url = (char *)"https://quiet.example/rss";
	feeds[1].flags = HEALTH_SILENT;
	ck_assert_int_eq(health_format(&out, "2026-W48", 7, feeds, 2, &cfg), 0);
	ck_assert_str_eq(
		out.data,
		"Feed health, week 2026-W48: 2 of 7 feeds need a look.\n"
		"\n"
		"Broken news\n"
		"  https://broken.example/feed.xml\n"
		"  FAILING: 4 failures in a row\n"
		"  last success: 2026-11-20T09:00:00Z\n"
		"  last error: http_404: HTTP 404 Not Found\n"
		"\n"
		"https://quiet.example/rss\n"
		"  https://quiet.example/rss\n"
		"  SILENT: no new entry since it was added\n"
		"  last success: never\n"
		"\n"
		"A feed is failing after 3 failed fetches in a row ([fetch] "
		"sick_failures) and silent after 14 days without a new entry "
		"([fetch] sick_days). `feedmail status` shows every feed.\n");
	buf_release(&out);
	conf_release(&cfg);
}
END_TEST

/* A buffer too small for the report fails without a crash. */
START_TEST(t_format_cap)
{
	struct health_feed f = { 0 };
	struct buf out = BUF_INIT(40);
	struct conf cfg;

	conf_init(&cfg);
	f.url = (char *)"https://x.example/";
	f.flags = HEALTH_SILENT;
	ck_assert_int_eq(health_format(&out, "2026-W48", 1, &f, 1, &cfg), -1);
	ck_assert_uint_le(out.len, 40);
	buf_release(&out);
	conf_release(&cfg);
}
END_TEST

/* Europe/Paris is +01:00 in November: Monday 07:00 is 06:00Z. */
static const struct {
	const char *now, *start, *key, *next;
} slot_cases[] = {
	{ "2026-11-26T12:00:00Z", "2026-11-23T06:00:00Z", "2026-W48",
	  "2026-11-30T06:00:00Z" },
	{ "2026-11-30T05:59:59Z", "2026-11-23T06:00:00Z", "2026-W48",
	  "2026-11-30T06:00:00Z" },
	{ "2026-11-30T06:00:00Z", "2026-11-30T06:00:00Z", "2026-W49",
	  "2026-12-07T06:00:00Z" },
	/* ISO week 1 of 2027 begins on Monday 2027-01-04 */
	{ "2027-01-03T12:00:00Z", "2026-12-28T06:00:00Z", "2026-W53",
	  "2027-01-04T06:00:00Z" },
	/* summer time: +02:00, so 05:00Z */
	{ "2026-06-10T12:00:00Z", "2026-06-08T05:00:00Z", "2026-W24",
	  "2026-06-15T05:00:00Z" },
};

START_TEST(t_slots)
{
	char key[SCHEDULE_KEY_SIZE];
	struct err e = ERR_INIT;
	struct conf cfg;
	int64_t start = 0, next = 0;

	conf_init(&cfg);
	ck_assert_int_eq(health_current_slot(&cfg, at(slot_cases[_i].now),
					     &start, key, &e),
			 0);
	ck_assert_int_eq(start, at(slot_cases[_i].start));
	ck_assert_str_eq(key, slot_cases[_i].key);
	ck_assert_int_eq(health_next_slot(&cfg, at(slot_cases[_i].now), &next,
					  &e),
			 0);
	ck_assert_int_eq(next, at(slot_cases[_i].next));
	conf_release(&cfg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_flags, 0,
			    (int)(sizeof(flag_cases) / sizeof(flag_cases[0])));
	tcase_add_test(tc, t_format);
	tcase_add_test(tc, t_format_cap);
	tcase_add_loop_test(tc, t_slots, 0,
			    (int)(sizeof(slot_cases) / sizeof(slot_cases[0])));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
