#include "config.h"

#include "lib/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/date.h"

/* FEEDMAIL_CLOCK_SPEED when set and valid, else 0 (the clock stands). */
static double
test_speed(void)
{
	const char *v = getenv("FEEDMAIL_CLOCK_SPEED");
	double speed;
	char *end;

	if (!v || !*v)
		return 0;
	errno = 0;
	speed = strtod(v, &end);
	if (errno || *end || !(speed > 0 && speed <= CLOCK_MAX_SPEED))
		return 0;
	return speed;
}

/* The test clock's start; set once, whichever thread reads it first
 * (the courier delivering to an mbox reads the clock too). */
static struct timespec origin;
static pthread_once_t origin_once = PTHREAD_ONCE_INIT;

static void
set_origin(void)
{
	if (clock_gettime(CLOCK_MONOTONIC, &origin) < 0)
		origin.tv_sec = origin.tv_nsec = 0;
}

/* Real seconds since the first call: the test clock's own age. */
static double
test_elapsed(void)
{
	struct timespec now;

	pthread_once(&origin_once, set_origin);
	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 0;
	return (double)(now.tv_sec - origin.tv_sec) +
	       (double)(now.tv_nsec - origin.tv_nsec) / 1e9;
}

/* FEEDMAIL_NOW as seconds into *t; -1 when unset or unreadable. */
static int
test_now(int64_t *t)
{
	const char *fixed = getenv("FEEDMAIL_NOW");
	char *end;
	long long n;

	if (!fixed || !*fixed)
		return -1;
	errno = 0;
	n = strtoll(fixed, &end, 10);
	if (!errno && !*end) {
		*t = n;
		return 0;
	}
	return date_parse(fixed, t) == 0 ? 0 : -1;
}

int64_t
clock_now(void)
{
	double speed;
	int64_t t;

	if (test_now(&t) < 0)
		return (int64_t)time(NULL);
	speed = test_speed();
	if (speed > 0)
		t += (int64_t)(test_elapsed() * speed);
	return t;
}

void
clock_real_span(int64_t seconds, struct timespec *ts)
{
	int64_t t;
	double speed = test_now(&t) == 0 ? test_speed() : 0, real;

	if (seconds <= 0) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
		return;
	}
	if (speed <= 0) {
		ts->tv_sec = (time_t)seconds;
		ts->tv_nsec = 0;
		return;
	}
	real = (double)seconds / speed;
	ts->tv_sec = (time_t)real;
	ts->tv_nsec = (long)((real - (double)ts->tv_sec) * 1e9);
}
