/* feedmail add URL [--title T] [--tag T]...: subscribe to a feed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/url.h"
#include "store/store.h"

/* it goes into a request header */
static int
take_user_agent(const struct opt *o, const char *arg, struct err *e)
{
	if (!*arg || strpbrk(arg, "\r\n"))
		return err_set(e, EX_USAGE,
			       "a user agent is one non-empty line");
	*(const char **)o->value = arg;
	return 0;
}

int
cmd_add(int argc, char **argv, struct ctx *ctx)
{
	const char *title = NULL, *user_agent = NULL;
	struct store_tags tags = { 0 };
	const struct opt opts[] = {
		OPT_STRING("title", 't', &title, "TITLE",
			   "the feed's title until the feed gives one"),
		OPT_CALLBACK("tag", 'g', cmd_opt_tag, &tags, "TAG",
			     "file the feed under TAG (repeatable); digests\n"
			     "route by tag"),
		OPT_CALLBACK("user-agent", 'u', take_user_agent, &user_agent,
			     "UA",
			     "send UA to this feed's server instead of\n"
			     "[fetch] user_agent"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = {
		.synopsis =
			"URL [--title TITLE] [--tag TAG]... [--user-agent UA]",
		.opts = opts,
		.width = 17,
		.text = "\nURL is http(s), or a local file given explicitly (a "
			"path or file://).\n",
	};
	struct err e = ERR_INIT;
	char *url = NULL;
	int64_t id;
	int rc = EX_USAGE;

	tags.items = calloc((size_t)argc, sizeof(char *));
	if (!tags.items)
		return EX_OSERR;
	rc = opt_parse(argc, argv, argv[0], &help, 0);
	if (rc >= 0)
		goto out;
	if (argc - optind != 1) {
		rc = opt_usage_error(argv[0], &help,
				     argc == optind ? "a URL is required" :
						      "one URL at a time");
		goto out;
	}
	url = url_normalize(argv[optind], &e);
	if (!url)
		goto fail;
	/* the feed and its user agent, or nothing */
	if (store_begin(ctx->store, &e) < 0)
		goto fail;
	rc = store_feed_add(ctx->store, url, title, &tags, clock_now(), &id,
			    &e);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		err_set(&e, EX_DATAERR,
			"feed '%s' is already subscribed (id %lld)", url,
			(long long)id);
		goto fail;
	}
	if (user_agent &&
	    store_feed_set_user_agent(ctx->store, id, user_agent, &e) < 0)
		goto fail;
	if (store_commit(ctx->store, &e) < 0)
		goto fail;
	if (!ctx->quiet)
		printf("added feed %lld: %s\n", (long long)id, url);
	rc = 0;
	goto out;
fail:
	store_rollback(ctx->store);
	log_error("add: %s", e.msg);
	rc = err_exit_status(&e);
out:
	free(url);
	free(tags.items);
	return rc;
}
