/*
 * subscribe: / and /subscribe, the form that asks for a subscription.
 *
 * GET shows the form (the feeds' tags to tick, the [digest] defaults).
 * A POST (guarded: our form token and a same-site browser) is checked
 * with the CLI's rules, each error shown beside its field in the page's
 * language with the values kept (400). A valid one counts against the
 * client's limit (limit.h: past it, 429), then, in one transaction:
 *
 * - an address unknown: added waiting for their confirmation, and the
 *   confirmation mail queued (hooks->confirm: compose_confirm);
 * - an address waiting, or one that unsubscribed (they may come back by
 *   their own confirmation): waiting from now if they were not, their
 *   stored choices kept (a stranger's form does not rewrite them: the
 *   owner changes them on the preferences page once confirmed), and the
 *   confirmation queued again, at most once an hour (the outbox's slot
 *   per address and hour);
 * - an address subscribed already: nothing changes and nothing is sent.
 *
 * The answer is the same page in every case, so the form tells nobody
 * whether an address is known. A confirmation queued is carried at once
 * (hooks->queued: serve's own courier, app/prompt.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "store/store.h"
#include "web/form.h"
#include "web/limit.h"
#include "web/route.h"

/* The form page, with f's values and errors, status as given. */
static int
form_page(struct request *r, struct reply *rep, enum page_lang lang,
	  const struct form *f, const struct store_tags *feed_tags, int status)
{
	struct buf *b = &rep->body;

	rep->status = status;
	buf_reset(b);
	if (page_begin(b, lang, page_text(lang, PT_SUB_TITLE)) < 0 ||
	    buf_addf(b, "<p>%s</p>\n<form method=\"post\" id=\"subscribe\">\n",
		     page_text(lang, PT_SUB_INTRO)) < 0 ||
	    form_token_field(b, r) < 0 ||
	    form_render(b, f, lang, feed_tags, 1) < 0 ||
	    buf_addf(b,
		     "<p class=\"consent\" id=\"consent\">%s</p>\n"
		     "<button type=\"submit\" id=\"submit\">%s</button>\n"
		     "</form>\n",
		     page_text(lang, PT_CONSENT),
		     page_text(lang, PT_SUB_BUTTON)) < 0 ||
	    page_end(b) < 0)
		return -1;
	return 0;
}

/* Asks for sub's subscription (above): 0, or -1 with e. *queued 1 when
 * a confirmation was queued. */
static int
ask(struct request *r, const struct store_subscriber *sub, int *queued,
    struct err *e)
{
	struct store_subscriber had = { 0 }, copy = *sub;
	struct err lookup = ERR_INIT;
	const struct web_hooks *h = r->hooks;
	int64_t id;
	int rc;

	*queued = 0;
	if (!h->confirm)
		return err_set(e, EX_SOFTWARE, "no way to queue confirmations");
	if (store_begin(r->store, e) < 0)
		return -1;
	if (store_subscriber_by_email(r->store, sub->email, &had, &lookup) ==
	    0) {
		if (!had.pending_since && !had.unsubscribed_at) {
			/* subscribed: the same page, nothing else */
			store_subscriber_release(&had);
			store_rollback(r->store);
			return 0;
		}
		/* waiting from now, unsubscribed until they confirm; what
		 * they chose stays as stored */
		if (store_subscriber_ask(r->store, had.id, r->now, e) < 0)
			goto fail;
	} else if (lookup.code != EX_DATAERR) {
		*e = lookup;
		goto fail;
	} else {
		copy.pending_since = r->now;
		if (store_subscriber_add(r->store, &copy, r->now, &id, e) < 0)
			goto fail;
	}
	store_subscriber_release(&had);
	/* read back whole: the token the link is bound to */
	if (store_subscriber_by_email(r->store, sub->email, &had, e) < 0)
		goto fail;
	rc = h->confirm(h->arg, r->store, r->site->cfg, &had, r->now, e);
	if (rc < 0 || store_commit(r->store, e) < 0)
		goto fail;
	log_info("subscribe: subscriber %lld asked from %s%s",
		 (long long)had.id, r->client,
		 rc == 0 ? ", confirmation queued" :
			   ", a confirmation went this hour already");
	*queued = rc == 0;
	store_subscriber_release(&had);
	return 0;
fail:
	store_subscriber_release(&had);
	store_rollback(r->store);
	return -1;
}

int
subscribe_handle(struct request *r, struct reply *rep)
{
	struct store_tags feed_tags = { 0 };
	struct store_subscriber sub;
	struct form f;
	struct err e = ERR_INIT;
	enum page_lang lang = request_lang(r, NULL);
	int rc, queued = 0;

	memset(&sub, 0, sizeof(sub));
	form_init(&f);
	rep->no_store = 1;
	if (!r->site->cfg) {
		log_error("subscribe: no configuration given to the site");
		rc = -1;
		goto out;
	}
	if (form_feed_tags(r->store, &feed_tags, &e) < 0) {
		log_error("subscribe: %s", e.msg);
		rc = -1;
		goto out;
	}
	if (r->method != REQUEST_POST) {
		form_defaults(&f, r->site->cfg, page_lang_code(lang));
		rc = form_page(r, rep, lang, &f, &feed_tags, 200);
		goto out;
	}
	form_from_request(&f, r);
	rc = form_check(&f, r->site->cfg, 1, r->now, &sub, &e);
	if (rc < 0) {
		log_error("subscribe: %s", e.msg);
		goto out;
	}
	if (rc > 0) {
		rc = form_page(r, rep, lang, &f, &feed_tags, 400);
		goto out;
	}
	if (!web_limit_take(r->limit, r->client, r->now)) {
		log_info("subscribe: %s is over the limit", r->client);
		rc = reply_page(rep, 429, lang, PT_LIMIT_TITLE, PT_LIMIT_BODY);
		goto out;
	}
	if (form_tags(&f, &feed_tags, &sub.tags) < 0 ||
	    ask(r, &sub, &queued, &e) < 0) {
		log_error("subscribe: %s", e.code ? e.msg : "out of memory");
		rc = -1;
		goto out;
	}
	if (queued && r->hooks->queued)
		r->hooks->queued(r->hooks->arg);
	rc = reply_page(rep, 200, lang, PT_SUB_SENT_TITLE, PT_SUB_SENT);
out:
	free(sub.tags.items);
	form_tags_release(&feed_tags);
	form_release(&f);
	return rc;
}
