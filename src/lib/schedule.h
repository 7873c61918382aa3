/*
 * schedule: when a subscriber's digest is due, in the subscriber's local
 * time, across daylight-saving changes.
 *
 * A schedule is hourly, daily at HH:MM, or weekly on a day at HH:MM, in an
 * IANA time zone. Time is cut into slots; each slot has a start instant
 * (UTC seconds) and a key, a short text that names it for good
 * ("2026-11-26" daily, "2026-W48" weekly, "2026-11-26T07" hourly). The
 * caller records a digest with its slot key (store_digest_add records a
 * key once: the second of two is told the slot is used), so a run started twice or late sends the slot once, and a
 * machine that was off for days sends only the latest slot, once.
 *
 * Daylight saving, the rules (tested in tests/unit/test_schedule.c):
 * - A local time that does not exist (clocks spring forward: 02:30 on
 *   2026-03-29 in Europe/Paris) is due at the first instant after the gap
 *   (03:00 local, 01:00Z). An hourly schedule has no slot for a local hour
 *   that is wholly skipped: its news goes in the next hour's digest.
 * - A local time that exists twice (clocks fall back: 02:30 on 2026-10-25
 *   in Europe/Paris) is due once, at its first occurrence. An hourly
 *   schedule, though, has two slots for a repeated hour, since two hours
 *   of news pass: the first keyed "2026-10-25T02", the second with its UTC
 *   offset added, "2026-10-25T02+01:00", so keys stay unique per slot.
 * Dates and hours in keys are the slot's nominal local date and hour (a
 * daily 02:30 slot moved to 03:00 by a gap still has its day's key).
 *
 * Invariants: slot keys are at most SCHEDULE_KEY_SIZE - 1 bytes, ASCII,
 * and distinct slots of one schedule never share a key; the weekly key is
 * the ISO 8601 week of the slot's local date (a week holds one of each
 * day). Local time comes from lib/zone (the tz database's files, no TZ):
 * the slot functions may run in any thread.
 */
#ifndef FEEDMAIL_SCHEDULE_H
#define FEEDMAIL_SCHEDULE_H

#include <stdint.h>

struct err;

/* [digest] time's default. */
#define SCHEDULE_DEFAULT_TIME "07:00"
/* The size of a slot key buffer, with its NUL. */
#define SCHEDULE_KEY_SIZE 32
/* The longest schedule text schedule_parse() reads. */
#define SCHEDULE_MAX_LEN 64

enum schedule_kind { SCHEDULE_HOURLY, SCHEDULE_DAILY, SCHEDULE_WEEKLY };

struct schedule {
	enum schedule_kind kind;
	int hour, minute;     /* local time of day (daily, weekly) */
	int weekday;          /* 0 = Sunday ... 6 (weekly) */
	const char *timezone; /* IANA name, e.g. "Europe/Paris"; "UTC" */
};

/*
 * Parses a schedule. The grammar (keywords and days in any case; blanks
 * around the whole text are ignored):
 *
 *   schedule = "hourly"
 *            | "daily" [ "@" time ]
 *            | "weekly" [ "@" day [ blank+ time ] ]
 *   time     = H ":" MM | HH ":" MM          (00:00 to 23:59)
 *   day      = sun mon tue wed thu fri sat  | sunday ... saturday
 *            | dim lun mar mer jeu ven sam  | dimanche ... samedi
 *
 * A missing time is default_time ("HH:MM"; NULL means
 * SCHEDULE_DEFAULT_TIME); a missing day is Monday. Sets s->timezone to
 * NULL: the caller sets it (the subscriber's or [digest] timezone).
 * Returns 0, or -1 with EX_DATAERR naming the text (EX_CONFIG when
 * default_time is the bad one); *s is then unchanged.
 */
int schedule_parse(const char *text, const char *default_time,
		   struct schedule *s, struct err *e);

/* Checks a time of day as [digest] time and a schedule write it, "HH:MM"
 * or "H:MM", 00:00 to 23:59. 0, or -1 with e (EX_DATAERR). */
int schedule_check_time(const char *hhmm, struct err *e);

/*
 * The latest slot of s at or before now: *start is its UTC instant and key
 * (SCHEDULE_KEY_SIZE bytes) its stable name, so a digest recorded with that
 * key is never sent twice for the slot. s->timezone NULL or "" means UTC.
 * Returns 0, or -1 with EX_CONFIG for a time zone zone_open() refuses
 * (not "UTC" nor a file of the tz database), EX_DATAERR for a field of s or a now out of
 * range (years 0001 to 9999).
 */
int schedule_current_slot(const struct schedule *s, int64_t now, int64_t *start,
			  char key[SCHEDULE_KEY_SIZE], struct err *e);

/* The next slot strictly after now (for a daemon to sleep until); fails as
 * schedule_current_slot() does. */
int schedule_next_slot(const struct schedule *s, int64_t now, int64_t *start,
		       struct err *e);

#endif
