#include "config.h"

#include "mail/compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>

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
compose_unsubscribe_url(const struct conf *cfg, const unsigned char *secret,
			size_t secret_len, const struct store_subscriber *sub,
			char url[COMPOSE_URL_SIZE], struct err *e)
{
	struct token t = { TOKEN_UNSUBSCRIBE, sub->id, 0 };
	char tok[TOKEN_SIZE];
	size_t n;
	int len;

	if (!cfg->web_base_url)
		return err_set(e, EX_SOFTWARE, "[web] base_url is not set");
	if (token_make(secret, secret_len, &t, sub->token ? sub->token : "",
		       tok) < 0)
		return err_set(e, EX_SOFTWARE,
			       "no unsubscribe token for subscriber %lld",
			       (long long)sub->id);
	/* base_url with or without its final '/' */
	n = strlen(cfg->web_base_url);
	while (n && cfg->web_base_url[n - 1] == '/')
		n--;
	len = snprintf(url, COMPOSE_URL_SIZE, "%.*s/u/%s", (int)n,
		       cfg->web_base_url, tok);
	if (len < 0 || len >= COMPOSE_URL_SIZE)
		return err_set(e, EX_SOFTWARE,
			       "[web] base_url is too long for a link");
	return 0;
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
