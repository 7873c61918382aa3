/* feedmail add URL [--title T] [--tag T]...: subscribe to a feed. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "store/store.h"
#include "lib/url.h"

static const struct cmd_help help = {
	"URL [--title TITLE] [--tag TAG]... [--user-agent UA]",
	"  -t, --title TITLE  the feed's title until the feed gives one\n"
	"  -g, --tag TAG      file the feed under TAG (repeatable); digests\n"
	"                     route by tag\n"
	"  -u, --user-agent UA  send UA to this feed's server instead of\n"
	"                     [fetch] user_agent\n"
	"  -h, --help         show this help\n"
	"\nURL is http(s), or a local file given explicitly (a path or file://).\n",
};

int
cmd_add(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "tag", required_argument, NULL, 'g' },
		{ "user-agent", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_tags tags = { 0 };
	struct err e = ERR_INIT;
	const char *title = NULL, *user_agent = NULL;
	char *url = NULL;
	int64_t id;
	int opt, rc = EX_USAGE;

	tags.items = calloc((size_t)argc, sizeof(char *));
	if (!tags.items)
		return EX_OSERR;
	while ((opt = getopt_long(argc, argv, "t:g:u:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			title = optarg;
			break;
		case 'g':
			rc = cmd_check_tag(argv[0], &help, optarg);
			if (rc)
				goto out;
			tags.items[tags.n++] = optarg;
			break;
		case 'u':
			/* it goes into a request header */
			if (!*optarg || strpbrk(optarg, "\r\n")) {
				rc = cmd_usage_error(argv[0], &help,
					"a user agent is one non-empty line");
				goto out;
			}
			user_agent = optarg;
			break;
		case 'h':
			cmd_print_help(stdout, argv[0], &help);
			rc = 0;
			goto out;
		default:
			rc = cmd_bad_option(argv[0], &help, opts,
					    argv[optind - 1]);
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = cmd_usage_error(argv[0], &help,
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
	rc = store_feed_add(ctx->store, url, title, &tags, clock_now(), &id, &e);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		err_set(&e, EX_DATAERR, "feed '%s' is already subscribed (id %lld)",
			url, (long long)id);
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
	rc = e.code;
out:
	free(url);
	free(tags.items);
	return rc;
}
