/*
 * limit: how many subscriptions one client may ask for in a window of
 * time, counted in memory by serve (the client as proxy.h names it:
 * behind a trusted proxy, the address it forwards; an IPv6 client by its
 * /64, which one host may roam at will). A fixed table of
 * WEB_LIMIT_SLOTS clients, each with the times of its last requests: a
 * client not seen within the window gives its slot to a new one, and
 * when every slot is busy the one seen least recently does, so memory
 * never grows with the clients (a flood of addresses can only make the
 * limit forget some). Thread-safe.
 */
#ifndef FEEDMAIL_LIMIT_H
#define FEEDMAIL_LIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Subscriptions per client and window (seconds): 5 in 10 minutes. */
#define WEB_LIMIT_MAX 5
#define WEB_LIMIT_WINDOW 600
/* Clients counted at once. */
#define WEB_LIMIT_SLOTS 4096
/* The most requests a slot remembers. */
#define WEB_LIMIT_CAP 16

struct web_limit;

/* A table allowing max (1 to WEB_LIMIT_CAP) requests per window seconds;
 * NULL when out of memory. */
struct web_limit *web_limit_new(int max, int64_t window);
void web_limit_free(struct web_limit *l);

/* Counts one request of client at now: 1 when it is within the limit
 * (and counted), 0 when the client has had its max within the window
 * (not counted). */
int web_limit_take(struct web_limit *l, const char *client, int64_t now);

#endif
