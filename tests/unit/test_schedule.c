/*
 * Unit tests for src/schedule: the grammar, and slots across the
 * daylight-saving changes of 2026 with a fixed clock. Europe/Paris goes
 * from +01:00 to +02:00 at 2026-03-29T01:00Z (02:00 local becomes 03:00)
 * and back at 2026-10-25T01:00Z (03:00 local becomes 02:00);
 * America/New_York from -05:00 to -04:00 at 2026-03-08T07:00Z and back at
 * 2026-11-01T06:00Z. Expected instants and ISO weeks were worked out by
 * hand from those offsets (2026-01-01 is a Thursday, so 2026 has 53 ISO
 * weeks and week 1 starts on 2025-12-29).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/date.h"
#include "lib/err.h"
#include "lib/schedule.h"
#include "testutil.h"

static int64_t
at(const char *iso)
{
	int64_t t = 0;

	ck_assert_msg(date_parse(iso, &t) == 0, "bad test date %s", iso);
	return t;
}

/* --- parse -------------------------------------------------------------- */

static const struct {
	const char *text;
	const char *default_time;
	int rc;
	enum schedule_kind kind;
	int hour, minute, weekday;
} parse_cases[] = {
	{ "hourly", NULL, 0, SCHEDULE_HOURLY, 0, 0, 1 },
	{ "HOURLY", NULL, 0, SCHEDULE_HOURLY, 0, 0, 1 },
	{ "daily", NULL, 0, SCHEDULE_DAILY, 7, 0, 1 },
	{ "daily", "18:45", 0, SCHEDULE_DAILY, 18, 45, 1 },
	{ "Daily", "9:05", 0, SCHEDULE_DAILY, 9, 5, 1 },
	{ "daily@07:30", NULL, 0, SCHEDULE_DAILY, 7, 30, 1 },
	{ "daily@7:30", NULL, 0, SCHEDULE_DAILY, 7, 30, 1 },
	{ "daily@00:00", NULL, 0, SCHEDULE_DAILY, 0, 0, 1 },
	{ "daily@23:59", NULL, 0, SCHEDULE_DAILY, 23, 59, 1 },
	{ " \tdaily@08:15 \n", NULL, 0, SCHEDULE_DAILY, 8, 15, 1 },
	{ "weekly@mon 07:00", NULL, 0, SCHEDULE_WEEKLY, 7, 0, 1 },
	{ "weekly@lun 07:00", NULL, 0, SCHEDULE_WEEKLY, 7, 0, 1 },
	{ "weekly@Monday 06:30", NULL, 0, SCHEDULE_WEEKLY, 6, 30, 1 },
	{ "weekly@sun 18:00", NULL, 0, SCHEDULE_WEEKLY, 18, 0, 0 },
	{ "weekly@DIM 18:00", NULL, 0, SCHEDULE_WEEKLY, 18, 0, 0 },
	{ "weekly@mar 8:00", NULL, 0, SCHEDULE_WEEKLY, 8, 0, 2 },
	{ "weekly@tue 8:00", NULL, 0, SCHEDULE_WEEKLY, 8, 0, 2 },
	{ "weekly@mer\t08:00", NULL, 0, SCHEDULE_WEEKLY, 8, 0, 3 },
	{ "weekly@jeudi  23:59", NULL, 0, SCHEDULE_WEEKLY, 23, 59, 4 },
	{ "weekly@ven", "12:00", 0, SCHEDULE_WEEKLY, 12, 0, 5 },
	{ "weekly@fri", NULL, 0, SCHEDULE_WEEKLY, 7, 0, 5 },
	{ "weekly@samedi 9:05", NULL, 0, SCHEDULE_WEEKLY, 9, 5, 6 },
	{ "weekly@sam 00:00", NULL, 0, SCHEDULE_WEEKLY, 0, 0, 6 },
	{ "weekly", NULL, 0, SCHEDULE_WEEKLY, 7, 0, 1 },
	/* errors: the text is named, EX_DATAERR */
	{ "", NULL, -1, 0, 0, 0, 0 },
	{ "   ", NULL, -1, 0, 0, 0, 0 },
	{ "daily@25:00", NULL, -1, 0, 0, 0, 0 },
	{ "daily@24:00", NULL, -1, 0, 0, 0, 0 },
	{ "daily@07:60", NULL, -1, 0, 0, 0, 0 },
	{ "daily@7:5", NULL, -1, 0, 0, 0, 0 },
	{ "daily@007:00", NULL, -1, 0, 0, 0, 0 },
	{ "daily@-1:00", NULL, -1, 0, 0, 0, 0 },
	{ "daily@07h00", NULL, -1, 0, 0, 0, 0 },
	{ "daily@", NULL, -1, 0, 0, 0, 0 },
	{ "daily@07:00x", NULL, -1, 0, 0, 0, 0 },
	{ "daily 07:00", NULL, -1, 0, 0, 0, 0 },
	{ "dailyx", NULL, -1, 0, 0, 0, 0 },
	{ "daily@@07:00", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@xyz 07:00", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@mo 07:00", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@mon 25:00", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@mon07:00", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@mon 07:00 x", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@", NULL, -1, 0, 0, 0, 0 },
	{ "weekly@ 07:00", NULL, -1, 0, 0, 0, 0 },
	{ "hourly@07:00", NULL, -1, 0, 0, 0, 0 },
	{ "monthly", NULL, -1, 0, 0, 0, 0 },
	{ "@07:00", NULL, -1, 0, 0, 0, 0 },
	/* 64 bytes is the cap, 65 one past */
	{ "daily@07:00                                                     ",
	  NULL, 0, SCHEDULE_DAILY, 7, 0, 1 },
	{ "daily@07:00                                                      ",
	  NULL, -1, 0, 0, 0, 0 },
};

START_TEST(t_parse)
{
	struct schedule s = { SCHEDULE_HOURLY, -1, -1, -1, "keep" };
	struct err e = ERR_INIT;
	int rc;

	rc = schedule_parse(parse_cases[_i].text, parse_cases[_i].default_time,
			    &s, &e);
	ck_assert_msg(rc == parse_cases[_i].rc, "'%s': rc %d, %s",
		      parse_cases[_i].text, rc, e.msg);
	if (rc < 0) {
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_msg(strstr(e.msg, "schedule '") != NULL, "%s", e.msg);
		/* *s untouched */
		ck_assert_int_eq(s.hour, -1);
		ck_assert_str_eq(s.timezone, "keep");
		return;
	}
	ck_assert_int_eq(s.kind, parse_cases[_i].kind);
	ck_assert_int_eq(s.hour, parse_cases[_i].hour);
	ck_assert_int_eq(s.minute, parse_cases[_i].minute);
	if (s.kind == SCHEDULE_WEEKLY)
		ck_assert_int_eq(s.weekday, parse_cases[_i].weekday);
	ck_assert_ptr_null(s.timezone);
}
END_TEST

START_TEST(t_parse_errors_name_text)
{
	struct schedule s;
	struct err e = ERR_INIT;

	ck_assert_int_eq(schedule_parse("daily@25:00", NULL, &s, &e), -1);
	ck_assert_msg(strstr(e.msg, "'daily@25:00'") != NULL, "%s", e.msg);
	err_clear(&e);
	ck_assert_int_eq(schedule_parse("weekly@xyz 07:00", NULL, &s, &e), -1);
	ck_assert_msg(strstr(e.msg, "'weekly@xyz 07:00'") &&
			      strstr(e.msg, "day"),
		      "%s", e.msg);
	err_clear(&e);
	ck_assert_int_eq(schedule_parse(NULL, NULL, &s, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	err_clear(&e);
	/* a control byte in the text is quoted, not copied */
	ck_assert_int_eq(schedule_parse("daily\r\nX", NULL, &s, &e), -1);
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	err_clear(&e);
	/* a bad default is the configuration's fault */
	ck_assert_int_eq(schedule_parse("daily", "7h", &s, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "'7h'") != NULL, "%s", e.msg);
	err_clear(&e);
	ck_assert_int_eq(schedule_parse("daily", "24:00", &s, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
}
END_TEST

/* --- current slot ------------------------------------------------------- */

static const struct {
	const char *sched;
	const char *zone;
	const char *now;
	const char *start; /* NULL: same as now */
	const char *key;
} slot_cases[] = {
	/* daily 07:00, the days around the March change: 06:00Z then
	 * 05:00Z */
	{ "daily", "Europe/Paris", "2026-03-28T12:00:00Z",
	  "2026-03-28T06:00:00Z", "2026-03-28" },
	{ "daily", "Europe/Paris", "2026-03-29T04:59:59Z",
	  "2026-03-28T06:00:00Z", "2026-03-28" },
	{ "daily", "Europe/Paris", "2026-03-29T05:00:00Z",
	  "2026-03-29T05:00:00Z", "2026-03-29" },
	{ "daily", "Europe/Paris", "2026-03-30T12:00:00Z",
	  "2026-03-30T05:00:00Z", "2026-03-30" },
	/* and October: 05:00Z then 06:00Z */
	{ "daily", "Europe/Paris", "2026-10-24T12:00:00Z",
	  "2026-10-24T05:00:00Z", "2026-10-24" },
	{ "daily", "Europe/Paris", "2026-10-25T05:59:59Z",
	  "2026-10-24T05:00:00Z", "2026-10-24" },
	{ "daily", "Europe/Paris", "2026-10-25T06:00:00Z",
	  "2026-10-25T06:00:00Z", "2026-10-25" },
	{ "daily", "Europe/Paris", "2026-10-26T12:00:00Z",
	  "2026-10-26T06:00:00Z", "2026-10-26" },
	/* 02:30 does not exist on 2026-03-29: due at 03:00 local, 01:00Z */
	{ "daily@02:30", "Europe/Paris", "2026-03-29T00:59:59Z",
	  "2026-03-28T01:30:00Z", "2026-03-28" },
	{ "daily@02:30", "Europe/Paris", "2026-03-29T01:00:00Z",
	  "2026-03-29T01:00:00Z", "2026-03-29" },
	{ "daily@02:30", "Europe/Paris", "2026-03-29T12:00:00Z",
	  "2026-03-29T01:00:00Z", "2026-03-29" },
	{ "daily@02:30", "Europe/Paris", "2026-03-30T12:00:00Z",
	  "2026-03-30T00:30:00Z", "2026-03-30" },
	/* 02:30 exists twice on 2026-10-25: due once, at 00:30Z */
	{ "daily@02:30", "Europe/Paris", "2026-10-25T00:29:59Z",
	  "2026-10-24T00:30:00Z", "2026-10-24" },
	{ "daily@02:30", "Europe/Paris", "2026-10-25T00:30:00Z",
	  "2026-10-25T00:30:00Z", "2026-10-25" },
	{ "daily@02:30", "Europe/Paris", "2026-10-25T01:30:00Z",
	  "2026-10-25T00:30:00Z", "2026-10-25" },
	{ "daily@02:30", "Europe/Paris", "2026-10-25T01:45:00Z",
	  "2026-10-25T00:30:00Z", "2026-10-25" },
	{ "daily@02:30", "Europe/Paris", "2026-10-26T12:00:00Z",
	  "2026-10-26T01:30:00Z", "2026-10-26" },
	/* weekly: the ISO week of the local date */
	{ "weekly@mon 07:00", "Europe/Paris", "2026-03-29T12:00:00Z",
	  "2026-03-23T06:00:00Z", "2026-W13" },
	{ "weekly@mon 07:00", "Europe/Paris", "2026-03-30T04:59:59Z",
	  "2026-03-23T06:00:00Z", "2026-W13" },
	{ "weekly@lun 07:00", "Europe/Paris", "2026-03-30T05:00:00Z",
	  "2026-03-30T05:00:00Z", "2026-W14" },
	{ "weekly@mon 07:00", "Europe/Paris", "2026-04-05T21:59:59Z",
	  "2026-03-30T05:00:00Z", "2026-W14" },
	{ "weekly@dim 02:30", "Europe/Paris", "2026-03-29T01:00:00Z",
	  "2026-03-29T01:00:00Z", "2026-W13" },
	{ "weekly@dim 02:30", "Europe/Paris", "2026-10-25T23:00:00Z",
	  "2026-10-25T00:30:00Z", "2026-W43" },
	{ "weekly@thu 09:00", "Europe/Paris", "2026-11-26T08:00:00Z",
	  "2026-11-26T08:00:00Z", "2026-W48" },
	/* hourly across the missing hour: 01 then 03 */
	{ "hourly", "Europe/Paris", "2026-03-29T00:30:00Z",
	  "2026-03-29T00:00:00Z", "2026-03-29T01" },
	{ "hourly", "Europe/Paris", "2026-03-29T00:59:59Z",
	  "2026-03-29T00:00:00Z", "2026-03-29T01" },
	{ "hourly", "Europe/Paris", "2026-03-29T01:00:00Z",
	  "2026-03-29T01:00:00Z", "2026-03-29T03" },
	{ "hourly", "Europe/Paris", "2026-03-29T01:59:59Z",
	  "2026-03-29T01:00:00Z", "2026-03-29T03" },
	/* and the repeated one: two slots, two keys */
	{ "hourly", "Europe/Paris", "2026-10-24T23:59:59Z",
	  "2026-10-24T23:00:00Z", "2026-10-25T01" },
	{ "hourly", "Europe/Paris", "2026-10-25T00:30:00Z",
	  "2026-10-25T00:00:00Z", "2026-10-25T02" },
	{ "hourly", "Europe/Paris", "2026-10-25T01:00:00Z",
	  "2026-10-25T01:00:00Z", "2026-10-25T02+01:00" },
	{ "hourly", "Europe/Paris", "2026-10-25T01:30:00Z",
	  "2026-10-25T01:00:00Z", "2026-10-25T02+01:00" },
	{ "hourly", "Europe/Paris", "2026-10-25T02:00:00Z",
	  "2026-10-25T02:00:00Z", "2026-10-25T03" },
	/* America/New_York */
	{ "daily", "America/New_York", "2026-03-07T15:00:00Z",
	  "2026-03-07T12:00:00Z", "2026-03-07" },
	{ "daily", "America/New_York", "2026-03-09T15:00:00Z",
	  "2026-03-09T11:00:00Z", "2026-03-09" },
	{ "daily@02:30", "America/New_York", "2026-03-08T08:00:00Z",
	  "2026-03-08T07:00:00Z", "2026-03-08" },
	{ "daily@01:30", "America/New_York", "2026-11-01T07:00:00Z",
	  "2026-11-01T05:30:00Z", "2026-11-01" },
	/* the UTC date is ahead of the local one */
	{ "daily", "America/New_York", "2026-11-26T08:00:00Z",
	  "2026-11-25T12:00:00Z", "2026-11-25" },
	{ "hourly", "America/New_York", "2026-11-01T05:15:00Z",
	  "2026-11-01T05:00:00Z", "2026-11-01T01" },
	{ "hourly", "America/New_York", "2026-11-01T06:15:00Z",
	  "2026-11-01T06:00:00Z", "2026-11-01T01-05:00" },
	{ "weekly@sun 01:30", "America/New_York", "2026-11-02T00:00:00Z",
	  "2026-11-01T05:30:00Z", "2026-W44" },
	/* UTC, and a zone half an hour off */
	{ "daily", "UTC", "2026-11-26T07:00:00Z", "2026-11-26T07:00:00Z",
	  "2026-11-26" },
	{ "daily", "UTC", "2026-11-26T06:59:59Z", "2026-11-25T07:00:00Z",
	  "2026-11-25" },
	{ "daily", NULL, "2026-11-26T06:59:59Z", "2026-11-25T07:00:00Z",
	  "2026-11-25" },
	{ "daily", "", "2026-11-26T06:59:59Z", "2026-11-25T07:00:00Z",
	  "2026-11-25" },
	{ "weekly@thu 07:00", "UTC", "2026-11-26T08:00:00Z",
	  "2026-11-26T07:00:00Z", "2026-W48" },
	{ "hourly", "UTC", "2026-11-26T07:59:59Z", "2026-11-26T07:00:00Z",
	  "2026-11-26T07" },
	{ "hourly", "Asia/Kolkata", "2026-11-26T07:00:00Z",
	  "2026-11-26T06:30:00Z", "2026-11-26T12" },
	/* Lord Howe moves by half an hour: 02:00 becomes 02:30 on
	 * 2026-10-04 (15:30Z), so hour 02 starts at the gap's end; 02:00
	 * becomes 01:30 on 2026-04-05 (15:00Z), and hour 01 began once */
	{ "hourly", "Australia/Lord_Howe", "2026-10-03T15:45:00Z",
	  "2026-10-03T15:30:00Z", "2026-10-04T02" },
	{ "hourly", "Australia/Lord_Howe", "2026-10-03T15:29:59Z",
	  "2026-10-03T14:30:00Z", "2026-10-04T01" },
	{ "hourly", "Australia/Lord_Howe", "2026-10-03T16:00:00Z",
	  "2026-10-03T16:00:00Z", "2026-10-04T03" },
	{ "hourly", "Australia/Lord_Howe", "2026-04-04T15:15:00Z",
	  "2026-04-04T14:00:00Z", "2026-04-05T01" },
	{ "hourly", "Australia/Lord_Howe", "2026-04-04T15:30:00Z",
	  "2026-04-04T15:30:00Z", "2026-04-05T02" },
	/* ISO weeks at the turn of the year */
	{ "weekly@mon 00:00", "UTC", "2026-01-01T00:00:00Z",
	  "2025-12-29T00:00:00Z", "2026-W01" },
	{ "weekly@sun 12:00", "UTC", "2027-01-03T12:00:00Z",
	  "2027-01-03T12:00:00Z", "2026-W53" },
	{ "weekly@mon 12:00", "UTC", "2027-01-04T12:00:00Z",
	  "2027-01-04T12:00:00Z", "2027-W01" },
	/* a leap day */
	{ "daily@23:00", "UTC", "2028-03-01T00:00:00Z", "2028-02-29T23:00:00Z",
	  "2028-02-29" },
	/* machine off for three days: the latest slot, one key */
	{ "daily", "Europe/Paris", "2026-11-26T09:00:00Z",
	  "2026-11-26T06:00:00Z", "2026-11-26" },
	{ "weekly@mon 07:00", "Europe/Paris", "2026-12-20T09:00:00Z",
	  "2026-12-14T06:00:00Z", "2026-W51" },
};

START_TEST(t_current_slot)
{
	struct schedule s;
	struct err e = ERR_INIT;
	char key[SCHEDULE_KEY_SIZE] = "";
	int64_t start = 0;
	char got[DATE_UTC_SIZE];

	ck_assert_int_eq(schedule_parse(slot_cases[_i].sched, NULL, &s, &e), 0);
	s.timezone = slot_cases[_i].zone;
	ck_assert_msg(schedule_current_slot(&s, at(slot_cases[_i].now), &start,
					    key, &e) == 0,
		      "%s", e.msg);
	date_format_utc(start, got);
	ck_assert_msg(start == at(slot_cases[_i].start) &&
			      !strcmp(key, slot_cases[_i].key),
		      "%s in %s at %s: got %s %s, want %s %s",
		      slot_cases[_i].sched,
		      slot_cases[_i].zone ? slot_cases[_i].zone : "(null)",
		      slot_cases[_i].now, got, key, slot_cases[_i].start,
		      slot_cases[_i].key);
}
END_TEST

/* --- next slot ---------------------------------------------------------- */

static const struct {
	const char *sched;
	const char *zone;
	const char *now;
	const char *next;
} next_cases[] = {
	{ "daily", "Europe/Paris", "2026-03-29T04:59:59Z",
	  "2026-03-29T05:00:00Z" },
	{ "daily", "Europe/Paris", "2026-03-29T05:00:00Z",
	  "2026-03-30T05:00:00Z" },
	{ "daily", "Europe/Paris", "2026-10-24T05:00:00Z",
	  "2026-10-25T06:00:00Z" },
	{ "daily@02:30", "Europe/Paris", "2026-03-29T00:00:00Z",
	  "2026-03-29T01:00:00Z" },
	/* the second 02:30 of 2026-10-25 is not a slot */
	{ "daily@02:30", "Europe/Paris", "2026-10-25T00:30:00Z",
	  "2026-10-26T01:30:00Z" },
	{ "daily@02:30", "Europe/Paris", "2026-10-25T00:29:59Z",
	  "2026-10-25T00:30:00Z" },
	{ "hourly", "Europe/Paris", "2026-03-29T00:30:00Z",
	  "2026-03-29T01:00:00Z" },
	{ "hourly", "Europe/Paris", "2026-10-25T00:30:00Z",
	  "2026-10-25T01:00:00Z" },
	{ "hourly", "Europe/Paris", "2026-10-25T01:00:00Z",
	  "2026-10-25T02:00:00Z" },
	{ "weekly@mon 07:00", "Europe/Paris", "2026-03-23T06:00:00Z",
	  "2026-03-30T05:00:00Z" },
	{ "weekly@mon 07:00", "Europe/Paris", "2026-03-23T05:59:59Z",
	  "2026-03-23T06:00:00Z" },
	{ "daily@02:30", "America/New_York", "2026-03-08T06:00:00Z",
	  "2026-03-08T07:00:00Z" },
	{ "hourly", "UTC", "2026-11-26T07:00:00Z", "2026-11-26T08:00:00Z" },
	{ "hourly", "UTC", "2026-11-26T07:59:59Z", "2026-11-26T08:00:00Z" },
	{ "daily@23:59", "UTC", "2026-12-31T23:59:00Z",
	  "2027-01-01T23:59:00Z" },
};

START_TEST(t_next_slot)
{
	struct schedule s;
	struct err e = ERR_INIT;
	int64_t start = 0;
	char got[DATE_UTC_SIZE];

	ck_assert_int_eq(schedule_parse(next_cases[_i].sched, NULL, &s, &e), 0);
	s.timezone = next_cases[_i].zone;
	ck_assert_msg(schedule_next_slot(&s, at(next_cases[_i].now), &start,
					 &e) == 0,
		      "%s", e.msg);
	date_format_utc(start, got);
	ck_assert_msg(start == at(next_cases[_i].next),
		      "%s in %s after %s: got %s, want %s",
		      next_cases[_i].sched, next_cases[_i].zone,
		      next_cases[_i].now, got, next_cases[_i].next);
}
END_TEST

/* --- runs over days ----------------------------------------------------- */

/*
 * `run` every 5 minutes (and started twice each time) over local days
 * around a change: each slot's key is sent once, at or after its start,
 * and the number of keys is the number of slots those days have.
 */
static const struct {
	const char *sched;
	const char *zone;
	const char *from, *to;
	int slots;
} run_cases[] = {
	/* 2026-03-29 00:00 to 2026-03-30 00:00 local: 23 hours */
	{ "hourly", "Europe/Paris", "2026-03-28T23:00:00Z",
	  "2026-03-29T21:59:59Z", 23 },
	/* 2026-10-25: 25 hours */
	{ "hourly", "Europe/Paris", "2026-10-24T22:00:00Z",
	  "2026-10-25T22:59:59Z", 25 },
	{ "hourly", "UTC", "2026-10-25T00:00:00Z", "2026-10-25T23:59:59Z", 24 },
	/* 2026-03-27 to 2026-03-31 and 2026-10-23 to 2026-10-27 */
	{ "daily@02:30", "Europe/Paris", "2026-03-26T23:00:00Z",
	  "2026-03-31T21:59:59Z", 5 },
	{ "daily@02:30", "Europe/Paris", "2026-10-22T22:00:00Z",
	  "2026-10-27T22:59:59Z", 5 },
	{ "daily", "America/New_York", "2026-10-30T04:00:00Z",
	  "2026-11-03T04:59:59Z", 4 },
	/* four Mondays */
	{ "weekly@mon 07:00", "Europe/Paris", "2026-03-15T23:00:00Z",
	  "2026-04-12T21:59:59Z", 4 },
};

START_TEST(t_runs)
{
	char sent[64][SCHEDULE_KEY_SIZE], key[SCHEDULE_KEY_SIZE];
	int64_t t, from, to, start, last = INT64_MIN;
	struct schedule s;
	struct err e = ERR_INIT;
	int n = 0, i, k;

	ck_assert_int_eq(schedule_parse(run_cases[_i].sched, NULL, &s, &e), 0);
	s.timezone = run_cases[_i].zone;
	from = at(run_cases[_i].from);
	to = at(run_cases[_i].to);
	for (t = from; t <= to; t += 300) {
		for (k = 0; k < 2; k++) {
			ck_assert_int_eq(schedule_current_slot(&s, t, &start,
							       key, &e),
					 0);
			ck_assert(start <= t);
			if (start < from)
				continue; /* a slot of the day before */
			for (i = 0; i < n && strcmp(sent[i], key); i++)
				;
			if (i < n)
				continue; /* recorded: not sent again */
			ck_assert_int_lt(n, 64);
			ck_assert_msg(start > last, "%s not after the last",
				      key);
			last = start;
			snprintf(sent[n++], SCHEDULE_KEY_SIZE, "%s", key);
		}
	}
	ck_assert_msg(n == run_cases[_i].slots, "%s in %s: %d slots, want %d",
		      run_cases[_i].sched, run_cases[_i].zone, n,
		      run_cases[_i].slots);
}
END_TEST

/* Off from 2026-11-22 after the run to 2026-11-26 09:00Z: one digest on
 * the way back, and a second run that morning sends nothing. */
START_TEST(t_machine_off)
{
	struct schedule s;
	struct err e = ERR_INIT;
	char key[SCHEDULE_KEY_SIZE], last[SCHEDULE_KEY_SIZE];
	int64_t start;

	ck_assert_int_eq(schedule_parse("daily", NULL, &s, &e), 0);
	s.timezone = "Europe/Paris";
	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-22T09:00:00Z"),
					       &start, last, &e),
			 0);
	ck_assert_str_eq(last, "2026-11-22");
	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-26T09:00:00Z"),
					       &start, key, &e),
			 0);
	ck_assert_str_eq(key, "2026-11-26");
	ck_assert_int_eq(start, at("2026-11-26T06:00:00Z"));
	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-26T09:05:00Z"),
					       &start, last, &e),
			 0);
	ck_assert_str_eq(last, key);
}
END_TEST

/* --- errors and TZ ------------------------------------------------------ */

static const char *const bad_zones[] = {
	"Mars/Olympus_Mons", "../../etc/passwd", "/usr/share/zoneinfo/UTC",
	"Europe/Paris\n",    "Europe",           "utc",
};

START_TEST(t_bad_zone)
{
	struct schedule s = { SCHEDULE_DAILY, 7, 0, 1, bad_zones[_i] };
	struct err e = ERR_INIT;
	char key[SCHEDULE_KEY_SIZE];
	int64_t start = 42;

	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-26T09:00:00Z"),
					       &start, key, &e),
			 -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	ck_assert_int_eq(start, 42);
	ck_assert_int_eq(schedule_next_slot(&s, at("2026-11-26T09:00:00Z"),
					    &start, &e),
			 -1);
}
END_TEST

START_TEST(t_bad_fields)
{
	static const struct schedule bad[] = {
		{ SCHEDULE_DAILY, 24, 0, 1, "UTC" },
		{ SCHEDULE_DAILY, -1, 0, 1, "UTC" },
		{ SCHEDULE_DAILY, 7, 60, 1, "UTC" },
		{ SCHEDULE_WEEKLY, 7, 0, 7, "UTC" },
		{ SCHEDULE_WEEKLY, 7, 0, -1, "UTC" },
		{ (enum schedule_kind)9, 7, 0, 1, "UTC" },
	};
	struct err e = ERR_INIT;
	char key[SCHEDULE_KEY_SIZE];
	int64_t start;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(schedule_current_slot(&bad[i], 0, &start, key,
						       &e),
				 -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
	}
	/* a now whose neighbourhood leaves years 0001-9999 */
	{
		struct schedule ok = { SCHEDULE_DAILY, 7, 0, 1, "UTC" };

		ck_assert_int_eq(schedule_current_slot(&ok, DATE_MAX, &start,
						       key, &e),
				 -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_int_eq(schedule_current_slot(&ok, INT64_MIN, &start,
						       key, &e),
				 -1);
		ck_assert_int_eq(schedule_current_slot(&ok,
						       DATE_MAX - 40 * 86400,
						       &start, key, &e),
				 0);
		ck_assert_int_eq(schedule_current_slot(&ok,
						       DATE_MIN + 40 * 86400,
						       &start, key, &e),
				 0);
	}
}
END_TEST

START_TEST(t_tz_restored)
{
	struct schedule s = { SCHEDULE_DAILY, 7, 0, 1, "Europe/Paris" };
	struct err e = ERR_INIT;
	char key[SCHEDULE_KEY_SIZE];
	int64_t start;

	ck_assert_int_eq(setenv("TZ", "Asia/Tokyo", 1), 0);
	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-26T09:00:00Z"),
					       &start, key, &e),
			 0);
	ck_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
	ck_assert_int_eq(schedule_next_slot(&s, at("2026-11-26T09:00:00Z"),
					    &start, &e),
			 0);
	ck_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
	s.timezone = "Nowhere/Else";
	ck_assert_int_eq(schedule_next_slot(&s, 0, &start, &e), -1);
	ck_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
	ck_assert_int_eq(unsetenv("TZ"), 0);
	s.timezone = "America/New_York";
	ck_assert_int_eq(schedule_current_slot(&s, at("2026-11-26T09:00:00Z"),
					       &start, key, &e),
			 0);
	ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

static const struct {
	const char *time;
	int ok;
} time_table[] = {
	{ "00:00", 1 }, { "23:59", 1 }, { "7:00", 1 },  { "07:05", 1 },
	{ "24:00", 0 }, { "23:60", 0 }, { "7:0", 0 },   { "007:00", 0 },
	{ "07-00", 0 }, { "", 0 },      { "ab:cd", 0 }, { " 7:00", 0 },
};

START_TEST(t_check_time)
{
	struct err e = ERR_INIT;
	int rc = schedule_check_time(time_table[_i].time, &e);

	ck_assert_int_eq(rc, time_table[_i].ok ? 0 : -1);
	if (rc < 0)
		ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_parse, 0,
			    (int)(sizeof(parse_cases) /
				  sizeof(parse_cases[0])));
	tcase_add_test(tc, t_parse_errors_name_text);
	tcase_add_loop_test(tc, t_current_slot, 0,
			    (int)(sizeof(slot_cases) / sizeof(slot_cases[0])));
	tcase_add_loop_test(tc, t_next_slot, 0,
			    (int)(sizeof(next_cases) / sizeof(next_cases[0])));
	tcase_add_loop_test(tc, t_runs, 0,
			    (int)(sizeof(run_cases) / sizeof(run_cases[0])));
	tcase_add_test(tc, t_machine_off);
	tcase_add_loop_test(tc, t_bad_zone, 0,
			    (int)(sizeof(bad_zones) / sizeof(bad_zones[0])));
	tcase_add_test(tc, t_bad_fields);
	tcase_add_test(tc, t_tz_restored);
	tcase_add_loop_test(tc, t_check_time, 0,
			    (int)(sizeof(time_table) / sizeof(time_table[0])));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
