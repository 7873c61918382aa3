#include "config.h"

#include "lib/netspec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* Digits only, 1 to 65535. */
static int
parse_port(const char *s, int *port)
{
	long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
netspec_parse_listen(const char *text, struct sockaddr_storage *sa,
		     socklen_t *len, struct err *e)
{
	char host[64];
	const char *colon, *port_s;
	size_t hl;
	int port;

	memset(sa, 0, sizeof(*sa));
	if (text[0] == '[') {
		colon = strchr(text, ']');
		if (!colon || colon[1] != ':')
			return err_set(
				e, EX_CONFIG,
				"is not [IPV6]:PORT (such as [::1]:8080)");
		hl = (size_t)(colon - text - 1);
		port_s = colon + 2;
		if (hl >= sizeof(host))
			return err_set(e, EX_CONFIG, "has too long an address");
		memcpy(host, text + 1, hl);
		host[hl] = '\0';
		if (parse_port(port_s, &port) < 0)
			return err_set(e, EX_CONFIG,
				       "has no port from 1 to 65535");
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return err_set(e, EX_CONFIG,
				       "is not a numeric IPv6 address");
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*s6);
		return 0;
	}
	colon = strrchr(text, ':');
	if (!colon)
		return err_set(e, EX_CONFIG,
			       "is not ADDRESS:PORT (such as 127.0.0.1:8080)");
	hl = (size_t)(colon - text);
	if (hl >= sizeof(host) || memchr(text, ':', hl))
		return err_set(e, EX_CONFIG,
			       "is not ADDRESS:PORT (an IPv6 address goes "
			       "in brackets: [::1]:8080)");
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (parse_port(colon + 1, &port) < 0)
		return err_set(e, EX_CONFIG, "has no port from 1 to 65535");
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return err_set(e, EX_CONFIG, "is not a numeric IPv4 address");
	s4->sin_family = AF_INET;
	s4->sin_port = htons((unsigned short)port);
	*len = sizeof(*s4);
	return 0;
}

int
netspec_parse_net(const char *text, struct netspec_net *net, struct err *e)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hl = slash ? (size_t)(slash - text) : strlen(text);
	int max, prefix;

	memset(net, 0, sizeof(*net));
	if (hl >= sizeof(host))
		return err_set(e, EX_CONFIG, "'%.64s' is not an address", text);
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		return err_set(e, EX_CONFIG,
			       "'%s' is not a numeric IP address or network",
			       host);
	}
	prefix = max;
	if (slash) {
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3)
			return err_set(e, EX_CONFIG,
				       "'%.64s' has no prefix length", text);
		prefix = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return err_set(e, EX_CONFIG,
					       "'%.64s' has no prefix length",
					       text);
			prefix = prefix * 10 + (*p - '0');
		}
		if (prefix > max)
			return err_set(e, EX_CONFIG,
				       "'%.64s': a prefix length is at most %d",
				       text, max);
	}
	net->prefix = prefix;
	return 0;
}

int
netspec_parse_list(const char *text, struct netspec_net *nets, size_t *n,
		   struct err *e)
{
	char item[80];
	size_t len;

	*n = 0;
	if (!text)
		return 0;
	while (*text) {
		len = strcspn(text, " \t,");
		if (!len) {
			text++;
			continue;
		}
		if (len >= sizeof(item))
			return err_set(e, EX_CONFIG,
				       "'%.40s...' is not an address", text);
		memcpy(item, text, len);
		item[len] = '\0';
		if (*n >= NETSPEC_MAX_NETS)
			return err_set(e, EX_CONFIG,
				       "names more than %d networks",
				       NETSPEC_MAX_NETS);
		if (netspec_parse_net(item, &nets[*n], e) < 0)
			return -1;
		(*n)++;
		text += len;
	}
	return 0;
}

/* Whether the first bits of a and b agree. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)whole))
		return 0;
	if (!rest)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xff, 0xff };

static int
match_raw(int family, const unsigned char *addr, const struct netspec_net *nets,
	  size_t n)
{
	size_t i;

	/* a dual-stack socket's IPv4 peer: match it as IPv4 */
	if (family == AF_INET6 && !memcmp(addr, v4_mapped, 12)) {
		family = AF_INET;
		addr += 12;
	}
	for (i = 0; i < n; i++)
		if (nets[i].family == family &&
		    prefix_equal(addr, nets[i].addr, nets[i].prefix))
			return 1;
	return 0;
}

int
netspec_match_sockaddr(const struct sockaddr *sa,
		       const struct netspec_net *nets, size_t n)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET)
		return match_raw(AF_INET,
				 (const unsigned char *)&(
					 (const struct sockaddr_in
						  *)(const void *)sa)
					 ->sin_addr,
				 nets, n);
	if (sa->sa_family == AF_INET6)
		return match_raw(AF_INET6,
				 (const unsigned char *)&(
					 (const struct sockaddr_in6
						  *)(const void *)sa)
					 ->sin6_addr,
				 nets, n);
	return 0;
}

int
netspec_match_text(const char *text, const struct netspec_net *nets, size_t n)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return match_raw(AF_INET, a, nets, n);
	if (inet_pton(AF_INET6, text, a) == 1)
		return match_raw(AF_INET6, a, nets, n);
	return 0;
}

void
netspec_format(const struct sockaddr *sa, char *out, size_t size)
{
	const void *a = NULL;

	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)size))
		snprintf(out, size, "unknown");
}
