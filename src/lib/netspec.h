/*
 * netspec: network addresses as a config file writes them, for
 * `feedmail serve`: where it listens ("127.0.0.1:8080", "[::1]:8080") and
 * whom it believes (trusted_proxies: "10.0.0.1 192.168.0.0/16 ::1").
 *
 * Pure: no DNS, no sockets opened. Addresses are numeric only, so that a
 * config never depends on a resolver. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, as a dual-stack socket reports an IPv4 peer) matches
 * the IPv4 networks too.
 */
#ifndef FEEDMAIL_NETSPEC_H
#define FEEDMAIL_NETSPEC_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/err.h"

/* The most networks a list may name. */
#define NETSPEC_MAX_NETS 32

/* An address or a network: family AF_INET or AF_INET6, the address in
 * network order (4 or 16 bytes used), the prefix length (32 or 128 for a
 * single address). */
struct netspec_net {
	int family;
	unsigned char addr[16];
	int prefix;
};

/* Reads "IPV4:PORT" or "[IPV6]:PORT" (port 1 to 65535) into *sa (sized
 * for either family), its length in *len. 0, or -1 with e (EX_CONFIG,
 * saying what is wrong, the value not quoted). */
int netspec_parse_listen(const char *text, struct sockaddr_storage *sa,
			 socklen_t *len, struct err *e);

/* Reads one address or network "ADDR" or "ADDR/LEN" into *net. 0, or -1
 * with e (EX_CONFIG). Bits of ADDR past LEN are ignored. */
int netspec_parse_net(const char *text, struct netspec_net *net, struct err *e);

/* Reads a list of networks separated by white space or commas into nets
 * (room for NETSPEC_MAX_NETS), their count in *n. NULL or "" is the empty
 * list. 0, or -1 with e naming the item that is wrong. */
int netspec_parse_list(const char *text, struct netspec_net *nets, size_t *n,
		       struct err *e);

/* Whether the address in sa is in one of the n networks. */
int netspec_match_sockaddr(const struct sockaddr *sa,
			   const struct netspec_net *nets, size_t n);

/* Whether the numeric address text (IPv4 or IPv6, no brackets, no port)
 * is in one of the n networks; 0 for text that is not an address. */
int netspec_match_text(const char *text, const struct netspec_net *nets,
		       size_t n);

/* The address in sa as text (no port) into out, NUL-terminated;
 * "unknown" for a family other than IPv4 and IPv6. */
void netspec_format(const struct sockaddr *sa, char *out, size_t size);

#endif
