/*
 * feed: what the parser hands out, one struct feed for the channel and one
 * struct entry per item, independent of the format the feed came in.
 *
 * Invariants: every string is UTF-8, NUL-terminated and malloc'd, or NULL
 * when the feed does not have the field (never ""). Times are UTC seconds
 * since the epoch, DATE_NONE when absent. URLs (links, enclosure URLs) are
 * absolute once xml:base, Content-Location or the document URL allowed it.
 * Titles and author names are plain text; summary and content are HTML.
 * Whoever holds a struct owns everything it points to and frees it with
 * feed_free() / entry_free(), which are NULL-safe.
 */
#ifndef FEEDMAIL_FEED_H
#define FEEDMAIL_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "lib/date.h"

enum feed_format {
	FEED_FORMAT_UNKNOWN = 0,
	FEED_FORMAT_RSS090,
	FEED_FORMAT_RSS091,
	FEED_FORMAT_RSS092,
	FEED_FORMAT_RSS093,
	FEED_FORMAT_RSS094,
	FEED_FORMAT_RSS20,
	FEED_FORMAT_RSS10,
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_JSON10,
	FEED_FORMAT_JSON11,
};

/* Caps on what one entry may carry; more is dropped with a warning. */
#define FEED_MAX_CATEGORIES 256
#define FEED_MAX_ENCLOSURES 64

struct enclosure {
	char *url;
	char *type;     /* MIME type or NULL */
	int64_t length; /* bytes, -1 when unknown */
};

struct entry {
	char *id;
	char *title;
	char *link;
	char *author;
	char *summary;
	char *content;
	int64_t published;
	int64_t updated;
	char **categories;
	size_t ncategories;
	struct enclosure *enclosures;
	size_t nenclosures;
};

struct feed {
	enum feed_format format;
	char *title;
	char *link;
	char *subtitle;
	char *language;
	char *author;
	int64_t updated;
	int ttl_minutes; /* refresh hint, 0 when the feed gives none */
};

/* The name printed for a format ("rss20", "atom10"...), "unknown" for
 * FEED_FORMAT_UNKNOWN. Never NULL. */
const char *feed_format_name(enum feed_format f);

/* A new, empty feed / entry (dates DATE_NONE); NULL when out of memory. */
struct feed *feed_new(void);
struct entry *entry_new(void);
/* Frees what the struct points to and leaves it empty, reusable. */
void entry_clear(struct entry *en);
/* Free the struct and everything it owns. NULL-safe. */
void feed_free(struct feed *f);
void entry_free(struct entry *en);

/* Appends a copy of s to en->categories unless already there (exact
 * match) or FEED_MAX_CATEGORIES are present. 0 when added or skipped as a
 * duplicate, 1 when the cap dropped it, -1 when out of memory. */
int entry_add_category(struct entry *en, const char *s);
/* Appends an enclosure, taking url and type (url must not be NULL; both
 * are freed here on every path). Same return values as above; a URL that
 * is already there is skipped. */
int entry_add_enclosure(struct entry *en, char *url, char *type,
			int64_t length);

#endif
