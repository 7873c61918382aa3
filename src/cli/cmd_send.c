/* feedmail send [--dry-run]: build the digests and deliver what is pending. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/log.h"
#include "mail/send.h"

static const struct cmd_help help = {
	"[--dry-run]",
	"  -n, --dry-run  list the digests that would be built; record and\n"
	"                 send nothing\n"
	"  -h, --help     show this help\n"
	"\nBuilds a digest for every subscriber with new entries, records it\n"
	"as pending, then delivers every pending digest through [digest]\n"
	"transport. A digest is marked sent only once the server accepted it;\n"
	"a temporary failure leaves it pending for the next run.\n",
};

int
cmd_send_status(const struct send_report *r)
{
	if (r->out.transport_code)
		return r->out.transport_code == EX_CONFIG ? EX_CONFIG :
							EX_UNAVAILABLE;
	if (r->out.retry)
		return EX_TEMPFAIL;
	if (r->out.failed)
		return EX_DATAERR;
	return 0;
}

void
cmd_send_summary(const struct send_report *r, char *out, size_t size)
{
	int n;

	n = snprintf(out, size, "%zu digests built; %zu sent, %zu left "
		     "pending, %zu failed", r->built, r->out.sent,
		     r->out.retry + r->out.held, r->out.failed);
	if (r->out.transport_code && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, "\nmail transport down, "
			 "%zu digests held back: %s", r->out.held,
			 r->out.transport_error);
}

int
cmd_send(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct send_options so = { 0 };
	struct send_report r;
	struct err e = ERR_INIT;
	char summary[1024];
	int opt;

	while ((opt = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			so.dry_run = 1;
			break;
		case 'h':
			cmd_print_help(stdout, argv[0], &help);
			return 0;
		default:
			return cmd_bad_option(argv[0], &help, opts,
					      argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage_error(argv[0], &help,
				       "unexpected argument '%s'", argv[optind]);
	so.listing = stdout;
	so.all_pending = 1;
	if (send_run(ctx->store, &ctx->cfg, &so, &r, &e) < 0) {
		log_error("send: %s", e.msg);
		return e.code ? e.code : EX_SOFTWARE;
	}
	if (r.out.transport_code)
		log_error("send: mail transport down: %s",
			  r.out.transport_error);
	if (!ctx->quiet && !so.dry_run) {
		cmd_send_summary(&r, summary, sizeof(summary));
		puts(summary);
	}
	return cmd_send_status(&r);
}
