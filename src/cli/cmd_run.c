/* feedmail run: the cron entry point, one pass of app/run.h: fetch what
 * is due, then build and send the digests and the admin's reports. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "app/run.h"
#include "cli/cmd.h"

static const char run_text[] =
	"\nFetches the feeds that are due, and ahead of each digest slot\n"
	"(within [fetch] lead_time of it, or begun and not yet sent) the\n"
	"feeds it needs; builds a digest for every subscriber with new\n"
	"entries and delivers the digests that are due, then the weekly\n"
	"health report when [digest] admin is set.\n"
	"Holds the store's lock throughout: a second run started meanwhile\n"
	"waits, then exits 75. Exit status: 0; 69 when the mail transport\n"
	"was down, 78 when it refused our settings (the digests wait,\n"
	"uncharged); else 75 when something failed in a way the next run\n"
	"may cure; else 65 when some feed or digest failed for good.\n"
	"The summary ends with the mail still pending in the outbox.\n";

/* The --json summary of a pass that ended with status rc. */
static int
print_json(const struct run_counts *c, int64_t ms, int rc)
{
	json_t *o;

	o = json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, "
		      "s:b, s:o, s:I, s:i}",
		      "completed", c->ran, "fetch", "feeds",
		      (json_int_t)c->fetch.feeds, "fetched",
		      (json_int_t)c->fetch.fetched, "not_modified",
		      (json_int_t)c->fetch.not_modified, "failed",
		      (json_int_t)c->fetch.failed, "new_entries",
		      (json_int_t)c->fetch.new_entries, "updated_entries",
		      (json_int_t)c->fetch.updated_entries, "duration_ms",
		      (json_int_t)c->fetch_ms, "send",
		      cmd_json_send(&c->send, c->send_ms), "health_report_sent",
		      c->report.sent != 0, "pending",
		      c->pending >= 0 ? json_integer(c->pending) : json_null(),
		      "duration_ms", (json_int_t)ms, "exit_status", rc);
	if (!o)
		return EX_OSERR;
	rc = cmd_print_json(o);
	json_decref(o);
	return rc;
}

int
cmd_run(int argc, char **argv, struct ctx *ctx)
{
	int json = 0;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &json,
			 "print a JSON summary (even with -q): counts,\n"
			 "failures, durations in ms"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--json]", opts, 10, run_text };
	struct run_counts c;
	char summary[2048];
	int64_t t0 = run_ms();
	int rc, jrc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	rc = cmd_setup_failed(ctx, json);
	if (rc >= 0)
		return rc;
	rc = run_pass(ctx->store, &ctx->cfg, NULL, &c);
	if (json) {
		jrc = print_json(&c, run_ms() - t0, rc);
		return rc ? rc : jrc;
	}
	if (!ctx->quiet && c.ran) {
		run_summary(&c, summary, sizeof(summary));
		puts(summary);
	}
	return rc;
}
