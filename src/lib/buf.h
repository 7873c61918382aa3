/*
 * buf: the one growable byte buffer.
 *
 * Invariants (as git's strbuf): data is never NULL once initialised and is
 * always NUL-terminated at data[len]; len < cap unless cap == 0, in which case
 * data points at a shared empty string. Every buffer has a named maximum
 * (max, in bytes of content): growing past it is an ordinary error (-1 with
 * errno = EMSGSIZE), never a crash or an unbounded allocation. buf_detach()
 * is the only way to take ownership of the memory.
 */
#ifndef FEEDMAIL_BUF_H
#define FEEDMAIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len, cap, max;
};

extern char buf_empty[];

/* Caps used across modules, named so a reader sees what bounds what. */
#define BUF_MAX_LINE (64u * 1024)        /* one line of config, header */
#define BUF_MAX_FIELD (1u * 1024 * 1024) /* one feed field (title...) */
#define BUF_MAX_DOC (64u * 1024 * 1024)  /* a whole document or message */

#define BUF_INIT(m)                  \
	{                            \
		buf_empty, 0, 0, (m) \
	}

/* Sets b to empty with the given maximum content length. */
void buf_init(struct buf *b, size_t max);
/* Frees the memory and leaves b empty, ready for reuse. NULL-safe. */
void buf_release(struct buf *b);
/* Empties b, keeping its memory. */
void buf_reset(struct buf *b);
/* Ensures room for extra more bytes; -1 (errno EMSGSIZE/ENOMEM) on failure. */
int buf_grow(struct buf *b, size_t extra);
/* Appends; each returns 0, or -1 when the cap or memory is exceeded, in
 * which case b is unchanged. */
int buf_add_slow(struct buf *b, const void *data, size_t len);

/* buf_add and buf_addch are inline for when the bytes fit in what is
 * allocated (and under max, which may have been lowered since): renderers
 * call them once per character or token. */
static inline int
buf_add(struct buf *b, const void *data, size_t len)
{
	if (len < b->cap - b->len && b->len <= b->max &&
	    len <= b->max - b->len) {
		if (len)
			memcpy(b->data + b->len, data, len);
		b->len += len;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_add_slow(b, data, len);
}

static inline int
buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	if (b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = ch;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_add_slow(b, &ch, 1);
}

int buf_adds(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shortens b to len (which must be <= b->len). */
void buf_setlen(struct buf *b, size_t len);
/* Removes trailing and leading ASCII white space. */
void buf_trim(struct buf *b);
/* Returns the content as a malloc'd string owned by the caller and leaves b
 * empty; NULL only when allocating an empty string fails. */
char *buf_detach(struct buf *b, size_t *len);

#endif
