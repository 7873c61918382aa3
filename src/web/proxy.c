#include "config.h"

#include "web/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* The item of xff from start to end (exclusive), trimmed, into item; 0,
 * or -1 when it does not fit. */
static int
trimmed(const char *start, const char *end, char *item, size_t size)
{
	size_t n;

	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - start);
	if (n >= size)
		return -1;
	memcpy(item, start, n);
	item[n] = '\0';
	return 0;
}

static int
is_address(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

void
proxy_client(const struct sockaddr *peer, const char *xff,
	     const struct netspec_net *trusted, size_t n, char *out,
	     size_t size)
{
	char item[64];
	const char *end, *start;

	netspec_format(peer, out, size);
	if (!xff || !n || !netspec_match_sockaddr(peer, trusted, n))
		return;
	end = xff + strlen(xff);
	for (;;) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		/* not an address: the hops left of it are the client's own
		 * words; the last trusted one is as far as we can vouch */
		if (trimmed(start, end, item, sizeof(item)) < 0 ||
		    !is_address(item))
			return;
		snprintf(out, size, "%s", item);
		if (!netspec_match_text(item, trusted, n) || start == xff)
			return;
		end = start - 1;
	}
}
