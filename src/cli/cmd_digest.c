/* feedmail digest [--to EMAIL] [--format text|html|eml] [--since DURATION]:
 * preview a digest on standard output, recording nothing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "mail/send.h"
#include "store/store.h"

/* The longest --since, in seconds. */
#define DIGEST_SINCE_MAX (100LL * 365 * 24 * 3600)

static const char *const formats[] = { "text", "html", "eml", NULL };

struct pick {
	const char *email; /* wanted, or NULL for the first */
	struct store_subscriber sub;
	int found;
};

/* Keeps the first subscriber. */
static int
pick_subscriber(const struct store_subscriber *sub, void *arg, struct err *e)
{
	struct pick *p = arg;

	if (store_subscriber_copy(&p->sub, sub) < 0)
		return err_set(e, EX_OSERR, "out of memory");
	p->found = 1;
	return 1;
}

int
cmd_digest(int argc, char **argv, struct ctx *ctx)
{
	struct pick p = { 0 };
	const char *format = "text";
	int64_t now = clock_now(), since = 0, span = -1;
	const struct opt opts[] = {
		OPT_STRING("to", 't', &p.email, "EMAIL",
			   "the subscriber whose digest to show (default:\n"
			   "the first one, or one with no tags)"),
		OPT_CHOICE("format", 'f', &format, formats, "FORMAT",
			   "text (default), html (a page a browser opens)\n"
			   "or eml (the whole message)"),
		OPT_DURATION("since", 's', &span, DIGEST_SINCE_MAX, "DURATION",
			     "the entries first seen in the last DURATION\n"
			     "(90m, 24h, 7d), sent or not; default: what\n"
			     "'feedmail send' would send now"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = {
		.synopsis =
			"[--to EMAIL] [--format text|html|eml] [--since DURATION]",
		.opts = opts,
		.width = 22,
		.text = "\nNothing is recorded: the preview changes no digest or "
			"delivery.\n",
	};
	struct send_composed c;
	struct err e = ERR_INIT;
	const struct buf *out;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (span >= 0) {
		since = now - span;
		/* 0 means "what send would send" */
		if (since <= 0)
			since = 1;
	}
	if (p.email) {
		rc = store_subscriber_by_email(ctx->store, p.email, &p.sub, &e);
		p.found = rc == 0;
	} else {
		rc = store_subscriber_page(ctx->store, 0, 1, pick_subscriber,
					   &p, &e);
	}
	if (rc < 0) {
		log_error("digest: %s", e.msg);
		store_subscriber_release(&p.sub);
		return err_exit_status(&e);
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
		return err_exit_status(&e);
	}
	if (!c.digest.n) {
		if (!ctx->quiet)
			fprintf(stderr,
				"feedmail: digest: nothing to send to '%s': "
				"no new entry%s\n",
				p.sub.email, since ? "" : " (try --since 7d)");
	} else {
		out = !strcmp(format, "html") ? &c.html :
		      !strcmp(format, "eml")  ? &c.message :
						&c.text;
		fwrite(out->data, 1, out->len, stdout);
	}
	send_composed_release(&c);
	store_subscriber_release(&p.sub);
	return 0;
}
