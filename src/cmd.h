/*
 * cmd: the subcommands. Each is `int cmd_NAME(int argc, char **argv,
 * struct ctx *ctx)`, with argv[0] the command's own name; it parses its own
 * options with getopt_long, has --help, and returns the exit status
 * (sysexits.h). main.c sets up what the table says a command needs (config,
 * store, lock) before calling it and tears it down afterwards.
 */
#ifndef FEEDMAIL_CMD_H
#define FEEDMAIL_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "config.h"

struct store;

struct ctx {
	const char *config_path;  /* -c FILE, or NULL */
	const char *db_path;      /* -d DBFILE, or NULL: [store] path */
	struct config cfg;        /* loaded when the command needs it */
	struct store *store;      /* opened when the command needs it */
	int quiet;                /* -q: nothing on success */
};

/* Prints "usage: feedmail NAME SYNOPSIS" and the option lines to f. */
struct cmd_help {
	const char *synopsis;     /* "add URL [--title T] [--tag T]..." */
	const char *options;      /* one option per line, already indented */
};

/* Parses options of a command that takes only -h/--help (and --json when
 * json is non-NULL). Returns -1 to continue with optind set, or an exit
 * status to return at once. */
int cmd_parse_simple(int argc, char **argv, const struct cmd_help *help,
	int *json);
/* Prints the command's help to f. */
void cmd_print_help(FILE *f, const char *name, const struct cmd_help *help);
/* Reports a usage error ("feedmail NAME: WHAT") plus the usage line and
 * returns EX_USAGE. */
int cmd_usage_error(const char *name, const struct cmd_help *help,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The closest of names (NULL-terminated) to word when it is a near miss
 * (edit distance at most 2, or word is a prefix of exactly one), else NULL.
 * For "did you mean". */
const char *cmd_suggest(const char *word, const char *const *names);
/* Reports an option getopt_long rejected (argv[optind - 1]), with a
 * suggestion from longopts, and returns EX_USAGE. */
int cmd_bad_option(const char *name, const struct cmd_help *help,
	const struct option *longopts, const char *arg);

/* Prints a JSON value on stdout, compact, UTF-8, newline-terminated.
 * Returns 0 or EX_IOERR. (json_t: see jansson.h.) */
struct json_t;
int cmd_print_json(struct json_t *value);

struct send_report;
/* The exit status a send report calls for (cmd_send.c). */
int cmd_send_status(const struct send_report *r);

int cmd_add(int argc, char **argv, struct ctx *ctx);
int cmd_config(int argc, char **argv, struct ctx *ctx);
int cmd_digest(int argc, char **argv, struct ctx *ctx);
int cmd_doctor(int argc, char **argv, struct ctx *ctx);
int cmd_export(int argc, char **argv, struct ctx *ctx);
int cmd_fetch(int argc, char **argv, struct ctx *ctx);
int cmd_import(int argc, char **argv, struct ctx *ctx);
int cmd_list(int argc, char **argv, struct ctx *ctx);
int cmd_parse(int argc, char **argv, struct ctx *ctx);
int cmd_remove(int argc, char **argv, struct ctx *ctx);
int cmd_run(int argc, char **argv, struct ctx *ctx);
int cmd_send(int argc, char **argv, struct ctx *ctx);
int cmd_status(int argc, char **argv, struct ctx *ctx);
int cmd_subscriber(int argc, char **argv, struct ctx *ctx);

#endif
