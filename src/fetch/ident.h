/*
 * ident: an entry's identity within its feed, the key that decides whether
 * an entry is new (DESIGN.md): its guid/id when present, else its
 * normalized link, else a hash of title, date and summary.
 *
 * Real feeds bend each rule, so identities are assigned to a whole
 * document at once:
 * - a guid that several items of the document share (feeds that put the
 *   site's URL, or one constant, in every guid) is not an identity: those
 *   items fall back to their link;
 * - a link that several of the remaining items share (several items
 *   pointing at one page) is not an identity either: those fall back to
 *   the hash;
 * - items identical in title, date and summary are one entry.
 * The result depends only on the document, so re-reading an unchanged
 * feed gives the same identities. Identities carry their kind as a prefix
 * ("g:", "l:", "h:") so a guid never collides with a link.
 */
#ifndef FEEDMAIL_IDENT_H
#define FEEDMAIL_IDENT_H

#include <stddef.h>

#include "lib/feed.h"
#include "store/store.h"

/* Returns n malloc'd identities (an array the caller frees with
 * ident_free), one per entry, in order; NULL when out of memory. Two
 * entries of the document may get the same identity only when they are
 * the same item given twice. */
char **ident_assign(const struct entry *const *entries, size_t n);
void ident_free(char **idents, size_t n);

/* The key under which a link is compared with other links (of this feed
 * and, for merging in the digest, of other feeds): url_dedup_key, or the
 * link itself when it is not an http(s) URL. Malloc'd; NULL for NULL. */
char *ident_link_key(const char *link);

/* A hash of what a reader sees of the entry (title, link, summary,
 * content, dates, author), to notice an edit. */
void ident_content_hash(const struct entry *en, char out[17]);

/* Fills out with a document's n entries and, for each, what the store
 * compares: its identity (ident_assign), its link's key and its content
 * hash. 0, or -1 when memory runs out (out then empty). The arrays are
 * malloc'd: ident_entries_release frees them. */
int ident_entries(const struct entry *const *entries, size_t n,
		  struct store_entries *out);
void ident_entries_release(struct store_entries *out);

#endif
