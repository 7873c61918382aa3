/*
 * parse_int: what the parse*.c files share, not for other modules.
 *
 * parse.c sniffs the format and the encoding and turns every input into
 * UTF-8; parse_filter.c makes that text digestible for libxml2 (XML
 * declaration and DOCTYPE dropped, stray '&' escaped, HTML entities turned
 * into character references); parse_xml.c is the SAX2 handler building
 * entries; parse_json.c reads JSON Feed; parse_text.c holds the string
 * helpers (HTML to plain text, white space); html.c escapes HTML.
 */
#ifndef FEEDMAIL_PARSE_INT_H
#define FEEDMAIL_PARSE_INT_H

#include <iconv.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/feed.h"
#include "parse/parse.h"

/* Bytes looked at before deciding encoding and format. */
#define PARSE_SNIFF_LEN 2048
/* Internal DTD subset entities: how many, how long, and how many bytes
 * all their expansions together may produce (billion laughs stays
 * linear and small). */
#define PARSE_MAX_DTD_ENTITIES 64
#define PARSE_MAX_ENTITY_VALUE 1024
#define PARSE_MAX_ENTITY_EXPANSION (1u * 1024 * 1024)
/* Longest construct held back between chunks: a DOCTYPE with its
 * internal subset, an XML declaration. */
#define PARSE_MAX_PROLOG_ITEM (64u * 1024)
/* Longest tag given to libxml2 (attributes past it are dropped). */
#define PARSE_MAX_TAG (1u * 1024 * 1024)
/* Longest CDATA section given to libxml2 (longer ones are split). */
#define PARSE_MAX_SECTION (1u * 1024 * 1024)
/* Bytes of input decoded and filtered at a time. */
#define PARSE_SLICE (64u * 1024)
/* Bytes given to libxml2 at a time (see parse_xml_push). */
#define PARSE_XML_BLOCK 4096
/* Element nesting we follow; deeper content is ignored. */
#define PARSE_MAX_DEPTH 200

struct parse_xml;

struct dtd_entity {
	char *name;
	char *value; /* already escaped for XML text */
};

struct xml_filter {
	int state;        /* FILTER_* in parse_filter.c */
	struct buf carry; /* incomplete construct from the last chunk */
	struct dtd_entity ents[PARSE_MAX_DTD_ENTITIES];
	size_t nents;
	size_t expanded;    /* bytes produced by DTD entities so far */
	size_t section_len; /* bytes of the current CDATA section */
	int text_cdata;     /* FILTER_BODY: in a CDATA section the
	                     * filter opened for escaped markup */
	size_t tag_len;     /* bytes of the current tag */
	char quote;         /* the quote of the attribute value we
	                     * are in, or 0 */
	char cut_quote;     /* the quote we were in where it was cut */
	int in_subset;      /* FILTER_DOCTYPE: inside [ ] */
	int after;          /* state after a comment or PI */
	char last;          /* last non-space character of the tag */
	int saw_html_doctype;
};

struct parse_warning {
	enum parse_warning_kind kind;
	long line;
	char *msg;
};

enum parse_state {
	PARSE_SNIFF,
	PARSE_XML,
	PARSE_JSON,
	PARSE_STOPPED, /* the callback asked to stop */
	PARSE_FAILED,
};

struct parser {
	struct parse_callbacks cb;
	char *base;    /* Content-Location, else document URL */
	char *charset; /* charset of Content-Type, or NULL */
	char *content_language;
	int64_t now;
	enum parse_state state;
	struct err err; /* the failure, once state is FAILED */

	struct buf head;        /* first bytes, until sniffed */
	iconv_t cd;             /* (iconv_t)-1: input is UTF-8 */
	int enc_declared;       /* else bad UTF-8 bytes read as cp1252 */
	unsigned char pend[16]; /* incomplete sequence from the last chunk */
	size_t npend;
	struct buf dec;  /* scratch: decoded text */
	struct buf filt; /* filtered text not yet given to libxml2 */

	struct xml_filter filter;
	struct parse_xml *xml;
	struct buf json;

	struct feed *feed;
	size_t nentries;
	struct parse_warning warnings[PARSE_WARN__COUNT];
	size_t nwarnings;
	unsigned warned; /* bit per kind */
	int not_a_feed;  /* failed by parser_reject */
};

/* parse.c */
void parser_warn(struct parser *p, enum parse_warning_kind kind, long line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Gives a finished entry to the callback; 1 if it asked to stop or
 * failed (the parse then is PARSE_STOPPED or PARSE_FAILED). */
int parser_emit(struct parser *p, const struct entry *en);
/* date_parse with the warnings: DATE_NONE when unparseable. */
int64_t parser_date(struct parser *p, const char *s, long line);
/* Marks the parse failed with this error; returns -1. */
int parser_fail(struct parser *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a document that is not a feed at all (EX_DATAERR; see
 * parser_not_a_feed). */
int parser_reject(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* parse_filter.c: text in (UTF-8), text for libxml2 out (appended). */
void filter_init(struct xml_filter *f);
void filter_release(struct xml_filter *f);
int filter_run(struct parser *p, const char *s, size_t len, int final,
	       struct buf *out);

/* parse_xml.c */
int parse_xml_begin(struct parser *p, struct err *e);
int parse_xml_push(struct parser *p, const char *s, size_t len, int final,
		   struct err *e);
/* 0 when a feed was read, -1 with e set otherwise. */
int parse_xml_end(struct parser *p, struct err *e);
void parse_xml_free(struct parse_xml *x);
long parse_xml_line(const struct parse_xml *x);

/* parse_json.c: the whole document. */
int parse_json_doc(struct parser *p, const char *s, size_t len, struct err *e);

/* parse_text.c */
/* Copies an HTML fragment, with the URL attributes of its tags (href,
 * src...) resolved against base. -1 on cap/memory. */
int text_resolve_html(const char *html, size_t len, const char *base,
		      struct buf *out);
/* Collapses runs of white space to one space and trims, in place. */
void text_collapse_ws(struct buf *b);
/* Decodes base64 (white space ignored) in place; -1 when invalid. */
int text_base64_decode(struct buf *b);
/* The code point of an HTML 4 named entity, or -1. */
long text_html_entity(const char *name, size_t len);
/* Strict duplicate of a buf's content, NULL for an empty one. */
char *text_dup_nonempty(const struct buf *b);

#endif
