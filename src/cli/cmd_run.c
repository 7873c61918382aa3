/* feedmail run: the cron entry point: fetch what is due, then build and
 * send the digests and the admin's health report. cmd_run_once() is that
 * pass, shared with each cycle of `feedmail daemon`. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "lib/clock.h"
#include "cli/cmd.h"
#include "fetch/fetch.h"
#include "app/lead.h"
#include "lib/log.h"
#include "app/health.h"
#include "mail/send.h"
#include "store/store.h"

/* How long a sent digest's message stays in the store, in seconds. */
#define RUN_KEEP_SENT (24 * 3600)

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
cmd_run_once(struct ctx *ctx, const volatile sig_atomic_t *stop,
	     struct cmd_run_counts *c)
{
	struct fetch_selection sel = { 0 };
	struct fetch_report fr;
	struct send_options so = { .scheduled = 1 };
	struct err e = ERR_INIT;
	int temporary = 0, send_rc, health_rc = 0;
	size_t pruned, early;

	memset(c, 0, sizeof(*c));
	sel.stop = stop;
	so.stop = stop;
	/* the digests about to be built carry what their feeds have now, not
	 * what they had when their polling interval last came round */
	if (lead_mark_due(ctx->store, &ctx->cfg, clock_now(), &early,
			  &e) < 0) {
		/* the digests still go, with what was fetched before */
		log_error("run: fetch ahead of the digests: %s", e.msg);
		temporary = 1;
		e = (struct err)ERR_INIT;
	} else if (early) {
		log_info("%zu feeds due early: a digest slot needs them",
			 early);
	}
	if (fetch_run(ctx->store, &ctx->cfg, &sel, NULL, NULL, &fr, &e) < 0) {
		log_error("run: fetch: %s", e.msg);
		return err_exit_status(&e);
	}
	temporary |= cmd_log_fetch_errors(&fr);
	/* the caller gets the counts, not the errors: they are logged */
	c->fetch = fr;
	c->fetch.errors = NULL;
	c->fetch.nerrors = 0;
	fetch_report_release(&fr);
	if (stop && *stop)
		return 0;
	if (send_run(ctx->store, &ctx->cfg, &so, &c->send, &e) < 0) {
		log_error("run: send: %s", e.msg);
		return err_exit_status(&e);
	}
	c->ran = 1;
	if (!(stop && *stop) &&
	    health_run(ctx->store, &ctx->cfg, c->send.outage_ended, &c->report,
		       &e) < 0) {
		log_error("run: health report: %s", e.msg);
		health_rc = err_exit_status(&e);
	}
	/* a sent message is of no more use to the outbox: a day to look at
	 * it, then its 50-odd kB go */
	if (store_digest_prune(ctx->store, clock_now() - RUN_KEEP_SENT,
			       &pruned, &e) < 0)
		log_warn("run: %s", e.msg);
	else if (pruned)
		log_info("deleted the messages of %zu digests sent over a day "
			 "ago", pruned);
	send_rc = cmd_send_status(&c->send);
	/* an outage first: it holds everyone's digests back */
	if (c->send.out.transport_code) {
		log_error("run: mail transport down: %s",
			  c->send.out.transport_error);
		return send_rc;
	}
	if (temporary || send_rc == EX_TEMPFAIL || c->report.retry)
		return EX_TEMPFAIL;
	if (c->fetch.failed || send_rc == EX_DATAERR || c->report.failed)
		return EX_DATAERR;
	return health_rc;
}

void
cmd_run_summary(const struct cmd_run_counts *c, char *out, size_t size)
{
	int n;

	n = snprintf(out, size,
		     "%zu feeds: %zu fetched, %zu not modified, %zu failed; "
		     "%zu new entries\n",
		     c->fetch.feeds, c->fetch.fetched, c->fetch.not_modified,
		     c->fetch.failed, c->fetch.new_entries);
	if (n < 0 || (size_t)n >= size)
		return;
	cmd_send_summary(&c->send, out + n, size - (size_t)n);
	n = (int)strlen(out);
	if (c->report.sent)
		snprintf(out + n, size - (size_t)n, "\nhealth report sent");
}

int
cmd_run(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = { "", opts, 10, run_text };
	struct cmd_run_counts c;
	char summary[2048];
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	rc = cmd_run_once(ctx, NULL, &c);
	if (!ctx->quiet && c.ran) {
		cmd_run_summary(&c, summary, sizeof(summary));
		puts(summary);
	}
	return rc;
}
