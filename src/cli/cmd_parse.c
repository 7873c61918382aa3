/*
 * feedmail parse FILE|URL|- [--json] [--base URL] [--headers FILE]: parses
 * a feed and prints it, storing nothing. With --json, the DESIGN.md schema,
 * each entry put out as soon as the parser completes it, in writes of up
 * to JSON_FLUSH_AT bytes (so memory stays flat whatever the size of the
 * feed): {"entries":[...], then the feed
 * fields after the array.
 *
 * A file or standard input is bounded as a fetch is: at most [fetch]
 * max_size bytes of document, HTTP_MAX_HEADERS of --headers, so that
 * /dev/zero or an endless pipe ends with an error, not never.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli/cmd.h"
#include "fetch/fetch.h"
#include "fetch/http.h"
#include "lib/buf.h"
#include "lib/date.h"
#include "lib/err.h"
#include "lib/url.h"
#include "lib/utf8.h"
#include "parse/parse.h"

#define READ_CHUNK (64u * 1024)
/* JSON output is built in a buffer and written out whenever it would hold
 * more than this: a few big writes, not one per entry or token. */
#define JSON_FLUSH_AT (64u * 1024)

struct headers {
	char *content_type;
	char *content_location;
	char *content_language;
};

struct out {
	int json;
	int opened;      /* {"entries":[ printed */
	size_t n;        /* entries printed */
	int header_done; /* text listing: feed title printed */
	int failed;      /* write error */
	struct buf jbuf; /* JSON not yet written */
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

/* Reads "Name: value" lines, HTTP_MAX_HEADERS bytes at most, as a fetch
 * would take; a status line starts a new response (after a redirect the
 * last one counts). */
static int
headers_read(const char *path, struct headers *h, struct err *e)
{
	struct buf text = BUF_INIT(HTTP_MAX_HEADERS);
	char chunk[4096], *line, *nl, *stop;
	size_t n;
	FILE *f;
	int rc = -1;

	f = fopen(path, "r");
	if (!f)
		return err_set(e, EX_NOINPUT, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&text, chunk, n) == 0)
			continue;
		if (errno == EMSGSIZE)
			err_set(e, EX_DATAERR, "%s: headers larger than %d KiB",
				path, HTTP_MAX_HEADERS / 1024);
		else
			err_set(e, EX_OSERR, "%s: out of memory", path);
		goto out;
	}
	if (ferror(f)) {
		err_set(e, EX_IOERR, "%s: %s", path, strerror(errno));
		goto out;
	}
	stop = text.data + text.len;
	for (line = text.data; line < stop; line = nl + 1) {
		char *colon, *v, *end;

		nl = memchr(line, '\n', (size_t)(stop - line));
		if (!nl)
			nl = stop;
		*nl = '\0';
		line[strcspn(line, "\r")] = '\0';
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
	rc = 0;
	goto out;
oom:
	err_set(e, EX_OSERR, "%s: out of memory", path);
out:
	buf_release(&text);
	fclose(f);
	return rc;
}

/* Bytes a JSON string holds as they are (RFC 8259 section 7): printable
 * ASCII but the quote and the backslash. Bytes >= 0x80 are checked as
 * UTF-8 apart, NUL ends the string. */
static const unsigned char json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x22 " */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x5c \ */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Writes out what the JSON buffer holds. */
static void
json_flush(struct out *o)
{
	struct buf *b = &o->jbuf;

	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
		o->failed = 1;
	buf_reset(b);
}

static void
json_add_slow(struct out *o, const void *s, size_t len)
{
	json_flush(o);
	if (len > JSON_FLUSH_AT) {
		if (fwrite(s, 1, len, stdout) != len)
			o->failed = 1;
		return;
	}
	if (buf_add(&o->jbuf, s, len) < 0)
		o->failed = 1;
}

/* Called for every token and every run of a string: the common case
 * inline. */
static inline void
json_add(struct out *o, const void *s, size_t len)
{
	if (o->jbuf.len + len > JSON_FLUSH_AT)
		json_add_slow(o, s, len);
	else if (buf_add(&o->jbuf, s, len) < 0)
		o->failed = 1;
}

/* A JSON string for s (RFC 8259 section 7: quote, backslash and control
 * characters escaped, the rest as it is, "/" too), null for NULL. Bytes
 * that are not UTF-8 become U+FFFD, so the output stays JSON. */
static void
json_str(struct out *o, const char *str)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;

	if (!str) {
		json_add(o, "null", 4);
		return;
	}
	json_add(o, "\"", 1);
	for (;;) {
		unsigned char c;
		char esc[6];
		size_t nesc = 2;

		while (json_plain[s[i]])
			i++;
		c = s[i];
		if (c >= 0x80) {
			unsigned long cp;
			size_t bad, avail;
			int n;

			/* the common valid forms first (a NUL fails the
			 * continuation test, so nothing past it is read) */
			if (c >= 0xc2 && c <= 0xdf &&
			    (s[i + 1] & 0xc0) == 0x80) {
				i += 2;
				continue;
			}
			if (c >= 0xe1 && c <= 0xef && c != 0xed &&
			    (s[i + 1] & 0xc0) == 0x80 &&
			    (s[i + 2] & 0xc0) == 0x80) {
				i += 3;
				continue;
			}
			avail = strnlen(str + i, 4);
			n = utf8_decode(s + i, avail, &cp, &bad);
			if (n > 0) {
				i += (size_t)n;
				continue;
			}
			json_add(o, s + start, i - start);
			json_add(o, "\xef\xbf\xbd", 3);
			i += n < 0 ? avail : bad;
			start = i;
			continue;
		}
		json_add(o, s + start, i - start);
		if (c == '\0')
			break;
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			nesc = 6;
			break;
		}
		json_add(o, esc, nesc);
		i++;
		start = i;
	}
	json_add(o, "\"", 1);
}

/* A string literal as it is: keys and punctuation. */
#define JSON_LIT(o, lit) json_add((o), (lit), sizeof(lit) - 1)

static void
json_date(struct out *o, int64_t t)
{
	char s[DATE_UTC_SIZE];

	if (t == DATE_NONE) {
		json_add(o, "null", 4);
		return;
	}
	date_format_utc(t, s);
	json_add(o, "\"", 1);
	json_add(o, s, strlen(s));
	json_add(o, "\"", 1);
}

static void
json_int(struct out *o, int64_t v)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "%" PRId64, v);

	if (n > 0 && (size_t)n < sizeof(s))
		json_add(o, s, (size_t)n);
	else
		o->failed = 1;
}

/* The entry as a JSON object, keys in the DESIGN.md order. */
static void
entry_json(struct out *o, const struct entry *en)
{
	size_t i;

	JSON_LIT(o, "{\"id\":");
	json_str(o, en->id);
	JSON_LIT(o, ",\"title\":");
	json_str(o, en->title);
	JSON_LIT(o, ",\"link\":");
	json_str(o, en->link);
	JSON_LIT(o, ",\"published\":");
	json_date(o, en->published);
	JSON_LIT(o, ",\"updated\":");
	json_date(o, en->updated);
	JSON_LIT(o, ",\"author\":");
	json_str(o, en->author);
	JSON_LIT(o, ",\"summary\":");
	json_str(o, en->summary);
	JSON_LIT(o, ",\"content\":");
	json_str(o, en->content);
	JSON_LIT(o, ",\"categories\":[");
	for (i = 0; i < en->ncategories; i++) {
		if (i)
			json_add(o, ",", 1);
		json_str(o, en->categories[i]);
	}
	JSON_LIT(o, "],\"enclosures\":[");
	for (i = 0; i < en->nenclosures; i++) {
		const struct enclosure *x = &en->enclosures[i];

		if (i)
			json_add(o, ",", 1);
		JSON_LIT(o, "{\"url\":");
		json_str(o, x->url);
		JSON_LIT(o, ",\"type\":");
		json_str(o, x->type);
		JSON_LIT(o, ",\"length\":");
		if (x->length < 0)
			json_add(o, "null", 4);
		else
			json_int(o, x->length);
		json_add(o, "}", 1);
	}
	JSON_LIT(o, "]}");
}

/* The human-readable listing shows outside text as cmd_printable() makes
 * it; --json gives it as the feed had it. */
static void
print_feed_title(const struct feed *f)
{
	struct buf b = BUF_INIT(BUF_MAX_FIELD);

	printf("%s\n",
	       f->title ? cmd_printable(&b, f->title) : "(untitled feed)");
	if (f->link)
		printf("%s\n", cmd_printable(&b, f->link));
	printf("\n");
	buf_release(&b);
}

static int
on_entry(const struct feed *f, const struct entry *en, void *arg, struct err *e)
{
	struct out *o = arg;

	(void)e;
	if (o->json) {
		/* opened only now, so that a document that is no feed
		 * prints nothing */
		if (!o->opened) {
			JSON_LIT(o, "{\"entries\":[");
			o->opened = 1;
		} else {
			json_add(o, ",", 1);
		}
		entry_json(o, en);
	} else {
		struct buf b = BUF_INIT(BUF_MAX_FIELD);
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
		       en->title ? cmd_printable(&b, en->title) : "(untitled)");
		if (en->link)
			printf("%20s  %s\n", "", cmd_printable(&b, en->link));
		buf_release(&b);
	}
	o->n++;
	return o->failed; /* stops; the write error is told at the end */
}

/* The feed's members, after the entries: the caller opened the object
 * and closes it. */
static void
print_feed_json(struct out *o, const struct feed *f)
{
	JSON_LIT(o, "\"format\":");
	json_str(o, feed_format_name(f->format));
	JSON_LIT(o, ",\"title\":");
	json_str(o, f->title);
	JSON_LIT(o, ",\"link\":");
	json_str(o, f->link);
	JSON_LIT(o, ",\"subtitle\":");
	json_str(o, f->subtitle);
	JSON_LIT(o, ",\"language\":");
	json_str(o, f->language);
	JSON_LIT(o, ",\"updated\":");
	json_date(o, f->updated);
	JSON_LIT(o, ",\"author\":");
	json_str(o, f->author);
	json_flush(o);
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
	struct out o = { 0, 0, 0, 0, 0, BUF_INIT(BUF_MAX_DOC) };
	const char *base = NULL, *hdrfile = NULL, *src, *name;
	const struct opt opts[] = {
		OPT_FLAG("json", 0, &o.json,
			 "print the feed as one JSON object"),
		OPT_STRING("base", 0, &base, "URL",
			   "the document's URL, for relative links\n"
			   "(also --base-url)"),
		OPT_STRING("base-url", 0, &base, "URL", NULL),
		OPT_STRING("headers", 0, &hdrfile, "FILE",
			   "raw HTTP response headers: their Content-Type\n"
			   "charset, Content-Location and Content-Language\n"
			   "count as if the feed had been fetched"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help parse_help = {
		.synopsis = "FILE|URL|- [--json] [--base URL] [--headers FILE]",
		.opts = opts,
		.width = 17,
		.text = NULL,
	};
	struct headers h = { NULL, NULL, NULL };
	struct parse_callbacks cb = { on_entry, &o };
	struct err e = ERR_INIT;
	struct parser *p = NULL;
	struct feed *f = NULL;
	FILE *in = NULL;
	char *chunk = NULL, *url = NULL;
	long long max_size, total = 0;
	int rc, opened = 0, too_large = 0;

	/* getopt permutes: options may follow the file too */
	rc = opt_parse(argc, argv, argv[0], &parse_help, OPT_ONE_OPERAND);
	if (rc >= 0)
		return rc;
	rc = EX_SOFTWARE;
	if (optind >= argc)
		return opt_usage_error(argv[0], &parse_help,
				       "a file, URL or - is required");
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
		rc = err_exit_status(&e);
		goto out;
	}
	if (!strcmp(src, "-")) {
		in = stdin;
	} else {
		in = fopen(src, "rb");
		if (!in && errno == ENOENT) {
			/* "ftp://x", "www.example.org": what add would say */
			url = url_normalize(src, &e);
			if (!url) {
				fprintf(stderr, "feedmail: parse: %s\n", e.msg);
				/* a file not there stays "no input" */
				rc = strstr(src, "://") ? err_exit_status(&e) :
							  EX_NOINPUT;
				goto out;
			}
			errno = ENOENT;
		}
		if (!in) {
			fprintf(stderr, "feedmail: parse: '%s': %s\n", src,
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
	max_size = ctx->cfg.max_size;
	for (;;) {
		size_t n = fread(chunk, 1, READ_CHUNK, in);

		/* the fetch cap: nothing past it reaches the parser */
		if ((long long)n > max_size - total) {
			too_large = 1;
			err_set(&e, EX_DATAERR,
				"document larger than %lld "
				"bytes ([fetch] max_size)",
				max_size);
			goto fail;
		}
		total += (long long)n;
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
		if (o.opened)
			JSON_LIT(&o, "],");
		else
			JSON_LIT(&o, "{\"entries\":[],");
		print_feed_json(&o, f);
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
		json_flush(&o);
		fputs("]}\n", stdout);
		fflush(stdout);
	}
	if (p && (!ctx || !ctx->quiet))
		print_warnings(p, name);
	if (p && parser_line(p) > 0 && !too_large)
		fprintf(stderr, "feedmail: %s:%ld: %s\n", name, parser_line(p),
			e.msg);
	else
		fprintf(stderr, "feedmail: %s: %s\n", name, e.msg);
	rc = err_exit_status(&e);
out:
	buf_release(&o.jbuf);
	free(chunk);
	free(url);
	feed_free(f);
	parser_free(p);
	if (opened)
		fclose(in);
	headers_release(&h);
	return rc;
}
