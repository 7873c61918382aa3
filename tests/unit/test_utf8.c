/* Unit tests for src/utf8: decoding (RFC 3629 and the maximal-subpart
 * rule), encoding, and folding for word matching. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "testutil.h"

static const struct {
	const char *bytes;
	size_t len;
	int rc;                 /* what utf8_decode returns */
	unsigned long cp;       /* when rc > 0 */
	size_t bad;             /* when rc == 0 */
} decodes[] = {
	{ "A", 1, 1, 0x41, 0 },
	{ "\xc3\xa9", 2, 2, 0xe9, 0 },                 /* é */
	{ "\xe2\x80\x94", 3, 3, 0x2014, 0 },           /* — */
	{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600, 0 },      /* 😀 */
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff, 0 },     /* the last one */
	{ "\xc3", 1, -1, 0, 0 },                       /* cut off */
	{ "\xe2\x80", 2, -1, 0, 0 },
	{ "\xc0\xaf", 2, 0, 0, 1 },                    /* overlong '/' */
	{ "\xe0\x80\xaf", 3, 0, 0, 1 },                /* overlong */
	{ "\xed\xa0\x80", 3, 0, 0, 1 },                /* a surrogate */
	{ "\xf4\x90\x80\x80", 4, 0, 0, 1 },            /* past U+10FFFF */
	{ "\xe2\x80\x41", 3, 0, 0, 2 },                /* subpart of 2 */
	{ "\x80", 1, 0, 0, 1 },                        /* lone continuation */
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
	static const unsigned long cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800,
					     0xfffd, 0xffff, 0x10000, 0x10ffff };
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
	{ "\xc3\x89t\xc3\xa9 \xc3\xa0 Lyon", "ete a lyon" },       /* Été à */
	{ "C\xc5\x93ur, \xc3\x86sop, stra\xc3\x9f" "e", "coeur, aesop, strasse" },
	{ "Fran\xc3\xa7ois \xc3\x91" "and\xc3\xba", "francois nandu" },
	{ "\xce\xb1\xce\xb2", "\xce\xb1\xce\xb2" },                 /* αβ kept */
	{ "a\xff" "b", "ab" },                                       /* invalid */
};

START_TEST(test_fold)
{
	struct buf b = BUF_INIT(256);

	ck_assert_int_eq(utf8_fold(&b, folds[_i].in), 0);
	ck_assert_str_eq(b.data, folds[_i].out);
	buf_release(&b);
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
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
