/* Unit tests for src/ident: which items of one document are which entry. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/ident.h"
#include "testutil.h"

/* A document: up to 4 items of {guid, link, title, date}; the expected
 * identities, by kind and equality: "g", "l", "h", with equal letters
 * meaning the same identity ("h1" and "h1" equal, "h1" and "h2" not). */
static const struct {
	const char *what;
	const char *items[4][4];
	size_t n;
	const char *expect[4];
} docs[] = {
	{ "guids are identities",
	  { { "a", "http://x/1", "One", "1" },
	    { "b", "http://x/2", "Two", "2" } },
	  2,
	  { "g", "g" } },
	{ "no guid: the link",
	  { { NULL, "http://x/1", "One", "1" },
	    { NULL, "http://x/2", "Two", "2" } },
	  2,
	  { "l", "l" } },
	{ "one guid reused by every item: links",
	  { { "http://x/", "http://x/1", "One", "1" },
	    { "http://x/", "http://x/2", "Two", "2" },
	    { "http://x/", "http://x/3", "Three", "3" } },
	  3,
	  { "l", "l", "l" } },
	{ "the same link twice: hashes, distinct",
	  { { NULL, "http://x/", "One", "1" },
	    { NULL, "http://x/", "Two", "2" },
	    { NULL, "http://x/3", "Three", "3" } },
	  3,
	  { "h1", "h2", "l" } },
	{ "the same link twice, but with guids: guids win",
	  { { "a", "http://x/", "One", "1" },
	    { "b", "http://x/", "Two", "2" } },
	  2,
	  { "g", "g" } },
	{ "nothing but a title and a date",
	  { { NULL, NULL, "One", "1" }, { NULL, NULL, "One", "2" } },
	  2,
	  { "h1", "h2" } },
	{ "the same item twice is one entry",
	  { { NULL, NULL, "One", "1" }, { NULL, NULL, "One", "1" } },
	  2,
	  { "h1", "h1" } },
	{ "tracking parameters do not make links distinct",
	  { { NULL, "http://example.org/a?utm_source=rss", "A", "1" },
	    { NULL, "https://www.example.org/a/", "B", "2" } },
	  2,
	  { "h1", "h2" } },
	{ "an empty guid is no guid",
	  { { "", "http://x/1", "One", "1" } },
	  1,
	  { "l" } },
	{ "an empty document", { { NULL } }, 0, { NULL } },
};

START_TEST(test_assign)
{
	struct entry en[4], *ptrs[4] = { NULL };
	char **ids;
	size_t i, j;

	memset(en, 0, sizeof(en));
	for (i = 0; i < docs[_i].n; i++) {
		en[i].id = (char *)docs[_i].items[i][0];
		en[i].link = (char *)docs[_i].items[i][1];
		en[i].title = (char *)docs[_i].items[i][2];
		en[i].published = atol(docs[_i].items[i][3]);
		en[i].updated = DATE_NONE;
		ptrs[i] = &en[i];
	}
	ids = ident_assign((const struct entry *const *)ptrs, docs[_i].n);
	ck_assert_ptr_nonnull(ids);
	for (i = 0; i < docs[_i].n; i++) {
		const char *want = docs[_i].expect[i];

		ck_assert_msg(ids[i][0] == want[0] && ids[i][1] == ':',
			      "%s: item %zu is '%s', expected kind %c",
			      docs[_i].what, i, ids[i], want[0]);
		for (j = 0; j < i; j++) {
			int same = !strcmp(ids[i], ids[j]);
			int want_same = !strcmp(want, docs[_i].expect[j]) &&
					want[1];

			if (want[0] != 'h' || docs[_i].expect[j][0] != 'h')
				want_same = 0;
			ck_assert_msg(same == want_same,
				      "%s: items %zu and %zu: '%s' vs '%s'",
				      docs[_i].what, j, i, ids[j], ids[i]);
		}
	}
	/* the same document gives the same identities */
	{
		char **again = ident_assign((const struct entry *const *)ptrs,
					    docs[_i].n);

		for (i = 0; i < docs[_i].n; i++)
			ck_assert_str_eq(again[i], ids[i]);
		ident_free(again, docs[_i].n);
	}
	ident_free(ids, docs[_i].n);
}
END_TEST

START_TEST(test_content_hash_sees_edits)
{
	struct entry a, b;
	char ha[17], hb[17];

	memset(&a, 0, sizeof(a));
	a.title = (char *)"Title";
	a.summary = (char *)"<p>Text</p>";
	a.published = a.updated = DATE_NONE;
	b = a;
	ident_content_hash(&a, ha);
	ident_content_hash(&b, hb);
	ck_assert_str_eq(ha, hb);
	b.summary = (char *)"<p>Text, corrected</p>";
	ident_content_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* a field moving to the next one is a change too */
	b.title = (char *)"Title<p>Text</p>";
	b.summary = NULL;
	ident_content_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_assign, 0, sizeof(docs) / sizeof(docs[0]));
	tcase_add_test(tc, test_content_hash_sees_edits);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
