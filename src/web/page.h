/*
 * page: what every HTML page of `feedmail serve` shares. The layout (one
 * stylesheet, /style.css, served by the program itself; no script, no
 * inline style, nothing from another site, as the Content-Security-Policy
 * says), HTML escaping, the fr/en wording of each message, and the choice
 * of a page's language.
 *
 * A page is built into a struct buf: page_begin, the body (page_escape
 * for anything not ours), page_end. Buffers are capped by their owner;
 * each function returns 0 or -1 when the cap is reached.
 */
#ifndef FEEDMAIL_PAGE_H
#define FEEDMAIL_PAGE_H

#include "lib/buf.h"

/* The languages pages are written in. */
enum page_lang {
	PAGE_EN,
	PAGE_FR,
};

/* The words of the pages, one per message, in both languages. */
enum page_text {
	PT_NOT_FOUND_TITLE,
	PT_NOT_FOUND_BODY,
	PT_METHOD_TITLE,
	PT_TOO_LARGE_TITLE,
	PT_TOO_LARGE_BODY,
	PT_BAD_REQUEST_TITLE,
	PT_BAD_REQUEST_BODY,
	PT_FORBIDDEN_TITLE,
	PT_FORBIDDEN_BODY,
	PT_ERROR_TITLE,
	PT_ERROR_BODY,
	PT_UNSUB_TITLE,
	PT_UNSUB_ASK,
	PT_UNSUB_BUTTON,
	PT_UNSUB_DONE_TITLE,
	PT_UNSUB_DONE,
	/* the subscribe and preferences forms */
	PT_SUB_TITLE,
	PT_SUB_INTRO,
	PT_F_EMAIL,
	PT_F_NAME,
	PT_F_LANG,
	PT_F_SCHEDULE,
	PT_SCHED_DAILY,
	PT_SCHED_WEEKLY,
	PT_SCHED_HOURLY,
	PT_F_TIME,
	PT_F_DAY,
	PT_F_TIMEZONE,
	PT_F_TAGS,
	PT_F_INCLUDE,
	PT_F_EXCLUDE,
	PT_CONSENT,
	PT_SUB_BUTTON,
	PT_SUB_SENT_TITLE,
	PT_SUB_SENT,
	PT_ERRORS,
	PT_E_EMAIL,
	PT_E_NAME,
	PT_E_LANG,
	PT_E_SCHEDULE,
	PT_E_TIME,
	PT_E_DAY,
	PT_E_TIMEZONE,
	PT_E_WORDS,
	PT_LIMIT_TITLE,
	PT_LIMIT_BODY,
	/* confirm */
	PT_CONF_TITLE,
	PT_CONF_ASK,
	PT_CONF_BUTTON,
	PT_CONF_DONE_TITLE,
	PT_CONF_DONE,
	PT_CONF_ALREADY_TITLE,
	PT_CONF_ALREADY,
	/* preferences */
	PT_PREF_TITLE,
	PT_PREF_FOR,
	PT_PREF_BUTTON,
	PT_PREF_SAVED,
	PT_PAUSE_TITLE,
	PT_PAUSED_UNTIL,
	PT_PAUSED_FOREVER,
	PT_NOT_PAUSED,
	PT_F_UNTIL,
	PT_PAUSE_BUTTON,
	PT_RESUME_BUTTON,
	PT_E_UNTIL,
	PT_PAUSE_DONE,
	PT_RESUME_DONE,
	PT_UNSUB_SECTION,
	/* view */
	PT_VIEW_GONE_TITLE,
	PT_VIEW_GONE,
	PT_COUNT
};

/* The text of t in lang: UTF-8, HTML-safe (ours, no escaping needed). */
const char *page_text(enum page_lang lang, enum page_text t);

/* The language code ("en", "fr") of lang, for <html lang>. */
const char *page_lang_code(enum page_lang lang);

/* Reads a language code ("fr", "fr-CA", "EN"...): 0 with *lang, -1 when it
 * is neither French nor English (or NULL). */
int page_lang_parse(const char *code, enum page_lang *lang);

/* A page's language: the subscriber's (sub_lang, may be NULL), else the
 * preferred of fr and en in an Accept-Language header (RFC 9110 12.5.4:
 * q-values, the first listed winning a tie; q=0 refuses; may be NULL),
 * else fallback. */
enum page_lang page_lang_pick(const char *sub_lang, const char *accept,
			      enum page_lang fallback);

/* Appends s escaped for HTML text and attribute values (& < > " '). */
int page_escape(struct buf *b, const char *s);

/* Appends the top of a page in lang titled title (ours, not escaped
 * again), down to the opening of <main>, its heading included. */
int page_begin(struct buf *b, enum page_lang lang, const char *title);

/* Appends the end of a page. */
int page_end(struct buf *b);

/* A whole page: title as heading, one paragraph of text (ours). */
int page_simple(struct buf *b, enum page_lang lang, enum page_text title,
		enum page_text text);

/* The stylesheet every page links, /style.css: readable on a phone. */
extern const char page_style_css[];

#endif
