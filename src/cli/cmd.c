/*
 * cmd: what every subcommand shares: reading the config, help text,
 * usage errors and "did you mean" for near misses.
 */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/conf.h"
#include "lib/str.h"
#include "lib/utf8.h"

const char *
cmd_suggest(const char *word, const char *const *names)
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

/* "usage: feedmail NAME SYNOPSIS", without a space before an empty one. */
static void
print_usage(FILE *f, const char *name, const struct cmd_help *help)
{
	fprintf(f, "usage: feedmail %s%s%s\n", name,
		*help->synopsis ? " " : "", help->synopsis);
}

void
cmd_print_help(FILE *f, const char *name, const struct cmd_help *help)
{
	print_usage(f, name, help);
	if (help->options && *help->options)
		fprintf(f, "\n%s", help->options);
}

int
cmd_usage_error(const char *name, const struct cmd_help *help,
		const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "feedmail %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr, name, help);
	return EX_USAGE;
}

int
cmd_bad_option(const char *name, const struct cmd_help *help,
	       const struct option *longopts, const char *arg)
{
	const char *names[64], *best = NULL;
	size_t n = 0;

	if (arg && !strncmp(arg, "--", 2)) {
		char word[64];
		size_t len = strcspn(arg + 2, "=");

		for (; longopts && longopts->name && n < 63; longopts++)
			names[n++] = longopts->name;
		names[n] = NULL;
		if (len < sizeof(word)) {
			memcpy(word, arg + 2, len);
			word[len] = '\0';
			best = cmd_suggest(word, names);
		}
	}
	/* getopt_long has already said what it rejected */
	if (best)
		fprintf(stderr, "did you mean '--%s'?\n", best);
	print_usage(stderr, name, help);
	return EX_USAGE;
}

int
cmd_parse_simple(int argc, char **argv, const struct cmd_help *help,
		 int *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			cmd_print_help(stdout, argv[0], help);
			return 0;
		case 'j':
			if (json) {
				*json = 1;
				break;
			}
			/* fall through */
		default:
			return cmd_bad_option(argv[0], help, opts,
					      argv[optind - 1]);
		}
	}
	return -1;
}

int
cmd_print_json(json_t *value)
{
	if (json_dumpf(value, stdout, JSON_COMPACT) < 0 ||
	    putchar('\n') == EOF)
		return EX_IOERR;
	return 0;
}

int
cmd_load_config(const char *explicit_path, struct conf *cfg, struct err *e)
{
	char *path;
	int must_exist, rc = 0;

	path = conf_default_path(explicit_path, &must_exist);
	if (!path)
		return err_set(e, EX_OSERR, "out of memory");
	/* the default file may be absent: the defaults then apply */
	if (must_exist || access(path, F_OK) == 0)
		rc = conf_load(cfg, path, e);
	free(path);
	return rc < 0 ? rc : conf_finish(cfg, e);
}

int
cmd_verb_run(int argc, char **argv, struct ctx *ctx,
	     const struct cmd_verb *verbs, const char *default_verb,
	     const struct cmd_help *help)
{
	const char *names[16];
	const char *verb, *best;
	char name[64];
	size_t i;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cmd_print_help(stdout, argv[0], help);
		return 0;
	}
	verb = argc >= 2 && argv[1][0] != '-' ? argv[1] : default_verb;
	if (!verb) {
		cmd_print_help(stderr, argv[0], help);
		return EX_USAGE;
	}
	for (i = 0; verbs[i].name; i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		/* "COMMAND VERB" is the new argv[0]: getopt and the usage
		 * lines name it */
		snprintf(name, sizeof(name), "%s %s", argv[0], verb);
		if (verb == default_verb && (argc < 2 || argv[1][0] == '-')) {
			argv[0] = name;
			return verbs[i].fn(argc, argv, ctx);
		}
		argv[1] = name;
		return verbs[i].fn(argc - 1, argv + 1, ctx);
	}
	for (i = 0; verbs[i].name && i + 1 < sizeof(names) / sizeof(*names);
	     i++)
		names[i] = verbs[i].name;
	names[i] = NULL;
	fprintf(stderr, "feedmail %s: no verb '%s'\n", argv[0], verb);
	best = cmd_suggest(verb, names);
	if (best)
		fprintf(stderr, "did you mean '%s'?\n", best);
	fprintf(stderr, "usage: feedmail %s %s\n", argv[0], help->synopsis);
	return EX_USAGE;
}

int
cmd_check_tag(const char *name, const struct cmd_help *help, const char *tag)
{
	if (!*tag)
		return cmd_usage_error(name, help, "a tag cannot be empty");
	if (!utf8_is_printable(tag))
		return cmd_usage_error(name, help, "a tag cannot contain line "
				       "breaks, tabs or other control or "
				       "formatting characters");
	return 0;
}

const char *
cmd_printable(struct buf *b, const char *s)
{
	if (!s)
		return NULL;
	buf_reset(b);
	if (utf8_printable(b, s, strlen(s)) < 0)
		buf_reset(b);
	return b->data;
}
