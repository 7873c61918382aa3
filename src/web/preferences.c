/*
 * preferences: /p/TOKEN, linked from every digest's footer: no password,
 * the token is the key.
 *
 * GET shows everything chosen at subscription (form.h, the address
 * excepted: it is who they are), the pause (until a date, or until
 * resumed) and a button that unsubscribes (it posts RFC 8058's
 * one-click form to /u/TOKEN). POSTs (guarded: our form token and a
 * same-site browser) carry action=save (the form: checked as the
 * subscribe page checks it, errors beside their fields; store_subscriber_
 * update), action=pause (with until: a date to come, YYYY-MM-DD, the
 * start of that day in the subscriber's time zone; empty: until resumed)
 * or action=resume. Changes apply from the next digest slot. One who
 * unsubscribed gets the unsubscribed page; a token that is not one, the
 * plain 404.
 *
 * Element ids: the form fields as form.h says; buttons submit (save),
 * pause, resume, unsubscribe; until (the pause's date); notice (what
 * was done).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/date.h"
#include "lib/log.h"
#include "lib/zone.h"
#include "store/store.h"
#include "web/form.h"
#include "web/route.h"

/* The instant a pause "until YYYY-MM-DD" ends: that day's start in zone
 * (NULL: UTC). 0 with *at, -1 when text is not such a date. */
static int
until_instant(const char *text, const char *zone, int64_t *at)
{
	struct zone *z;
	int64_t local, out[2];
	int y, m, d, n = 0, gap = 0, end = 0;

	if (!text || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 ||
	    text[end] || m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 ||
	    y > 9999)
		return -1;
	local = date_days_from_civil(y, m, d) * 86400;
	z = zone_open(zone ? zone : "UTC", NULL);
	if (!z || zone_from_local(z, local, out, &n, &gap) < 0 || n < 1) {
		zone_free(z);
		*at = local;
		return 0;
	}
	zone_free(z);
	*at = out[0];
	return 0;
}

/* The whole page for sub: notice (PT_COUNT: none), the form f. */
static int
page(struct request *r, struct reply *rep, enum page_lang lang,
     const struct store_subscriber *sub, const struct form *f,
     const struct store_tags *feed_tags, enum page_text notice,
     enum page_text until_error)
{
	struct buf *b = &rep->body;
	struct token t = { TOKEN_UNSUBSCRIBE, sub->id, 0 };
	char utok[TOKEN_SIZE], day[DATE_UTC_SIZE];
	unsigned char secret[REQUEST_SECRET_MAX];
	size_t secret_len;
	int rc = 0;

	buf_reset(b);
	if (request_secret(r, secret, &secret_len) < 0)
		return -1;
	rc = token_make(secret, secret_len, &t, sub->token ? sub->token : "",
			utok);
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		return -1;
	rc |= page_begin(b, lang, page_text(lang, PT_PREF_TITLE)) |
	      buf_addf(b, "<p>%s <strong id=\"address\">",
		       page_text(lang, PT_PREF_FOR)) |
	      page_escape(b, sub->email) | buf_adds(b, "</strong></p>\n");
	if (notice != PT_COUNT)
		rc |= buf_addf(b, "<p class=\"notice\" id=\"notice\">%s</p>\n",
			       page_text(lang, notice));
	rc |= buf_adds(b, "<form method=\"post\" id=\"preferences\">\n") |
	      form_token_field(b, r) | form_render(b, f, lang, feed_tags, 0) |
	      buf_addf(b,
		       "<button type=\"submit\" name=\"action\" value=\"save\""
		       " id=\"submit\">%s</button>\n</form>\n",
		       page_text(lang, PT_PREF_BUTTON));
	/* the pause */
	rc |= buf_addf(b, "<h2>%s</h2>\n", page_text(lang, PT_PAUSE_TITLE));
	if (store_subscriber_paused(sub, r->now) && sub->paused_until) {
		date_format_utc(sub->paused_until, day);
		day[10] = '\0';
		rc |= buf_addf(b, "<p id=\"paused\">%s %s</p>\n",
			       page_text(lang, PT_PAUSED_UNTIL), day);
	} else if (store_subscriber_paused(sub, r->now)) {
		rc |= buf_addf(b, "<p id=\"paused\">%s</p>\n",
			       page_text(lang, PT_PAUSED_FOREVER));
	} else {
		rc |= buf_addf(b, "<p>%s</p>\n",
			       page_text(lang, PT_NOT_PAUSED));
	}
	rc |= buf_adds(b, "<form method=\"post\" id=\"pause-form\">\n") |
	      form_token_field(b, r) |
	      buf_addf(b, "<label for=\"until\">%s</label>\n",
		       page_text(lang, PT_F_UNTIL));
	if (until_error != PT_COUNT)
		rc |= buf_addf(b,
			       "<p class=\"error\" id=\"until-error\" "
			       "role=\"alert\">%s</p>\n",
			       page_text(lang, until_error));
	rc |= buf_addf(b,
		       "<input type=\"date\" id=\"until\" name=\"until\">\n"
		       "<button type=\"submit\" name=\"action\" value=\"pause\""
		       " id=\"pause\">%s</button>\n",
		       page_text(lang, PT_PAUSE_BUTTON));
	if (store_subscriber_paused(sub, r->now))
		rc |= buf_addf(b,
			       "<button type=\"submit\" name=\"action\" "
			       "value=\"resume\" id=\"resume\">%s</button>\n",
			       page_text(lang, PT_RESUME_BUTTON));
	rc |= buf_adds(b, "</form>\n");
	/* leaving: RFC 8058's one-click form, on its own page */
	rc |= buf_addf(
		      b,
		      "<h2>%s</h2>\n<p>%s</p>\n"
		      "<form method=\"post\" action=\"/u/%s\" "
		      "id=\"unsubscribe-form\">\n"
		      "<input type=\"hidden\" name=\"List-Unsubscribe\" "
		      "value=\"One-Click\">\n"
		      "<button type=\"submit\" id=\"unsubscribe\">%s</button>\n"
		      "</form>\n",
		      page_text(lang, PT_UNSUB_TITLE),
		      page_text(lang, PT_UNSUB_SECTION), utok,
		      page_text(lang, PT_UNSUB_BUTTON)) |
	      page_end(b);
	return rc ? -1 : 0;
}

/* Saves the form r posted for sub: 0 saved, 1 errors in f, -1 with e. */
static int
save(struct request *r, struct store_subscriber *sub, struct form *f,
     const struct store_tags *feed_tags, struct err *e)
{
	struct store_subscriber copy;
	int rc;

	memset(&copy, 0, sizeof(copy));
	form_from_request(f, r);
	f->value[FORM_EMAIL] = sub->email;
	rc = form_check(f, r->site->cfg, 0, r->now, &copy, e);
	if (rc != 0)
		return rc;
	copy.id = sub->id;
	copy.email = sub->email;
	if (form_tags(f, feed_tags, &copy.tags) < 0)
		return err_set(e, EX_OSERR, "out of memory");
	rc = store_subscriber_update(r->store, &copy, e);
	free(copy.tags.items);
	return rc;
}

int
preferences_handle(struct request *r, struct reply *rep)
{
	struct store_tags feed_tags = { 0 };
	struct store_subscriber sub;
	struct token t;
	struct form f;
	struct err e = ERR_INIT;
	enum page_text notice = PT_COUNT, until_error = PT_COUNT;
	enum page_lang lang;
	const char *action;
	int64_t until = 0;
	int rc, shown = 0;

	form_init(&f);
	rc = request_subscriber_page(r, rep, TOKEN_PREFERENCES, &sub, &t,
				     &lang);
	if (rc <= 0) {
		form_release(&f);
		return rc;
	}
	if (sub.unsubscribed_at) {
		rc = reply_page(rep, 200, lang, PT_UNSUB_DONE_TITLE,
				PT_UNSUB_DONE);
		goto out;
	}
	if (!r->site->cfg || form_feed_tags(r->store, &feed_tags, &e) < 0) {
		log_error("preferences: %s",
			  e.code ? e.msg : "no configuration");
		rc = -1;
		goto out;
	}
	action = r->method == REQUEST_POST ? request_field(r, "action") : NULL;
	if (r->method == REQUEST_POST && !action) {
		rc = reply_page(rep, 400, lang, PT_BAD_REQUEST_TITLE,
				PT_BAD_REQUEST_BODY);
		goto out;
	}
	if (action && !strcmp(action, "save")) {
		rc = save(r, &sub, &f, &feed_tags, &e);
		if (rc < 0)
			goto failed;
		if (rc > 0) {
			/* shown again as sent, with the errors */
			rep->status = 400;
			shown = 1;
		} else {
			notice = PT_PREF_SAVED;
			log_info("subscriber %lld changed their preferences",
				 (long long)sub.id);
		}
	} else if (action && !strcmp(action, "pause")) {
		const char *v = request_field(r, "until");

		if (v && *v &&
		    (until_instant(v,
				   sub.timezone ? sub.timezone :
						  r->site->cfg->timezone,
				   &until) < 0 ||
		     until <= r->now)) {
			until_error = PT_E_UNTIL;
			rep->status = 400;
		} else if (store_subscriber_pause(r->store, sub.id, r->now,
						  until, &e) < 0) {
			goto failed;
		} else {
			notice = PT_PAUSE_DONE;
			log_info("subscriber %lld paused", (long long)sub.id);
		}
	} else if (action && !strcmp(action, "resume")) {
		if (store_subscriber_pause(r->store, sub.id, 0, 0, &e) < 0)
			goto failed;
		notice = PT_RESUME_DONE;
		log_info("subscriber %lld resumed", (long long)sub.id);
	} else if (action) {
		rc = reply_page(rep, 400, lang, PT_BAD_REQUEST_TITLE,
				PT_BAD_REQUEST_BODY);
		goto out;
	}
	if (notice != PT_COUNT) {
		/* read again: the page shows what is now, in their language */
		store_subscriber_release(&sub);
		if (store_subscriber_by_id(r->store, t.id, &sub, &e) < 0)
			goto failed;
		lang = request_lang(r, sub.lang);
	}
	if (!shown) {
		form_release(&f);
		form_init(&f);
		form_from_subscriber(&f, &sub, r->site->cfg);
	}
	rc = page(r, rep, lang, &sub, &f, &feed_tags, notice, until_error);
	goto out;
failed:
	log_error("preferences of subscriber %lld: %s", (long long)sub.id,
		  e.msg);
	rc = -1;
out:
	form_tags_release(&feed_tags);
	form_release(&f);
	store_subscriber_release(&sub);
	return rc;
}
