#include "config.h"

#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/str.h"

/* Set once by main.c, read when an option is refused. */
static const struct opt *global_opts;

void
opt_set_globals(const struct opt *globals)
{
	global_opts = globals;
}

/* The global option that arg ("--quiet", "-q") or the letter bad names,
 * or NULL. */
static const struct opt *
global_named(const char *arg, int bad)
{
	const struct opt *o;
	size_t len;

	for (o = global_opts; o && o->kind != OPT_KIND_END; o++) {
		if (arg && !strncmp(arg, "--", 2)) {
			len = strcspn(arg + 2, "=");
			if (o->name && strlen(o->name) == len &&
			    !strncmp(o->name, arg + 2, len))
				return o;
		} else if (bad && o->letter == bad) {
			return o;
		}
	}
	return NULL;
}

const char *
opt_suggest(const char *word, const char *const *names)
{
	const char *best = NULL, *prefixed = NULL;
	size_t d, best_d = 3, nprefixed = 0, len = strlen(word);

	for (; *names; names++) {
		d = str_edit_distance(word, *names, STR_CASE_SENSITIVE);
		if (d < best_d) {
			best = *names;
			best_d = d;
		}
		if (len && !strncmp(word, *names, len)) {
			prefixed = *names;
			nprefixed++;
		}
	}
	if (best)
		return best;
	return nprefixed == 1 ? prefixed : NULL;
}

void
opt_print_usage(FILE *f, const char *name, const struct opt_help *h)
{
	fprintf(f, "usage: feedmail%s%s%s%s\n", name ? " " : "",
		name ? name : "", *h->synopsis ? " " : "", h->synopsis);
}

/* "-t, --title TITLE", "--json", "-v" */
static void
label(const struct opt *o, char *out, size_t size)
{
	int n = 0;

	if (o->letter)
		n = snprintf(out, size, "-%c%s", o->letter,
			     o->name ? ", " : "");
	if (n < 0 || (size_t)n >= size)
		return;
	snprintf(out + n, size - (size_t)n, "%s%s%s%s", o->name ? "--" : "",
		 o->name ? o->name : "", o->arg ? " " : "",
		 o->arg ? o->arg : "");
}

void
opt_print_options(FILE *f, const struct opt *o, int width)
{
	const char *line, *nl;
	char text[128];

	for (; o && o->kind != OPT_KIND_END; o++) {
		if (!o->help)
			continue;
		label(o, text, sizeof(text));
		fprintf(f, "  %-*s  ", width, text);
		/* further lines of help start in the column of the first,
		 * even after a label too long for it */
		for (line = o->help;; line = nl + 1) {
			nl = strchr(line, '\n');
			if (line != o->help)
				fprintf(f, "%*s", width + 4, "");
			fprintf(f, "%.*s\n",
				nl ? (int)(nl - line) : (int)strlen(line),
				line);
			if (!nl)
				break;
		}
	}
}

void
opt_print_help(FILE *f, const char *name, const struct opt_help *h)
{
	const struct opt *o;
	int listed = 0;

	opt_print_usage(f, name, h);
	for (o = h->opts; o && o->kind != OPT_KIND_END; o++)
		listed |= o->help != NULL;
	if (listed || (h->text && *h->text))
		fputc('\n', f);
	opt_print_options(f, h->opts, h->width);
	if (h->text)
		fputs(h->text, f);
}

static int
vusage_error(const char *name, const struct opt_help *h, const char *fmt,
	     va_list ap)
{
	fprintf(stderr, "feedmail%s%s: ", name ? " " : "", name ? name : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	opt_print_usage(stderr, name, h);
	return EX_USAGE;
}

int
opt_usage_error(const char *name, const struct opt_help *h, const char *fmt,
		...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vusage_error(name, h, fmt, ap);
	va_end(ap);
	return rc;
}

static void spelled(const struct opt *o, char *out, size_t size);

/* getopt_long (told to keep quiet) rejected arg, or the letter bad of it:
 * say which option and why, then "did you mean" for a near miss among this
 * command's long options, then the usage line. */
static int
bad_option(const char *name, const struct opt_help *h, const char *arg, int bad)
{
	/* glibc's optopt: 0 for an unknown long option, the row's value
	 * (256 and up) for one missing its argument, else the letter; arg
	 * is the word getopt was on only in the first two cases */
	int is_long = (bad == 0 || bad >= 256) && arg && !strncmp(arg, "--", 2);
	const char *names[OPT_MAX_ROWS + 1], *best = NULL;
	const struct opt *o, *exact = NULL;
	char word[64];
	size_t n = 0, len;

	fprintf(stderr, "feedmail%s%s: ", name ? " " : "", name ? name : "");
	if (is_long) {
		len = strcspn(arg + 2, "=");
		for (o = h->opts; o->kind != OPT_KIND_END; o++) {
			if (!o->name)
				continue;
			names[n++] = o->name;
			if (strlen(o->name) == len &&
			    !strncmp(o->name, arg + 2, len))
				exact = o;
		}
		names[n] = NULL;
		if (exact && exact->arg)
			fprintf(stderr, "option '--%s' needs a value %s\n",
				exact->name, exact->arg);
		else if (exact)
			fprintf(stderr, "option '--%s' takes no value\n",
				exact->name);
		else
			fprintf(stderr, "unknown option '--%.*s'\n", (int)len,
				arg + 2);
		if (!exact && len < sizeof(word)) {
			memcpy(word, arg + 2, len);
			word[len] = '\0';
			best = opt_suggest(word, names);
		}
	} else {
		for (o = h->opts; o->kind != OPT_KIND_END; o++)
			if (bad && o->letter == bad)
				break;
		if (o->kind != OPT_KIND_END && o->arg)
			fprintf(stderr, "option '-%c' needs a value %s\n", bad,
				o->arg);
		else if (bad > ' ' && bad < 127)
			fprintf(stderr, "unknown option '-%c'\n", bad);
		else
			fprintf(stderr, "unknown option '%s'\n",
				arg ? arg : "");
	}
	o = name && !exact ?
		    global_named(is_long ? arg : NULL, is_long ? 0 : bad) :
		    NULL;
	if (o) {
		/* as it was typed: "-q" or "--quiet" */
		if (is_long)
			spelled(o, word, sizeof(word));
		else
			snprintf(word, sizeof(word), "-%c", o->letter);
		fprintf(stderr,
			"'%s' is an option of feedmail itself: give it before "
			"the command (feedmail %s%s%s %s)\n",
			word, word, o->arg ? " " : "", o->arg ? o->arg : "",
			name);
	} else if (best)
		fprintf(stderr, "did you mean '--%s'?\n", best);
	opt_print_usage(stderr, name, h);
	return EX_USAGE;
}

/* How messages name the option: "--since", else "-s". */
static void
spelled(const struct opt *o, char *out, size_t size)
{
	if (o->name)
		snprintf(out, size, "--%s", o->name);
	else
		snprintf(out, size, "-%c", o->letter);
}

/* "a, b or c" */
static void
list_choices(const char *const *c, char *out, size_t size)
{
	size_t used = 0;
	int n;

	out[0] = '\0';
	for (; *c && used < size; c++) {
		n = snprintf(out + used, size - used, "%s%s",
			     used == 0 ? "" :
			     c[1]      ? ", " :
					 " or ",
			     *c);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int
opt_parse_duration(const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long n, unit;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 24 * 3600;
		break;
	case 'w':
		unit = 7 * 24 * 3600;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > max / unit)
		return -1;
	*out = n * unit;
	return 0;
}

/* Stores arg as row o says. 0, 1 (parsing ends with status 0), or -1
 * with e. */
static int
take(const struct opt *o, const char *arg, struct err *e)
{
	char what[80], choices[256];
	long long n;
	int64_t d;
	char *end;
	size_t i;

	spelled(o, what, sizeof(what));
	switch (o->kind) {
	case OPT_KIND_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_KIND_COUNT:
		++*(int *)o->value;
		return 0;
	case OPT_KIND_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_KIND_INT:
		errno = 0;
		n = strtoll(arg, &end, 10);
		if (end == arg || *end || errno || n < o->min || n > o->max)
			return err_set(e, EX_USAGE,
				       "%s '%s': a whole number "
				       "from %lld to %lld",
				       what, arg, o->min, o->max);
		*(int *)o->value = (int)n;
		return 0;
	case OPT_KIND_DURATION:
		if (opt_parse_duration(arg, o->max, &d) < 0)
			return err_set(e, EX_USAGE,
				       "%s '%s': a duration such "
				       "as 90m, 24h or 7d",
				       what, arg);
		*(int64_t *)o->value = d;
		return 0;
	case OPT_KIND_CHOICE:
		for (i = 0; o->choices[i]; i++) {
			if (!strcmp(arg, o->choices[i])) {
				*(const char **)o->value = o->choices[i];
				return 0;
			}
		}
		list_choices(o->choices, choices, sizeof(choices));
		return err_set(e, EX_USAGE, "%s '%s': use %s", what, arg,
			       choices);
	case OPT_KIND_CALLBACK:
		return o->fn(o, arg, e);
	default:
		return err_set(e, EX_SOFTWARE, "%s: no such kind of option",
			       what);
	}
}

int
opt_parse(int argc, char **argv, const char *name, const struct opt_help *h,
	  unsigned flags)
{
	struct option longopts[OPT_MAX_ROWS + 1];
	char shorts[1 + 2 * OPT_MAX_ROWS + 1]; /* "+", "t:" a row, NUL */
	struct err e = ERR_INIT;
	const struct opt *o;
	size_t nlong = 0, nshort = 0, i;
	int c, rc;

	if (flags & OPT_STOP_AT_OPERAND)
		shorts[nshort++] = '+';
	for (i = 0, o = h->opts; o->kind != OPT_KIND_END; o++, i++) {
		if (i >= OPT_MAX_ROWS) {
			fprintf(stderr, "feedmail: more than %d options\n",
				OPT_MAX_ROWS);
			return EX_SOFTWARE;
		}
		if (o->name) {
			longopts[nlong].name = o->name;
			longopts[nlong].has_arg = o->arg ? required_argument :
							   no_argument;
			longopts[nlong].flag = NULL;
			/* past any letter: which row, from the value */
			longopts[nlong].val = 256 + (int)i;
			nlong++;
		}
		if (o->letter) {
			shorts[nshort++] = (char)o->letter;
			if (o->arg)
				shorts[nshort++] = ':';
		}
	}
	longopts[nlong] = (struct option){ NULL, 0, NULL, 0 };
	shorts[nshort] = '\0';
	/* glibc: 0 starts afresh, whatever argv a parse before went over */
	optind = 0;
	opterr = 0; /* bad_option says it, with the command's name */
	for (;;) {
		c = getopt_long(argc, argv, shorts, longopts, NULL);
		if (c == -1)
			break;
		if (c == '?')
			return bad_option(name, h, argv[optind - 1], optopt);
		if (c >= 256) {
			o = &h->opts[c - 256];
		} else {
			for (o = h->opts; o->kind != OPT_KIND_END; o++)
				if (o->letter == c)
					break;
		}
		if (o->kind == OPT_KIND_HELP) {
			opt_print_help(stdout, name, h);
			return 0;
		}
		rc = take(o, optarg, &e);
		if (rc > 0)
			return 0;
		if (rc == 0)
			continue;
		if (!e.code || e.code == EX_USAGE)
			return opt_usage_error(name, h, "%s", e.msg);
		fprintf(stderr, "feedmail%s%s: %s\n", name ? " " : "",
			name ? name : "", e.msg);
		return err_exit_status(&e);
	}
	i = flags & OPT_NO_OPERANDS ? 0 :
	    flags & OPT_ONE_OPERAND ? 1 :
				      SIZE_MAX;
	if ((size_t)(argc - optind) > i)
		return opt_usage_error(name, h, "unexpected argument '%s'",
				       argv[(size_t)optind + i]);
	return -1;
}
