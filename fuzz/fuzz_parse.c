#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"

/*
 * libFuzzer target for the feed parser. The input is pushed in pieces
 * whose sizes depend on the input itself (so chunk boundaries land
 * everywhere, as they do on the network), then finished. Besides not
 * crashing, it checks the module's promises: every string handed out is
 * valid UTF-8 without NUL, and no string field is empty (absent is NULL).
 * A broken promise aborts, which the fuzzer reports as a crash.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s)
		return;
	if (!*s)
		abort();
	while (*u) {
		int n = *u < 0x80           ? 1 :
			(*u & 0xe0) == 0xc0 ? 2 :
			(*u & 0xf0) == 0xe0 ? 3 :
			(*u & 0xf8) == 0xf0 ? 4 :
					      0;
		int i;

		if (!n)
			abort();
		for (i = 1; i < n; i++)
			if ((u[i] & 0xc0) != 0x80)
				abort();
		u += n;
	}
}

static int
on_entry(const struct feed *f, const struct entry *en, void *arg, struct err *e)
{
	size_t i;

	(void)arg;
	(void)e;
	check_str(f->title);
	check_str(en->id);
	check_str(en->title);
	check_str(en->link);
	check_str(en->author);
	check_str(en->summary);
	check_str(en->content);
	for (i = 0; i < en->ncategories; i++)
		check_str(en->categories[i]);
	for (i = 0; i < en->nenclosures; i++) {
		if (!en->enclosures[i].url)
			abort();
		check_str(en->enclosures[i].url);
		check_str(en->enclosures[i].type);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_callbacks cb = { on_entry, NULL };
	struct err e = ERR_INIT;
	struct parser *p;
	struct feed *f = NULL;
	size_t off = 0, step = size ? (size_t)data[0] % 61 + 1 : 1;

	p = parser_new("http://fuzz.example/feed.xml", NULL, NULL, &cb, &e);
	if (!p)
		return 0;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (parser_push(p, (const char *)data + off, n, &e) < 0)
			break;
		off += n;
		step = (step * 7 + 3) % 509 + 1;
	}
	if (parser_finish(p, &f, &e) == 0) {
		check_str(f->title);
		check_str(f->link);
		check_str(f->subtitle);
		check_str(f->language);
		check_str(f->author);
		feed_free(f);
	} else if (!e.code) {
		abort();
	}
	parser_free(p);
	return 0;
}
