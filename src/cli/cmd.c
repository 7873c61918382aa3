/*
 * cmd: what every subcommand shares: reading the config, verbs, tags,
 * printing.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/conf.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/url.h"
#include "lib/utf8.h"
#include "mail/send.h"
#include "store/store.h"

int
cmd_print_json(json_t *value)
{
	if (json_dumpf(value, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
		return EX_IOERR;
	return 0;
}

json_t *
cmd_json_time(int64_t t)
{
	char s[DATE_UTC_SIZE];

	if (!t)
		return json_null();
	date_format_utc(t, s);
	return json_string(s);
}

json_t *
cmd_json_send(const struct send_report *r, int64_t ms)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:I}",
			 "digests_built", (json_int_t)r->built, "sent",
			 (json_int_t)r->out.sent, "left_pending",
			 (json_int_t)(r->out.retry + r->out.held +
				      r->out.quota),
			 "retry", (json_int_t)r->out.retry, "held",
			 (json_int_t)r->out.held, "quota",
			 (json_int_t)r->out.quota, "failed",
			 (json_int_t)r->out.failed, "transport_error",
			 r->out.transport_code ? r->out.transport_error : NULL,
			 "duration_ms", (json_int_t)ms);
}

int
cmd_json_append(json_t *array, json_t *o, struct err *e)
{
	if (!o || json_array_append_new(array, o) < 0)
		return err_set(e, EX_OSERR, "out of memory");
	return 0;
}

int
cmd_find_feed(struct store *st, const char *arg, int64_t *id, struct err *e)
{
	struct err ignored = ERR_INIT;
	char *url;
	int rc;

	if (store_feed_find(st, arg, id, e) == 0)
		return 0;
	url = url_normalize(arg, &ignored);
	if (!url)
		return -1;
	rc = store_feed_find(st, url, id, &ignored);
	free(url);
	return rc;
}

int
cmd_load_config(const char *explicit_path, struct conf *cfg, struct err *e)
{
	char *path;
	int must_exist, rc = 0;

	path = conf_default_path(explicit_path, &must_exist);
	if (!path)
		return err_set(e, EX_OSERR, "out of memory");
	/* the default file may be absent: the defaults then apply */
	if (must_exist && access(path, R_OK) < 0)
		rc = err_set(e, EX_CONFIG, "config file '%s': %s", path,
			     strerror(errno));
	else if (must_exist || access(path, F_OK) == 0)
		rc = conf_load(cfg, path, e);
	free(path);
	return rc < 0 ? rc : conf_finish(cfg, e);
}

int
cmd_verb_run(int argc, char **argv, struct ctx *ctx,
	     const struct cmd_verb *verbs, const char *default_verb,
	     const struct opt_help *help)
{
	const char *names[16];
	const char *verb, *best;
	char name[64];
	size_t i;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		opt_print_help(stdout, argv[0], help);
		return 0;
	}
	verb = argc >= 2 && argv[1][0] != '-' ? argv[1] : default_verb;
	if (!verb) {
		fprintf(stderr, "feedmail %s: a verb is required\n", argv[0]);
		opt_print_help(stderr, argv[0], help);
		return EX_USAGE;
	}
	for (i = 0; verbs[i].name; i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		/* "COMMAND VERB" is the new argv[0]: getopt and the usage
		 * lines name it */
		snprintf(name, sizeof(name), "%s %s", argv[0], verb);
		if (verb == default_verb && (argc < 2 || argv[1][0] == '-')) {
			argv[0] = name;
			return verbs[i].fn(argc, argv, ctx);
		}
		argv[1] = name;
		return verbs[i].fn(argc - 1, argv + 1, ctx);
	}
	for (i = 0; verbs[i].name && i + 1 < sizeof(names) / sizeof(*names);
	     i++)
		names[i] = verbs[i].name;
	names[i] = NULL;
	fprintf(stderr, "feedmail %s: no verb '%s'\n", argv[0], verb);
	best = opt_suggest(verb, names);
	if (best)
		fprintf(stderr, "did you mean '%s'?\n", best);
	fprintf(stderr, "usage: feedmail %s %s\n", argv[0], help->synopsis);
	return EX_USAGE;
}

int
cmd_opt_tag(const struct opt *o, const char *arg, struct err *e)
{
	struct store_tags *tags = o->value;

	if (!*arg)
		return err_set(e, EX_USAGE, "a tag cannot be empty");
	if (!utf8_is_printable(arg))
		return err_set(e, EX_USAGE,
			       "a tag cannot contain line breaks, "
			       "tabs or other control or formatting "
			       "characters");
	tags->items[tags->n++] = (char *)arg;
	return 0;
}

const char *
cmd_printable(struct buf *b, const char *s)
{
	if (!s)
		return NULL;
	buf_reset(b);
	if (utf8_printable(b, s, strlen(s)) < 0)
		buf_reset(b);
	return b->data;
}

int
cmd_setup_failed(const struct ctx *ctx, int json)
{
	int rc;
	json_t *o;

	if (!ctx->setup_failed)
		return -1;
	rc = err_exit_status(&ctx->setup_err);
	log_error("%s", ctx->setup_err.msg);
	if (json) {
		o = json_pack("{s:s, s:s, s:i}", "error", ctx->setup_failed,
			      "detail", ctx->setup_err.msg, "exit_status", rc);
		/* the exit status says it all the same */
		if (o)
			cmd_print_json(o);
		json_decref(o);
	}
	return rc;
}
