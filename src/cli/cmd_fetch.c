/* feedmail fetch [--all] [--json] [FEED...]: fetch feeds into the store. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "fetch/fetch.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/url.h"
#include "store/store.h"

static const char fetch_text[] =
	"\nWithout arguments, fetches the feeds that are due. FEED is a\n"
	"subscribed feed's id or URL. A URL that is not subscribed is fetched\n"
	"once and its entries printed, as 'feedmail parse URL' does; nothing\n"
	"is stored.\n";

/* A progress line on stderr, when it is a terminal and the run is long
 * enough to need one. */
static void
progress(size_t done, size_t total, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rfetching feeds: %zu/%zu", done, total);
	if (done == total)
		fputs("\r\033[K", stderr);
}

static int
print_json(const struct fetch_report *r)
{
	json_t *errors = json_array(), *o;
	size_t i;
	int rc;

	for (i = 0; i < r->nerrors; i++)
		json_array_append_new(errors,
				      json_pack("{s:I, s:s, s:s, s:s}", "feed",
						(json_int_t)r->errors[i]
							.feed_id,
						"url", r->errors[i].url,
						"class",
						fetch_status_name(
							r->errors[i].status),
						"message",
						r->errors[i].message));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "feeds",
		      (json_int_t)r->feeds, "fetched", (json_int_t)r->fetched,
		      "not_modified", (json_int_t)r->not_modified, "failed",
		      (json_int_t)r->failed, "new_entries",
		      (json_int_t)r->new_entries, "errors", errors);
	if (!o)
		return EX_OSERR;
	rc = cmd_print_json(o);
	json_decref(o);
	return rc;
}

/* Turns FEED arguments into ids. Returns 0; 1 with *one_off set when the
 * single argument is a URL not subscribed; or an exit status. */
static int
resolve_feeds(struct store *st, char **args, int n, int64_t *ids,
	      const char **one_off)
{
	struct err e = ERR_INIT, ignored = ERR_INIT;
	char *url;
	int i;

	for (i = 0; i < n; i++) {
		if (cmd_find_feed(st, args[i], &ids[i], &e) == 0)
			continue;
		url = n == 1 ? url_normalize(args[i], &ignored) : NULL;
		if (url) {
			free(url);
			*one_off = args[i];
			return 1;
		}
		log_error("fetch: %s", e.msg);
		return err_exit_status(&e);
	}
	return 0;
}

int
cmd_fetch(int argc, char **argv, struct ctx *ctx)
{
	struct fetch_selection sel = { 0 };
	int json = 0, rc, temporary = 0;
	const struct opt opts[] = {
		OPT_FLAG("all", 'a', &sel.all, "fetch every feed, due or not"),
		OPT_FLAG("json", 0, &json, "print the summary as JSON"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--all] [--json] [FEED...]", opts, 10,
				       fetch_text };
	struct fetch_report r = { 0 };
	struct err e = ERR_INIT;
	const char *one_off = NULL;
	int64_t *ids = NULL;

	rc = opt_parse(argc, argv, argv[0], &help, 0);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		sel.nids = (size_t)(argc - optind);
		ids = calloc(sel.nids, sizeof(*ids));
		if (!ids)
			return EX_OSERR;
		rc = resolve_feeds(ctx->store, argv + optind, argc - optind,
				   ids, &one_off);
		if (rc == 1) {
			char *parse_argv[] = { (char *)"parse", (char *)one_off,
					       NULL };

			free(ids);
			return cmd_parse(2, parse_argv, ctx);
		}
		if (rc) {
			free(ids);
			return rc;
		}
		sel.ids = ids;
	}
	rc = fetch_run(ctx->store, &ctx->cfg, &sel,
		       isatty(STDERR_FILENO) && !ctx->quiet ? progress : NULL,
		       NULL, &r, &e);
	free(ids);
	if (rc < 0) {
		log_error("fetch: %s", e.msg);
		fetch_report_release(&r);
		return err_exit_status(&e);
	}
	temporary = fetch_report_log(&r);
	if (json)
		rc = print_json(&r);
	else if (!ctx->quiet)
		printf("%zu %s: %zu fetched, %zu not modified, %zu failed; "
		       "%zu new %s\n",
		       r.feeds, str_plural(r.feeds, "feed", "feeds"), r.fetched,
		       r.not_modified, r.failed, r.new_entries,
		       str_plural(r.new_entries, "entry", "entries"));
	if (rc == 0 && r.failed)
		rc = temporary ? EX_TEMPFAIL : EX_DATAERR;
	fetch_report_release(&r);
	return rc;
}
