#include "config.h"

#include "mail/compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>

#include "lib/date.h"
#include "lib/hash.h"
#include "lib/html.h"
#include "lib/token.h"
#include "mail/mime.h"
#include "store/store.h"

/* The domain of the sender, for Message-IDs. */
static const char *
sender_domain(const struct conf *cfg)
{
	const char *at = cfg->from_addr ? strrchr(cfg->from_addr, '@') : NULL;

	return at ? at + 1 : "localhost";
}

char *
compose_message_id(const struct conf *cfg, const char *seed, int unique,
		   struct err *e)
{
	unsigned char rnd[16];
	char buf[256];
	size_t got = 0;
	ssize_t n;
	int len, i;
	char *id;

	len = snprintf(buf, sizeof(buf), "%s", seed);
	if (unique) {
		while (got < sizeof(rnd)) {
			n = getrandom(rnd + got, sizeof(rnd) - got, 0);
			if (n < 0 && errno != EINTR) {
				err_set(e, EX_OSERR, "no random bytes: %s",
					strerror(errno));
				return NULL;
			}
			if (n > 0)
				got += (size_t)n;
		}
		for (i = 0; i < (int)sizeof(rnd) && len + 3 <= (int)sizeof(buf);
		     i++)
			len += snprintf(buf + len, sizeof(buf) - (size_t)len,
					"%02x", rnd[i]);
	}
	id = mime_message_id(buf, sender_domain(cfg));
	if (!id)
		err_set(e, EX_SOFTWARE, "cannot make a Message-ID for '%s'",
			cfg->from_addr ? cfg->from_addr : "");
	return id;
}

int
compose_link(const struct conf *cfg, const unsigned char *secret,
	     size_t secret_len, const struct store_subscriber *sub, int purpose,
	     int64_t id2, char url[COMPOSE_URL_SIZE], struct err *e)
{
	struct token t = { purpose, sub->id, id2 };
	char tok[TOKEN_SIZE];
	size_t n;
	int len;

	if (!cfg->web_base_url)
		return err_set(e, EX_SOFTWARE, "[web] base_url is not set");
	if (token_make(secret, secret_len, &t, sub->token ? sub->token : "",
		       tok) < 0)
		return err_set(e, EX_SOFTWARE,
			       "no '%c' token for subscriber %lld", purpose,
			       (long long)sub->id);
	/* base_url with or without its final '/' */
	n = strlen(cfg->web_base_url);
	while (n && cfg->web_base_url[n - 1] == '/')
		n--;
	/* the path is the purpose's letter, as in /u/TOKEN */
	len = snprintf(url, COMPOSE_URL_SIZE, "%.*s/%c/%s", (int)n,
		       cfg->web_base_url, purpose, tok);
	if (len < 0 || len >= COMPOSE_URL_SIZE)
		return err_set(e, EX_SOFTWARE,
			       "[web] base_url is too long for a link");
	return 0;
}

int
compose_unsubscribe_url(const struct conf *cfg, const unsigned char *secret,
			size_t secret_len, const struct store_subscriber *sub,
			char url[COMPOSE_URL_SIZE], struct err *e)
{
	return compose_link(cfg, secret, secret_len, sub, TOKEN_UNSUBSCRIBE, 0,
			    url, e);
}

int
compose_render(const struct conf *cfg, const struct compose_mail *m,
	       struct buf *text, struct buf *out, struct err *e)
{
	struct mime_message mm = { 0 };
	char mailto[300];

	if (mime_wrap_text(text, m->text, MIME_WRAP_WIDTH) < 0)
		return err_set(e, EX_SOFTWARE, "too large");
	mm.from.name = cfg->from_name;
	mm.from.addr = cfg->from_addr;
	mm.to.name = m->to_name;
	mm.to.addr = m->to_addr;
	mm.subject = m->subject;
	mm.date = m->date;
	mm.message_id = m->message_id;
	if (m->list) {
		/* RFC 2369 3.2 and 8058: how to leave, by mail and by URL */
		snprintf(mailto, sizeof(mailto),
			 "mailto:%s?subject=unsubscribe", cfg->from_addr);
		mm.list_id = cfg->list_id;
		mm.unsubscribe_mailto = mailto;
		mm.unsubscribe_url = m->unsubscribe_url ? m->unsubscribe_url :
							  cfg->unsubscribe_url;
	}
	mm.entries = m->entries;
	mm.text = text->data;
	mm.html = m->html;
	return mime_render(&mm, out, e);
}

int
compose_report(struct store *s, const struct conf *cfg, const char *kind,
	       const char *slot, const char *seed, const struct compose_mail *m,
	       int64_t *id, struct err *e)
{
	struct buf text = BUF_INIT(BUF_MAX_DOC);
	struct buf message = BUF_INIT(BUF_MAX_DOC);
	struct store_report_new rec = { 0 };
	struct compose_mail mm = *m;
	struct err se = ERR_INIT;
	char *message_id = NULL;
	int rc = -1;

	message_id = compose_message_id(cfg, seed, 0, e);
	if (!message_id)
		goto out;
	mm.message_id = message_id;
	if (compose_render(cfg, &mm, &text, &message, e) < 0) {
		err_prefix(e, "%s report", kind);
		goto out;
	}
	rec.kind = kind;
	rec.slot = slot;
	rec.rcpt = m->to_addr;
	rec.message_id = message_id;
	rec.message = message.data;
	rec.len = message.len;
	rec.now = m->date;
	rc = store_report_add(s, &rec, id, &se);
	/* recorded meanwhile by another process: its own */
	if (rc < 0 && se.code == EX_DATAERR)
		rc = 1;
	else if (rc < 0)
		*e = se;
out:
	buf_release(&text);
	buf_release(&message);
	free(message_id);
	return rc;
}

/* The words of a confirmation, in one language, around what is filled
 * in: [digest] name (LIST), the subscriber's name and address. */
struct confirm_words {
	const char *lang;
	const char *subject;   /* + LIST */
	const char *hello;     /* + " NAME" + "," */
	const char *asked[3];  /* [0] LIST [1] ADDRESS [2] */
	const char *how;       /* before the link */
	const char *button;    /* the HTML link's words */
	const char *otherwise; /* after the link */
};

static const struct confirm_words confirm_fr = {
	"fr",
	"Confirmez votre abonnement à ",
	"Bonjour",
	{ "Quelqu'un, sans doute vous, a demandé à recevoir la lettre ",
	  " à l'adresse ", "." },
	"Pour confirmer, ouvrez ce lien, puis appuyez sur le bouton de la "
	"page :",
	"Confirmer mon abonnement",
	"Si vous n'avez rien demandé, ignorez ce message : rien ne vous "
	"sera envoyé, et votre adresse sera oubliée dans quelques jours.",
};

static const struct confirm_words confirm_en = {
	"en",
	"Confirm your subscription to ",
	"Hello",
	{ "Someone, probably you, asked for the ", " digest to be sent to ",
	  "." },
	"To confirm, open this link, then press the button on the page:",
	"Confirm my subscription",
	"If you did not ask for it, ignore this mail: nothing will be sent "
	"to you, and your address will be forgotten in a few days.",
};

/* Appends s to b as it is, or HTML-escaped when html is set. */
static int
put(struct buf *b, const char *s, int html)
{
	return html ? html_escape(b, s, strlen(s), 0) : buf_adds(b, s);
}

/* The greeting and the request (text or HTML). The greeting names nobody:
 * whoever filled the form chose the name, and it is not the address
 * owner's word until they confirm. */
static int
confirm_lines(struct buf *b, const struct confirm_words *w, const char *list,
	      const char *addr, int html, const char *sep)
{
	if (put(b, w->hello, html) < 0 || buf_adds(b, ",") < 0 ||
	    buf_adds(b, sep) < 0 || put(b, w->asked[0], html) < 0 ||
	    put(b, list, html) < 0 || put(b, w->asked[1], html) < 0 ||
	    put(b, addr, html) < 0 || put(b, w->asked[2], html) < 0)
		return -1;
	return 0;
}

/* The text and HTML parts of a confirmation into text and html. */
static int
confirm_parts(const struct confirm_words *w, const char *list, const char *addr,
	      const char *link, struct buf *text, struct buf *html)
{
	if (confirm_lines(text, w, list, addr, 0, "\n\n") < 0 ||
	    buf_addf(text, "\n\n%s\n\n%s\n\n%s\n", w->how, link, w->otherwise) <
		    0)
		return -1;
	if (buf_addf(html,
		     "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
		     "<meta charset=\"utf-8\"><title>",
		     w->lang) < 0 ||
	    put(html, w->subject, 1) < 0 || put(html, list, 1) < 0 ||
	    buf_adds(html, "</title></head>\n<body style=\"font-family:"
			   "sans-serif;max-width:40em;margin:1em auto;"
			   "padding:0 1em;color:#222\">\n<p>") < 0 ||
	    confirm_lines(html, w, list, addr, 1, "</p>\n<p>") < 0 ||
	    buf_adds(html, " ") < 0 || put(html, w->how, 1) < 0 ||
	    buf_adds(html, "</p>\n<p><a href=\"") < 0 ||
	    html_escape(html, link, strlen(link), 1) < 0 ||
	    buf_adds(html, "\" style=\"display:inline-block;padding:.6em "
			   "1.2em;background:#1a5fb4;color:#fff;"
			   "text-decoration:none;border-radius:4px\">") < 0 ||
	    put(html, w->button, 1) < 0 ||
	    buf_adds(html, "</a></p>\n<p style=\"color:#555\">") < 0 ||
	    put(html, w->otherwise, 1) < 0 ||
	    buf_adds(html, "</p>\n</body></html>\n") < 0)
		return -1;
	return 0;
}

int
compose_confirm(struct store *s, const struct conf *cfg,
		const struct store_subscriber *sub, int64_t now, int64_t *id,
		struct err *e)
{
	const struct confirm_words *w;
	const char *base = cfg->web_base_url;
	unsigned char secret[TOKEN_SECRET_SIZE];
	struct token t = { TOKEN_CONFIRM, sub->id, 0 };
	char token[TOKEN_SIZE], hour[DATE_UTC_SIZE], seed[64],
		slot_hash[HASH_HEX_SIZE];
	struct buf slot = BUF_INIT(BUF_MAX_LINE);
	struct buf link = BUF_INIT(BUF_MAX_LINE),
		   subject = BUF_INIT(BUF_MAX_LINE);
	struct buf text = BUF_INIT(BUF_MAX_DOC), html = BUF_INIT(BUF_MAX_DOC);
	struct compose_mail m = { 0 };
	const char *list = cfg->name ? cfg->name : "feedmail", *p;
	size_t secret_len;
	int rc = -1;

	if (!base || !*base)
		return err_set(e, EX_CONFIG,
			       "confirmation to '%s': [web] base_url is not "
			       "set, and the mail must link to the page that "
			       "confirms",
			       sub->email);
	if (store_secret(s, "token", secret, sizeof(secret), &secret_len, e) <
	    0)
		return -1;
	if (token_make(secret, secret_len, &t, sub->token ? sub->token : "",
		       token) < 0) {
		err_set(e, EX_SOFTWARE, "confirmation to '%s': no token",
			sub->email);
		goto out;
	}
	w = !strcmp(sub->lang     ? sub->lang :
		    cfg->language ? cfg->language :
				    "en",
		    "fr") ?
		    &confirm_fr :
		    &confirm_en;
	if (buf_addf(&link, "%s%s%s%s", base,
		     base[strlen(base) - 1] == '/' ? "" : "/",
		     COMPOSE_CONFIRM_PATH, token) < 0 ||
	    buf_adds(&subject, w->subject) < 0 || buf_adds(&subject, list) < 0)
		goto oom;
	/* one per address and hour: the outbox's unique (kind, slot) */
	for (p = sub->email; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		if (buf_add(&slot, &c, 1) < 0)
			goto oom;
	}
	date_format_utc(now, hour);
	hour[13] = '\0'; /* YYYY-MM-DDTHH */
	if (buf_addf(&slot, "@%s", hour) < 0 ||
	    confirm_parts(w, list, sub->email, link.data, &text, &html) < 0)
		goto oom;
	/* the address and hour too, not only the id: SQLite may give a
	 * removed subscriber's id to the next one, whose confirmation would
	 * otherwise take the Message-ID of the one mailed before, and be
	 * dropped as sent already */
	hash_hex(hash_add_field(HASH_INIT, slot.data), slot_hash);
	snprintf(seed, sizeof(seed), "confirm-%lld-%s", (long long)sub->id,
		 slot_hash);
	/* no display name: see confirm_lines */
	m.to_addr = sub->email;
	m.subject = subject.data;
	m.text = text.data;
	m.html = html.data;
	m.date = now;
	if (store_begin(s, e) < 0)
		goto out;
	rc = compose_report(s, cfg, COMPOSE_CONFIRM_KIND, slot.data, seed, &m,
			    id, e);
	if (rc == 0 && store_subscriber_confirm_sent(s, sub->id, now, e) < 0)
		rc = -1;
	if (rc < 0) {
		store_rollback(s);
		err_prefix(e, "confirmation to '%s'", sub->email);
		goto out;
	}
	if (store_commit(s, e) < 0)
		rc = -1;
	goto out;
oom:
	rc = err_set(e, EX_OSERR, "out of memory");
out:
	buf_release(&slot);
	buf_release(&link);
	buf_release(&subject);
	buf_release(&text);
	buf_release(&html);
	return rc;
}
