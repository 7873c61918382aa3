#include "config.h"

#include "web/guard.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Form tokens bind to this word: a form token is never a subscriber's. */
#define GUARD_BIND "form"
/* Clock skew allowed between the page and the post (seconds). */
#define GUARD_SKEW 60

int
guard_form_token(const unsigned char *secret, size_t secret_len, int64_t now,
		 char out[TOKEN_SIZE])
{
	struct token t = { TOKEN_FORM, now, 0 };

	return token_make(secret, secret_len, &t, GUARD_BIND, out);
}

int
guard_form_token_ok(const unsigned char *secret, size_t secret_len,
		    const char *text, int64_t now)
{
	struct token t;

	if (!text || token_parse(text, &t) < 0 || t.purpose != TOKEN_FORM)
		return 0;
	if (t.id > now + GUARD_SKEW || now - t.id > GUARD_FORM_TTL)
		return 0;
	return token_verify(secret, secret_len, text, &t, GUARD_BIND);
}

int
guard_same_site(const char *sec_fetch_site, const char *origin_header,
		const char *origin)
{
	char got[300];

	if (sec_fetch_site && strcasecmp(sec_fetch_site, "same-origin") &&
	    strcasecmp(sec_fetch_site, "none"))
		return 0;
	if (origin_header) {
		/* "null" is what a browser sends for our own forms: our pages'
		 * Referrer-Policy is no-referrer, and the Fetch standard then
		 * serializes the origin of a POST as "null" (Chromium does).
		 * Sec-Fetch-Site, which no page can set, then tells; without
		 * it "null" is a sandboxed or privacy-sensitive context. */
		if (!strcmp(origin_header, "null"))
			return sec_fetch_site &&
			       !strcasecmp(sec_fetch_site, "same-origin");
		if (guard_origin(origin_header, got, sizeof(got)) < 0)
			return 0;
		return !strcmp(got, origin);
	}
	/* neither: not a browser of today (every one sends Origin on a
	 * POST), nothing to vouch for the post: refused */
	return sec_fetch_site != NULL;
}

int
guard_origin(const char *url, char *out, size_t size)
{
	const char *p, *host, *end;
	size_t n, i;
	int https;

	if (!strncasecmp(url, "https://", 8)) {
		https = 1;
		host = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		https = 0;
		host = url + 7;
	} else {
		return -1;
	}
	end = host + strcspn(host, "/?#");
	if (end == host || memchr(host, '@', (size_t)(end - host)))
		return -1;
	n = (size_t)snprintf(out, size, "%s://", https ? "https" : "http");
	if (n + (size_t)(end - host) + 1 > size)
		return -1;
	for (p = host; p < end; p++)
		out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
	/* the default port is no part of the origin as browsers send it */
	i = strlen(out);
	if (https && i > 4 && !strcmp(out + i - 4, ":443"))
		out[i - 4] = '\0';
	else if (!https && i > 3 && !strcmp(out + i - 3, ":80"))
		out[i - 3] = '\0';
	return 0;
}
