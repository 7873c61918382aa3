/* feedmail config: print the configuration in effect, every key. */
#include "config.h"

#include "cli/cmd.h"
#include "lib/conf.h"

static const struct cmd_help help = {
	"",
	"  -h, --help  show this help\n"
	"\nPrints every key with the value in effect (defaults included) as\n"
	"INI; passwords are shown as ***.\n",
};

int
cmd_config(int argc, char **argv, struct ctx *ctx)
{
	int rc = cmd_parse_simple(argc, argv, &help, NULL);

	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cmd_usage_error(argv[0], &help,
				       "unexpected argument '%s'", argv[optind]);
	conf_dump(&ctx->cfg, stdout);
	return 0;
}
