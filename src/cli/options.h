/*
 * options: a command's options as a table, parsed by one function that
 * also writes its --help and its usage errors (as git's parse-options.h).
 *
 * A table is an array of struct opt rows built with the OPT_* macros and
 * ended by OPT_END(). Each row names a long option, a short letter or both,
 * the kind of argument it takes, where the value goes and one line of help.
 * opt_parse() runs getopt_long over argv with the table, so abbreviations
 * (--dry for --dry-run), "--name=value", options after operands and getopt's
 * own messages are what they always were; it adds "did you mean" to an
 * unknown long option, checks each value as its kind says, and reports a
 * bad one as "feedmail NAME: WHY" followed by the usage line.
 *
 * Help: "usage: feedmail NAME SYNOPSIS", a blank line, one line per row
 * that has help ("  -t, --title TITLE  the feed's title"), the label
 * padded to the table's width, further lines of a row's help indented to
 * the same column; then the free text (a paragraph, or a command's verbs).
 */
#ifndef FEEDMAIL_OPTIONS_H
#define FEEDMAIL_OPTIONS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

enum opt_kind {
	OPT_KIND_END,
	OPT_KIND_FLAG,     /* no argument: *(int *)value = 1 */
	OPT_KIND_COUNT,    /* no argument: ++*(int *)value (-v -v) */
	OPT_KIND_STRING,   /* *(const char **)value = the argument */
	OPT_KIND_INT,      /* *(int *)value, a decimal in [min, max] */
	OPT_KIND_DURATION, /* *(int64_t *)value, seconds at most max:
	                    * "3600", "90m", "24h", "7d", "2w" */
	OPT_KIND_CHOICE,   /* *(const char **)value, one of choices */
	OPT_KIND_CALLBACK, /* fn(row, argument or NULL, e) */
	OPT_KIND_HELP,     /* no argument: prints the help, parsing ends
	                    * with status 0 */
};

struct opt;

/* What a callback row does with its argument (NULL for a row without
 * one). 0 to go on; 1 to end parsing at once with status 0 (--version);
 * -1 with e to refuse the value: EX_USAGE (or no code) is reported as a
 * usage error, "feedmail NAME: MESSAGE" and the usage line; any other
 * code as "feedmail NAME: MESSAGE" alone, and becomes the status. */
typedef int opt_fn(const struct opt *o, const char *arg, struct err *e);

struct opt {
	enum opt_kind kind;
	const char *name;           /* long name without "--", or NULL */
	int letter;                 /* short letter, or 0 */
	void *value;                /* where the value goes (see the kinds) */
	const char *arg;            /* the argument in the help: "TITLE";
	                             * NULL: the row takes none */
	const char *help;           /* lines of help; NULL: not listed */
	long long min, max;         /* OPT_KIND_INT; max for DURATION */
	const char *const *choices; /* OPT_KIND_CHOICE, NULL-terminated */
	opt_fn *fn;                 /* OPT_KIND_CALLBACK */
};

#define OPT_FLAG(n, l, v, h)                                      \
	{                                                         \
		OPT_KIND_FLAG, n, l, v, NULL, h, 0, 0, NULL, NULL \
	}
#define OPT_COUNT(n, l, v, h)                                      \
	{                                                          \
		OPT_KIND_COUNT, n, l, v, NULL, h, 0, 0, NULL, NULL \
	}
#define OPT_STRING(n, l, v, a, h)                                \
	{                                                        \
		OPT_KIND_STRING, n, l, v, a, h, 0, 0, NULL, NULL \
	}
#define OPT_INT(n, l, v, lo, hi, a, h)                          \
	{                                                       \
		OPT_KIND_INT, n, l, v, a, h, lo, hi, NULL, NULL \
	}
#define OPT_DURATION(n, l, v, hi, a, h)                             \
	{                                                           \
		OPT_KIND_DURATION, n, l, v, a, h, 0, hi, NULL, NULL \
	}
#define OPT_CHOICE(n, l, v, c, a, h)                          \
	{                                                     \
		OPT_KIND_CHOICE, n, l, v, a, h, 0, 0, c, NULL \
	}
/* a is NULL for a callback that takes no argument */
#define OPT_CALLBACK(n, l, f, v, a, h)                          \
	{                                                       \
		OPT_KIND_CALLBACK, n, l, v, a, h, 0, 0, NULL, f \
	}
#define OPT_HELP()                                                           \
	{                                                                    \
		OPT_KIND_HELP, "help", 'h', NULL, NULL, "show this help", 0, \
			0, NULL, NULL                                        \
	}
#define OPT_END()                                                         \
	{                                                                 \
		OPT_KIND_END, NULL, 0, NULL, NULL, NULL, 0, 0, NULL, NULL \
	}

/* A table of more rows than this is refused by opt_parse (EX_SOFTWARE). */
#define OPT_MAX_ROWS 32

/* What --help prints for a command, and its usage line. */
struct opt_help {
	const char *synopsis;   /* "URL [--title T] [--tag T]..." */
	const struct opt *opts; /* the table, or NULL (verbs: text) */
	int width;              /* of the option column */
	const char *text;       /* printed after the options, or NULL */
};

/* Options stop at the first operand (global options before a command):
 * getopt's "+". */
#define OPT_STOP_AT_OPERAND 1u
/* The command takes no operand, or one at most: one more is a usage
 * error, "unexpected argument 'X'". */
#define OPT_NO_OPERANDS 2u
#define OPT_ONE_OPERAND 4u

/* Parses the options of argv (argv[0] is the command's name, "add" or
 * "subscriber add"; NULL in name for the program itself, whose messages
 * then say "feedmail: ...") with the table h->opts, storing each value as
 * its row says. Returns -1 when the command goes on, optind then the index
 * of the first operand (getopt permutes them to the end); or the exit
 * status to return at once: 0 after --help (or a callback that ends it),
 * EX_USAGE after an unknown option, a bad value or more operands than
 * flags allow, reported on stderr. */
int opt_parse(int argc, char **argv, const char *name, const struct opt_help *h,
	      unsigned flags);

/* The program's global options (main.c's table), so that one given after
 * a command ("feedmail run -q") is told where it goes rather than only
 * "unknown". Set once, before any command's opt_parse. */
void opt_set_globals(const struct opt *globals);

/* "usage: feedmail NAME SYNOPSIS" (no NAME for NULL) to f. */
void opt_print_usage(FILE *f, const char *name, const struct opt_help *h);
/* The whole help: usage, options, text. */
void opt_print_help(FILE *f, const char *name, const struct opt_help *h);
/* Only the option lines of opts, labels padded to width. */
void opt_print_options(FILE *f, const struct opt *opts, int width);
/* Reports "feedmail NAME: WHAT" and the usage line on stderr and returns
 * EX_USAGE. */
int opt_usage_error(const char *name, const struct opt_help *h, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* The closest of names (NULL-terminated) to word when it is a near miss
 * (edit distance at most 2, or word is a prefix of exactly one), else NULL.
 * For "did you mean". */
const char *opt_suggest(const char *word, const char *const *names);

/* "90m", "24h", "7d", "2w", "3600" (seconds) as seconds in *out, at most
 * max. 0, or -1 when s is not such a duration. */
int opt_parse_duration(const char *s, int64_t max, int64_t *out);

#endif
