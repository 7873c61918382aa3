/* feedmail list [--json]: the feeds with their tags and last status. */
#include "config.h"

#include <jansson.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store.h"

static int
add_json(const struct store_feed *f, void *arg, struct err *e)
{
	json_t *tags = json_array(), *o;
	size_t i;

	for (i = 0; i < f->tags.n; i++)
		json_array_append_new(tags, json_string(f->tags.items[i]));
	o = json_pack("{s:I, s:s?, s:s, s:o, s:b, s:I, s:s?, s:s?, s:i,"
		      " s:o, s:o, s:o}",
		      "id", (json_int_t)f->id, "title", f->title, "url", f->url,
		      "tags", tags, "enabled", f->enabled, "entries",
		      (json_int_t)f->entries, "last_status", f->last_status,
		      "last_error", f->last_error, "failures", f->failures,
		      "last_fetch", cmd_json_time(f->last_fetch_at),
		      "last_success", cmd_json_time(f->last_success_at),
		      "next_fetch", cmd_json_time(f->next_fetch_at));
	return cmd_json_append(arg, o, e);
}

static int
print_line(const struct store_feed *f, void *arg, struct err *e)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);
	size_t i;

	(void)arg;
	(void)e;
	printf("%4lld  %s\n      %s\n", (long long)f->id,
	       f->title ? cmd_printable(&b, f->title) : "(no title yet)",
	       f->url);
	if (f->tags.n) {
		fputs("      tags:", stdout);
		for (i = 0; i < f->tags.n; i++)
			printf(" %s", cmd_printable(&b, f->tags.items[i]));
		putchar('\n');
	}
	buf_release(&b);
	if (!f->enabled)
		printf("      disabled: %s\n",
		       f->last_error ? f->last_error : "by hand");
	else if (f->failures)
		printf("      failing (%d in a row): %s: %s\n", f->failures,
		       f->last_status ? f->last_status : "error",
		       f->last_error ? f->last_error : "");
	else if (f->last_status)
		printf("      %s, %lld %s\n", f->last_status,
		       (long long)f->entries,
		       str_plural((size_t)f->entries, "entry", "entries"));
	else
		fputs("      not fetched yet\n", stdout);
	return 0;
}

int
cmd_list(int argc, char **argv, struct ctx *ctx)
{
	int json = 0, rc;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &json, "print a JSON array of feeds"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--json]", opts, 10, NULL };
	struct err e = ERR_INIT;
	json_t *array;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (!json) {
		rc = store_feed_each(ctx->store, print_line, NULL, &e);
		goto out;
	}
	array = json_array();
	rc = store_feed_each(ctx->store, add_json, array, &e);
	if (rc == 0)
		rc = cmd_print_json(array);
	json_decref(array);
out:
	if (rc < 0) {
		log_error("list: %s", e.msg);
		return err_exit_status(&e);
	}
	return rc;
}
