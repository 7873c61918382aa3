/* feedmail outbox [list|retry|drop]: the mail not sent yet (digests, and
 * the admin's reports), and what the admin does about what failed. */
#include "config.h"

#include <jansson.h>
#include <string.h>
#include <sysexits.h>

#include "app/run.h"
#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/str.h"
#include "mail/compose.h"
#include "store/store.h"

static const struct opt_help help = {
	.synopsis =
		"[list [ADDRESS] [--json]] | retry ADDRESS|--all | drop ADDRESS|--all",
	.opts = NULL,
	.width = 0,
	.text = "  list [ADDRESS] [--json]  the pending and failed mail, with why\n"
		"  retry ADDRESS|--all      queue the failed digests again\n"
		"  drop ADDRESS|--all       let the failed digests' articles go\n"
		"\nA digest that failed gives its articles back: they go into its\n"
		"subscriber's next digest, marked as delayed, unless you drop them.\n"
		"retry sends a failed digest again as it was, unless a later digest\n"
		"took some of its articles; a digest that could not be built is\n"
		"built again by the next run. The reports to the admin (health,\n"
		"outage, test) are listed, retried and dropped likewise.\n",
};

struct listing {
	json_t *array; /* --json, else NULL */
	size_t n;
};

/* What the admin reads of one message: its state, then why; a report
 * says its kind first, a confirmation that it is one. */
static void
describe(const struct store_outbox_row *row, char *out, size_t size)
{
	char when[DATE_UTC_SIZE];
	int n = 0;

	if (!strcmp(row->kind, COMPOSE_CONFIRM_KIND)) {
		n = snprintf(out, size, "confirmation, ");
		if (n < 0 || (size_t)n >= size)
			return;
		out += n;
		size -= (size_t)n;
	} else if (strcmp(row->kind, "digest") != 0) {
		n = snprintf(out, size, "%s report, ", row->kind);
		if (n < 0 || (size_t)n >= size)
			return;
		out += n;
		size -= (size_t)n;
	}
	if (!strcmp(row->status, "pending")) {
		date_format_utc(row->next_attempt_at, when);
		snprintf(out, size, "pending, %d %s, next at %s", row->attempts,
			 str_plural((size_t)row->attempts, "attempt",
				    "attempts"),
			 when);
	} else if (n) {
		snprintf(out, size, "%s",
			 row->dropped ? "failed, dropped" : "failed");
	} else if (!row->has_message) {
		snprintf(out, size, "failed to build");
	} else if (row->dropped) {
		snprintf(out, size, "failed, articles dropped");
	} else if (!row->entries) {
		snprintf(out, size, "failed, articles sent in a later digest");
	} else if (row->given_back) {
		snprintf(out, size,
			 "failed, some articles sent in a later "
			 "digest, %ld back in the next",
			 row->entries);
	} else {
		snprintf(out, size, "failed, %ld %s back in the next digest",
			 row->entries,
			 str_plural((size_t)row->entries, "article",
				    "articles"));
	}
}

static int
list_one(const struct store_outbox_row *row, void *arg, struct err *e)
{
	struct listing *l = arg;
	char created[DATE_UTC_SIZE], state[200];
	json_t *o;

	l->n++;
	date_format_utc(row->created_at, created);
	if (!l->array) {
		struct buf b = BUF_INIT(BUF_MAX_FIELD);

		describe(row, state, sizeof(state));
		printf("%lld\t%s\t%s\t%s\n", (long long)row->id, created,
		       cmd_printable(&b, row->email), state);
		/* a server's reply, or why the digest failed, which may
		 * quote what a feed or the store held */
		if (row->reply)
			printf("\t%s\n", cmd_printable(&b, row->reply));
		buf_release(&b);
		return 0;
	}
	o = json_pack("{sI ss ss ss ss si sI ss? sI sb sb}", "id",
		      (json_int_t)row->id, "kind", row->kind, "email",
		      row->email, "status", row->status, "created", created,
		      "attempts", row->attempts, "next_attempt",
		      (json_int_t)row->next_attempt_at, "reply", row->reply,
		      "entries", (json_int_t)row->entries, "built",
		      row->has_message, "dropped", row->dropped);
	return cmd_json_append(l->array, o, e);
}

static int
outbox_list(int argc, char **argv, struct ctx *ctx)
{
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &json, "print a JSON array of digests"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help list_help = { "[ADDRESS] [--json]", opts, 10,
					    NULL };
	struct err e = ERR_INIT;
	struct listing l = { NULL, 0 };

	rc = opt_parse(argc, argv, argv[0], &list_help, OPT_ONE_OPERAND);
	if (rc >= 0)
		return rc;
	if (json && !(l.array = json_array()))
		return EX_OSERR;
	rc = store_outbox_each(ctx->store, optind < argc ? argv[optind] : NULL,
			       list_one, &l, &e);
	if (rc < 0) {
		log_error("outbox: %s", e.msg);
		rc = err_exit_status(&e);
	} else if (json) {
		rc = cmd_print_json(l.array);
	} else if (!l.n && !ctx->quiet) {
		printf("nothing pending, nothing failed\n");
	}
	json_decref(l.array);
	return rc;
}

/* The address a retry or drop is for (NULL for --all), or an exit
 * status in *rc. */
static const char *
target(int argc, char **argv, int *json, int *rc)
{
	int all = 0;
	const struct opt opts[] = {
		OPT_FLAG("all", 0, &all, "every subscriber's failed digests"),
		OPT_FLAG("json", 0, json,
			 "print a JSON summary: the messages done, and\n"
			 "the mail pending in the outbox after"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help target_help = { "ADDRESS|--all [--json]", opts,
					      10, NULL };

	*rc = opt_parse(argc, argv, argv[0], &target_help, 0);
	if (*rc >= 0)
		return NULL;
	if (all == (optind < argc) || argc - optind > 1)
		*rc = opt_usage_error(argv[0], &target_help,
				      "name one ADDRESS, or --all");
	return all ? NULL : argv[optind];
}

/* retry (or drop) the failed digests that argv names. */
static int
act(int argc, char **argv, struct ctx *ctx, int retry)
{
	struct err e = ERR_INIT;
	const char *email;
	size_t n;
	int rc, json = 0;
	int64_t pending;
	json_t *o;

	email = target(argc, argv, &json, &rc);
	if (rc >= 0)
		return rc;
	rc = retry ? store_outbox_retry(ctx->store, email, clock_now(), &n,
					&e) :
		     store_outbox_drop(ctx->store, email, &n, &e);
	if (rc < 0) {
		log_error("%s: %s", argv[0], e.msg);
		return err_exit_status(&e);
	}
	if (json) {
		pending = run_pending(ctx->store);
		o = json_pack("{s:s, s:s?, s:I, s:o}", "action",
			      retry ? "retry" : "drop", "address", email,
			      "messages", (json_int_t)n, "pending",
			      pending < 0 ? json_null() :
					    json_integer(pending));
		if (!o)
			return EX_OSERR;
		rc = cmd_print_json(o);
		json_decref(o);
		return rc;
	}
	if (!ctx->quiet && retry)
		printf("%zu failed %s queued again\n", n,
		       str_plural(n, "digest", "digests"));
	else if (!ctx->quiet)
		printf("the articles of %zu failed %s dropped\n", n,
		       str_plural(n, "digest", "digests"));
	return 0;
}

static int
outbox_retry(int argc, char **argv, struct ctx *ctx)
{
	return act(argc, argv, ctx, 1);
}

static int
outbox_drop(int argc, char **argv, struct ctx *ctx)
{
	return act(argc, argv, ctx, 0);
}

static const struct cmd_verb verbs[] = {
	{ "drop", outbox_drop },
	{ "list", outbox_list },
	{ "retry", outbox_retry },
	{ NULL, NULL },
};

int
cmd_outbox(int argc, char **argv, struct ctx *ctx)
{
	return cmd_verb_run(argc, argv, ctx, verbs, "list", &help);
}
