/*
 * main: global options, the table of subcommands, and the set-up each
 * command asks for (config, store, lock). The only place besides cmd_*.c
 * that chooses an exit status.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/options.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/zone.h"
#include "store/store.h"

enum cmd_needs {
	NEEDS_CONFIG = 1 << 0,  /* read the config file */
	NEEDS_STORE = 1 << 1,   /* open (and migrate) the store; without
	                         * NEEDS_LOCK, read-only when it cannot be
	                         * written */
	NEEDS_LOCK = 1 << 2,    /* writes: hold the run lock */
	REPORTS_SETUP = 1 << 3, /* runs even when the config, the lock or
	                         * the store cannot be had, and says so
	                         * itself (ctx->setup_failed) */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	unsigned needs;
	const char *summary;
};

/* Sorted by name: `feedmail help` lists them in this order. */
static const struct cmd commands[] = {
	{ "add", cmd_add, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "subscribe to a feed" },
	{ "config", cmd_config, NEEDS_CONFIG,
	  "print the configuration in effect" },
	/* the lock is taken for each cycle, never while it sleeps */
	{ "daemon", cmd_daemon, NEEDS_CONFIG,
	  "fetch and send as things fall due, until stopped" },
	{ "digest", cmd_digest, NEEDS_CONFIG | NEEDS_STORE,
	  "preview a digest, recording nothing" },
	{ "doctor", cmd_doctor, NEEDS_CONFIG | NEEDS_STORE | REPORTS_SETUP,
	  "check the config, the store and the mail transport" },
	{ "export", cmd_export, NEEDS_CONFIG | NEEDS_STORE,
	  "write the feeds as OPML" },
	{ "fetch", cmd_fetch, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "fetch the feeds that are due and store new entries" },
	{ "help", NULL, 0, "show help for feedmail or a command" },
	{ "import", cmd_import, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "add the feeds of an OPML file" },
	{ "list", cmd_list, NEEDS_CONFIG | NEEDS_STORE,
	  "list the feeds with their status" },
	/* short transactions of their own: no need to wait for a run */
	{ "outbox", cmd_outbox, NEEDS_CONFIG | NEEDS_STORE,
	  "the digests not sent yet; retry or drop those that failed" },
	{ "parse", cmd_parse, NEEDS_CONFIG,
	  "parse a feed and print it, storing nothing" },
	{ "remove", cmd_remove, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "unsubscribe from a feed and drop its entries" },
	{ "run", cmd_run,
	  NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK | REPORTS_SETUP,
	  "fetch, then build and send the digests (for cron)" },
	{ "send", cmd_send,
	  NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK | REPORTS_SETUP,
	  "build digests and deliver the pending ones" },
	/* never the run lock: short transactions of its own per request */
	{ "serve", cmd_serve, NEEDS_CONFIG | NEEDS_STORE,
	  "serve the subscribers' pages (one-click unsubscribe)" },
	{ "status", cmd_status, NEEDS_CONFIG | NEEDS_STORE,
	  "the health of the feeds and of the outbox" },
	/* the source's run lock: nothing writes it while it is read */
	{ "store", cmd_store, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "copy the store to another (SQLite, PostgreSQL)" },
	{ "subscriber", cmd_subscriber, NEEDS_CONFIG | NEEDS_STORE | NEEDS_LOCK,
	  "add, edit, pause, list or import digest subscribers" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The global options, before the command. */
static const char *config_path, *db_path;
static int verbose, quiet;

static int show_help(const struct opt *o, const char *arg, struct err *e);
static int show_version(const struct opt *o, const char *arg, struct err *e);

static const struct opt global_opts[] = {
	OPT_STRING("config", 'c', &config_path, "FILE",
		   "read FILE instead of the default config"),
	OPT_STRING("db", 'd', &db_path, "DBFILE", "use DBFILE as the store"),
	OPT_COUNT("verbose", 'v', &verbose,
		  "say more (twice for debugging output)"),
	OPT_FLAG("quiet", 'q', &quiet, "print nothing on success, errors only"),
	OPT_CALLBACK("help", 'h', show_help, NULL, NULL, "show this help"),
	OPT_CALLBACK("version", 'V', show_version, NULL, NULL,
		     "show the version"),
	OPT_END(),
};

static const struct opt_help global_help = {
	"[-c FILE] [-d DBFILE] [-v] [-q] COMMAND [ARGS]", global_opts, 17, NULL
};

static void
print_usage(FILE *f)
{
	size_t i;

	opt_print_usage(f, NULL, &global_help);
	fputs("\nOptions:\n", f);
	opt_print_options(f, global_opts, global_help.width);
	fputs("\nCommands:\n", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nRun 'feedmail COMMAND --help' for a command's options.\n", f);
}

static int
show_help(const struct opt *o, const char *arg, struct err *e)
{
	(void)o, (void)arg, (void)e;
	print_usage(stdout);
	return 1;
}

static int
show_version(const struct opt *o, const char *arg, struct err *e)
{
	(void)o, (void)arg, (void)e;
	printf("feedmail %s\n", PACKAGE_VERSION);
	return 1;
}

static const struct cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int
unknown_command(const char *name)
{
	const char *names[N_COMMANDS + 1];
	const char *best;
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	names[N_COMMANDS] = NULL;
	fprintf(stderr, "feedmail: '%s' is not a feedmail command\n", name);
	best = opt_suggest(name, names);
	if (best)
		fprintf(stderr, "did you mean '%s'?\n", best);
	opt_print_usage(stderr, NULL, &global_help);
	return EX_USAGE;
}

static int
cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	char *sub[] = { NULL, (char *)"--help", NULL };

	/* "help --help" is help too */
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	if (!c->fn) {
		print_usage(stdout);
		return 0;
	}
	sub[0] = (char *)c->name;
	return c->fn(2, sub, NULL);
}

/* FEEDMAIL_TEST_HOLD_LOCK=SECONDS keeps a writing command asleep while it
 * holds the lock, so that the tests can start two runs that overlap. */
static void
hold_lock_for_tests(const struct store_lock *lock)
{
	const char *hold = getenv("FEEDMAIL_TEST_HOLD_LOCK");

	if (lock && hold)
		sleep((unsigned)strtoul(hold, NULL, 10));
}

/* Does what the table says c needs; returns 0 or the exit status. */
static int
setup(const struct cmd *c, struct ctx *ctx, struct store_lock **lock)
{
	struct err e = ERR_INIT;
	const char *db, *what = "config";

	if ((c->needs & NEEDS_CONFIG) &&
	    cmd_load_config(ctx->config_path, &ctx->cfg, &e) < 0)
		goto fail;
	if (!(c->needs & NEEDS_STORE))
		return 0;
	db = ctx->db_path ? ctx->db_path : conf_store_location(&ctx->cfg);
	/* read when a PostgreSQL store connects, not now */
	store_set_password_file(ctx->cfg.store_password_file);
	if (c->needs & NEEDS_LOCK) {
		what = "lock";
		*lock = store_lock_run(db, c->name, ctx->cfg.lock_timeout,
				       clock_now(), &e);
		if (!*lock)
			goto fail;
	}
	what = "store";
	/* a command that only reads works on a store it cannot write */
	ctx->store = (c->needs & NEEDS_LOCK) ? store_open(db, &e) :
					       store_open_read(db, &e);
	if (!ctx->store)
		goto fail;
	hold_lock_for_tests(*lock);
	return 0;
fail:
	if (c->needs & REPORTS_SETUP) {
		ctx->setup_failed = what;
		ctx->setup_err = e;
		return 0;
	}
	log_error("%s", e.msg);
	return err_exit_status(&e);
}

int
main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	struct store_lock *lock = NULL;
	const struct cmd *c;
	int rc;

	/* the environment is read before any thread may run */
	zone_init();
	opt_set_globals(global_opts);
	/* options stop at the command name; the rest is the command's */
	rc = opt_parse(argc, argv, NULL, &global_help, OPT_STOP_AT_OPERAND);
	if (rc >= 0)
		return rc;
	ctx.config_path = config_path;
	ctx.db_path = db_path;
	ctx.quiet = quiet;
	log_set_level(ctx.quiet    ? LOG_LEVEL_QUIET :
		      verbose >= 2 ? LOG_LEVEL_DEBUG :
		      verbose      ? LOG_LEVEL_INFO :
				     LOG_LEVEL_WARN);
	if (optind >= argc) {
		fputs("feedmail: a command is required\n", stderr);
		opt_print_usage(stderr, NULL, &global_help);
		fputs("Run 'feedmail help' for the list of commands.\n",
		      stderr);
		return EX_USAGE;
	}
	argc -= optind;
	argv += optind;
	c = find_command(argv[0]);
	if (!c)
		return unknown_command(argv[0]);
	if (!c->fn)
		return cmd_help(argc, argv);
	/* a command's --help needs no config or store */
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return c->fn(argc, argv, NULL);

	conf_init(&ctx.cfg);
	rc = setup(c, &ctx, &lock);
	if (rc == 0)
		rc = c->fn(argc, argv, &ctx);
	store_close(ctx.store);
	store_unlock_run(lock);
	conf_release(&ctx.cfg);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("write error on standard output");
		if (rc == 0)
			rc = EX_IOERR;
	}
	return rc;
}
