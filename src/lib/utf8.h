/*
 * utf8: decoding and encoding UTF-8 (RFC 3629), once for every module that
 * checks, repairs or measures text: shortest forms only, no surrogates,
 * nothing past U+10FFFF. Also the windows-1252 reading of U+0080-U+009F
 * that feeds and HTML references rely on.
 */
#ifndef FEEDMAIL_UTF8_H
#define FEEDMAIL_UTF8_H

#include <stddef.h>

#include "lib/buf.h"

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

/*
 * Text that came from outside (feed and entry titles, author and
 * subscriber names, tags) as it may be shown to a person, on a terminal
 * or in a mail: the one function every print point uses, so that nothing
 * a feed says can move the cursor, colour a terminal, forge a line or
 * reverse what is read. Appends s (len bytes) to out with
 * - HT, LF, VT, FF, CR, NEL (U+0085), U+2028 and U+2029 written as a space
 *   (words stay apart, the text stays on its line);
 * - an ANSI control sequence (ESC '[' ... final byte) dropped whole, and
 *   every other C0 control, DEL and C1 control (U+0080-U+009F) dropped;
 * - the bidirectional formatting characters (U+061C, U+200E, U+200F,
 *   U+202A-U+202E, U+2066-U+2069) dropped;
 * - invalid UTF-8 written as U+FFFD; everything else as it is.
 * 0, or -1 at the buffer's cap (out then holds a prefix).
 */
int utf8_printable(struct buf *out, const char *s, size_t len);

/* 1 when utf8_printable would not show cp as it is: the controls and
 * formatting characters above, white space other than ' ' included. */
int utf8_unsafe(unsigned long cp);

/* 1 when s is valid UTF-8 without any character utf8_unsafe() names:
 * utf8_printable would copy it unchanged. For names given on the command
 * line that must stay on one line (tags). */
int utf8_is_printable(const char *s);

#endif
