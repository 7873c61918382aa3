/* Unit tests for src/lib/csv: records as RFC 4180 writes them, and as
 * spreadsheets and editors really do. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "lib/csv.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Each case: the text, then its records as "field|field" strings, one per
 * record ("" for a record of one empty field), or an error's message. */
static const struct {
	const char *in;
	const char *want[4];
	const char *error;
} table[] = {
	{ "", { NULL }, NULL },
	{ "\n\r\n\n", { NULL }, NULL },
	{ "a,b,c", { "a|b|c", NULL }, NULL },
	{ "a,b,c\n", { "a|b|c", NULL }, NULL },
	{ "a,b\r\nc,d\r\n", { "a|b", "c|d", NULL }, NULL },
	{ "\xef\xbb\xbf"
	  "email,name\n",
	  { "email|name", NULL },
	  NULL },
	{ "a,,\n", { "a||", NULL }, NULL },
	{ ",\n", { "|", NULL }, NULL },
	{ "\"a,b\",c\n", { "a,b|c", NULL }, NULL },
	{ "\"say \"\"hi\"\"\",x\n", { "say \"hi\"|x", NULL }, NULL },
	{ "\"two\nlines\",x\ny,z\n", { "two\nlines|x", "y|z", NULL }, NULL },
	{ "\"\",x\n", { "|x", NULL }, NULL },
	{ " a , b \n", { " a | b ", NULL }, NULL },
	{ "Zoé,Isère;Drôme\n", { "Zoé|Isère;Drôme", NULL }, NULL },
	{ "a\n\nb\n", { "a", "b", NULL }, NULL },
	{ "a\n\"open,b\n",
	  { "a", NULL },
	  "line 2: a quoted field is not closed" },
	{ "a\nb\"c\n",
	  { "a", NULL },
	  "line 2: a quote inside a field that is not quoted (quote the "
	  "field and write the quote twice)" },
	/* 32 fields: the cap; 33: one past */
	{ ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n",
	  { "|||||||||||||||||||||||||||||||", NULL },
	  NULL },
	{ ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n",
	  { NULL },
	  "line 1: more than 32 fields" },
};

START_TEST(t_records)
{
	struct csv c;
	struct csv_record r;
	struct err e = ERR_INIT;
	char got[256];
	size_t k = 0, i;
	int rc;

	csv_init(&c, table[_i].in, strlen(table[_i].in));
	csv_record_init(&r);
	while ((rc = csv_next(&c, &r, &e)) == 1) {
		got[0] = '\0';
		for (i = 0; i < r.n; i++) {
			if (i)
				strncat(got, "|",
					sizeof(got) - strlen(got) - 1);
			strncat(got, r.fields[i],
				sizeof(got) - strlen(got) - 1);
		}
		ck_assert_msg(table[_i].want[k] != NULL, "case %d: extra '%s'",
			      _i, got);
		ck_assert_str_eq(got, table[_i].want[k]);
		k++;
	}
	if (table[_i].error) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_str_eq(e.msg, table[_i].error);
	} else {
		ck_assert_msg(rc == 0, "case %d: %s", _i, e.msg);
	}
	ck_assert_ptr_null(table[_i].want[k]);
	csv_record_release(&r);
}
END_TEST

/* A NUL byte is refused, not read as the end of its field. */
START_TEST(t_nul)
{
	static const char in[] = "a@b.c\0junk,x\n";
	struct csv c;
	struct csv_record r;
	struct err e = ERR_INIT;

	csv_init(&c, in, sizeof(in) - 1);
	csv_record_init(&r);
	ck_assert_int_eq(csv_next(&c, &r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "line 1: a NUL byte (not a text file?)");
	csv_record_release(&r);
}
END_TEST

/* Records say the line they start on, quoted line breaks counted. */
START_TEST(t_lines)
{
	const char *in = "h\n\n\"a\nb\"\nc\n";
	struct csv c;
	struct csv_record r;
	struct err e = ERR_INIT;

	csv_init(&c, in, strlen(in));
	csv_record_init(&r);
	ck_assert_int_eq(csv_next(&c, &r, &e), 1);
	ck_assert_uint_eq(r.line, 1);
	ck_assert_int_eq(csv_next(&c, &r, &e), 1);
	ck_assert_uint_eq(r.line, 3);
	ck_assert_int_eq(csv_next(&c, &r, &e), 1);
	ck_assert_uint_eq(r.line, 5);
	ck_assert_str_eq(r.fields[0], "c");
	ck_assert_int_eq(csv_next(&c, &r, &e), 0);
	csv_record_release(&r);
}
END_TEST

/* A record of CSV_MAX_RECORD octets is refused, not grown without end. */
START_TEST(t_cap)
{
	static char big[CSV_MAX_RECORD + 2];
	struct csv c;
	struct csv_record r;
	struct err e = ERR_INIT;

	memset(big, 'x', CSV_MAX_RECORD + 1);
	csv_init(&c, big, CSV_MAX_RECORD + 1);
	csv_record_init(&r);
	ck_assert_int_eq(csv_next(&c, &r, &e), -1);
	ck_assert_str_eq(e.msg, "line 1: a record over 65536 octets");
	csv_record_release(&r);
}
END_TEST

/* Fields written by csv_add_field read back as they were. */
START_TEST(t_write)
{
	static const char *const fields[] = { "plain",      "",
					      "a, b",       "say \"hi\"",
					      "two\nlines", "Isère;Lyon" };
	struct buf b = BUF_INIT(BUF_MAX_LINE);
	struct csv_record r;
	struct csv c;
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < N(fields); i++)
		ck_assert_int_eq(csv_add_field(&b, fields[i], i == 0), 0);
	ck_assert_int_eq(csv_add_field(&b, NULL, 0), 0);
	ck_assert_str_eq(b.data, "plain,,\"a, b\",\"say \"\"hi\"\"\","
				 "\"two\nlines\",Isère;Lyon,");
	csv_record_init(&r);
	csv_init(&c, b.data, b.len);
	ck_assert_int_eq(csv_next(&c, &r, &e), 1);
	ck_assert_uint_eq(r.n, N(fields) + 1);
	for (i = 0; i < N(fields); i++)
		ck_assert_str_eq(r.fields[i], fields[i]);
	ck_assert_str_eq(r.fields[N(fields)], "");
	csv_record_release(&r);
	buf_release(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_records, 0, (int)N(table));
	tcase_add_test(tc, t_nul);
	tcase_add_test(tc, t_lines);
	tcase_add_test(tc, t_cap);
	tcase_add_test(tc, t_write);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
