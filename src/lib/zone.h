/*
 * zone: local time in an IANA time zone, read from the system's TZif files
 * (RFC 8536), without the TZ variable or any other process-wide state of
 * the C library, so that any thread may use any zone at any time.
 *
 * A zone is opened by name ("Europe/Paris") from $TZDIR (read at the
 * first open), else /usr/share/zoneinfo; "UTC" and "Etc/UTC" are built in
 * and always open.
 * Version 1 files are read from their 32-bit data, version 2 and later from
 * their 64-bit data and their footer: the POSIX TZ rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3") that gives local time past the last
 * transition of the table, so dates after 2037 keep their daylight saving.
 * Before the first transition the zone's first time type applies (RFC
 * 8536 3.2).
 *
 * Invariants: a struct zone never changes once opened; every function
 * taking a const struct zone is safe from any thread at once. Opened zones
 * are kept in a process-wide cache under a mutex, keyed by file and
 * checked against the file's identity (device, inode, size, mtime) at each
 * open, so a tzdata upgrade reaches a long-running daemon at its next open
 * while zones already opened stay valid until freed.
 *
 * Limits: names of at most ZONE_NAME_MAX bytes made of letters, digits and
 * "/_+-", with no "..", no leading '/'; files of at most ZONE_FILE_MAX
 * bytes; instants within [ZONE_TIME_MIN, ZONE_TIME_MAX]. Zones with leap
 * second records (the "right/" zones) are refused: their table counts
 * leap seconds, our instants do not.
 */
#ifndef FEEDMAIL_ZONE_H
#define FEEDMAIL_ZONE_H

#include <stdint.h>

struct err;
struct tm;

#define ZONE_NAME_MAX 255
#define ZONE_FILE_MAX (256 * 1024)
/* About 35 million years either side of 1970. */
#define ZONE_TIME_MAX (INT64_C(1) << 50)
#define ZONE_TIME_MIN (-ZONE_TIME_MAX)

struct zone;

/* The local time type in force at an instant. */
struct zone_offset {
	int32_t utoff;    /* seconds east of UTC: 3600 for CET */
	int isdst;        /* daylight saving time */
	const char *abbr; /* "CEST", "+1030": lives as long as the
	                   * zone */
};

/*
 * Opens the zone called name: the built-in UTC for "UTC" and "Etc/UTC",
 * else the TZif file $TZDIR/name (/usr/share/zoneinfo/name when TZDIR is
 * unset or empty). Returns a zone the caller releases with zone_free(), or
 * NULL with e naming what was wrong: EX_CONFIG for a name that is not a
 * zone name, a missing file, a folder, a file that is not TZif or is
 * truncated or corrupt; EX_OSERR when memory runs out, EX_IOERR when the
 * file cannot be read. Thread-safe.
 */
struct zone *zone_open(const char *name, struct err *e);
/* Reads TZDIR now; main calls it before any thread starts, so that no
 * getenv happens later (zone_open would otherwise read it first). */
void zone_init(void);

/* Releases a zone from zone_open(). NULL-safe, thread-safe. */
void zone_free(struct zone *z);

/* Whether name opens as a zone: zone_open() then zone_free(), the one
 * time-zone check (the configuration's too). 0, or -1 as zone_open(). */
int zone_check(const char *name, struct err *e);

/* The type in force at t (UTC seconds) into *out. 0, or -1 when t lies
 * outside [ZONE_TIME_MIN, ZONE_TIME_MAX]. */
int zone_offset(const struct zone *z, int64_t t, struct zone_offset *out);

/*
 * The broken-down local time of t in z, as the C library's localtime_r
 * would give it under TZ set to the zone: all fields, tm_isdst, tm_gmtoff
 * and tm_zone (which points into z). 0, or -1 when t lies outside
 * [ZONE_TIME_MIN, ZONE_TIME_MAX].
 */
int zone_local(const struct zone *z, int64_t t, struct tm *out);

/*
 * The instants whose local clock in z reads local (local seconds: the
 * local date and time counted as if it were UTC seconds since the epoch),
 * ascending into out, their number into *n:
 * - one when that local time exists once;
 * - two when it exists twice (clocks fall back), the earlier first;
 * - when it falls in a gap (clocks spring forward), none exists: out[0] is
 *   then the first instant after the gap, *n is 1 and *gap is set.
 * Returns 0, or -1 when local lies too near the ends of [ZONE_TIME_MIN,
 * ZONE_TIME_MAX].
 */
int zone_from_local(const struct zone *z, int64_t local, int64_t out[2], int *n,
		    int *gap);

#endif
