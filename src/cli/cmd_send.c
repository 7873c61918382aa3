/* feedmail send [--dry-run]: build the digests and deliver what is pending. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "app/run.h"
#include "cli/cmd.h"
#include "lib/log.h"
#include "mail/send.h"

int
cmd_send(int argc, char **argv, struct ctx *ctx)
{
	struct send_options so = { 0 };
	const struct opt opts[] = {
		OPT_FLAG("dry-run", 'n', &so.dry_run,
			 "list the digests that would be built; record and\n"
			 "send nothing"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = {
		.synopsis = "[--dry-run]",
		.opts = opts,
		.width = 13,
		.text = "\nBuilds a digest for every subscriber with new entries, "
			"records it\nas pending, then delivers every pending digest "
			"through [digest]\ntransport. A digest is marked sent only "
			"once the server accepted it;\na temporary failure leaves it "
			"pending for the next run.\n",
	};
	struct send_report r;
	struct err e = ERR_INIT;
	char summary[1024];
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	so.listing = stdout;
	so.all_pending = 1;
	if (send_run(ctx->store, &ctx->cfg, &so, &r, &e) < 0) {
		log_error("send: %s", e.msg);
		return err_exit_status(&e);
	}
	if (r.out.transport_code)
		log_error("send: mail transport down: %s",
			  r.out.transport_error);
	if (!ctx->quiet && !so.dry_run) {
		run_send_summary(&r, summary, sizeof(summary));
		puts(summary);
	}
	return run_send_status(&r);
}
