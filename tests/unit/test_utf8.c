/* Unit tests for src/utf8: decoding (RFC 3629 and the maximal-subpart
 * rule), encoding, and folding for word matching. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "testutil.h"

static const struct {
	const char *bytes;
	size_t len;
	int rc;           /* what utf8_decode returns */
	unsigned long cp; /* when rc > 0 */
	size_t bad;       /* when rc == 0 */
} decodes[] = {
	{ "A", 1, 1, 0x41, 0 },
	{ "\xc3\xa9", 2, 2, 0xe9, 0 },             /* é */
	{ "\xe2\x80\x94", 3, 3, 0x2014, 0 },       /* — */
	{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600, 0 },  /* 😀 */
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff, 0 }, /* the last one */
	{ "\xc3", 1, -1, 0, 0 },                   /* cut off */
	{ "\xe2\x80", 2, -1, 0, 0 },
	{ "\xc0\xaf", 2, 0, 0, 1 },         /* overlong '/' */
	{ "\xe0\x80\xaf", 3, 0, 0, 1 },     /* overlong */
	{ "\xed\xa0\x80", 3, 0, 0, 1 },     /* a surrogate */
	{ "\xf4\x90\x80\x80", 4, 0, 0, 1 }, /* past U+10FFFF */
	{ "\xe2\x80\x41", 3, 0, 0, 2 },     /* subpart of 2 */
	{ "\x80", 1, 0, 0, 1 },             /* lone continuation */
	{ "\xff", 1, 0, 0, 1 },
};

START_TEST(test_decode)
{
	unsigned long cp = 0;
	size_t bad = 0;
	int rc = utf8_decode((const unsigned char *)decodes[_i].bytes,
			     decodes[_i].len, &cp, &bad);

	ck_assert_int_eq(rc, decodes[_i].rc);
	if (rc > 0)
		ck_assert_uint_eq(cp, decodes[_i].cp);
	if (rc == 0)
		ck_assert_uint_eq(bad, decodes[_i].bad);
	ck_assert_uint_eq(utf8_valid((const unsigned char *)decodes[_i].bytes,
				     decodes[_i].len),
			  rc > 0 ? (size_t)rc : 0);
}
END_TEST

START_TEST(test_encode_round_trips)
{
	static const unsigned long cps[] = { 0,      0x7f,    0x80,
					     0x7ff,  0x800,   0xfffd,
					     0xffff, 0x10000, 0x10ffff };
	struct buf b = BUF_INIT(16);
	unsigned long cp;
	size_t i, bad;

	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		buf_reset(&b);
		ck_assert_int_eq(utf8_encode(&b, cps[i]), 0);
		ck_assert_int_eq(utf8_decode((const unsigned char *)b.data,
					     b.len ? b.len : 1, &cp, &bad),
				 (int)(b.len ? b.len : 1));
		ck_assert_uint_eq(cp, cps[i]);
	}
	/* what cannot be encoded becomes U+FFFD */
	buf_reset(&b);
	utf8_encode(&b, 0xd800);
	ck_assert_str_eq(b.data, "\xef\xbf\xbd");
	buf_reset(&b);
	utf8_encode(&b, 0x110000);
	ck_assert_str_eq(b.data, "\xef\xbf\xbd");
	buf_release(&b);
}
END_TEST

static const struct {
	const char *in, *out;
} folds[] = {
	{ "", "" },
	{ "ABC def", "abc def" },
	{ "\xc3\x89t\xc3\xa9 \xc3\xa0 Lyon", "ete a lyon" }, /* Été à */
	{ "C\xc5\x93ur, \xc3\x86sop, stra\xc3\x9f"
	  "e",
	  "coeur, aesop, strasse" },
	{ "Fran\xc3\xa7ois \xc3\x91"
	  "and\xc3\xba",
	  "francois nandu" },
	{ "\xce\xb1\xce\xb2", "\xce\xb1\xce\xb2" }, /* αβ kept */
	{ "a\xff"
	  "b",
	  "ab" }, /* invalid */
};

START_TEST(test_fold)
{
	struct buf b = BUF_INIT(256);

	ck_assert_int_eq(utf8_fold(&b, folds[_i].in), 0);
	ck_assert_str_eq(b.data, folds[_i].out);
	buf_release(&b);
}
END_TEST

/* Text as it may be printed: {in, out}; in is printable when it is out. */
static const struct {
	const char *in, *out;
} printables[] = {
	{ "", "" },
	{ "Caf\xc3\xa9 \xe2\x80\x94 Lyon", "Caf\xc3\xa9 \xe2\x80\x94 Lyon" },
	{ "\xe2\x80\x9cquoted\xe2\x80\x9d \xd8\xa7\xd9\x84\xd8\xb9",
	  "\xe2\x80\x9cquoted\xe2\x80\x9d \xd8\xa7\xd9\x84\xd8\xb9" },
	/* line breaks and tabs: a space each, on one line */
	{ "a\r\nb\tc\vd\fe", "a  b c d e" },
	{ "a\xc2\x85"
	  "b\xe2\x80\xa8"
	  "c\xe2\x80\xa9"
	  "d",
	  "a b c d" },
	/* other C0, DEL, C1: gone */
	{ "a\x01\x07\x08\x7f"
	  "b",
	  "ab" },
	{ "a\xc2\x80\xc2\x9b\xc2\x9f"
	  "b",
	  "ab" },
	/* ANSI sequences: gone whole; a lone ESC alone */
	{ "\x1b[31mred\x1b[0m", "red" },
	{ "\x1b[1;38;5;196mx\x1b[K", "x" },
	{ "\x1b[2J\x1b[H!", "!" },
	{ "a\x1b"
	  "b",
	  "ab" },
	{ "a\x1b[", "a[" },
	{ "a\x1b[12\x01m", "a[12m" },
	{ "a\x1b", "a" },
	/* bidirectional formatting: gone (U+202E would print "txt.exe" as
	 * "exe.txt") */
	{ "x\xe2\x80\xaetxt.exe", "xtxt.exe" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae"
	  "a\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"
	  "b"
	  "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
	  "ab" },
	/* their neighbours stay: ZWJ in emoji, U+2065 unassigned, U+202F */
	{ "\xe2\x80\x8d\xe2\x81\xa5\xe2\x80\xaf",
	  "\xe2\x80\x8d\xe2\x81\xa5\xe2\x80\xaf" },
	/* invalid UTF-8: U+FFFD */
	{ "a\xff"
	  "b",
	  "a\xef\xbf\xbd"
	  "b" },
	{ "a\xe2\x80", "a\xef\xbf\xbd" },
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
};

START_TEST(test_printable)
{
	struct buf b = BUF_INIT(256);
	const char *in = printables[_i].in, *out = printables[_i].out;

	ck_assert_int_eq(utf8_printable(&b, in, strlen(in)), 0);
	ck_assert_str_eq(b.data, out);
	ck_assert_int_eq(utf8_is_printable(in), strcmp(in, out) == 0);
	/* what it gives is printable, and stays as it is */
	ck_assert_int_eq(utf8_is_printable(b.data), 1);
	buf_release(&b);
}
END_TEST

START_TEST(test_printable_cap)
{
	struct buf b = BUF_INIT(4);

	ck_assert_int_eq(utf8_printable(&b, "abc\tdef", 7), -1);
	ck_assert_uint_le(b.len, 4);
	buf_release(&b);
	ck_assert_int_eq(utf8_unsafe(' '), 0);
	ck_assert_int_eq(utf8_unsafe('\n'), 1);
	ck_assert_int_eq(utf8_unsafe(0x202e), 1);
	ck_assert_int_eq(utf8_unsafe(0xe9), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_decode, 0,
			    sizeof(decodes) / sizeof(decodes[0]));
	tcase_add_test(tc, test_encode_round_trips);
	tcase_add_loop_test(tc, test_fold, 0, sizeof(folds) / sizeof(folds[0]));
	tcase_add_loop_test(tc, test_printable, 0,
			    sizeof(printables) / sizeof(printables[0]));
	tcase_add_test(tc, test_printable_cap);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
