/*
 * mime: builds the digest e-mail as bytes (RFC 5322, MIME RFC 2045-2047,
 * RFC 2369 / 2919 / 8058 list headers). libesmtp and the other transports
 * only carry what this module renders.
 *
 * Invariants of every rendered message:
 * - CRLF line endings only; no line over 998 octets, and header lines at
 *   most 78 columns except where one address, list id or URL is longer;
 * - a header value that came from a feed (subject, display names, the
 *   List-Id phrase) is cleaned first, as utf8_printable() shows any outside
 *   text: CR, LF, tabs, NEL and U+2028/U+2029 become spaces, other C0 and
 *   C1 controls, DEL, ANSI sequences and the bidirectional formatting
 *   characters go, invalid UTF-8 becomes U+FFFD; then runs of white space
 *   become one space and leading and trailing spaces go. Folding only
 *   ever inserts CRLF before a space, so nothing in a value can start a
 *   header of its own;
 * - a value that is not plain printable ASCII (or holds "=?", or a word too
 *   long to fold) is sent as RFC 2047 encoded-words, charset UTF-8, Q or B
 *   encoding whichever is shorter, each word at most 75 characters and
 *   never splitting a UTF-8 sequence;
 * - bodies are quoted-printable UTF-8 (text and HTML alike), invalid UTF-8
 *   replaced by U+FFFD; the multipart boundary starts with "=_", which
 *   quoted-printable output can never contain;
 * - addresses are checked with addr_ascii() and written in that form: a
 *   non-ASCII (IDN) domain as IDNA A-labels ("contact@xn--socit-esab.fr"),
 *   as in the SMTP envelope, so that no header needs SMTPUTF8 (RFC 6532);
 *   the display name carries the rest.
 * - the output is deterministic: the same message renders to the same bytes
 *   (the boundary derives from the Message-ID).
 */
#ifndef FEEDMAIL_MIME_H
#define FEEDMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define MIME_LINE_MAX 78     /* RFC 5322 2.1.1: SHOULD, excluding CRLF */
#define MIME_LINE_HARD 998   /* RFC 5322 2.1.1: MUST, excluding CRLF */
#define MIME_WORD_MAX 75     /* RFC 2047 2: one encoded-word */
#define MIME_QP_LINE 76      /* RFC 2045 6.7 (5): one encoded line */
#define MIME_WRAP_WIDTH 72   /* text part, in code points */
#define MIME_VALUE_MAX 16384 /* one header value, in bytes, once cleaned */
#define MIME_URL_MAX 900     /* one List-Unsubscribe target */
#define MIME_ID_MAX 250      /* a Message-ID with its angle brackets */

struct mime_address {
	const char *name; /* display name, UTF-8, may be NULL or non-ASCII */
	const char *addr; /* bare "local@domain", checked by addr_ascii */
};

struct mime_message {
	struct mime_address from, to;
	const char *subject;    /* UTF-8, anything a feed had; NULL = empty */
	int64_t date;           /* epoch seconds, written in UTC "+0000" */
	const char *message_id; /* "<...@...>", from mime_message_id() */
	const char *list_id;    /* "Veille <digest.example.org>" or just
	                         * "digest.example.org"; NULL = none */
	const char *unsubscribe_mailto; /* "mailto:..." or NULL */
	const char *
		unsubscribe_url; /* "https://..." (or "http://"), or NULL; when set,
	                                 * List-Unsubscribe-Post too */
	long entries;            /* X-Feedmail-Entries, >= 0 */
	const char *text;        /* UTF-8 text/plain body, required */
	const char *html;        /* UTF-8 text/html body, NULL = text only */
};

/*
 * Renders m and appends it to out: headers Date, From, To, Subject,
 * Message-ID, Auto-Submitted: auto-generated, List-Id, List-Unsubscribe,
 * List-Unsubscribe-Post, X-Feedmail-Entries, MIME-Version, then either one
 * text/plain part or multipart/alternative (text first, then HTML), both
 * quoted-printable UTF-8. The text is encoded as given: wrap it first with
 * mime_wrap_text() if it is to read well. Each part decodes to exactly the
 * body given, except that line breaks become CRLF, invalid UTF-8 becomes
 * U+FFFD and, in a text-only mail, a text not ending in a line break gets
 * one (the mail must end with CRLF). The rendered message is at most
 * BUF_MAX_DOC bytes (and within out's own max). Returns 0, or -1 with out
 * unchanged and e set: EX_DATAERR for an invalid address, Message-ID,
 * List-Id or unsubscribe target (mailto: or https:// only, printable ASCII,
 * at most MIME_URL_MAX), EX_SOFTWARE for a missing text, a negative count
 * or the size cap, EX_OSERR when memory runs out.
 */
int mime_render(const struct mime_message *m, struct buf *out, struct err *e);

/*
 * Appends one whole header field "Name: value" CRLF to out, value cleaned
 * as above, folded at 78 columns (the name's own width counted) and
 * RFC 2047-encoded only when it is not printable ASCII. value NULL or
 * empty gives "Name:" CRLF. name must be RFC 5322 ftext (printable ASCII
 * without ':'), at most 60 characters. Returns 0, or -1 with out unchanged
 * and e set: EX_SOFTWARE for a bad name, EX_DATAERR for a value over
 * MIME_VALUE_MAX bytes once cleaned, EX_SOFTWARE/EX_OSERR when out is
 * full or memory runs out.
 */
int mime_encode_header(struct buf *out, const char *name, const char *value,
		       struct err *e);

/*
 * Returns a malloc'd Message-ID "<HEX.feedmail@domain>" (the caller frees
 * it) where HEX is 32 hex digits of a 128-bit FNV-1a hash of seed: the same
 * seed always gives the same id, so a retried digest keeps its id. domain
 * is a dot-atom (letters, digits, RFC 5322 atext, dots, UTF-8 allowed) or
 * an address literal "[...]". NULL when seed or domain is NULL, domain is
 * empty, malformed or over 200 bytes, or memory runs out.
 */
char *mime_message_id(const char *seed, const char *domain);

/*
 * Appends the quoted-printable form (RFC 2045 6.7) of len bytes of text:
 * LF or CRLF becomes a CRLF hard line break, a lone CR is =0D; encoded
 * lines are at most 76 characters with "=" soft breaks, which never fall
 * inside an =XX escape or a UTF-8 character's escapes; white space before
 * a line break or the end is encoded; "From " and "." at the start of an
 * encoded line are encoded too (=46rom, =2E) so that mbox files and SMTP
 * dot handling cannot alter the text; '=', controls and non-ASCII bytes
 * are =XX. Output ends with CRLF only when text ends with a line break.
 * Returns 0, or -1 (errno EMSGSIZE/ENOMEM) with out unchanged.
 */
int mime_qp_encode(struct buf *out, const char *text, size_t len);

/*
 * Appends text wrapped at width columns (code points; a tab or a wide
 * character counts as one) for the text part: lines are broken at spaces
 * only, and a word is never broken. A word longer than width minus the
 * indentation (a URL) is not moved to a line of its own, as no line would
 * hold it: it stays after what precedes it; nor is the word after a short
 * label that begins a line ("-", "1.", "[12]"). Existing line breaks stay
 * (CRLF becomes LF); a line's indentation is repeated on its continuation
 * lines; the spaces at a break go. Returns 0, or -1 with out unchanged
 * (errno EINVAL for width < 1, EMSGSIZE/ENOMEM for out).
 */
int mime_wrap_text(struct buf *out, const char *text, int width);

#endif
