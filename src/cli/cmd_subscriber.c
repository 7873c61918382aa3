/* feedmail subscriber add|edit|pause|resume|remove|list|import|export:
 * who receives digests, and how; who waits for their confirmation, and
 * who left (kept, so that nobody adds them again). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/addr.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/csv.h"
#include "lib/date.h"
#include "lib/log.h"
#include "lib/schedule.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "mail/compose.h"
#include "mail/send.h"
#include "store/store.h"

static const struct opt_help help = {
	.synopsis = "add|edit|pause|resume|remove|list|import|export [ARGS]",
	.opts = NULL,
	.width = 0,
	.text = "  add EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]\n"
		"      [--schedule SCHEDULE] [--timezone ZONE]\n"
		"      [--include WORD]... [--exclude WORD]... [--pending]\n"
		"      [--resubscribe]\n"
		"  edit EMAIL [--name NAME] [--lang fr|en|default] [--tag TAG]...\n"
		"      [--untag TAG]... [--schedule SCHEDULE] [--timezone ZONE]\n"
		"      [--include WORD]... [--exclude WORD]...\n"
		"  pause EMAIL [--until DATE|DURATION]\n"
		"  resume EMAIL\n"
		"  remove EMAIL\n"
		"  list [--tag TAG] [--state STATE] [--json]\n"
		"  import [--update] FILE|-\n"
		"  export [--csv|--json]\n"
		"\nA subscriber receives only entries first seen after they were\n"
		"added, from the feeds carrying one of their tags (all feeds when\n"
		"they have none; tags match without regard to case or accents).\n",
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

/* Whether two tags are one: compared as --include words are, without
 * regard to case or accents (utf8_fold), as the store matches them. */
static int
tag_same(const char *a, const char *b)
{
	struct buf fa = BUF_INIT(BUF_MAX_LINE), fb = BUF_INIT(BUF_MAX_LINE);
	int same;

	if (utf8_fold(&fa, a) < 0 || utf8_fold(&fb, b) < 0)
		same = !strcmp(a, b);
	else
		same = fa.len == fb.len && !memcmp(fa.data, fb.data, fa.len);
	buf_release(&fa);
	buf_release(&fb);
	return same;
}

/* A list of tags that grows (the feeds' tags, the tags warned about). */
struct tag_list {
	char **items;
	size_t n, alloc;
};

static int
tag_list_add(struct tag_list *l, const char *tag)
{
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc + l->alloc / 2 + 1 : 16;
		char **grown;

		if (alloc > SIZE_MAX / sizeof(char *))
			return -1;
		grown = realloc(l->items, alloc * sizeof(char *));
		if (!grown)
			return -1;
		l->items = grown;
		l->alloc = alloc;
	}
	l->items[l->n] = strdup(tag);
	if (!l->items[l->n])
		return -1;
	l->n++;
	return 0;
}

static int
tag_list_has(const struct tag_list *l, const char *tag)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (tag_same(l->items[i], tag))
			return 1;
	return 0;
}

static void
tag_list_release(struct tag_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* What the warnings about a member need: the feeds' tags (read once),
 * and the tags already warned about (an import warns once per tag). */
struct warnings {
	struct tag_list feed_tags, warned;
	int loaded;
};

static int
collect_tags(const struct store_feed *f, void *arg, struct err *e)
{
	struct tag_list *l = arg;
	size_t i;

	for (i = 0; i < f->tags.n; i++)
		if (!tag_list_has(l, f->tags.items[i]) &&
		    tag_list_add(l, f->tags.items[i]) < 0)
			return err_set(e, EX_OSERR, "out of memory");
	return 0;
}

/* The feed tag nearest to tag, folded, a few letters off at most; NULL
 * when none is near. */
static const char *
nearest_tag(const struct tag_list *l, const char *tag)
{
	struct buf ft = BUF_INIT(BUF_MAX_LINE), fo = BUF_INIT(BUF_MAX_LINE);
	const char *best = NULL;
	size_t i, d, best_d = SIZE_MAX, max;

	if (utf8_fold(&ft, tag) < 0)
		goto out;
	max = ft.len > 6 ? 2 : 1;
	for (i = 0; i < l->n; i++) {
		buf_reset(&fo);
		if (utf8_fold(&fo, l->items[i]) < 0)
			continue;
		d = str_edit_distance(ft.data, fo.data, STR_CASE_IGNORE);
		if (d <= max && d < best_d) {
			best_d = d;
			best = l->items[i];
		}
	}
out:
	buf_release(&ft);
	buf_release(&fo);
	return best;
}

/* Warns (where: "line 3: " or "") about each of tags that no feed
 * carries, naming the nearest feed tag: the member would get nothing
 * from it. Once per tag. A store that cannot be read is no warning. */
static void
warn_tags(struct ctx *ctx, struct warnings *w, const char *where,
	  const struct store_tags *tags)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD), c = BUF_INIT(BUF_MAX_FIELD);
	struct err e = ERR_INIT;
	const char *near;
	size_t i;

	if (!w->loaded) {
		w->loaded = 1;
		if (store_feed_each(ctx->store, collect_tags, &w->feed_tags,
				    &e) < 0)
			log_debug("feed tags: %s", e.msg);
	}
	for (i = 0; i < tags->n; i++) {
		if (tag_list_has(&w->feed_tags, tags->items[i]) ||
		    tag_list_has(&w->warned, tags->items[i]))
			continue;
		if (tag_list_add(&w->warned, tags->items[i]) < 0)
			return;
		near = nearest_tag(&w->feed_tags, tags->items[i]);
		if (near)
			log_warn("warning: %sno feed is tagged '%s'; did you "
				 "mean '%s'?",
				 where, cmd_printable(&b, tags->items[i]),
				 cmd_printable(&c, near));
		else
			log_warn("warning: %sno feed is tagged '%s'", where,
				 cmd_printable(&b, tags->items[i]));
	}
	buf_release(&b);
	buf_release(&c);
}

/* Warns about an address that looks mistyped (where as above). */
static void
warn_address(const char *where, const char *email)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	char why[512];

	if (addr_suspect(email, why, sizeof(why)))
		log_warn("warning: %s'%s' looks mistyped: %s", where,
			 cmd_printable(&b, email), why);
	buf_release(&b);
}

static void
warnings_release(struct warnings *w)
{
	tag_list_release(&w->feed_tags);
	tag_list_release(&w->warned);
}

/* What add_member did. */
enum added {
	ADDED,       /* subscribed, their consent recorded */
	ADDED_WAITS, /* waiting for their confirmation, mail queued */
	BACK,        /* had unsubscribed: subscribed again */
	BACK_WAITS,  /* had unsubscribed: waiting again */
};

/* The confirmation to the subscriber at email, queued (compose_confirm):
 * 0, 1 when one went to the address this hour already, -1 with e. */
static int
queue_confirmation(struct ctx *ctx, const char *email, int64_t now,
		   struct err *e)
{
	struct store_subscriber full = { 0 };
	int64_t mid;
	int rc;

	if (store_subscriber_by_email(ctx->store, email, &full, e) < 0)
		return -1;
	rc = compose_confirm(ctx->store, &ctx->cfg, &full, now, &mid, e);
	store_subscriber_release(&full);
	return rc;
}

/* Adds sub with what goes with it, in one transaction: for one who waits
 * (pending), their confirmation mail; else their consent, given at
 * consent_at (0: none to record) through source. With resubscribe, an
 * address that unsubscribed comes back (its details replaced by sub's).
 * A failure leaves nothing behind; *how says what was done. */
static int
add_member(struct ctx *ctx, const struct store_subscriber *sub, int pending,
	   int resubscribe, const char *source, int64_t consent_at, int64_t now,
	   int64_t *id, enum added *how, struct err *e)
{
	struct store_subscriber copy = *sub, had = { 0 };
	struct store_consent c = { 0 };
	struct err lookup = ERR_INIT;
	int changed = 0;

	*how = pending ? ADDED_WAITS : ADDED;
	copy.pending_since = pending ? now : 0;
	if (store_begin(ctx->store, e) < 0)
		return -1;
	if (store_subscriber_add(ctx->store, &copy, now, id, e) < 0) {
		if (!resubscribe || e->code != EX_DATAERR ||
		    store_subscriber_by_email(ctx->store, sub->email, &had,
					      &lookup) < 0 ||
		    !had.unsubscribed_at)
			goto fail;
		copy.id = had.id;
		*e = (struct err)ERR_INIT;
		if (store_subscriber_update(ctx->store, &copy, e) < 0 ||
		    store_subscriber_resubscribe(ctx->store, had.id, now,
						 pending, &changed, e) < 0)
			goto fail;
		*id = had.id;
		*how = pending ? BACK_WAITS : BACK;
	}
	if (pending) {
		if (queue_confirmation(ctx, sub->email, now, e) < 0)
			goto fail;
	} else if (consent_at) {
		c.subscriber_id = *id;
		c.email = sub->email;
		c.given_at = consent_at;
		c.source = source;
		if (store_consent_add(ctx->store, &c, e) < 0)
			goto fail;
	}
	store_subscriber_release(&had);
	return store_commit(ctx->store, e);
fail:
	store_subscriber_release(&had);
	store_rollback(ctx->store);
	return -1;
}

static int
subscriber_add(int argc, char **argv, struct ctx *ctx)
{
	struct store_subscriber sub = { 0 };
	int pending = 0, resubscribe = 0;
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
		OPT_FLAG("pending", 0, &pending,
			 "send them a confirmation mail instead:\n"
			 "nothing is sent them until they confirm"),
		OPT_FLAG("resubscribe", 0, &resubscribe,
			 "subscribe again an address that\n"
			 "unsubscribed (they asked you to)"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help add_help = {
		.synopsis =
			"EMAIL [--name NAME] [--tag TAG]... [--lang fr|en]"
			" [--schedule SCHEDULE] [--timezone ZONE] [--include WORD]..."
			" [--exclude WORD]... [--pending] [--resubscribe]",
		.opts = opts,
		.width = 23,
		.text = "\nWithout --pending, you vouch for their consent: "
			"it is recorded as\ngiven now, by the admin. An "
			"address that unsubscribed is refused\nunless "
			"--resubscribe says they asked to come back.\n",
	};
	static const char *const said[] = {
		[ADDED] = "added subscriber",
		[ADDED_WAITS] = "added subscriber, waiting for their "
				"confirmation,",
		[BACK] = "subscribed again",
		[BACK_WAITS] = "subscribed again, waiting for their "
			       "confirmation,",
	};
	struct warnings warn = { 0 };
	struct err e = ERR_INIT;
	int64_t id, now = clock_now();
	int rc = EX_USAGE;
	enum added how;

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
	    add_member(ctx, &sub, pending, resubscribe, STORE_CONSENT_ADMIN,
		       now, now, &id, &how, &e) < 0) {
		log_error("subscriber add: %s", e.msg);
		rc = err_exit_status(&e);
		goto out;
	}
	if (!ctx->quiet)
		printf("%s %lld: %s\n", said[how], (long long)id, sub.email);
	warn_address("", sub.email);
	warn_tags(ctx, &warn, "", &sub.tags);
	rc = 0;
out:
	warnings_release(&warn);
	free(sub.tags.items);
	free(sub.include.items);
	free(sub.exclude.items);
	return rc;
}

/* --include and --exclude of edit: the words given replace the list; an
 * empty one (--include '') clears it. */
struct edit_words {
	struct store_tags words;
	int given;
};

static int
take_edit_word(const struct opt *o, const char *arg, struct err *e)
{
	struct edit_words *w = o->value;

	w->given = 1;
	if (!*arg)
		return 0;
	if (strchr(arg, '\x1f'))
		return err_set(e, EX_USAGE, "a word cannot contain U+001F");
	w->words.items[w->words.n++] = (char *)arg;
	return 0;
}

static const char *const edit_languages[] = { "fr", "en", "default", NULL };

/* Adds the tags of add that sub has not (by tag_same), removes those of
 * del, into out (items with room for both lists; strings lent). */
static int
edit_tags(const struct store_tags *have, const struct store_tags *add,
	  const struct store_tags *del, struct store_tags *out,
	  const char *email, struct err *e)
{
	size_t i, j;
	int found;

	out->n = 0;
	for (i = 0; i < have->n; i++) {
		for (j = 0; j < del->n; j++)
			if (tag_same(have->items[i], del->items[j]))
				break;
		if (j == del->n)
			out->items[out->n++] = have->items[i];
	}
	for (i = 0; i < del->n; i++) {
		for (found = 0, j = 0; j < have->n && !found; j++)
			found = tag_same(have->items[j], del->items[i]);
		if (!found)
			return err_set(e, EX_DATAERR,
				       "subscriber '%s' has no tag '%s'", email,
				       del->items[i]);
	}
	for (i = 0; i < add->n; i++) {
		for (found = 0, j = 0; j < out->n && !found; j++)
			found = tag_same(out->items[j], add->items[i]);
		if (!found)
			out->items[out->n++] = add->items[i];
	}
	return 0;
}

/* "" as a value: back to the config's default (NULL). */
static char *
or_default(const char *given, char *had)
{
	if (!given)
		return had;
	return *given ? (char *)given : NULL;
}

static int
subscriber_edit(int argc, char **argv, struct ctx *ctx)
{
	struct store_subscriber sub = { 0 }, now = { 0 };
	struct store_tags add = { 0 }, del = { 0 }, tags = { 0 };
	struct edit_words inc = { { 0 }, 0 }, exc = { { 0 }, 0 };
	const char *name = NULL, *lang = NULL, *schedule = NULL,
		   *timezone = NULL;
	const struct opt opts[] = {
		OPT_CALLBACK("name", 'n', take_name, &name, "NAME",
			     "the display name ('' for none)"),
		OPT_CHOICE("lang", 'l', &lang, edit_languages, "LANG",
			   "digest language: fr, en or default"),
		OPT_CALLBACK("tag", 'g', cmd_opt_tag, &add, "TAG",
			     "add this tag (repeatable)"),
		OPT_CALLBACK("untag", 'G', cmd_opt_tag, &del, "TAG",
			     "remove this tag (repeatable)"),
		OPT_STRING("schedule", 's', &schedule, "SCHEDULE",
			   "when the digest goes ('' for\n[digest] time)"),
		OPT_STRING("timezone", 'z', &timezone, "ZONE",
			   "the subscriber's IANA time zone\n"
			   "('' for [digest] timezone)"),
		OPT_CALLBACK("include", 'i', take_edit_word, &inc, "WORD",
			     "these words replace the list of\n"
			     "--include words ('' clears it)"),
		OPT_CALLBACK("exclude", 'x', take_edit_word, &exc, "WORD",
			     "likewise for --exclude"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help edit_help = {
		.synopsis =
			"EMAIL [--name NAME] [--lang fr|en|default] [--tag TAG]..."
			" [--untag TAG]... [--schedule SCHEDULE] [--timezone ZONE]"
			" [--include WORD]... [--exclude WORD]...",
		.opts = opts,
		.width = 23,
		.text = "\nThe subscriber keeps their start, their token and "
			"what they\nwere sent.\n",
	};
	struct warnings warn = { 0 };
	struct err e = ERR_INIT;
	int rc = EX_OSERR;

	add.items = calloc((size_t)argc, sizeof(char *));
	del.items = calloc((size_t)argc, sizeof(char *));
	inc.words.items = calloc((size_t)argc, sizeof(char *));
	exc.words.items = calloc((size_t)argc, sizeof(char *));
	if (!add.items || !del.items || !inc.words.items || !exc.words.items)
		goto out;
	rc = opt_parse(argc, argv, argv[0], &edit_help, 0);
	if (rc >= 0)
		goto out;
	if (argc - optind != 1) {
		rc = opt_usage_error(argv[0], &edit_help,
				     "one address, please");
		goto out;
	}
	if (store_subscriber_by_email(ctx->store, argv[optind], &now, &e) < 0)
		goto fail;
	rc = EX_OSERR;
	tags.items = calloc(now.tags.n + add.n + 1, sizeof(char *));
	if (!tags.items)
		goto out;
	if (edit_tags(&now.tags, &add, &del, &tags, now.email, &e) < 0)
		goto fail;
	sub = now;
	sub.tags = tags;
	sub.name = or_default(name, now.name);
	sub.lang = !lang                   ? now.lang :
		   strcmp(lang, "default") ? (char *)lang :
					     NULL;
	sub.schedule = or_default(schedule, now.schedule);
	sub.timezone = or_default(timezone, now.timezone);
	if (inc.given)
		sub.include = inc.words;
	if (exc.given)
		sub.exclude = exc.words;
	if (check_schedule(&sub, &ctx->cfg, &e) < 0 ||
	    store_subscriber_update(ctx->store, &sub, &e) < 0)
		goto fail;
	if (!ctx->quiet)
		printf("updated subscriber %lld: %s\n", (long long)now.id,
		       now.email);
	warn_address("", now.email);
	warn_tags(ctx, &warn, "", &add);
	rc = 0;
	goto out;
fail:
	log_error("subscriber edit: %s", e.msg);
	rc = err_exit_status(&e);
out:
	warnings_release(&warn);
	store_subscriber_release(&now);
	free(tags.items);
	free(add.items);
	free(del.items);
	free(inc.words.items);
	free(exc.words.items);
	return rc;
}

/* The end of a pause: a date ("2027-01-04", "2027-01-04T08:00:00+01:00";
 * UTC unless it says) or a duration from now ("2w", "10d"). */
static int
parse_until(const char *arg, int64_t now, int64_t *until, struct err *e)
{
	int64_t d;

	if (opt_parse_duration(arg, INT64_C(100) * 366 * 86400, &d) == 0)
		*until = now + d;
	else if (date_parse(arg, until) < 0)
		return err_set(e, EX_USAGE,
			       "--until '%s': give a date (2027-01-04, "
			       "2027-01-04T08:00:00+01:00) or a duration "
			       "(10d, 2w)",
			       arg);
	if (*until <= now)
		return err_set(e, EX_USAGE, "--until '%s': that is past", arg);
	return 0;
}

static int
subscriber_pause(int argc, char **argv, struct ctx *ctx)
{
	const char *until_arg = NULL;
	const struct opt opts[] = {
		OPT_STRING("until", 'u', &until_arg, "DATE",
			   "resume by itself then: a date\n"
			   "(UTC unless it says) or a duration\n"
			   "from now (10d, 2w)"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help pause_help = {
		.synopsis = "EMAIL [--until DATE|DURATION]",
		.opts = opts,
		.width = 20,
		.text = "\nNo digest is sent to a paused subscriber; what is new "
			"to them\nmeanwhile comes in their next digest after "
			"the pause.\n",
	};
	struct store_subscriber sub = { 0 };
	struct err e = ERR_INIT;
	char when[DATE_UTC_SIZE];
	int64_t now = clock_now(), until = 0, since;
	int rc;

	rc = opt_parse(argc, argv, argv[0], &pause_help, 0);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return opt_usage_error(argv[0], &pause_help,
				       "one address, please");
	if (until_arg && parse_until(until_arg, now, &until, &e) < 0)
		return opt_usage_error(argv[0], &pause_help, "%s", e.msg);
	if (store_subscriber_by_email(ctx->store, argv[optind], &sub, &e) < 0)
		goto fail;
	/* paused again: since when stays, the end is the new one */
	since = store_subscriber_paused(&sub, now) ? sub.paused_at : now;
	if (store_subscriber_pause(ctx->store, sub.id, since, until, &e) < 0)
		goto fail;
	if (!ctx->quiet) {
		date_format_utc(until, when);
		printf("paused subscriber %s %s%s\n", sub.email,
		       until ? "until " : "until resumed", until ? when : "");
	}
	store_subscriber_release(&sub);
	return 0;
fail:
	log_error("subscriber pause: %s", e.msg);
	store_subscriber_release(&sub);
	return err_exit_status(&e);
}

static int
subscriber_resume(int argc, char **argv, struct ctx *ctx)
{
	const struct opt opts[] = { OPT_HELP(), OPT_END() };
	const struct opt_help resume_help = { "EMAIL", opts, 10, NULL };
	struct store_subscriber sub = { 0 };
	struct err e = ERR_INIT;
	int rc, was;

	rc = opt_parse(argc, argv, argv[0], &resume_help, 0);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return opt_usage_error(argv[0], &resume_help,
				       "one address, please");
	if (store_subscriber_by_email(ctx->store, argv[optind], &sub, &e) < 0 ||
	    store_subscriber_pause(ctx->store, sub.id, 0, 0, &e) < 0) {
		log_error("subscriber resume: %s", e.msg);
		store_subscriber_release(&sub);
		return err_exit_status(&e);
	}
	was = store_subscriber_paused(&sub, clock_now());
	if (!ctx->quiet)
		printf(was ? "resumed subscriber %s\n" :
			     "subscriber %s was not paused\n",
		       sub.email);
	store_subscriber_release(&sub);
	return 0;
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

/* A tag as list shows it: quoted when it has a space or a quote, so
 * that "Haute Savoie" reads as one tag. */
static void
print_tag(struct buf *b, const char *tag)
{
	const char *t = cmd_printable(b, tag);

	if (strpbrk(t, " '\""))
		printf(" '%s'", t);
	else
		printf(" %s", t);
}

/* Which subscribers list shows, and where. */
struct list_filter {
	const char *tag;   /* only those with this tag, or NULL */
	const char *state; /* a store_subscriber_state, or NULL */
	int64_t now;
	json_t *array; /* --json: the array, else NULL */
};

static int
list_wants(const struct list_filter *f, const struct store_subscriber *sub)
{
	size_t i;

	if (f->state && strcmp(f->state, store_subscriber_state(sub, f->now)))
		return 0;
	if (!f->tag)
		return 1;
	for (i = 0; i < sub->tags.n; i++)
		if (tag_same(sub->tags.items[i], f->tag))
			return 1;
	return 0;
}

static int
print_line(const struct store_subscriber *sub, const struct list_filter *f)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	char since[DATE_UTC_SIZE], until[DATE_UTC_SIZE];
	size_t i;

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
		print_tag(&b, sub->tags.items[i]);
	putchar('\n');
	print_words(&b, "only with", &sub->include);
	print_words(&b, "never with", &sub->exclude);
	if (sub->unsubscribed_at) {
		date_format_utc(sub->unsubscribed_at, since);
		printf("      unsubscribed on %s (kept: not to be added "
		       "again)\n",
		       since);
	} else if (sub->pending_since) {
		date_format_utc(sub->pending_since, since);
		printf("      pending: waiting for their confirmation since "
		       "%s\n",
		       since);
	} else if (store_subscriber_paused(sub, f->now)) {
		date_format_utc(sub->paused_at, since);
		date_format_utc(sub->paused_until, until);
		printf("      paused since %s, %s%s\n", since,
		       sub->paused_until ? "until " : "until resumed",
		       sub->paused_until ? until : "");
	}
	buf_release(&b);
	return 0;
}

static int
add_json(const struct store_subscriber *sub, json_t *array,
	 const struct list_filter *f, struct err *e)
{
	json_t *tags = json_array(), *o;
	char since[DATE_UTC_SIZE];
	const char *state = store_subscriber_state(sub, f->now);
	int paused = !strcmp(state, "paused");
	size_t i;

	date_format_utc(sub->created_at, since);
	for (i = 0; i < sub->tags.n; i++)
		json_array_append_new(tags, json_string(sub->tags.items[i]));
	o = json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:s, s:s?, s:s?, s:o, s:o,"
		      " s:s, s:o, s:o, s:o, s:o}",
		      "id", (json_int_t)sub->id, "email", sub->email, "name",
		      sub->name, "lang", sub->lang, "tags", tags, "since",
		      since, "schedule", sub->schedule, "timezone",
		      sub->timezone, "include", json_words(&sub->include),
		      "exclude", json_words(&sub->exclude), "state", state,
		      "paused_since",
		      cmd_json_time(paused ? sub->paused_at : 0),
		      "paused_until",
		      cmd_json_time(paused ? sub->paused_until : 0),
		      "pending_since", cmd_json_time(sub->pending_since),
		      "unsubscribed_at", cmd_json_time(sub->unsubscribed_at));
	return cmd_json_append(array, o, e);
}

static int
list_one(const struct store_subscriber *sub, void *arg, struct err *e)
{
	const struct list_filter *f = arg;

	if (!list_wants(f, sub))
		return 0;
	return f->array ? add_json(sub, f->array, f, e) : print_line(sub, f);
}

static const char *const states[] = { "active", "paused", "pending",
				      "unsubscribed", NULL };

static int
subscriber_list(int argc, char **argv, struct ctx *ctx)
{
	struct list_filter f = { NULL, NULL, clock_now(), NULL };
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_STRING("tag", 'g', &f.tag, "TAG",
			   "only subscribers with this tag (in\n"
			   "any case, with or without accents)"),
		OPT_CHOICE("state", 0, &f.state, states, "STATE",
			   "only those active, paused, pending\n"
			   "(waiting for their confirmation) or\n"
			   "unsubscribed"),
		OPT_FLAG("json", 0, &json, "print a JSON array of subscribers"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help list_help = {
		"[--tag TAG] [--state active|paused|pending|unsubscribed] "
		"[--json]",
		opts, 15, NULL
	};
	struct err e = ERR_INIT;

	rc = opt_parse(argc, argv, argv[0], &list_help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (json)
		f.array = json_array();
	rc = store_subscriber_each(ctx->store, list_one, &f, &e);
	if (rc == 0 && json)
		rc = cmd_print_json(f.array);
	json_decref(f.array);
	if (rc < 0) {
		log_error("subscriber list: %s", e.msg);
		return err_exit_status(&e);
	}
	return rc;
}

/*
 * import: members from CSV, all checked first, then added in one
 * transaction.
 */

/* The columns an import knows; email is the one it needs. */
enum column {
	COL_EMAIL,
	COL_NAME,
	COL_LANG,
	COL_TAGS,
	COL_SCHEDULE,
	COL_TIMEZONE,
	COL_CONSENT,
	COL_STATE,
	N_COLUMNS
};
static const char *const column_names[] = { "email",   "name",     "lang",
					    "tags",    "schedule", "timezone",
					    "consent", "state",    NULL };
#define COLUMNS_SAID                                                  \
	"(the columns: email, name, lang, tags, schedule, timezone, " \
	"consent, state)"

/* Errors listed before an import gives up, so that a file is fixed in
 * one go rather than one error a run. */
#define IMPORT_MAX_ERRORS 20

/* One row, checked: sub's strings point into text, its own copy. */
struct import_row {
	size_t line;
	struct store_subscriber sub;
	char *text;         /* the fields, NUL-separated: sub's strings */
	int64_t consent_at; /* consent given then; 0: none (a
	                     * confirmation is asked for) */
	const char *state;  /* the state column's, or NULL */
};

struct import {
	struct import_row *rows;
	size_t n, alloc;
	int col[N_COLUMNS]; /* the field of each column, or -1 */
	size_t nfields;
	int errors;
	int64_t now;
	/* what became of the rows */
	size_t added, pending, updated, suppressed, refused;
	size_t mailed; /* confirmations queued */
};

static void
import_release(struct import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++) {
		free(im->rows[i].text);
		free(im->rows[i].sub.tags.items);
	}
	free(im->rows);
}

/* Reads all of path ("-": stdin) into b. */
static int
read_all(const char *path, struct buf *b, struct err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (!f)
		return err_set(e, errno == ENOENT ? EX_NOINPUT : EX_NOPERM,
			       "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n) < 0) {
			rc = err_set(e, EX_DATAERR, "'%s': over %u octets",
				     path, BUF_MAX_DOC);
			break;
		}
	if (!rc && ferror(f))
		rc = err_set(e, EX_IOERR, "cannot read '%s': %s", path,
			     strerror(errno));
	if (f != stdin)
		fclose(f);
	return rc;
}

/* s without the spaces and tabs around it, cut in place. */
static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static void row_error(struct import *im, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
row_error(struct import *im, size_t line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (im->errors++ >= IMPORT_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("subscriber import: line %zu: %s", line, msg);
}

static int
import_header(struct import *im, const struct csv_record *r, struct err *e)
{
	size_t i, k;
	char name[64];

	for (k = 0; k < N_COLUMNS; k++)
		im->col[k] = -1;
	im->nfields = r->n;
	for (i = 0; i < r->n; i++) {
		snprintf(name, sizeof(name), "%s", r->fields[i]);
		for (k = 0; column_names[k]; k++)
			if (!strcasecmp(trim(name), column_names[k]))
				break;
		if (!column_names[k])
			return err_set(
				e, EX_DATAERR,
				"line %zu: unknown column '%s' " COLUMNS_SAID,
				r->line, name);
		if (im->col[k] >= 0)
			return err_set(e, EX_DATAERR,
				       "line %zu: column '%s' twice", r->line,
				       name);
		im->col[k] = (int)i;
	}
	if (im->col[COL_EMAIL] < 0)
		return err_set(
			e, EX_DATAERR,
			"line %zu: no column 'email' in the header " COLUMNS_SAID,
			r->line);
	return 0;
}

/* Tags of a field, split on ';' or '|', trimmed, empty ones dropped, in
 * place: sub->tags points into the field. */
static int
split_tags(struct import *im, size_t line, char *field, struct store_tags *tags)
{
	size_t n = 1;
	char *p, *t;

	for (p = field; *p; p++)
		n += *p == ';' || *p == '|';
	tags->items = calloc(n, sizeof(char *));
	if (!tags->items)
		return -1;
	for (t = field; t; t = p) {
		p = t + strcspn(t, ";|");
		p = *p ? (*p = '\0', p + 1) : NULL;
		t = trim(t);
		if (!*t)
			continue;
		if (!utf8_is_printable(t)) {
			row_error(im, line,
				  "tags: a tag cannot contain line breaks, "
				  "tabs or other control characters");
			return 0;
		}
		tags->items[tags->n++] = t;
	}
	return 0;
}

static int
email_cmp(const void *a, const void *b)
{
	const struct import_row *const *x = a, *const *y = b;
	int c = strcasecmp((*x)->sub.email, (*y)->sub.email);

	return c ? c : (*x)->line < (*y)->line ? -1 : 1;
}

/* Checks one record into a new row of im. -1 only when memory runs out;
 * a mistake is counted in im->errors. */
static int
import_record(struct import *im, struct ctx *ctx, const struct csv_record *r)
{
	struct import_row *row;
	const char *name = NULL;
	const struct opt name_opt = OPT_CALLBACK("name", 0, take_name, &name,
						 NULL, NULL);
	struct err e = ERR_INIT;
	const char *f[N_COLUMNS] = { NULL };
	char *p;
	size_t k, len = 0;

	if (r->n != im->nfields) {
		row_error(im, r->line, "%zu fields, the header has %zu", r->n,
			  im->nfields);
		return 0;
	}
	if (im->n == im->alloc) {
		size_t alloc = im->alloc + im->alloc / 2 + 64;
		struct import_row *grown;

		if (alloc > SIZE_MAX / sizeof(*grown))
			return -1;
		grown = realloc(im->rows, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		im->rows = grown;
		im->alloc = alloc;
	}
	row = &im->rows[im->n];
	memset(row, 0, sizeof(*row));
	row->line = r->line;
	for (k = 0; k < N_COLUMNS; k++)
		if (im->col[k] >= 0)
			len += strlen(r->fields[im->col[k]]) + 1;
	row->text = malloc(len + 1);
	if (!row->text)
		return -1;
	im->n++;
	for (p = row->text, k = 0; k < N_COLUMNS; k++) {
		if (im->col[k] < 0)
			continue;
		len = strlen(r->fields[im->col[k]]);
		memcpy(p, r->fields[im->col[k]], len + 1);
		f[k] = p;
		p += len + 1;
	}
	for (k = 0; k < N_COLUMNS; k++)
		if (f[k]) {
			f[k] = trim((char *)f[k]);
			if (!*f[k])
				f[k] = NULL;
		}
	row->sub.email = (char *)f[COL_EMAIL];
	row->sub.name = (char *)f[COL_NAME];
	row->sub.lang = (char *)f[COL_LANG];
	row->sub.schedule = (char *)f[COL_SCHEDULE];
	row->sub.timezone = (char *)f[COL_TIMEZONE];
	if (!row->sub.email) {
		row_error(im, r->line, "email: missing");
		return 0;
	}
	if (addr_validate(row->sub.email, &e) < 0)
		row_error(im, r->line, "email: %s", e.msg);
	if (row->sub.name && take_name(&name_opt, row->sub.name, &e) < 0)
		row_error(im, r->line, "name: %s", e.msg);
	for (k = 0; row->sub.lang && languages[k]; k++)
		if (!strcmp(row->sub.lang, languages[k]))
			break;
	if (row->sub.lang && !languages[k])
		row_error(im, r->line, "lang: '%s': use fr or en (or nothing)",
			  row->sub.lang);
	if ((row->sub.schedule || row->sub.timezone) &&
	    check_schedule(&row->sub, &ctx->cfg, &e) < 0)
		row_error(im, r->line, "%s: %s",
			  row->sub.timezone && !row->sub.schedule ?
				  "timezone" :
			  row->sub.schedule && !row->sub.timezone ?
				  "schedule" :
				  "schedule or timezone",
			  e.msg);
	/* no consent column: the admin vouches for every row, as add */
	if (im->col[COL_CONSENT] < 0)
		row->consent_at = im->now;
	else if (f[COL_CONSENT] && !strcasecmp(f[COL_CONSENT], "yes"))
		row->consent_at = im->now;
	else if (f[COL_CONSENT] && strcasecmp(f[COL_CONSENT], "no") &&
		 (date_parse(f[COL_CONSENT], &row->consent_at) < 0 ||
		  row->consent_at <= 0 || row->consent_at > im->now))
		row_error(im, r->line,
			  "consent: '%s': use yes, no, nothing, or when it "
			  "was given (2026-05-04, 2026-05-04T09:30:00Z), not "
			  "in the future",
			  f[COL_CONSENT]);
	for (k = 0; f[COL_STATE] && states[k]; k++)
		if (!strcasecmp(f[COL_STATE], states[k]))
			break;
	if (f[COL_STATE] && !states[k])
		row_error(im, r->line,
			  "state: '%s': use active, paused, pending, "
			  "unsubscribed (or nothing)",
			  f[COL_STATE]);
	else if (f[COL_STATE])
		row->state = states[k];
	if (f[COL_TAGS] &&
	    split_tags(im, r->line, (char *)f[COL_TAGS], &row->sub.tags) < 0)
		return -1;
	return 0;
}

/* The same address twice in the file is a mistake, not a skip. */
static int
import_duplicates(struct import *im)
{
	struct import_row **by = NULL;
	size_t i;

	if (im->n < 2)
		return 0;
	by = calloc(im->n, sizeof(*by));
	if (!by)
		return -1;
	for (i = 0; i < im->n; i++)
		by[i] = &im->rows[i];
	qsort(by, im->n, sizeof(*by), email_cmp);
	for (i = 1; i < im->n; i++)
		if (by[i]->sub.email && by[i - 1]->sub.email &&
		    !strcasecmp(by[i]->sub.email, by[i - 1]->sub.email))
			row_error(im, by[i]->line,
				  "email: '%s' is on line %zu already",
				  by[i]->sub.email, by[i - 1]->line);
	free(by);
	return 0;
}

/* Changes had as row sub says: the file's columns replace had's values
 * (an empty field: the default); what it has no column for (the words
 * always) stays. */
static int
update_from_row(struct ctx *ctx, const struct import *im,
		const struct store_subscriber *sub,
		const struct store_subscriber *had, struct err *e)
{
	struct store_subscriber u = *had;

	if (im->col[COL_NAME] >= 0)
		u.name = sub->name;
	if (im->col[COL_LANG] >= 0)
		u.lang = sub->lang;
	if (im->col[COL_TAGS] >= 0)
		u.tags = sub->tags;
	if (im->col[COL_SCHEDULE] >= 0)
		u.schedule = sub->schedule;
	if (im->col[COL_TIMEZONE] >= 0)
		u.timezone = sub->timezone;
	return store_subscriber_update(ctx->store, &u, e);
}

/* A row whose address is there already: one who unsubscribed stays so
 * (reported, never added again); one waiting is asked again (once an
 * hour at most) or, when the row gives consent, confirmed; the others
 * are updated with --update, else refused. */
static int
import_known(struct ctx *ctx, struct import *im, const struct import_row *row,
	     const struct store_subscriber *had, int update, struct err *e)
{
	struct store_consent c = { 0 };
	char when[DATE_UTC_SIZE];
	int changed, rc;

	if (had->unsubscribed_at) {
		date_format_utc(had->unsubscribed_at, when);
		when[10] = '\0';
		log_warn("subscriber import: line %zu: '%s' unsubscribed on "
			 "%s: skipped",
			 row->line, had->email, when);
		im->suppressed++;
		return 0;
	}
	if (update && update_from_row(ctx, im, &row->sub, had, e) < 0)
		return -1;
	if (had->pending_since &&
	    (!row->consent_at ||
	     (row->state && !strcmp(row->state, "pending")))) {
		rc = queue_confirmation(ctx, had->email, im->now, e);
		if (rc < 0)
			return -1;
		im->mailed += rc == 0;
		im->pending++;
		return 0;
	}
	if (had->pending_since) {
		c.email = had->email;
		c.given_at = row->consent_at;
		c.source = STORE_CONSENT_IMPORT;
		if (store_subscriber_confirm(ctx->store, had->id, &c, &changed,
					     e) < 0)
			return -1;
		im->updated++;
		return 0;
	}
	(*(update ? &im->updated : &im->refused))++;
	return 0;
}

/* A row whose address is new: added as its state says (unsubscribed:
 * kept as a suppression; paused: until resumed), waiting for a
 * confirmation when it gives no consent. */
static int
import_new(struct ctx *ctx, struct import *im, const struct import_row *row,
	   struct err *e)
{
	const char *state = row->state ? row->state : "active";
	int pending = !strcmp(state, "pending") ||
		      (!row->consent_at && strcmp(state, "unsubscribed"));
	int64_t id;
	int changed;
	enum added how;

	if (add_member(ctx, &row->sub, pending, 0, STORE_CONSENT_IMPORT,
		       row->consent_at, im->now, &id, &how, e) < 0)
		return -1;
	if (!strcmp(state, "unsubscribed")) {
		if (store_subscriber_unsubscribe(ctx->store, id, im->now,
						 &changed, e) < 0)
			return -1;
		im->suppressed++;
		return 0;
	}
	if (!strcmp(state, "paused") && !pending &&
	    store_subscriber_pause(ctx->store, id, im->now, 0, e) < 0)
		return -1;
	(*(pending ? &im->pending : &im->added))++;
	im->mailed += pending;
	return 0;
}

/* Adds, confirms, asks or (with update) updates every row in one
 * transaction: a failure leaves the store as it was. */
static int
import_store(struct ctx *ctx, struct import *im, int update, struct err *e)
{
	struct store_subscriber had;
	size_t i;
	struct err lookup = ERR_INIT;
	int rc;

	if (store_begin(ctx->store, e) < 0)
		return -1;
	for (i = 0; i < im->n; i++) {
		struct import_row *row = &im->rows[i];

		if (store_subscriber_by_email(ctx->store, row->sub.email, &had,
					      &lookup) == 0) {
			rc = import_known(ctx, im, row, &had, update, e);
			store_subscriber_release(&had);
			if (rc < 0)
				goto fail;
			continue;
		}
		if (lookup.code != EX_DATAERR) {
			*e = lookup;
			goto fail;
		}
		if (import_new(ctx, im, row, e) < 0)
			goto fail;
	}
	if (store_commit(ctx->store, e) == 0)
		return 0;
	store_rollback(ctx->store);
	return -1;
fail:
	store_rollback(ctx->store);
	return err_prefix(e, "line %zu", im->rows[i].line);
}

static int
subscriber_import(int argc, char **argv, struct ctx *ctx)
{
	int update = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("update", 0, &update,
			 "update the subscribers already there\n"
			 "(else they are skipped)"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help import_help = {
		.synopsis = "[--update] FILE|-",
		.opts = opts,
		.width = 10,
		.text = "\nFILE is CSV ('-': standard input) with a header line "
			"naming its\ncolumns among email, name, lang, tags, "
			"schedule, timezone,\nconsent and state; email is "
			"needed. Tags are separated by ';'\nor '|'; an empty "
			"field is the default. consent: yes, or when\nit was "
			"given (a date or an ISO timestamp); empty or no: "
			"the\nmember gets a confirmation mail and waits for "
			"it. Without a\nconsent column, you vouch for every "
			"row. An address that\nunsubscribed is skipped and "
			"reported, never added again. Every\nline is checked "
			"first: one mistake and nothing is imported.\n",
	};
	struct buf text = BUF_INIT(BUF_MAX_DOC);
	struct csv c;
	struct csv_record r;
	struct import im = { 0 };
	struct warnings warn = { 0 };
	struct err e = ERR_INIT;
	size_t i;
	char where[64];
	int got;

	csv_record_init(&r);
	im.now = clock_now();
	rc = opt_parse(argc, argv, argv[0], &import_help, 0);
	if (rc >= 0)
		goto out;
	if (argc - optind != 1) {
		rc = opt_usage_error(argv[0], &import_help,
				     "one file, please ('-': standard input)");
		goto out;
	}
	if (read_all(argv[optind], &text, &e) < 0)
		goto fail;
	csv_init(&c, text.data, text.len);
	got = csv_next(&c, &r, &e);
	if (got == 0)
		err_set(&e, EX_DATAERR, "no header line");
	if (got <= 0 || import_header(&im, &r, &e) < 0)
		goto fail;
	while ((got = csv_next(&c, &r, &e)) == 1)
		if (import_record(&im, ctx, &r) < 0)
			goto oom;
	if (got < 0)
		goto fail;
	if (import_duplicates(&im) < 0)
		goto oom;
	if (im.errors) {
		if (im.errors > IMPORT_MAX_ERRORS)
			log_error("subscriber import: %d more mistakes",
				  im.errors - IMPORT_MAX_ERRORS);
		log_error("subscriber import: nothing imported from '%s'",
			  argv[optind]);
		rc = EX_DATAERR;
		goto out;
	}
	for (i = 0; i < im.n; i++) {
		snprintf(where, sizeof(where), "line %zu: ", im.rows[i].line);
		warn_address(where, im.rows[i].sub.email);
		warn_tags(ctx, &warn, where, &im.rows[i].sub.tags);
	}
	if (import_store(ctx, &im, update, &e) < 0)
		goto fail;
	if (!ctx->quiet)
		printf("imported: %zu added, %zu pending confirmation (%zu "
		       "%s queued), %zu updated, %zu suppressed "
		       "(unsubscribed), %zu refused (already there)\n",
		       im.added, im.pending, im.mailed,
		       str_plural(im.mailed, "mail", "mails"), im.updated,
		       im.suppressed, im.refused);
	rc = 0;
	goto out;
oom:
	err_set(&e, EX_OSERR, "out of memory");
fail:
	log_error("subscriber import: %s", e.msg);
	rc = err_exit_status(&e);
out:
	warnings_release(&warn);
	import_release(&im);
	csv_record_release(&r);
	buf_release(&text);
	return rc;
}

/*
 * export: every member, with the import's columns plus consent and
 * state, so that export | import gives the same members back.
 */

struct export
{
	struct store *store;
	json_t *array; /* --json, else NULL: CSV */
	struct buf line, tags;
	int64_t now;
	int64_t consent_at; /* the last consent's, while one is read */
	json_t *consents;   /* --json: the subscriber's consents */
};

static int
export_consent(const struct store_consent *c, void *arg, struct err *e)
{
	struct export *x = arg;
	json_t *o;

	x->consent_at = c->given_at;
	if (!x->consents)
		return 0;
	o = json_pack("{s:o, s:s, s:s?, s:s?, s:s?}", "given_at",
		      cmd_json_time(c->given_at), "source", c->source, "ip",
		      c->ip, "wording", c->wording, "lang", c->lang);
	return cmd_json_append(x->consents, o, e);
}

static int
export_one(const struct store_subscriber *sub, void *arg, struct err *e)
{
	struct export *x = arg;
	const char *state = store_subscriber_state(sub, x->now);
	char consent[DATE_UTC_SIZE] = "";
	json_t *o;
	size_t i;
	int rc = 0;

	x->consent_at = 0;
	x->consents = x->array ? json_array() : NULL;
	if (store_consent_each(x->store, sub->id, export_consent, x, e) < 0) {
		json_decref(x->consents);
		return -1;
	}
	/* one waiting has given none yet: an import asks them again */
	if (x->consent_at && !sub->pending_since)
		date_format_utc(x->consent_at, consent);
	if (x->array) {
		o = json_pack("{s:s, s:s?, s:s?, s:o, s:s?, s:s?, s:s, s:s?,"
			      " s:o}",
			      "email", sub->email, "name", sub->name, "lang",
			      sub->lang, "tags", json_words(&sub->tags),
			      "schedule", sub->schedule, "timezone",
			      sub->timezone, "state", state, "consent",
			      *consent ? consent : NULL, "consents",
			      x->consents);
		return cmd_json_append(x->array, o, e);
	}
	buf_reset(&x->line);
	rc |= csv_add_field(&x->line, sub->email, 1);
	rc |= csv_add_field(&x->line, sub->name, 0);
	rc |= csv_add_field(&x->line, sub->lang, 0);
	/* one field: the tags between ';' */
	buf_reset(&x->tags);
	for (i = 0; i < sub->tags.n; i++)
		rc |= buf_addf(&x->tags, "%s%s", i ? ";" : "",
			       sub->tags.items[i]);
	rc |= csv_add_field(&x->line, x->tags.len ? x->tags.data : NULL, 0);
	rc |= csv_add_field(&x->line, sub->schedule, 0);
	rc |= csv_add_field(&x->line, sub->timezone, 0);
	rc |= csv_add_field(&x->line, consent, 0);
	rc |= csv_add_field(&x->line, state, 0);
	if (rc)
		return err_set(e, EX_SOFTWARE, "subscriber '%s': too long",
			       sub->email);
	printf("%s\n", x->line.data);
	return 0;
}

static int
subscriber_export(int argc, char **argv, struct ctx *ctx)
{
	int csv = 0, json = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("csv", 0, &csv,
			 "CSV, as import reads it (the "
			 "default)"),
		OPT_FLAG("json", 0, &json,
			 "a JSON array, each with its "
			 "consents"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help export_help = {
		"[--csv|--json]", opts, 10,
		"\nCSV with a header line: email, name, lang, tags, "
		"schedule,\ntimezone, consent (when the last was given; "
		"empty while they\nwait for their confirmation) and state "
		"(active, paused,\npending, unsubscribed); `subscriber "
		"import` reads it back.\n"
	};
	struct export x = { 0 };
	struct err e = ERR_INIT;

	rc = opt_parse(argc, argv, argv[0], &export_help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (csv && json)
		return opt_usage_error(argv[0], &export_help,
				       "--csv and --json exclude each other");
	x.now = clock_now();
	x.store = ctx->store;
	buf_init(&x.line, BUF_MAX_DOC);
	buf_init(&x.tags, BUF_MAX_DOC);
	if (json)
		x.array = json_array();
	else
		puts("email,name,lang,tags,schedule,timezone,consent,state");
	rc = store_subscriber_each(ctx->store, export_one, &x, &e);
	if (rc == 0 && json)
		rc = cmd_print_json(x.array);
	json_decref(x.array);
	buf_release(&x.line);
	buf_release(&x.tags);
	if (rc < 0) {
		log_error("subscriber export: %s", e.msg);
		return err_exit_status(&e);
	}
	return rc;
}

static const struct cmd_verb verbs[] = {
	{ "add", subscriber_add },
	{ "edit", subscriber_edit },
	{ "export", subscriber_export },
	{ "import", subscriber_import },
	{ "list", subscriber_list },
	{ "pause", subscriber_pause },
	{ "remove", subscriber_remove },
	{ "resume", subscriber_resume },
	{ NULL, NULL },
};

int
cmd_subscriber(int argc, char **argv, struct ctx *ctx)
{
	return cmd_verb_run(argc, argv, ctx, verbs, NULL, &help);
}
