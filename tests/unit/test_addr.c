#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 64 octets of local part, 63 of label */
#define L64 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggg"
#define L63 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffggg"
/* a 252-octet domain: three 63-octet labels and a 60-octet one */
#define L60 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff"
#define D252 L63 "." L63 "." L63 "." L60

/* Valid addresses and their normalized form. */
static const struct {
	const char *in, *norm;
} valid[] = {
	{ "bob@example.org", "bob@example.org" },
	{ "Bob.Smith@Example.ORG", "Bob.Smith@example.org" },
	{ "b@x", "b@x" },
	{ "bob@localhost", "bob@localhost" },
	{ "first.last+tag@sub.example.co.uk",
	  "first.last+tag@sub.example.co.uk" },
	{ "!#$%&'*+-/=?^_`{|}~@example.org",
	  "!#$%&'*+-/=?^_`{|}~@example.org" },
	{ "a.b.c@example.org", "a.b.c@example.org" },
	{ "bob@a-b.example", "bob@a-b.example" },
	{ "bob@123.example", "bob@123.example" },
	{ "bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example" },
	{ "\"bob smith\"@example.org", "\"bob smith\"@example.org" },
	{ "\"b@b\"@Example.org", "\"b@b\"@example.org" },
	{ "\"a\\\"b\\\\c\"@example.org", "\"a\\\"b\\\\c\"@example.org" },
	{ "\"\"@example.org", "\"\"@example.org" },
	{ "\"a..b.\"@example.org", "\"a..b.\"@example.org" },
	{ "bob@[192.0.2.1]", "bob@[192.0.2.1]" },
	{ "bob@[0.0.0.0]", "bob@[0.0.0.0]" },
	{ "bob@[255.255.255.255]", "bob@[255.255.255.255]" },
	{ "bob@[IPv6:2001:DB8::1]", "bob@[ipv6:2001:db8::1]" },
	{ "bob@[ipv6:::1]", "bob@[ipv6:::1]" },
	{ "bob@B\xc3\xbc" "cher.Example", "bob@b\xc3\xbc" "cher.example" },
	{ "bob@\xe4\xbe\x8b\xe3\x81\x88.jp",
	  "bob@\xe4\xbe\x8b\xe3\x81\x88.jp" },
	{ "bob@\xf0\x9f\x8e\x89.example", "bob@\xf0\x9f\x8e\x89.example" },
	{ L64 "@example.org", L64 "@example.org" },
	{ "bob@" L63 ".example", "bob@" L63 ".example" },
	/* 254 octets in all: the cap */
	{ "b@" D252, "b@" D252 },
};

START_TEST(t_valid)
{
	struct err e = ERR_INIT;
	char *norm;

	ck_assert_msg(addr_validate(valid[_i].in, &e) == 0, "'%s': %s",
		      valid[_i].in, e.msg);
	norm = addr_normalize(valid[_i].in);
	ck_assert_msg(norm && strcmp(norm, valid[_i].norm) == 0,
		      "'%s': normalized '%s', want '%s'", valid[_i].in,
		      norm ? norm : "(null)", valid[_i].norm);
	free(norm);
}
END_TEST

/* Invalid addresses and the message addr_validate gives. */
static const struct {
	const char *in, *msg;
} invalid[] = {
	{ "", "'': empty address" },
	{ "bob@", "'bob@': missing domain" },
	{ "@example.org", "'@example.org': missing local part" },
	{ "bob", "'bob': missing '@'" },
	{ "bob.example.org", "missing '@'" },
	{ "bob@@example.org", "more than one '@'" },
	{ "bob@ex@ample.org", "more than one '@'" },
	{ "Bob <bob@example.org>", "without a name or <>" },
	{ "<bob@example.org>", "without a name or <>" },
	{ "\"Bob\" bob@example.org",
	  "expected '@' after the quoted local part" },
	{ "bob smith@example.org", "invalid character ' ' in local part" },
	{ " bob@example.org", "leading or trailing white space" },
	{ "bob@example.org ", "leading or trailing white space" },
	{ "bob@example.org\r\nBcc: eve@evil.example",
	  "'bob@example.org\\x0D\\x0ABcc: eve@evil.example': line break in "
	  "address" },
	{ "bob@example.org\n", "line break in address" },
	{ "\"a\r\nb\"@example.org", "line break in address" },
	{ "\"a\\\nb\"@example.org", "line break in address" },
	{ "bob\t@example.org", "'bob\\x09@example.org': control character" },
	{ "bob\x7f@example.org", "control character in address" },
	{ ".bob@example.org", "local part starts or ends with a dot" },
	{ "bob.@example.org", "local part starts or ends with a dot" },
	{ "bo..b@example.org", "two dots in a row in local part" },
	{ "bob(comment)@example.org", "invalid character '(' in local part" },
	{ "bo,b@example.org", "invalid character ',' in local part" },
	{ "b\xc3\xb6" "b@example.org",
	  "non-ASCII local part is not supported" },
	{ "\"b\xc3\xb6" "b\"@example.org", "non-ASCII local part" },
	{ "\"bob@example.org", "unterminated quoted local part" },
	{ "\"bob\\\"@example.org", "unterminated quoted local part" },
	{ "\"bob\"x@example.org", "expected '@' after the quoted local part" },
	{ "\"bob\"", "expected '@' after the quoted local part" },
	{ "\"bob\"@", "missing domain" },
	{ "a" L64 "@example.org", "local part longer than 64 octets" },
	{ "bob@example..org", "empty label in domain" },
	{ "bob@.example.org", "empty label in domain" },
	{ "bob@example.org.", "empty label in domain" },
	{ "bob@-example.org", "domain label starts or ends with '-'" },
	{ "bob@example-.org", "domain label starts or ends with '-'" },
	{ "bob@exa_mple.org", "invalid character '_' in domain" },
	{ "bob@exa mple.org", "invalid character ' ' in domain" },
	{ "bob@a" L63 ".example", "domain label longer than 63 octets" },
	{ "bob@\xc3\x28" "x.example", "invalid UTF-8 in domain" },
	{ "bob@\xc0\xaf.example", "invalid UTF-8 in domain" },
	{ "bob@\xed\xa0\x80.example", "invalid UTF-8 in domain" },
	{ "bob@\xe4\xbe", "invalid UTF-8 in domain" },
	{ "bob@[192.0.2.1", "unterminated address literal" },
	{ "bob@[192.0.2.256]", "invalid IPv4 address literal" },
	{ "bob@[192.0.2]", "invalid IPv4 address literal" },
	{ "bob@[192.0.2.1.5]", "invalid IPv4 address literal" },
	{ "bob@[0192.0.2.1]", "invalid IPv4 address literal" },
	{ "bob@[]", "invalid IPv4 address literal" },
	{ "bob@[IPv6:zz::1]", "invalid IPv6 address literal" },
	{ "bob@[IPv6:1.2.3.4]", "invalid IPv6 address literal" },
	{ "bob@[x-tag:stuff]", "unsupported address literal" },
	{ "bob@[::1]", "unsupported address literal" },
	/* 255 octets: one past the cap */
	{ "bb@" D252, "address longer than 254 octets" },
	{ "b@" D252 "x", "address longer than 254 octets" },
	{ "\"" L64 "\"@x", "local part longer than 64 octets" },
};

START_TEST(t_invalid)
{
	struct err e = ERR_INIT;

	ck_assert_msg(addr_validate(invalid[_i].in, &e) == -1,
		      "'%s' accepted", invalid[_i].in);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, invalid[_i].msg) != NULL,
		      "'%s': message '%s' lacks '%s'", invalid[_i].in, e.msg,
		      invalid[_i].msg);
	ck_assert_msg(strchr(e.msg, '\n') == NULL &&
			      strchr(e.msg, '\r') == NULL,
		      "line break in message '%s'", e.msg);
	ck_assert_ptr_null(addr_normalize(invalid[_i].in));
}
END_TEST

START_TEST(t_null)
{
	struct err e = ERR_INIT;

	ck_assert_int_eq(addr_validate(NULL, &e), -1);
	ck_assert_str_eq(e.msg, "'': empty address");
	ck_assert_int_eq(addr_validate("bob@", NULL), -1);
	ck_assert_ptr_null(addr_normalize(NULL));
}
END_TEST

/* The caps are what the table says they are. The 255-octet domain cap
 * can never be reached: the 254-octet address cap comes first. */
START_TEST(t_caps)
{
	ck_assert_uint_eq(strlen("b@" D252), ADDR_MAX);
	ck_assert_uint_eq(strlen(L64), ADDR_LOCAL_MAX);
	ck_assert_uint_eq(strlen(L63), ADDR_LABEL_MAX);
	ck_assert_uint_eq(strlen("\"" L64 "\""), ADDR_LOCAL_MAX + 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_valid, 0, (int)N(valid));
	tcase_add_loop_test(tc, t_invalid, 0, (int)N(invalid));
	tcase_add_test(tc, t_null);
	tcase_add_test(tc, t_caps);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
