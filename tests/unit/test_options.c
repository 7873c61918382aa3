#include "config.h"

#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/options.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dir[4096];

/* What a parse stores, filled by the table below. */
struct got {
	const char *title, *format;
	int json, verbose, count;
	int64_t since;
	const char *words[8];
	int nwords;
};

static struct got g;

static const char *const formats[] = { "text", "html", "eml", NULL };

static int
take_word(const struct opt *o, const char *arg, struct err *e)
{
	struct got *w = o->value;

	if (!*arg)
		return err_set(e, EX_USAGE, "a word cannot be empty");
	if (!strcmp(arg, "oom"))
		return err_set(e, EX_OSERR, "out of memory");
	if (!strcmp(arg, "stop"))
		return 1;
	w->words[w->nwords++] = arg;
	return 0;
}

static const struct opt opts[] = {
	OPT_STRING("title", 't', &g.title, "TITLE", "the title"),
	OPT_FLAG("json", 0, &g.json, "as JSON"),
	OPT_COUNT("verbose", 'v', &g.verbose, "say more"),
	OPT_INT("count", 'n', &g.count, 1, 10, "N", "how many, 1 to 10"),
	OPT_DURATION("since", 's', &g.since, 7 * 24 * 3600, "DURATION",
		     "how far back\nat most a week"),
	OPT_CHOICE("format", 'f', &g.format, formats, "FORMAT",
		   "text, html or eml"),
	OPT_CALLBACK("word", 'w', take_word, &g, "WORD", "a word"),
	OPT_STRING("hidden", 0, &g.title, "TITLE", NULL),
	OPT_HELP(),
	OPT_END(),
};

static const struct opt_help help = { "[--title TITLE] ARG...", opts, 17,
				      "\nA paragraph.\n" };

static const struct {
	const char *args;     /* split at spaces; argv[0] is "cmd" */
	int rc;               /* -1: parsing went on */
	const char *operands; /* what is left, joined by spaces */
	const char *title, *format;
	int json, verbose, count;
	int64_t since;
	int nwords;
	const char *err; /* in stderr, or NULL for nothing there */
} parse_table[] = {
	{ "", -1, "", NULL, NULL, 0, 0, 0, 0, 0, NULL },
	{ "a b", -1, "a b", NULL, NULL, 0, 0, 0, 0, 0, NULL },
	{ "-t T a", -1, "a", "T", NULL, 0, 0, 0, 0, 0, NULL },
	{ "--title=T", -1, "", "T", NULL, 0, 0, 0, 0, 0, NULL },
	{ "a --title T b", -1, "a b", "T", NULL, 0, 0, 0, 0, 0, NULL },
	{ "--tit T", -1, "", "T", NULL, 0, 0, 0, 0, 0, NULL },
	{ "--hidden H", -1, "", "H", NULL, 0, 0, 0, 0, 0, NULL },
	{ "--json -vv -v", -1, "", NULL, NULL, 1, 3, 0, 0, 0, NULL },
	{ "-- -t", -1, "-t", NULL, NULL, 0, 0, 0, 0, 0, NULL },
	/* int: at each bound, one past */
	{ "-n 1", -1, "", NULL, NULL, 0, 0, 1, 0, 0, NULL },
	{ "--count 10", -1, "", NULL, NULL, 0, 0, 10, 0, 0, NULL },
	{ "--count 0", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: --count '0': a whole number from 1 to 10\n"
	  "usage: feedmail cmd [--title TITLE] ARG...\n" },
	{ "-n 11", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "--count '11': a whole number from 1 to 10" },
	{ "-n 5x", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0, "--count '5x'" },
	{ "-n ''", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0, "--count" },
	/* durations */
	{ "-s 90m", -1, "", NULL, NULL, 0, 0, 0, 5400, 0, NULL },
	{ "-s 1w", -1, "", NULL, NULL, 0, 0, 0, 604800, 0, NULL },
	{ "-s 604800", -1, "", NULL, NULL, 0, 0, 0, 604800, 0, NULL },
	{ "-s 604801", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: --since '604801': a duration such as 90m, 24h or "
	  "7d\n" },
	{ "-s 8d", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0, "'8d'" },
	{ "-s 3x", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0, "'3x'" },
	/* choices */
	{ "-f html", -1, "", NULL, "html", 0, 0, 0, 0, 0, NULL },
	{ "--format pdf", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: --format 'pdf': use text, html or eml\n" },
	/* callbacks: go on, refuse, fail, stop */
	{ "-w a --word b c", -1, "c", NULL, NULL, 0, 0, 0, 0, 2, NULL },
	{ "-w ''", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: a word cannot be empty\nusage: feedmail cmd" },
	{ "-w oom", EX_OSERR, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: out of memory\n" },
	{ "-w stop --bogus", 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL },
	/* unknown options: which and why, a suggestion among this command's
	 * options only, the usage */
	{ "--tilte T", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: unknown option '--tilte'\n"
	  "did you mean '--title'?\n"
	  "usage: feedmail cmd [--title TITLE] ARG...\n" },
	{ "--xyzzyplugh", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: unknown option '--xyzzyplugh'\n"
	  "usage: feedmail cmd" },
	{ "--quiet", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: unknown option '--quiet'\n"
	  "usage: feedmail cmd" },
	{ "-Z", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: unknown option '-Z'\nusage: feedmail cmd" },
	/* within a bundle after a long option: the letter, not the word */
	{ "--json -vZ", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: unknown option '-Z'\nusage: feedmail cmd" },
	/* a known option without its value: nothing to suggest */
	{ "--title", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: option '--title' needs a value TITLE\n"
	  "usage: feedmail cmd" },
	{ "-t", EX_USAGE, NULL, NULL, NULL, 0, 0, 0, 0, 0,
	  "feedmail cmd: option '-t' needs a value TITLE\n"
	  "usage: feedmail cmd" },
	{ "--help", 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL },
	{ "-h --bogus", 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL },
};

/* argv from words separated by spaces; '' is the empty word. */
static int
split(char *s, char **argv, int max)
{
	int argc = 0;
	char *w;

	argv[argc++] = (char *)"cmd";
	for (w = strtok(s, " "); w && argc < max - 1; w = strtok(NULL, " "))
		argv[argc++] = strcmp(w, "''") ? w : (char *)"";
	argv[argc] = NULL;
	return argc;
}

START_TEST(t_parse)
{
	char args[256], path[4096], ops[256] = "", *argv[16], *err;
	int argc, rc, saved, i;

	memset(&g, 0, sizeof(g));
	snprintf(args, sizeof(args), "%s", parse_table[_i].args);
	argc = split(args, argv, (int)N(argv));
	testutil_fresh_path(path, sizeof(path), dir, "stderr");
	saved = testutil_redirect_fd(2, path);
	/* --help writes to stdout: keep it out of the TAP stream */
	freopen("/dev/null", "w", stdout);
	rc = opt_parse(argc, argv, "cmd", &help, 0);
	fflush(stderr);
	testutil_restore_fd(2, saved);
	err = testutil_read_file(path, NULL);
	ck_assert_int_eq(rc, parse_table[_i].rc);
	if (parse_table[_i].err)
		ck_assert_msg(strstr(err, parse_table[_i].err), "stderr: %s",
			      err);
	else
		ck_assert_str_eq(err, "");
	free(err);
	if (rc >= 0)
		return;
	for (i = optind; i < argc; i++)
		snprintf(ops + strlen(ops), sizeof(ops) - strlen(ops), "%s%s",
			 i > optind ? " " : "", argv[i]);
	ck_assert_str_eq(ops, parse_table[_i].operands);
	ck_assert_pstr_eq(g.title, parse_table[_i].title);
	ck_assert_pstr_eq(g.format, parse_table[_i].format);
	ck_assert_int_eq(g.json, parse_table[_i].json);
	ck_assert_int_eq(g.verbose, parse_table[_i].verbose);
	ck_assert_int_eq(g.count, parse_table[_i].count);
	ck_assert_int_eq(g.since, parse_table[_i].since);
	ck_assert_int_eq(g.nwords, parse_table[_i].nwords);
}
END_TEST

/* Options end at the first operand: a command's own options follow. */
START_TEST(t_stop_at_operand)
{
	char *argv[] = { (char *)"feedmail", (char *)"-v", (char *)"list",
			 (char *)"--json", NULL };

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(opt_parse(4, argv, NULL, &help, OPT_STOP_AT_OPERAND),
			 -1);
	ck_assert_int_eq(g.verbose, 1);
	ck_assert_int_eq(g.json, 0);
	ck_assert_int_eq(optind, 2);
}
END_TEST

/* Twice in a row over different argv: each parse starts afresh. */
START_TEST(t_parse_twice)
{
	char *a1[] = { (char *)"cmd", (char *)"x", (char *)"-v", NULL };
	char *a2[] = { (char *)"cmd", (char *)"-t", (char *)"T", NULL };

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(opt_parse(3, a1, "cmd", &help, 0), -1);
	ck_assert_int_eq(opt_parse(3, a2, "cmd", &help, 0), -1);
	ck_assert_int_eq(optind, 3);
	ck_assert_str_eq(g.title, "T");
	ck_assert_int_eq(g.verbose, 1);
}
END_TEST

/* No operand, or one at most: the first one too many is named. */
static const struct {
	unsigned flags;
	int argc, rc;
	const char *err;
} operand_table[] = {
	{ OPT_NO_OPERANDS, 1, -1, NULL },
	{ OPT_NO_OPERANDS, 2, EX_USAGE,
	  "feedmail cmd: unexpected argument 'a'\nusage: feedmail cmd" },
	{ OPT_ONE_OPERAND, 1, -1, NULL },
	{ OPT_ONE_OPERAND, 2, -1, NULL },
	{ OPT_ONE_OPERAND, 3, EX_USAGE, "unexpected argument 'b'" },
	{ 0, 4, -1, NULL },
};

START_TEST(t_operands)
{
	char *argv[] = { (char *)"cmd", (char *)"a", (char *)"b", (char *)"c",
			 NULL };
	char path[4096], *err;
	int rc, saved;

	argv[operand_table[_i].argc] = NULL;
	testutil_fresh_path(path, sizeof(path), dir, "stderr");
	saved = testutil_redirect_fd(2, path);
	rc = opt_parse(operand_table[_i].argc, argv, "cmd", &help,
		       operand_table[_i].flags);
	fflush(stderr);
	testutil_restore_fd(2, saved);
	err = testutil_read_file(path, NULL);
	ck_assert_int_eq(rc, operand_table[_i].rc);
	if (operand_table[_i].err)
		ck_assert_msg(strstr(err, operand_table[_i].err), "%s", err);
	else
		ck_assert_str_eq(err, "");
	free(err);
}
END_TEST

static char *
help_text(const char *name, const struct opt_help *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	opt_print_help(f, name, h);
	fclose(f);
	return text;
}

START_TEST(t_help)
{
	char *text = help_text("cmd", &help);

	ck_assert_str_eq(text, "usage: feedmail cmd [--title TITLE] ARG...\n"
			       "\n"
			       "  -t, --title TITLE  the title\n"
			       "  --json             as JSON\n"
			       "  -v, --verbose      say more\n"
			       "  -n, --count N      how many, 1 to 10\n"
			       "  -s, --since DURATION  how far back\n"
			       "                     at most a week\n"
			       "  -f, --format FORMAT  text, html or eml\n"
			       "  -w, --word WORD    a word\n"
			       "  -h, --help         show this help\n"
			       "\n"
			       "A paragraph.\n");
	free(text);
}
END_TEST

/* No table (a command with verbs lists them in its text), no text, no
 * synopsis, no name. */
START_TEST(t_help_bare)
{
	static const struct opt only_help[] = { OPT_HELP(), OPT_END() };
	const struct opt_help verbs = { "add|list", NULL, 0, "  add X\n" };
	const struct opt_help bare = { "", only_help, 10, NULL };
	const struct opt_help none = { "", NULL, 0, NULL };
	char *text;

	text = help_text("sub", &verbs);
	ck_assert_str_eq(text, "usage: feedmail sub add|list\n\n  add X\n");
	free(text);
	text = help_text("run", &bare);
	ck_assert_str_eq(text, "usage: feedmail run\n\n"
			       "  -h, --help  show this help\n");
	free(text);
	text = help_text(NULL, &none);
	ck_assert_str_eq(text, "usage: feedmail\n");
	free(text);
}
END_TEST

static const struct {
	const char *s;
	int64_t max, want; /* want -1: refused */
} duration_table[] = {
	{ "", 1000, -1 },
	{ "0", 1000, 0 },
	{ "1000", 1000, 1000 },
	{ "1001", 1000, -1 },
	{ "16m", 1000, 960 },
	{ "17m", 1000, -1 },
	{ "24h", 86400, 86400 },
	{ "1d", 86399, -1 },
	{ "2w", 2 * 604800, 2 * 604800 },
	{ "5mm", 1000, -1 },
	{ "5s", 1000, -1 },
	{ "m", 1000, -1 },
	{ "-1", 1000, -1 },
	{ "+1", 1000, -1 },
	{ " 1", 1000, -1 },
	{ "99999999999999999999", INT64_MAX, -1 },
	{ "9223372036854775807", INT64_MAX, INT64_MAX },
	{ "9223372036854775807w", INT64_MAX, -1 },
};

START_TEST(t_duration)
{
	int64_t got = -1;
	int rc = opt_parse_duration(duration_table[_i].s,
				    duration_table[_i].max, &got);

	if (duration_table[_i].want < 0) {
		ck_assert_int_eq(rc, -1);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(got, duration_table[_i].want);
}
END_TEST

static const struct {
	const char *word, *want;
} suggest_table[] = {
	{ "lsit", "list" },
	{ "list", "list" },
	{ "lis", "list" },       /* one edit */
	{ "sub", "subscriber" }, /* the prefix of one name only */
	{ "s", NULL },           /* the prefix of two */
	{ "xyzzyplugh", NULL },
	{ "", NULL },
	{ "abcdefghijklmnopqrstuvwxyzabcdefghij", NULL },
};

START_TEST(t_suggest)
{
	static const char *const names[] = { "list", "send", "subscriber",
					     NULL };

	ck_assert_pstr_eq(opt_suggest(suggest_table[_i].word, names),
			  suggest_table[_i].want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");
	int rc;

	if (!testutil_tmpdir(dir, sizeof(dir), "options"))
		return EXIT_FAILURE;
	tcase_add_loop_test(tc, t_parse, 0, (int)N(parse_table));
	tcase_add_test(tc, t_stop_at_operand);
	tcase_add_test(tc, t_parse_twice);
	tcase_add_loop_test(tc, t_operands, 0, (int)N(operand_table));
	tcase_add_test(tc, t_help);
	tcase_add_test(tc, t_help_bare);
	tcase_add_loop_test(tc, t_duration, 0, (int)N(duration_table));
	tcase_add_loop_test(tc, t_suggest, 0, (int)N(suggest_table));
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_remove_tree(dir);
	return rc;
}
