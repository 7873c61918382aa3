#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 64 octets of local part, 63 of label */
#define L64 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggg"
#define L63 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffggg"
/* a 252-octet domain: three 63-octet labels and a 60-octet one */
#define L60 "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffff"
#define D252 L63 "." L63 "." L63 "." L60

/* 57 and 58 times "é": labels of 114 and 116 octets whose A-labels are
 * 63 octets (the cap) and 64 */
#define E4 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E57 E4 E4 E4 E4 E4 E4 E4 E4 E4 E4 E4 E4 E4 E4 "\xc3\xa9"
#define E58 E57 "\xc3\xa9"
#define A63 "xn--9caaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* 31 labels "例" (3 octets, A-label "xn--fsq", 7): 123 octets in UTF-8,
 * 247 in ASCII */
#define K "\xe4\xbe\x8b"
#define K8 K "." K "." K "." K "." K "." K "." K "." K
#define K31 K8 "." K8 "." K8 "." K "." K "." K "." K "." K "." K "." K
#define X "xn--fsq"
#define X8 X "." X "." X "." X "." X "." X "." X "." X
#define X31 X8 "." X8 "." X8 "." X "." X "." X "." X "." X "." X "." X

/* Valid addresses, their normalized form and their ASCII form. */
static const struct {
	const char *in, *norm, *ascii;
} valid[] = {
	{ "bob@example.org", "bob@example.org", "bob@example.org" },
	{ "Bob.Smith@Example.ORG", "Bob.Smith@example.org",
	  "Bob.Smith@Example.ORG" },
	{ "b@x", "b@x", "b@x" },
	{ "bob@localhost", "bob@localhost", "bob@localhost" },
	{ "first.last+tag@sub.example.co.uk",
	  "first.last+tag@sub.example.co.uk",
	  "first.last+tag@sub.example.co.uk" },
	{ "!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~@example.org",
	  "!#$%&'*+-/=?^_`{|}~@example.org" },
	{ "a.b.c@example.org", "a.b.c@example.org", "a.b.c@example.org" },
	{ "bob@a-b.example", "bob@a-b.example", "bob@a-b.example" },
	{ "bob@123.example", "bob@123.example", "bob@123.example" },
	{ "bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example",
	  "bob@xn--bcher-kva.example" },
	{ "bob@XN--bcher-kva.example", "bob@xn--bcher-kva.example",
	  "bob@xn--bcher-kva.example" },
	{ "bob@[192.0.2.1]", "bob@[192.0.2.1]", "bob@[192.0.2.1]" },
	{ "bob@[0.0.0.0]", "bob@[0.0.0.0]", "bob@[0.0.0.0]" },
	{ "bob@[255.255.255.255]", "bob@[255.255.255.255]",
	  "bob@[255.255.255.255]" },
	{ "bob@[IPv6:2001:DB8::1]", "bob@[ipv6:2001:db8::1]",
	  "bob@[IPv6:2001:DB8::1]" },
	{ "bob@[ipv6:::1]", "bob@[ipv6:::1]", "bob@[ipv6:::1]" },
	/* international domains: IDNA2008 A-labels after UTS #46 mapping */
	{ "contact@soci\xc3\xa9t\xc3\xa9.fr",
	  "contact@soci\xc3\xa9t\xc3\xa9.fr", "contact@xn--socit-esab.fr" },
	{ "contact@Soci\xc3\xa9t\xc3\xa9.FR",
	  "contact@soci\xc3\xa9t\xc3\xa9.fr", "contact@xn--socit-esab.fr" },
	{ "bob@B\xc3\xbc"
	  "cher.Example",
	  "bob@b\xc3\xbc"
	  "cher.example",
	  "bob@xn--bcher-kva.example" },
	{ "bob@\xe4\xbe\x8b\xe3\x81\x88.jp", "bob@\xe4\xbe\x8b\xe3\x81\x88.jp",
	  "bob@xn--r8jz45g.jp" },
	{ "b@stra\xc3\x9f"
	  "e.de",
	  "b@stra\xc3\x9f"
	  "e.de",
	  "b@xn--strae-oqa.de" },
	/* a label of 114 octets in UTF-8 is 63 as an A-label: the cap */
	{ "b@" E57 ".fr", "b@" E57 ".fr", "b@" A63 ".fr" },
	{ L64 "@example.org", L64 "@example.org", L64 "@example.org" },
	{ "bob@" L63 ".example", "bob@" L63 ".example", "bob@" L63 ".example" },
	/* 254 octets in all: the cap */
	{ "b@" D252, "b@" D252, "b@" D252 },
	/* 254 octets once in ASCII (130 as given): the cap too */
	{ "bbbbbb@" K31, "bbbbbb@" K31, "bbbbbb@" X31 },
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

START_TEST(t_ascii)
{
	struct err e = ERR_INIT;
	char out[ADDR_SIZE];

	memset(out, 'x', sizeof(out));
	ck_assert_msg(addr_ascii(valid[_i].in, out, sizeof(out), &e) == 0,
		      "'%s': %s", valid[_i].in, e.msg);
	ck_assert_str_eq(out, valid[_i].ascii);
	ck_assert_uint_le(strlen(out), ADDR_MAX);
	/* the ASCII form is itself a valid address, and its own form */
	ck_assert_int_eq(addr_ascii(valid[_i].ascii, out, sizeof(out), &e), 0);
	ck_assert_str_eq(out, valid[_i].ascii);
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
	{ "bob@\xc3\xa9@example.org", "more than one '@'" },
	{ "Bob <bob@example.org>", "without a name or <>" },
	{ "<bob@example.org>", "without a name or <>" },
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
	/* quoted local parts: refused, with the reason */
	{ "\"bob smith\"@example.org",
	  "'\"bob smith\"@example.org': quoted local parts are not "
	  "supported: " },
	{ "\"Bob\" bob@example.org", "quoted local parts are not supported" },
	{ "\"b@b\"@example.org", "quoted local parts are not supported" },
	{ "\"\"@example.org", "quoted local parts are not supported" },
	{ "\"bob@example.org", "quoted local parts are not supported" },
	{ "\"bob\"", "quoted local parts are not supported" },
	{ "\"" L64 "\"@x", "quoted local parts are not supported" },
	/* non-ASCII local parts need SMTPUTF8 */
	{ "b\xc3\xb6"
	  "b@example.org",
	  "'b\xc3\xb6"
	  "b@example.org': non-ASCII local parts are not "
	  "supported: they need SMTPUTF8" },
	{ "\xc3\xa9t\xc3\xa9@soci\xc3\xa9t\xc3\xa9.fr",
	  "non-ASCII local parts are not supported" },
	/* 65 octets: one past the cap */
	{ "a" L64 "@example.org", "local part longer than 64 octets" },
	{ "bob@example..org", "empty label in domain" },
	{ "bob@.example.org", "empty label in domain" },
	{ "bob@example.org.", "empty label in domain" },
	{ "bob@-example.org", "domain label starts or ends with '-'" },
	{ "bob@example-.org", "domain label starts or ends with '-'" },
	{ "bob@exa_mple.org", "invalid character '_' in domain" },
	{ "bob@exa mple.org", "invalid character ' ' in domain" },
	{ "bob@a" L63 ".example", "domain label longer than 63 octets" },
	{ "bob@\xc3\x28"
	  "x.example",
	  "invalid UTF-8 in domain" },
	{ "bob@\xc0\xaf.example", "invalid UTF-8 in domain" },
	{ "bob@\xed\xa0\x80.example", "invalid UTF-8 in domain" },
	{ "bob@\xe4\xbe", "invalid UTF-8 in domain" },
	/* international domains IDNA2008 refuses, with libidn2's reason */
	{ "bob@\xf0\x9f\x8e\x89.example",
	  "'bob@\xf0\x9f\x8e\x89.example': not a valid international domain "
	  "name: string contains a disallowed character" },
	{ "bob@\xe2\x98\x83.example", "disallowed character" },
	{ "bob@ab\xe2\x80\xae"
	  "cd.example",
	  "disallowed character" },
	{ "bob@xn--zz.example",
	  "not a valid international domain name: string contains invalid "
	  "punycode data" },
	{ "bob@-\xc3\xa9.fr", "not a valid international domain name" },
	{ "bob@\xc3\xa9..fr", "empty label in domain" },
	{ "b@" E58 ".fr", "not a valid international domain name" },
	/* U+FF3F maps to '_', which no host name has */
	{ "bob@ab\xef\xbc\xbf"
	  "c.fr",
	  "invalid character '_' in domain" },
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
	/* 255 once in ASCII, 131 as given */
	{ "bbbbbbb@" K31,
	  "address longer than 254 octets once its domain is in ASCII" },
};

START_TEST(t_invalid)
{
	struct err e = ERR_INIT;
	char out[ADDR_SIZE] = "untouched";

	ck_assert_msg(addr_validate(invalid[_i].in, &e) == -1, "'%s' accepted",
		      invalid[_i].in);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, invalid[_i].msg) != NULL,
		      "'%s': message '%s' lacks '%s'", invalid[_i].in, e.msg,
		      invalid[_i].msg);
	ck_assert_msg(strchr(e.msg, '\n') == NULL &&
			      strchr(e.msg, '\r') == NULL,
		      "line break in message '%s'", e.msg);
	ck_assert_ptr_null(addr_normalize(invalid[_i].in));
	ck_assert_int_eq(addr_ascii(invalid[_i].in, out, sizeof(out), &e), -1);
	ck_assert_str_eq(out, "untouched");
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
	ck_assert_uint_eq(strlen("a" L64), ADDR_LOCAL_MAX + 1);
	ck_assert_uint_eq(strlen("bbbbbb@" X31), ADDR_MAX);
	ck_assert_uint_eq(strlen(A63), ADDR_LABEL_MAX);
}
END_TEST

/* A buffer too small for the ASCII form: refused, not cut. */
START_TEST(t_ascii_small)
{
	struct err e = ERR_INIT;
	char out[8];

	ck_assert_int_eq(addr_ascii("bob@example.org", out, sizeof(out), &e),
			 -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_int_eq(addr_ascii("b@a.org", out, sizeof(out), &e), 0);
	ck_assert_str_eq(out, "b@a.org");
}
END_TEST

/* The config's mailboxes: "Name <addr>" or "addr", addr by the rules above */
static const struct {
	const char *mailbox;
	int ok;
} mailbox_table[] = {
	{ "feedmail <feedmail@example.org>", 1 },
	{ "\"Feed, Mail\" <a.b@example.org>", 1 },
	{ "<a@example.org>", 1 },
	{ "a@example.org", 1 },
	{ "a@localhost", 1 },
	{ "a@[127.0.0.1]", 1 },
	{ "contact@soci\xc3\xa9t\xc3\xa9.fr", 1 },
	{ "", 0 },
	{ "feedmail", 0 },
	{ "feedmail <a@example.org", 0 },
	{ "feedmail <a@example.org> x", 0 },
	{ "x <a..b@example.org>", 0 },
	{ "a@-x.org", 0 },
	{ "a b@example.org", 0 },
};

START_TEST(t_mailbox)
{
	struct err e = ERR_INIT;
	int rc = addr_check_mailbox(mailbox_table[_i].mailbox, &e);

	ck_assert_msg(rc == (mailbox_table[_i].ok ? 0 : -1), "%s: %d %s",
		      mailbox_table[_i].mailbox, rc, e.msg);
	if (rc < 0)
		ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

static const struct {
	const char *domain;
	int ok;
} domain_table[] = {
	{ "example.org", 1 },
	{ "localhost", 1 },
	{ "a-b.c0", 1 },
	/* a label of 63 octets, then one of 64 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
	  1 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
	  0 },
	{ "", 0 },
	{ ".", 0 },
	{ "a..b", 0 },
	{ "a.", 0 },
	{ "-a.org", 0 },
	{ "a-.org", 0 },
	{ "a_b.org", 0 },
	{ "soci\xc3\xa9t\xc3\xa9.fr", 0 },
};

START_TEST(t_domain)
{
	const char *d = domain_table[_i].domain;
	struct err e = ERR_INIT;
	int rc = addr_check_domain(d, strlen(d), &e);

	ck_assert_msg(rc == (domain_table[_i].ok ? 0 : -1), "%s: %d %s", d, rc,
		      e.msg);
}
END_TEST

START_TEST(t_atext)
{
	int c, n = 0;

	for (c = 0; c < 256; c++)
		n += addr_is_atext(c);
	/* 26 * 2 letters, 10 digits, 19 others */
	ck_assert_int_eq(n, 81);
	ck_assert(!addr_is_atext('.'));
	ck_assert(!addr_is_atext('@'));
	ck_assert(!addr_is_atext(' '));
	ck_assert(!addr_is_atext('\0'));
	ck_assert(addr_is_atext('~'));
}
END_TEST

/* Addresses that look mistyped, and what the warning suggests (NULL:
 * none, the address looks right). */
static const struct {
	const char *in, *why;
} suspect_table[] = {
	{ "bob@gmail.com", NULL },
	{ "bob@GMail.Com", NULL },
	{ "bob@example.org", NULL },
	{ "bob@ymail.com", NULL },
	{ "bob@mail.com", NULL },
	{ "bob@outlook.de", NULL },
	{ "bob@gmail.co.uk", NULL },
	{ "bob@love.org", NULL },
	{ "bob@[127.0.0.1]", NULL },
	{ "bob@gmail.con",
	  "did you mean 'gmail.com' rather than 'gmail.con'?" },
	{ "bob@Gmail.Con",
	  "did you mean 'gmail.com' rather than 'gmail.con'?" },
	{ "bob@gmial.com",
	  "did you mean 'gmail.com' rather than 'gmial.com'?" },
	{ "bob@gmal.com", "did you mean 'gmail.com' rather than 'gmal.com'?" },
	{ "bob@hotmial.com",
	  "did you mean 'hotmail.com' rather than 'hotmial.com'?" },
	{ "bob@yahoo.rf", "did you mean 'yahoo.fr' rather than 'yahoo.rf'?" },
	{ "bob@yaho.fr", "did you mean 'yahoo.fr' rather than 'yaho.fr'?" },
	{ "bob@yahooo.fr", "did you mean 'yahoo.fr' rather than 'yahooo.fr'?" },
	{ "bob@wanado.fr",
	  "did you mean 'wanadoo.fr' rather than 'wanado.fr'?" },
	{ "bob@localhost", "the domain 'localhost' has no dot" },
	/* three letters off is another domain */
	{ "bob@gxyzl.com", NULL },
};

START_TEST(t_suspect)
{
	char why[256] = "";
	int rc = addr_suspect(suspect_table[_i].in, why, sizeof(why));

	if (!suspect_table[_i].why) {
		ck_assert_msg(rc == 0, "'%s': %s", suspect_table[_i].in, why);
		return;
	}
	ck_assert_msg(rc == 1, "'%s' not suspect", suspect_table[_i].in);
	ck_assert_str_eq(why, suspect_table[_i].why);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_valid, 0, (int)N(valid));
	tcase_add_loop_test(tc, t_ascii, 0, (int)N(valid));
	tcase_add_loop_test(tc, t_invalid, 0, (int)N(invalid));
	tcase_add_test(tc, t_null);
	tcase_add_test(tc, t_caps);
	tcase_add_test(tc, t_ascii_small);
	tcase_add_loop_test(tc, t_mailbox, 0, (int)N(mailbox_table));
	tcase_add_loop_test(tc, t_domain, 0, (int)N(domain_table));
	tcase_add_test(tc, t_atext);
	tcase_add_loop_test(tc, t_suspect, 0, (int)N(suspect_table));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
