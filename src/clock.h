/*
 * clock: the current time, overridable for tests. FEEDMAIL_NOW in the
 * environment (seconds since the epoch, or any date date_parse reads, such
 * as 2026-11-26T07:00:00Z) fixes the clock so that dates, schedules and
 * golden outputs are reproducible.
 */
#ifndef FEEDMAIL_CLOCK_H
#define FEEDMAIL_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch, UTC. */
int64_t clock_now(void);

struct tm;
/* The broken-down local time of t in the IANA zone tz ("Europe/Paris",
 * "UTC"), daylight saving included. Sets the process's TZ: call from one
 * thread. 0, or -1 when t cannot be represented. */
int clock_local(int64_t t, const char *tz, struct tm *out);

#endif
