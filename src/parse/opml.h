/*
 * opml: the subscription lists other feed readers import and export
 * (OPML 1.0 and 2.0), read with libxml2 and written by hand.
 *
 * A struct opml owns everything it points to (malloc'd strings, freed by
 * opml_release). Feeds keep the order of the file. Reading never reaches
 * the network, never loads a DTD and refuses documents that declare
 * entities; files are capped at OPML_MAX_FILE bytes.
 *
 * Reading: an outline with a non-blank xmlUrl attribute, or url when its
 * type is not "link" or "include" (those point at web pages and other OPML
 * files), is a feed; attribute names are compared without case. Its title
 * is the title attribute, else text. Any other outline is a category: its
 * text (else title) is a tag of every feed inside it, outermost first, each
 * enclosing level one tag. A feed's "category" attribute adds tags after
 * those: comma separated paths, each "/"-separated component one tag
 * ("/News/Tech,Local" gives News, Tech, Local). All values are trimmed of
 * white space and a blank value counts as absent (title NULL, tag
 * skipped); a tag already in the list is not added again.
 *
 * Writing (OPML 2.0, UTF-8): tags are written as nested category outlines,
 * the first tag outermost, never as category attributes, so any text
 * (commas and slashes included) survives. Consecutive feeds share the
 * category outlines of their common leading tags; a feed whose tags differ
 * from the previous feed's closes and opens outlines as needed, so the
 * order of the feeds is kept even when that means writing a category twice.
 * A feed is <outline type="rss" text=T title=T xmlUrl=U htmlUrl=H/>,
 * htmlUrl (its site) when known: read back from a non-blank htmlUrl,
 * trimmed. As a result,
 * opml_read(opml_write(x)) gives back exactly x for anything opml_read
 * produced (trimmed, non-blank, distinct values); other input comes back
 * trimmed, with blank tags and titles dropped and repeated tags once.
 * Characters XML 1.0 cannot carry (controls other than tab, CR, LF) are
 * left out; invalid UTF-8 becomes U+FFFD.
 */
#ifndef FEEDMAIL_OPML_H
#define FEEDMAIL_OPML_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

#define OPML_MAX_FILE (16u * 1024 * 1024)
/* Tags of one feed (libxml2 refuses nesting past 256 levels anyway) and
 * tags of all feeds together, so that a 16 MB file stays a few MB. */
#define OPML_MAX_TAGS 64
#define OPML_MAX_TAGS_TOTAL 1000000

struct opml_feed {
	char *url;
	char *title;    /* NULL when the file gives none */
	char *html_url; /* the feed's site, NULL when unknown */
	char **tags;
	size_t ntags;
};

struct opml {
	struct opml_feed *feeds;
	size_t nfeeds;
	char *title; /* head/title, NULL when absent */
};

/* Reads OPML 1.0/2.0 from path into out (which it first sets empty; on
 * failure out is left empty). Returns 0, or -1 with:
 * EX_NOINPUT "PATH: strerror" when the file cannot be opened or read;
 * EX_DATAERR "PATH: larger than 16 MB";
 * EX_DATAERR "PATH:LINE: what" for malformed XML (libxml2's line and
 * message; an empty file is "PATH:1: document is empty");
 * EX_DATAERR "PATH: not an OPML file (root element is 'x')";
 * EX_DATAERR "PATH: entity declarations are not allowed";
 * EX_DATAERR "PATH: feed N has more than 64 tags" and
 * "PATH: more than 1000000 tags in all" (the caps above);
 * EX_OSERR when memory runs out. */
int opml_read(const char *path, struct opml *out, struct err *e);

/* Frees everything o owns and leaves it empty. NULL-safe. */
void opml_release(struct opml *o);

/* Appends a feed to o with copies of url, title (may be NULL) and the
 * ntags tags. Returns 0, or -1 with EX_OSERR when memory runs out (o is
 * then unchanged). */
int opml_add_feed(struct opml *o, const char *url, const char *title,
		  const char *const *tags, size_t ntags, struct err *e);

/* Sets the site (htmlUrl) of the feed opml_add_feed added last to a copy
 * of html_url (NULL or blank: none). 0, or -1 with EX_OSERR. */
int opml_set_html_url(struct opml *o, const char *html_url, struct err *e);

/* Writes o to f as OPML 2.0 following the scheme above. Every feed must
 * have a non-blank url and at most OPML_MAX_TAGS non-blank tags (else -1
 * with EX_SOFTWARE and nothing written).
 * Returns 0, or -1 with EX_IOERR "write OPML: strerror" when f fails
 * (checked with fflush and ferror at the end). */
int opml_write(FILE *f, const struct opml *o, struct err *e);

#endif
