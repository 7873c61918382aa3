#include "config.h"

#include "lib/utf8.h"

#include <string.h>

int
utf8_decode(const unsigned char *s, size_t len, unsigned long *cp, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	unsigned long v;
	int n, i;

	*bad = 1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	/* RFC 3629 4: the second byte's range excludes overlong forms,
	 * surrogates and code points past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++) {
		if ((size_t)i >= len)
			return -1;
		if (s[i] < lo || s[i] > hi) {
			*bad = (size_t)i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return n;
}

size_t
utf8_valid(const unsigned char *s, size_t len)
{
	unsigned long cp;
	size_t bad;
	int n = utf8_decode(s, len, &cp, &bad);

	return n > 0 ? (size_t)n : 0;
}

int
utf8_encode(struct buf *out, unsigned long c)
{
	char u[4];
	size_t n;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = UTF8_REPLACEMENT;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(out, u, n);
}

unsigned long
utf8_cp1252_c1(unsigned long c)
{
	static const unsigned short c1[32] = {
		0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
		0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
	};

	return c >= 0x80 && c <= 0x9f ? c1[c - 0x80] : 0;
}

/* U+00C0 to U+00FF without their accents; "" for the two signs */
static const char *const latin1_base[64] = {
	"a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
	"i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
	"u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
	"c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
	"o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y",
};

int
utf8_fold(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), bad;
	unsigned long cp;
	int n, rc = 0;

	while (len && rc == 0) {
		n = utf8_decode(p, len, &cp, &bad);
		if (n <= 0) {
			n = n < 0 ? (int)len : (int)bad;
		} else if (cp < 0x80) {
			rc = buf_addch(out, cp >= 'A' && cp <= 'Z' ?
						    (int)(cp | 0x20) :
						    (int)cp);
		} else if (cp >= 0xc0 && cp <= 0xff) {
			rc = buf_adds(out, latin1_base[cp - 0xc0]);
		} else if (cp == 0x152 || cp == 0x153) {
			rc = buf_adds(out, "oe");
		} else {
			rc = buf_add(out, p, (size_t)n);
		}
		p += n;
		len -= (size_t)n;
	}
	return rc;
}

/* What utf8_printable does with a character. */
enum shown {
	SHOWN_AS_IS,
	SHOWN_AS_SPACE,
	SHOWN_NOT,
};

static enum shown
shown(unsigned long cp)
{
	/* line breaks and tabs: words stay apart, the text on one line */
	if (cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' ||
	    cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029)
		return SHOWN_AS_SPACE;
	/* C0, DEL, C1: terminal escapes, line forgery */
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return SHOWN_NOT;
	/* Unicode 15 UAX #9 2.1-2.5: the marks, embeddings, overrides and
	 * isolates that reorder what is shown ("Trojan Source",
	 * CVE-2021-42574); ALM U+061C too */
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return SHOWN_NOT;
	return SHOWN_AS_IS;
}

int
utf8_unsafe(unsigned long cp)
{
	return shown(cp) != SHOWN_AS_IS;
}

/* The length of an ANSI control sequence (ECMA-48 5.4: ESC '[',
 * parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, a final byte
 * 0x40-0x7E) at s, of len bytes; 1 (the ESC alone) when it is not one. */
static size_t
csi_len(const unsigned char *s, size_t len)
{
	size_t i = 2;

	if (len < 2 || s[1] != '[')
		return 1;
	while (i < len && s[i] >= 0x30 && s[i] <= 0x3f)
		i++;
	while (i < len && s[i] >= 0x20 && s[i] <= 0x2f)
		i++;
	return i < len && s[i] >= 0x40 && s[i] <= 0x7e ? i + 1 : 1;
}

int
utf8_printable(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t bad;
	int n, rc = 0;

	while (len && rc == 0) {
		n = utf8_decode(p, len, &cp, &bad);
		if (n <= 0) {
			n = n < 0 ? (int)len : (int)bad;
			rc = utf8_encode(out, UTF8_REPLACEMENT);
		} else if (cp == 0x1b) {
			n = (int)csi_len(p, len);
		} else {
			switch (shown(cp)) {
			case SHOWN_AS_IS:
				rc = buf_add(out, p, (size_t)n);
				break;
			case SHOWN_AS_SPACE:
				rc = buf_addch(out, ' ');
				break;
			case SHOWN_NOT:
				break;
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return rc;
}

int
utf8_is_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), bad;
	unsigned long cp;
	int n;

	while (len) {
		n = utf8_decode(p, len, &cp, &bad);
		if (n <= 0 || utf8_unsafe(cp))
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}
