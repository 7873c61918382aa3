/* feedmail send [--dry-run]: build the digests and deliver what is pending. */
#include "config.h"

#include <jansson.h>
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
	int json = 0;
	const struct opt opts[] = {
		OPT_FLAG("dry-run", 'n', &so.dry_run,
			 "list the digests that would be built; record and\n"
			 "send nothing"),
		OPT_FLAG("json", 0, &json,
			 "print a JSON summary (even with -q): counts,\n"
			 "failures, duration in ms"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = {
		.synopsis = "[--dry-run | --json]",
		.opts = opts,
		.width = 13,
		.text = "\nBuilds a digest for every subscriber with new entries, "
			"records it\nas pending, then delivers every pending digest "
			"through [digest]\ntransport. A digest is marked sent only "
			"once the server accepted it;\na temporary failure leaves it "
			"pending for the next run. The summary ends with the mail "
			"still\npending in the outbox.\n",
	};
	struct send_report r;
	struct err e = ERR_INIT;
	char summary[1024];
	int64_t t0 = run_ms(), pending;
	json_t *o;
	int rc, jrc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (json && so.dry_run)
		return opt_usage_error(argv[0], &help,
				       "--json and --dry-run exclude each "
				       "other");
	rc = cmd_setup_failed(ctx, json);
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
	rc = run_send_status(&r);
	if (so.dry_run) {
		if (!r.built && !ctx->quiet)
			fprintf(stderr, "feedmail: send: nothing to send\n");
		return rc;
	}
	pending = run_pending(ctx->store);
	if (json) {
		o = cmd_json_send(&r, run_ms() - t0);
		if (!o ||
		    json_object_set_new(o, "pending",
					pending >= 0 ? json_integer(pending) :
						       json_null()) < 0 ||
		    json_object_set_new(o, "exit_status", json_integer(rc)) <
			    0) {
			json_decref(o);
			return EX_OSERR;
		}
		jrc = cmd_print_json(o);
		json_decref(o);
		return rc ? rc : jrc;
	}
	if (!ctx->quiet) {
		run_send_summary(&r, pending, summary, sizeof(summary));
		puts(summary);
	}
	return rc;
}
