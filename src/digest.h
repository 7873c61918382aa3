/*
 * digest: what one subscriber receives. Collects the entries new to the
 * subscriber (store_news_each) and renders them as a subject, a text part
 * and an HTML part, in the subscriber's language.
 *
 * This first version lists each article (title, source, date, link),
 * newest first; grouping, summaries and cross-feed merging come with the
 * digest work (issue 6) behind the same interface.
 */
#ifndef FEEDMAIL_DIGEST_H
#define FEEDMAIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"

struct digest_item {
	int64_t entry_id;
	char *feed_title;
	char *title;            /* "(untitled)" stand-in is the renderer's */
	char *link;
	int64_t published;      /* DATE_NONE when unknown: first seen is used */
};

struct digest {
	struct digest_item *items;
	size_t n;
	int64_t *entry_ids;     /* every entry the digest covers, n of them */
};

/* Fills d with the entries new to sub. 0 (d->n may be 0: nothing new), or
 * -1 with e. */
int digest_collect(struct store *s, const struct store_subscriber *sub,
	struct digest *d, struct err *e);
void digest_release(struct digest *d);

/* Renders d for sub at now: *subject (malloc'd), text and html (appended
 * to the given buffers; the text is not wrapped yet). contact is the
 * address the footer names for unsubscribing. 0, or -1 with e. */
int digest_render(const struct digest *d, const struct store_subscriber *sub,
	const struct config *cfg, const char *contact, int64_t now,
	char **subject, struct buf *text, struct buf *html, struct err *e);

#endif
