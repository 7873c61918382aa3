/*
 * compose: every mail feedmail sends is put together here, one way: a
 * subscriber's digest, the admin's reports (weekly health, "the transport
 * works again"), doctor's test mail and the confirmation a new
 * subscriber is asked for. From is [digest] from, as
 * conf_finish parsed it; the Message-ID is a hash of a seed in the
 * sender's domain; Date is the time given; the text part is wrapped for
 * reading (MIME_WRAP_WIDTH); a digest also carries the list headers
 * (List-Id, List-Unsubscribe by mail and, with [web] base_url, by a
 * one-click link of the subscriber's own, else with [digest]
 * unsubscribe_url, by that URL). mime.c writes the bytes; what leaves is
 * then recorded in the outbox and carried by the courier (courier.h),
 * never sent from here.
 */
#ifndef FEEDMAIL_COMPOSE_H
#define FEEDMAIL_COMPOSE_H

#include <stdint.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"

struct store;
struct store_subscriber;

struct compose_mail {
	const char *to_name; /* display name, or NULL */
	const char *to_addr; /* bare address */
	const char *subject;
	const char *text; /* the text part, unwrapped, LF */
	const char *html; /* the HTML part, or NULL: text only */
	int64_t date;
	const char *message_id;      /* from compose_message_id() */
	int list;                    /* a digest: the list headers too */
	const char *unsubscribe_url; /* the one-click link, NULL: [digest]
	                              * unsubscribe_url, if any */
	long entries;                /* X-Feedmail-Entries */
};

/* A Message-ID in the domain of cfg's sender, made from seed; with
 * unique set, from seed and 128 random bits, so that no two are alike
 * (a digest's: each retry still carries the same, as the outbox keeps
 * it). malloc'd; NULL with e (EX_OSERR: no random bytes or no memory,
 * EX_SOFTWARE: a domain mime_message_id() refuses). */
char *compose_message_id(const struct conf *cfg, const char *seed, int unique,
			 struct err *e);

/* The longest one-click link, with its NUL. */
#define COMPOSE_URL_SIZE 900

struct store_subscriber;

/* The link of sub for purpose (a token_purpose: TOKEN_UNSUBSCRIBE "u/",
 * TOKEN_PREFERENCES "p/", TOKEN_CONFIRM "c/", TOKEN_VIEW "v/" with id2
 * the digest's key, token_message_key), [web] base_url + the path + a
 * token signed with secret and bound to sub->token, into url. 0, or -1
 * with e (EX_SOFTWARE: no base_url, a token that cannot be made, a link
 * too long). */
int compose_link(const struct conf *cfg, const unsigned char *secret,
		 size_t secret_len, const struct store_subscriber *sub,
		 int purpose, int64_t id2, char url[COMPOSE_URL_SIZE],
		 struct err *e);

/* The one-click unsubscription link of sub: compose_link for
 * TOKEN_UNSUBSCRIBE. */
int compose_unsubscribe_url(const struct conf *cfg, const unsigned char *secret,
			    size_t secret_len,
			    const struct store_subscriber *sub,
			    char url[COMPOSE_URL_SIZE], struct err *e);

/* Composes m from cfg's sender: its text wrapped into text (appended),
 * the whole message appended to out (CRLF, as mime_render() says).
 * 0, or -1 with e: EX_SOFTWARE "too large" when the text cannot be
 * wrapped within text's cap, else as mime_render(). The caller says
 * which mail failed (err_prefix). */
int compose_render(const struct conf *cfg, const struct compose_mail *m,
		   struct buf *text, struct buf *out, struct err *e);

/* Composes m (m->message_id left NULL: made here from seed, the same
 * seed giving the same id) and commits it to the outbox as a pending
 * report of kind and slot to m->to_addr (store_report_add), for the
 * courier to carry; *id its outbox id. 0; 1 when a report of kind and
 * slot is there already (another process recorded it: e untouched); -1
 * with e, prefixed with "KIND report". */
int compose_report(struct store *s, const struct conf *cfg, const char *kind,
		   const char *slot, const char *seed,
		   const struct compose_mail *m, int64_t *id, struct err *e);

/* Where a confirmation link points: [web] base_url, "c/", the token. */
#define COMPOSE_CONFIRM_PATH "c/"
/* The kind of a confirmation in the outbox: neither a digest nor the
 * admin's mail, carried with the digests (STORE_OUTBOX_DIGESTS). */
#define COMPOSE_CONFIRM_KIND "confirm"

/* The confirmation mail to sub (waiting for it, or unsubscribed and
 * asking to come back) at now, in their language ([digest] language when
 * they have none): text and HTML, with the link [web] base_url + "c/" +
 * a TOKEN_CONFIRM token bound to sub->token. Queued in the outbox as kind
 * "confirm" to sub->email, slot "ADDRESS@YYYY-MM-DDTHH" (the address in
 * lower case, the hour in UTC: the outbox takes one per kind and slot,
 * so at most one per address per hour), with confirm_sent_at noted, in
 * one transaction. 0 queued (*id its outbox id); 1 when one went to
 * that address this hour already (nothing done); -1 with e: EX_CONFIG
 * when [web] base_url is not set, else the store's or the message's
 * failure. */
int compose_confirm(struct store *s, const struct conf *cfg,
		    const struct store_subscriber *sub, int64_t now,
		    int64_t *id, struct err *e);

#endif
