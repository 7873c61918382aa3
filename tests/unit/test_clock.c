/*
 * Unit tests for src/clock: the test clock. FEEDMAIL_NOW alone stands
 * still; with FEEDMAIL_CLOCK_SPEED it runs from FEEDMAIL_NOW that many
 * times as fast as the real clock, and clock_real_span() converts back;
 * unset or unreadable variables leave the real clock. Each test runs in a
 * process of its own (Check forks), so each starts its clock afresh.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "lib/clock.h"
#include "testutil.h"

#define NOW INT64_C(1795000000)

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
expect_span(int64_t seconds, time_t sec, long nsec)
{
	struct timespec ts;

	clock_real_span(seconds, &ts);
	ck_assert_int_eq(ts.tv_sec, sec);
	/* a double's rounding: within a microsecond */
	ck_assert_msg(labs(ts.tv_nsec - nsec) < 1000,
		      "%lld s: %ld ns, want %ld", (long long)seconds,
		      ts.tv_nsec, nsec);
}

START_TEST(t_real)
{
	int64_t t;

	unsetenv("FEEDMAIL_NOW");
	unsetenv("FEEDMAIL_CLOCK_SPEED");
	t = clock_now();
	ck_assert(t - (int64_t)time(NULL) <= 1 && (int64_t)time(NULL) - t <= 1);
	expect_span(5, 5, 0);
	expect_span(0, 0, 0);
	expect_span(-3, 0, 0);
	/* a speed without a start time changes nothing */
	setenv("FEEDMAIL_CLOCK_SPEED", "1000", 1);
	t = clock_now();
	ck_assert(t - (int64_t)time(NULL) <= 1 && (int64_t)time(NULL) - t <= 1);
	expect_span(5, 5, 0);
}
END_TEST

START_TEST(t_fixed)
{
	unsetenv("FEEDMAIL_CLOCK_SPEED");
	setenv("FEEDMAIL_NOW", "1795000000", 1);
	ck_assert_int_eq(clock_now(), NOW);
	pause_ms(30);
	ck_assert_int_eq(clock_now(), NOW);
	expect_span(60, 60, 0);
	setenv("FEEDMAIL_NOW", "2026-11-26T07:00:00Z", 1);
	ck_assert_int_eq(clock_now(), INT64_C(1795676400));
}
END_TEST

START_TEST(t_running)
{
	double real = testutil_now();
	int64_t t;

	setenv("FEEDMAIL_NOW", "1795000000", 1);
	setenv("FEEDMAIL_CLOCK_SPEED", "1000", 1);
	t = clock_now();
	/* the first call starts the clock */
	ck_assert(t >= NOW && t < NOW + 5);
	pause_ms(50);
	t = clock_now();
	real = testutil_now() - real;
	/* 50 ms at 1000 times: 50 s; more on a loaded machine, but never
	 * more than the real time that passed, 1000 times */
	ck_assert_msg(t >= NOW + 50 && t <= NOW + (int64_t)(real * 1000) + 1,
		      "%lld clock s in %.3f real s", (long long)(t - NOW),
		      real);
	expect_span(1000, 1, 0);
	expect_span(1, 0, 1000000);
	expect_span(2500, 2, 500000000);
	setenv("FEEDMAIL_CLOCK_SPEED", "0.5", 1);
	expect_span(3, 6, 0);
}
END_TEST

/* Speeds that are not numbers above 0 and at most CLOCK_MAX_SPEED leave
 * the test clock standing. */
static const char *const bad_speeds[] = { "",    "0",   "-2",  "fast",
					  "60x", "1e7", "nan", "inf" };

START_TEST(t_bad_speed)
{
	setenv("FEEDMAIL_NOW", "1795000000", 1);
	setenv("FEEDMAIL_CLOCK_SPEED", bad_speeds[_i], 1);
	ck_assert_int_eq(clock_now(), NOW);
	pause_ms(20);
	ck_assert_int_eq(clock_now(), NOW);
	expect_span(7, 7, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_real);
	tcase_add_test(tc, t_fixed);
	tcase_add_test(tc, t_running);
	tcase_add_loop_test(tc, t_bad_speed, 0,
			    (int)(sizeof(bad_speeds) / sizeof(bad_speeds[0])));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
