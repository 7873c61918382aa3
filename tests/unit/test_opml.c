#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/opml.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES SRCDIR "/tests/fixtures/opml/"

/* o as text: "title=[T]" then one "url|title|tag,tag" line per feed. */
static char *
dump(const struct opml *o)
{
	char *s = NULL;
	size_t len = 0, i, k;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	fprintf(f, "title=[%s]\n", o->title ? o->title : "(null)");
	for (i = 0; i < o->nfeeds; i++) {
		fprintf(f, "%s|%s|", o->feeds[i].url,
			o->feeds[i].title ? o->feeds[i].title : "(null)");
		for (k = 0; k < o->feeds[i].ntags; k++)
			fprintf(f, "%s%s", k ? "," : "", o->feeds[i].tags[k]);
		if (o->feeds[i].html_url)
			fprintf(f, "|site=%s", o->feeds[i].html_url);
		fputc('\n', f);
	}
	fclose(f);
	return s;
}

/* o written as OPML, as a string. */
static char *
write_str(const struct opml *o)
{
	struct err e = ERR_INIT;
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_msg(opml_write(f, o, &e) == 0, "%s", e.msg);
	fclose(f);
	return s;
}

/* Writes o to a temporary file and reads it back into back. */
static void
reread(const struct opml *o, struct opml *back)
{
	char path[] = "/tmp/test_opml.XXXXXX";
	struct err e = ERR_INIT;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(opml_write(f, o, &e) == 0, "%s", e.msg);
	fclose(f);
	ck_assert_msg(opml_read(path, back, &e) == 0, "%s", e.msg);
	unlink(path);
}

static const struct {
	const char *file, *want;
} read_table[] = {
	{ "opml1.opml", "title=[Old reader export]\n"
			"http://example.com/news.rss|Example News|\n"
			"https://alice.example.org/feed|Alice|Blogs\n"
			"https://bob.example.org/atom.xml|Bob|Blogs\n" },
	{ "opml2.opml",
	  "title=[Cluster feeds]\n"
	  "https://tech.example/rss|Tech Daily|Regional,Tech"
	  "|site=https://tech.example/\n"
	  "https://startups.example/feed|Startups|Regional,Tech\n"
	  "http://region.example/news.xml|Region news|Regional\n"
	  "https://untitled.example/feed|(null)|\n"
	  "https://tagged.example/feed|Tagged|Science,Physics,Local\n"
	  "https://tech2.example/rss|Tech again|Tech,News\n"
	  "https://titled.example/rss|In titled|Titled category\n" },
	{ "nested.opml", "title=[(null)]\n"
			 "http://deep.example/|Deep|a,b,c,d\n"
			 "http://b.example/|In b|a,b\n"
			 "http://blank.example/|Blank category|a\n"
			 "http://parent.example/|Feed with child|a\n"
			 "http://child.example/|Child|a\n"
			 "http://top.example/|Top|\n" },
	{ "nonascii.opml",
	  "title=[Flux r\xc3\xa9gionaux \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac"
	  "\xe8\xaa\x9e]\n"
	  "https://exemple.fr/\xc3\xa9"
	  "conomie.xml?a=1&b=2|"
	  "L\xe2\x80\x99\xc3\xa9"
	  "conomie \xc2\xab\xc2\xa0"
	  "en bref"
	  "\xc2\xa0\xc2\xbb|\xc3\x89"
	  "conomie & soci\xc3\xa9t\xc3\xa9\n"
	  "https://\xe4\xbe\x8b\xe3\x81\x88.jp/rss|\xe6\x9d\xb1\xe4\xba\xac"
	  "\xe3\x83\x8b\xe3\x83\xa5\xe3\x83\xbc\xe3\x82\xb9|\xc3\x89"
	  "conomie & soci\xc3\xa9t\xc3\xa9\n"
	  "https://emoji.example/feed|Line\nbreak and \"quotes\" <b> "
	  "\xf0\x9f\x8e\x89|\n" },
	{ "latin1.opml", "title=[Caf\xc3\xa9]\n"
			 "http://latin1.example/|Ca\xc3\xb1"
			 "a|\n" },
	{ "empty-body.opml", "title=[Nothing yet]\n" },
};

START_TEST(t_read)
{
	struct opml o;
	struct err e = ERR_INIT;
	char path[1024], *got;

	snprintf(path, sizeof(path), "%s%s", FIXTURES, read_table[_i].file);
	ck_assert_msg(opml_read(path, &o, &e) == 0, "%s: %s",
		      read_table[_i].file, e.msg);
	got = dump(&o);
	ck_assert_msg(strcmp(got, read_table[_i].want) == 0,
		      "%s: got\n%s\nwant\n%s", read_table[_i].file, got,
		      read_table[_i].want);
	free(got);
	opml_release(&o);
}
END_TEST

/* read -> write -> read gives the same feeds, titles and tags, and
 * writing that again gives the same bytes. */
START_TEST(t_roundtrip)
{
	struct opml o, back;
	struct err e = ERR_INIT;
	char path[1024], *a, *b, *wa, *wb;

	snprintf(path, sizeof(path), "%s%s", FIXTURES, read_table[_i].file);
	ck_assert_msg(opml_read(path, &o, &e) == 0, "%s", e.msg);
	reread(&o, &back);
	a = dump(&o);
	b = dump(&back);
	ck_assert_msg(strcmp(a, b) == 0, "%s: read\n%s\nafter round trip\n%s",
		      read_table[_i].file, a, b);
	wa = write_str(&o);
	wb = write_str(&back);
	ck_assert_str_eq(wa, wb);
	free(wa);
	free(wb);
	free(a);
	free(b);
	opml_release(&o);
	opml_release(&back);
}
END_TEST

/* want: the message after "PATH" (so ":9: ..." or ": not ..."). */
static const struct {
	const char *file;
	int code;
	const char *want;
} error_table[] = {
	{ "malformed.opml", EX_DATAERR,
	  ":9: Opening and ending tag mismatch: outline line 7 and outlin" },
	{ "truncated.opml", EX_DATAERR, ":8: " },
	{ "bad-attr.opml", EX_DATAERR, ":4: " },
	{ "not-xml.opml", EX_DATAERR, ":1: " },
	{ "bad-utf8.opml", EX_DATAERR,
	  ":3: Input is not proper UTF-8, indicate encoding ! Bytes: 0xFF" },
	{ "empty.opml", EX_DATAERR, ":1: document is empty" },
	{ "not-opml.xml", EX_DATAERR,
	  ": not an OPML file (root element is 'rss')" },
	{ "entities.opml", EX_DATAERR,
	  ": entity declarations are not allowed" },
	{ "xxe.opml", EX_DATAERR, ": entity declarations are not allowed" },
	{ "no-such-file.opml", EX_NOINPUT, ": No such file or directory" },
};

START_TEST(t_errors)
{
	struct opml o;
	struct err e = ERR_INIT;
	char path[1024], want[2048];

	snprintf(path, sizeof(path), "%s%s", FIXTURES, error_table[_i].file);
	snprintf(want, sizeof(want), "%s%s", path, error_table[_i].want);
	ck_assert_int_eq(opml_read(path, &o, &e), -1);
	ck_assert_int_eq(e.code, error_table[_i].code);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0,
		      "got '%s', want '%s...'", e.msg, want);
	ck_assert_msg(strchr(e.msg, '\n') == NULL, "'%s'", e.msg);
	/* out is left empty and can be released */
	ck_assert_ptr_null(o.feeds);
	ck_assert_uint_eq(o.nfeeds, 0);
	ck_assert_ptr_null(o.title);
	opml_release(&o);
}
END_TEST

/* Tags and titles that a category attribute could not carry, feeds whose
 * tags alternate (order kept), and values that come back transformed as
 * the header says. */
START_TEST(t_write_scheme)
{
	static const char *const t_x[] = { "x" };
	static const char *const t_y[] = { "y" };
	static const char *const t_odd[] = { "a,b", "/c/d", "e&<\"f'>" };
	static const char *const t_prefix[] = { "a,b", "/c/d" };
	static const char *const t_messy[] = { " pad ",
					       "",
					       "  ",
					       "x",
					       "x",
					       "\xff"
					       "bad" };
	struct opml o = { NULL, 0, NULL }, back;
	struct err e = ERR_INIT;
	char *got, *text;

	o.title = strdup("List <&> \"q\"\ttab");
	ck_assert_int_eq(opml_add_feed(&o, "http://1/", "one", t_x, 1, &e), 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://2/", NULL, t_y, 1, &e), 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://3/?a=1&b=2", "three", t_x, 1,
				       &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://4/", "t\r\nwo\nlines", t_odd,
				       3, &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://5/", "prefix", t_prefix, 2,
				       &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://6/", "none", NULL, 0, &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://7/",
				       "ctl\x01\x1f"
				       "end",
				       t_messy, 6, &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "http://8/", "  ", t_x, 1, &e), 0);
	reread(&o, &back);
	got = dump(&back);
	ck_assert_str_eq(got, "title=[List <&> \"q\"\ttab]\n"
			      "http://1/|one|x\n"
			      "http://2/|(null)|y\n"
			      "http://3/?a=1&b=2|three|x\n"
			      "http://4/|t\r\nwo\nlines|a,b,/c/d,e&<\"f'>\n"
			      "http://5/|prefix|a,b,/c/d\n"
			      "http://6/|none|\n"
			      "http://7/|ctlend|pad,x,\xef\xbf\xbd"
			      "bad\n"
			      "http://8/|(null)|x\n");
	free(got);
	/* x, y, x: the x category is written twice to keep the order; 4
	 * and 5 share the outlines of their common tags */
	text = write_str(&o);
	ck_assert_msg(strstr(text, "<outline text=\"x\">\n      <outline "
				   "type=\"rss\" text=\"one\"") &&
			      strstr(text, "<outline text=\"x\">\n"
					   "      <outline type=\"rss\" "
					   "text=\"three\""),
		      "%s", text);
	ck_assert_msg(strstr(text, "text=\"e&amp;&lt;&quot;f'&gt;\"") &&
			      strstr(text, "t&#13;&#10;wo&#10;lines"),
		      "%s", text);
	free(text);
	opml_release(&back);
	opml_release(&o);
	opml_release(&o); /* twice is fine */
	opml_release(NULL);
}
END_TEST

START_TEST(t_write_errors)
{
	struct opml o = { NULL, 0, NULL };
	struct err e = ERR_INIT;
	FILE *f;

	/* nothing at all is still a valid document */
	f = tmpfile();
	ck_assert_int_eq(opml_write(f, &o, &e), 0);
	fclose(f);

	ck_assert_int_eq(opml_add_feed(&o, " ", "blank url", NULL, 0, &e), 0);
	f = tmpfile();
	ck_assert_int_eq(opml_write(f, &o, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_str_eq(e.msg, "write OPML: feed 1 has no URL");
	ck_assert_int_eq(ftell(f), 0);
	fclose(f);
	opml_release(&o);

	f = fopen("/dev/full", "w");
	if (f) {
		ck_assert_int_eq(opml_add_feed(&o, "http://x/", "x", NULL, 0,
					       &e),
				 0);
		ck_assert_int_eq(opml_write(f, &o, &e), -1);
		ck_assert_int_eq(e.code, EX_IOERR);
		ck_assert_msg(strncmp(e.msg, "write OPML: ", 12) == 0, "%s",
			      e.msg);
		fclose(f);
		opml_release(&o);
	}
}
END_TEST

/* A file of exactly OPML_MAX_FILE bytes is read; one byte more is not. */
START_TEST(t_cap)
{
	static const char head[] = "<?xml version=\"1.0\"?>\n<opml><body>"
				   "<outline xmlUrl=\"http://x/\"/>\n";
	static const char tail[] = "</body></opml>\n";
	/* padding as many small elements: libxml2 refuses a single text
	 * node over 10 MB */
	static const char item[] = "<outline text=\"c\"/>\n";
	char path[] = "/tmp/test_opml_cap.XXXXXX", want[256];
	struct err e = ERR_INIT;
	struct opml o;
	size_t i, pad = OPML_MAX_FILE - (sizeof(head) - 1) - (sizeof(tail) - 1);
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(head, f);
	for (i = 0; i + sizeof(item) - 1 <= pad; i += sizeof(item) - 1)
		fputs(item, f);
	for (; i < pad; i++)
		fputc(' ', f);
	fputs(tail, f);
	ck_assert_int_eq(ftell(f), OPML_MAX_FILE);
	fclose(f);
	ck_assert_msg(opml_read(path, &o, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(o.nfeeds, 1);
	opml_release(&o);

	f = fopen(path, "a");
	fputc(' ', f);
	fclose(f);
	ck_assert_int_eq(opml_read(path, &o, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	snprintf(want, sizeof(want), "%s: larger than 16 MB", path);
	ck_assert_str_eq(e.msg, want);
	unlink(path);
}
END_TEST

/* A file with depth nested categories around nfeeds feeds. */
static void
write_nested(const char *path, int depth, int nfeeds)
{
	FILE *f = fopen(path, "w");
	int i;

	ck_assert_ptr_nonnull(f);
	fputs("<opml version=\"2.0\"><body>\n", f);
	for (i = 0; i < depth; i++)
		fprintf(f, "<outline text=\"t%d\">\n", i);
	for (i = 0; i < nfeeds; i++)
		fprintf(f, "<outline xmlUrl=\"http://x/%d\"/>\n", i);
	for (i = 0; i < depth; i++)
		fputs("</outline>\n", f);
	fputs("</body></opml>\n", f);
	fclose(f);
}

/* OPML_MAX_TAGS tags per feed pass, one more does not; the total cap. */
START_TEST(t_tag_caps)
{
	char path[] = "/tmp/test_opml_tags.XXXXXX", want[256];
	const char *tags[OPML_MAX_TAGS + 1];
	struct opml o, back, w = { NULL, 0, NULL };
	struct err e = ERR_INIT;
	char names[OPML_MAX_TAGS + 1][8];
	int fd = mkstemp(path), i;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_nested(path, OPML_MAX_TAGS, 1);
	ck_assert_msg(opml_read(path, &o, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(o.feeds[0].ntags, OPML_MAX_TAGS);
	ck_assert_str_eq(o.feeds[0].tags[OPML_MAX_TAGS - 1], "t63");
	reread(&o, &back);
	ck_assert_uint_eq(back.feeds[0].ntags, OPML_MAX_TAGS);
	opml_release(&back);
	opml_release(&o);

	write_nested(path, OPML_MAX_TAGS + 1, 1);
	ck_assert_int_eq(opml_read(path, &o, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	snprintf(want, sizeof(want), "%s: feed 1 has more than 64 tags", path);
	ck_assert_str_eq(e.msg, want);

	/* 15625 feeds of 64 tags are exactly the total cap */
	write_nested(path, OPML_MAX_TAGS, OPML_MAX_TAGS_TOTAL / OPML_MAX_TAGS);
	ck_assert_msg(opml_read(path, &o, &e) == 0, "%s", e.msg);
	opml_release(&o);
	write_nested(path, OPML_MAX_TAGS,
		     OPML_MAX_TAGS_TOTAL / OPML_MAX_TAGS + 1);
	ck_assert_int_eq(opml_read(path, &o, &e), -1);
	snprintf(want, sizeof(want), "%s: more than 1000000 tags in all", path);
	ck_assert_str_eq(e.msg, want);
	unlink(path);

	/* the writer refuses what the reader would refuse */
	for (i = 0; i <= OPML_MAX_TAGS; i++) {
		snprintf(names[i], sizeof(names[i]), "t%d", i);
		tags[i] = names[i];
	}
	ck_assert_int_eq(opml_add_feed(&w, "http://x/", NULL, tags,
				       OPML_MAX_TAGS + 1, &e),
			 0);
	f = tmpfile();
	ck_assert_int_eq(opml_write(f, &w, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_str_eq(e.msg, "write OPML: feed 1 has more than 64 tags");
	ck_assert_int_eq(ftell(f), 0);
	fclose(f);
	opml_release(&w);
}
END_TEST

/* A feed's site goes out as htmlUrl, escaped, and only when known. */
START_TEST(t_html_url)
{
	struct opml o = { 0 };
	struct err e = ERR_INIT;
	char *w;

	ck_assert_int_eq(opml_add_feed(&o, "https://a.example/feed", "A", NULL,
				       0, &e),
			 0);
	ck_assert_int_eq(opml_set_html_url(&o, "https://a.example/?x=1&y=2",
					   &e),
			 0);
	ck_assert_int_eq(opml_add_feed(&o, "https://b.example/feed", "B", NULL,
				       0, &e),
			 0);
	ck_assert_int_eq(opml_set_html_url(&o, NULL, &e), 0);
	w = write_str(&o);
	ck_assert_msg(strstr(w, "xmlUrl=\"https://a.example/feed\" "
				"htmlUrl=\"https://a.example/?x=1&amp;y=2\"/>"),
		      "%s", w);
	ck_assert_msg(strstr(w, "xmlUrl=\"https://b.example/feed\"/>"), "%s",
		      w);
	free(w);
	opml_release(&o);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("opml");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_read, 0, (int)N(read_table));
	tcase_add_loop_test(tc, t_roundtrip, 0, (int)N(read_table));
	tcase_add_loop_test(tc, t_errors, 0, (int)N(error_table));
	tcase_add_test(tc, t_write_scheme);
	tcase_add_test(tc, t_write_errors);
	tcase_add_test(tc, t_cap);
	tcase_add_test(tc, t_tag_caps);
	tcase_add_test(tc, t_html_url);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
