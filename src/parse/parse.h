/*
 * parse: bytes of a feed document in, struct feed + struct entry out.
 *
 * A push parser: the caller (the fetcher, `feedmail parse`) hands over the
 * bytes as they arrive with parser_push(); each entry is given to the entry
 * callback as soon as its closing tag is read, then freed, so memory stays
 * flat whatever the size of an XML feed. JSON Feed documents are the
 * exception: they are held whole (at most BUF_MAX_DOC bytes) and parsed at
 * parser_finish().
 *
 * The format is sniffed from the first bytes: RSS 0.90 to 2.0, RSS 1.0
 * (RDF), Atom 0.3 and 1.0 through libxml2's SAX2 push parser; JSON Feed 1.0
 * and 1.1 through jansson. Bytes are transcoded to UTF-8 before libxml2
 * sees them (byte-order mark, then the HTTP charset, then the XML
 * declaration, then UTF-8; ISO-8859-1 and US-ASCII labels read as
 * windows-1252), invalid sequences are repaired and XML-illegal characters
 * dropped. Broken XML is recovered where entries are readable (an end tag
 * closes down to its element, as in HTML); undefined HTML entities (&nbsp;
 * &eacute;...) are decoded. No DTD or external entity is ever loaded (simple
 * internal text entities are expanded, 1 MB in all at most), nothing
 * reaches the network, element depth and field sizes are capped
 * (BUF_MAX_FIELD per field, longer ones cut with a warning). The result does
 * not depend on how the bytes were cut into pushes.
 *
 * Problems that do not stop the parse are kept as warnings, one per kind
 * (the first occurrence), readable with parser_warning().
 */
#ifndef FEEDMAIL_PARSE_H
#define FEEDMAIL_PARSE_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/feed.h"

struct parser;

struct parse_callbacks {
	/* called once per entry as soon as it is complete; feed holds the
	 * channel fields seen so far; entry is borrowed until return. As
	 * the store's walks (store.h, "Callbacks"): 0 goes on, 1 stops the
	 * parse (what was read so far is the feed), -1 with e fails it
	 * (parser_push or parser_finish then return -1 with e). */
	int (*entry)(const struct feed *feed, const struct entry *entry,
		     void *arg, struct err *e);
	void *arg;
};

/* Kinds of warnings; each is recorded once per document. */
enum parse_warning_kind {
	PARSE_WARN_MALFORMED,   /* XML errors recovered */
	PARSE_WARN_ENCODING,    /* unknown charset, bytes repaired */
	PARSE_WARN_BAD_DATE,    /* a date that did not parse (now null) */
	PARSE_WARN_FUTURE_DATE, /* a date more than a day ahead */
	PARSE_WARN_TRUNCATED,   /* a field or list over its cap */
	PARSE_WARN_ENTITY,      /* an undefined entity kept as text */
	PARSE_WARN__COUNT
};

/*
 * Starts a document. doc_url (may be NULL) is the URL it was fetched from,
 * the last resort base for relative links; content_type is the raw HTTP
 * Content-Type header (its charset wins over the XML declaration) or NULL;
 * content_location the raw Content-Location header or NULL (resolved
 * against doc_url, used as base when http/https). The callbacks are copied;
 * cb may be NULL. Returns NULL with e set (EX_OSERR) when out of memory.
 */
struct parser *parser_new(const char *doc_url, const char *content_type,
			  const char *content_location,
			  const struct parse_callbacks *cb, struct err *e);
/* The HTTP Content-Language header: the feed's language when the feed
 * names none. Call before the first parser_push(). 0, or -1 (EX_OSERR). */
int parser_set_content_language(struct parser *p, const char *lang,
				struct err *e);
/*
 * Parses len more bytes. Returns 0, or -1 with e set when the document
 * cannot be a feed (EX_DATAERR: "not a feed (HTML page)", a JSON document
 * over BUF_MAX_DOC...) or memory ran out (EX_OSERR); after -1 or after the
 * entry callback asked to stop, further pushes do nothing.
 */
int parser_push(struct parser *p, const char *bytes, size_t len, struct err *e);
/*
 * Ends the document: entries still open (a truncated feed) are completed
 * and given to the callback. On success returns 0 and sets *feed_out to
 * the feed-level fields (caller frees with feed_free). Returns -1 with e
 * set (EX_DATAERR) when nothing could be read as a feed; *feed_out is then
 * NULL.
 */
int parser_finish(struct parser *p, struct feed **feed_out, struct err *e);
/* Whether the parse failed because the document is not a feed at all (an
 * HTML page, a JSON document that is no JSON Feed, an empty document...)
 * rather than a feed that cannot be read. */
int parser_not_a_feed(const struct parser *p);
/* Frees the parser. NULL-safe. */
void parser_free(struct parser *p);

/* The number of warnings so far, and the i-th one (its message, and the
 * line of the document where it happened, 0 when unknown). NULL when i is
 * out of range. The string belongs to the parser. */
size_t parser_warning_count(const struct parser *p);
const char *parser_warning(const struct parser *p, size_t i, long *line,
			   enum parse_warning_kind *kind);
/* The line being parsed, for an error message ("FILE:LINE: what"). */
long parser_line(const struct parser *p);
/* Number of entries given to the callback so far. */
size_t parser_entry_count(const struct parser *p);

#endif
