/*
 * digest: what one subscriber receives. Collects the entries new to the
 * subscriber (store_news_each) and renders them as a subject, a text part
 * and an HTML part, in the subscriber's language.
 *
 * Each article (title, source, date, summary, link) appears once, the same
 * story from several feeds merged (same link key, or the same title within
 * 48 hours) with "also in: FEED"; at most [digest] max_entries articles in
 * full, grouped by their feed's first tag, then by feed, newest first; the
 * rest as "+N more" with their links. The text part gives each link as a
 * numbered reference under its article; the HTML part (well-formed XML
 * too, so tests can parse it) shows an article's own HTML, sanitized, when
 * it is no longer than its summary.
 */
#ifndef FEEDMAIL_DIGEST_H
#define FEEDMAIL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "store/store.h"

/* What one article may bring into a digest, so that a hostile feed (a
 * title of a megabyte) cannot make a digest too large to build or send:
 * longer titles and names are cut with an ellipsis, longer summaries too,
 * a longer link is left out (a cut one leads nowhere) and longer HTML
 * gives way to the summary. */
#define DIGEST_MAX_TITLE 512
#define DIGEST_MAX_NAME 256 /* a feed's title, a tag */
#define DIGEST_MAX_LINK 2048
#define DIGEST_MAX_SUMMARY 4096
#define DIGEST_MAX_HTML 16384
/* The digest's budget: the bytes its articles bring, both parts counted
 * (item_cost in digest.c). Past it the entries stay new, for the next
 * digest, and this one says how many wait ("+N more articles in your
 * next digest"). At most about three times this once encoded. */
#define DIGEST_BUDGET (2u * 1024 * 1024)
#define DIGEST_ITEM_OVERHEAD 512 /* markup and numbering, per article */

/* The text fields are as they are printed: titles, names and tags as
 * utf8_printable() shows them, the link as url_printable() gives it. */
struct digest_item {
	int64_t entry_id;
	char *feed_title;
	char *tag;       /* the feed's first tag, or NULL */
	char *title;     /* "(untitled)" stand-in is the renderer's */
	char *link;      /* NULL: none, or not a web link */
	char *link_key;  /* for merging; NULL without a link */
	char *title_key; /* the title folded, for merging */
	char **also;     /* the other feeds' titles, each once */
	size_t nalso;
	char *summary;     /* plain text of about summary_words words */
	char *html;        /* the article's HTML, sanitized, when its
	                    * text is the whole summary; or NULL */
	int64_t published; /* first seen when the feed gave no date */
	int delayed;       /* given back by a digest that failed */
};

struct digest {
	struct digest_item *items;
	size_t n;           /* articles, after merging */
	int64_t *entry_ids; /* every entry the digest covers */
	size_t nentries;
	size_t bytes;    /* of DIGEST_BUDGET, spent */
	size_t deferred; /* entries left for the next digest */
	/* the highest entry id (the store's position) the selection saw,
	 * deferred and filtered out ones too */
	int64_t covered_seq;
};

/* Summaries already made, by entry id: the same entries go to many
 * subscribers in one run, and summarizing is most of a digest's cost.
 * Start it zeroed; release it after the run. */
struct digest_cache {
	struct digest_cached *slots;
	size_t cap, n;
};
void digest_cache_release(struct digest_cache *cache);

/* Fills d with the entries new to sub (since > 0: all those first seen
 * since then, for a preview; see store_news_each), each with a summary
 * of about summary_words words (0: none) made from the richer of its
 * summary and content, looked up in cache first (cache may be NULL). 0 (d->n may be 0:
 * nothing new), or -1 with e. */
int digest_collect(struct store *s, const struct store_subscriber *sub,
		   int64_t since, int summary_words, struct digest_cache *cache,
		   struct digest *d, struct err *e);
void digest_release(struct digest *d);

/* The subscriber's web links a digest carries ([web] base_url set), each
 * NULL when none. */
struct digest_links {
	const char *view;        /* this digest in a browser, at the top */
	const char *preferences; /* their preferences page, in the footer */
};

/* Renders d for sub at now: *subject (malloc'd), text and html (appended
 * to the given buffers; the text is not wrapped yet). contact is the
 * address the footer names for unsubscribing; links (may be NULL) the
 * web links to add. 0, or -1 with e. */
int digest_render(const struct digest *d, const struct store_subscriber *sub,
		  const struct conf *cfg, const char *contact,
		  const struct digest_links *links, int64_t now, char **subject,
		  struct buf *text, struct buf *html, struct err *e);

#endif
