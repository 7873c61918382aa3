/* feedmail store copy --to LOCATION: the store, moved to another (SQLite
 * to PostgreSQL and back), complete and verified by counts. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"

static const struct opt_help help = {
	.synopsis = "copy --to LOCATION [--json]",
	.opts = NULL,
	.width = 0,
	.text = "  copy --to LOCATION [--json]  copy the store into a new one\n"
		"\nLOCATION is a SQLite file or a PostgreSQL URL, as -d takes it.\n"
		"The target is created (or migrated) first and must hold\n"
		"nothing; every table goes in one transaction, ids kept, and the\n"
		"rows of each table are counted on both sides. The source is\n"
		"only read, under its run lock.\n",
};

static int
print_counts(const char *from, const char *to,
	     const struct store_copy_count *counts, size_t n, int json)
{
	json_t *o, *tables;
	size_t i;
	int rc;

	if (!json) {
		printf("copied '%s' to '%s':\n", from, to);
		for (i = 0; i < n; i++)
			printf("  %-16s %lld rows\n", counts[i].table,
			       (long long)counts[i].target);
		return 0;
	}
	tables = json_object();
	for (i = 0; tables && i < n; i++)
		if (json_object_set_new(tables, counts[i].table,
					json_pack("{s:I,s:I}", "source",
						  (json_int_t)counts[i].source,
						  "target",
						  (json_int_t)counts[i]
							  .target)) < 0)
			break;
	o = json_pack("{s:s,s:s,s:o*,s:i}", "source", from, "target", to,
		      "tables", tables, "exit_status", 0);
	if (!o)
		return EX_OSERR;
	rc = cmd_print_json(o);
	json_decref(o);
	return rc;
}

static int
store_copy_verb(int argc, char **argv, struct ctx *ctx)
{
	const char *target = NULL;
	int json = 0;
	const struct opt opts[] = {
		OPT_STRING("to", 0, &target, "LOCATION",
			   "the new store: a file, or a PostgreSQL URL"),
		OPT_FLAG("json", 0, &json, "print the counts as JSON"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help copy_help = { "--to LOCATION [--json]", opts, 17,
					    NULL };
	struct store_copy_count counts[STORE_COPY_MAX_TABLES];
	struct store_lock *lock = NULL;
	struct store *to = NULL;
	struct err e = ERR_INIT;
	char *from_shown = NULL, *to_shown = NULL;
	const char *from;
	size_t n = 0;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &copy_help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (!target || !*target)
		return opt_usage_error(argv[0], &copy_help,
				       "--to LOCATION, please");
	from = ctx->db_path ? ctx->db_path : conf_store_location(&ctx->cfg);
	from_shown = store_location_shown(from);
	to_shown = store_location_shown(target);
	if (!from_shown || !to_shown) {
		rc = err_set(&e, EX_OSERR, "out of memory");
		goto out;
	}
	if (!strcmp(from, target)) {
		free(from_shown);
		free(to_shown);
		return opt_usage_error(argv[0], &copy_help,
				       "the target is the store itself");
	}
	/* nothing else writes the target meanwhile either */
	lock = store_lock_run(target, "store copy", ctx->cfg.lock_timeout,
			      clock_now(), &e);
	if (!lock)
		goto out;
	to = store_open(target, &e);
	if (!to)
		goto out;
	if (store_copy(ctx->store, to, counts, &n, &e) < 0)
		goto out;
	rc = 0;
	if (!ctx->quiet || json)
		rc = print_counts(from_shown, to_shown, counts, n, json);
out:
	if (e.code) {
		err_prefix(&e, "store copy to '%s'", to_shown ? to_shown : "");
		log_error("%s", e.msg);
		rc = err_exit_status(&e);
		if (json) {
			json_t *o = json_pack("{s:s,s:i}", "error", e.msg,
					      "exit_status", rc);

			if (o)
				cmd_print_json(o);
			json_decref(o);
		}
	}
	store_close(to);
	store_unlock_run(lock);
	free(from_shown);
	free(to_shown);
	return rc;
}

static const struct cmd_verb verbs[] = {
	{ "copy", store_copy_verb },
	{ NULL, NULL },
};

int
cmd_store(int argc, char **argv, struct ctx *ctx)
{
	return cmd_verb_run(argc, argv, ctx, verbs, NULL, &help);
}
