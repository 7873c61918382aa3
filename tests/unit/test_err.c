#include "config.h"

#include <check.h>
#include <string.h>
#include <sysexits.h>

#include "lib/err.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int code, want;
} status_table[] = {
	{ 0, EX_SOFTWARE },     /* a failure with no cause: ours */
	{ EX_USAGE, EX_USAGE }, /* EX__BASE */
	{ EX_DATAERR, EX_DATAERR },
	{ EX_TEMPFAIL, EX_TEMPFAIL },
	{ EX_CONFIG, EX_CONFIG }, /* EX__MAX */
	{ EX__BASE - 1, EX_SOFTWARE },
	{ EX__MAX + 1, EX_SOFTWARE },
	{ 1, EX_SOFTWARE },
	{ -1, EX_SOFTWARE },
};

START_TEST(t_exit_status)
{
	struct err e = ERR_INIT;

	e.code = status_table[_i].code;
	ck_assert_int_eq(err_exit_status(&e), status_table[_i].want);
}
END_TEST

START_TEST(t_exit_status_null)
{
	ck_assert_int_eq(err_exit_status(NULL), EX_SOFTWARE);
}
END_TEST

START_TEST(t_prefix)
{
	struct err e = ERR_INIT;

	ck_assert_int_eq(err_set(&e, EX_DATAERR, "HTTP %d", 503), -1);
	ck_assert_int_eq(err_prefix(&e, "fetch '%s'", "https://x/"), -1);
	ck_assert_str_eq(e.msg, "fetch 'https://x/': HTTP 503");
	ck_assert_int_eq(e.code, EX_DATAERR);
	err_clear(&e);
	ck_assert_int_eq(e.code, 0);
	/* context on an error nobody coded: a bug, said as one */
	err_prefix(&e, "x");
	ck_assert_int_eq(e.code, EX_SOFTWARE);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_exit_status, 0, (int)N(status_table));
	tcase_add_test(tc, t_exit_status_null);
	tcase_add_test(tc, t_prefix);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
