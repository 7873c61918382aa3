/*
 * guard: what lets a web form be sent only from our own pages. Two checks,
 * both needed for a form other than RFC 8058's one-click POST (which, by
 * its RFC, comes with no context at all):
 *
 * - a form token: a hidden field made when the page was served
 *   (TOKEN_FORM, its id the time, signed with the store's secret), valid
 *   for GUARD_FORM_TTL seconds. It is bound to no one: another site's
 *   server can fetch our page and take one, so it proves only that our
 *   page was served lately, and the next check is what stops a
 *   cross-site post;
 * - where the browser says the post comes from: Sec-Fetch-Site, when
 *   sent, is "same-origin" (or "none": typed or bookmarked); Origin, when
 *   sent, is base_url's origin. At least one of them must be there: a
 *   browser of today sends Origin on every POST, so a post with neither
 *   is refused (scripts and curl must send Origin). Our pages being
 *   no-referrer, a browser posting our own form sends Origin "null":
 *   allowed with Sec-Fetch-Site same-origin only.
 */
#ifndef FEEDMAIL_GUARD_H
#define FEEDMAIL_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/token.h"

/* How long a form token stays valid, in seconds: a day, for a page left
 * open. */
#define GUARD_FORM_TTL 86400

/* The name of the hidden field that carries the form token. */
#define GUARD_FIELD "form_token"

/* Writes the form token for a page served at now into out. 0, or -1
 * (now < 1). */
int guard_form_token(const unsigned char *secret, size_t secret_len,
		     int64_t now, char out[TOKEN_SIZE]);

/* Whether text is a form token under secret made within GUARD_FORM_TTL
 * before now (and not after it, give or take a minute of clock skew). */
int guard_form_token_ok(const unsigned char *secret, size_t secret_len,
			const char *text, int64_t now);

/* Whether the request's Sec-Fetch-Site and Origin headers (each NULL
 * when absent) allow a post to a site whose origin is origin
 * ("https://host[:port]", from base_url: guard_origin); neither: 0. */
int guard_same_site(const char *sec_fetch_site, const char *origin_header,
		    const char *origin);

/* The origin (RFC 6454: scheme, host, port when not the default) of an
 * http(s) url, lower case, into out. 0, or -1 when url is not one or out
 * is too small. */
int guard_origin(const char *url, char *out, size_t size);

#endif
