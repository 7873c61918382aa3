/*
 * csv: records of comma-separated values (RFC 4180) from text in memory,
 * one at a time, for `subscriber import`; and fields written the same
 * way, for `subscriber export`.
 *
 * A field is quoted with '"' when it holds a comma, a quote (written
 * twice) or a line break; lines end with CRLF or LF; a UTF-8 byte order
 * mark at the start is skipped, and so are blank lines. Spaces around a
 * field are its own (not trimmed here). A record has at most
 * CSV_MAX_FIELDS fields and CSV_MAX_RECORD octets.
 */
#ifndef FEEDMAIL_CSV_H
#define FEEDMAIL_CSV_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

#define CSV_MAX_FIELDS 32
#define CSV_MAX_RECORD (64u * 1024)

struct csv {
	const char *p, *end;
	size_t line; /* the line the next record starts on, from 1 */
};

/* One record: fields[0..n) point into text, each NUL-terminated, valid
 * until the next csv_next with r or csv_record_release. */
struct csv_record {
	size_t line; /* where it started, from 1 */
	size_t n;
	const char *fields[CSV_MAX_FIELDS];
	struct buf text;
};

/* Reads data[0..len) (borrowed, kept until the last csv_next). */
void csv_init(struct csv *c, const char *data, size_t len);
void csv_record_init(struct csv_record *r);
void csv_record_release(struct csv_record *r);
/* Reads the next record into r: 1, 0 at the end, -1 with e (EX_DATAERR,
 * "line 3: a quoted field is not closed") when the text is not CSV or a
 * record is past the caps. */
int csv_next(struct csv *c, struct csv_record *r, struct err *e);

/* Appends s (NULL: empty) to b as one field, quoted when it holds a
 * comma, a quote or a line break, preceded by a comma unless first.
 * 0, or -1 when b's cap is reached. */
int csv_add_field(struct buf *b, const char *s, int first);

#endif
