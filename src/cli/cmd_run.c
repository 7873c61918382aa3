/* feedmail run: the cron entry point, one pass of app/run.h: fetch what
 * is due, then build and send the digests and the admin's reports. */
#include "config.h"

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
	"may cure; else 65 when some feed or digest failed for good.\n";

int
cmd_run(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = { "", opts, 10, run_text };
	struct run_counts c;
	char summary[2048];
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	rc = run_pass(ctx->store, &ctx->cfg, NULL, &c);
	if (!ctx->quiet && c.ran) {
		run_summary(&c, summary, sizeof(summary));
		puts(summary);
	}
	return rc;
}
