/*
 * utf8: decoding and encoding UTF-8 (RFC 3629), once for every module that
 * checks, repairs or measures text: shortest forms only, no surrogates,
 * nothing past U+10FFFF. Also the windows-1252 reading of U+0080-U+009F
 * that feeds and HTML references rely on.
 */
#ifndef FEEDMAIL_UTF8_H
#define FEEDMAIL_UTF8_H

#include <stddef.h>

#include "buf.h"

#define UTF8_REPLACEMENT 0xfffdUL

/* Decodes the sequence at s, of which len bytes are available (len >= 1).
 * Returns its length (1 to 4) with the code point in *cp; 0 when it is
 * invalid, with *bad set to how many bytes one U+FFFD replaces (the maximal
 * subpart, as Unicode 3.9 and WHATWG decoders do); -1 when s is the valid
 * start of a sequence cut off at len. */
int utf8_decode(const unsigned char *s, size_t len, unsigned long *cp,
	size_t *bad);
/* The length of the valid sequence at s, or 0 when it is invalid or cut
 * off. */
size_t utf8_valid(const unsigned char *s, size_t len);
/* Appends cp encoded, U+FFFD for a surrogate or a value past U+10FFFF.
 * 0, or -1 when the buffer's cap is reached. */
int utf8_encode(struct buf *out, unsigned long cp);

/* The character windows-1252 puts at c in 0x80-0x9f, where Unicode has
 * the C1 controls (WHATWG Encoding: 0x80 is U+20AC, 0x9f U+0178); 0 for
 * the five it leaves undefined (0x81 0x8d 0x8f 0x90 0x9d) and for any c
 * outside that range. Feeds and HTML that say U+0080-U+009F mean these. */
unsigned long utf8_cp1252_c1(unsigned long c);

/* Appends s folded for matching words without regard to case or accents:
 * ASCII letters lower-cased, the Latin-1 letters and œ/æ written as
 * their base letters ("Été" and "ete" fold alike), other characters as
 * they are, invalid bytes dropped. 0, or -1 at the buffer's cap. */
int utf8_fold(struct buf *out, const char *s);

#endif
