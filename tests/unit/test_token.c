/* Unit tests for src/lib/token: tokens that verify under their secret,
 * purpose, ids and binding, and under nothing else. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "lib/token.h"
#include "testutil.h"

static const unsigned char secret[TOKEN_SECRET_SIZE] =
	"0123456789abcdef0123456789abcdef";
static const unsigned char other[TOKEN_SECRET_SIZE] =
	"0123456789abcdef0123456789abcdeF";
#define BIND "5f2b0c1e9a8d7c6b5a4f3e2d1c0b9a87"

static void
make(const struct token *t, const char *bind, char out[TOKEN_SIZE])
{
	ck_assert_int_eq(token_make(secret, sizeof(secret), t, bind, out), 0);
}

/* A token reads back as what it was made of, and verifies. */
START_TEST(t_round_trip)
{
	static const struct token cases[] = {
		{ TOKEN_UNSUBSCRIBE, 1, 0 },
		{ TOKEN_PREFERENCES, 127, 0 },
		{ TOKEN_CONFIRM, 128, 0 },
		{ TOKEN_MAIL_UNSUBSCRIBE, 600, 0 },
		{ TOKEN_FORM, 1796000000, 0 },
		{ TOKEN_VIEW, 42, 1234567 },
		{ TOKEN_BOUNCE, INT64_MAX, INT64_MAX },
	};
	const struct token *t = &cases[_i];
	struct token got;
	char text[TOKEN_SIZE];

	make(t, BIND, text);
	ck_assert_uint_lt(strlen(text), TOKEN_SIZE);
	/* letters and digits only: a URL path segment and a local part */
	ck_assert_uint_eq(strspn(text, "abcdefghijklmnopqrstuvwxyz234567"),
			  strlen(text));
	ck_assert_int_eq(token_parse(text, &got), 0);
	ck_assert_int_eq(got.purpose, t->purpose);
	ck_assert(got.id == t->id);
	ck_assert(got.id2 == t->id2);
	ck_assert_int_eq(token_verify(secret, sizeof(secret), text, t, BIND),
			 1);
}
END_TEST

/* The longest token still fits "bounces+TOKEN" in a local part. */
START_TEST(t_longest)
{
	struct token t = { TOKEN_BOUNCE, INT64_MAX, INT64_MAX };
	char text[TOKEN_SIZE];

	make(&t, BIND, text);
	ck_assert_uint_le(strlen("bounces+") + strlen(text), 64);
}
END_TEST

/* A mail system may fold a local part to capitals: still the token. */
START_TEST(t_case_folded)
{
	struct token t = { TOKEN_BOUNCE, 7, 9 }, got;
	char text[TOKEN_SIZE];

	make(&t, BIND, text);
	for (char *p = text; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	ck_assert_int_eq(token_parse(text, &got), 0);
	ck_assert_int_eq(token_verify(secret, sizeof(secret), text, &t, BIND),
			 1);
}
END_TEST

/* Another secret (rotated), binding (a new subscription), purpose or id:
 * not this token. */
START_TEST(t_refused)
{
	struct token t = { TOKEN_UNSUBSCRIBE, 5, 0 }, u = t;
	char text[TOKEN_SIZE];

	make(&t, BIND, text);
	ck_assert_int_eq(token_verify(other, sizeof(other), text, &t, BIND), 0);
	ck_assert_int_eq(token_verify(secret, sizeof(secret), text, &t,
				      "5f2b0c1e9a8d7c6b5a4f3e2d1c0b9a88"),
			 0);
	u.purpose = TOKEN_PREFERENCES;
	ck_assert_int_eq(token_verify(secret, sizeof(secret), text, &u, BIND),
			 0);
	u = t;
	u.id = 6;
	ck_assert_int_eq(token_verify(secret, sizeof(secret), text, &u, BIND),
			 0);
}
END_TEST

/* Every token with one letter changed, one letter dropped, or one added
 * fails: to parse, or to verify. */
START_TEST(t_altered)
{
	struct token t = { TOKEN_VIEW, 300, 70000 }, got;
	char text[TOKEN_SIZE], bad[TOKEN_SIZE + 1];
	size_t len;

	make(&t, BIND, text);
	len = strlen(text);
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, text, len + 1);
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		ck_assert(
			token_parse(bad, &got) < 0 ||
			!token_verify(secret, sizeof(secret), bad, &got, BIND));
		memcpy(bad, text, i);
		memcpy(bad + i, text + i + 1, len - i);
		ck_assert(
			token_parse(bad, &got) < 0 ||
			!token_verify(secret, sizeof(secret), bad, &got, BIND));
	}
	memcpy(bad, text, len);
	bad[len] = 'a';
	bad[len + 1] = '\0';
	ck_assert(token_parse(bad, &got) < 0 ||
		  !token_verify(secret, sizeof(secret), bad, &got, BIND));
}
END_TEST

/* What is not a token at all is refused by its form. */
START_TEST(t_malformed)
{
	static const char *const cases[] = {
		"",
		"a",
		"u",
		"not-a-token",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"0000000000000000000000000000000",
		"ov/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct token t;

	ck_assert_int_eq(token_parse(cases[_i], &t), -1);
}
END_TEST

/* Ids a token cannot carry are refused when making one. */
START_TEST(t_make_refuses)
{
	static const struct token cases[] = {
		{ TOKEN_UNSUBSCRIBE, 0, 0 },
		{ TOKEN_UNSUBSCRIBE, -1, 0 },
		{ TOKEN_UNSUBSCRIBE, 1, 2 },
		{ TOKEN_VIEW, 1, 0 },
		{ 'z', 1, 0 },
	};
	char text[TOKEN_SIZE];

	ck_assert_int_eq(token_make(secret, sizeof(secret), &cases[_i], BIND,
				    text),
			 -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_round_trip, 0, 7);
	tcase_add_test(tc, t_longest);
	tcase_add_test(tc, t_case_folded);
	tcase_add_test(tc, t_refused);
	tcase_add_test(tc, t_altered);
	tcase_add_loop_test(tc, t_malformed, 0, 8);
	tcase_add_loop_test(tc, t_make_refuses, 0, 5);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
