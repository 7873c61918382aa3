#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "lib/html.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- html_ref_digits ---- */

START_TEST(t_ref_digits)
{
	unsigned long v;

	ck_assert_uint_eq(html_ref_digits("233;", 4, 0, &v), 3);
	ck_assert_uint_eq(v, 233);
	ck_assert_uint_eq(html_ref_digits("e9Fz", 4, 1, &v), 3);
	ck_assert_uint_eq(v, 0xe9f);
	ck_assert_uint_eq(html_ref_digits("e9", 2, 0, &v), 0);
	ck_assert_uint_eq(html_ref_digits("12345", 2, 0, &v), 2);
	ck_assert_uint_eq(v, 12);
	/* far past U+10FFFF: still past it, not wrapped round */
	ck_assert_uint_eq(html_ref_digits("99999999999999999999999", 23, 0, &v),
			  23);
	ck_assert_uint_gt(v, 0x10ffff);
	ck_assert_uint_eq(html_ref_digits("fffffffffffffffffff", 19, 1, &v),
			  19);
	ck_assert_uint_gt(v, 0x10ffff);
}
END_TEST

/* ---- html_to_text: layout ---- */

static const struct {
	const char *html, *want;
} text_table[] = {
	{ "", "" },
	{ "   \n\t ", "" },
	{ "plain text", "plain text" },
	{ "  lots   of\n\n  space\t here  ", "lots of space here" },
	{ "<p>one</p><p>two</p>", "one\n\ntwo" },
	{ "<p>one</p>\n\n\n<p>two</p>\n", "one\n\ntwo" },
	{ "a<br>b", "a\nb" },
	{ "a<br/><br/>b", "a\n\nb" },
	{ "a<br><br><br><br>b", "a\n\nb" },
	{ "<br><p>a</p><br>", "a" },
	{ "<div>a</div><div>b</div>", "a\nb" },
	{ "<div><div>a</div></div><div>b</div>", "a\nb" },
	{ "<h1>Title</h1>Body text", "Title\n\nBody text" },
	{ "<h2>A</h2><h3>B</h3><h6>C</h6>", "A\n\nB\n\nC" },
	{ "text<blockquote>quoted</blockquote>more", "text\n\nquoted\n\nmore" },
	{ "<ul><li>one</li><li>two</li></ul>", "- one\n- two" },
	{ "<p>Intro</p><ul><li>a</li><li>b</li></ul><p>End</p>",
	  "Intro\n\n- a\n- b\n\nEnd" },
	{ "<ol><li>first</li><li>second</li></ol>", "- first\n- second" },
	{ "<ul><li>a<ul><li>b</li><li>c<ul><li>d</li></ul></li></ul></li>"
	  "<li>e</li></ul>",
	  "- a\n  - b\n  - c\n    - d\n- e" },
	{ "<ul><li><p>para in item</p></li><li>next</li></ul>",
	  "- para in item\n- next" },
	{ "<ul><li></li><li>only</li></ul>", "- only" },
	{ "<table><tr><th>h1</th><th>h2</th></tr><tr><td>a</td><td>b</td>"
	  "</tr></table>",
	  "h1 h2\na b" },
	{ "<pre>line 1\n  indented\n\nafter blank</pre>",
	  "line 1\n  indented\n\nafter blank" },
	{ "<pre>\n   first\tline  \n\n\n\nlast  </pre>",
	  "first        line\n\nlast" },
	{ "a<pre>x</pre>b", "a\n\nx\n\nb" },
	{ "<p>a <b>bold</b> and <i>it</i>alic</p>", "a bold and italic" },
	{ "x<hr>y", "x\n\ny" },
	{ "<span>in</span><span>line</span>", "inline" },
	/* dropped elements */
	{ "a<script>var x = '<p>no</p>';</script>b", "ab" },
	{ "a <style>p { color: red }</style>b", "a b" },
	{ "<noscript>enable js</noscript>text", "text" },
	{ "<iframe src=\"https://x/\">frame</iframe>text", "text" },
	{ "<img src=\"https://x/pixel.gif\" width=\"1\" height=\"1\" alt=\"\">",
	  "" },
	{ "<img src=\"a.png\" alt=\"a picture\">", "" },
	{ "<form action=\"/x\"><input name=q><button>Go</button></form>ok",
	  "ok" },
	{ "<svg><text>svg text</text></svg>ok", "ok" },
	{ "<object><embed src=x>flash</object>ok", "ok" },
	/* void in HTML5: what follows is not theirs */
	{ "<p>Before.</p><embed src=x><p>After.</p>", "Before.\n\nAfter." },
	{ "a<source src=x> b<track src=y> c", "a b c" },
	{ "a<!-- a comment <p>x</p> -->b", "ab" },
	{ "a<!-- unterminated", "a" },
	/* entities and references */
	{ "&eacute;t&eacute; &rsquo; &#8217; &#x2019; &amp;amp; &lt;p&gt;",
	  "été ’ ’ ’ &amp; <p>" },
	{ "a&nbsp;b&nbsp;&nbsp;c", "a b c" },
	{ "a &nbsp b &copy 2024", "a b © 2024" },
	{ "&hellip; &laquo;x&raquo; &euro; &trade; &apos;", "… «x» € ™ '" },
	{ "&star; &check; &mldr; &NonBreakingSpace;x", "☆ ✓ … x" },
	{ "&#146;&#150;&#128;", "’–€" },
	{ "&#0;&#xD800;&#x110000;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "&unknown; &amp", "&unknown; &" },
	{ "?a=1&copy=2", "?a=1&copy=2" },
	/* CDATA kept as text */
	{ "<![CDATA[x < y & z]]>", "x < y & z" },
	{ "<p><![CDATA[<b>not bold</b>]]></p>", "<b>not bold</b>" },
	/* bytes */
	{ "caf\xc3\xa9 \xff na\xefve", "café \xef\xbf\xbd na\xef\xbf\xbdve" },
	{ "a\x01"
	  "b\x7f"
	  "c",
	  "a\xef\xbf\xbd"
	  "b\xef\xbf\xbd"
	  "c" },
	{ "tab\fform\vfeed", "tab form feed" },
	{ "\xe2\x82", "\xef\xbf\xbd" },
};

START_TEST(t_text)
{
	struct buf b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	const char *in = text_table[_i].html;

	ck_assert_int_eq(html_to_text(&b, in, strlen(in), &e), 0);
	ck_assert_msg(strcmp(b.data, text_table[_i].want) == 0,
		      "'%s': got '%s', want '%s'", in, b.data,
		      text_table[_i].want);
	buf_release(&b);
}
END_TEST

/* Appends, and leaves the buffer as it was when the cap is hit. */
START_TEST(t_text_cap)
{
	struct buf b = BUF_INIT(8);
	struct err e = ERR_INIT;

	ck_assert_int_eq(buf_adds(&b, "x:"), 0);
	ck_assert_int_eq(html_to_text(&b, "<p>123456</p>", 13, &e), 0);
	ck_assert_str_eq(b.data, "x:123456");
	ck_assert_int_eq(html_to_text(&b, "7", 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(b.data, "x:123456");
	buf_reset(&b);
	ck_assert_int_eq(html_to_text(&b, "<p>1234</p><p>5678</p>", 22, &e),
			 -1);
	ck_assert_str_eq(b.data, "");
	buf_release(&b);
}
END_TEST

/* Deep nesting: kept up to libxml2's limit (256 levels), then the rest
 * dropped; nothing recursive of ours to exhaust the stack. */
START_TEST(t_text_deep)
{
	static const struct {
		int depth;
		const char *want;
	} deep[] = { { 120, "before\ndeep" }, { 20000, "before" } };
	struct buf in = BUF_INIT(BUF_MAX_DOC), b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	size_t k;
	int i;

	for (k = 0; k < N(deep); k++) {
		buf_reset(&in);
		buf_reset(&b);
		ck_assert_int_eq(buf_adds(&in, "before"), 0);
		for (i = 0; i < deep[k].depth; i++)
			ck_assert_int_eq(buf_adds(&in, "<div><span>"), 0);
		ck_assert_int_eq(buf_adds(&in, "deep"), 0);
		ck_assert_int_eq(html_to_text(&b, in.data, in.len, &e), 0);
		ck_assert_str_eq(b.data, deep[k].want);
		buf_reset(&b);
		ck_assert_int_eq(html_sanitize(&b, in.data, in.len, NULL, &e),
				 0);
		ck_assert_int_eq(strncmp(b.data, "before<div>", 11), 0);
		ck_assert_msg((strstr(b.data, "deep") != NULL) ==
				      (deep[k].depth < 128),
			      "depth %d", deep[k].depth);
	}
	buf_release(&in);
	buf_release(&b);
}
END_TEST

START_TEST(t_text_too_long)
{
	struct buf b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	char *big = malloc(HTML_INPUT_MAX + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', HTML_INPUT_MAX + 1);
	ck_assert_int_eq(html_to_text(&b, big, HTML_INPUT_MAX + 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(b.data, "");
	free(big);
	buf_release(&b);
}
END_TEST

/* ---- html_summary ---- */

#define WP_POST                                                        \
	"<p>The post <a href=\"https://blog.example/p\">Les "          \
	"news</a> appeared first on <a href=\"https://blog.example\">" \
	"Example Blog</a>.</p>"

/* 70 words in 7 sentences of 10. */
#define LONG_EN                                                            \
	"One two three four five six seven eight nine ten. "               \
	"Eleven twelve thirteen fourteen fifteen sixteen seventeen "       \
	"eighteen nineteen twenty. Twenty-one two three four five six "    \
	"seven eight nine thirty. Thirty-one two three four five six "     \
	"seven eight nine forty. Forty-one two three four five six seven " \
	"eight nine fifty. Fifty-one two three four five six seven eight " \
	"nine sixty. Sixty-one two three four five six seven eight nine "  \
	"seventy."

static const struct {
	const char *html;
	int words;
	const char *want;
} summary_table[] = {
	/* empty and nothing but non-text */
	{ "", 60, "" },
	{ "<p></p>", 60, "" },
	{ "<p><img src=\"https://x/a.jpg\" alt=\"Photo\"></p>", 60, "" },
	{ "<img src=\"https://pixel.wp.com/b.gif?host=x\" width=\"1\" "
	  "height=\"1\" border=\"0\">",
	  60, "" },
	{ "<script>document.write('x')</script>", 60, "" },
	/* short text whole, breaks made spaces */
	{ "<p>Un article court.</p>", 60, "Un article court." },
	{ "<p>Premier paragraphe.</p><p>Second paragraphe.</p>", 60,
	  "Premier paragraphe. Second paragraphe." },
	{ "<h2>Titre</h2>Texte<br>sur deux lignes", 60,
	  "Titre Texte sur deux lignes" },
	{ "<p>Liste :</p><ul><li>un</li><li>deux<ul><li>trois</li></ul>"
	  "</li></ul>",
	  60, "Liste : - un - deux - trois" },
	/* script, style and a tracking pixel inside text */
	{ "<p>Avant<script>var a = 1;</script> après.<img src=\"p.gif\" "
	  "width=\"1\" height=\"1\"></p><style>p{}</style>",
	  60, "Avant après." },
	/* entities */
	{ "<p>L&rsquo;&eacute;t&eacute; &agrave; Paris&nbsp;: "
	  "&laquo;&nbsp;chaud&nbsp;&raquo;</p>",
	  60, "L’été à Paris : « chaud »" },
	{ "<p>It&#8217;s Tom &amp;amp; Jerry &amp; co</p>", 60,
	  "It’s Tom &amp; Jerry & co" },
	{ "<![CDATA[Texte <em>brut</em> & co]]>", 60,
	  "Texte <em>brut</em> & co" },
	/* WordPress tails */
	{ "<p>Nouvelle levée de fonds pour la start-up nantaise.</p>" WP_POST,
	  60, "Nouvelle levée de fonds pour la start-up nantaise." },
	{ "<p>Le salon ouvre ses portes lundi [&hellip;]</p>", 60,
	  "Le salon ouvre ses portes lundi" },
	{ "<p>Le salon ouvre ses portes lundi [&#8230;]</p>" WP_POST, 60,
	  "Le salon ouvre ses portes lundi" },
	{ "<p>Le salon ouvre lundi [...]</p>", 60, "Le salon ouvre lundi" },
	{ "<p>Une annonce (…)</p>", 60, "Une annonce" },
	/* "read more" links */
	{ "<p>La région investit. <a href=\"/x\">Lire la suite</a></p>", 60,
	  "La région investit." },
	{ "<p>La région investit.</p><p><a href=\"/x\">Lire la "
	  "suite&hellip;</a></p>",
	  60, "La région investit." },
	{ "<p>La région investit. <a href=\"/x\">Lire la suite &raquo;</a>"
	  "</p>",
	  60, "La région investit." },
	{ "<p>Big news today.</p><p><a href=\"/x\">Continue reading "
	  "&rarr;</a></p>",
	  60, "Big news today." },
	{ "<p>Big news today. <a class=\"more-link\" href=\"/x\">Read "
	  "more</a></p>",
	  60, "Big news today." },
	{ "<p>Big news today.</p><p><a href=\"/x\" class=\"more-link\">"
	  "Continue reading<span class=\"screen-reader-text\"> &#8220;Big "
	  "News&#8221;</span></a></p>",
	  60, "Big news today." },
	{ "<p>Big news. <a href=\"/x\">Continue reading \"Big News\" "
	  "<span class=\"meta-nav\">&rarr;</span></a></p>",
	  60, "Big news." },
	{ "<p>We Continue reading \"Ulysses\" at the club.</p>", 60,
	  "We Continue reading \"Ulysses\" at the club." },
	/* "The post" in the article is not the footer */
	{ "<p>The post appeared first on Monday. It was late.</p>", 60,
	  "The post appeared first on Monday. It was late." },
	{ "<p>Big news today… <a href=\"/x\">Read more...</a></p>", 60,
	  "Big news today…" },
	{ "<p>Un débat en ligne. <a href=\"/x\">Réagir</a></p>", 60,
	  "Un débat en ligne." },
	{ "<p>Suite au prochain épisode [&hellip;]</p><p>Lire la suite</p>" WP_POST,
	  60, "Suite au prochain épisode" },
	/* a word that only looks like a tail is kept */
	{ "<p>Please Reread more</p>", 60, "Please Reread more" },
	{ "<p>« Il a dit : partez »</p>", 60, "« Il a dit : partez »" },
	{ "<p>Attendez...</p>", 60, "Attendez..." },
	/* at the limit: whole; one past: cut */
	{ "<p>one two three four five</p>", 5, "one two three four five" },
	{ "<p>one two three four five six</p>", 5, "one two three four five…" },
	{ "<p>one two three, four five, six</p>", 5,
	  "one two three, four five…" },
	{ "<p>one two three four – five six</p>", 4, "one two three four…" },
	{ "<p>one two three four – five six</p>", 5, "one two three four…" },
	/* the last sentence end within the limit, when it keeps half */
	{ "<p>" LONG_EN "</p>", 60,
	  "One two three four five six seven eight nine ten. Eleven twelve "
	  "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
	  "twenty. Twenty-one two three four five six seven eight nine "
	  "thirty. Thirty-one two three four five six seven eight nine "
	  "forty. Forty-one two three four five six seven eight nine fifty. "
	  "Fifty-one two three four five six seven eight nine sixty. …" },
	{ "<p>" LONG_EN "</p>", 25,
	  "One two three four five six seven eight nine ten. Eleven twelve "
	  "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
	  "twenty. …" },
	{ "<p>Is it? Yes! Now it goes on and on.</p>", 6, "Is it? Yes! …" },
	{ "<p>Is it? No sentence ends here for a long while.</p>", 6,
	  "Is it? No sentence ends here…" },
	{ "<p>Il attend… puis il repart vers le nord.</p>", 4, "Il attend… …" },
	/* a sentence end needs a space after it: 3.5 is no end */
	{ "<p>La version 3.5 sort demain matin avec des nouveautés.</p>", 4,
	  "La version 3.5 sort…" },
	/* one long paragraph with no sentence end */
	{ "<p>Les entreprises du numérique de la région se réunissent "
	  "chaque année pour partager leurs projets et leurs idées</p>",
	  10,
	  "Les entreprises du numérique de la région se réunissent chaque…" },
	/* multibyte characters at the cut */
	{ "<p>Élégant été à Orléans où l’œuvre émerge</p>", 4,
	  "Élégant été à Orléans…" },
	{ "<p>日本語 テキスト 😀😀 次の 言葉</p>", 3, "日本語 テキスト 😀😀…" },
	{ "<p>&eacute;&eacute;&eacute; &#x1F600; &agrave;&agrave;</p>", 2,
	  "ééé 😀…" },
	/* a limit below 1 counts as 1 */
	{ "<p>alpha beta</p>", 0, "alpha…" },
	{ "<p>alpha</p>", 1, "alpha" },
};

START_TEST(t_summary)
{
	struct buf b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	const char *in = summary_table[_i].html;

	ck_assert_int_ge(html_summary(&b, in, strlen(in),
				      summary_table[_i].words, &e),
			 0);
	ck_assert_msg(strcmp(b.data, summary_table[_i].want) == 0,
		      "'%s' (%d): got '%s', want '%s'", in,
		      summary_table[_i].words, b.data, summary_table[_i].want);
	buf_release(&b);
}
END_TEST

/* 1: the summary is the whole text, so the article's HTML can stand in */
START_TEST(t_summary_whole)
{
	static const struct {
		const char *html;
		int words, whole;
	} cases[] = {
		{ "<p>alpha <b>beta</b></p>", 5, 1 },
		{ "<p>alpha beta</p>", 2, 1 },
		{ "<p>alpha beta gamma</p>", 2, 0 },
		{ "<p>One. Two three four.</p>", 3, 0 },
		{ "<p>News here. <a href=\"/x\">Lire la suite</a></p>", 60, 0 },
		{ "<p>Text</p><p>The post Text appeared first on Site.</p>", 60,
		  0 },
	};
	struct buf b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_setlen(&b, 0);
		ck_assert_msg(html_summary(&b, cases[i].html,
					   strlen(cases[i].html),
					   cases[i].words,
					   &e) == cases[i].whole,
			      "%s", cases[i].html);
	}
	buf_release(&b);
}
END_TEST

START_TEST(t_summary_cap)
{
	struct buf b = BUF_INIT(10);
	struct err e = ERR_INIT;

	ck_assert_int_eq(html_summary(&b, "<p>one two three</p>", 20, 2, &e),
			 0);
	ck_assert_str_eq(b.data, "one two…");
	ck_assert_int_eq(html_summary(&b, "<p>three four</p>", 17, 2, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(b.data, "one two…");
	buf_release(&b);
}
END_TEST

/* ---- html_sanitize ---- */

#define BASE "https://news.example/articles/2024/"

static const struct {
	const char *html, *base, *want;
} san_table[] = {
	{ "", BASE, "" },
	{ "plain & simple < text >", NULL,
	  "plain &amp; simple &lt; text &gt;" },
	{ "<p>Hello <b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> "
	  "<u>u</u> <s>s</s></p>",
	  NULL,
	  "<p>Hello <b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> "
	  "<u>u</u> <s>s</s></p>" },
	/* scripts, styles, frames, objects, forms: gone with content */
	{ "<p>a<script>alert(1)</script>b</p>", NULL, "<p>ab</p>" },
	{ "<style>body{display:none}</style><p>x</p>", NULL, "<p>x</p>" },
	{ "<iframe src=\"https://evil/\">no</iframe>x", NULL, "x" },
	{ "<object data=x><embed src=y></object>x", NULL, "x" },
	{ "<p>a</p><embed src=y><p>b</p>", NULL, "<p>a</p><p>b</p>" },
	{ "<form action=\"https://evil/\"><input value=1>"
	  "<textarea>t</textarea></form>x",
	  NULL, "x" },
	{ "<svg onload=alert(1)><script>1</script></svg>x", NULL, "x" },
	{ "<noscript><p>js off</p></noscript>x", NULL, "x" },
	/* attributes: on*, style, class, id dropped; title kept */
	{ "<p onclick=\"alert(1)\" style=\"color:red\" class=\"c\" id=\"i\" "
	  "title=\"T &amp; &quot;q&quot;\">x</p>",
	  NULL, "<p title=\"T &amp; &quot;q&quot;\">x</p>" },
	{ "<div onmouseover=alert(1)><span style=\"x\">y</span></div>", NULL,
	  "<div><span>y</span></div>" },
	/* links */
	{ "<a href=\"https://a.example/x?a=1&amp;b=2\">l</a>", NULL,
	  "<a href=\"https://a.example/x?a=1&amp;b=2\">l</a>" },
	{ "<a href=\"/rel/page\" title=\"t\" onclick=\"x\">l</a>", BASE,
	  "<a href=\"https://news.example/rel/page\" title=\"t\">l</a>" },
	{ "<a href=\"../other\">l</a>", BASE,
	  "<a href=\"https://news.example/articles/other\">l</a>" },
	{ "<a href=\"page.html#s\">l</a>", BASE,
	  "<a href=\"https://news.example/articles/2024/page.html#s\">l</a>" },
	{ "<a href=\"//cdn.example/x\">l</a>", "http://news.example/",
	  "<a href=\"http://cdn.example/x\">l</a>" },
	{ "<a href=\"/rel\">l</a>", NULL, "l" },
	{ "<a href=\"MAILTO:x@example.org\">m</a>", NULL,
	  "<a href=\"MAILTO:x@example.org\">m</a>" },
	{ "<a href=\"javascript:alert(1)\">js</a>", BASE, "js" },
	{ "<a href=\" JaVaScRiPt:alert(1)\">js</a>", BASE, "js" },
	{ "<a href=\"java&#x09;script:alert(1)\">js</a>", BASE, "js" },
	/* control and bidirectional formatting characters in a link:
	 * percent-encoded (url_printable), or the link dropped */
	{ "<a href=\"https://x.example/a&#x0D;&#x0A;b\">l</a>", NULL, "l" },
	{ "<a href=\"https://x.example/a\xc2\x9b&#x2066;b c\">l</a>", NULL,
	  "<a href=\"https://x.example/a%C2%9B%E2%81%A6b%20c\">l</a>" },
	{ "<a href=\"https://x.example/&#x202E;gpj.exe\">l</a>", NULL,
	  "<a href=\"https://x.example/%E2%80%AEgpj.exe\">l</a>" },
	{ "<a href=\"https://x.example/caf&#xE9;\">l</a>", NULL,
	  "<a href=\"https://x.example/caf\xc3\xa9\">l</a>" },
	{ "<a href=\"mailto:a@x.example&#x0A;Bcc:b@x.example\">m</a>", NULL,
	  "m" },
	{ "<a href=\"https://x.example:99999/\">p</a>", NULL, "p" },
	{ "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">d</a>", BASE, "d" },
	{ "<a href=\"vbscript:msgbox\">v</a>", BASE, "v" },
	{ "<a href=\"ftp://x/\">f</a>", BASE, "f" },
	{ "<a>no href</a>", BASE, "no href" },
	{ "<a href=\"https://x/\"><b>bold</b> link</a>", NULL,
	  "<a href=\"https://x/\"><b>bold</b> link</a>" },
	/* images: their alt text */
	{ "<p><img src=\"https://x/a.jpg\" alt=\"Une photo &amp; <tag>\">"
	  "</p>",
	  NULL, "<p>Une photo &amp; &lt;tag&gt;</p>" },
	{ "<img src=\"https://x/pixel.gif\" width=\"1\" height=\"1\">", NULL,
	  "" },
	/* structure */
	{ "<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4><h5>E</h5><h6>F</h6>", NULL,
	  "<h3>A</h3><h3>B</h3><h3>C</h3><h4>D</h4><h5>E</h5>"
	  "<h6>F</h6>" },
	{ "<ul><li>a</li><li>b<ol><li>c</li></ol></li></ul>", NULL,
	  "<ul><li>a</li><li>b<ol><li>c</li></ol></li></ul>" },
	{ "a<br>b<hr>c", NULL, "a<br/>b<br/>c" },
	{ "<blockquote><p>q</p></blockquote><pre><code>x &lt; 1\n  y"
	  "</code></pre>",
	  NULL,
	  "<blockquote><p>q</p></blockquote><pre><code>x &lt; 1\n  y"
	  "</code></pre>" },
	{ "<table class=t><thead><tr><th colspan=\"2\">h</th></tr></thead>"
	  "<tbody><tr><td rowspan=\"3\" colspan=\"x\" width=\"5\">a</td>"
	  "<td colspan=\"1000\">b</td></tr></tbody></table>",
	  NULL,
	  "<table><thead><tr><th colspan=\"2\">h</th></tr></thead>"
	  "<tbody><tr><td rowspan=\"3\">a</td><td>b</td></tr></tbody>"
	  "</table>" },
	{ "<section><article><p>x</p></article></section>", NULL,
	  "<div><div><p>x</p></div></div>" },
	{ "<font color=red>f</font><sub>2</sub><center>c</center>", NULL,
	  "f2<div>c</div>" },
	/* unclosed and misnested markup comes out balanced */
	{ "<p><b>bold <i>both</b> italic", NULL,
	  "<p><b>bold <i>both</i></b> italic</p>" },
	{ "<div><p>one<p>two</div>", NULL, "<div><p>one</p><p>two</p></div>" },
	{ "</p></div>stray", NULL, "stray" },
	/* text and references */
	{ "caf&eacute; &amp;amp; &nbsp;&#146;\xff", NULL,
	  "café &amp;amp; \xc2\xa0’\xef\xbf\xbd" },
	{ "<![CDATA[<script>x</script>]]>", NULL,
	  "&lt;script&gt;x&lt;/script&gt;" },
	{ "a<!-- <script>x</script> -->b", NULL, "ab" },
	{ "<title>T</title><meta charset=\"latin1\">x", NULL, "x" },
};

/* 1 if s is well-formed XML once wrapped in one element. */
static int
well_formed(const char *s)
{
	size_t n = strlen(s) + 16;
	char *doc = malloc(n);
	xmlDocPtr d;

	ck_assert_ptr_nonnull(doc);
	snprintf(doc, n, "<r>%s</r>", s);
	d = xmlReadMemory(doc, (int)strlen(doc), NULL, "UTF-8",
			  XML_PARSE_NONET | XML_PARSE_NOERROR |
				  XML_PARSE_NOWARNING);
	free(doc);
	xmlFreeDoc(d);
	return d != NULL;
}

START_TEST(t_sanitize)
{
	struct buf b = BUF_INIT(BUF_MAX_DOC), again = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	const char *in = san_table[_i].html;

	ck_assert_int_eq(html_sanitize(&b, in, strlen(in), san_table[_i].base,
				       &e),
			 0);
	ck_assert_msg(strcmp(b.data, san_table[_i].want) == 0,
		      "'%s': got '%s', want '%s'", in, b.data,
		      san_table[_i].want);
	ck_assert_msg(well_formed(b.data), "'%s' is not well-formed", b.data);
	/* what comes out parses back to itself */
	ck_assert_int_eq(html_sanitize(&again, b.data, b.len, NULL, &e), 0);
	ck_assert_msg(strcmp(again.data, b.data) == 0,
		      "'%s' sanitized again: '%s'", b.data, again.data);
	buf_release(&b);
	buf_release(&again);
}
END_TEST

START_TEST(t_sanitize_cap)
{
	struct buf b = BUF_INIT(12);
	struct err e = ERR_INIT;

	/* "<p>12345</p>" is exactly 12 bytes */
	ck_assert_int_eq(html_sanitize(&b, "<p>12345</p>", 12, NULL, &e), 0);
	ck_assert_str_eq(b.data, "<p>12345</p>");
	buf_reset(&b);
	ck_assert_int_eq(html_sanitize(&b, "<p>123456</p>", 13, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(b.data, "");
	buf_release(&b);
}
END_TEST

/* The sanitizer on every text table input: always well-formed. */
START_TEST(t_sanitize_text_inputs)
{
	struct buf b = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	const char *in = text_table[_i].html;

	ck_assert_int_eq(html_sanitize(&b, in, strlen(in), BASE, &e), 0);
	ck_assert_msg(well_formed(b.data), "'%s' gave '%s'", in, b.data);
	buf_release(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_ref_digits);
	tcase_add_loop_test(tc, t_text, 0, (int)N(text_table));
	tcase_add_test(tc, t_text_cap);
	tcase_add_test(tc, t_text_deep);
	tcase_add_test(tc, t_text_too_long);
	tcase_add_loop_test(tc, t_summary, 0, (int)N(summary_table));
	tcase_add_test(tc, t_summary_whole);
	tcase_add_test(tc, t_summary_cap);
	tcase_add_loop_test(tc, t_sanitize, 0, (int)N(san_table));
	tcase_add_test(tc, t_sanitize_cap);
	tcase_add_loop_test(tc, t_sanitize_text_inputs, 0, (int)N(text_table));
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
