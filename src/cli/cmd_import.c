/* feedmail import FILE.opml: add the feeds of an OPML file, all or none. */
#include "config.h"

#include <stdlib.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/url.h"
#include "parse/opml.h"
#include "store/store.h"

int
cmd_import(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = {
		.synopsis = "FILE.opml",
		.opts = opts,
		.width = 10,
		.text = "\nOPML 1.0 and 2.0; the titles of enclosing outlines become "
			"tags.\nFeeds already subscribed are skipped and counted. A "
			"malformed file\nor a feed URL that is not http(s) imports "
			"nothing.\n",
	};
	struct opml o = { 0 };
	struct err e = ERR_INIT;
	size_t i, added = 0, skipped = 0;
	int64_t id;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, 0);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return opt_usage_error(argv[0], &help, "one OPML file, please");
	if (opml_read(argv[optind], &o, &e) < 0)
		goto fail;
	if (store_begin(ctx->store, &e) < 0)
		goto fail;
	for (i = 0; i < o.nfeeds; i++) {
		const struct opml_feed *f = &o.feeds[i];
		struct store_tags tags = { f->tags, f->ntags };
		char *url = url_normalize(f->url, &e);

		/* a file could name /etc/passwd: local feeds are added only
		 * by hand, with feedmail add */
		if (url && !url_is_http(url)) {
			err_set(&e, EX_DATAERR,
				"'%s' is not an http(s) URL; add local files "
				"with 'feedmail add'",
				f->url);
			free(url);
			url = NULL;
		}
		if (!url) {
			err_prefix(&e, "%s: feed '%s'", argv[optind],
				   f->title ? f->title : f->url);
			goto fail;
		}
		rc = store_feed_add(ctx->store, url, f->title, &tags,
				    clock_now(), &id, &e);
		free(url);
		if (rc < 0)
			goto fail;
		if (rc == 1)
			skipped++;
		else
			added++;
		/* export writes it back: the round trip keeps it */
		if (rc == 0 && f->html_url &&
		    store_feed_set_site_link(ctx->store, id, f->html_url, &e) <
			    0)
			goto fail;
	}
	if (store_commit(ctx->store, &e) < 0)
		goto fail;
	if (!ctx->quiet)
		printf("imported %zu %s, skipped %zu already subscribed\n",
		       added, str_plural(added, "feed", "feeds"), skipped);
	opml_release(&o);
	return 0;
fail:
	store_rollback(ctx->store);
	opml_release(&o);
	log_error("import: %s; nothing imported", e.msg);
	return err_exit_status(&e);
}
