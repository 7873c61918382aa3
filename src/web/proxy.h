/*
 * proxy: who the client is. Behind a reverse proxy every connection comes
 * from the proxy, which names the client in X-Forwarded-For; a header
 * anyone can send, so it is believed only from [web] trusted_proxies, and
 * only as far as the chain runs through them: read right to left, the
 * first address that is not a trusted proxy is the client (what each
 * trusted proxy appended about its own peer).
 */
#ifndef FEEDMAIL_PROXY_H
#define FEEDMAIL_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/netspec.h"

/* The client's address, as text, into out (size at least 64): peer's
 * when peer is not one of the n trusted networks or xff (the
 * X-Forwarded-For header, NULL when absent) names nothing usable; else
 * the rightmost address of xff that is not trusted (the leftmost when all
 * are). An item that is not an address ends the walk: what is left of it
 * came from the client unchecked, and the last address read stands. */
void proxy_client(const struct sockaddr *peer, const char *xff,
		  const struct netspec_net *trusted, size_t n, char *out,
		  size_t size);

#endif
