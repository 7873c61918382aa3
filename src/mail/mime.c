#include "config.h"

#include "mail/mime.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/date.h"
#include "lib/utf8.h"

#define EW_OVERHEAD 12     /* "=?UTF-8?Q?" and "?=" */
#define NAME_MAX_LEN 60    /* a header name we write */
#define DOMAIN_MAX_LEN 200 /* the domain of a Message-ID */
#define BOUNDARY_PREFIX "=_feedmail_"

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";
static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Turns a failed buf operation into an error: EX_OSERR when memory ran out,
 * else the size cap (EX_SOFTWARE: our own output grew too large; a whole
 * message is at most BUF_MAX_DOC). */
static int
buf_error(struct err *e, const char *what)
{
	if (errno == ENOMEM)
		return err_set(e, EX_OSERR, "%s: out of memory", what);
	return err_set(e, EX_SOFTWARE, "%s: output over its size cap", what);
}

/* Length of a sequence in text already known to be valid UTF-8. */
static size_t
utf8_seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static int
all_valid_utf8(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		/* most of a digest is ASCII: skip it without decoding, eight
		 * bytes at a time */
		if (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (!(w & UINT64_C(0x8080808080808080))) {
				i += 8;
				continue;
			}
		}
		if (!((unsigned char)s[i] & 0x80)) {
			i++;
			continue;
		}
		k = utf8_valid((const unsigned char *)s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Appends s with every invalid UTF-8 byte replaced by U+FFFD. */
static int
utf8_repair(struct buf *dst, const char *s, size_t n)
{
	size_t i = 0, k, run = 0;

	while (i < n) {
		k = utf8_valid((const unsigned char *)s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		if (buf_add(dst, s + run, i - run) < 0 ||
		    buf_add(dst, "\xef\xbf\xbd", 3) < 0)
			return -1;
		run = ++i;
	}
	return buf_add(dst, s + run, n - run);
}

/* RFC 5322 3.2.3 dot-atom-text, with RFC 6532 UTF-8 bytes as atext. */
static int
is_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' ? s[i + 1] == '.' :
			       !(c >= 0x80 || addr_is_atext(c)))
			return 0;
	}
	return all_valid_utf8(s, n);
}

/*
 * Cleans a header value taken from outside into dst (see mime.h): shown as
 * utf8_printable() shows any outside text (line breaks and tabs a space;
 * C0, DEL, C1, ANSI sequences and bidirectional formatting gone; invalid
 * UTF-8 U+FFFD), then white space collapsed and trimmed. NEL and
 * U+2028/U+2029 become spaces there too, since some readers take them for
 * line ends once the encoded-word is decoded.
 */
static int
clean_value(struct buf *dst, const char *v, size_t n, struct err *e)
{
	struct buf shown;
	const char *p, *end, *word;
	int rc = 0;

	/* U+FFFD (3 octets) for one invalid octet at most */
	buf_init(&shown, n < (SIZE_MAX - 1) / 3 ? 3 * n + 1 : SIZE_MAX);
	if (utf8_printable(&shown, v, n) < 0) {
		rc = EX_OSERR;
		goto out;
	}
	for (p = shown.data, end = p + shown.len; p < end && rc == 0;) {
		while (p < end && *p == ' ')
			p++;
		word = p;
		while (p < end && *p != ' ')
			p++;
		if (p > word && ((dst->len && buf_addch(dst, ' ') < 0) ||
				 buf_add(dst, word, (size_t)(p - word)) < 0))
			rc = errno == ENOMEM ? EX_OSERR : EX_DATAERR;
	}
out:
	buf_release(&shown);
	if (rc == EX_OSERR)
		return err_set(e, EX_OSERR, "out of memory");
	if (rc)
		return err_set(e, EX_DATAERR, "header value over %u bytes",
			       MIME_VALUE_MAX);
	return 0;
}

/*
 * A header field being written: out, and the column the current line has
 * reached. Tokens go in with a space before them; a token that would pass
 * MIME_LINE_MAX starts a continuation line instead (RFC 5322 2.2.3: fold
 * by putting CRLF before white space).
 */
struct hdr {
	struct buf *out;
	size_t col;
	int bare; /* nothing written yet after "Name:" */
};

static int
hdr_begin(struct hdr *h, struct buf *out, const char *name)
{
	h->out = out;
	h->col = strlen(name) + 1;
	h->bare = 1;
	if (buf_adds(out, name) < 0 || buf_addch(out, ':') < 0)
		return -1;
	return 0;
}

static int
hdr_token(struct hdr *h, const char *s, size_t len)
{
	if (h->col + 1 + len > MIME_LINE_MAX) {
		if (buf_add(h->out, "\r\n", 2) < 0)
			return -1;
		h->col = 0;
	}
	if (buf_addch(h->out, ' ') < 0 || buf_add(h->out, s, len) < 0)
		return -1;
	h->col += 1 + len;
	h->bare = 0;
	return 0;
}

static int
hdr_end(struct hdr *h)
{
	return buf_add(h->out, "\r\n", 2);
}

/* Each space-separated word of s as a token. */
static int
put_words(struct hdr *h, const char *s, size_t n)
{
	size_t i = 0, w;

	while (i < n) {
		w = i;
		while (i < n && s[i] != ' ')
			i++;
		if (i > w && hdr_token(h, s + w, i - w) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* Whether cleaned text must go as encoded-words: non-ASCII, something a
 * reader would take for an encoded-word, or a word too long to fold. */
static int
needs_encoding(const char *s, size_t n)
{
	size_t i, word = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c == '=' && i + 1 < n && s[i + 1] == '?'))
			return 1;
		word = c == ' ' ? 0 : word + 1;
		if (word > MIME_LINE_MAX - 1)
			return 1;
	}
	return 0;
}

/* RFC 2047 5 (3): in a phrase a Q word may carry only letters, digits and
 * "!*+-/" as themselves; using that set everywhere keeps one encoder. */
static int
q_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!*+-/", c) != NULL);
}

static size_t
q_cost(unsigned char c)
{
	return c == ' ' || q_literal(c) ? 1 : 3;
}

static size_t
b_cost(size_t bytes)
{
	return (bytes + 2) / 3 * 4;
}

/* How many bytes of s, in whole UTF-8 sequences, fit in one encoded-word
 * of at most room characters. */
static size_t
ew_fit(const unsigned char *s, size_t n, int b64, size_t room)
{
	size_t i = 0, j, k, cost = 0, c;

	if (room <= EW_OVERHEAD)
		return 0;
	room -= EW_OVERHEAD;
	while (i < n) {
		k = utf8_seq_len(s[i]);
		if (k > n - i)
			k = n - i;
		if (b64) {
			if (b_cost(i + k) > room)
				break;
		} else {
			for (c = 0, j = 0; j < k; j++)
				c += q_cost(s[i + j]);
			if (cost + c > room)
				break;
			cost += c;
		}
		i += k;
	}
	return i;
}

/* Writes one encoded-word of the n bytes at s as a token. */
static int
ew_put(struct hdr *h, const unsigned char *s, size_t n, int b64)
{
	char w[MIME_WORD_MAX + 1];
	size_t o = 10, i;
	unsigned long v;

	memcpy(w, b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?", 10);
	if (b64) {
		for (i = 0; i < n; i += 3) {
			v = (unsigned long)s[i] << 16;
			if (i + 1 < n)
				v |= (unsigned long)s[i + 1] << 8;
			if (i + 2 < n)
				v |= s[i + 2];
			w[o++] = b64_alphabet[v >> 18 & 63];
			w[o++] = b64_alphabet[v >> 12 & 63];
			w[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
			w[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
		}
	} else {
		for (i = 0; i < n; i++) {
			if (s[i] == ' ') {
				w[o++] = '_'; /* RFC 2047 4.2 (2) */
			} else if (q_literal(s[i])) {
				w[o++] = (char)s[i];
			} else {
				w[o++] = '=';
				w[o++] = hex_upper[s[i] >> 4];
				w[o++] = hex_upper[s[i] & 15];
			}
		}
	}
	w[o++] = '?';
	w[o++] = '=';
	return hdr_token(h, w, o);
}

/*
 * Writes the whole of s as encoded-words, each as long as the current line
 * allows (RFC 2047 2: at most 75 characters; 2.2.3 of RFC 5322: lines at
 * most 78) and each holding whole UTF-8 sequences (RFC 2047 5: a word must
 * decode to whole characters). B or Q, whichever is shorter for s.
 */
static int
put_encoded(struct hdr *h, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i, k, room, qlen = 0;
	int b64;

	for (i = 0; i < n; i++)
		qlen += q_cost(s[i]);
	b64 = b_cost(n) < qlen;
	i = 0;
	while (i < n) {
		room = h->col + 1 < MIME_LINE_MAX ? MIME_LINE_MAX - h->col - 1 :
						    0;
		if (room > MIME_WORD_MAX)
			room = MIME_WORD_MAX;
		k = ew_fit(s + i, n - i, b64, room);
		/* a new line when not one character fits here, or when the
		 * rest would fit in one word there (fewer splits; but not
		 * right after the name, where readers such as Python's would
		 * keep the fold as a leading space) */
		if (!k || (k < n - i && !h->bare &&
			   ew_fit(s + i, n - i, b64, MIME_WORD_MAX) == n - i))
			k = ew_fit(s + i, n - i, b64, MIME_WORD_MAX);
		if (ew_put(h, s + i, k, b64) < 0)
			return -1;
		i += k;
	}
	return 0;
}

/* Cleaned unstructured text (RFC 5322 3.2.5), as is or encoded; encoded
 * too when its first word does not fit after the name, since a fold
 * there would read back as a leading space. */
static int
put_unstructured(struct hdr *h, const char *s, size_t n)
{
	size_t first = strcspn(s, " ");

	if (needs_encoding(s, n) ||
	    (first > n ? n : first) + 1 + h->col > MIME_LINE_MAX)
		return put_encoded(h, s, n);
	return put_words(h, s, n);
}

/* Whether a word of a phrase can go as a plain atom. */
static int
is_atom(const char *s, size_t n)
{
	size_t i;

	if (!n || n > MIME_LINE_MAX - 1 || needs_encoding(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if (!addr_is_atext((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * A phrase mixing atoms and encoded-words: each run of words that are not
 * atoms goes as encoded-words (its inner spaces encoded), the atoms as
 * they are. Besides reading better, this keeps the white space around an
 * atom, which every reader keeps; only a run too long for one word has
 * to be split between two encoded-words, where RFC 2047 6.2 readers drop
 * the space between them (Python 3.11's email package keeps it in a
 * display name: "respons able"), so runs are split only when they must.
 */
static int
put_mixed(struct hdr *h, const char *s, size_t n)
{
	size_t i = 0, w, run = 0;
	int in_run = 0;

	while (i <= n) {
		w = i;
		while (i < n && s[i] != ' ')
			i++;
		if (i > w && is_atom(s + w, i - w)) {
			if (in_run && put_encoded(h, s + run, w - 1 - run) < 0)
				return -1;
			in_run = 0;
			if (hdr_token(h, s + w, i - w) < 0)
				return -1;
		} else if (i > w && !in_run) {
			in_run = 1;
			run = w;
		}
		i++;
	}
	if (in_run && put_encoded(h, s + run, n - run) < 0)
		return -1;
	return 0;
}

/* A cleaned phrase (display name, List-Id description): atoms as they
 * are, other printable ASCII as a quoted-string when it fits a line, the
 * rest as atoms and encoded-words. */
static int
put_phrase(struct hdr *h, const char *s, size_t n)
{
	char q[MIME_LINE_MAX];
	size_t i, o = 0;
	int quote = 0;

	if (needs_encoding(s, n))
		return put_mixed(h, s, n);
	for (i = 0; i < n; i++)
		if (s[i] != ' ' && !addr_is_atext((unsigned char)s[i]))
			quote = 1;
	if (!quote)
		return put_words(h, s, n);
	/* RFC 5322 3.2.4: a quoted-string escapes '"' and '\'; one too long
	 * for a line is not folded inside its quotes */
	q[o++] = '"';
	for (i = 0; i < n; i++) {
		if (o + 3 > sizeof(q) - 1) /* room for ' ' before it */
			return put_mixed(h, s, n);
		if (s[i] == '"' || s[i] == '\\')
			q[o++] = '\\';
		q[o++] = s[i];
	}
	q[o++] = '"';
	return hdr_token(h, q, o);
}

/* RFC 5322 2.2: ftext is printable ASCII but ':'. */
static int
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (name[i] < 33 || name[i] > 126 || name[i] == ':')
			return 0;
	return 1;
}

int
mime_encode_header(struct buf *out, const char *name, const char *value,
		   struct err *e)
{
	struct buf v = BUF_INIT(MIME_VALUE_MAX);
	size_t start = out->len;
	struct hdr h;
	int rc = -1;

	if (!name || !valid_name(name))
		return err_set(e, EX_SOFTWARE, "invalid header name");
	if (value && clean_value(&v, value, strlen(value), e) < 0) {
		err_prefix(e, "%s", name);
		goto out;
	}
	if (hdr_begin(&h, out, name) < 0 ||
	    put_unstructured(&h, v.data, v.len) < 0 || hdr_end(&h) < 0) {
		buf_error(e, name);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		buf_setlen(out, start);
	buf_release(&v);
	return rc;
}

/* From or To: "name <addr>", or addr alone when there is no name. */
static int
put_mailbox(struct buf *out, const char *field, const struct mime_address *a,
	    struct err *e)
{
	struct buf name = BUF_INIT(MIME_VALUE_MAX);
	char tok[ADDR_MAX + 3], ascii[ADDR_SIZE];
	struct hdr h;
	size_t n;
	int rc = -1;

	if (!a->addr) {
		err_set(e, EX_DATAERR, "%s: no address", field);
		goto out;
	}
	if (strpbrk(a->addr, "<>\r\n")) {
		err_set(e, EX_DATAERR, "%s: invalid address", field);
		goto out;
	}
	/* the form the envelope has too: an IDN domain as A-labels, so
	 * that no header needs SMTPUTF8 (RFC 6532) */
	if (addr_ascii(a->addr, ascii, sizeof(ascii), e) < 0) {
		err_prefix(e, "%s", field);
		goto out;
	}
	n = strlen(ascii);
	if (n > ADDR_MAX) { /* addr_ascii's own limit, checked again */
		err_set(e, EX_DATAERR, "%s: address too long", field);
		goto out;
	}
	if (a->name && clean_value(&name, a->name, strlen(a->name), e) < 0) {
		err_prefix(e, "%s", field);
		goto out;
	}
	tok[0] = '<';
	memcpy(tok + 1, ascii, n);
	tok[n + 1] = '>';
	if (hdr_begin(&h, out, field) < 0)
		goto fail;
	if (name.len) {
		if (put_phrase(&h, name.data, name.len) < 0 ||
		    hdr_token(&h, tok, n + 2) < 0)
			goto fail;
	} else if (hdr_token(&h, ascii, n) < 0) {
		goto fail;
	}
	if (hdr_end(&h) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	buf_error(e, field);
out:
	buf_release(&name);
	return rc;
}

/* RFC 2919: "List-Id: [phrase] <id>", the value given as "phrase <id>" or
 * just "id". */
static int
put_list_id(struct buf *out, const char *v, struct err *e)
{
	struct buf phrase = BUF_INIT(MIME_VALUE_MAX), tok = BUF_INIT(300);
	const char *lt = strrchr(v, '<'), *id = lt ? lt + 1 : v;
	size_t n = strlen(id);
	struct hdr h;
	int rc = -1;

	if (lt) {
		if (!n || id[n - 1] != '>')
			goto bad;
		n--;
	}
	if (n > 255 || !is_dot_atom(id, n))
		goto bad;
	if (lt && clean_value(&phrase, v, (size_t)(lt - v), e) < 0) {
		err_prefix(e, "List-Id");
		goto out;
	}
	if (buf_addch(&tok, '<') < 0 || buf_add(&tok, id, n) < 0 ||
	    buf_addch(&tok, '>') < 0 || hdr_begin(&h, out, "List-Id") < 0 ||
	    (phrase.len && put_phrase(&h, phrase.data, phrase.len) < 0) ||
	    hdr_token(&h, tok.data, tok.len) < 0 || hdr_end(&h) < 0) {
		buf_error(e, "List-Id");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	err_set(e, EX_DATAERR, "List-Id: not \"[name] <list.example.org>\"");
out:
	buf_release(&phrase);
	buf_release(&tok);
	return rc;
}

/* A List-Unsubscribe target: the scheme, then printable ASCII without
 * white space or what would end the angle brackets (RFC 2369 2). */
static int
valid_uri(const char *u, const char *scheme)
{
	size_t i, n = strlen(u), sn = strlen(scheme);

	if (n <= sn || n > MIME_URL_MAX || strncasecmp(u, scheme, sn))
		return 0;
	for (i = 0; i < n; i++)
		if (u[i] < 33 || u[i] > 126 || strchr("<>\"", u[i]))
			return 0;
	return 1;
}

static int
put_unsubscribe(struct buf *out, const char *mailto, const char *url,
		struct err *e)
{
	char tok[MIME_URL_MAX + 4];
	struct hdr h;
	size_t n;

	if (mailto && !valid_uri(mailto, "mailto:"))
		return err_set(e, EX_DATAERR,
			       "List-Unsubscribe: not a mailto: URL");
	/* RFC 8058 3.1: one-click needs an HTTPS URI; mailbox providers
	 * ignore an http one, which serves for tests on loopback (doctor
	 * warns about it) */
	if (url && !valid_uri(url, "https://") && !valid_uri(url, "http://"))
		return err_set(e, EX_DATAERR,
			       "List-Unsubscribe: not an http(s):// URL");
	if (hdr_begin(&h, out, "List-Unsubscribe") < 0)
		return buf_error(e, "List-Unsubscribe");
	if (mailto) {
		n = (size_t)snprintf(tok, sizeof(tok), "<%s>%s", mailto,
				     url ? "," : "");
		if (hdr_token(&h, tok, n) < 0)
			return buf_error(e, "List-Unsubscribe");
	}
	if (url) {
		n = (size_t)snprintf(tok, sizeof(tok), "<%s>", url);
		if (hdr_token(&h, tok, n) < 0)
			return buf_error(e, "List-Unsubscribe");
	}
	if (hdr_end(&h) < 0)
		return buf_error(e, "List-Unsubscribe");
	/* RFC 8058 3.1 */
	if (url && buf_adds(out, "List-Unsubscribe-Post: "
				 "List-Unsubscribe=One-Click\r\n") < 0)
		return buf_error(e, "List-Unsubscribe-Post");
	return 0;
}

/* "<...@...>" with one '@', no white space, controls or inner brackets. */
static int
valid_message_id(const char *id)
{
	size_t i, n = strlen(id), at = 0;

	if (n < 5 || n > MIME_ID_MAX || id[0] != '<' || id[n - 1] != '>')
		return 0;
	for (i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
			return 0;
		at += c == '@';
	}
	return at == 1 && id[1] != '@' && id[n - 2] != '@';
}

/* RFC 5322 3.3 date-time in UTC, "Thu, 26 Nov 2026 07:00:00 +0000", from
 * date's calendar (no gmtime, no TZ). Times before 1970 are written as
 * 1970-01-01. */
static void
format_date(int64_t t, char *out, size_t size)
{
	static const char wdays[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t days, secs, year;
	int mon, day;

	if (t < 0)
		t = 0;
	if (t > DATE_MAX)
		t = DATE_MAX;
	days = t / 86400;
	secs = t % 86400;
	date_civil_from_days(days, &year, &mon, &day);
	/* 1970-01-01 was a Thursday */
	snprintf(out, size, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000",
		 wdays + 3 * ((days + 4) % 7), day, months + 3 * (mon - 1),
		 (int)year, (int)(secs / 3600), (int)(secs / 60 % 60),
		 (int)(secs % 60));
}

/* FNV-1a, 128 bits: offset basis 0x6c62272e07bb014262b821756295c58d,
 * prime 2^88 + 0x13b, carried in two 64-bit halves. */
static void
fnv1a_128(const char *s, uint64_t *hi, uint64_t *lo)
{
	uint64_t h = UINT64_C(0x6c62272e07bb0142);
	uint64_t l = UINT64_C(0x62b821756295c58d);
	uint64_t carry;

	for (; *s; s++) {
		l ^= (unsigned char)*s;
		/* (h,l) * 0x13b: the bits of l * 0x13b past 64 carry into h */
		carry = ((l >> 32) * 0x13b +
			 ((l & 0xffffffffu) * 0x13b >> 32)) >>
			32;
		h = h * 0x13b + carry + (l << 24); /* + (h,l) << 88 */
		l *= 0x13b;
	}
	*hi = h;
	*lo = l;
}

static void
hex128(const char *seed, char out[33])
{
	uint64_t v[2];
	int i, j;

	fnv1a_128(seed, &v[0], &v[1]);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 16; j++)
			out[i * 16 + j] = hex_lower[v[i] >> (60 - 4 * j) & 15];
	out[32] = '\0';
}

char *
mime_message_id(const char *seed, const char *domain)
{
	struct buf b = BUF_INIT(MIME_ID_MAX);
	char hex[33];
	size_t i, n;

	if (!seed || !domain)
		return NULL;
	n = strlen(domain);
	if (!n || n > DOMAIN_MAX_LEN)
		return NULL;
	if (domain[0] == '[') {
		/* RFC 5322 3.6.4 no-fold-literal: dtext in brackets */
		if (n < 3 || domain[n - 1] != ']')
			return NULL;
		for (i = 1; i + 1 < n; i++)
			if (domain[i] < 33 || domain[i] > 126 ||
			    strchr("[]\\", domain[i]))
				return NULL;
	} else if (!is_dot_atom(domain, n)) {
		return NULL;
	}
	hex128(seed, hex);
	if (buf_addf(&b, "<%s.feedmail@%s>", hex, domain) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/*
 * Quoted-printable output is staged a few lines at a time in a small
 * array and appended with one buf_add per flush: one pass over the text,
 * no call per byte, and the buffer's cap is met exactly (a worst-case
 * reservation would refuse output that fits).
 */
#define QP_STAGE 1024
/* what one step may add: a soft break and 4 encoded bytes, or a run of
 * literal bytes up to column 75, and a line break */
#define QP_STEP_MAX (MIME_QP_LINE + 2)

/* Bytes that stand for themselves anywhere but at the end of a line:
 * printable ASCII except '=', and space and tab (RFC 2045 6.7 (2), (3)). */
static const unsigned char
	qp_plain[256] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, /* \t */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* space ! ... / */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, /* 0 ... ? but = */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* ... ~ not DEL */
						       /* 0x80 to 0xff: 0 */
	};

struct qp_out {
	struct buf *out;
	char stage[QP_STAGE];
	size_t n;
};

static int
qp_flush(struct qp_out *q)
{
	int rc = buf_add(q->out, q->stage, q->n);

	q->n = 0;
	return rc;
}

/* Room for one more step, flushing if needed. */
static int
qp_room(struct qp_out *q)
{
	return q->n + QP_STEP_MAX > QP_STAGE ? qp_flush(q) : 0;
}

static void
qp_escape(struct qp_out *q, unsigned char c)
{
	q->stage[q->n++] = '=';
	q->stage[q->n++] = hex_upper[c >> 4];
	q->stage[q->n++] = hex_upper[c & 15];
}

/* The bytes from s that go together: a lead byte with the continuation
 * bytes it announces (all there, before end), so that a soft break never
 * falls inside a character; else 1. */
static size_t
qp_group(const unsigned char *s, const unsigned char *end)
{
	size_t k, j;

	if (*s < 0xc0)
		return 1;
	k = utf8_seq_len(*s);
	if (k > (size_t)(end - s))
		return 1;
	for (j = 1; j < k; j++)
		if ((s[j] & 0xc0) != 0x80)
			return 1;
	return k;
}

/* One line of text (no line break in it) as encoded lines. */
static int
qp_line(struct qp_out *q, const unsigned char *s, const unsigned char *end)
{
	size_t col = 0, k, tl, j;
	unsigned char c;
	int last, literal;

	while (s < end) {
		if (qp_room(q) < 0)
			return -1;
		/* the common case: a run of plain bytes, none of them the
		 * line's last nor at its start, copied up to column 75 */
		if (col > 0 && col < MIME_QP_LINE - 1) {
			const unsigned char *run = s, *lim = end - 1;

			if ((size_t)(lim - s) > MIME_QP_LINE - 1 - col)
				lim = s + (MIME_QP_LINE - 1 - col);
			while (run < lim && qp_plain[*run])
				run++;
			if (run > s) {
				memcpy(q->stage + q->n, s, (size_t)(run - s));
				q->n += (size_t)(run - s);
				col += (size_t)(run - s);
				s = run;
				continue;
			}
		}
		c = *s;
		k = 1;
		if (c >= 33 && c <= 126 && c != '=') {
			literal = 1;
		} else if (c == ' ' || c == '\t') {
			/* RFC 2045 6.7 (3): no white space at a line's end */
			literal = s + 1 < end;
		} else {
			literal = 0;
			if (c >= 0x80)
				k = qp_group(s, end);
		}
		last = s + k == end;
		tl = literal ? 1 : 3 * k;
		/* RFC 2045 6.7 (5): at most 76 characters a line, the '='
		 * of a soft break included, so only a line's last token may
		 * reach column 76 */
		if (col + tl > (last ? MIME_QP_LINE : MIME_QP_LINE - 1)) {
			memcpy(q->stage + q->n, "=\r\n", 3);
			q->n += 3;
			col = 0;
		}
		/* "From " and "." opening a line: mbox and SMTP would alter
		 * them */
		if (col == 0 && literal &&
		    (c == '.' || (c == 'F' && end - s >= 5 &&
				  memcmp(s, "From ", 5) == 0))) {
			literal = 0;
			tl = 3;
		}
		if (literal)
			q->stage[q->n++] = (char)c;
		else
			for (j = 0; j < k; j++)
				qp_escape(q, s[j]);
		col += tl;
		s += k;
	}
	return 0;
}

int
mime_qp_encode(struct buf *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	const unsigned char *end = s + len, *lf, *eol;
	struct qp_out q;
	size_t start = out->len;
	int saved;

	q.out = out;
	q.n = 0;
	while (s < end) {
		lf = memchr(s, '\n', (size_t)(end - s));
		eol = lf ? lf : end;
		/* CRLF ends a line as LF does; a lone CR is =0D */
		if (lf && eol > s && eol[-1] == '\r')
			eol--;
		if (qp_line(&q, s, eol) < 0)
			goto fail;
		if (!lf)
			break;
		if (qp_room(&q) < 0)
			goto fail;
		q.stage[q.n++] = '\r';
		q.stage[q.n++] = '\n';
		s = lf + 1;
	}
	if (qp_flush(&q) < 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	buf_setlen(out, start);
	errno = saved;
	return -1;
}

/* Code points in n bytes of UTF-8: the bytes that do not continue one. */
static size_t
cp_count(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Whether the word s[0..n) labels what follows: a bullet ("-", "*",
 * "•") or a number ("1.", "[12]", "(3)"). */
static int
is_label(const char *s, size_t n)
{
	if ((n == 1 && (*s == '-' || *s == '*')) ||
	    (n == 3 && !memcmp(s, "\xe2\x80\xa2", 3)))
		return 1;
	return n >= 2 && n <= 6 &&
	       ((*s >= '0' && *s <= '9') || *s == '[' || *s == '(') &&
	       strchr(".])", s[n - 1]);
}

static int
wrap_line(struct buf *out, const char *s, size_t n, size_t width)
{
	size_t i = 0, sep, word, col = 0, sl, wl, indent, lead = 0;
	int words = 0; /* on the output line */
	int first = 1; /* the output line is the input line's first */

	/* continuation lines keep the line's indentation: "   summary" reads
	 * as one block; lead is the length of the line's first word */
	indent = strspn(s, " \t");
	if (indent > n)
		indent = n;
	while (i < n) {
		sep = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		word = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (word == i) /* blanks at the end of the line stay */
			return buf_add(out, s + sep, i - sep);
		sl = cp_count(s + sep, word - sep);
		wl = cp_count(s + word, i - word);
		/* a word too long for any line (a URL) stays where it is, and
		 * so does the word after a short label ("-", "1.", "[12]") */
		if (words && col + sl + wl > width && indent + wl <= width &&
		    !(first && words == 1 && is_label(s + indent, lead))) {
			if (buf_addch(out, '\n') < 0 ||
			    buf_add(out, s, indent) < 0)
				return -1;
			col = indent;
			sl = 0;
			sep = word;
			words = first = 0;
		}
		if (buf_add(out, s + sep, i - sep) < 0)
			return -1;
		if (!lead)
			lead = i - word;
		col += sl + wl;
		words++;
	}
	return 0;
}

int
mime_wrap_text(struct buf *out, const char *text, int width)
{
	size_t start = out->len, n = strlen(text), i = 0, eol, end;
	int saved;

	if (width < 1) {
		errno = EINVAL;
		return -1;
	}
	while (i < n) {
		eol = i + strcspn(text + i, "\n");
		end = eol > i && text[eol - 1] == '\r' ? eol - 1 : eol;
		if (wrap_line(out, text + i, end - i, (size_t)width) < 0)
			goto fail;
		if (eol < n && buf_addch(out, '\n') < 0)
			goto fail;
		i = eol < n ? eol + 1 : eol;
	}
	return 0;
fail:
	saved = errno;
	buf_setlen(out, start);
	errno = saved;
	return -1;
}

/* One body part: Content-Type and CTE headers, a blank line, the text
 * repaired to valid UTF-8 and quoted-printable. The boundary must not
 * occur in it: by construction ("=_" never appears in quoted-printable),
 * and checked. */
static int
put_part(struct buf *msg, const char *type, const char *body,
	 const char *boundary, struct err *e)
{
	struct buf fixed = BUF_INIT(BUF_MAX_DOC);
	size_t n = strlen(body), from;
	const char *src = body;
	int rc = -1;

	if (buf_addf(msg,
		     "Content-Type: %s; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		     type) < 0)
		goto fail;
	if (!all_valid_utf8(body, n)) {
		if (utf8_repair(&fixed, body, n) < 0)
			goto fail;
		src = fixed.data;
		n = fixed.len;
	}
	from = msg->len;
	if (mime_qp_encode(msg, src, n) < 0)
		goto fail;
	if (boundary && memmem(msg->data + from, msg->len - from, boundary,
			       strlen(boundary))) {
		err_set(e, EX_SOFTWARE, "%s part holds the boundary", type);
		goto out;
	}
	rc = 0;
	goto out;
fail:
	buf_error(e, type);
out:
	buf_release(&fixed);
	return rc;
}

int
mime_render(const struct mime_message *m, struct buf *out, struct err *e)
{
	char date[64], hex[33], boundary[sizeof(BOUNDARY_PREFIX) + 32];
	size_t start = out->len, max = out->max, hint;
	struct buf *msg = out;
	int rc = -1;

	if (!m->text)
		return err_set(e, EX_SOFTWARE, "mime: no text body");
	if (m->entries < 0)
		return err_set(e, EX_SOFTWARE, "mime: negative entry count");
	if (!m->message_id || !valid_message_id(m->message_id))
		return err_set(e, EX_DATAERR,
			       "Message-ID: not \"<id@domain>\"");
	/* written in place, the message is capped at BUF_MAX_DOC of its own
	 * (out's max still holds); one allocation sized for the usual
	 * quoted-printable growth saves regrowing a large buffer (a hint:
	 * the real appends check the caps) */
	if (start <= SIZE_MAX - BUF_MAX_DOC && start + BUF_MAX_DOC < max)
		out->max = start + BUF_MAX_DOC;
	hint = strlen(m->text) + (m->html ? strlen(m->html) : 0);
	if (hint < BUF_MAX_DOC)
		(void)buf_grow(out, hint + hint / 8 + 4096);
	format_date(m->date, date, sizeof(date));
	if (buf_addf(msg, "Date: %s\r\n", date) < 0)
		goto fail;
	if (put_mailbox(msg, "From", &m->from, e) < 0 ||
	    put_mailbox(msg, "To", &m->to, e) < 0 ||
	    mime_encode_header(msg, "Subject", m->subject, e) < 0)
		goto out;
	if (buf_addf(msg,
		     "Message-ID: %s\r\n"
		     "Auto-Submitted: auto-generated\r\n",
		     m->message_id) < 0)
		goto fail;
	if (m->list_id && put_list_id(msg, m->list_id, e) < 0)
		goto out;
	if ((m->unsubscribe_mailto || m->unsubscribe_url) &&
	    put_unsubscribe(msg, m->unsubscribe_mailto, m->unsubscribe_url, e) <
		    0)
		goto out;
	if (buf_addf(msg, "X-Feedmail-Entries: %ld\r\nMIME-Version: 1.0\r\n",
		     m->entries) < 0)
		goto fail;
	if (!m->html) {
		if (put_part(msg, "text/plain", m->text, NULL, e) < 0)
			goto out;
		/* the mail itself must end with a line break */
		if (msg->len - start < 2 ||
		    memcmp(msg->data + msg->len - 2, "\r\n", 2))
			if (buf_add(msg, "\r\n", 2) < 0)
				goto fail;
	} else {
		/* RFC 2046 5.1.1: the CRLF before each delimiter belongs to
		 * it, so a part's text is exactly what was given */
		hex128(m->message_id, hex);
		snprintf(boundary, sizeof(boundary), "%s%s", BOUNDARY_PREFIX,
			 hex);
		if (buf_addf(msg,
			     "Content-Type: multipart/alternative;\r\n"
			     " boundary=\"%s\"\r\n\r\n"
			     "This is a multi-part message in MIME format.\r\n"
			     "\r\n--%s\r\n",
			     boundary, boundary) < 0)
			goto fail;
		if (put_part(msg, "text/plain", m->text, boundary, e) < 0)
			goto out;
		if (buf_addf(msg, "\r\n--%s\r\n", boundary) < 0)
			goto fail;
		if (put_part(msg, "text/html", m->html, boundary, e) < 0)
			goto out;
		if (buf_addf(msg, "\r\n--%s--\r\n", boundary) < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	buf_error(e, "mime");
out:
	out->max = max;
	if (rc < 0)
		buf_setlen(out, start);
	return rc;
}
