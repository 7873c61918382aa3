/*
 * ipaddr: which IP addresses are out of bounds for a fetch. A feed is a URL
 * a stranger controls (and so are its redirects and its DNS), so feedmail
 * does not follow it to this machine, the local network or a cloud
 * metadata service unless the administrator chose such an address.
 *
 * Everything here is pure: no DNS, no sockets, no locale. Addresses are in
 * network byte order, as in struct in_addr and struct in6_addr. An IPv6
 * address that carries an IPv4 one (IPv4-mapped ::ffff:0:0/96, -translated
 * ::ffff:0:0:0/96, -compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16)
 * is classed by that IPv4 address when it is not public, since packets to
 * it may end up there.
 */
#ifndef FEEDMAIL_IPADDR_H
#define FEEDMAIL_IPADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* What an address is, most specific first; only IPADDR_PUBLIC is fine. */
enum ipaddr_class {
	IPADDR_PUBLIC,
	IPADDR_UNSPECIFIED, /* 0.0.0.0/8 ("this network"), :: */
	IPADDR_LOOPBACK,    /* 127.0.0.0/8, ::1 */
	IPADDR_PRIVATE,     /* 10/8, 172.16/12, 192.168/16 (RFC 1918),
	                     * fc00::/7 (RFC 4193), fec0::/10 (site-local) */
	IPADDR_SHARED,      /* 100.64.0.0/10 carrier-grade NAT (RFC 6598) */
	IPADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
	IPADDR_MULTICAST,   /* 224.0.0.0/4, ff00::/8 */
	IPADDR_RESERVED,    /* 240.0.0.0/4 but the broadcast address */
	IPADDR_BROADCAST,   /* 255.255.255.255 */
};

/* The class of the IPv4 address a (4 bytes, network order). */
enum ipaddr_class ipaddr_class4(const unsigned char a[4]);

/* The class of the IPv6 address a (16 bytes, network order). */
enum ipaddr_class ipaddr_class6(const unsigned char a[16]);

/* Words for messages: "a loopback address", "a private address"...;
 * "a public address" for IPADDR_PUBLIC, never NULL. */
const char *ipaddr_class_words(enum ipaddr_class c);

/* The class of an AF_INET or AF_INET6 socket address of len bytes, with
 * the address written into text (inet_ntop(3), at most textsz bytes, always
 * terminated). 0, or -1 for another family or a short len (text then
 * names the family). */
int ipaddr_class_sockaddr(const struct sockaddr *sa, size_t len,
			  enum ipaddr_class *c, char *text, size_t textsz);

/*
 * Whether host (a URL's host as given, NUL-terminated) is an IP literal,
 * and its class in *c: IPv4 in every form inet_aton(3) and libcurl accept
 * (127.0.0.1, 127.1, 0x7f000001, 2130706433, 0177.0.0.1: one to four
 * parts, each decimal, octal with a leading 0 or hex with 0x, the last one
 * filling the bytes left), or IPv6 with or without its brackets and with an
 * optional zone ("%eth0", "%25eth0"). 0, or -1 when host is not such a
 * literal (a name, or a number out of range).
 */
int ipaddr_literal_class(const char *host, enum ipaddr_class *c);

/* 1 when host names this machine or a non-public network by itself: an
 * IP literal whose class is not IPADDR_PUBLIC, or "localhost" or a name
 * ending in ".localhost" (RFC 6761 6.3; any case, one trailing dot
 * allowed). Else 0; NULL is 0. */
int ipaddr_host_is_local(const char *host);

/* 1 when host names this machine's loopback interface by itself, the one
 * rule for "the server is on this machine" (an SMTP server that may get a
 * password without TLS): "localhost" (any case, one trailing dot allowed)
 * or an IP literal of class IPADDR_LOOPBACK (127.0.0.0/8 in any form
 * ipaddr_literal_class reads, ::1 with or without brackets). Never a
 * name under ".localhost" nor one merely starting with "127.", which
 * DNS could send anywhere. Else 0; NULL is 0. */
int ipaddr_host_is_loopback(const char *host);

#endif
