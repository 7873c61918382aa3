/* feedmail subscriber add|remove|list: who receives digests. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/addr.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/schedule.h"
#include "mail/send.h"
#include "store/store.h"

static const struct opt_help help = {
	.synopsis = "add|remove|list [ARGS]",
	.opts = NULL,
	.width = 0,
	.text = "  add EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]\n"
		"      [--schedule SCHEDULE] [--timezone ZONE]\n"
		"      [--include WORD]... [--exclude WORD]...\n"
		"  remove EMAIL\n"
		"  list [--json]\n"
		"\nA subscriber receives only entries first seen after they were\n"
		"added, from the feeds carrying one of their tags (all feeds when\n"
		"they have none).\n",
};

static const char *const languages[] = { "fr", "en", NULL };

/* it goes into a header: no line breaks */
static int
take_name(const struct opt *o, const char *arg, struct err *e)
{
	if (strpbrk(arg, "\r\n"))
		return err_set(e, EX_USAGE,
			       "a name cannot contain a line break");
	*(const char **)o->value = arg;
	return 0;
}

/* --include and --exclude: words kept with U+001F between them */
static int
take_word(const struct opt *o, const char *arg, struct err *e)
{
	struct store_tags *words = o->value;

	if (!*arg || strchr(arg, '\x1f'))
		return err_set(e, EX_USAGE, "a word cannot be empty");
	words->items[words->n++] = (char *)arg;
	return 0;
}

/* The schedule and zone must make slots now, not fail at every run. */
static int
check_schedule(const struct store_subscriber *sub, const struct conf *cfg,
	       struct err *e)
{
	struct schedule sch;
	int64_t start;
	char key[SCHEDULE_KEY_SIZE];

	if (send_schedule(cfg, sub->schedule, sub->timezone, &sch, e) < 0)
		return -1;
	if (schedule_current_slot(&sch, clock_now(), &start, key, e) < 0) {
		e->code = EX_DATAERR; /* given on the command line */
		return -1;
	}
	return 0;
}

static int
subscriber_add(int argc, char **argv, struct ctx *ctx)
{
	struct store_subscriber sub = { 0 };
	const struct opt opts[] = {
		OPT_CALLBACK("name", 'n', take_name, &sub.name, "NAME",
			     "the display name used in the To: header"),
		OPT_CALLBACK("tag", 'g', cmd_opt_tag, &sub.tags, "TAG",
			     "only feeds with this tag (repeatable)"),
		OPT_CHOICE("lang", 'l', &sub.lang, languages, "LANG",
			   "digest language, fr or en ([digest]\nlanguage)"),
		OPT_STRING("schedule", 's', &sub.schedule, "SCHEDULE",
			   "when 'feedmail run' sends the digest:\n"
			   "hourly, daily[@HH:MM] or\n"
			   "weekly[@DAY [HH:MM]] ([digest] time)"),
		OPT_STRING("timezone", 'z', &sub.timezone, "ZONE",
			   "the subscriber's IANA time zone\n"
			   "([digest] timezone)"),
		OPT_CALLBACK("include", 'i', take_word, &sub.include, "WORD",
			     "only articles whose title or summary has\n"
			     "one of these words (repeatable)"),
		OPT_CALLBACK("exclude", 'x', take_word, &sub.exclude, "WORD",
			     "no article with any of these words\n"
			     "(repeatable); both ignore case and\n"
			     "accents and match whole words"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help add_help = {
		.synopsis =
			"EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]"
			" [--schedule SCHEDULE] [--timezone ZONE] [--include WORD]..."
			" [--exclude WORD]...",
		.opts = opts,
		.width = 23,
		.text = NULL,
	};
	struct err e = ERR_INIT;
	int64_t id;
	int rc = EX_USAGE;

	sub.tags.items = calloc((size_t)argc, sizeof(char *));
	sub.include.items = calloc((size_t)argc, sizeof(char *));
	sub.exclude.items = calloc((size_t)argc, sizeof(char *));
	if (!sub.tags.items || !sub.include.items || !sub.exclude.items) {
		rc = EX_OSERR;
		goto out;
	}
	rc = opt_parse(argc, argv, argv[0], &add_help, 0);
	if (rc >= 0)
		goto out;
	if (argc - optind != 1) {
		rc = opt_usage_error(argv[0], &add_help, "one address, please");
		goto out;
	}
	sub.email = argv[optind];
	if (check_schedule(&sub, &ctx->cfg, &e) < 0 ||
	    addr_validate(sub.email, &e) < 0 ||
	    store_subscriber_add(ctx->store, &sub, clock_now(), &id, &e) < 0) {
		log_error("subscriber add: %s", e.msg);
		rc = err_exit_status(&e);
		goto out;
	}
	if (!ctx->quiet)
		printf("added subscriber %lld: %s\n", (long long)id, sub.email);
	rc = 0;
out:
	free(sub.tags.items);
	free(sub.include.items);
	free(sub.exclude.items);
	return rc;
}

static int
subscriber_remove(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help remove_help = { "EMAIL", opts, 10, NULL };
	struct err e = ERR_INIT;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &remove_help, 0);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return opt_usage_error(argv[0], &remove_help,
				       "one address, please");
	if (store_subscriber_remove(ctx->store, argv[optind], &e) < 0) {
		log_error("subscriber remove: %s", e.msg);
		return err_exit_status(&e);
	}
	if (!ctx->quiet)
		printf("removed subscriber %s\n", argv[optind]);
	return 0;
}

static void
print_words(struct buf *b, const char *label, const struct store_tags *words)
{
	size_t i;

	if (!words->n)
		return;
	printf("      %s:", label);
	for (i = 0; i < words->n; i++)
		printf(" %s", cmd_printable(b, words->items[i]));
	putchar('\n');
}

static json_t *
json_words(const struct store_tags *words)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < words->n; i++)
		json_array_append_new(a, json_string(words->items[i]));
	return a;
}

static int
print_line(const struct store_subscriber *sub, void *arg, struct err *e)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	char since[DATE_UTC_SIZE];
	size_t i;

	(void)arg;
	(void)e;
	date_format_utc(sub->created_at, since);
	printf("%4lld  %s", (long long)sub->id, cmd_printable(&b, sub->email));
	if (sub->name)
		printf(" (%s)", cmd_printable(&b, sub->name));
	printf("\n      since %s, language %s, %s%s%s, tags:", since,
	       sub->lang ? sub->lang : "default",
	       sub->schedule ? sub->schedule : "daily",
	       sub->timezone ? " " : "", sub->timezone ? sub->timezone : "");
	if (!sub->tags.n)
		fputs(" (all feeds)", stdout);
	for (i = 0; i < sub->tags.n; i++)
		printf(" %s", cmd_printable(&b, sub->tags.items[i]));
	putchar('\n');
	print_words(&b, "only with", &sub->include);
	print_words(&b, "never with", &sub->exclude);
	buf_release(&b);
	return 0;
}

static int
add_json(const struct store_subscriber *sub, void *arg, struct err *e)
{
	json_t *tags = json_array(), *o;
	char since[DATE_UTC_SIZE];
	size_t i;

	date_format_utc(sub->created_at, since);
	for (i = 0; i < sub->tags.n; i++)
		json_array_append_new(tags, json_string(sub->tags.items[i]));
	o = json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:s, s:s?, s:s?, s:o, s:o}",
		      "id", (json_int_t)sub->id, "email", sub->email, "name",
		      sub->name, "lang", sub->lang, "tags", tags, "since",
		      since, "schedule", sub->schedule, "timezone",
		      sub->timezone, "include", json_words(&sub->include),
		      "exclude", json_words(&sub->exclude));
	return cmd_json_append(arg, o, e);
}

static int
subscriber_list(int argc, char **argv, struct ctx *ctx)
{
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &json, "print a JSON array of subscribers"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help list_help = { "[--json]", opts, 10, NULL };
	struct err e = ERR_INIT;
	json_t *array;

	rc = opt_parse(argc, argv, argv[0], &list_help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (!json) {
		rc = store_subscriber_each(ctx->store, print_line, NULL, &e);
	} else {
		array = json_array();
		rc = store_subscriber_each(ctx->store, add_json, array, &e);
		if (rc == 0)
			rc = cmd_print_json(array);
		json_decref(array);
	}
	if (rc < 0) {
		log_error("subscriber list: %s", e.msg);
		return err_exit_status(&e);
	}
	return rc;
}

static const struct cmd_verb verbs[] = {
	{ "add", subscriber_add },
	{ "list", subscriber_list },
	{ "remove", subscriber_remove },
	{ NULL, NULL },
};

int
cmd_subscriber(int argc, char **argv, struct ctx *ctx)
{
	return cmd_verb_run(argc, argv, ctx, verbs, NULL, &help);
}
