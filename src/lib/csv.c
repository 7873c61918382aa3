#include "config.h"

#include "lib/csv.h"

#include <string.h>
#include <sysexits.h>

void
csv_init(struct csv *c, const char *data, size_t len)
{
	c->p = data;
	c->end = data + len;
	c->line = 1;
	/* a byte order mark, as spreadsheets write one */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		c->p += 3;
}

void
csv_record_init(struct csv_record *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, CSV_MAX_RECORD);
}

void
csv_record_release(struct csv_record *r)
{
	buf_release(&r->text);
	r->n = 0;
}

/* Ends the field under way: its NUL, its start in offsets. */
static int
end_field(struct csv_record *r, size_t *offsets, size_t start, struct err *e)
{
	if (r->n == CSV_MAX_FIELDS)
		return err_set(e, EX_DATAERR, "line %zu: more than %d fields",
			       r->line, CSV_MAX_FIELDS);
	offsets[r->n++] = start;
	if (buf_addch(&r->text, '\0') < 0)
		return err_set(e, EX_DATAERR,
			       "line %zu: a record over %u octets", r->line,
			       CSV_MAX_RECORD);
	return 0;
}

int
csv_next(struct csv *c, struct csv_record *r, struct err *e)
{
	size_t offsets[CSV_MAX_FIELDS], start, i;
	int quoted = 0;

	/* blank lines between records are nothing */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->line++;
		c->p++;
	}
	buf_reset(&r->text);
	r->n = 0;
	r->line = c->line;
	if (c->p >= c->end)
		return 0;
	start = 0;
	while (1) {
		int ch = c->p < c->end ? (unsigned char)*c->p : -1;

		/* fields are C strings: a NUL would cut one short unseen */
		if (ch == 0)
			return err_set(
				e, EX_DATAERR,
				"line %zu: a NUL byte (not a text file?)",
				c->line);
		if (quoted) {
			if (ch < 0)
				return err_set(e, EX_DATAERR,
					       "line %zu: a quoted field is "
					       "not closed",
					       r->line);
			c->p++;
			if (ch == '"' && c->p < c->end && *c->p == '"') {
				c->p++;
			} else if (ch == '"') {
				quoted = 0;
				continue;
			} else if (ch == '\n') {
				c->line++;
			}
			if (buf_addch(&r->text, ch) < 0)
				goto too_long;
			continue;
		}
		if (ch == '"' && r->text.len == start) {
			quoted = 1;
			c->p++;
			continue;
		}
		if (ch == '"')
			return err_set(e, EX_DATAERR,
				       "line %zu: a quote inside a field that "
				       "is not quoted (quote the field and "
				       "write the quote twice)",
				       c->line);
		if (ch == ',' || ch == '\n' || ch == '\r' || ch < 0) {
			if (end_field(r, offsets, start, e) < 0)
				return -1;
			start = r->text.len;
			if (ch == ',') {
				c->p++;
				continue;
			}
			if (ch == '\r')
				c->p++;
			if (c->p < c->end && *c->p == '\n') {
				c->p++;
				c->line++;
			}
			break;
		}
		c->p++;
		if (buf_addch(&r->text, ch) < 0)
			goto too_long;
	}
	for (i = 0; i < r->n; i++)
		r->fields[i] = r->text.data + offsets[i];
	return 1;
too_long:
	return err_set(e, EX_DATAERR, "line %zu: a record over %u octets",
		       r->line, CSV_MAX_RECORD);
}

int
csv_add_field(struct buf *b, const char *s, int first)
{
	size_t len = s ? strlen(s) : 0;
	const char *p;

	if (!first && buf_adds(b, ",") < 0)
		return -1;
	if (!len)
		return 0;
	if (!strpbrk(s, ",\"\r\n"))
		return buf_adds(b, s);
	if (buf_adds(b, "\"") < 0)
		return -1;
	for (p = s; *p; p++)
		if ((*p == '"' && buf_adds(b, "\"") < 0) ||
		    buf_add(b, p, 1) < 0)
			return -1;
	return buf_adds(b, "\"");
}
