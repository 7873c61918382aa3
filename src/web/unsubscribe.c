/*
 * unsubscribe: /u/TOKEN, RFC 8058 one-click unsubscription.
 *
 * POST with List-Unsubscribe=One-Click (urlencoded or multipart, as a
 * mailbox provider sends it: no cookie, no Origin, nothing else) stops
 * the subscriber's digests at once: store_subscriber_unsubscribe drops
 * what was pending for them in the same transaction, and the courier
 * looks again before it queues a claimed digest and, for SMTP, just
 * before its DATA: nothing goes after the answer but a message already
 * being transmitted. It answers 200
 * with a short page, never a redirect (RFC 8058 3.2), the same page when
 * they had left already. GET shows a page with a button that posts the
 * same and changes nothing: link scanners follow links.
 *
 * A token that is not one (forged, truncated, altered, of another
 * purpose, of a subscriber removed since, or signed with a rotated
 * secret) gets the plain 404 page, and nothing changes.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/token.h"
#include "store/store.h"
#include "web/route.h"

/* serve's threads write one at a time. SQLite takes one writer anyway,
 * but a thread that finds its lock taken sleeps in the busy handler (1,
 * 2, 5... up to 100 ms), which made the one-click p99 tens of ms under
 * load and starved send's own writes (bench/serve, bench/README.md); a
 * thread waiting on this mutex is woken as soon as the writer is done. */
static pthread_mutex_t one_writer = PTHREAD_MUTEX_INITIALIZER;

static int
done_page(struct reply *rep, enum page_lang lang)
{
	return reply_page(rep, 200, lang, PT_UNSUB_DONE_TITLE, PT_UNSUB_DONE);
}

int
unsubscribe_handle(struct request *r, struct reply *rep)
{
	struct store_subscriber sub;
	struct token t;
	struct err e = ERR_INIT;
	enum page_lang lang;
	const char *v;
	int rc, changed = 0;

	memset(&sub, 0, sizeof(sub));
	rc = request_subscriber_page(r, rep, TOKEN_UNSUBSCRIBE, &sub, &t,
				     &lang);
	if (rc <= 0)
		return rc;
	if (r->method != REQUEST_POST) {
		/* a link scanner's GET changes nothing */
		if (sub.unsubscribed_at) {
			rc = done_page(rep, lang);
			goto out;
		}
		rc = -(page_begin(&rep->body, lang,
				  page_text(lang, PT_UNSUB_TITLE)) < 0 ||
		       buf_addf(
			       &rep->body,
			       "<p>%s</p>\n<form method=\"post\">\n"
			       "<input type=\"hidden\" "
			       "name=\"List-Unsubscribe\" value=\"One-Click\">\n"
			       "<button type=\"submit\" id=\"submit\">%s</button>\n"
			       "</form>\n",
			       page_text(lang, PT_UNSUB_ASK),
			       page_text(lang, PT_UNSUB_BUTTON)) < 0 ||
		       page_end(&rep->body) < 0);
		goto out;
	}
	/* RFC 8058 3.1: the body is exactly this key and value */
	v = request_field(r, "List-Unsubscribe");
	if (!v || strcmp(v, "One-Click")) {
		rc = reply_page(rep, 400, lang, PT_BAD_REQUEST_TITLE,
				PT_BAD_REQUEST_BODY);
		goto out;
	}
	pthread_mutex_lock(&one_writer);
	rc = store_subscriber_unsubscribe(r->store, sub.id, r->now, &changed,
					  &e);
	pthread_mutex_unlock(&one_writer);
	if (rc < 0) {
		log_error("unsubscribe subscriber %lld: %s", (long long)sub.id,
			  e.msg);
		rc = -1;
		goto out;
	}
	if (changed)
		log_info("subscriber %lld unsubscribed (one-click, from %s)",
			 (long long)sub.id, r->client);
	rc = done_page(rep, lang);
out:
	store_subscriber_release(&sub);
	return rc;
}
