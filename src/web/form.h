/*
 * form: the subscriber's choices as the subscribe and preferences pages
 * show and read them: address (subscribe only), name, language, schedule
 * (daily at a time, weekly on a day at a time, hourly), time zone, the
 * tags to follow (those the feeds carry, read from the store), words to
 * include and exclude. Checked with the CLI's rules (lib/addr,
 * lib/schedule, lib/zone), each error kept beside its field, the values
 * as sent kept for the page shown again.
 *
 * The fields' names, which are also their elements' ids (stable: the
 * browser tests and the benchmark use them): email, name, lang,
 * schedule (daily|weekly|hourly), time (HH:MM), day (mon..sun),
 * timezone, tag (one checkbox per tag, ids tag-1, tag-2...), include,
 * exclude; the hidden form_token (guard.h).
 */
#ifndef FEEDMAIL_FORM_H
#define FEEDMAIL_FORM_H

#include <stddef.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "store/store.h"
#include "web/page.h"
#include "web/request.h"

/* Caps: tags ticked, words per list, a word's bytes, a name's bytes. */
#define FORM_MAX_TAGS 64
#define FORM_MAX_WORDS 20
#define FORM_MAX_WORD 64
#define FORM_MAX_NAME 100
/* The room for a schedule's text ("weekly@mon 07:30"). */
#define FORM_SCHEDULE_SIZE 40

enum form_field {
	FORM_EMAIL,
	FORM_NAME,
	FORM_LANG,
	FORM_SCHEDULE,
	FORM_TIME,
	FORM_DAY,
	FORM_TIMEZONE,
	FORM_TAGS,
	FORM_INCLUDE,
	FORM_EXCLUDE,
	FORM_NFIELDS
};

struct form {
	/* as shown: borrowed from the request, or from the buffers below */
	const char *value[FORM_NFIELDS]; /* FORM_TAGS unused */
	const char *tags[FORM_MAX_TAGS];
	size_t ntags;
	/* an error per field, or PT_COUNT */
	enum page_text error[FORM_NFIELDS];
	int errors;
	/* what form_check made, for the store: lent to sub; released by
	 * form_release */
	char schedule[FORM_SCHEDULE_SIZE];
	char time_buf[8];
	char zone[128];
	struct buf include_buf, exclude_buf;
	char *words[2][FORM_MAX_WORDS];
};

/* An empty form (no errors). */
void form_init(struct form *f);
void form_release(struct form *f);

/* The values r posted. */
void form_from_request(struct form *f, const struct request *r);

/* The values of sub as they stand, its defaults taken from cfg. */
void form_from_subscriber(struct form *f, const struct store_subscriber *sub,
			  const struct conf *cfg);

/* Defaults for a blank subscribe form: lang, [digest] time and zone. */
void form_defaults(struct form *f, const struct conf *cfg, const char *lang);

/* Checks f (the address too when with_email), at now; on success fills
 * sub's name, lang, schedule, timezone, include and exclude (lent from
 * f) and returns 0; else marks the fields in error and returns 1. Tags
 * are not set (form_tags). -1 with e when memory runs out. */
int form_check(struct form *f, const struct conf *cfg, int with_email,
	       int64_t now, struct store_subscriber *sub, struct err *e);

/* The tags the feeds carry, distinct (without regard to case), sorted:
 * items malloc'd, release with form_tags_release. */
int form_feed_tags(struct store *s, struct store_tags *tags, struct err *e);
void form_tags_release(struct store_tags *tags);

/* sub->tags set to the ticked tags of f that are among feed_tags, as
 * feed_tags spell them (lent from feed_tags; items malloc'd: free
 * sub->tags.items only). -1 when out of memory. */
int form_tags(const struct form *f, const struct store_tags *feed_tags,
	      struct store_tags *out);

/* Appends the fields of f to b, in lang (the address when with_email),
 * the feeds' tags as checkboxes. 0, or -1 past b's cap. */
int form_render(struct buf *b, const struct form *f, enum page_lang lang,
		const struct store_tags *feed_tags, int with_email);

/* Appends the hidden form token field for a page served at r->now. */
int form_token_field(struct buf *b, const struct request *r);

#endif
