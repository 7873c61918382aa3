#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/url.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 3986 5.4: every example, resolved against this base. */
#define RFC_BASE "http://a/b/c/d;p?q"

static const struct {
	const char *ref, *want;
} rfc_examples[] = {
	/* 5.4.1 normal examples */
	{ "g:h", "g:h" },
	{ "g", "http://a/b/c/g" },
	{ "./g", "http://a/b/c/g" },
	{ "g/", "http://a/b/c/g/" },
	{ "/g", "http://a/g" },
	{ "//g", "http://g" },
	{ "?y", "http://a/b/c/d;p?y" },
	{ "g?y", "http://a/b/c/g?y" },
	{ "#s", "http://a/b/c/d;p?q#s" },
	{ "g#s", "http://a/b/c/g#s" },
	{ "g?y#s", "http://a/b/c/g?y#s" },
	{ ";x", "http://a/b/c/;x" },
	{ "g;x", "http://a/b/c/g;x" },
	{ "g;x?y#s", "http://a/b/c/g;x?y#s" },
	{ "", "http://a/b/c/d;p?q" },
	{ ".", "http://a/b/c/" },
	{ "./", "http://a/b/c/" },
	{ "..", "http://a/b/" },
	{ "../", "http://a/b/" },
	{ "../g", "http://a/b/g" },
	{ "../..", "http://a/" },
	{ "../../", "http://a/" },
	{ "../../g", "http://a/g" },
	/* 5.4.2 abnormal examples */
	{ "../../../g", "http://a/g" },
	{ "../../../../g", "http://a/g" },
	{ "/./g", "http://a/g" },
	{ "/../g", "http://a/g" },
	{ "g.", "http://a/b/c/g." },
	{ ".g", "http://a/b/c/.g" },
	{ "g..", "http://a/b/c/g.." },
	{ "..g", "http://a/b/c/..g" },
	{ "./../g", "http://a/b/g" },
	{ "./g/.", "http://a/b/c/g/" },
	{ "g/./h", "http://a/b/c/g/h" },
	{ "g/../h", "http://a/b/c/h" },
	{ "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ "g;x=1/../y", "http://a/b/c/y" },
	{ "g?y/./x", "http://a/b/c/g?y/./x" },
	{ "g?y/../x", "http://a/b/c/g?y/../x" },
	{ "g#s/./x", "http://a/b/c/g#s/./x" },
	{ "g#s/../x", "http://a/b/c/g#s/../x" },
	{ "http:g", "http:g" }, /* strict parser */
};

START_TEST(t_resolve_rfc)
{
	char *got = url_resolve(RFC_BASE, rfc_examples[_i].ref);

	ck_assert_msg(got && strcmp(got, rfc_examples[_i].want) == 0,
		      "resolve '%s': got '%s', want '%s'", rfc_examples[_i].ref,
		      got ? got : "(null)", rfc_examples[_i].want);
	free(got);
}
END_TEST

/* Our own edges: NULL and relative bases, empty base paths, fragments and
 * white space. */
static const struct {
	const char *base, *ref, *want;
} resolve_edges[] = {
	{ NULL, "g", "g" },
	{ NULL, "  http://x/  ", "http://x/" },
	{ "relative/base", "g", "g" },
	{ "", "../g", "../g" },
	{ "http://a", "g", "http://a/g" },
	{ "http://a", "", "http://a" },
	{ "http://a", "?q", "http://a?q" },
	{ "http://a/b#frag", "", "http://a/b" },
	{ "http://a/b#frag", "#other", "http://a/b#other" },
	{ "http://a/b/c", " d\n", "http://a/b/d" },
	{ "http://a/b/c", NULL, "http://a/b/c" },
	{ "http://a/b/c", "https://B/./x/../y", "https://B/y" },
	{ "http://a/b/c", "//h:8080/p?q#f", "http://h:8080/p?q#f" },
	{ "http://[::1]:8080/feed/", "item/1",
	  "http://[::1]:8080/feed/item/1" },
	{ "file:///srv/feeds/a.xml", "img/x.png",
	  "file:///srv/feeds/img/x.png" },
	{ "mailto:bob@x", "g", "mailto:g" },
	{ "http://a/b/c/d", "../../../../../x", "http://a/x" },
	{ "http://a/b/c/d", "/..", "http://a/" },
	{ "http://a/b/c/d", "./.", "http://a/b/c/" },
};

START_TEST(t_resolve_edges)
{
	char *got = url_resolve(resolve_edges[_i].base, resolve_edges[_i].ref);

	ck_assert_msg(got && strcmp(got, resolve_edges[_i].want) == 0,
		      "resolve '%s' against '%s': got '%s', want '%s'",
		      resolve_edges[_i].ref ? resolve_edges[_i].ref : "(null)",
		      resolve_edges[_i].base ? resolve_edges[_i].base :
					       "(null)",
		      got ? got : "(null)", resolve_edges[_i].want);
	free(got);
}
END_TEST

/* want NULL: an error whose message contains msg. */
static const struct {
	const char *in, *want, *msg;
} norm_table[] = {
	{ "HTTP://Example.COM", "http://example.com/", NULL },
	{ "  http://example.com/feed  ", "http://example.com/feed", NULL },
	{ "\thttp://example.com/\r\n", "http://example.com/", NULL },
	{ "http://example.com:80/", "http://example.com/", NULL },
	{ "https://example.com:443/x", "https://example.com/x", NULL },
	{ "http://example.com:443/", "http://example.com:443/", NULL },
	{ "https://example.com:80/", "https://example.com:80/", NULL },
	{ "http://example.com:/", "http://example.com/", NULL },
	{ "http://example.com:08080/", "http://example.com:8080/", NULL },
	{ "http://example.com:1/", "http://example.com:1/", NULL },
	{ "http://example.com:65535/", "http://example.com:65535/", NULL },
	{ "http://example.com:0/", NULL, "port 0 is out of range" },
	{ "http://example.com:65536/", NULL, "port 65536 is out of range" },
	{ "http://example.com:99999999999999999999999/", NULL,
	  "is out of range" },
	{ "http://example.com:8a/", NULL, "invalid port '8a'" },
	{ "http://example.com:-1/", NULL, "invalid port '-1'" },
	{ "http://example.com/a/./b/../c", "http://example.com/a/c", NULL },
	{ "http://example.com/../../x", "http://example.com/x", NULL },
	{ "http://example.com/a/%2E%2E/b", "http://example.com/b", NULL },
	{ "http://example.com/%7euser/%2fx%3a",
	  "http://example.com/~user/%2Fx%3A", NULL },
	{ "http://example.com/%41%62%2d", "http://example.com/Ab-", NULL },
	{ "http://example.com/a%2", "http://example.com/a%252", NULL },
	{ "http://example.com/100%", "http://example.com/100%25", NULL },
	{ "http://example.com/%zz", "http://example.com/%25zz", NULL },
	{ "http://example.com/a b", "http://example.com/a%20b", NULL },
	{ "http://example.com/a\x01"
	  "b",
	  "http://example.com/a%01b", NULL },
	{ "http://example.com/<{|}>", "http://example.com/%3C%7B%7C%7D%3E",
	  NULL },
	{ "http://example.com/caf\xc3\xa9", "http://example.com/caf%C3%A9",
	  NULL },
	{ "http://example.com/p?a=1&b=%7e#frag", "http://example.com/p?a=1&b=~",
	  NULL },
	{ "http://example.com/?q=a/b?c", "http://example.com/?q=a/b?c", NULL },
	{ "http://example.com#frag", "http://example.com/", NULL },
	{ "http://example.com?q", "http://example.com/?q", NULL },
	{ "http://example.com/?", "http://example.com/?", NULL },
	{ "http://example.com/#", "http://example.com/", NULL },
	{ "http://user:pass@Example.com:8080/x",
	  "http://user:pass@example.com:8080/x", NULL },
	{ "http://us%65r:p%40ss@x/", "http://user:p%40ss@x/", NULL },
	{ "http://a@b@x/", "http://a%40b@x/", NULL },
	{ "http://@x/", "http://@x/", NULL },
	{ "http://[::1]:8080/feed", "http://[::1]:8080/feed", NULL },
	{ "http://[::1]", "http://[::1]/", NULL },
	{ "https://[::1]:443/", "https://[::1]/", NULL },
	{ "http://[2001:DB8:0:0:0:0:0:1]/", "http://[2001:db8::1]/", NULL },
	{ "http://[::ffff:192.0.2.1]/", "http://[::ffff:192.0.2.1]/", NULL },
	{ "http://192.0.2.1:8080", "http://192.0.2.1:8080/", NULL },
	{ "http://[::1/", NULL, "unterminated IPv6 literal" },
	{ "http://[::zz]/", NULL, "invalid IPv6 address '[::zz]'" },
	{ "http://[fe80::1%25eth0]/", NULL, "invalid IPv6 address" },
	{ "http://[v1.x]/", NULL, "invalid IPv6 address" },
	{ "http://[]/", NULL, "invalid IPv6 address" },
	{ "http://[::1]x/", NULL, "unexpected text after IPv6 literal" },
	{ "http://B\xc3\xbc"
	  "CHER.Example/",
	  "http://b\xc3\xbc"
	  "cher.example/",
	  NULL },
	{ "http://\xe4\xbe\x8b\xe3\x81\x88.JP/",
	  "http://\xe4\xbe\x8b\xe3\x81\x88.jp/", NULL },
	{ "http://\xc3\x28"
	  "bad/",
	  NULL, "invalid UTF-8 in host" },
	{ "http://\xc0\xaf/", NULL, "invalid UTF-8 in host" },
	{ "http://exa mple.com/", NULL, "invalid character ' ' in host" },
	{ "http://x\ny/", NULL, "invalid character '\\x0A' in host" },
	{ "http://a\\b/", NULL, "invalid character '\\' in host" },
	{ "http://%41.com/", "http://a.com/", NULL },
	{ "http://a%2fb/", "http://a%2Fb/", NULL },
	{ "http://a%zz/", NULL, "invalid percent-escape in host" },
	{ "http://a%4/", NULL, "invalid percent-escape in host" },
	{ "feed://example.com/rss", "http://example.com/rss", NULL },
	{ "FEED://example.com:80/rss", "http://example.com/rss", NULL },
	{ "feed:https://example.com/rss", "https://example.com/rss", NULL },
	{ "feed:HTTP://Example.com", "http://example.com/", NULL },
	{ "feed:ftp://x/", NULL, "feed: must be followed by // or an http(s)" },
	{ "feed:", NULL, "feed: must be followed by // or an http(s)" },
	{ "feed:x", NULL, "feed: must be followed by // or an http(s)" },
	{ "ftp://x/", NULL,
	  "'ftp://x/': scheme 'ftp' is not supported; use http, https or a "
	  "local file" },
	{ "mailto:bob@example.com", NULL, "scheme 'mailto' is not supported" },
	{ "javascript:alert(1)", NULL, "scheme 'javascript' is not supported" },
	{ "", NULL, "'': empty URL" },
	{ "   ", NULL, "'': empty URL" },
	{ "\t\r\n", NULL, "'': empty URL" },
	{ "http://", NULL, "'http://': missing host" },
	{ "http:///path", NULL, "missing host" },
	{ "http:/path", NULL, "missing host (expected http://HOST/...)" },
	{ "https:", NULL, "missing host (expected https://HOST/...)" },
	{ "http://:80/", NULL, "missing host" },
	{ "http://user:pass@/", NULL, "missing host" },
	{ "http://?q", NULL, "missing host" },
	{ "file:///tmp/x.xml", "file:///tmp/x.xml", NULL },
	{ "FILE://LOCALHOST/tmp/x", "file:///tmp/x", NULL },
	{ "file:/tmp/x", "file:///tmp/x", NULL },
	{ "file:///a/../b c#f", "file:///b%20c", NULL },
	{ "file://host/x", NULL,
	  "file URL host 'host' is not supported; use file:///PATH" },
	{ "file:x", NULL, "file URL path is not absolute" },
	{ "file://", NULL, "file URL path is not absolute" },
	{ "no-such-dir-here/feed.xml", NULL,
	  "'no-such-dir-here/feed.xml': not a URL and not a local file: " },
	{ "example.com/feed", NULL, "not a URL and not a local file" },
};

START_TEST(t_normalize)
{
	struct err e = ERR_INIT;
	char *got = url_normalize(norm_table[_i].in, &e), *again;

	if (!norm_table[_i].want) {
		ck_assert_msg(got == NULL, "'%s': got '%s', want an error",
			      norm_table[_i].in, got);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_msg(strstr(e.msg, norm_table[_i].msg) != NULL,
			      "'%s': message '%s' lacks '%s'",
			      norm_table[_i].in, e.msg, norm_table[_i].msg);
		ck_assert_msg(strchr(e.msg, '\n') == NULL &&
				      strchr(e.msg, '\r') == NULL,
			      "line break in message '%s'", e.msg);
		return;
	}
	ck_assert_msg(got && strcmp(got, norm_table[_i].want) == 0,
		      "'%s': got '%s' (%s), want '%s'", norm_table[_i].in,
		      got ? got : "(null)", e.msg, norm_table[_i].want);
	/* stable: a normalized URL normalizes to itself */
	again = url_normalize(got, &e);
	ck_assert_msg(again && strcmp(again, got) == 0,
		      "'%s' is not stable: '%s'", got, again ? again : e.msg);
	free(again);
	free(got);
}
END_TEST

START_TEST(t_normalize_null)
{
	struct err e = ERR_INIT;

	ck_assert_ptr_null(url_normalize(NULL, &e));
	ck_assert_int_eq(e.code, EX_DATAERR);
	/* e may be NULL */
	ck_assert_ptr_null(url_normalize("ftp://x/", NULL));
}
END_TEST

/* The cap: URL_MAX bytes pass, one more does not; percent-encoding may
 * triple the size on the way out. */
START_TEST(t_normalize_long)
{
	static const char prefix[] = "http://x/";
	size_t plen = sizeof(prefix) - 1;
	struct err e = ERR_INIT;
	char *in, *got;
	size_t i;

	in = malloc(URL_MAX + 2);
	ck_assert_ptr_nonnull(in);
	memcpy(in, prefix, plen);
	for (i = plen; i < URL_MAX; i++)
		in[i] = 'a';
	in[URL_MAX] = '\0';
	got = url_normalize(in, &e);
	ck_assert_msg(got != NULL, "%s", e.msg);
	ck_assert_str_eq(got, in);
	free(got);

	for (i = plen; i < URL_MAX; i++)
		in[i] = '%';
	got = url_normalize(in, &e);
	ck_assert_msg(got != NULL, "%s", e.msg);
	ck_assert_uint_eq(strlen(got), plen + 3 * (URL_MAX - plen));
	free(got);

	in[URL_MAX] = 'a';
	in[URL_MAX + 1] = '\0';
	got = url_normalize(in, &e);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, "URL longer than 65536 bytes") != NULL,
		      "%s", e.msg);
	/* the quoted URL in the message is cut */
	ck_assert_msg(strstr(e.msg, "...'") != NULL && strlen(e.msg) < 400,
		      "%s", e.msg);
	ck_assert_ptr_null(url_dedup_key(in));
	free(in);
}
END_TEST

/* Local paths, absolute and relative, become file:// + realpath. */
START_TEST(t_normalize_local)
{
	char dir[] = "/tmp/test_url.XXXXXX", path[PATH_MAX + 32];
	char real[PATH_MAX];
	char want[PATH_MAX * 3], *got, *back;
	struct err e = ERR_INIT;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a b%%#\xc3\xa9.xml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_nonnull(realpath(dir, real));
	snprintf(want, sizeof(want), "file://%s/a%%20b%%25%%23%%C3%%A9.xml",
		 real);

	got = url_normalize(path, &e);
	ck_assert_msg(got != NULL, "%s", e.msg);
	ck_assert_str_eq(got, want);
	back = url_file_path(got);
	snprintf(path, sizeof(path), "%s/a b%%#\xc3\xa9.xml", real);
	ck_assert_str_eq(back, path);
	free(back);
	free(got);

	ck_assert_int_eq(chdir(dir), 0);
	got = url_normalize("  ./sub/../a b%#\xc3\xa9.xml\n", &e);
	ck_assert_ptr_null(got); /* ./sub does not exist */
	got = url_normalize("  ./a b%#\xc3\xa9.xml\n", &e);
	ck_assert_msg(got != NULL, "%s", e.msg);
	ck_assert_str_eq(got, want);
	/* stable */
	back = url_normalize(got, &e);
	ck_assert_str_eq(back, want);
	free(back);
	free(got);
	got = url_normalize(".", &e);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(e.msg, "'.': is a directory");
	/* a file: URL is not checked against the disk */
	got = url_normalize("file:///no/such/file", &e);
	ck_assert_str_eq(got, "file:///no/such/file");
	free(got);

	snprintf(path, sizeof(path), "%s/a b%%#\xc3\xa9.xml", real);
	unlink(path);
	rmdir(real);
}
END_TEST

/* want NULL: not a URL for a key. */
static const struct {
	const char *in, *want;
} dedup_table[] = {
	{ "https://www.Example.com/a/b/?utm_source=x&id=3&fbclid=abc#top",
	  "http://example.com/a/b?id=3" },
	{ "http://example.com/", "http://example.com" },
	{ "http://example.com", "http://example.com" },
	{ "  http://example.com//  ", "http://example.com" },
	{ "http://www.example.com/a//", "http://example.com/a" },
	{ "http://example.com/a?UTM_Medium=1", "http://example.com/a" },
	{ "http://example.com/a?utm_=1", "http://example.com/a" },
	{ "http://example.com/a?utm%5Fsource=1", "http://example.com/a" },
	{ "http://example.com/a?xtor=RSS-1&gclid=1&mc_cid=2&mc_eid=3",
	  "http://example.com/a" },
	{ "http://example.com/a?b=1&&c=2&", "http://example.com/a?b=1&c=2" },
	{ "http://example.com/a?z=1&utm_x=2&a=3",
	  "http://example.com/a?z=1&a=3" },
	{ "http://example.com/a?utm=1", "http://example.com/a?utm=1" },
	{ "http://example.com/a?fbclidx=1&xtor",
	  "http://example.com/a?fbclidx=1" },
	{ "http://example.com/a?", "http://example.com/a" },
	{ "http://example.com/a?&", "http://example.com/a" },
	{ "http://www.com/", "http://www.com" },
	{ "http://WWW.example.com/", "http://example.com" },
	{ "http://www2.example.com/", "http://www2.example.com" },
	{ "feed://www.example.com/x", "http://example.com/x" },
	{ "https://example.com:443/", "http://example.com" },
	{ "https://example.com:8443/", "http://example.com:8443" },
	{ "HTTP://EXAMPLE.com/A", "http://example.com/A" },
	{ "http://example.com/%7Ea/./b/../c/", "http://example.com/~a/c" },
	{ "http://u:p@www.example.com/x", "http://u:p@example.com/x" },
	{ "http://[::1]:8080/x/", "http://[::1]:8080/x" },
	{ "ftp://x/", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ "/etc/passwd", NULL },
	{ "relative/path", NULL },
	{ "file:///etc/passwd", NULL },
	{ "http://", NULL },
	{ "http://x:0/", NULL },
	{ "mailto:a@b", NULL },
};

START_TEST(t_dedup)
{
	char *got = url_dedup_key(dedup_table[_i].in);

	if (!dedup_table[_i].want)
		ck_assert_msg(got == NULL, "'%s': got '%s', want NULL",
			      dedup_table[_i].in, got);
	else
		ck_assert_msg(got && strcmp(got, dedup_table[_i].want) == 0,
			      "'%s': got '%s', want '%s'", dedup_table[_i].in,
			      got ? got : "(null)", dedup_table[_i].want);
	free(got);
}
END_TEST

/* Links that are one story, and links that are not. */
START_TEST(t_dedup_pairs)
{
	static const struct {
		const char *a, *b;
		int same;
	} pairs[] = {
		{ "http://www.example.com/story/?utm_campaign=rss",
		  "https://example.com/story", 1 },
		{ "http://example.com/story#comments",
		  "http://EXAMPLE.com:80/story/", 1 },
		{ "http://example.com/story?id=1",
		  "http://example.com/story?id=2", 0 },
		{ "http://example.com/a?x=1&y=2",
		  "http://example.com/a?y=2&x=1", 0 },
		{ "http://example.com/Story", "http://example.com/story", 0 },
		{ "http://blog.example.com/s", "http://example.com/s", 0 },
	};
	size_t i;

	for (i = 0; i < N(pairs); i++) {
		char *a = url_dedup_key(pairs[i].a);
		char *b = url_dedup_key(pairs[i].b);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_msg((strcmp(a, b) == 0) == pairs[i].same,
			      "'%s' vs '%s': keys '%s' '%s'", pairs[i].a,
			      pairs[i].b, a, b);
		free(a);
		free(b);
	}
}
END_TEST

static const struct {
	const char *in;
	int want;
} is_http_table[] = {
	{ "http://x", 1 },
	{ "https://x/y?z#f", 1 },
	{ "HTTP://X", 1 },
	{ "http://[::1]:8080/", 1 },
	{ "http://u:p@x:65535/", 1 },
	{ "http://", 0 },
	{ "http:///x", 0 },
	{ "http:x", 0 },
	{ "http://x:0/", 0 },
	{ "http://x:65536/", 0 },
	{ "http://x y/", 0 },
	{ "http://[::zz]/", 0 },
	{ "ftp://x", 0 },
	{ "file:///x", 0 },
	{ "feed://x", 0 },
	{ "//x/", 0 },
	{ "", 0 },
	{ " http://x", 0 },
	{ NULL, 0 },
};

START_TEST(t_is_http)
{
	ck_assert_msg(url_is_http(is_http_table[_i].in) ==
			      is_http_table[_i].want,
		      "url_is_http('%s') != %d",
		      is_http_table[_i].in ? is_http_table[_i].in : "(null)",
		      is_http_table[_i].want);
}
END_TEST

/* Links as a digest shows them: {link, shown or NULL for dropped}. */
static const struct {
	const char *in, *want;
} printable_table[] = {
	{ "https://example.org/a?b=c#d", "https://example.org/a?b=c#d" },
	{ "http://example.org", "http://example.org" },
	/* an IRI stays readable */
	{ "https://example.org/caf\xc3\xa9",
	  "https://example.org/caf\xc3\xa9" },
	/* already encoded: as it is */
	{ "https://x.org/a%0D%0Ab", "https://x.org/a%0D%0Ab" },
	/* raw CR LF, tab, space, DEL, C1, bidi: percent-encoded */
	{ "https://x.org/a\r\nBcc: y", "https://x.org/a%0D%0ABcc:%20y" },
	{ "https://x.org/a\tb c", "https://x.org/a%09b%20c" },
	{ "https://x.org/\x1b[31mred", "https://x.org/%1B[31mred" },
	{ "https://x.org/a\x7f\xc2\x85\xc2\x9b",
	  "https://x.org/a%7F%C2%85%C2%9B" },
	{ "https://x.org/gpj\xe2\x80\xae.exe",
	  "https://x.org/gpj%E2%80%AE.exe" },
	{ "https://x.org/a\xe2\x81\xa6"
	  "b",
	  "https://x.org/a%E2%81%A6b" },
	/* invalid UTF-8: its octets encoded */
	{ "https://x.org/a\xff", "https://x.org/a%FF" },
	/* a host with a space: encoded too, url_is_http takes escapes */
	{ "https://ex ample.org/", "https://ex%20ample.org/" },
	/* white space around: trimmed */
	{ " \r\n\thttps://x.org/a \n", "https://x.org/a" },
	/* not an absolute http(s) URL, then or once encoded: dropped */
	{ "javascript:alert(1)", NULL },
	{ "/relative/path", NULL },
	{ "ftp://x.org/", NULL },
	{ "ht\ttp://x.org/", NULL },
	{ "https://x.org:99999/", NULL },
	{ "https://", NULL },
	{ "", NULL },
	{ " \r\n", NULL },
	{ NULL, NULL },
};

START_TEST(t_printable)
{
	char *got = url_printable(printable_table[_i].in);

	if (!printable_table[_i].want)
		ck_assert_msg(got == NULL, "'%s': got '%s'",
			      printable_table[_i].in, got);
	else
		ck_assert_msg(got && !strcmp(got, printable_table[_i].want),
			      "'%s': got '%s', want '%s'",
			      printable_table[_i].in, got ? got : "(null)",
			      printable_table[_i].want);
	free(got);
}
END_TEST

static const struct {
	const char *in, *want;
} file_path_table[] = {
	{ "file:///tmp/a%20b", "/tmp/a b" },
	{ "file://localhost/x", "/x" },
	{ "file:/x", "/x" },
	{ "file:///a%2Fb%zz%", "/a/b%zz%" },
	{ "file:///x?q#f", "/x" },
	{ "file://host/x", NULL },
	{ "file:x", NULL },
	{ "file://", NULL },
	{ "file:///a%00b", NULL },
	{ "http://x/", NULL },
	{ "/tmp/x", NULL },
	{ NULL, NULL },
};

START_TEST(t_file_path)
{
	char *got = url_file_path(file_path_table[_i].in);

	if (!file_path_table[_i].want)
		ck_assert_msg(got == NULL, "'%s': got '%s'",
			      file_path_table[_i].in, got);
	else
		ck_assert_msg(got && strcmp(got, file_path_table[_i].want) == 0,
			      "'%s': got '%s', want '%s'",
			      file_path_table[_i].in, got ? got : "(null)",
			      file_path_table[_i].want);
	free(got);
}
END_TEST

static const struct {
	const char *url;
	int https, host; /* url_is_https(url), url_is_host(url) */
} https_table[] = {
	{ "https://example.org/u?x=1", 1, 0 },
	{ "HTTPS://example.org/", 1, 0 },
	{ "https://example.org", 1, 0 },
	{ "http://example.org/", 0, 0 },
	{ "https://", 0, 0 },
	{ "https:///x", 0, 0 },
	{ "https://example.org/a b", 0, 0 },
	{ "https://example.org/a\"b", 0, 0 },
	{ "https://example.org/<a>", 0, 0 },
	{ "https://example.org/\xc3\xa9", 0, 0 },
	{ "https://example.org/\r\nX: y", 0, 0 },
	{ "", 0, 0 },
	{ "smtp.example.org", 0, 1 },
	{ "localhost", 0, 1 },
	{ "mail_relay", 0, 1 },
	{ "127.0.0.1", 0, 1 },
	{ "::1", 0, 1 },
	{ "[::1]", 0, 1 },
	{ "[::1", 0, 0 },
	{ "a:b", 0, 0 },
	{ "a b", 0, 0 },
	{ "a/b", 0, 0 },
};

/* A URL's password never shows in a message or a dump. */
START_TEST(t_mask_password)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "postgresql://u:secret@h/db", "postgresql://u:***@h/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgres:///db?password=secret&host=/run",
		  "postgres:///db?password=***&host=/run" },
		{ "postgres:///db?sslpassword=x",
		  "postgres:///db?sslpassword=x" },
		{ "postgresql://u:a%40b@h:5/db?password=p",
		  "postgresql://u:***@h:5/db?password=***" },
		{ "/srv/feedmail.db", "/srv/feedmail.db" },
		/* what libpq reads as the password, up to the last '@' */
		{ "postgresql://u:se?cr#et@h/db", "postgresql://u:***@h/db" },
		{ "postgresql://u:a@b?c@h", "postgresql://u:***@h" },
	};
	size_t i;
	char *m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = url_mask_password(cases[i].in);
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(m, cases[i].out);
		free(m);
	}
}
END_TEST

START_TEST(t_is_https_host)
{
	ck_assert_int_eq(url_is_https(https_table[_i].url),
			 https_table[_i].https);
	ck_assert_int_eq(url_is_host(https_table[_i].url),
			 https_table[_i].host);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_resolve_rfc, 0, (int)N(rfc_examples));
	tcase_add_loop_test(tc, t_resolve_edges, 0, (int)N(resolve_edges));
	tcase_add_loop_test(tc, t_normalize, 0, (int)N(norm_table));
	tcase_add_test(tc, t_normalize_null);
	tcase_add_test(tc, t_normalize_long);
	tcase_add_test(tc, t_normalize_local);
	tcase_add_loop_test(tc, t_dedup, 0, (int)N(dedup_table));
	tcase_add_test(tc, t_dedup_pairs);
	tcase_add_test(tc, t_mask_password);
	tcase_add_loop_test(tc, t_is_http, 0, (int)N(is_http_table));
	tcase_add_loop_test(tc, t_printable, 0, (int)N(printable_table));
	tcase_add_loop_test(tc, t_file_path, 0, (int)N(file_path_table));
	tcase_add_loop_test(tc, t_is_https_host, 0, (int)N(https_table));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
