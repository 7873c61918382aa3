/* feedmail status [--json]: the health of the feeds and of the outbox. */
#include "config.h"

#include <jansson.h>
#include <string.h>
#include <sysexits.h>

#include "app/health.h"
#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store.h"

static const char status_text[] =
	"\nFor each feed: last success, last new entry, entries in the last\n"
	"7 days, failures in a row and the last error. A feed failing\n"
	"[fetch] sick_failures times in a row, or without a new entry for\n"
	"[fetch] sick_days, is flagged. Then the subscribers (and how many\n"
	"in each state) and the\n"
	"pending and failed digests.\n";

struct walk {
	struct ctx *ctx;
	int64_t now;
	json_t *array; /* --json: the array being built */
	size_t flagged;
};

/* "LABEL TIME" or "LABEL never", nothing around it */
static void
print_time(const char *label, int64_t t)
{
	char s[DATE_UTC_SIZE];

	if (t)
		date_format_utc(t, s);
	printf("%s %s", label, t ? s : "never");
}

static int
one_feed(const struct store_feed *f, void *arg, struct err *e)
{
	struct walk *w = arg;
	int64_t week = 0;
	unsigned flags_now = health_feed_flags(f, &w->ctx->cfg, w->now);
	int failing = !!(flags_now & HEALTH_FAILING);
	int silent = !!(flags_now & HEALTH_SILENT);
	json_t *flags, *o;

	if (store_entries_last_week(w->ctx->store, f->id, w->now, &week, e) < 0)
		return -1;
	w->flagged += failing || silent;
	if (!w->array) {
		struct buf b = BUF_INIT(BUF_MAX_FIELD);

		printf("%4lld  %s%s%s%s\n", (long long)f->id,
		       f->title ? cmd_printable(&b, f->title) : f->url,
		       !f->enabled ? "  [disabled]" : "",
		       failing ? "  [FAILING]" : "",
		       silent ? "  [SILENT]" : "");
		buf_release(&b);
		/* under the title, as the failures line below */
		print_time("      last success", f->last_success_at);
		print_time(", last new entry", f->last_new_entry_at);
		printf(", %lld %s in 7 days\n", (long long)week,
		       str_plural((size_t)week, "entry", "entries"));
		if (f->failures)
			printf("      %d %s in a row, last: %s: %s\n",
			       f->failures,
			       str_plural((size_t)f->failures, "failure",
					  "failures"),
			       f->last_status ? f->last_status : "error",
			       f->last_error ? f->last_error : "");
		return 0;
	}
	flags = json_array();
	if (!f->enabled)
		json_array_append_new(flags, json_string("disabled"));
	if (failing)
		json_array_append_new(flags, json_string("failing"));
	if (silent)
		json_array_append_new(flags, json_string("silent"));
	o = json_pack("{s:I, s:s?, s:s, s:o, s:o, s:I, s:i, s:s?, s:o}", "id",
		      (json_int_t)f->id, "title", f->title, "url", f->url,
		      "last_success", cmd_json_time(f->last_success_at),
		      "last_new_entry", cmd_json_time(f->last_new_entry_at),
		      "entries_per_week", (json_int_t)week, "failures",
		      f->failures, "last_error",
		      f->failures ? f->last_status : NULL, "flags", flags);
	return cmd_json_append(w->array, o, e);
}

int
cmd_status(int argc, char **argv, struct ctx *ctx)
{
	struct walk w = { ctx, clock_now(), NULL, 0 };
	struct err e = ERR_INIT;
	struct store_subscriber_counts n;
	int64_t subscribers, pending = 0, failed = 0;
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &json, "print the status as JSON"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--json]", opts, 10, status_text };
	json_t *o;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (json)
		w.array = json_array();
	if (store_feed_each(ctx->store, one_feed, &w, &e) < 0 ||
	    store_subscriber_count(ctx->store, w.now, &n, &e) < 0 ||
	    store_digest_count(ctx->store, "pending", &pending, &e) < 0 ||
	    store_digest_count(ctx->store, "failed", &failed, &e) < 0) {
		json_decref(w.array);
		log_error("status: %s", e.msg);
		return err_exit_status(&e);
	}
	/* the unsubscribed are kept, but are no longer subscribers */
	subscribers = n.active + n.paused + n.pending;
	if (!json) {
		printf("%lld %s; digests pending %lld, failed %lld\n",
		       (long long)subscribers,
		       str_plural((size_t)subscribers, "subscriber",
				  "subscribers"),
		       (long long)pending, (long long)failed);
		printf("subscribers by state: %lld active, %lld paused, %lld "
		       "pending (waiting for their confirmation), %lld "
		       "unsubscribed\n",
		       (long long)n.active, (long long)n.paused,
		       (long long)n.pending, (long long)n.unsubscribed);
		if (w.flagged)
			printf("%zu %s a look\n", w.flagged,
			       str_plural(w.flagged, "feed needs",
					  "feeds need"));
		return 0;
	}
	o = json_pack("{s:o, s:I, s:{s:I, s:I, s:I, s:I}, s:I, s:I}", "feeds",
		      w.array, "subscribers", (json_int_t)subscribers,
		      "subscriber_states", "active", (json_int_t)n.active,
		      "paused", (json_int_t)n.paused, "pending",
		      (json_int_t)n.pending, "unsubscribed",
		      (json_int_t)n.unsubscribed, "pending_digests",
		      (json_int_t)pending, "failed_digests",
		      (json_int_t)failed);
	if (!o)
		return EX_OSERR;
	rc = cmd_print_json(o);
	json_decref(o);
	return rc;
}
