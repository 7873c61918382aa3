/*
 * clock: the current time, overridable for tests. FEEDMAIL_NOW in the
 * environment (seconds since the epoch, or any date date_parse reads, such
 * as 2026-11-26T07:00:00Z) fixes the clock so that dates, schedules and
 * golden outputs are reproducible.
 *
 * FEEDMAIL_CLOCK_SPEED=N (a number above 0, at most 1000000; fractions
 * allowed) makes that test clock run instead of standing still: it starts
 * at FEEDMAIL_NOW when the process first reads it and advances N times as
 * fast as the real (monotonic) clock, so a test of `feedmail daemon` at
 * speed 60 sees a clock minute pass every real second. clock_real_span()
 * turns the clock's seconds back into real time for sleeping. Without
 * FEEDMAIL_NOW the speed is ignored; with neither variable set (or either
 * unreadable) the clock is the real one and nothing here changes.
 */
#ifndef FEEDMAIL_CLOCK_H
#define FEEDMAIL_CLOCK_H

#include <stdint.h>

/* The largest FEEDMAIL_CLOCK_SPEED. */
#define CLOCK_MAX_SPEED 1000000.0

/* Seconds since the epoch, UTC. */
int64_t clock_now(void);

struct timespec;
/* The real time that seconds of clock_now() take to pass, into *ts:
 * seconds / FEEDMAIL_CLOCK_SPEED under a running test clock, else seconds
 * (a negative span gives zero). */
void clock_real_span(int64_t seconds, struct timespec *ts);

#endif
