/* The pure parts of web/: a page's language, HTML escaping, who the client
 * is behind proxies, and the form guard. The server itself is tested
 * through the real program (tests/integ/t0500-serve.sh). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "testutil.h"
#include "web/guard.h"
#include "web/page.h"
#include "web/proxy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *sub, *accept;
	enum page_lang fallback, want;
} langs[] = {
	{ NULL, NULL, PAGE_EN, PAGE_EN },
	{ NULL, NULL, PAGE_FR, PAGE_FR },
	{ "fr", "en", PAGE_EN, PAGE_FR }, /* the subscriber's first */
	{ "en", "fr", PAGE_FR, PAGE_EN },
	{ "de", "fr", PAGE_EN, PAGE_FR }, /* theirs unknown: the header */
	{ NULL, "fr-FR,fr;q=0.9,en;q=0.8", PAGE_EN, PAGE_FR },
	{ NULL, "en-GB,en;q=0.9,fr;q=0.5", PAGE_FR, PAGE_EN },
	{ NULL, "de, fr;q=0.2, en;q=0.3", PAGE_FR, PAGE_EN },
	{ NULL, "de, fr;q=0.3, en;q=0.3", PAGE_EN, PAGE_FR }, /* a tie: first */
	{ NULL, "fr;q=0, en;q=0", PAGE_FR, PAGE_FR },         /* refused */
	{ NULL, "de-DE, it", PAGE_FR, PAGE_FR },
	{ NULL, "FR-ca", PAGE_EN, PAGE_FR },
	{ NULL, "fra", PAGE_EN, PAGE_EN }, /* not "fr" */
	{ NULL, "en;q=1.0, fr;q=0.999", PAGE_FR, PAGE_EN },
	{ NULL, "en;q=bogus, fr", PAGE_EN, PAGE_FR },
	{ NULL, ",,, ;q=1, fr", PAGE_EN, PAGE_FR },
	{ NULL, "", PAGE_FR, PAGE_FR },
};

START_TEST(t_lang)
{
	ck_assert_int_eq(page_lang_pick(langs[_i].sub, langs[_i].accept,
					langs[_i].fallback),
			 langs[_i].want);
}
END_TEST

START_TEST(t_escape)
{
	struct buf b = BUF_INIT(64);

	ck_assert_int_eq(page_escape(&b, "<a href=\"x\">O'Brien & co</a>"), 0);
	ck_assert_str_eq(b.data, "&lt;a href=&quot;x&quot;&gt;O&#39;Brien "
				 "&amp; co&lt;/a&gt;");
	buf_reset(&b);
	ck_assert_int_eq(page_escape(&b, ""), 0);
	ck_assert_str_eq(b.data, "");
	/* past the buffer's cap: an error, not a crash */
	buf_reset(&b);
	ck_assert_int_eq(page_escape(&b, "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"),
			 -1);
	buf_release(&b);
}
END_TEST

/* Every text in both languages, none empty. */
START_TEST(t_texts)
{
	int t;

	for (t = 0; t < PT_COUNT; t++) {
		ck_assert_uint_gt(strlen(page_text(PAGE_EN, t)), 0);
		ck_assert_uint_gt(strlen(page_text(PAGE_FR, t)), 0);
	}
}
END_TEST

static const struct {
	const char *peer, *xff, *trusted, *want;
} clients[] = {
	/* no proxy trusted: the peer, whatever the header says */
	{ "203.0.113.5", "198.51.100.1", "", "203.0.113.5" },
	/* a peer that is not a trusted proxy: its header is ignored */
	{ "203.0.113.5", "198.51.100.1", "127.0.0.1", "203.0.113.5" },
	/* the proxy's word */
	{ "127.0.0.1", "198.51.100.1", "127.0.0.1", "198.51.100.1" },
	{ "127.0.0.1", NULL, "127.0.0.1", "127.0.0.1" },
	/* a client's own forged hops, left of the proxy's: not believed */
	{ "127.0.0.1", "6.6.6.6, 198.51.100.1", "127.0.0.1", "198.51.100.1" },
	/* a chain of trusted proxies */
	{ "127.0.0.1", "198.51.100.1, 10.0.0.2", "127.0.0.1 10.0.0.0/8",
	  "198.51.100.1" },
	/* all trusted: the leftmost */
	{ "127.0.0.1", "10.0.0.3, 10.0.0.2", "127.0.0.1 10.0.0.0/8",
	  "10.0.0.3" },
	/* junk where an address should be: the last address read stands */
	{ "127.0.0.1", "198.51.100.1, junk", "127.0.0.1", "127.0.0.1" },
	{ "127.0.0.1", "junk, 10.0.0.2", "127.0.0.1 10.0.0.0/8", "10.0.0.2" },
	{ "127.0.0.1", " 2001:db8::1 ", "127.0.0.1", "2001:db8::1" },
	{ "127.0.0.1", "", "127.0.0.1", "127.0.0.1" },
};

START_TEST(t_client)
{
	struct netspec_net nets[NETSPEC_MAX_NETS];
	struct sockaddr_in peer = { 0 };
	struct err e = ERR_INIT;
	char out[64];
	size_t n;

	ck_assert_int_eq(netspec_parse_list(clients[_i].trusted, nets, &n, &e),
			 0);
	peer.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, clients[_i].peer, &peer.sin_addr),
			 1);
	proxy_client((struct sockaddr *)&peer, clients[_i].xff, nets, n, out,
		     sizeof(out));
	ck_assert_str_eq(out, clients[_i].want);
}
END_TEST

static const unsigned char secret[32] = "0123456789abcdef0123456789abcde";

START_TEST(t_form_token)
{
	static const unsigned char other[32] = "another secret, rotated.......";
	char tok[TOKEN_SIZE], bad[TOKEN_SIZE];
	int64_t now = 1796000000;

	ck_assert_int_eq(guard_form_token(secret, sizeof(secret), now, tok), 0);
	ck_assert(guard_form_token_ok(secret, sizeof(secret), tok, now));
	ck_assert(guard_form_token_ok(secret, sizeof(secret), tok,
				      now + GUARD_FORM_TTL));
	ck_assert(!guard_form_token_ok(secret, sizeof(secret), tok,
				       now + GUARD_FORM_TTL + 1));
	/* from the future, past the clock skew allowed */
	ck_assert(!guard_form_token_ok(secret, sizeof(secret), tok, now - 61));
	ck_assert(!guard_form_token_ok(other, sizeof(other), tok, now));
	ck_assert(!guard_form_token_ok(secret, sizeof(secret), NULL, now));
	ck_assert(!guard_form_token_ok(secret, sizeof(secret), "", now));
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	ck_assert(!guard_form_token_ok(secret, sizeof(secret), bad, now));
	/* a subscriber's token is not a form token */
	{
		struct token t = { TOKEN_UNSUBSCRIBE, now, 0 };
		ck_assert_int_eq(token_make(secret, sizeof(secret), &t, "form",
					    bad),
				 0);
		ck_assert(
			!guard_form_token_ok(secret, sizeof(secret), bad, now));
	}
}
END_TEST

static const struct {
	const char *fetch_site, *origin;
	int ok;
} sites[] = {
	{ NULL, NULL, 0 }, /* nothing vouches for it (every browser of
	                    * today sends Origin on a POST) */
	{ "same-origin", NULL, 1 },
	{ "none", NULL, 1 },
	{ "cross-site", NULL, 0 },
	{ "same-site", NULL, 0 }, /* a sibling subdomain is another site */
	{ NULL, "https://veille.example.org", 1 },
	{ NULL, "https://VEILLE.example.org:443", 1 },
	{ NULL, "https://evil.example", 0 },
	{ NULL, "http://veille.example.org", 0 },
	{ NULL, "null", 0 },
	/* our own form from a no-referrer page, as Chromium posts it */
	{ "same-origin", "null", 1 },
	{ "none", "null", 0 },
	{ "cross-site", "null", 0 },
	{ "same-origin", "https://evil.example", 0 },
	{ "cross-site", "https://veille.example.org", 0 },
};

START_TEST(t_same_site)
{
	char origin[300];

	ck_assert_int_eq(guard_origin("https://veille.example.org/", origin,
				      sizeof(origin)),
			 0);
	ck_assert_str_eq(origin, "https://veille.example.org");
	ck_assert_int_eq(guard_same_site(sites[_i].fetch_site, sites[_i].origin,
					 origin),
			 sites[_i].ok);
}
END_TEST

START_TEST(t_origin)
{
	char o[64];

	ck_assert_int_eq(guard_origin("http://127.0.0.1:8080/x?y", o,
				      sizeof(o)),
			 0);
	ck_assert_str_eq(o, "http://127.0.0.1:8080");
	ck_assert_int_eq(guard_origin("http://Host:80", o, sizeof(o)), 0);
	ck_assert_str_eq(o, "http://host");
	ck_assert_int_eq(guard_origin("ftp://host/", o, sizeof(o)), -1);
	ck_assert_int_eq(guard_origin("https://", o, sizeof(o)), -1);
	ck_assert_int_eq(guard_origin("https://u@host/", o, sizeof(o)), -1);
	ck_assert_int_eq(guard_origin("https://a-very-long-host-name.example",
				      o, 16),
			 -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_lang, 0, (int)N(langs));
	tcase_add_test(tc, t_escape);
	tcase_add_test(tc, t_texts);
	tcase_add_loop_test(tc, t_client, 0, (int)N(clients));
	tcase_add_test(tc, t_form_token);
	tcase_add_loop_test(tc, t_same_site, 0, (int)N(sites));
	tcase_add_test(tc, t_origin);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
