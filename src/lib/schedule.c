/*
 * schedule: slots of a local-time schedule. Calendar arithmetic on local
 * dates is our own (proleptic Gregorian, days since 1970-01-01); offsets
 * and the instants of a local time come from lib/zone, so the
 * daylight-saving edges are decided by our rules and not by mktime's
 * unspecified handling of gaps, and no process-wide TZ is touched.
 */
#include "config.h"

#include "lib/schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/date.h"
#include "lib/err.h"
#include "lib/zone.h"

#define DAY_SECS INT64_C(86400)

/* --- calendar ----------------------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* 0 = Sunday: 1970-01-01 was a Thursday. */
static int
weekday_of(int64_t days)
{
	return (int)(days + 4 - floor_div(days + 4, 7) * 7);
}

/* ISO 8601 week: weeks start on Monday and belong to the year of their
 * Thursday. */
static void
iso_week(int64_t days, int64_t *year, int *week)
{
	int64_t thu = days - (weekday_of(days) + 6) % 7 + 3;
	int m, d;

	date_civil_from_days(thu, year, &m, &d);
	*week = (int)((thu - date_days_from_civil(*year, 1, 1)) / 7 + 1);
}

/* --- the zone ----------------------------------------------------------- */

/* The local time at t, as seconds since the epoch read off the local
 * clock ("local seconds"), and the UTC offset then. */
static int
local_at(const struct zone *z, int64_t t, int64_t *local, long *off)
{
	struct zone_offset o;

	if (zone_offset(z, t, &o) < 0)
		return -1;
	if (off)
		*off = o.utoff;
	if (local)
		*local = t + o.utoff;
	return 0;
}

/* --- slots -------------------------------------------------------------- */

/* The search: the latest slot at or before now, or the earliest after. */
struct pick {
	int64_t now;
	int after;
	int found;
	int64_t start;
	char key[SCHEDULE_KEY_SIZE];
};

static void
consider(struct pick *p, int64_t t, const char *key)
{
	if (p->after ? t <= p->now : t > p->now)
		return;
	if (p->found && (p->after ? t >= p->start : t <= p->start))
		return;
	p->found = 1;
	p->start = t;
	snprintf(p->key, sizeof(p->key), "%s", key);
}

static void
key_date(char *key, size_t n, int64_t days)
{
	int64_t y;
	int m, d;

	date_civil_from_days(days, &y, &m, &d);
	snprintf(key, n, "%04d-%02d-%02d", (int)y, m, d);
}

/* The slots of local date days (daily, weekly). */
static int
day_slots(const struct schedule *s, const struct zone *z, int64_t days,
	  struct pick *p)
{
	char key[SCHEDULE_KEY_SIZE];
	int64_t t[2], y;
	int n, gap, week;

	if (s->kind == SCHEDULE_WEEKLY && weekday_of(days) != s->weekday)
		return 0;
	if (zone_from_local(z,
			    days * DAY_SECS + s->hour * 3600 + s->minute * 60,
			    t, &n, &gap) < 0)
		return -1;
	if (s->kind == SCHEDULE_WEEKLY) {
		iso_week(days, &y, &week);
		snprintf(key, sizeof(key), "%04d-W%02d", (int)y, week);
	} else {
		key_date(key, sizeof(key), days);
	}
	consider(p, t[0], key); /* a repeated time: its first occurrence */
	return 0;
}

/* The slots of local date days (hourly): each local hour that begins. */
static int
hour_slots(const struct zone *z, int64_t days, struct pick *p)
{
	char key[SCHEDULE_KEY_SIZE];
	int64_t t[2], loc, y;
	long off;
	int h, i, n, gap, m, d;

	date_civil_from_days(days, &y, &m, &d);
	for (h = 0; h < 24; h++) {
		loc = days * DAY_SECS + h * 3600;
		if (zone_from_local(z, loc, t, &n, &gap) < 0)
			return -1;
		/* A gap end in a later hour starts that hour's slot: the
		 * skipped hour has none. One within the hour (a 30-minute
		 * change) starts this hour's slot. */
		if (gap) {
			if (local_at(z, t[0], &loc, NULL) < 0)
				return -1;
			if (floor_div(loc, 3600) != days * 24 + h)
				continue;
		}
		for (i = 0; i < n; i++) {
			if (i == 0) {
				snprintf(key, sizeof(key),
					 "%04d-%02d-%02dT%02d", (int)y, m, d,
					 h);
			} else {
				/* the second of a repeated hour */
				if (local_at(z, t[i], NULL, &off) < 0)
					return -1;
				snprintf(key, sizeof(key),
					 "%04d-%02d-%02dT%02d%c%02d:%02d",
					 (int)y, m, d, h, off < 0 ? '-' : '+',
					 (int)(labs(off) / 3600 % 100),
					 (int)(labs(off) / 60 % 60));
			}
			consider(p, t[i], key);
		}
	}
	return 0;
}

static int
check_schedule(const struct schedule *s, int64_t now, struct err *e)
{
	/* a month of margin keeps every date looked at within years
	 * 0001-9999 and every key at four-digit years */
	if (now < DATE_MIN + 31 * DAY_SECS || now > DATE_MAX - 31 * DAY_SECS)
		return err_set(e, EX_DATAERR,
			       "schedule: time %lld out of range",
			       (long long)now);
	if ((s->kind != SCHEDULE_HOURLY && s->kind != SCHEDULE_DAILY &&
	     s->kind != SCHEDULE_WEEKLY) ||
	    s->hour < 0 || s->hour > 23 || s->minute < 0 || s->minute > 59 ||
	    (s->kind == SCHEDULE_WEEKLY && (s->weekday < 0 || s->weekday > 6)))
		return err_set(e, EX_DATAERR, "schedule: field out of range");
	return 0;
}

static int
find_slot(const struct schedule *s, struct pick *p, struct err *e)
{
	const char *name = s->timezone && *s->timezone ? s->timezone : "UTC";
	struct zone *z;
	int64_t loc, today, d, span;
	int rc = -1;

	if (check_schedule(s, p->now, e) < 0)
		return -1;
	z = zone_open(name, e);
	if (!z)
		return -1;
	if (local_at(z, p->now, &loc, NULL) < 0) {
		err_set(e, EX_DATAERR, "schedule: time %lld out of range",
			(long long)p->now);
		goto out;
	}
	today = floor_div(loc, DAY_SECS);
	/* The slot sought is on a local date within a week of today
	 * (weekly), a day (daily, hourly); one more covers a day lost to a
	 * gap (Pacific/Apia skipped 2011-12-30). */
	span = s->kind == SCHEDULE_WEEKLY ? 8 : 2;
	for (d = today - span; d <= today + span; d++) {
		if ((s->kind == SCHEDULE_HOURLY ? hour_slots(z, d, p) :
						  day_slots(s, z, d, p)) < 0) {
			err_set(e, EX_DATAERR,
				"schedule: cannot place local time in '%s'",
				name);
			goto out;
		}
	}
	if (!p->found) {
		err_set(e, EX_SOFTWARE, "schedule: no slot near %lld",
			(long long)p->now);
		goto out;
	}
	rc = 0;
out:
	zone_free(z);
	return rc;
}

int
schedule_current_slot(const struct schedule *s, int64_t now, int64_t *start,
		      char key[SCHEDULE_KEY_SIZE], struct err *e)
{
	struct pick p = { .now = now, .after = 0 };

	if (find_slot(s, &p, e) < 0)
		return -1;
	*start = p.start;
	snprintf(key, SCHEDULE_KEY_SIZE, "%s", p.key);
	return 0;
}

int
schedule_next_slot(const struct schedule *s, int64_t now, int64_t *start,
		   struct err *e)
{
	struct pick p = { .now = now, .after = 1 };

	if (find_slot(s, &p, e) < 0)
		return -1;
	*start = p.start;
	return 0;
}

/* --- parsing ------------------------------------------------------------ */

static const char *const day_names[][4] = {
	{ "sun", "sunday", "dim", "dimanche" },
	{ "mon", "monday", "lun", "lundi" },
	{ "tue", "tuesday", "mar", "mardi" },
	{ "wed", "wednesday", "mer", "mercredi" },
	{ "thu", "thursday", "jeu", "jeudi" },
	{ "fri", "friday", "ven", "vendredi" },
	{ "sat", "saturday", "sam", "samedi" },
};

/* "H:MM" or "HH:MM", 00:00 to 23:59, the whole of s[0..len). */
static int
parse_time(const char *s, size_t len, int *hour, int *minute)
{
	size_t h = len == 4 ? 1 : 2, i;

	if (len != 4 && len != 5)
		return -1;
	for (i = 0; i < len; i++)
		if (i == h ? s[i] != ':' : !isdigit((unsigned char)s[i]))
			return -1;
	*hour = h == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	*minute = (s[h + 1] - '0') * 10 + (s[h + 2] - '0');
	return *hour < 24 && *minute < 60 ? 0 : -1;
}

static int
parse_day(const char *s, size_t len)
{
	size_t d, i;

	for (d = 0; d < 7; d++)
		for (i = 0; i < 4; i++)
			if (strlen(day_names[d][i]) == len &&
			    !strncasecmp(s, day_names[d][i], len))
				return (int)d;
	return -1;
}

static int
word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(s, word, len);
}

int
schedule_parse(const char *text, const char *default_time, struct schedule *s,
	       struct err *e)
{
	struct schedule out = { SCHEDULE_DAILY, 0, 0, 1, NULL };
	const char *p, *end, *at, *sp,
		*why = "not hourly, "
		       "daily[@HH:MM] or weekly[@DAY [HH:MM]]";
	char q[ERR_QUOTE_SIZE];
	size_t len;

	if (!default_time)
		default_time = SCHEDULE_DEFAULT_TIME;
	if (parse_time(default_time, strlen(default_time), &out.hour,
		       &out.minute) < 0) {
		err_quote(q, sizeof(q), default_time, strlen(default_time));
		return err_set(
			e, EX_CONFIG,
			"digest time '%s': not a time HH:MM (00:00 to 23:59)",
			q);
	}
	if (!text)
		text = "";
	len = strlen(text);
	if (len > SCHEDULE_MAX_LEN) {
		why = "too long";
		goto bad;
	}
	for (p = text; isspace((unsigned char)*p); p++)
		;
	for (end = text + len; end > p && isspace((unsigned char)end[-1]);
	     end--)
		;
	at = memchr(p, '@', (size_t)(end - p));
	if (word_is(p, (size_t)((at ? at : end) - p), "hourly")) {
		if (at)
			goto bad;
		out.kind = SCHEDULE_HOURLY;
		out.hour = out.minute = 0;
	} else if (word_is(p, (size_t)((at ? at : end) - p), "daily")) {
		out.kind = SCHEDULE_DAILY;
		if (at && parse_time(at + 1, (size_t)(end - at - 1), &out.hour,
				     &out.minute) < 0) {
			why = "not a time HH:MM (00:00 to 23:59)";
			goto bad;
		}
	} else if (word_is(p, (size_t)((at ? at : end) - p), "weekly")) {
		out.kind = SCHEDULE_WEEKLY;
		if (at) {
			at++;
			for (sp = at; sp < end && !isspace((unsigned char)*sp);
			     sp++)
				;
			out.weekday = parse_day(at, (size_t)(sp - at));
			if (out.weekday < 0) {
				why = "not a day (mon, lun, monday, lundi...)";
				goto bad;
			}
			for (; sp < end && isspace((unsigned char)*sp); sp++)
				;
			if (sp < end &&
			    parse_time(sp, (size_t)(end - sp), &out.hour,
				       &out.minute) < 0) {
				why = "not a time HH:MM (00:00 to 23:59)";
				goto bad;
			}
		}
	} else {
		goto bad;
	}
	*s = out;
	return 0;
bad:
	err_quote(q, sizeof(q), text, len);
	return err_set(e, EX_DATAERR, "schedule '%s': %s", q, why);
}

int
schedule_check_time(const char *hhmm, struct err *e)
{
	int hour, minute;

	if (parse_time(hhmm, strlen(hhmm), &hour, &minute) < 0)
		return err_set(e, EX_DATAERR,
			       "'%s': not a time HH:MM (00:00 "
			       "to 23:59)",
			       hhmm);
	return 0;
}
