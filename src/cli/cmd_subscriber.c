/* feedmail subscriber add|remove|list: who receives digests. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/addr.h"
#include "lib/clock.h"
#include "cli/cmd.h"
#include "lib/conf.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/schedule.h"
#include "mail/send.h"
#include "store/store.h"

static const struct cmd_help help = {
	"add|remove|list [ARGS]",
	"  add EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]\n"
	"      [--schedule SCHEDULE] [--timezone ZONE]\n"
	"      [--include WORD]... [--exclude WORD]...\n"
	"  remove EMAIL\n"
	"  list [--json]\n"
	"\nA subscriber receives only entries first seen after they were\n"
	"added, from the feeds carrying one of their tags (all feeds when\n"
	"they have none).\n",
};

static const struct cmd_help add_help = {
	"EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]"
	" [--schedule SCHEDULE] [--timezone ZONE] [--include WORD]..."
	" [--exclude WORD]...",
	"  -n, --name NAME          the display name used in the To: header\n"
	"  -g, --tag TAG            only feeds with this tag (repeatable)\n"
	"  -l, --lang LANG          digest language, fr or en ([digest]\n"
	"                           language)\n"
	"  -s, --schedule SCHEDULE  when 'feedmail run' sends the digest:\n"
	"                           hourly, daily[@HH:MM] or\n"
	"                           weekly[@DAY [HH:MM]] ([digest] time)\n"
	"  -z, --timezone ZONE      the subscriber's IANA time zone\n"
	"                           ([digest] timezone)\n"
	"  -i, --include WORD       only articles whose title or summary has\n"
	"                           one of these words (repeatable)\n"
	"  -x, --exclude WORD       no article with any of these words\n"
	"                           (repeatable); both ignore case and\n"
	"                           accents and match whole words\n"
	"  -h, --help               show this help\n",
};

static const struct cmd_help remove_help = { "EMAIL",
					     "  -h, --help  show this help\n" };
static const struct cmd_help list_help = {
	"[--json]",
	"  --json      print a JSON array of subscribers\n"
	"  -h, --help  show this help\n",
};

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
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tag", required_argument, NULL, 'g' },
		{ "lang", required_argument, NULL, 'l' },
		{ "schedule", required_argument, NULL, 's' },
		{ "timezone", required_argument, NULL, 'z' },
		{ "include", required_argument, NULL, 'i' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_subscriber sub = { 0 };
	struct store_tags *words;
	struct err e = ERR_INIT;
	int64_t id;
	int opt, rc = EX_USAGE;

	sub.tags.items = calloc((size_t)argc, sizeof(char *));
	sub.include.items = calloc((size_t)argc, sizeof(char *));
	sub.exclude.items = calloc((size_t)argc, sizeof(char *));
	if (!sub.tags.items || !sub.include.items || !sub.exclude.items) {
		rc = EX_OSERR;
		goto out;
	}
	while ((opt = getopt_long(argc, argv, "n:g:l:s:z:i:x:h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'n':
			/* it goes into a header: no line breaks */
			if (strpbrk(optarg, "\r\n")) {
				rc = cmd_usage_error(argv[0], &add_help,
					"a name cannot contain a line break");
				goto out;
			}
			sub.name = optarg;
			break;
		case 'g':
			rc = cmd_check_tag(argv[0], &add_help, optarg);
			if (rc)
				goto out;
			sub.tags.items[sub.tags.n++] = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "fr") && strcmp(optarg, "en")) {
				rc = cmd_usage_error(argv[0], &add_help,
					"--lang '%s': use fr or en", optarg);
				goto out;
			}
			sub.lang = optarg;
			break;
		case 's':
			sub.schedule = optarg;
			break;
		case 'z':
			sub.timezone = optarg;
			break;
		case 'i':
		case 'x':
			if (!*optarg || strchr(optarg, '\x1f')) {
				rc = cmd_usage_error(argv[0], &add_help,
					"a word cannot be empty");
				goto out;
			}
			words = opt == 'i' ? &sub.include : &sub.exclude;
			words->items[words->n++] = optarg;
			break;
		case 'h':
			cmd_print_help(stdout, argv[0], &add_help);
			rc = 0;
			goto out;
		default:
			rc = cmd_bad_option(argv[0], &add_help, opts,
					    argv[optind - 1]);
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = cmd_usage_error(argv[0], &add_help,
				     "one address, please");
		goto out;
	}
	sub.email = argv[optind];
	if (check_schedule(&sub, &ctx->cfg, &e) < 0 ||
	    addr_validate(sub.email, &e) < 0 ||
	    store_subscriber_add(ctx->store, &sub, clock_now(), &id, &e) < 0) {
		log_error("subscriber add: %s", e.msg);
		rc = e.code;
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
	struct err e = ERR_INIT;
	int rc;

	rc = cmd_parse_simple(argc, argv, &remove_help, NULL);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return cmd_usage_error(argv[0], &remove_help,
				       "one address, please");
	if (store_subscriber_remove(ctx->store, argv[optind], &e) < 0) {
		log_error("subscriber remove: %s", e.msg);
		return e.code;
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
print_line(const struct store_subscriber *sub, void *arg)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	char since[DATE_UTC_SIZE];
	size_t i;

	(void)arg;
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
add_json(const struct store_subscriber *sub, void *arg)
{
	json_t *list = arg, *tags = json_array(), *o;
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
	if (!o)
		return EX_OSERR;
	return json_array_append_new(list, o) ? EX_OSERR : 0;
}

static int
subscriber_list(int argc, char **argv, struct ctx *ctx)
{
	struct err e = ERR_INIT;
	json_t *list;
	int json = 0, rc;

	rc = cmd_parse_simple(argc, argv, &list_help, &json);
	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cmd_usage_error(argv[0], &list_help,
				       "unexpected argument '%s'", argv[optind]);
	if (!json) {
		rc = store_subscriber_each(ctx->store, print_line, NULL, &e);
	} else {
		list = json_array();
		rc = store_subscriber_each(ctx->store, add_json, list, &e);
		if (rc == 0)
			rc = cmd_print_json(list);
		json_decref(list);
	}
	if (rc < 0) {
		log_error("subscriber list: %s", e.msg);
		return e.code;
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
