/* feedmail config: print the configuration in effect, every key. */
#include "config.h"

#include "cli/cmd.h"
#include "lib/conf.h"

int
cmd_config(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help help = {
		.synopsis = "",
		.opts = opts,
		.width = 10,
		.text = "\nPrints every key with the value in effect (defaults "
			"included) as\nINI; passwords are shown as ***.\n",
	};
	int rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);

	if (rc >= 0)
		return rc;
	conf_dump(&ctx->cfg, stdout);
	return 0;
}
