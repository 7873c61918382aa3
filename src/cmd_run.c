/* feedmail run: the cron entry point: fetch what is due, then build and
 * send the digests. */
#include "config.h"

#include <sysexits.h>

#include "cmd.h"
#include "fetch.h"
#include "log.h"
#include "send.h"

static const struct cmd_help help = {
	"",
	"  -h, --help  show this help\n"
	"\nFetches the feeds that are due, builds a digest for every\n"
	"subscriber with new entries and delivers the digests that are due.\n"
	"Holds the store's lock throughout: a second run started meanwhile\n"
	"waits, then exits 75. Exit status: 0; 75 when something failed in a\n"
	"way the next run may cure; 65 when some feed is broken for good; 69\n"
	"when some digest could not be delivered.\n",
};

int
cmd_run(int argc, char **argv, struct ctx *ctx)
{
	struct fetch_selection sel = { 0 };
	struct fetch_report fr;
	struct send_options so = { .scheduled = 1 };
	struct send_report sr;
	struct err e = ERR_INIT;
	int rc, temporary = 0, send_rc;
	size_t i;

	rc = cmd_parse_simple(argc, argv, &help, NULL);
	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cmd_usage_error(argv[0], &help,
				       "unexpected argument '%s'", argv[optind]);
	if (fetch_run(ctx->store, &ctx->cfg, &sel, NULL, NULL, &fr, &e) < 0) {
		log_error("run: fetch: %s", e.msg);
		return e.code ? e.code : EX_SOFTWARE;
	}
	for (i = 0; i < fr.nerrors; i++) {
		log_error("fetch '%s': %s: %s", fr.errors[i].url,
			  fr.errors[i].cls, fr.errors[i].message);
		temporary |= fr.errors[i].temporary;
	}
	if (send_run(ctx->store, &ctx->cfg, &so, &sr, &e) < 0) {
		log_error("run: send: %s", e.msg);
		fetch_report_release(&fr);
		return e.code ? e.code : EX_SOFTWARE;
	}
	if (!ctx->quiet)
		printf("%zu feeds: %zu fetched, %zu not modified, %zu failed; "
		       "%zu new entries\n"
		       "%zu digests built; %zu sent, %zu left pending, "
		       "%zu failed\n",
		       fr.feeds, fr.fetched, fr.not_modified, fr.failed,
		       fr.new_entries, sr.built, sr.sent, sr.retry, sr.failed);
	send_rc = cmd_send_status(&sr);
	rc = temporary || send_rc == EX_TEMPFAIL ? EX_TEMPFAIL :
	     fr.failed                            ? EX_DATAERR :
						    send_rc;
	fetch_report_release(&fr);
	return rc;
}
