#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "lib/netspec.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* [web] listen: numeric addresses, a port 1..65535, IPv6 in brackets. */
static const struct {
	const char *text;
	int family; /* 0: refused */
	int port;
} listens[] = {
	{ "127.0.0.1:8080", AF_INET, 8080 },
	{ "0.0.0.0:1", AF_INET, 1 },
	{ "10.1.2.3:65535", AF_INET, 65535 },
	{ "[::1]:8080", AF_INET6, 8080 },
	{ "[::]:80", AF_INET6, 80 },
	{ "127.0.0.1:65536", 0, 0 },
	{ "127.0.0.1:0", 0, 0 },
	{ "127.0.0.1:", 0, 0 },
	{ "127.0.0.1", 0, 0 },
	{ "127.0.0.1:80x", 0, 0 },
	{ "localhost:8080", 0, 0 },
	{ "::1:8080", 0, 0 },
	{ "[::1]8080", 0, 0 },
	{ "[::1]:", 0, 0 },
	{ "[127.0.0.1]:80", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(t_listen)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct err e = ERR_INIT;
	int rc = netspec_parse_listen(listens[_i].text, &sa, &len, &e);

	if (!listens[_i].family) {
		ck_assert_msg(rc < 0, "'%s' taken", listens[_i].text);
		ck_assert_int_eq(e.code, EX_CONFIG);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", listens[_i].text, e.msg);
	ck_assert_int_eq(sa.ss_family, listens[_i].family);
	if (sa.ss_family == AF_INET)
		ck_assert_int_eq(ntohs(((struct sockaddr_in *)&sa)->sin_port),
				 listens[_i].port);
	else
		ck_assert_int_eq(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port),
				 listens[_i].port);
}
END_TEST

/* trusted_proxies against addresses, edges of each network. */
static const struct {
	const char *list, *addr;
	int match; /* -1: the list is refused */
} matches[] = {
	{ "10.0.0.0/8", "10.0.0.0", 1 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "192.168.1.0/25", "192.168.1.127", 1 },
	{ "192.168.1.0/25", "192.168.1.128", 0 },
	{ "127.0.0.1", "127.0.0.1", 1 },
	{ "127.0.0.1", "127.0.0.2", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "::1", "::1", 1 },
	{ "::1", "127.0.0.1", 0 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	/* a dual-stack socket's IPv4 peer */
	{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
	{ "10.0.0.1, 10.0.0.2 ::1", "10.0.0.2", 1 },
	{ "10.0.0.1,,10.0.0.2", "10.0.0.3", 0 },
	{ "", "127.0.0.1", 0 },
	{ "10.0.0.0/8", "not-an-address", 0 },
	{ "10.0.0.0/33", "10.0.0.1", -1 },
	{ "::/129", "::1", -1 },
	{ "10.0.0.0/", "10.0.0.1", -1 },
	{ "10.0.0.0/x", "10.0.0.1", -1 },
	{ "proxy.example.org", "10.0.0.1", -1 },
	{ "10.0.0.1 10.0.0.300", "10.0.0.1", -1 },
};

START_TEST(t_match)
{
	struct netspec_net nets[NETSPEC_MAX_NETS];
	struct err e = ERR_INIT;
	size_t n;
	int rc = netspec_parse_list(matches[_i].list, nets, &n, &e);

	if (matches[_i].match < 0) {
		ck_assert_msg(rc < 0, "'%s' taken", matches[_i].list);
		ck_assert_int_eq(e.code, EX_CONFIG);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", matches[_i].list, e.msg);
	ck_assert_int_eq(netspec_match_text(matches[_i].addr, nets, n),
			 matches[_i].match);
}
END_TEST

/* At most NETSPEC_MAX_NETS networks: exactly that many, then one past. */
START_TEST(t_list_cap)
{
	struct netspec_net nets[NETSPEC_MAX_NETS];
	struct err e = ERR_INIT;
	char list[NETSPEC_MAX_NETS * 16 + 16] = "";
	size_t n, len = 0;
	int i;

	for (i = 0; i < NETSPEC_MAX_NETS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"10.0.0.%d ", i);
	ck_assert_int_eq(netspec_parse_list(list, nets, &n, &e), 0);
	ck_assert_uint_eq(n, NETSPEC_MAX_NETS);
	snprintf(list + len, sizeof(list) - len, "10.0.1.1");
	ck_assert_int_eq(netspec_parse_list(list, nets, &n, &e), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netspec");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_listen, 0, (int)N(listens));
	tcase_add_loop_test(tc, t_match, 0, (int)N(matches));
	tcase_add_test(tc, t_list_cap);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
