#include "config.h"

#include "lib/ipaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longest host we look at as a literal: an IPv6 address in brackets with
 * a zone is well under this. */
#define IPADDR_LITERAL_MAX 128

static uint32_t
get32(const unsigned char *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	       (uint32_t)a[2] << 8 | (uint32_t)a[3];
}

/* a within prefix/bits, both host order. */
static int
in4(uint32_t a, uint32_t prefix, int bits)
{
	return (a >> (32 - bits)) == (prefix >> (32 - bits));
}

enum ipaddr_class
ipaddr_class4(const unsigned char a[4])
{
	uint32_t v = get32(a);

	/* RFC 6890's special-purpose registry, the ones that reach this
	 * machine or a network not the internet */
	if (in4(v, 0x00000000, 8))
		return IPADDR_UNSPECIFIED;
	if (in4(v, 0x7f000000, 8))
		return IPADDR_LOOPBACK;
	if (in4(v, 0x0a000000, 8) || in4(v, 0xac100000, 12) ||
	    in4(v, 0xc0a80000, 16))
		return IPADDR_PRIVATE;
	if (in4(v, 0x64400000, 10))
		return IPADDR_SHARED;
	if (in4(v, 0xa9fe0000, 16))
		return IPADDR_LINK_LOCAL;
	if (in4(v, 0xe0000000, 4))
		return IPADDR_MULTICAST;
	if (v == 0xffffffff)
		return IPADDR_BROADCAST;
	if (in4(v, 0xf0000000, 4))
		return IPADDR_RESERVED;
	return IPADDR_PUBLIC;
}

/* The first n bytes of a are those of prefix. */
static int
starts(const unsigned char *a, const unsigned char *prefix, size_t n)
{
	return memcmp(a, prefix, n) == 0;
}

enum ipaddr_class
ipaddr_class6(const unsigned char a[16])
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char translated[12] = { 0, 0, 0,    0,    0, 0,
						      0, 0, 0xff, 0xff, 0, 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0,
						 0, 0,    0,    0,    0, 0 };
	enum ipaddr_class c;

	if (starts(a, zero, 15) && a[15] == 1)
		return IPADDR_LOOPBACK;
	if (starts(a, zero, 16))
		return IPADDR_UNSPECIFIED;
	/* the forms that carry an IPv4 address; ::/96 is the deprecated
	 * IPv4-compatible one (RFC 4291 2.5.5.1) */
	if (starts(a, mapped, 12) || starts(a, translated, 12) ||
	    starts(a, nat64, 12) || starts(a, zero, 12))
		return ipaddr_class4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) {
		/* 6to4 (RFC 3056): 2002:V4ADDR::/48 */
		c = ipaddr_class4(a + 2);
		if (c != IPADDR_PUBLIC)
			return c;
	}
	if ((a[0] & 0xfe) == 0xfc)
		return IPADDR_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return IPADDR_LINK_LOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return IPADDR_PRIVATE; /* site-local, RFC 3879 */
	if (a[0] == 0xff)
		return IPADDR_MULTICAST;
	return IPADDR_PUBLIC;
}

const char *
ipaddr_class_words(enum ipaddr_class c)
{
	switch (c) {
	case IPADDR_UNSPECIFIED:
		return "an unspecified address";
	case IPADDR_LOOPBACK:
		return "a loopback address";
	case IPADDR_PRIVATE:
		return "a private address";
	case IPADDR_SHARED:
		return "a shared (carrier-grade NAT) address";
	case IPADDR_LINK_LOCAL:
		return "a link-local address";
	case IPADDR_MULTICAST:
		return "a multicast address";
	case IPADDR_RESERVED:
		return "a reserved address";
	case IPADDR_BROADCAST:
		return "the broadcast address";
	case IPADDR_PUBLIC:
		break;
	}
	return "a public address";
}

int
ipaddr_class_sockaddr(const struct sockaddr *sa, size_t len,
		      enum ipaddr_class *c, char *text, size_t textsz)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa->sa_family == AF_INET && len >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		*c = ipaddr_class4((const unsigned char *)&sin.sin_addr);
		if (!inet_ntop(AF_INET, &sin.sin_addr, text, (socklen_t)textsz))
			snprintf(text, textsz, "?");
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		*c = ipaddr_class6((const unsigned char *)&sin6.sin6_addr);
		if (!inet_ntop(AF_INET6, &sin6.sin6_addr, text,
			       (socklen_t)textsz))
			snprintf(text, textsz, "?");
		return 0;
	}
	snprintf(text, textsz, "an address of family %d", (int)sa->sa_family);
	return -1;
}

/* One part of an inet_aton(3) address, from *p: 0x hex, 0 octal, else
 * decimal; at most max. Moves *p past it. */
static int
v4_part(const char **p, unsigned long long max, unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;
	unsigned base = 10, d;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		base = 8;
		s++;
	}
	for (;; s++, digits++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > max)
			return -1;
	}
	if (!digits)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* inet_aton(3)'s forms, strictly: nothing before or after. */
static int
parse_v4(const char *s, unsigned char out[4])
{
	unsigned long long part[4], last;
	uint32_t v = 0;
	int n = 0, i;

	for (;;) {
		if (n == 4 || v4_part(&s, 0xffffffffULL, &part[n]) < 0)
			return -1;
		n++;
		if (*s == '\0')
			break;
		if (*s != '.')
			return -1;
		s++;
	}
	/* every part but the last is one byte; the last fills the rest */
	for (i = 0; i < n - 1; i++) {
		if (part[i] > 255)
			return -1;
		v |= (uint32_t)part[i] << (24 - 8 * i);
	}
	last = part[n - 1];
	if (last > (0xffffffffULL >> (8 * (n - 1))))
		return -1;
	v |= (uint32_t)last;
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
	return 0;
}

int
ipaddr_literal_class(const char *host, enum ipaddr_class *c)
{
	char buf[IPADDR_LITERAL_MAX];
	unsigned char a[16];
	size_t len;
	char *zone;

	if (!host)
		return -1;
	len = strlen(host);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (parse_v4(host, a) == 0) {
		*c = ipaddr_class4(a);
		return 0;
	}
	if (host[0] == '[') {
		if (len < 2 || host[len - 1] != ']')
			return -1;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, host, len + 1);
	}
	/* RFC 6874: a zone follows '%' ("%25" in a URL) */
	zone = strchr(buf, '%');
	if (zone)
		*zone = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	*c = ipaddr_class6(a);
	return 0;
}

int
ipaddr_host_is_local(const char *host)
{
	static const char suffix[] = ".localhost";
	enum ipaddr_class c;
	size_t len;

	if (!host)
		return 0;
	if (ipaddr_literal_class(host, &c) == 0)
		return c != IPADDR_PUBLIC;
	len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == sizeof(suffix) - 2 && !strncasecmp(host, suffix + 1, len))
		return 1;
	return len > sizeof(suffix) - 1 &&
	       !strncasecmp(host + len - (sizeof(suffix) - 1), suffix,
			    sizeof(suffix) - 1);
}

int
ipaddr_host_is_loopback(const char *host)
{
	enum ipaddr_class c;

	if (!host)
		return 0;
	if (ipaddr_literal_class(host, &c) == 0)
		return c == IPADDR_LOOPBACK;
	return !strcasecmp(host, "localhost") ||
	       !strcasecmp(host, "localhost.");
}
