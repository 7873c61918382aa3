/*
 * err: an error code and a message, filled by the function that failed and
 * given context on the way up ("fetch 'https://x/feed.xml': HTTP 503").
 *
 * Codes are the sysexits.h statuses the command will exit with, so the layer
 * that knows what went wrong also says whether a retry may help. Messages are
 * lower case with no full stop; the subject in quotes, a library's own text
 * after a colon. A struct err is cheap to put on the stack: ERR_INIT.
 */
#ifndef FEEDMAIL_ERR_H
#define FEEDMAIL_ERR_H

#include <stddef.h>
#include <sysexits.h>

#define ERR_MSG_MAX 1024

struct err {
	int code; /* 0 when no error, else an EX_* status */
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT      \
	{             \
		0, "" \
	}

/* Sets code and message (printf-style), replacing any earlier error.
 * Always returns -1 so callers can write `return err_set(e, ...)`. e may be
 * NULL, in which case nothing is recorded. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Puts "CONTEXT: " in front of the current message. Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clears e. */
void err_clear(struct err *e);

/* The exit status for the failure e describes, the one rule for every
 * command: e's code when it is a sysexits.h status (EX__BASE to
 * EX__MAX), else EX_SOFTWARE: a failure that left no code (or e NULL)
 * is a bug of ours, never a success. */
int err_exit_status(const struct err *e);

/* Input quoted in a message is cut after this many bytes. */
#define ERR_QUOTE_MAX 200
/* The size of a buffer that holds any err_quote() output. */
#define ERR_QUOTE_SIZE (ERR_QUOTE_MAX * 4 + 8)

/* Writes len bytes of untrusted s into out for a message: control bytes as
 * \xHH (a rejected URL or address may hold a CR/LF that would forge a log
 * line), cut after ERR_QUOTE_MAX bytes with "...". Always terminated. */
void err_quote(char *out, size_t outsz, const char *s, size_t len);

#endif
