/*
 * cmd: the subcommands. Each is `int cmd_NAME(int argc, char **argv,
 * struct ctx *ctx)`, with argv[0] the command's own name; it parses its own
 * options from a table with opt_parse (options.h), has --help, and returns
 * the exit status
 * (sysexits.h). main.c sets up what the table says a command needs (config,
 * store, lock) before calling it and tears it down afterwards.
 */
#ifndef FEEDMAIL_CMD_H
#define FEEDMAIL_CMD_H

#include <stdio.h>

#include "cli/options.h"
#include "lib/buf.h"
#include "lib/conf.h"

struct store;

struct ctx {
	const char *config_path; /* -c FILE, or NULL */
	const char *db_path;     /* -d DBFILE, or NULL: [store] path */
	struct conf cfg;         /* loaded when the command needs it */
	struct store *store;     /* opened when the command needs it */
	int quiet;               /* -q: nothing on success */
	/* for a command that reports its own setup (doctor): what could not
	 * be had, "config" or "store" (NULL: all went well), and why */
	const char *setup_failed;
	struct err setup_err;
};

/* Reads the config file that -c FILE (explicit_path, or NULL) names, else
 * $FEEDMAIL_CONFIG, else the default file, which may be absent (the
 * defaults then apply), over cfg (conf_init'ed by the caller), then
 * conf_finish. 0, or -1 with e ("FILE:LINE: ..."). */
int cmd_load_config(const char *explicit_path, struct conf *cfg, struct err *e);

/* Adds the argument of a --tag row (value: a struct store_tags whose
 * items have room for one per argument) once it is a tag: not empty, and
 * one line of text, as utf8_is_printable() says, since lists and digest
 * headings print it. An opt_fn. */
int cmd_opt_tag(const struct opt *o, const char *arg, struct err *e);

/* A verb of a command with verbs (`subscriber add`), in a table ending
 * with a NULL name. */
struct cmd_verb {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
};

/* Runs the verb argv[1] of command argv[0] with "COMMAND VERB" as its
 * argv[0]; with no verb (or only options), runs default_verb, or prints
 * the usage and returns EX_USAGE when default_verb is NULL. An unknown
 * verb is a usage error with a suggestion. */
int cmd_verb_run(int argc, char **argv, struct ctx *ctx,
		 const struct cmd_verb *verbs, const char *default_verb,
		 const struct opt_help *help);

/* For a command that reports its own setup (REPORTS_SETUP in main.c):
 * when the config, the lock or the store could not be had, logs why and,
 * with json, prints {"error": WHAT, "detail": WHY, "exit_status": N} for a
 * monitoring system; returns that exit status. -1 when all went well. */
int cmd_setup_failed(const struct ctx *ctx, int json);

/* Prints a JSON value on stdout, compact, UTF-8, newline-terminated.
 * Returns 0 or EX_IOERR. (json_t: see jansson.h.) */
struct json_t;
int cmd_print_json(struct json_t *value);

/* A time as JSON: the UTC date string (date_format_utc), null for 0
 * (never). NULL when memory runs out. */
struct json_t *cmd_json_time(int64_t t);

/* Appends o (NULL when building it ran out of memory), taking it, to
 * array: for a store walk's callback building it. 0, or -1 with e
 * (EX_OSERR). */
int cmd_json_append(struct json_t *array, struct json_t *o, struct err *e);

/* What `send` and `run` did, for --json: the digests built, sent, left
 * pending, failed, the transport's failure and how long it took in ms
 * (man/feedmail.1, "JSON summaries"). NULL when memory runs out. */
struct send_report;
struct json_t *cmd_json_send(const struct send_report *r, int64_t ms);

/* Outside text (a feed or entry title, a name, a tag) as it may be
 * printed on a terminal: s through utf8_printable() into b (reset first),
 * whose text is returned; "" when b's cap is reached or memory runs out,
 * NULL for NULL. The text lives until b is next used or released. */
const char *cmd_printable(struct buf *b, const char *s);

/* Finds the feed a FEED argument names: an id or a URL as stored, else
 * the URL normalized as `add` stored it. 0 with *id, or -1 with e (the
 * lookup of arg as given: "no feed 'X'"). */
int cmd_find_feed(struct store *st, const char *arg, int64_t *id,
		  struct err *e);

int cmd_add(int argc, char **argv, struct ctx *ctx);
int cmd_config(int argc, char **argv, struct ctx *ctx);
int cmd_daemon(int argc, char **argv, struct ctx *ctx);
int cmd_digest(int argc, char **argv, struct ctx *ctx);
int cmd_doctor(int argc, char **argv, struct ctx *ctx);
int cmd_export(int argc, char **argv, struct ctx *ctx);
int cmd_fetch(int argc, char **argv, struct ctx *ctx);
int cmd_import(int argc, char **argv, struct ctx *ctx);
int cmd_list(int argc, char **argv, struct ctx *ctx);
int cmd_parse(int argc, char **argv, struct ctx *ctx);
int cmd_remove(int argc, char **argv, struct ctx *ctx);
int cmd_run(int argc, char **argv, struct ctx *ctx);
int cmd_serve(int argc, char **argv, struct ctx *ctx);
int cmd_send(int argc, char **argv, struct ctx *ctx);
int cmd_outbox(int argc, char **argv, struct ctx *ctx);
int cmd_store(int argc, char **argv, struct ctx *ctx);
int cmd_status(int argc, char **argv, struct ctx *ctx);
int cmd_subscriber(int argc, char **argv, struct ctx *ctx);

#endif
