/* feedmail export [FILE]: the feeds as OPML 2.0, which import reads back
 * identically. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "parse/opml.h"
#include "store/store.h"

static int
collect(const struct store_feed *f, void *arg, struct err *e)
{
	if (opml_add_feed(arg, f->url, f->title,
			  (const char *const *)f->tags.items, f->tags.n, e) < 0)
		return -1;
	/* the site a reader opens, as the feed's <link> last said */
	return opml_set_html_url(arg, f->site_link, e);
}

int
cmd_export(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = {
		.synopsis = "[FILE]",
		.opts = opts,
		.width = 10,
		.text = "\nWrites to FILE (replaced atomically) or to standard "
			"output.\n",
	};
	struct opml o = { 0 };
	struct fs_atomic out = { 0 };
	struct err e = ERR_INIT;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, 0);
	if (rc >= 0)
		return rc;
	if (argc - optind > 1)
		return opt_usage_error(argv[0], &help, "one file at most");
	o.title = strdup("feedmail subscriptions");
	if (store_feed_each(ctx->store, collect, &o, &e) < 0)
		goto fail;
	if (optind == argc) {
		if (opml_write(stdout, &o, &e) < 0)
			goto fail;
	} else if (fs_atomic_open(&out, argv[optind], &e) < 0 ||
		   opml_write(out.f, &o, &e) < 0 ||
		   fs_atomic_commit(&out, &e) < 0) {
		goto fail;
	}
	opml_release(&o);
	return 0;
fail:
	fs_atomic_abort(&out);
	opml_release(&o);
	log_error("export: %s", e.msg);
	return err_exit_status(&e);
}
