#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipaddr.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define PUB IPADDR_PUBLIC
#define UNS IPADDR_UNSPECIFIED
#define LOOP IPADDR_LOOPBACK
#define PRIV IPADDR_PRIVATE
#define SHR IPADDR_SHARED
#define LINK IPADDR_LINK_LOCAL
#define MCAST IPADDR_MULTICAST
#define RSV IPADDR_RESERVED
#define BCAST IPADDR_BROADCAST

/* Each range from just below its first address to just past its last. */
static const struct {
	const char *addr;
	enum ipaddr_class cls;
} v4[] = {
	{ "0.0.0.0", UNS },           { "0.255.255.255", UNS },
	{ "1.0.0.0", PUB },           { "9.255.255.255", PUB },
	{ "10.0.0.0", PRIV },         { "10.255.255.255", PRIV },
	{ "11.0.0.0", PUB },          { "100.63.255.255", PUB },
	{ "100.64.0.0", SHR },        { "100.127.255.255", SHR },
	{ "100.128.0.0", PUB },       { "126.255.255.255", PUB },
	{ "127.0.0.0", LOOP },        { "127.0.0.1", LOOP },
	{ "127.255.255.255", LOOP },  { "128.0.0.0", PUB },
	{ "169.253.255.255", PUB },   { "169.254.0.0", LINK },
	{ "169.254.169.254", LINK },  { "169.254.255.255", LINK },
	{ "169.255.0.0", PUB },       { "172.15.255.255", PUB },
	{ "172.16.0.0", PRIV },       { "172.31.255.255", PRIV },
	{ "172.32.0.0", PUB },        { "192.167.255.255", PUB },
	{ "192.168.0.0", PRIV },      { "192.168.255.255", PRIV },
	{ "192.169.0.0", PUB },       { "8.8.8.8", PUB },
	{ "223.255.255.255", PUB },   { "224.0.0.0", MCAST },
	{ "239.255.255.255", MCAST }, { "240.0.0.0", RSV },
	{ "255.255.255.254", RSV },   { "255.255.255.255", BCAST },
};

static const struct {
	const char *addr;
	enum ipaddr_class cls;
} v6[] = {
	{ "::", UNS },
	{ "::1", LOOP },
	{ "::2", UNS }, /* IPv4-compatible 0.0.0.2 */
	{ "2001:db8::1", PUB },
	{ "2606:4700:4700::1111", PUB },
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUB },
	{ "fc00::", PRIV },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIV },
	{ "fe00::", PUB },
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUB },
	{ "fe80::", LINK },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LINK },
	{ "fec0::", PRIV },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIV },
	{ "ff00::", MCAST },
	{ "ff02::1", MCAST },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", MCAST },
	/* IPv4-mapped */
	{ "::ffff:127.0.0.1", LOOP },
	{ "::ffff:7f00:1", LOOP },
	{ "::ffff:0.0.0.0", UNS },
	{ "::ffff:10.1.2.3", PRIV },
	{ "::ffff:172.16.0.1", PRIV },
	{ "::ffff:192.168.1.1", PRIV },
	{ "::ffff:169.254.169.254", LINK },
	{ "::ffff:100.64.0.1", SHR },
	{ "::ffff:224.0.0.1", MCAST },
	{ "::ffff:255.255.255.255", BCAST },
	{ "::ffff:126.255.255.255", PUB },
	{ "::ffff:8.8.8.8", PUB },
	/* IPv4-translated, IPv4-compatible, NAT64, 6to4 */
	{ "::ffff:0:7f00:1", LOOP },
	{ "::127.0.0.1", LOOP },
	{ "::10.0.0.1", PRIV },
	{ "::8.8.8.8", PUB },
	{ "64:ff9b::7f00:1", LOOP },
	{ "64:ff9b::a9fe:a9fe", LINK },
	{ "64:ff9b::808:808", PUB },
	{ "2002:7f00:1::", LOOP },
	{ "2002:c0a8:101::1", PRIV },
	{ "2002:808:808::1", PUB },
};

START_TEST(t_v4)
{
	unsigned char a[4];

	ck_assert_int_eq(inet_pton(AF_INET, v4[_i].addr, a), 1);
	ck_assert_msg(ipaddr_class4(a) == v4[_i].cls, "%s: %d, want %d",
		      v4[_i].addr, (int)ipaddr_class4(a), (int)v4[_i].cls);
}
END_TEST

START_TEST(t_v6)
{
	unsigned char a[16];

	ck_assert_int_eq(inet_pton(AF_INET6, v6[_i].addr, a), 1);
	ck_assert_msg(ipaddr_class6(a) == v6[_i].cls, "%s: %d, want %d",
		      v6[_i].addr, (int)ipaddr_class6(a), (int)v6[_i].cls);
}
END_TEST

/* Hosts as a URL gives them: the literal forms libcurl and inet_aton
 * accept, and what is no literal at all (-1). */
static const struct {
	const char *host;
	int rc;
	enum ipaddr_class cls;
} literals[] = {
	{ "127.0.0.1", 0, LOOP },
	{ "0x7f000001", 0, LOOP },
	{ "0X7F000001", 0, LOOP },
	{ "2130706433", 0, LOOP },
	{ "017700000001", 0, LOOP },
	{ "127.1", 0, LOOP },
	{ "127.0.1", 0, LOOP },
	{ "0177.0.0.1", 0, LOOP },
	{ "0x7f.1", 0, LOOP },
	{ "0x7f.0x0.0x0.0x1", 0, LOOP },
	{ "10.1", 0, PRIV },
	{ "169.254.43518", 0, LINK }, /* 169.254.169.254 */
	{ "0", 0, UNS },
	{ "4294967295", 0, BCAST },
	{ "8.8.8.8", 0, PUB },
	{ "134744072", 0, PUB }, /* 8.8.8.8 */
	{ "1.2.3.255", 0, PUB },
	{ "1.2.65535", 0, PUB },
	{ "1.16777215", 0, PUB },
	{ "[::1]", 0, LOOP },
	{ "::1", 0, LOOP },
	{ "[::ffff:127.0.0.1]", 0, LOOP },
	{ "[::ffff:7f00:1]", 0, LOOP },
	{ "[fe80::1%25eth0]", 0, LINK },
	{ "fe80::1%eth0", 0, LINK },
	{ "[2001:db8::1]", 0, PUB },
	{ "", -1, PUB },
	{ "localhost", -1, PUB },
	{ "example.org", -1, PUB },
	{ "127.0.0.1.example.org", -1, PUB },
	{ "1.2.3.4.5", -1, PUB },
	{ "256.0.0.1", -1, PUB },
	{ "1.2.3.256", -1, PUB },
	{ "1.2.65536", -1, PUB },
	{ "1.16777216", -1, PUB },
	{ "4294967296", -1, PUB },
	{ "0x100000000", -1, PUB },
	{ "08.0.0.1", -1, PUB },
	{ "0x", -1, PUB },
	{ "0x7g", -1, PUB },
	{ "1..2", -1, PUB },
	{ ".1", -1, PUB },
	{ "1.", -1, PUB },
	{ " 127.0.0.1", -1, PUB },
	{ "127.0.0.1 ", -1, PUB },
	{ "+127.0.0.1", -1, PUB },
	{ "[127.0.0.1]", -1, PUB },
	{ "[::1", -1, PUB },
	{ "::1]", -1, PUB },
	{ "[]", -1, PUB },
	{ "::g", -1, PUB },
};

START_TEST(t_literal)
{
	enum ipaddr_class c = PUB;
	int rc = ipaddr_literal_class(literals[_i].host, &c);

	ck_assert_msg(rc == literals[_i].rc, "'%s': %d, want %d",
		      literals[_i].host, rc, literals[_i].rc);
	if (rc == 0)
		ck_assert_msg(c == literals[_i].cls, "'%s': %d, want %d",
			      literals[_i].host, (int)c, (int)literals[_i].cls);
}
END_TEST

static const struct {
	const char *host;
	int local;
} hosts[] = {
	{ "localhost", 1 },
	{ "LocalHost", 1 },
	{ "localhost.", 1 },
	{ "feeds.localhost", 1 },
	{ "a.b.LOCALHOST.", 1 },
	{ "127.0.0.1", 1 },
	{ "0x7f000001", 1 },
	{ "2130706433", 1 },
	{ "127.1", 1 },
	{ "10.0.0.1", 1 },
	{ "172.16.0.1", 1 },
	{ "192.168.1.1", 1 },
	{ "100.64.0.1", 1 },
	{ "169.254.169.254", 1 },
	{ "0.0.0.0", 1 },
	{ "[::1]", 1 },
	{ "[::]", 1 },
	{ "[fd00::1]", 1 },
	{ "[::ffff:10.0.0.1]", 1 },
	{ "8.8.8.8", 0 },
	{ "[2001:db8::1]", 0 },
	{ "example.org", 0 },
	{ "localhost.example.org", 0 },
	{ "notlocalhost", 0 },
	{ "xlocalhost", 0 },
	{ ".localhost.", 0 },
	{ "localhost..", 0 },
	{ "127.0.0.1.nip.io", 0 },
	{ "", 0 },
};

START_TEST(t_host)
{
	ck_assert_msg(ipaddr_host_is_local(hosts[_i].host) == hosts[_i].local,
		      "'%s': want %d", hosts[_i].host, hosts[_i].local);
}
END_TEST

/* The mail transport's "server on this machine": loopback only. */
static const struct {
	const char *host;
	int loopback;
} loopbacks[] = {
	{ "localhost", 1 },
	{ "LOCALHOST.", 1 },
	{ "127.0.0.1", 1 },
	{ "127.255.255.254", 1 },
	{ "127.1", 1 },
	{ "::1", 1 },
	{ "[::1]", 1 },
	{ "::ffff:127.0.0.1", 1 },
	{ "128.0.0.1", 0 },
	{ "126.255.255.255", 0 },
	{ "10.0.0.1", 0 },
	{ "::2", 0 },
	{ "[::]", 0 },
	{ "feeds.localhost", 0 },
	{ "localhost..", 0 },
	{ "127.0.0.1.nip.io", 0 },
	{ "127.example.org", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

START_TEST(t_loopback)
{
	ck_assert_msg(ipaddr_host_is_loopback(loopbacks[_i].host) ==
			      loopbacks[_i].loopback,
		      "'%s': want %d",
		      loopbacks[_i].host ? loopbacks[_i].host : "(null)",
		      loopbacks[_i].loopback);
}
END_TEST

START_TEST(t_sockaddr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr sa;
	enum ipaddr_class c = PUB;
	char text[64];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	ck_assert_int_eq(ipaddr_class_sockaddr((struct sockaddr *)&sin,
					       sizeof(sin), &c, text,
					       sizeof(text)),
			 0);
	ck_assert_int_eq(c, LOOP);
	ck_assert_str_eq(text, "127.0.0.1");
	ck_assert_int_eq(ipaddr_class_sockaddr((struct sockaddr *)&sin,
					       sizeof(sin) - 1, &c, text,
					       sizeof(text)),
			 -1);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:10.0.0.1",
				   &sin6.sin6_addr),
			 1);
	ck_assert_int_eq(ipaddr_class_sockaddr((struct sockaddr *)&sin6,
					       sizeof(sin6), &c, text,
					       sizeof(text)),
			 0);
	ck_assert_int_eq(c, PRIV);
	ck_assert_str_eq(text, "::ffff:10.0.0.1");

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	ck_assert_int_eq(ipaddr_class_sockaddr(&sa, sizeof(sa), &c, text,
					       sizeof(text)),
			 -1);
	ck_assert_str_eq(text, "an address of family 1");
}
END_TEST

START_TEST(t_words)
{
	ck_assert_str_eq(ipaddr_class_words(LOOP), "a loopback address");
	ck_assert_str_eq(ipaddr_class_words(PRIV), "a private address");
	ck_assert_str_eq(ipaddr_class_words(LINK), "a link-local address");
	ck_assert_str_eq(ipaddr_class_words(PUB), "a public address");
	ck_assert_str_eq(ipaddr_class_words((enum ipaddr_class)99),
			 "a public address");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ipaddr");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_v4, 0, (int)N(v4));
	tcase_add_loop_test(tc, t_v6, 0, (int)N(v6));
	tcase_add_loop_test(tc, t_literal, 0, (int)N(literals));
	tcase_add_loop_test(tc, t_host, 0, (int)N(hosts));
	tcase_add_loop_test(tc, t_loopback, 0, (int)N(loopbacks));
	tcase_add_test(tc, t_sockaddr);
	tcase_add_test(tc, t_words);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
