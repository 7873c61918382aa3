/*
 * confirm: /c/TOKEN, the link of the confirmation mail.
 *
 * GET shows the address and a button, and changes nothing: mail
 * scanners follow links. Only the button's POST (guarded: our form token
 * and a same-site browser) confirms: store_subscriber_confirm, recording
 * the consent (when, the client's address as proxy.h reads it, the
 * version of the subscribe page's wording, the language of the page),
 * which also brings back one who had unsubscribed and asked again. Only
 * one waiting (pending_since) confirms: one already subscribed gets a
 * page saying so, and nothing is recorded; one who unsubscribed and has
 * not asked again since gets the plain 404, as does a token that is not
 * one: an old link brings nobody back.
 */
#include "config.h"

#include <string.h>

#include "lib/log.h"
#include "store/store.h"
#include "web/form.h"
#include "web/route.h"

int
confirm_handle(struct request *r, struct reply *rep)
{
	struct store_subscriber sub;
	struct store_consent c = { 0 };
	struct token t;
	struct err e = ERR_INIT;
	enum page_lang lang;
	struct buf *b = &rep->body;
	int rc, changed = 0;

	rc = request_subscriber_page(r, rep, TOKEN_CONFIRM, &sub, &t, &lang);
	if (rc <= 0)
		return rc;
	if (!sub.pending_since && sub.unsubscribed_at) {
		/* unsubscribed since this link was sent, and not asked
		 * again: it brings nobody back */
		rc = reply_not_found(rep, lang);
		goto out;
	}
	if (!sub.pending_since) {
		rc = reply_page(rep, 200, lang, PT_CONF_ALREADY_TITLE,
				PT_CONF_ALREADY);
		goto out;
	}
	if (r->method != REQUEST_POST) {
		rc = -(page_begin(b, lang, page_text(lang, PT_CONF_TITLE)) <
			       0 ||
		       buf_addf(b, "<p>%s</p>\n<p><strong id=\"address\">",
				page_text(lang, PT_CONF_ASK)) < 0 ||
		       page_escape(b, sub.email) < 0 ||
		       buf_adds(b, "</strong></p>\n<form method=\"post\" "
				   "id=\"confirm\">\n") < 0 ||
		       form_token_field(b, r) < 0 ||
		       buf_addf(b,
				"<button type=\"submit\" id=\"submit\">%s"
				"</button>\n</form>\n",
				page_text(lang, PT_CONF_BUTTON)) < 0 ||
		       page_end(b) < 0);
		goto out;
	}
	c.email = sub.email;
	c.given_at = r->now;
	c.source = STORE_CONSENT_WEB;
	c.ip = r->client;
	c.wording = REQUEST_CONSENT_WORDING;
	c.lang = page_lang_code(lang);
	if (store_subscriber_confirm(r->store, sub.id, &c, &changed, &e) < 0) {
		log_error("confirm subscriber %lld: %s", (long long)sub.id,
			  e.msg);
		rc = -1;
		goto out;
	}
	log_info("subscriber %lld confirmed (from %s)", (long long)sub.id,
		 r->client);
	rc = reply_page(rep, 200, lang, PT_CONF_DONE_TITLE, PT_CONF_DONE);
out:
	store_subscriber_release(&sub);
	return rc;
}
