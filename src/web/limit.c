/* limit: requests per client and window, in memory (limit.h). */
#include "config.h"

#include "web/limit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

/* Slots looked at from a client's own: the first free or stale one is
 * taken. */
#define PROBE 8

struct slot {
	char client[64];
	int64_t times[WEB_LIMIT_CAP]; /* oldest first, n of them */
	int n;
	int64_t last;
};

struct web_limit {
	pthread_mutex_t lock;
	int max;
	int64_t window;
	struct slot slots[WEB_LIMIT_SLOTS];
};

struct web_limit *
web_limit_new(int max, int64_t window)
{
	struct web_limit *l;

	if (max < 1 || max > WEB_LIMIT_CAP || window < 1)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->max = max;
	l->window = window;
	return l;
}

void
web_limit_free(struct web_limit *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Drops the times of s that are out of the window ending at now. */
static void
expire(struct web_limit *l, struct slot *s, int64_t now)
{
	int i = 0;

	while (i < s->n && s->times[i] <= now - l->window)
		i++;
	if (i) {
		memmove(s->times, s->times + i,
			(size_t)(s->n - i) * sizeof(s->times[0]));
		s->n -= i;
	}
}

/* Who client counts as, into out: an IPv6 address by its /64 (one
 * machine, even one home, has a whole /64 to pick addresses from; the
 * mapped IPv4 ones excepted), anything else as it is. */
static void
client_key(const char *client, char *out, size_t size)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff };
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, client, a) != 1 ||
	    !memcmp(a, mapped, sizeof(mapped))) {
		snprintf(out, size, "%s", client);
		return;
	}
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, text, sizeof(text));
	snprintf(out, size, "%s/64", text);
}

/* The slot of client: its own, else a free or stale one, else the least
 * recently seen of the probed ones (taken over). */
static struct slot *
find(struct web_limit *l, const char *client, int64_t now)
{
	uint64_t h = hash_add(HASH_INIT, client, strlen(client));
	struct slot *s, *free_one = NULL, *oldest = NULL;
	int i;

	for (i = 0; i < PROBE; i++) {
		s = &l->slots[(h + (uint64_t)i) % WEB_LIMIT_SLOTS];
		if (s->client[0] && !strcmp(s->client, client))
			return s;
		if (!free_one && (!s->client[0] || s->last <= now - l->window))
			free_one = s;
		if (!oldest || s->last < oldest->last)
			oldest = s;
	}
	s = free_one ? free_one : oldest;
	memset(s, 0, sizeof(*s));
	/* an address longer than a slot's is cut: still one client */
	snprintf(s->client, sizeof(s->client), "%s", client);
	return s;
}

int
web_limit_take(struct web_limit *l, const char *client, int64_t now)
{
	struct slot *s;
	char key[64];
	int ok;

	client_key(client, key, sizeof(key));
	pthread_mutex_lock(&l->lock);
	s = find(l, key, now);
	expire(l, s, now);
	ok = s->n < l->max;
	if (ok)
		s->times[s->n++] = now;
	s->last = now;
	pthread_mutex_unlock(&l->lock);
	return ok;
}
