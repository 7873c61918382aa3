/*
 * date: feed dates to UTC seconds since the epoch, and back.
 *
 * date_parse() reads what Python's feedparser reads in practice: RFC 822 and
 * RFC 2822 dates with their real-world variants (two-digit years, missing
 * seconds or day name, swapped day and month, named and military zones),
 * W3CDTF / RFC 3339 / ISO 8601 (calendar, ordinal and compact forms),
 * asctime(), Perforce's "yyyy/mm/dd", and English, French and Greek month
 * and day names. Unknown zone names count as UTC, as feedparser does.
 *
 * Invariants: the arithmetic is our own proleptic Gregorian calendar, so no
 * result depends on TZ or the C library. Every value date_parse() returns
 * lies in [DATE_MIN, DATE_MAX] (0001-01-01 to 9999-12-31, Python's datetime
 * range), and date_format_utc() of it parses back to the same value.
 */
#ifndef FEEDMAIL_DATE_H
#define FEEDMAIL_DATE_H

#include <stdint.h>

#define DATE_NONE INT64_MIN /* absent date */

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define DATE_MIN INT64_C(-62135596800)
#define DATE_MAX INT64_C(253402300799)

/* Longer strings are not dates (the longest real one is about 60 bytes). */
#define DATE_MAX_LEN 256

/* Length of date_format_utc()'s output, with its NUL. */
#define DATE_UTC_SIZE 21

/*
 * Parses a feed date: returns 0 and sets *out to UTC seconds since the
 * epoch, or returns -1 (leaving *out alone) when s is NULL, empty, longer
 * than DATE_MAX_LEN, unparseable, has a field out of range (month 13,
 * 31 April, hour 24...), or falls outside [DATE_MIN, DATE_MAX] once its zone
 * is applied. A missing time is midnight, a missing zone is UTC. Two-digit
 * years: RFC 822 forms read 00-89 as 20xx and 90-99 as 19xx (feedparser's
 * rule); ISO 8601 forms read YY as 20YY.
 */
int date_parse(const char *s, int64_t *out);

/*
 * Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (DATE_UTC_SIZE bytes with
 * the NUL). t outside [DATE_MIN, DATE_MAX] is clamped to that range.
 */
void date_format_utc(int64_t t, char out[DATE_UTC_SIZE]);

/* The calendar the functions above use, for modules that count days:
 * the number of days from 1970-01-01 to y-m-d (m 1..12, d 1..31; negative
 * before 1970) in the proleptic Gregorian calendar, and back. */
int64_t date_days_from_civil(int64_t y, int m, int d);
void date_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
