/*
 * Unit tests for src/fetch/polling: the polling table of issue 7. Rows use jitter
 * seed 0, which gives no jitter, so each expects an exact time; the jitter
 * has tests of its own (bound, determinism, spread).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "fetch/polling.h"
#include "testutil.h"

#define N INT64_C(1795000000) /* any fixed now */
#define MIN 900               /* 15 minutes */
#define MAX 86400             /* a day */
#define WEEK (7 * 86400)

static const struct {
	const char *what;
	int min, max;
	int64_t entries;
	int ttl; /* minutes */
	int64_t fresh_until, retry_after;
	int failures;
	int64_t want; /* minus N */
} cases[] = {
	/* the entry frequency: a week / entries, clamped */
	{ "no entries: max", MIN, MAX, 0, 0, 0, 0, 0, MAX },
	{ "1 entry: a week, clamped to max", MIN, MAX, 1, 0, 0, 0, 0, MAX },
	{ "6 entries: 100800, clamped", MIN, MAX, 6, 0, 0, 0, 0, MAX },
	{ "7 entries: exactly max", MIN, MAX, 7, 0, 0, 0, 0, MAX },
	{ "8 entries", MIN, MAX, 8, 0, 0, 0, 0, WEEK / 8 },
	{ "14 entries", MIN, MAX, 14, 0, 0, 0, 0, 43200 },
	{ "100 entries", MIN, MAX, 100, 0, 0, 0, 0, 6048 },
	{ "671 entries: one second over min", MIN, MAX, 671, 0, 0, 0, 0,
	  WEEK / 671 },
	{ "672 entries: exactly min", MIN, MAX, 672, 0, 0, 0, 0, MIN },
	{ "673 entries: clamped to min", MIN, MAX, 673, 0, 0, 0, 0, MIN },
	{ "a flood: min", MIN, MAX, 1000000, 0, 0, 0, 0, MIN },
	{ "min == max", 3600, 3600, 100, 0, 0, 0, 0, 3600 },
	{ "min == max, no entries", 3600, 3600, 0, 0, 0, 0, 0, 3600 },
	/* ttl: the later of it and the frequency */
	{ "ttl shorter than frequency", MIN, MAX, 100, 60, 0, 0, 0, 6048 },
	{ "ttl longer than frequency", MIN, MAX, 100, 180, 0, 0, 0, 10800 },
	{ "ttl longer than max wins", MIN, MAX, 100, 2 * 1440, 0, 0, 0,
	  2 * MAX },
	{ "ttl equal to frequency", MIN, MAX, 672, 15, 0, 0, 0, MIN },
	/* Cache-Control max-age / Expires */
	{ "fresh_until later", MIN, MAX, 100, 0, N + 50000, 0, 0, 50000 },
	{ "fresh_until earlier", MIN, MAX, 100, 0, N + 100, 0, 0, 6048 },
	{ "fresh_until past", MIN, MAX, 100, 0, N - 10, 0, 0, 6048 },
	{ "fresh_until beyond max", MIN, MAX, 100, 0, N + 200000, 0, 0,
	  200000 },
	/* Retry-After */
	{ "retry_after later", MIN, MAX, 100, 0, 0, N + 7200, 0, 7200 },
	{ "retry_after earlier", MIN, MAX, 100, 0, 0, N + 60, 0, 6048 },
	{ "retry_after beyond max", MIN, MAX, 100, 0, 0, N + 200000, 0,
	  200000 },
	{ "retry_after over fresh_until", MIN, MAX, 100, 0, N + 9000, N + 9500,
	  0, 9500 },
	{ "fresh_until over retry_after", MIN, MAX, 100, 0, N + 9500, N + 9000,
	  0, 9500 },
	/* failures: min doubling per failure, capped at max */
	{ "1 failure", MIN, MAX, 100, 0, 0, 0, 1, MIN },
	{ "2 failures", MIN, MAX, 100, 0, 0, 0, 2, 2 * MIN },
	{ "3 failures", MIN, MAX, 100, 0, 0, 0, 3, 4 * MIN },
	{ "4 failures", MIN, MAX, 100, 0, 0, 0, 4, 8 * MIN },
	{ "7 failures", MIN, MAX, 100, 0, 0, 0, 7, 64 * MIN },
	{ "8 failures: 115200 capped", MIN, MAX, 100, 0, 0, 0, 8, MAX },
	{ "30 failures", MIN, MAX, 100, 0, 0, 0, 30, MAX },
	{ "a million failures", MIN, MAX, 100, 0, 0, 0, 1000000, MAX },
	{ "backoff at exactly max", 5400, MAX, 0, 0, 0, 0, 5, MAX },
	{ "failures ignore the frequency", MIN, MAX, 1000000, 0, 0, 0, 3,
	  4 * MIN },
	{ "failures ignore a quiet feed", MIN, MAX, 0, 0, 0, 0, 2, 2 * MIN },
	{ "failures ignore ttl", MIN, MAX, 100, 180, 0, 0, 1, MIN },
	{ "failure with later Retry-After", MIN, MAX, 0, 0, 0, N + 5000, 2,
	  5000 },
	{ "failure with earlier Retry-After", MIN, MAX, 0, 0, 0, N + 100, 3,
	  4 * MIN },
	{ "failure with fresh_until", MIN, MAX, 0, 0, N + 5000, 0, 1, 5000 },
};

START_TEST(t_table)
{
	struct polling_input in = {
		.now = N,
		.min_interval = cases[_i].min,
		.max_interval = cases[_i].max,
		.entries_last_week = cases[_i].entries,
		.ttl_minutes = cases[_i].ttl,
		.fresh_until = cases[_i].fresh_until,
		.retry_after = cases[_i].retry_after,
		.failures = cases[_i].failures,
		.jitter_seed = 0,
	};
	int64_t got = polling_next_fetch(&in) - N;

	ck_assert_msg(got == cases[_i].want, "%s: now + %lld, want now + %lld",
		      cases[_i].what, (long long)got,
		      (long long)cases[_i].want);
}
END_TEST

/* The jitter bound: 5% of the interval, at most 300 s, below it. */
static const struct {
	int interval;  /* min = max = interval */
	int64_t bound; /* jitter in [0, bound), 0: none */
} jitter_cases[] = {
	{ 1, 0 },       { 19, 0 }, /* 5% is under a second */
	{ 20, 1 },                 /* one value: 0 */
	{ 40, 2 },      { 900, 45 },
	{ 5980, 299 },  { 6000, 300 }, /* exactly at the cap */
	{ 6020, 300 },                 /* one past: capped */
	{ 86400, 300 }, { 604800, 300 },
};

START_TEST(t_jitter_bound)
{
	struct polling_input in = {
		.now = N,
		.min_interval = jitter_cases[_i].interval,
		.max_interval = jitter_cases[_i].interval,
	};
	int64_t base = N + jitter_cases[_i].interval, bound, j, top = 0;
	uint64_t seed;

	bound = jitter_cases[_i].bound;
	for (seed = 0; seed < 20000; seed++) {
		in.jitter_seed = seed * UINT64_C(2654435761) + seed;
		j = polling_next_fetch(&in) - base;
		ck_assert_msg(j >= 0 && (j < bound || (bound == 0 && j == 0)),
			      "interval %d seed %llu: jitter %lld, bound %lld",
			      jitter_cases[_i].interval,
			      (unsigned long long)seed, (long long)j,
			      (long long)bound);
		if (j > top)
			top = j;
	}
	/* the whole range is used */
	if (bound > 0)
		ck_assert_int_eq(top, bound - 1);
}
END_TEST

/* Also on top of a backoff and of Retry-After: the bound follows the
 * interval, not the wait. */
START_TEST(t_jitter_backoff)
{
	struct polling_input in = {
		.now = N,
		.min_interval = MIN,
		.max_interval = MAX,
		.failures = 3,
		.retry_after = N + 100000,
	};
	int64_t j;
	uint64_t seed;

	for (seed = 1; seed < 5000; seed++) {
		in.jitter_seed = seed;
		j = polling_next_fetch(&in) - (N + 100000);
		ck_assert(j >= 0 && j < 4 * MIN / 20);
	}
}
END_TEST

START_TEST(t_jitter_deterministic)
{
	struct polling_input in = {
		.now = N,
		.min_interval = MIN,
		.max_interval = MAX,
		.entries_last_week = 3,
	};
	int64_t a, b, seen[300] = { 0 };
	uint64_t seed;
	int distinct = 0;

	for (seed = 1; seed <= 1000; seed++) {
		in.jitter_seed = seed;
		a = polling_next_fetch(&in);
		b = polling_next_fetch(&in);
		ck_assert_int_eq(a, b); /* same seed, same jitter */
		ck_assert(a - (N + MAX) >= 0 && a - (N + MAX) < 300);
		if (!seen[a - (N + MAX)]++)
			distinct++;
	}
	/* feeds of one host spread out: 1000 seeds use most of 300
	 * seconds */
	ck_assert_int_ge(distinct, 250);
	/* and the now moves the time, not the jitter */
	in.jitter_seed = 77;
	a = polling_next_fetch(&in) - N;
	in.now = N + 12345;
	ck_assert_int_eq(polling_next_fetch(&in) - in.now, a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("polling");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_table, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, t_jitter_bound, 0,
			    (int)(sizeof(jitter_cases) /
				  sizeof(jitter_cases[0])));
	tcase_add_test(tc, t_jitter_backoff);
	tcase_add_test(tc, t_jitter_deterministic);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
