/*
 * html: article HTML (a fragment, UTF-8) made into plain text, a short
 * summary, or a sanitized fragment for the digest's HTML part.
 *
 * Invariants: libxml2's HTML parser does the tokenizing (recovering, never
 * the network, never external entities); a pass of ours before it repairs
 * invalid UTF-8 and control bytes (as U+FFFD and spaces), decodes numeric
 * references as HTML5 does (&#146; is a right quote), adds a few HTML5
 * named entities to libxml2's HTML 4 set, accepts the Latin-1 entities
 * without ';' (&nbsp x), keeps CDATA sections as text and drops comments.
 * The tree is walked without recursion; libxml2 stops parsing at 256
 * levels of nesting, so what follows so deep a point is dropped (no real
 * article nests that deep). Inputs longer than HTML_INPUT_MAX bytes are
 * refused. Every function appends to out within out's cap; on failure out
 * is left as it was and e says why (EX_DATAERR: too long for a cap;
 * EX_OSERR: memory).
 */
#ifndef FEEDMAIL_HTML_H
#define FEEDMAIL_HTML_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Longest HTML accepted, in bytes. */
#define HTML_INPUT_MAX (16u * 1024 * 1024)

/* Appends len bytes of s as HTML text: & < > as references, and " too
 * when attr (for an attribute value in double quotes). Appends to out. */
int html_escape(struct buf *out, const char *s, size_t len, int attr);

/* The digits of a numeric character reference (s after "&#" or "&#x"),
 * read up to len bytes or the first other byte: their number, their
 * value in *v (any value past U+10FFFF is left past it, never wrapped). */
size_t html_ref_digits(const char *s, size_t len, int hex, unsigned long *v);

/* HTML to plain text: scripts, styles, noscript, iframes, images, forms,
 * svg, objects and the like dropped with their content; block elements
 * (p, div, br, li, h1-h6, blockquote, tr, pre...) become line breaks,
 * paragraphs are separated by one blank line (at most one, also for
 * repeated <br>); list items are prefixed "- " and indented two spaces per
 * nesting level; table cells are separated by a space; entities decoded,
 * &nbsp; as a space; runs of white space collapse to one space except in
 * <pre>; CDATA text kept; no leading or trailing white space, none at line
 * ends. Appends to out. */
int html_to_text(struct buf *out, const char *html, size_t len, struct err *e);

/* A summary of about `words` words (taken as 1 when smaller): the text of
 * html_to_text on one line (line and paragraph breaks become one space),
 * with boilerplate tails removed ("The post X appeared first on Y.",
 * "Lire la suite", "Continue reading", "Read more", "Réagir", "[…]",
 * "(…)", a trailing "…" and arrows). Text of at most `words` words is
 * returned whole. Longer text is cut at the last sentence end (. ! ? or …
 * followed by a space) within the first `words` words when that keeps at
 * least half of them, and " …" is appended; else it is cut after word
 * `words`, trailing , ; : and dashes removed, and "…" appended. Words are
 * runs of non-space characters, so a cut never splits a word or a UTF-8
 * sequence. Appends to out. Returns 1 when the summary is the whole text
 * (nothing cut, no tail removed), 0 when it was shortened, -1 on error. */
int html_summary(struct buf *out, const char *html, size_t len, int words,
		 struct err *e);

/* Sanitizes article HTML for the digest's HTML part by an allow-list.
 * Kept elements: p br b strong i em u s a ul ol li blockquote h3-h6 (h1 and
 * h2 become h3, the digest owns the top headings) pre code table thead
 * tbody (tfoot as tbody) tr td th span div; sub, sup, abbr, q, small, cite,
 * del, ins, dl/dt/dd and sectioning elements are unwrapped or become div so
 * text keeps its blocks; hr becomes br. An img is replaced by its alt text
 * (no remote images in mail). Attributes: title on any kept element; href
 * on a when, resolved against base_url (may be NULL), it is an absolute
 * http, https or mailto URL, else the link's text is kept without the <a>;
 * colspan and rowspan (1 to 3 digits) on td and th. Everything else
 * (script, style, iframe, object, embed, form, svg, on* and style
 * attributes...) is removed, dropped elements with their content.
 * The output is well-formed XML as well as HTML (void elements written
 * "<br/>"), UTF-8, with & < > " escaped. Appends to out. */
int html_sanitize(struct buf *out, const char *html, size_t len,
		  const char *base_url, struct err *e);

#endif
