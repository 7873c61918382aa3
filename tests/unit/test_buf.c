/* Unit tests for src/buf: the caps, growth and invariants. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "testutil.h"

START_TEST(test_empty_is_terminated)
{
	struct buf b = BUF_INIT(16);

	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, "");
	buf_release(&b);
	buf_release(&b); /* twice is harmless */
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* {cap, what to append, expected rc, expected content} */
static const struct {
	size_t max;
	const char *add;
	int rc;
	const char *content;
} caps[] = {
	{ 0, "", 0, "" },
	{ 0, "a", -1, "" },
	{ 3, "abc", 0, "abc" }, /* exactly at the cap */
	{ 3, "abcd", -1, "" },  /* one past */
	{ 100, "hello", 0, "hello" },
};

START_TEST(test_cap)
{
	struct buf b = BUF_INIT(caps[_i].max);

	errno = 0;
	ck_assert_int_eq(buf_adds(&b, caps[_i].add), caps[_i].rc);
	if (caps[_i].rc < 0)
		ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_str_eq(b.data, caps[_i].content);
	buf_release(&b);
}
END_TEST

START_TEST(test_addf_grows_and_caps)
{
	struct buf b = BUF_INIT(200);
	int i;

	for (i = 0; i < 18; i++)
		ck_assert_int_eq(buf_addf(&b, "%09d,", i), 0);
	ck_assert_uint_eq(b.len, 180);
	ck_assert_uint_eq(strlen(b.data), 180);
	/* 30 more bytes would pass 200: refused, content unchanged */
	ck_assert_int_eq(buf_addf(&b, "%030d", 1), -1);
	ck_assert_uint_eq(b.len, 180);
	ck_assert_uint_eq(strlen(b.data), 180);
	ck_assert_int_eq(buf_addf(&b, "%020d", 1), 0);
	ck_assert_uint_eq(b.len, 200);
	buf_release(&b);
}
END_TEST

/* buf_add and buf_addch append in place while the bytes fit what is
 * allocated, and still stop at max, even one lowered below the room
 * already allocated (as mime_render does for one message). */
START_TEST(test_add_in_place_keeps_the_cap)
{
	struct buf b = BUF_INIT(1000);
	size_t i;

	for (i = 0; i < 300; i++)
		ck_assert_int_eq(buf_addch(&b, 'a' + (int)(i % 26)), 0);
	ck_assert_uint_eq(b.len, 300);
	ck_assert_uint_eq(strlen(b.data), 300);
	ck_assert_int_eq(b.data[25], 'z');
	ck_assert_uint_ge(b.cap, 301);
	buf_setlen(&b, 10);
	b.max = 12;
	ck_assert_int_eq(buf_add(&b, "xy", 2), 0);
	ck_assert_str_eq(b.data, "abcdefghijxy");
	errno = 0;
	ck_assert_int_eq(buf_add(&b, "z", 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = 0;
	ck_assert_int_eq(buf_addch(&b, 'z'), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(buf_add(&b, NULL, 0), 0);
	ck_assert_str_eq(b.data, "abcdefghijxy");
	b.max = 1000;
	ck_assert_int_eq(buf_addch(&b, 'z'), 0);
	ck_assert_str_eq(b.data, "abcdefghijxyz");
	buf_release(&b);
}
END_TEST

/* buf_addf too: formatted text that fits the room allocated but not a
 * lowered max is refused whole. */
START_TEST(test_addf_keeps_a_lowered_cap)
{
	struct buf b = BUF_INIT(100);

	ck_assert_int_eq(buf_grow(&b, 50), 0);
	b.max = 10;
	errno = 0;
	ck_assert_int_eq(buf_addf(&b, "%s", "0123456789AB"), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_addf(&b, "%s", "0123456789"), 0);
	ck_assert_str_eq(b.data, "0123456789");
	buf_release(&b);
}
END_TEST

START_TEST(test_overflow_is_refused)
{
	struct buf b = BUF_INIT((size_t)-1);

	ck_assert_int_eq(buf_adds(&b, "x"), 0);
	ck_assert_int_eq(buf_grow(&b, (size_t)-1), -1);
	ck_assert_int_eq(buf_grow(&b, (size_t)-2), -1);
	buf_release(&b);
}
END_TEST

START_TEST(test_trim_and_detach)
{
	struct buf b = BUF_INIT(64);
	size_t len;
	char *s;

	buf_adds(&b, " \t a b \r\n");
	buf_trim(&b);
	ck_assert_str_eq(b.data, "a b");
	buf_addch(&b, '!');
	s = buf_detach(&b, &len);
	ck_assert_str_eq(s, "a b!");
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(b.data, "");
	free(s);
	s = buf_detach(&b, NULL); /* an empty buffer detaches as "" */
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty_is_terminated);
	tcase_add_loop_test(tc, test_cap, 0, sizeof(caps) / sizeof(caps[0]));
	tcase_add_test(tc, test_addf_grows_and_caps);
	tcase_add_test(tc, test_add_in_place_keeps_the_cap);
	tcase_add_test(tc, test_addf_keeps_a_lowered_cap);
	tcase_add_test(tc, test_overflow_is_refused);
	tcase_add_test(tc, test_trim_and_detach);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
