#include "config.h"

#include "web/request.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/log.h"
#include "store/store.h"

const char *
request_field(const struct request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, name))
			return r->fields[i].value;
	return NULL;
}

void
request_release(struct request *r)
{
	size_t i;

	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		free(r->fields[i].value);
	}
	r->nfields = 0;
}

int
reply_page(struct reply *rep, int status, enum page_lang lang,
	   enum page_text title, enum page_text text)
{
	rep->status = status;
	buf_reset(&rep->body);
	return page_simple(&rep->body, lang, title, text);
}

int
reply_not_found(struct reply *rep, enum page_lang lang)
{
	return reply_page(rep, 404, lang, PT_NOT_FOUND_TITLE,
			  PT_NOT_FOUND_BODY);
}

enum page_lang
request_lang(const struct request *r, const char *sub_lang)
{
	return page_lang_pick(sub_lang, r->accept_language, r->site->lang);
}

int
request_secret(struct request *r, unsigned char *secret, size_t *len)
{
	struct err e = ERR_INIT;

	/* not the site's copy, read at start and on SIGHUP: links must stop
	 * working as soon as the secret is rotated, and new ones work */
	if (store_secret(r->store, "token", secret, REQUEST_SECRET_MAX, len,
			 &e) < 0) {
		log_error("read the token secret: %s", e.msg);
		return -1;
	}
	return 0;
}

int
request_subscriber(struct request *r, int purpose, struct store_subscriber *sub,
		   struct token *t)
{
	unsigned char secret[REQUEST_SECRET_MAX];
	struct err e = ERR_INIT;
	size_t len;
	int ok;

	memset(sub, 0, sizeof(*sub));
	if (!r->tail || token_parse(r->tail, t) < 0 || t->purpose != purpose)
		return 0;
	if (store_subscriber_by_id(r->store, t->id, sub, &e) < 0) {
		if (e.code == EX_DATAERR)
			return 0;
		log_error("%s: %s", r->path ? "page" : "request", e.msg);
		return -1;
	}
	if (request_secret(r, secret, &len) < 0) {
		store_subscriber_release(sub);
		return -1;
	}
	ok = sub->token && token_verify(secret, len, r->tail, t, sub->token);
	explicit_bzero(secret, sizeof(secret));
	if (!ok) {
		store_subscriber_release(sub);
		return 0;
	}
	return 1;
}

int
request_subscriber_page(struct request *r, struct reply *rep, int purpose,
			struct store_subscriber *sub, struct token *t,
			enum page_lang *lang)
{
	int rc = request_subscriber(r, purpose, sub, t);

	if (rc == 0)
		reply_not_found(rep, request_lang(r, NULL));
	if (rc <= 0)
		return rc;
	rep->no_store = 1;
	*lang = request_lang(r, sub->lang);
	return 1;
}
