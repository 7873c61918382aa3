/* feedmail remove FEED...: unsubscribe, dropping the feed's entries. */
#include "config.h"

#include <stdlib.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/log.h"
#include "store/store.h"

int
cmd_remove(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = {
		.synopsis = "FEED...",
		.opts = opts,
		.width = 10,
		.text = "\nFEED is a feed's id (see 'feedmail list') or its URL. The "
			"feed's\nentries and their delivery records go with it.\n",
	};
	struct err e = ERR_INIT;
	int64_t *ids = NULL;
	int i, n, rc;

	rc = opt_parse(argc, argv, argv[0], &help, 0);
	if (rc >= 0)
		return rc;
	if (optind == argc)
		return opt_usage_error(argv[0], &help, "which feed?");
	n = argc - optind;
	ids = calloc((size_t)n, sizeof(*ids));
	if (!ids)
		return EX_OSERR;
	/* all or nothing: a typo in the third name removes none */
	for (i = 0; i < n; i++)
		if (cmd_find_feed(ctx->store, argv[optind + i], &ids[i], &e) <
		    0)
			goto fail;
	if (store_begin(ctx->store, &e) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (store_feed_remove(ctx->store, ids[i], &e) < 0)
			goto fail;
	if (store_commit(ctx->store, &e) < 0)
		goto fail;
	for (i = 0; i < n && !ctx->quiet; i++)
		printf("removed feed %lld: %s\n", (long long)ids[i],
		       argv[optind + i]);
	free(ids);
	return 0;
fail:
	store_rollback(ctx->store);
	free(ids);
	log_error("remove: %s%s", e.msg, n > 1 ? "; nothing removed" : "");
	return err_exit_status(&e);
}
