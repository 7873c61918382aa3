#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/str.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define LONG32 "abcdefghijklmnopqrstuvwxyzabcdef"

static const struct {
	const char *a, *b;
	enum str_case how;
	size_t want;
} distance_table[] = {
	{ "", "", STR_CASE_SENSITIVE, 0 },
	{ "", "list", STR_CASE_SENSITIVE, 4 },
	{ "list", "", STR_CASE_SENSITIVE, 4 },
	{ "list", "list", STR_CASE_SENSITIVE, 0 },
	{ "lsit", "list", STR_CASE_SENSITIVE, 2 },
	{ "lis", "list", STR_CASE_SENSITIVE, 1 },
	{ "lists", "list", STR_CASE_SENSITIVE, 1 },
	{ "kitten", "sitting", STR_CASE_SENSITIVE, 3 },
	{ "LIST", "list", STR_CASE_SENSITIVE, 4 },
	{ "LIST", "list", STR_CASE_IGNORE, 0 },
	{ "Timeout", "timeout", STR_CASE_IGNORE, 0 },
	/* exactly at the cap, then one past */
	{ LONG32, LONG32, STR_CASE_SENSITIVE, 0 },
	{ LONG32, "abc", STR_CASE_SENSITIVE, 29 },
	{ LONG32 "g", LONG32 "g", STR_CASE_SENSITIVE, SIZE_MAX },
	{ "a", LONG32 "g", STR_CASE_IGNORE, SIZE_MAX },
};

START_TEST(t_distance)
{
	ck_assert_uint_eq(str_edit_distance(distance_table[_i].a,
					    distance_table[_i].b,
					    distance_table[_i].how),
			  distance_table[_i].want);
}
END_TEST

START_TEST(t_dup)
{
	int oom = 0;
	char *s = str_dup("x", &oom);

	ck_assert_str_eq(s, "x");
	ck_assert_ptr_null(str_dup(NULL, &oom));
	ck_assert_int_eq(oom, 0);
	free(s);
}
END_TEST

START_TEST(t_plural)
{
	ck_assert_str_eq(str_plural(0, "feed", "feeds"), "feeds");
	ck_assert_str_eq(str_plural(1, "feed", "feeds"), "feed");
	ck_assert_str_eq(str_plural(2, "entry", "entries"), "entries");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_distance, 0, (int)N(distance_table));
	tcase_add_test(tc, t_dup);
	tcase_add_test(tc, t_plural);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
