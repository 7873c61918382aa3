/*
 * feedmail parse FILE|URL|- [--json] [--base URL] [--headers FILE]: parses
 * a feed and prints it, storing nothing. With --json, the DESIGN.md schema,
 * each entry written as soon as the parser completes it (so memory stays
 * flat whatever the size of the feed): {"entries":[...], then the feed
 * fields after the array.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "buf.h"
#include "cmd.h"
#include "date.h"
#include "err.h"
#include "fetch.h"
#include "parse.h"

#define READ_CHUNK (64u * 1024)

static const struct cmd_help parse_help = {
	"FILE|URL|- [--json] [--base URL] [--headers FILE]",
	"  --json             print the feed as one JSON object\n"
	"  --base URL         the document's URL, for relative links\n"
	"                     (also --base-url)\n"
	"  --headers FILE     raw HTTP response headers: their Content-Type\n"
	"                     charset, Content-Location and Content-Language\n"
	"                     count as if the feed had been fetched\n"
	"  -h, --help         show this help\n",
};

struct headers {
	char *content_type;
	char *content_location;
	char *content_language;
};

struct out {
	int json;
	int opened;               /* {"entries":[ printed */
	size_t n;                 /* entries printed */
	int header_done;          /* text listing: feed title printed */
	int failed;               /* write error */
};

static void
headers_release(struct headers *h)
{
	free(h->content_type);
	free(h->content_location);
	free(h->content_language);
	memset(h, 0, sizeof(*h));
}

static int
set_header(char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	return *slot ? 0 : -1;
}

/* Reads "Name: value" lines; a status line starts a new response (after
 * a redirect the last one counts). */
static int
headers_read(const char *path, struct headers *h, struct err *e)
{
	FILE *f;
	char line[BUF_MAX_LINE];
	int rc = -1;

	f = fopen(path, "r");
	if (!f)
		return err_set(e, EX_NOINPUT, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *colon, *v, *end;

		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "HTTP/", 5)) {
			headers_release(h);
			continue;
		}
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!strcasecmp(line, "Content-Type") &&
		    set_header(&h->content_type, v) < 0)
			goto oom;
		if (!strcasecmp(line, "Content-Location") &&
		    set_header(&h->content_location, v) < 0)
			goto oom;
		if (!strcasecmp(line, "Content-Language") &&
		    set_header(&h->content_language, v) < 0)
			goto oom;
	}
	if (ferror(f)) {
		err_set(e, EX_IOERR, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_set(e, EX_OSERR, "%s: out of memory", path);
out:
	fclose(f);
	return rc;
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
jdate(int64_t t)
{
	char s[DATE_UTC_SIZE];

	if (t == DATE_NONE)
		return json_null();
	date_format_utc(t, s);
	return json_string(s);
}

static json_t *
entry_json(const struct entry *en)
{
	json_t *o = json_object(), *cats = json_array(), *encs = json_array();
	size_t i;

	json_object_set_new(o, "id", jstr(en->id));
	json_object_set_new(o, "title", jstr(en->title));
	json_object_set_new(o, "link", jstr(en->link));
	json_object_set_new(o, "published", jdate(en->published));
	json_object_set_new(o, "updated", jdate(en->updated));
	json_object_set_new(o, "author", jstr(en->author));
	json_object_set_new(o, "summary", jstr(en->summary));
	json_object_set_new(o, "content", jstr(en->content));
	for (i = 0; i < en->ncategories; i++)
		json_array_append_new(cats, json_string(en->categories[i]));
	json_object_set_new(o, "categories", cats);
	for (i = 0; i < en->nenclosures; i++) {
		const struct enclosure *x = &en->enclosures[i];
		json_t *j = json_object();

		json_object_set_new(j, "url", jstr(x->url));
		json_object_set_new(j, "type", jstr(x->type));
		json_object_set_new(j, "length", x->length < 0 ? json_null() :
			json_integer(x->length));
		json_array_append_new(encs, j);
	}
	json_object_set_new(o, "enclosures", encs);
	return o;
}

/* Prints the JSON value without its outer braces (the caller opened the
 * object). */
static int
print_members(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t len;
	int rc = -1;

	if (!s)
		return -1;
	len = strlen(s);
	if (len > 2 && fwrite(s + 1, 1, len - 2, stdout) == len - 2)
		rc = 0;
	else if (len == 2)
		rc = 0;
	free(s);
	return rc;
}

static void
print_feed_title(const struct feed *f)
{
	printf("%s\n", f->title ? f->title : "(untitled feed)");
	if (f->link)
		printf("%s\n", f->link);
	printf("\n");
}

static int
on_entry(const struct feed *f, const struct entry *en, void *arg)
{
	struct out *o = arg;

	if (o->json) {
		json_t *j = entry_json(en);
		char *s = j ? json_dumps(j, JSON_COMPACT |
			JSON_PRESERVE_ORDER) : NULL;

		/* opened only now, so that a document that is no feed
		 * prints nothing */
		if (!o->opened) {
			fputs("{\"entries\":[", stdout);
			o->opened = 1;
		}
		if (!s || printf("%s%s", o->n ? "," : "", s) < 0)
			o->failed = 1;
		free(s);
		json_decref(j);
	} else {
		char d[DATE_UTC_SIZE] = "";
		int64_t t = en->published != DATE_NONE ? en->published :
			en->updated;

		if (!o->header_done) {
			print_feed_title(f);
			o->header_done = 1;
		}
		if (t != DATE_NONE)
			date_format_utc(t, d);
		printf("%-20s  %s\n", t != DATE_NONE ? d : "-",
			en->title ? en->title : "(untitled)");
		if (en->link)
			printf("%20s  %s\n", "", en->link);
	}
	o->n++;
	return o->failed;
}

static int
print_feed_json(const struct feed *f)
{
	json_t *o = json_object();
	int rc;

	json_object_set_new(o, "format",
		json_string(feed_format_name(f->format)));
	json_object_set_new(o, "title", jstr(f->title));
	json_object_set_new(o, "link", jstr(f->link));
	json_object_set_new(o, "subtitle", jstr(f->subtitle));
	json_object_set_new(o, "language", jstr(f->language));
	json_object_set_new(o, "updated", jdate(f->updated));
	json_object_set_new(o, "author", jstr(f->author));
	rc = print_members(o);
	json_decref(o);
	return rc;
}

static void
print_warnings(const struct parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < parser_warning_count(p); i++) {
		long line;
		const char *msg = parser_warning(p, i, &line, NULL);

		if (line > 0)
			fprintf(stderr, "feedmail: %s:%ld: warning: %s\n", name,
				line, msg);
		else
			fprintf(stderr, "feedmail: %s: warning: %s\n", name,
				msg);
	}
}

int
cmd_parse(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "base", required_argument, NULL, 'b' },
		{ "base-url", required_argument, NULL, 'b' },
		{ "headers", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct headers h = { NULL, NULL, NULL };
	struct out o = { 0, 0, 0, 0, 0 };
	struct parse_callbacks cb = { on_entry, &o };
	struct err e = ERR_INIT;
	struct parser *p = NULL;
	struct feed *f = NULL;
	const char *base = NULL, *hdrfile = NULL, *src, *name;
	FILE *in = NULL;
	char *chunk = NULL;
	int opt, rc = EX_SOFTWARE, opened = 0;

	/* GNU getopt permutes: options may follow the file too */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': o.json = 1; break;
		case 'b': base = optarg; break;
		case 'H': hdrfile = optarg; break;
		case 'h':
			cmd_print_help(stdout, argv[0], &parse_help);
			return 0;
		default:
			return cmd_bad_option(argv[0], &parse_help, opts,
				argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(argv[0], &parse_help,
			"a file, URL or - is required");
	if (optind + 1 < argc)
		return cmd_usage_error(argv[0], &parse_help,
			"unexpected argument '%s'", argv[optind + 1]);
	src = argv[optind];
	name = strcmp(src, "-") ? src : "<stdin>";
	if (!strncasecmp(src, "http://", 7) ||
	    !strncasecmp(src, "https://", 8)) {
		/* the body streams into the parser as it arrives */
		if (fetch_document(&ctx->cfg, src, 0, &cb, &p, &e) < 0)
			goto fail;
		goto parsed;
	}
	if (hdrfile && headers_read(hdrfile, &h, &e) < 0) {
		fprintf(stderr, "feedmail: %s\n", e.msg);
		rc = e.code;
		goto out;
	}
	if (!strcmp(src, "-")) {
		in = stdin;
	} else {
		in = fopen(src, "rb");
		if (!in) {
			fprintf(stderr, "feedmail: %s: %s\n", src,
				strerror(errno));
			rc = errno == ENOENT || errno == EACCES ? EX_NOINPUT :
				EX_IOERR;
			goto out;
		}
		opened = 1;
	}
	p = parser_new(base, h.content_type, h.content_location, &cb, &e);
	if (!p || parser_set_content_language(p, h.content_language, &e) < 0)
		goto fail;
	chunk = malloc(READ_CHUNK);
	if (!chunk) {
		err_set(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	for (;;) {
		size_t n = fread(chunk, 1, READ_CHUNK, in);

		if (n && parser_push(p, chunk, n, &e) < 0)
			goto fail;
		if (n < READ_CHUNK) {
			if (ferror(in)) {
				err_set(&e, EX_IOERR, "read error: %s",
					strerror(errno));
				goto fail;
			}
			break;
		}
	}
parsed:
	if (parser_finish(p, &f, &e) < 0)
		goto fail;
	if (!ctx || !ctx->quiet)
		print_warnings(p, name);
	if (o.json) {
		fputs(o.opened ? "]," : "{\"entries\":[],", stdout);
		if (print_feed_json(f) < 0)
			o.failed = 1;
		fputs("}\n", stdout);
	} else if (!o.header_done) {
		print_feed_title(f);
	}
	if (fflush(stdout) == EOF || o.failed) {
		fprintf(stderr, "feedmail: stdout: write error\n");
		rc = EX_IOERR;
		goto out;
	}
	rc = 0;
	goto out;
fail:
	if (o.opened) {
		/* entries already out: close the JSON so it stays valid */
		fputs("]}\n", stdout);
		fflush(stdout);
	}
	if (p && (!ctx || !ctx->quiet))
		print_warnings(p, name);
	if (p && parser_line(p) > 0)
		fprintf(stderr, "feedmail: %s:%ld: %s\n", name, parser_line(p),
			e.msg);
	else
		fprintf(stderr, "feedmail: %s: %s\n", name, e.msg);
	rc = e.code ? e.code : EX_SOFTWARE;
out:
	free(chunk);
	feed_free(f);
	parser_free(p);
	if (opened)
		fclose(in);
	headers_release(&h);
	return rc;
}
