/* feedmail digest [--to EMAIL] [--format text|html|eml] [--since DURATION]:
 * preview a digest on standard output, recording nothing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/clock.h"
#include "cli/cmd.h"
#include "lib/log.h"
#include "mail/send.h"
#include "store/store.h"

static const struct cmd_help help = {
	"[--to EMAIL] [--format text|html|eml] [--since DURATION]",
	"  -t, --to EMAIL          the subscriber whose digest to show (default:\n"
	"                          the first one, or one with no tags)\n"
	"  -f, --format FORMAT     text (default), html (a page a browser opens)\n"
	"                          or eml (the whole message)\n"
	"  -s, --since DURATION    the entries first seen in the last DURATION\n"
	"                          (90m, 24h, 7d), sent or not; default: what\n"
	"                          'feedmail send' would send now\n"
	"  -h, --help              show this help\n"
	"\nNothing is recorded: the preview changes no digest or delivery.\n",
};

/* "90m", "24h", "7d", "3600" (seconds): seconds, or -1. */
static int64_t
parse_duration(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	if (end == s || n < 0 || n > 100LL * 365 * 24 * 3600)
		return -1;
	if (!*end)
		return n;
	if (end[1])
		return -1;
	switch (*end) {
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 24 * 3600;
	case 'w': return n * 7 * 24 * 3600;
	default: return -1;
	}
}

struct pick {
	const char *email;         /* wanted, or NULL for the first */
	struct store_subscriber sub;
	int found;
};

/* Keeps the first subscriber. */
static int
pick_subscriber(const struct store_subscriber *sub, void *arg)
{
	struct pick *p = arg;

	if (store_subscriber_copy(&p->sub, sub) < 0)
		return EX_OSERR;
	p->found = 1;
	return 1;
}

int
cmd_digest(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pick p = { 0 };
	struct send_composed c;
	struct err e = ERR_INIT;
	const char *format = "text";
	const struct buf *out;
	int64_t now = clock_now(), since = 0, span;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "t:f:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			p.email = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "html") &&
			    strcmp(optarg, "eml"))
				return cmd_usage_error(argv[0], &help,
					"--format '%s': use text, html or eml",
					optarg);
			format = optarg;
			break;
		case 's':
			span = parse_duration(optarg);
			if (span < 0)
				return cmd_usage_error(argv[0], &help,
					"--since '%s': a duration such as 90m, "
					"24h or 7d", optarg);
			since = now - span;
			/* 0 means "what send would send" */
			if (since <= 0)
				since = 1;
			break;
		case 'h':
			cmd_print_help(stdout, argv[0], &help);
			return 0;
		default:
			return cmd_bad_option(argv[0], &help, opts,
					      argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage_error(argv[0], &help,
				       "unexpected argument '%s'", argv[optind]);
	if (p.email) {
		rc = store_subscriber_by_email(ctx->store, p.email, &p.sub, &e);
		p.found = rc == 0;
	} else {
		rc = store_subscriber_page(ctx->store, 0, 1, pick_subscriber,
					   &p, &e);
	}
	if (rc < 0 || rc == EX_OSERR) {
		log_error("digest: %s", rc < 0 ? e.msg : "out of memory");
		store_subscriber_release(&p.sub);
		return rc < 0 ? e.code : rc;
	}
	if (!p.found) {
		/* no subscriber yet: everything, in the default language */
		p.sub.email = strdup("preview@example.org");
		if (!p.sub.email)
			return EX_OSERR;
	}
	if (send_compose(ctx->store, &ctx->cfg, &p.sub, since, now, NULL, &c,
			 &e) < 0) {
		log_error("digest: %s", e.msg);
		store_subscriber_release(&p.sub);
		return e.code ? e.code : EX_SOFTWARE;
	}
	if (!c.digest.n) {
		if (!ctx->quiet)
			fprintf(stderr, "feedmail: digest: nothing new for "
				"'%s'%s\n", p.sub.email,
				since ? "" : " (try --since 7d)");
	} else {
		out = !strcmp(format, "html") ? &c.html :
		      !strcmp(format, "eml")  ? &c.message : &c.text;
		fwrite(out->data, 1, out->len, stdout);
	}
	send_composed_release(&c);
	store_subscriber_release(&p.sub);
	return 0;
}
