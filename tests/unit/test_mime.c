/* Unit tests for src/mime: encoded-words, quoted-printable, wrapping,
 * Message-IDs, and whole messages read back by Python's email package
 * (tests/mime_check.py) as an independent reader. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "mail/mime.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define EMOJI "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */
#define PARTY "\xf0\x9f\x8e\x89" /* U+1F389 */
#define EACUTE "\xc3\xa9"
#define EMDASH "\xe2\x80\x94"
#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* A check made for each byte: Check records every passing ck_assert with a
 * write(2) to its pipe, millions of them here, most of this program's time;
 * this one only speaks when it fails. FMT is a string literal. */
#define BYTE_CHECK(expr, ...)                                             \
	do {                                                              \
		if (!(expr))                                              \
			ck_abort_msg("'" #expr "' failed: " __VA_ARGS__); \
	} while (0)

/* ---- helpers: tiny independent decoders and line checks ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Whether n bytes at s are whole, valid UTF-8 (a simple check: lead
 * bytes announce as many continuation bytes as follow). */
static int
utf8_whole(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;

	while (i < n) {
		if (s[i] < 0x80)
			k = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			k = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			k = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			k = 4;
		else
			return 0;
		if (k > n - i)
			return 0;
		for (j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Quoted-printable decoding (RFC 2045 6.7): "=" CRLF is a soft break,
 * "=XX" a byte, CRLF stays CRLF. */
static void
qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;
	int hi, lo;

	while (i < n) {
		if (s[i] != '=') {
			BYTE_CHECK(buf_addch(out, s[i]) == 0, "buf_addch");
			i++;
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 3;
			continue;
		}
		BYTE_CHECK(i + 2 < n, "'=' at the end");
		hi = hexval(s[i + 1]);
		lo = hexval(s[i + 2]);
		BYTE_CHECK(hi >= 0 && lo >= 0, "bad '=%c%c'", s[i + 1],
			   s[i + 2]);
		BYTE_CHECK(buf_addch(out, hi << 4 | lo) == 0, "buf_addch");
		i += 3;
	}
}

static int
b64val(int c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/* Decodes one encoded-word "=?UTF-8?X?...?=" of len chars into out,
 * checking that its bytes are whole UTF-8 characters on their own. */
static void
ew_decode(const char *w, size_t len, struct buf *out)
{
	size_t i, start = out->len;
	unsigned long v = 0;
	int bits = 0, c;

	ck_assert_msg(len <= MIME_WORD_MAX, "encoded-word of %zu chars", len);
	ck_assert(len >= 12);
	ck_assert(strncmp(w, "=?UTF-8?", 8) == 0);
	ck_assert(w[9] == '?' && w[len - 2] == '?' && w[len - 1] == '=');
	for (i = 10; i < len - 2; i++) {
		if (w[8] == 'B') {
			if (w[i] == '=')
				break;
			c = b64val(w[i]);
			BYTE_CHECK(c >= 0, "not base64: '%c'", w[i]);
			v = v << 6 | (unsigned long)c;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_addch(out, (int)(v >> bits & 0xff));
			}
		} else {
			BYTE_CHECK(w[8] == 'Q', "encoding '%c'", w[8]);
			BYTE_CHECK(w[i] != ' ' && w[i] != '?', "in '%.*s'",
				   (int)len, w);
			if (w[i] == '_') {
				buf_addch(out, ' ');
			} else if (w[i] == '=') {
				BYTE_CHECK(i + 2 < len - 2, "in '%.*s'",
					   (int)len, w);
				BYTE_CHECK(hexval(w[i + 1]) >= 0 &&
						   hexval(w[i + 2]) >= 0,
					   "in '%.*s'", (int)len, w);
				buf_addch(out, hexval(w[i + 1]) << 4 |
						       hexval(w[i + 2]));
				i += 2;
			} else {
				buf_addch(out, w[i]);
			}
		}
	}
	ck_assert_msg(utf8_whole((unsigned char *)out->data + start,
				 out->len - start),
		      "encoded-word '%.*s' splits a character", (int)len, w);
}

/*
 * Checks one rendered header field: CRLF line ends, the first line starts
 * with "name:", the others with a space (so no line of it can start a
 * header), no whitespace-only line, every line at most max columns. Then
 * unfolds and decodes the value into out, reports whether encoded-words
 * were used, and how many lines it took.
 */
static void
header_decode(const char *f, size_t n, const char *name, size_t max,
	      struct buf *out, int *encoded, int *lines)
{
	struct buf unf = BUF_INIT(1u << 20);
	size_t i, ls = 0, nl = strlen(name), tl;
	const char *t, *end;
	int prev_ew = 0, first = 1, ew;

	*encoded = 0;
	*lines = 0;
	ck_assert_msg(n > nl + 2 && strncmp(f, name, nl) == 0 && f[nl] == ':',
		      "'%s' does not start with '%s:'", f, name);
	ck_assert_msg(f[n - 2] == '\r' && f[n - 1] == '\n', "no final CRLF");
	for (i = 0; i < n; i++) {
		if (f[i] == '\r') {
			BYTE_CHECK(i + 1 < n && f[i + 1] == '\n', "bare CR");
			BYTE_CHECK(i - ls <= max, "line of %zu > %zu: %.*s",
				   i - ls, max, (int)(i - ls), f + ls);
			BYTE_CHECK(strspn(f + ls, " \t") < i - ls,
				   "white space only line");
			(*lines)++;
			ls = i + 2;
			if (ls < n)
				BYTE_CHECK(f[ls] == ' ' || f[ls] == '\t',
					   "continuation without space");
			i++;
		} else {
			BYTE_CHECK(f[i] != '\n', "bare LF");
		}
	}
	/* unfold: RFC 5322 2.2.3, remove each CRLF before white space */
	for (i = nl + 1; i + 2 < n; i++)
		if (!(f[i] == '\r' && f[i + 1] == '\n'))
			buf_addch(&unf, f[i]);
		else
			i++;
	t = unf.data;
	end = unf.data + unf.len;
	while (t < end) {
		while (t < end && *t == ' ')
			t++;
		if (t == end)
			break;
		tl = strcspn(t, " ");
		ew = tl >= 2 && strncmp(t, "=?", 2) == 0;
		if (ew) {
			*encoded = 1;
			/* RFC 2047 6.2: space between two encoded-words is
			 * dropped */
			if (!first && !prev_ew)
				buf_addch(out, ' ');
			ew_decode(t, tl, out);
		} else {
			if (!first)
				buf_addch(out, ' ');
			buf_add(out, t, tl);
		}
		prev_ew = ew;
		first = 0;
		t += tl;
	}
	buf_release(&unf);
}

/* Every line break of s is CRLF and no line is over max octets. */
static void
check_crlf(const char *s, size_t n, size_t max)
{
	size_t i, ls = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			BYTE_CHECK(i + 1 < n && s[i + 1] == '\n',
				   "bare CR at %zu", i);
			BYTE_CHECK(i - ls <= max, "line of %zu octets", i - ls);
			ls = i + 2;
			i++;
		} else {
			BYTE_CHECK(s[i] != '\n', "bare LF at %zu", i);
		}
	}
	ck_assert_msg(n - ls <= max, "last line of %zu octets", n - ls);
}

static char *
repeat(const char *unit, size_t times)
{
	size_t ul = strlen(unit), i;
	char *s = malloc(ul * times + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * times] = '\0';
	return s;
}

/* ---- encoded-words ---- */

/* {name, value, what it decodes to, 1 encoded / 0 plain, exact output} */
static const struct {
	const char *name, *in, *decoded;
	int encoded;
	const char *exact;
} headers[] = {
	{ "Subject", "Hello world", "Hello world", 0,
	  "Subject: Hello world\r\n" },
	{ "Subject", "", "", 0, "Subject:\r\n" },
	{ "Subject", NULL, "", 0, "Subject:\r\n" },
	{ "Subject", "   ", "", 0, "Subject:\r\n" },
	{ "Subject", "  a \t b\r\n c  ", "a b c", 0, "Subject: a b c\r\n" },
	/* a line of exactly 78 columns, and one that would be 79 */
	{ "Subject", "aaaa " X64, "aaaa " X64, 0, "Subject: aaaa " X64 "\r\n" },
	{ "Subject", "aaaa " X64 "x", "aaaa " X64 "x", 0,
	  "Subject: aaaa\r\n " X64 "x\r\n" },
	{ "Subject", "a_b (c) \"d\": e", "a_b (c) \"d\": e", 0,
	  "Subject: a_b (c) \"d\": e\r\n" },
	/* B or Q, whichever is shorter */
	{ "Subject", "caf" EACUTE, "caf" EACUTE, 1,
	  "Subject: =?UTF-8?B?Y2Fmw6k=?=\r\n" },
	{ "Subject", "caf" EACUTE " au lait", "caf" EACUTE " au lait", 1,
	  "Subject: =?UTF-8?Q?caf=C3=A9_au_lait?=\r\n" },
	{ "Subject", EMOJI, EMOJI, 1, "Subject: =?UTF-8?B?8J+YgA==?=\r\n" },
	{ "Subject",
	  "Votre veille du jeudi 26 novembre 2026 " EMDASH " 14 articles",
	  "Votre veille du jeudi 26 novembre 2026 " EMDASH " 14 articles", 1,
	  NULL },
	/* looks like an encoded-word: sent encoded so it reads literally */
	{ "Subject", "=?UTF-8?Q?x?=", "=?UTF-8?Q?x?=", 1, NULL },
	/* header injection: the CRLF becomes a space */
	{ "Subject", "Hello\r\nBcc: victim@example.org",
	  "Hello Bcc: victim@example.org", 0,
	  "Subject: Hello Bcc: victim@example.org\r\n" },
	{ "Subject", "Hello\nBcc: victim@example.org\r\n",
	  "Hello Bcc: victim@example.org", 0, NULL },
	{ "Subject", "Caf" EACUTE "\r\nBcc: victim@example.org",
	  "Caf" EACUTE " Bcc: victim@example.org", 1, NULL },
	/* NUL cannot come in; other C0, DEL and C1 go, NEL and U+2028 are
	 * line ends: a space */
	{ "Subject",
	  "a\x01"
	  "b\x7f"
	  "c\xc2\x85"
	  "d\xe2\x80\xa8"
	  "e",
	  "abc d e", 0, "Subject: abc d e\r\n" },
	/* ANSI sequences and bidirectional overrides go (utf8_printable) */
	{ "Subject",
	  "\x1b[31mRed\x1b[0m \xe2\x80\xae"
	  "alert",
	  "Red alert", 0, "Subject: Red alert\r\n" },
	/* invalid UTF-8 becomes U+FFFD, one per maximal subpart (Unicode
	 * 3.9): a sequence cut off at the end is one */
	{ "Subject", "caf\xe9", "caf\xef\xbf\xbd", 1, NULL },
	{ "Subject", "\xf0\x9f\x98", "\xef\xbf\xbd", 1, NULL },
	{ "Subject", "\xff\xf0\x9f", "\xef\xbf\xbd\xef\xbf\xbd", 1, NULL },
	{ "X-A-Header-Name-Long-Enough-To-Leave-Little-Room-On-Line-One",
	  "d" EACUTE "j" EACUTE " vu", "d" EACUTE "j" EACUTE " vu", 1, NULL },
};

START_TEST(test_header_table)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC), dec = BUF_INIT(1u << 20);
	struct err e = ERR_INIT;
	int encoded, lines;

	ck_assert_msg(mime_encode_header(&out, headers[_i].name, headers[_i].in,
					 &e) == 0,
		      "%s", e.msg);
	if (headers[_i].exact)
		ck_assert_str_eq(out.data, headers[_i].exact);
	header_decode(out.data, out.len, headers[_i].name, MIME_LINE_MAX, &dec,
		      &encoded, &lines);
	ck_assert_str_eq(dec.data, headers[_i].decoded);
	ck_assert_int_eq(encoded, headers[_i].encoded);
	ck_assert(strstr(out.data, "\r\nBcc") == NULL);
	buf_release(&out);
	buf_release(&dec);
}
END_TEST

/* An emoji (and a 2-byte letter) at every possible split point, in Q and
 * in B words: no encoded-word may hold part of a character. */
START_TEST(test_header_split_points)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC), dec = BUF_INIT(1u << 20);
	struct buf in = BUF_INIT(1u << 20);
	struct err e = ERR_INIT;
	int encoded, lines, i, q = 0, b = 0;
	char *emojis = repeat(EMOJI, 40);

	for (i = 0; i < 160; i++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_reset(&dec);
		if (i < 80) /* mostly ASCII: Q */
			ck_assert_int_eq(buf_addf(&in,
						  "%.*s" EMOJI EACUTE
						  " tail of the subject",
						  i,
						  "xxxxxxxxxxxxxxxxxxxxxxxxx"
						  "xxxxxxxxxxxxxxxxxxxxxxxxx"
						  "xxxxxxxxxxxxxxxxxxxxxxxxx"
						  "xxxxx"),
					 0);
		else /* mostly emoji: B */
			ck_assert_int_eq(buf_addf(&in, "%.*s%s", i - 80,
						  "abcdefghijklmnopqrstuvwxyz"
						  "abcdefghijklmnopqrstuvwxyz"
						  "abcdefghijklmnopqrstuvwxyz"
						  "ab",
						  emojis),
					 0);
		ck_assert_int_eq(mime_encode_header(&out, "Subject", in.data,
						    &e),
				 0);
		header_decode(out.data, out.len, "Subject", MIME_LINE_MAX, &dec,
			      &encoded, &lines);
		ck_assert(encoded);
		ck_assert_str_eq(dec.data, in.data);
		q += strstr(out.data, "?Q?") != NULL;
		b += strstr(out.data, "?B?") != NULL;
	}
	ck_assert_int_gt(q, 0); /* both encodings were exercised */
	ck_assert_int_gt(b, 0);
	free(emojis);
	buf_release(&in);
	buf_release(&out);
	buf_release(&dec);
}
END_TEST

/* 2000-character subjects fold into many lines of at most 78 columns. */
static const struct {
	const char *unit;
	size_t times;
	int encoded, min_lines;
} long_subjects[] = {
	{ "mot ", 500, 0, 25 },  /* ASCII words: folded as is */
	{ EACUTE, 2000, 1, 40 }, /* non-ASCII: encoded-words */
	{ "x", 2000, 1, 25 },    /* one word too long to fold */
	/* the longest first word that fits after "Subject:", one past */
	{ "x", MIME_LINE_MAX - 9, 0, 1 },
	{ "x", MIME_LINE_MAX - 8, 1, 2 },
	{ "a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxx",
	  1, 0, 2 }, /* a later word of 77: folded */
	{ "a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxx",
	  1, 1, 2 }, /* of 78: encoded */
	{ EMOJI " ", 500, 1, 25 },
};

START_TEST(test_header_long)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC), dec = BUF_INIT(1u << 20);
	struct buf want = BUF_INIT(1u << 20);
	struct err e = ERR_INIT;
	char *s = repeat(long_subjects[_i].unit, long_subjects[_i].times);
	int encoded, lines;

	ck_assert_int_eq(mime_encode_header(&out, "Subject", s, &e), 0);
	header_decode(out.data, out.len, "Subject", MIME_LINE_MAX, &dec,
		      &encoded, &lines);
	buf_adds(&want, s);
	buf_trim(&want);
	ck_assert_str_eq(dec.data, want.data);
	ck_assert_int_eq(encoded, long_subjects[_i].encoded);
	ck_assert_int_ge(lines, long_subjects[_i].min_lines);
	free(s);
	buf_release(&out);
	buf_release(&dec);
	buf_release(&want);
}
END_TEST

/* Bad names, and the value cap: exactly at it, one past. */
START_TEST(test_header_errors)
{
	static const char *bad_names[] = { "",
					   "Sub ject",
					   "Sub:ject",
					   "Sub\r\nject",
					   "Caf\xc3\xa9",
					   "X-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	char *at_cap = repeat("a", MIME_VALUE_MAX);
	char *past = repeat("a", MIME_VALUE_MAX + 1);
	size_t i;

	buf_adds(&out, "X: kept\r\n");
	for (i = 0; i < N(bad_names); i++) {
		err_clear(&e);
		ck_assert_int_eq(mime_encode_header(&out, bad_names[i], "v",
						    &e),
				 -1);
		ck_assert_int_eq(e.code, EX_SOFTWARE);
	}
	ck_assert_int_eq(mime_encode_header(&out, NULL, "v", &e), -1);
	ck_assert_int_eq(mime_encode_header(&out, "Subject", past, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(out.data, "X: kept\r\n"); /* out unchanged */
	ck_assert_int_eq(mime_encode_header(&out, "Subject", at_cap, &e), 0);
	check_crlf(out.data, out.len, MIME_LINE_MAX);
	/* out too small for the field: -1 and out unchanged */
	{
		struct buf small = BUF_INIT(20);

		err_clear(&e);
		ck_assert_int_eq(mime_encode_header(&small, "Subject",
						    "a subject of some length",
						    &e),
				 -1);
		ck_assert_int_eq(e.code, EX_SOFTWARE);
		ck_assert_uint_eq(small.len, 0);
		buf_release(&small);
	}
	free(at_cap);
	free(past);
	buf_release(&out);
}
END_TEST

/* ---- quoted-printable ---- */

#define A25 "aaaaaaaaaaaaaaaaaaaaaaaaa"
#define A75 A25 A25 A25
#define A74 A25 A25 "aaaaaaaaaaaaaaaaaaaaaaaa"
#define A73 A25 A25 "aaaaaaaaaaaaaaaaaaaaaaa"
#define A72 A25 A25 "aaaaaaaaaaaaaaaaaaaaaa"
#define A64 A25 A25 "aaaaaaaaaaaaaa"

static const struct {
	const char *in, *out;
} qp[] = {
	{ "", "" },
	{ "abc", "abc" },
	{ "a=b", "a=3Db" },
	{ "=", "=3D" },
	{ "caf" EACUTE, "caf=C3=A9" },
	{ "trailing  \n", "trailing =20\r\n" },
	{ "tab\t", "tab=09" },
	{ "a b", "a b" },
	{ "\n", "\r\n" },
	{ "a\r\nb\n", "a\r\nb\r\n" },
	{ "a\rb", "a=0Db" },
	{ "a \rb", "a =0Db" },
	{ "From me\n", "=46rom me\r\n" },
	{ "x\nFrom y", "x\r\n=46rom y" },
	{ "From", "From" },
	{ "a From b", "a From b" },
	{ ".\n", "=2E\r\n" },
	{ "a\n.\nb", "a\r\n=2E\r\nb" },
	{ "..x", "=2E.x" },
	{ "\x01\x7f", "=01=7F" },
	/* exactly 76 columns: no soft break */
	{ A75 "b", A75 "b" },
	{ A75 "b\n", A75 "b\r\n" },
	/* one past: a soft break after 75 */
	{ A75 "bc", A75 "=\r\nbc" },
	/* an encoded byte that does not fit moves whole to the next line */
	{ A74 "=b", A74 "=\r\n=3Db" },
	/* a trailing space at column 76 is encoded, so it moves */
	{ A75 " ", A75 "=\r\n=20" },
	/* "From " and "." after a soft break are at a line start too */
	{ A75 "From x", A75 "=\r\n=46rom x" },
	{ A75 ".x", A75 "=\r\n=2Ex" },
	/* a soft break never splits a character: "=C3" would fit at 72,
	 * "=A9" not, so both move */
	{ A72 EACUTE "x", A72 "=\r\n=C3=A9x" },
	{ A64 EMOJI "x", A64 "=\r\n=F0=9F=98=80x" },
	/* a character ending its line may reach column 76 */
	{ A64 EMOJI, A64 "=F0=9F=98=80" },
	{ A64 EMOJI "\n", A64 "=F0=9F=98=80\r\n" },
	{ A72 EACUTE, A72 "=\r\n=C3=A9" },
	/* nor an escape: "=3D" last on its line fits at 73, not at 74 */
	{ A73 "=\n", A73 "=3D\r\n" },
	{ A73 "=", A73 "=3D" },
	{ A74 "=", A74 "=\r\n=3D" },
	/* invalid UTF-8 goes byte by byte */
	{ "\xc3x", "=C3x" },
	{ "\xe2\x80x", "=E2=80x" },
	{ "\x80\xbf", "=80=BF" },
	{ A72 "\xc3\xc3", A72 "=C3=\r\n=C3" },
	/* white space: literal inside a line, before a soft break too */
	{ "a \r\n", "a=20\r\n" },
	{ "a\t\t\n", "a\t=09\r\n" },
	{ " \n", "=20\r\n" },
	{ "  ", " =20" },
	{ A74 " b", A74 " b" },
	{ A75 " b", A75 "=\r\n b" },
	{ A74 " \n", A74 "=\r\n=20\r\n" },
	{ A73 " \n", A73 "=20\r\n" },
	/* CRLF and CR */
	{ "\r\n", "\r\n" },
	{ "a\r\n\r\nb", "a\r\n\r\nb" },
	{ "a\r", "a=0D" },
	{ "a\r\r\n", "a=0D\r\n" },
	{ A75 "\r\n", A75 "\r\n" },
	/* dots and "From " only at the start of an encoded line */
	{ ".", "=2E" },
	{ "a.\n..\n", "a.\r\n=2E.\r\n" },
	{ "x\r\nFrom y", "x\r\n=46rom y" },
	{ "Fromage", "Fromage" },
	{ A75 "F", A75 "F" },
};

/* Each encoded line decodes to whole characters: a soft break never
 * falls inside a UTF-8 sequence (for an input of valid UTF-8). */
static void
qp_check_whole(const char *enc, size_t en)
{
	struct buf dec = BUF_INIT(1u << 20);
	size_t i, ls = 0;

	for (i = 0; i <= en; i++) {
		if (i < en && enc[i] != '\r')
			continue;
		buf_reset(&dec);
		qp_decode(enc + ls, i - ls - (i > ls && enc[i - 1] == '='),
			  &dec);
		ck_assert_msg(utf8_whole((const unsigned char *)dec.data,
					 dec.len),
			      "a character split at line %.*s", (int)(i - ls),
			      enc + ls);
		ls = i + 2;
	}
	buf_release(&dec);
}

/* Properties of any encoded text: lines at most 76, CRLF, no trailing
 * white space, no "From " or lone "." line, and decoding gives the input
 * with LF as CRLF. */
static void
qp_check(const char *in, size_t n, const char *enc, size_t en)
{
	struct buf dec = BUF_INIT(BUF_MAX_DOC), want = BUF_INIT(BUF_MAX_DOC);
	size_t i, ls = 0;

	check_crlf(enc, en, MIME_QP_LINE);
	for (i = 0; i <= en; i++) {
		if (i < en && enc[i] != '\r')
			continue;
		if (i > ls)
			BYTE_CHECK(enc[i - 1] != ' ' && enc[i - 1] != '\t',
				   "trailing white space");
		BYTE_CHECK(strncmp(enc + ls, "From ", 5) != 0 || i - ls < 5,
			   "a line starts with 'From '");
		BYTE_CHECK(enc[ls] != '.' || i == ls, "a line starts with '.'");
		ls = i + 2;
	}
	qp_decode(enc, en, &dec);
	if (utf8_whole((const unsigned char *)in, n))
		qp_check_whole(enc, en);
	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			buf_addch(&want, '\r');
		buf_addch(&want, in[i]);
	}
	ck_assert_uint_eq(dec.len, want.len);
	ck_assert(memcmp(dec.data, want.data, want.len) == 0);
	buf_release(&dec);
	buf_release(&want);
}

START_TEST(test_qp_table)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC);

	ck_assert_int_eq(mime_qp_encode(&out, qp[_i].in, strlen(qp[_i].in)), 0);
	ck_assert_str_eq(out.data, qp[_i].out);
	qp_check(qp[_i].in, strlen(qp[_i].in), out.data, out.len);
	buf_release(&out);
}
END_TEST

/* Lines of 10,000 characters, of every kind of byte. */
static const char *qp_units[] = { "a",     " ", "=",       EACUTE, EMOJI,
				  "From ", ".", "a b=c\t", "\x01", "\r" };

START_TEST(test_qp_long)
{
	struct buf in = BUF_INIT(BUF_MAX_DOC), out = BUF_INIT(BUF_MAX_DOC);
	size_t i;

	while (in.len < 10000)
		buf_adds(&in, qp_units[_i]);
	buf_adds(&in, "\n");
	for (i = 0; i < 10000; i++) /* and a mix of all of them */
		buf_adds(&in, qp_units[i * 7 % N(qp_units)]);
	buf_adds(&in, "  \n\n");
	ck_assert_int_eq(mime_qp_encode(&out, in.data, in.len), 0);
	qp_check(in.data, in.len, out.data, out.len);
	buf_release(&in);
	buf_release(&out);
}
END_TEST

/* Random texts of every kind of piece, checked for the properties. */
static const char *qp_pieces[] = {
	"a",
	"b",
	" ",
	"\t",
	"=",
	".",
	"F",
	"From ",
	"\n",
	"\r\n",
	"\r",
	EACUTE,
	EMDASH,
	EMOJI,
	"\x01",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"https://example.org/a/very/long/link?with=query&and=more",
};

START_TEST(test_qp_random)
{
	struct buf in = BUF_INIT(1u << 20), out = BUF_INIT(BUF_MAX_DOC);
	unsigned long seed = 12345;
	int round, k, len;

	for (round = 0; round < 400; round++) {
		buf_reset(&in);
		buf_reset(&out);
		seed = seed * 1103515245 + 12345;
		len = (int)(seed >> 16 & 255);
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			buf_adds(&in, qp_pieces[(seed >> 16) % N(qp_pieces)]);
		}
		ck_assert_int_eq(mime_qp_encode(&out, in.data, in.len), 0);
		qp_check(in.data, in.len, out.data, out.len);
	}
	buf_release(&in);
	buf_release(&out);
}
END_TEST

START_TEST(test_qp_cap)
{
	struct buf out = BUF_INIT(9);

	buf_adds(&out, "x");
	ck_assert_int_eq(mime_qp_encode(&out, "abcdefgh", 8), 0); /* 9 */
	buf_reset(&out);
	buf_adds(&out, "x");
	errno = 0;
	ck_assert_int_eq(mime_qp_encode(&out, "abcdefg=", 8), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_str_eq(out.data, "x");
	buf_release(&out);
}
END_TEST

/* ---- wrapping ---- */

static const struct {
	const char *in;
	int width;
	const char *out;
} wraps[] = {
	{ "", 72, "" },
	{ "aaaa bbbb cccc", 10, "aaaa bbbb\ncccc" },
	{ "aaaaa bbbb", 10, "aaaaa bbbb" },    /* exactly the width */
	{ "aaaaa bbbbb", 10, "aaaaa\nbbbbb" }, /* one past */
	{ "a\n\nb\n", 1, "a\n\nb\n" },
	{ "a b\r\nc d\r\n", 72, "a b\nc d\n" },
	{ "  - item one two", 10, "  - item\n  one two" },
	{ "   aaa bbb ccc", 10, "   aaa bbb\n   ccc" },
	{ "\taaa bbb ccc", 8, "\taaa bbb\n\tccc" },
	{ "-- \nsig", 72, "-- \nsig" },
	{ "a  b   c", 4, "a  b\nc" },
	{ EACUTE EACUTE EACUTE EACUTE EACUTE
	  " " EACUTE EACUTE EACUTE EACUTE EACUTE,
	  11,
	  EACUTE EACUTE EACUTE EACUTE EACUTE
	  " " EACUTE EACUTE EACUTE EACUTE EACUTE },
	{ EACUTE EACUTE EACUTE EACUTE EACUTE
	  " " EACUTE EACUTE EACUTE EACUTE EACUTE,
	  10,
	  EACUTE EACUTE EACUTE EACUTE EACUTE
	  "\n" EACUTE EACUTE EACUTE EACUTE EACUTE },
	/* no line would hold the URL: it stays after what precedes it */
	{ "short https://example.org/a-long-url after", 10,
	  "short https://example.org/a-long-url\nafter" },
	{ "   [1] https://example.org/a-long-url", 12,
	  "   [1] https://example.org/a-long-url" },
	/* a label keeps its next word even when a line could hold it */
	{ "   [12] https://ex.org/abc", 20, "   [12] https://ex.org/abc" },
	{ "- item one two", 5, "- item\none\ntwo" },
	{ "label: item", 6, "label:\nitem" },
	{ "averyveryverylongword x", 5, "averyveryverylongword\nx" },
};

START_TEST(test_wrap_table)
{
	struct buf out = BUF_INIT(4096);

	ck_assert_int_eq(mime_wrap_text(&out, wraps[_i].in, wraps[_i].width),
			 0);
	ck_assert_str_eq(out.data, wraps[_i].out);
	buf_release(&out);
}
END_TEST

static size_t
codepoints(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

START_TEST(test_wrap_url_and_french)
{
	static const char french[] =
		"L'agence r" EACUTE "gionale de d" EACUTE "veloppement "
		"annonce l'ouverture d'un appel " EACUTE " projets "
		"destin" EACUTE " aux entreprises du num" EACUTE "rique, "
		"avec un accompagnement renforc" EACUTE " pour les jeunes "
		"pousses qui souhaitent s'implanter pr" EACUTE "s des "
		"p\xc3\xb4les d'excellence et des universit" EACUTE "s de la "
		"r" EACUTE "gion, d'ici la fin du premier trimestre.";
	struct buf out = BUF_INIT(BUF_MAX_DOC), in = BUF_INIT(BUF_MAX_DOC);
	struct buf joined = BUF_INIT(BUF_MAX_DOC);
	char *path = repeat("x", 200 - strlen("https://example.org/"));
	char url[256];
	const char *line, *nl;
	int found = 0, lines = 0;

	snprintf(url, sizeof(url), "https://example.org/%s", path);
	ck_assert_uint_eq(strlen(url), 200);
	buf_addf(&in, "%s Lire la suite : %s et la suite.\n", french, url);
	ck_assert_int_eq(mime_wrap_text(&out, in.data, MIME_WRAP_WIDTH), 0);
	for (line = out.data; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		lines++;
		if (memmem(line, (size_t)(nl - line), url, strlen(url)))
			found = 1;
		else
			ck_assert_msg(codepoints(line, (size_t)(nl - line)) <=
					      MIME_WRAP_WIDTH,
				      "line over 72: %.*s", (int)(nl - line),
				      line);
		if (joined.len)
			buf_addch(&joined, ' ');
		buf_add(&joined, line, (size_t)(nl - line));
	}
	ck_assert_msg(found, "the URL is not whole on a line");
	ck_assert_int_ge(lines, 6);
	buf_addch(&joined, '\n');
	ck_assert_str_eq(joined.data, in.data); /* only spaces became breaks */
	ck_assert_int_eq(mime_wrap_text(&out, "x", 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	free(path);
	buf_release(&out);
	buf_release(&in);
	buf_release(&joined);
}
END_TEST

/* ---- Message-ID ---- */

static const struct {
	const char *seed, *domain, *id;
} ids[] = {
	/* FNV-1a 128 of "" is its offset basis; of "a" a known vector */
	{ "", "example.org",
	  "<6c62272e07bb014262b821756295c58d.feedmail@example.org>" },
	{ "a", "example.org",
	  "<d228cb696f1a8caf78912b704e4a8964.feedmail@example.org>" },
	{ "digest-42-slot-2026-11-26", "x.example",
	  "<abeddc63fa3366a786a1d1a714f7b5f2.feedmail@x.example>" },
	{ "a", "[192.0.2.1]",
	  "<d228cb696f1a8caf78912b704e4a8964.feedmail@[192.0.2.1]>" },
	{ "a", "b" EACUTE "b" EACUTE ".example",
	  "<d228cb696f1a8caf78912b704e4a8964.feedmail@b" EACUTE "b" EACUTE
	  ".example>" },
	{ "a", NULL, NULL },
	{ NULL, "example.org", NULL },
	{ "a", "", NULL },
	{ "a", ".example.org", NULL },
	{ "a", "example..org", NULL },
	{ "a", "example.org.", NULL },
	{ "a", "exa mple.org", NULL },
	{ "a", "example.org>\r\nBcc: x", NULL },
	{ "a", "ex@mple.org", NULL },
	{ "a", "[1.2.3.4", NULL },
	{ "a", "[1.2\\.3]", NULL },
	{ "a", "caf\xe9.org", NULL },
};

START_TEST(test_message_id)
{
	char *id = mime_message_id(ids[_i].seed, ids[_i].domain);

	if (!ids[_i].id) {
		ck_assert_ptr_null(id);
		return;
	}
	ck_assert_ptr_nonnull(id);
	ck_assert_str_eq(id, ids[_i].id);
	free(id);
}
END_TEST

START_TEST(test_message_id_stable)
{
	char *a = mime_message_id("digest-1-slot-2026-11-26", "example.org");
	char *b = mime_message_id("digest-1-slot-2026-11-26", "example.org");
	char *c = mime_message_id("digest-1-slot-2026-11-27", "example.org");
	char *d = mime_message_id("digest-2-slot-2026-11-26", "example.org");

	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_str_ne(c, d);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

/* ---- whole messages ---- */

#define LONG_URL                                                        \
	"https://example.org/articles/2026/11/26/"                      \
	"une-tres-longue-adresse-qui-depasse-largement-soixante-seize-" \
	"colonnes-et-ne-doit-pas-etre-coupee?utm_source=feedmail&x=1"

#define LONG_SUBJECT                                                         \
	"Subject with many words to fold, "                                  \
	"Subject with many words to fold, Subject with many words to fold, " \
	"Subject with many words to fold, Subject with many words to fold, " \
	"and-a-word-with-no-space-that-is-far-too-long-to-fold-on-any-line-" \
	"of-seventy-eight "                                                  \
	"Subject with many words to fold, Subject with many words to fold."

static const char text_fr[] =
	"Bonjour Zo" EACUTE ",\n"
	"\n"
	"Voici les 14 articles de votre veille " EMDASH " jeudi.\n"
	"From the desk of the editor: a line starting with From.\n"
	".\n"
	"Une ligne avec = et des espaces " EACUTE " la fin   \n" LONG_URL "\n"
	"\ttabulation, " PARTY " f" EACUTE "te, et =?UTF-8?Q?x?= tel quel\n"
	"-- \n"
	"feedmail\n";

static const char html_fr[] =
	"<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
	"<title>Veille</title></head><body><p>Bonjour Zo" EACUTE ",</p>"
	"<p style=\"margin:0\">Voici les <b>14</b> articles " EMDASH " "
	"<a href=\"" LONG_URL "\">lire</a> " PARTY "</p>\n"
	"<p>--=_feedmail_ is not a boundary here</p>\n"
	"</body></html>\n";

static const struct {
	const char *from_name, *to_name, *subject, *text, *html;
	const char *want_from, *want_to, *want_subject, *want_text;
	const char *list_id, *want_list_id, *mailto, *url, *want_unsub;
} msgs[] = {
	/* non-ASCII names and subject, both parts, every list header */
	{ "Veille num" EACUTE "rique " EMDASH " Cluster",
	  "Zo" EACUTE " Martin, \"CTO\"",
	  "Votre veille du jeudi 26 novembre 2026 " EMDASH " 14 articles",
	  text_fr, html_fr, "Veille num" EACUTE "rique " EMDASH " Cluster",
	  "Zo" EACUTE " Martin, \"CTO\"",
	  "Votre veille du jeudi 26 novembre 2026 " EMDASH " 14 articles",
	  text_fr, "Veille num" EACUTE "rique <digest.example.org>",
	  "Veille num" EACUTE "rique <digest.example.org>",
	  "mailto:unsubscribe@example.org?subject=unsubscribe",
	  "https://example.org/u/abc123",
	  "<mailto:unsubscribe@example.org?subject=unsubscribe>, "
	  "<https://example.org/u/abc123>" },
	/* ASCII specials: quoted-strings; injection attempts in names and
	 * subject; text only, without a final line break */
	{ "Cluster \\ Numerique (Veille)",
	  "Martin, Zoe \"CTO\"\r\nBcc: v@x.org",
	  "Hello\r\nBcc: victim@example.org", "Plain text only", NULL,
	  "Cluster \\ Numerique (Veille)", "Martin, Zoe \"CTO\" Bcc: v@x.org",
	  "Hello Bcc: victim@example.org", "Plain text only\n",
	  "digest.example.org", "<digest.example.org>", NULL,
	  "https://example.org/u/1", "<https://example.org/u/1>" },
	/* no names, empty subject, empty bodies, no list headers */
	{ NULL, "", "", "", "", "", "", "", "", NULL, NULL, NULL, NULL, NULL },
	/* atoms as they are, a mailto only */
	{ "feedmail", "Zoe Martin", "Digest", "a\n", "<p>a</p>", "feedmail",
	  "Zoe Martin", "Digest", "a\n", "Veille <v.example>",
	  "Veille <v.example>", "mailto:u@example.org", NULL,
	  "<mailto:u@example.org>" },
	/* a long subject, plain words and one too long to fold */
	{ "n", "m", LONG_SUBJECT, "x\n", NULL, "n", "m", LONG_SUBJECT, "x\n",
	  NULL, NULL, NULL, NULL, NULL },
	{ "n", "m", LONG_SUBJECT EACUTE, "x\n", NULL, "n", "m",
	  LONG_SUBJECT EACUTE, "x\n", NULL, NULL, NULL, NULL, NULL },
	/* a long non-ASCII display name and a long subject of emoji */
	{ "Cl" EACUTE "ment de la Tr" EACUTE "moille-Beaus" EACUTE "jour, "
	  "responsable de la veille strat" EACUTE "gique r" EACUTE "gionale",
	  "\"Quoted\"",
	  PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY
		  PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY
			  PARTY,
	  "x\n", NULL,
	  "Cl" EACUTE "ment de la Tr" EACUTE "moille-Beaus" EACUTE "jour, "
	  "responsable de la veille strat" EACUTE "gique r" EACUTE "gionale",
	  "\"Quoted\"",
	  PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY
		  PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY PARTY
			  PARTY,
	  "x\n", NULL, NULL, NULL, NULL, NULL },
};

struct fields {
	char *key[64], *val[64];
	int n;
};

static const char *
field(const struct fields *f, const char *key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->key[i], key) == 0)
			return f->val[i];
	return NULL;
}

static void
fields_free(struct fields *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		free(f->key[i]);
		free(f->val[i]);
	}
	f->n = 0;
}

/* Renders msgs[i] into out (its Message-ID, malloc'd, in *id); 0 or -1. */
static int
render_msg(size_t i, struct buf *out, char **id, struct err *e)
{
	struct mime_message m;

	*id = mime_message_id("digest-42-slot-2026-11-26", "example.org");
	memset(&m, 0, sizeof(m));
	m.from.name = msgs[i].from_name;
	m.from.addr = "veille@example.org";
	m.to.name = msgs[i].to_name;
	m.to.addr = "zoe.martin@example.com";
	m.subject = msgs[i].subject;
	m.date = 1795676400; /* 2026-11-26T07:00:00Z */
	m.message_id = *id;
	m.list_id = msgs[i].list_id;
	m.unsubscribe_mailto = msgs[i].mailto;
	m.unsubscribe_url = msgs[i].url;
	m.entries = 14;
	m.text = msgs[i].text;
	m.html = msgs[i].html;
	return mime_render(&m, out, e);
}

/* What tests/mime_check.py read in each of msgs[] rendered: filled by
 * read_back() in main(), before Check forks the cases, so that one Python
 * process reads them all rather than one per row. */
static struct fields back[N(msgs)];
static char back_error[1024]; /* why read_back() failed, else "" */

/* The bytes that hex spells (the HEX of a "KEY HEX" line), malloc'd and
 * NUL-terminated; NULL when out of memory. */
static char *
unhex(const char *hex)
{
	size_t i, n = strlen(hex) / 2;
	char *val = malloc(n + 1);

	if (!val)
		return NULL;
	for (i = 0; i < n; i++)
		val[i] = (char)(hexval(hex[2 * i]) << 4 |
				hexval(hex[2 * i + 1]));
	val[n] = '\0';
	return val;
}

/* Renders every row of msgs[] to a file of dir and reads them all back
 * with one run of tests/mime_check.py into back[]; 0, or -1 with the
 * reason in back_error. */
static int
read_back(const char *dir)
{
	const char *py = getenv("PYTHON3");
	struct buf cmd = BUF_INIT(1 << 16), out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct fields *f = NULL;
	char path[300], line[1 << 16], *sp, *id, *val;
	FILE *p = NULL;
	size_t i;
	int rc = -1;

	if (!py || !*py)
		py = "/usr/bin/python3";
	if (strchr(py, '\'') || strchr(SRCDIR, '\'') || strchr(dir, '\'')) {
		snprintf(back_error, sizeof(back_error), "a quote in a path");
		return -1;
	}
	buf_addf(&cmd, "'%s' '%s/tests/mime_check.py'", py, SRCDIR);
	for (i = 0; i < N(msgs); i++) {
		buf_reset(&out);
		if (render_msg(i, &out, &id, &e) < 0) {
			/* the case reports it */
			free(id);
			continue;
		}
		free(id);
		snprintf(path, sizeof(path), "%s/%zu.eml", dir, i);
		if (testutil_put_file(path, out.data, 0600) < 0) {
			snprintf(back_error, sizeof(back_error), "%s: %s", path,
				 strerror(errno));
			goto out;
		}
		buf_addf(&cmd, " '%s'", path);
	}
	p = popen(cmd.data, "r");
	if (!p) {
		snprintf(back_error, sizeof(back_error), "popen: %s",
			 strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		sp = strchr(line, ' ');
		if (!sp) {
			snprintf(back_error, sizeof(back_error),
				 "mime_check.py said '%.200s'", line);
			goto out;
		}
		*sp++ = '\0';
		if (!(val = unhex(sp)))
			goto oom;
		if (strcmp(line, "file") == 0) {
			/* "file" PATH starts the fields of DIR/I.eml */
			sp = strrchr(val, '/');
			i = sp ? strtoul(sp + 1, NULL, 10) : N(msgs);
			free(val);
			f = i < N(msgs) ? &back[i] : NULL;
			continue;
		}
		if (!f || f->n == 64) {
			snprintf(back_error, sizeof(back_error),
				 "mime_check.py: '%.200s' out of place", line);
			free(val);
			goto out;
		}
		f->val[f->n] = val;
		if (!(f->key[f->n++] = strdup(line)))
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	snprintf(back_error, sizeof(back_error), "out of memory");
out:
	if (p && pclose(p) != 0 && rc == 0) {
		snprintf(back_error, sizeof(back_error),
			 "tests/mime_check.py failed (its stderr is above)");
		rc = -1;
	}
	buf_release(&cmd);
	buf_release(&out);
	return rc;
}

/* The header section of a rendered mail: lines at most 78 (addresses
 * here are short), none starting a header we did not write. */
static void
check_header_section(const char *m)
{
	static const char *allowed[] = {
		"Date:",
		"From:",
		"To:",
		"Subject:",
		"Message-ID:",
		"Auto-Submitted:",
		"List-Id:",
		"List-Unsubscribe:",
		"List-Unsubscribe-Post:",
		"X-Feedmail-Entries:",
		"MIME-Version:",
		"Content-Type:",
		"Content-Transfer-Encoding:",
	};
	const char *line = m, *end = strstr(m, "\r\n\r\n");
	size_t i, len;
	int ok;

	ck_assert_ptr_nonnull(end);
	while (line <= end) {
		len = (size_t)(strstr(line, "\r\n") - line);
		ck_assert_msg(len <= MIME_LINE_MAX, "header line of %zu: %.*s",
			      len, (int)len, line);
		ok = line[0] == ' ';
		for (i = 0; i < N(allowed) && !ok; i++)
			ok = strncmp(line, allowed[i], strlen(allowed[i])) == 0;
		ck_assert_msg(ok, "unexpected header line: %.*s", (int)len,
			      line);
		line += len + 2;
	}
}

START_TEST(test_render_roundtrip)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	const struct fields *f = &back[_i];
	char *id;
	int i;

	ck_assert_msg(render_msg((size_t)_i, &out, &id, &e) == 0, "%s", e.msg);
	check_crlf(out.data, out.len, MIME_LINE_HARD);
	check_header_section(out.data);
	ck_assert_ptr_null(strstr(out.data, "\nBcc"));
	ck_assert(out.len >= 2 &&
		  memcmp(out.data + out.len - 2, "\r\n", 2) == 0);

	/* read back by Python in main(), as rendered here */
	ck_assert_msg(!back_error[0], "reading back: %s", back_error);
	ck_assert_msg(!field(f, "error"), "mime_check.py: %s",
		      field(f, "error"));
	ck_assert_msg(f->n > 0, "mime_check.py read nothing of row %d", _i);
	for (i = 0; i < f->n; i++)
		if (strcmp(f->key[i], "defect") == 0)
			fprintf(stderr, "defect: %s\n", f->val[i]);
	ck_assert_str_eq(field(f, "defects"), "0");
	ck_assert_str_eq(field(f, "subject"), msgs[_i].want_subject);
	ck_assert_str_eq(field(f, "from_name"), msgs[_i].want_from);
	ck_assert_str_eq(field(f, "from_addr"), "veille@example.org");
	ck_assert_str_eq(field(f, "to_name"), msgs[_i].want_to);
	ck_assert_str_eq(field(f, "to_addr"), "zoe.martin@example.com");
	ck_assert_str_eq(field(f, "message_id"), id);
	ck_assert_str_eq(field(f, "date"), "2026-11-26T07:00:00+00:00");
	ck_assert_str_eq(field(f, "auto_submitted"), "auto-generated");
	ck_assert_str_eq(field(f, "entries"), "14");
	ck_assert_str_eq(field(f, "list_id"),
			 msgs[_i].want_list_id ? msgs[_i].want_list_id : "");
	ck_assert_str_eq(field(f, "list_unsubscribe"),
			 msgs[_i].want_unsub ? msgs[_i].want_unsub : "");
	ck_assert_str_eq(field(f, "list_unsubscribe_post"),
			 msgs[_i].url ? "List-Unsubscribe=One-Click" : "");
	ck_assert_str_eq(field(f, "text"), msgs[_i].want_text);
	if (msgs[_i].html) {
		ck_assert_str_eq(field(f, "content_type"),
				 "multipart/alternative");
		ck_assert_str_eq(field(f, "parts"), "2");
		ck_assert_str_eq(field(f, "html"), msgs[_i].html);
		/* text first, then HTML */
		ck_assert(strstr(out.data, "Content-Type: text/plain") <
			  strstr(out.data, "Content-Type: text/html"));
	} else {
		ck_assert_str_eq(field(f, "content_type"), "text/plain");
		ck_assert_str_eq(field(f, "parts"), "1");
		ck_assert_ptr_null(field(f, "html"));
	}
	free(id);
	buf_release(&out);
}
END_TEST

/* The same message renders to the same bytes; the exact header block. */
START_TEST(test_render_exact_headers)
{
	static const char want[] =
		"Date: Thu, 26 Nov 2026 07:00:00 +0000\r\n"
		"From: feedmail <feedmail@example.org>\r\n"
		"To: bob@example.org\r\n"
		"Subject: Digest\r\n"
		"Message-ID: <1.feedmail@example.org>\r\n"
		"Auto-Submitted: auto-generated\r\n"
		"List-Id: <digest.example.org>\r\n"
		"List-Unsubscribe: "
		"<mailto:u@example.org?subject=unsubscribe>,\r\n"
		" <https://example.org/unsubscribe/0123456789abcdef>\r\n"
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
		"X-Feedmail-Entries: 0\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Nothing new.\r\n";
	struct buf a = BUF_INIT(BUF_MAX_DOC), b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct mime_message m;

	memset(&m, 0, sizeof(m));
	m.from.name = "feedmail";
	m.from.addr = "feedmail@example.org";
	m.to.addr = "bob@example.org";
	m.subject = "Digest";
	m.date = 1795676400;
	m.message_id = "<1.feedmail@example.org>";
	m.list_id = "digest.example.org";
	m.unsubscribe_mailto = "mailto:u@example.org?subject=unsubscribe";
	m.unsubscribe_url = "https://example.org/unsubscribe/0123456789abcdef";
	m.text = "Nothing new.\n";
	ck_assert_int_eq(mime_render(&m, &a, &e), 0);
	ck_assert_str_eq(a.data, want);
	ck_assert_int_eq(mime_render(&m, &b, &e), 0);
	ck_assert_str_eq(a.data, b.data);
	buf_release(&a);
	buf_release(&b);
}
END_TEST

/* Date header: RFC 5322 form, UTC, leap days, the clamps. */
static const struct {
	int64_t t;
	const char *date;
} dates[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 +0000" },
	{ -1, "Thu, 01 Jan 1970 00:00:00 +0000" },
	{ 1795676400, "Thu, 26 Nov 2026 07:00:00 +0000" },
	{ 1709251199, "Thu, 29 Feb 2024 23:59:59 +0000" },
	{ 951825600, "Tue, 29 Feb 2000 12:00:00 +0000" },
	{ INT64_C(4107542400), "Mon, 01 Mar 2100 00:00:00 +0000" },
	{ INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 +0000" },
	{ INT64_MAX, "Fri, 31 Dec 9999 23:59:59 +0000" },
};

START_TEST(test_render_date)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct mime_message m;
	char want[64];

	memset(&m, 0, sizeof(m));
	m.from.addr = "a@example.org";
	m.to.addr = "b@example.org";
	m.date = dates[_i].t;
	m.message_id = "<1@example.org>";
	m.text = "";
	ck_assert_int_eq(mime_render(&m, &out, &e), 0);
	snprintf(want, sizeof(want), "Date: %s\r\n", dates[_i].date);
	ck_assert_int_eq(strncmp(out.data, want, strlen(want)), 0);
	buf_release(&out);
}
END_TEST

/* An international domain is written as A-labels, as the envelope has
 * it: no header needs SMTPUTF8. */
START_TEST(test_render_idn)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct mime_message m;

	memset(&m, 0, sizeof(m));
	m.from.addr = "veille@B\xc3\xbc"
		      "cher.example";
	m.to.name = "Soci" EACUTE "t" EACUTE;
	m.to.addr = "contact@soci" EACUTE "t" EACUTE ".fr";
	m.message_id = "<1@example.org>";
	m.text = "";
	ck_assert_msg(mime_render(&m, &out, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(out.data,
				     "\r\nFrom: "
				     "veille@xn--bcher-kva.example\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
				     "\r\nTo: =?UTF-8?B?U29jacOpdMOp?= "
				     "<contact@xn--socit-esab.fr>\r\n"));
	buf_release(&out);
}
END_TEST

/* Display names: atoms stay, runs of other words are encoded; a run too
 * long for one encoded-word is split (read here with an RFC 2047 6.2
 * decoder, which drops the space between encoded-words). */
static const struct {
	const char *name, *field;
} names[] = {
	{ "Zo" EACUTE " Martin",
	  "To: =?UTF-8?Q?Zo=C3=A9?= Martin <b@example.org>\r\n" },
	{ "Martin, Zo" EACUTE,
	  "To: =?UTF-8?B?TWFydGluLCBab8Op?= <b@example.org>\r\n" },
	{ "a\\b", "To: \"a\\\\b\" <b@example.org>\r\n" },
	{ "Jos" EACUTE " =?x?= Bob",
	  "To: =?UTF-8?B?Sm9zw6kgPT94Pz0=?= Bob <b@example.org>\r\n" },
	{ EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE
	  " " EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE
		  EACUTE " " EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE EACUTE
			  EACUTE EACUTE EACUTE,
	  NULL },
	{ "A name of plain atoms long enough to need folding between them "
	  "somewhere",
	  NULL },
	{ "A \"quoted\" name long enough that its quoted-string would not fit "
	  "on a line",
	  NULL },
};

START_TEST(test_render_names)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC), dec = BUF_INIT(1u << 20);
	struct buf want = BUF_INIT(1024);
	struct err e = ERR_INIT;
	struct mime_message m;
	const char *to, *end;
	int encoded, lines;

	memset(&m, 0, sizeof(m));
	m.from.addr = "a@example.org";
	m.to.name = names[_i].name;
	m.to.addr = "b@example.org";
	m.message_id = "<1@example.org>";
	m.text = "";
	ck_assert_int_eq(mime_render(&m, &out, &e), 0);
	to = strstr(out.data, "\r\nTo:") + 2;
	end = strstr(to, "\r\nSubject:") + 2;
	if (names[_i].field)
		ck_assert_int_eq(strncmp(to, names[_i].field,
					 (size_t)(end - to)),
				 0);
	header_decode(to, (size_t)(end - to), "To", MIME_LINE_MAX, &dec,
		      &encoded, &lines);
	buf_addf(&want, "%s <b@example.org>", names[_i].name);
	if (!memchr(to, '"', (size_t)(end - to))) /* no quoted-string */
		ck_assert_str_eq(dec.data, want.data);
	buf_release(&out);
	buf_release(&dec);
	buf_release(&want);
}
END_TEST

/* Invalid input: -1, the code, out unchanged. */
#define OK_FROM "a@example.org"
#define OK_ID "<1@example.org>"
static const struct {
	const char *from, *to, *id, *list_id, *mailto, *url, *text;
	long entries;
	int code;
} bad[] = {
	{ OK_FROM, "b@", OK_ID, NULL, NULL, NULL, "", 0, EX_DATAERR },
	{ OK_FROM, NULL, OK_ID, NULL, NULL, NULL, "", 0, EX_DATAERR },
	{ OK_FROM, "", OK_ID, NULL, NULL, NULL, "", 0, EX_DATAERR },
	{ "a@example.org\r\nBcc: v@x.org", "b@example.org", OK_ID, NULL, NULL,
	  NULL, "", 0, EX_DATAERR },
	{ "\"a<b\"@example.org", "b@example.org", OK_ID, NULL, NULL, NULL, "",
	  0, EX_DATAERR },
	{ OK_FROM, "\"b c\"@example.org", OK_ID, NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, EACUTE "@example.org", OK_ID, NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@\xe2\x98\x83.example", OK_ID, NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ "<a@example.org>", "b@example.org", OK_ID, NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ "Name <a@example.org>", "b@example.org", OK_ID, NULL, NULL, NULL, "",
	  0, EX_DATAERR },
	{ OK_FROM, "b@example.org", NULL, NULL, NULL, NULL, "", 0, EX_DATAERR },
	{ OK_FROM, "b@example.org", "1@example.org", NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", "<1@example.org>\r\nBcc: x", NULL, NULL,
	  NULL, "", 0, EX_DATAERR },
	{ OK_FROM, "b@example.org", "<1 2@example.org>", NULL, NULL, NULL, "",
	  0, EX_DATAERR },
	{ OK_FROM, "b@example.org", "<12example.org>", NULL, NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, "bad id", NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, "x <a..b>", NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, "x <a.b", NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, "a.b\r\nBcc: x", NULL, NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, "http://x.org", NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, "mailto:", NULL, "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL, "ftp://x.org/u", "", 0,
	  EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL, "https://x.org/a b", "",
	  0, EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL, "https://x.org/>\r\n",
	  "", 0, EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL,
	  "https://x.org/caf\xc3\xa9", "", 0, EX_DATAERR },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL, NULL, NULL, 0,
	  EX_SOFTWARE },
	{ OK_FROM, "b@example.org", OK_ID, NULL, NULL, NULL, "", -1,
	  EX_SOFTWARE },
};

START_TEST(test_render_errors)
{
	struct buf out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct mime_message m;

	memset(&m, 0, sizeof(m));
	m.from.addr = bad[_i].from;
	m.to.addr = bad[_i].to;
	m.message_id = bad[_i].id;
	m.list_id = bad[_i].list_id;
	m.unsubscribe_mailto = bad[_i].mailto;
	m.unsubscribe_url = bad[_i].url;
	m.text = bad[_i].text;
	m.entries = bad[_i].entries;
	buf_adds(&out, "kept");
	ck_assert_int_eq(mime_render(&m, &out, &e), -1);
	ck_assert_int_eq(e.code, bad[_i].code);
	ck_assert_str_eq(out.data, "kept");
	ck_assert_ptr_null(strchr(e.msg, '\n')); /* nothing echoed raw */
	buf_release(&out);
}
END_TEST

/* The size caps: out's own max, and BUF_MAX_DOC one past. */
START_TEST(test_render_caps)
{
	struct buf small = BUF_INIT(200), out = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct mime_message m;
	/* each "é" encodes to 6 bytes: 11.2 M of them is over 64 MiB */
	size_t n = BUF_MAX_DOC / 6 + 1;
	char *big = repeat(EACUTE, n);

	memset(&m, 0, sizeof(m));
	m.from.addr = "a@example.org";
	m.to.addr = "b@example.org";
	m.message_id = "<1@example.org>";
	m.text = "a text that fits nowhere in 200 bytes with the headers";
	ck_assert_int_eq(mime_render(&m, &small, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_uint_eq(small.len, 0);
	m.text = big;
	err_clear(&e);
	ck_assert_int_eq(mime_render(&m, &out, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_uint_eq(out.len, 0);
	/* under the cap it renders (6.24 bytes a letter with soft breaks) */
	big[2 * (n / 10 * 9)] = '\0';
	ck_assert_int_eq(mime_render(&m, &out, &e), 0);
	ck_assert_uint_le(out.len, BUF_MAX_DOC);
	free(big);
	buf_release(&small);
	buf_release(&out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");
	char dir[200];
	size_t i;
	int rc;

	if (!testutil_tmpdir(dir, sizeof(dir), "mime")) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	read_back(dir);
	testutil_remove_tree(dir);

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_header_table, 0, N(headers));
	tcase_add_test(tc, test_header_split_points);
	tcase_add_loop_test(tc, test_header_long, 0, N(long_subjects));
	tcase_add_test(tc, test_header_errors);
	tcase_add_loop_test(tc, test_qp_table, 0, N(qp));
	tcase_add_loop_test(tc, test_qp_long, 0, N(qp_units));
	tcase_add_test(tc, test_qp_random);
	tcase_add_test(tc, test_qp_cap);
	tcase_add_loop_test(tc, test_wrap_table, 0, N(wraps));
	tcase_add_test(tc, test_wrap_url_and_french);
	tcase_add_loop_test(tc, test_message_id, 0, N(ids));
	tcase_add_test(tc, test_message_id_stable);
	tcase_add_loop_test(tc, test_render_roundtrip, 0, N(msgs));
	tcase_add_test(tc, test_render_exact_headers);
	tcase_add_loop_test(tc, test_render_date, 0, N(dates));
	tcase_add_loop_test(tc, test_render_names, 0, N(names));
	tcase_add_test(tc, test_render_idn);
	tcase_add_loop_test(tc, test_render_errors, 0, N(bad));
	tcase_add_test(tc, test_render_caps);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	for (i = 0; i < N(msgs); i++)
		fields_free(&back[i]);
	return rc;
}
