#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/date.h"
#include "parse/parse.h"
#include "testutil.h"

/*
 * The feed parser through its push API. Each case is a document, the HTTP
 * facts it came with, and the expected rendering of what the parser gave
 * out: one line per entry then one for the feed, fields separated by '|',
 * "~" for an absent field (the renderer is below). Every case is parsed
 * three ways, whole, in 7-byte chunks and byte by byte; all three must give
 * the expected text, since the fetcher pushes bytes as the network
 * delivers them. The expected values were written from the specs and
 * feedparser's behaviour, not copied from output.
 */

struct pcase {
	const char *name;
	const char *doc;
	size_t len; /* 0: strlen(doc) */
	const char *content_type;
	const char *url;
	const char *location;
	const char *want; /* NULL: parser_finish must fail */
	const char *err;  /* substring of the error, or warning */
	int warn;         /* a warning kind expected, -1 none */
};

#define NOW_FUTURE "Fri, 01 Jan 2100 00:00:00 GMT"

static const struct pcase cases[] = {
	{ "rss20 basics and guid permalink",
	  "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"
	  "<title>Chan &amp; co</title><link>http://ex.com/</link>"
	  "<description>About</description><language>fr</language>"
	  "<ttl>90</ttl>"
	  "<lastBuildDate>Tue, 03 Jun 2003 09:39:21 GMT</lastBuildDate>"
	  "<managingEditor>ed@ex.com (Ed)</managingEditor>"
	  "<image><title>Not this</title><link>http://img/</link></image>"
	  "<item><title>One</title><link>/one</link>"
	  "<description>&lt;p&gt;Hi&lt;/p&gt;</description>"
	  "<guid isPermaLink=\"false\">id-1</guid>"
	  "<pubDate>Tue, 03 Jun 2003 09:39:21 +0200</pubDate>"
	  "<category>a</category><category>b</category><category>a</category>"
	  "<enclosure url=\"m.mp3\" length=\"12\" type=\"audio/mpeg\"/>"
	  "</item>"
	  "<item><title>Two</title><guid>http://ex.com/2</guid></item>"
	  "</channel></rss>",
	  0, NULL, "http://ex.com/feed.xml", NULL,
	  "id-1|One|http://ex.com/one|2003-06-03T07:39:21Z|~|~|<p>Hi</p>|~|"
	  "a,b|http://ex.com/m.mp3;audio/mpeg;12\n"
	  "http://ex.com/2|Two|http://ex.com/2|~|~|~|~|~||\n"
	  "F|rss20|Chan & co|http://ex.com/|About|fr|2003-06-03T09:39:21Z|"
	  "ed@ex.com (Ed)|90\n",
	  NULL, -1 },
	{ "atom10 xhtml content, nested xml:base, rel=alternate",
	  "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	  "xml:base=\"http://ex.org/a/\" xml:lang=\"en\">"
	  "<title type=\"html\">&lt;b&gt;Bold&lt;/b&gt;  feed</title>"
	  "<link rel=\"self\" href=\"feed.atom\"/><link href=\"home\"/>"
	  "<updated>2005-07-31T12:29:29Z</updated>"
	  "<author><name>Ann</name><email>a@ex.org</email></author>"
	  "<entry xml:base=\"b/\"><id>urn:1</id><title>E1</title>"
	  "<link rel=\"enclosure\" href=\"x.ogg\" type=\"audio/ogg\" "
	  "length=\"7\"/>"
	  "<link rel=\"alternate\" type=\"text/html\" href=\"e1\"/>"
	  "<author><name>Bob</name></author>"
	  "<published>2005-07-31T12:29:29+01:00</published>"
	  "<updated>2005-08-01T00:00:00Z</updated>"
	  "<summary>a &lt; b</summary>"
	  "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
	  "<p>Hi<br/>there &amp; <a href=\"/x\">x</a></p></div></content>"
	  "<category term=\"t1\"/><source><title>No</title></source>"
	  "</entry></feed>",
	  0, NULL, NULL, NULL,
	  "urn:1|E1|http://ex.org/a/b/e1|2005-07-31T11:29:29Z|"
	  "2005-08-01T00:00:00Z|Bob|a &lt; b|"
	  "<p>Hi<br />there &amp; <a href=\"http://ex.org/x\">x</a></p>|t1|"
	  "http://ex.org/a/b/x.ogg;audio/ogg;7\n"
	  "F|atom10|Bold feed|http://ex.org/a/home|~|en|2005-07-31T12:29:29Z|"
	  "Ann|0\n",
	  NULL, -1 },
	{ "rss10 rdf:about, dc and sy modules",
	  "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
	  "xmlns=\"http://purl.org/rss/1.0/\" "
	  "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	  "xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\" "
	  "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
	  "<channel rdf:about=\"http://ex.net/\"><title>R</title>"
	  "<link>http://ex.net/</link><dc:language>de</dc:language>"
	  "<sy:updatePeriod>daily</sy:updatePeriod>"
	  "<sy:updateFrequency>2</sy:updateFrequency></channel>"
	  "<item rdf:about=\"http://ex.net/1\"><title>I</title>"
	  "<link>http://ex.net/1</link><dc:creator>Cy</dc:creator>"
	  "<dc:date>2002-09-07T00:00:01+02:00</dc:date>"
	  "<dc:subject>s</dc:subject>"
	  "<content:encoded><![CDATA[<b>&eacute;</b>]]></content:encoded>"
	  "</item></rdf:RDF>",
	  0, NULL, NULL, NULL,
	  "http://ex.net/1|I|http://ex.net/1|~|2002-09-06T22:00:01Z|Cy|~|"
	  "<b>&eacute;</b>|s|\n"
	  "F|rss10|R|http://ex.net/|~|de|~|~|720\n",
	  NULL, -1 },
	{ "relative links inside HTML content resolved",
	  "<rss><channel><item xml:base=\"http://b.ex/d/\"><description>"
	  "<![CDATA[<a href=\"../p?a=1&amp;b=2\">x</a><img src=i.png>"
	  "<a href='#f'>y</a><!-- <a href=\"c\"> -->]]></description>"
	  "</item></channel></rss>",
	  0, NULL, "http://doc.ex/", NULL,
	  "~|~|~|~|~|~|<a href=\"http://b.ex/p?a=1&amp;b=2\">x</a>"
	  "<img src=\"http://b.ex/d/i.png\"><a href=\"http://b.ex/d/#f\">"
	  "y</a><!-- <a href=\"c\"> -->|~||\n"
	  "F|rss20|~|~|~|~|~|~|0\n",
	  NULL, -1 },
	{ "rss 0.90",
	  "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
	  "xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel>"
	  "<title>N</title></channel><item><title>i</title>"
	  "<link>http://n/i</link></item></rdf:RDF>",
	  0, NULL, NULL, NULL,
	  "~|i|http://n/i|~|~|~|~|~||\nF|rss090|N|~|~|~|~|~|0\n", NULL, -1 },
	{ "rss 0.91 and 0.92, 0.93, 0.94 versions",
	  "<rss version=\"0.91\"><channel><title>t</title></channel></rss>", 0,
	  NULL, NULL, NULL, "F|rss091|t|~|~|~|~|~|0\n", NULL, -1 },
	{ "rss 0.94",
	  "<rss version=\"0.94\"><channel><title>t</title></channel></rss>", 0,
	  NULL, NULL, NULL, "F|rss094|t|~|~|~|~|~|0\n", NULL, -1 },
	{ "atom03 base64 and escaped modes",
	  "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">"
	  "<title mode=\"base64\">SGVsbG8gPGI+V29ybGQ8L2I+</title>"
	  "<tagline type=\"text/html\" mode=\"escaped\">&lt;i&gt;t&lt;/i&gt;"
	  "</tagline><modified>2004-01-01T00:00:00Z</modified>"
	  "<entry><title type=\"text/html\" mode=\"escaped\">A &amp;amp; B"
	  "</title><issued>2004-01-01T10:00:00-05:00</issued>"
	  "<content type=\"application/xhtml+xml\" mode=\"xml\">"
	  "<p xmlns=\"http://www.w3.org/1999/xhtml\">x</p></content>"
	  "</entry></feed>",
	  0, NULL, NULL, NULL,
	  "~|A & B|~|2004-01-01T15:00:00Z|~|~|~|<p>x</p>||\n"
	  "F|atom03|Hello <b>World</b>|~|<i>t</i>|~|2004-01-01T00:00:00Z|~|0\n",
	  NULL, -1 },
	{ "json feed 1.0",
	  "{\"version\": \"https://jsonfeed.org/version/1\", \"title\": \"J\","
	  " \"home_page_url\": \"/\", \"author\": {\"name\": \"Jo\"},"
	  " \"items\": [{\"id\": \"1\", \"url\": \"p/1\", \"title\": \"T\","
	  " \"content_text\": \"a<b\", \"date_modified\": "
	  "\"2020-02-02T02:02:02Z\", \"tags\": [\"x\"]}]}",
	  0, NULL, "https://j.ex/feed.json", NULL,
	  "1|T|https://j.ex/p/1|~|2020-02-02T02:02:02Z|~|~|a&lt;b|x|\n"
	  "F|json10|J|https://j.ex/|~|~|~|Jo|0\n",
	  NULL, -1 },
	{ "iso-8859-1 read as windows-1252",
	  "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	  "<rss version=\"2.0\"><channel><title>caf\xe9 \x93q\x94</title>"
	  "</channel></rss>",
	  0, NULL, NULL, NULL,
	  "F|rss20|caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d|~|~|~|~|~|0\n", NULL,
	  -1 },
	{ "http charset beats the declaration",
	  "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	  "<rss version=\"2.0\"><channel><title>\xe9</title>"
	  "</channel></rss>",
	  0, "text/xml; charset=\"windows-1252\"", NULL, NULL,
	  "F|rss20|\xc3\xa9|~|~|~|~|~|0\n", NULL, -1 },
	{ "utf-16le with a byte-order mark",
	  "\xff\xfe<\0r\0s\0s\0>\0<\0c\0h\0a\0n\0n\0e\0l\0>\0"
	  "<\0t\0i\0t\0l\0e\0>\0\xe9\0<\0/\0t\0i\0t\0l\0e\0>\0"
	  "<\0/\0c\0h\0a\0n\0n\0e\0l\0>\0<\0/\0r\0s\0s\0>\0",
	  94, NULL, NULL, NULL, "F|rss20|\xc3\xa9|~|~|~|~|~|0\n", NULL, -1 },
	{ "ebcdic cp037 named in its declaration",
	  /* <?xml version="1.0" encoding="cp037"?><rss><channel><title>
	   * A</title></channel></rss> in code page 037 */
	  "\x4c\x6f\xa7\x94\x93\x40\xa5\x85\x99\xa2\x89\x96\x95\x7e\x7f\xf1"
	  "\x4b\xf0\x7f\x40\x85\x95\x83\x96\x84\x89\x95\x87\x7e\x7f\x83\x97"
	  "\xf0\xf3\xf7\x7f\x6f\x6e\x4c\x99\xa2\xa2\x6e\x4c\x83\x88\x81\x95"
	  "\x95\x85\x93\x6e\x4c\xa3\x89\xa3\x93\x85\x6e\xc1\x4c\x61\xa3\x89"
	  "\xa3\x93\x85\x6e\x4c\x61\x83\x88\x81\x95\x95\x85\x93\x6e\x4c\x61"
	  "\x99\xa2\xa2\x6e",
	  84, NULL, NULL, NULL, "F|rss20|A|~|~|~|~|~|0\n", NULL, -1 },
	{ "undeclared bytes that are not UTF-8 read as windows-1252",
	  "<rss><channel><title>don\x92t</title></channel></rss>", 0, NULL,
	  NULL, NULL, "F|rss20|don\xe2\x80\x99t|~|~|~|~|~|0\n", NULL, -1 },
	{ "undeclared 0x9f and U+009F read as windows-1252's Y diaeresis",
	  "<rss><channel><title>A\x9f"
	  "B \xc2\x9f</title></channel></rss>",
	  0, NULL, NULL, NULL,
	  "F|rss20|A\xc5\xb8"
	  "B \xc5\xb8|~|~|~|~|~|0\n",
	  NULL, -1 },
	{ "declared UTF-8 that is not: U+FFFD and a warning",
	  "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	  "<rss><channel><title>a\xffz</title></channel></rss>",
	  0, NULL, NULL, NULL, "F|rss20|a\xef\xbf\xbdz|~|~|~|~|~|0\n", NULL,
	  PARSE_WARN_ENCODING },
	{ "CDATA and comments end where they end, in any chunking",
	  "<rss><channel><title><![CDATA[x&y]]>&eacute;<!-- &c; -->"
	  "&eacute;</title></channel></rss>",
	  0, NULL, NULL, NULL, "F|rss20|x&y\xc3\xa9\xc3\xa9|~|~|~|~|~|0\n",
	  NULL, -1 },
	{ "control characters dropped",
	  "<rss><channel><title>a\x01\x08\x0b"
	  "b&#1;&#x0C;c</title>"
	  "</channel></rss>",
	  0, NULL, NULL, NULL, "F|rss20|abc|~|~|~|~|~|0\n", NULL, -1 },
	{ "HTML entities, stray ampersands, windows-1252 references",
	  "<rss version=\"2.0\"><channel><title>&eacute;t&eacute; &nbsp;"
	  "R&amp;D AT&T &rsquo;&#146;&bogus;</title><item>"
	  "<link>http://x/?a=1&b=2</link></item></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|~|http://x/?a=1&b=2|~|~|~|~|~||\n"
	  "F|rss20|\xc3\xa9t\xc3\xa9 R&D AT&T "
	  "\xe2\x80\x99\xe2\x80\x99&bogus;|~|~|~|~|~|0\n",
	  "undefined entity", PARSE_WARN_ENTITY },
	{ "windows-1252 references in escaped HTML text",
	  "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"html\">"
	  "a &amp;#150; b &amp;#x97;</title></feed>",
	  0, NULL, NULL, NULL,
	  "F|atom10|a \xe2\x80\x93 b \xe2\x80\x94|~|~|~|~|~|0\n", NULL, -1 },
	{ "a title typed as HTML is one line: blocks, items, pre, cells",
	  "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"html\">"
	  "&lt;p&gt;One&lt;/p&gt;&lt;ul&gt;&lt;li&gt;two&lt;ul&gt;&lt;li&gt;"
	  "three&lt;/ul&gt;&lt;/ul&gt;four&lt;br&gt;&lt;br&gt;five"
	  "&lt;pre&gt;a\n\n\tb &lt;/pre&gt;&lt;table&gt;&lt;tr&gt;&lt;td&gt;c"
	  "&lt;td&gt;d&lt;/table&gt;&lt;noscript&gt;x&lt;/noscript&gt;</title>"
	  "</feed>",
	  0, NULL, NULL, NULL,
	  "F|atom10|One - two - three four five a b c d|~|~|~|~|~|0\n", NULL,
	  -1 },
	{ "malformed: an unclosed <br> recovered, one warning",
	  "<rss version=\"2.0\"><channel><title>M</title>"
	  "<item><title>a</title><description>x<br>y</description></item>"
	  "<item><title>b</title></item></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|a|~|~|~|~|x<br />y|~||\n~|b|~|~|~|~|~|~||\n"
	  "F|rss20|M|~|~|~|~|~|0\n",
	  NULL, PARSE_WARN_MALFORMED },
	{ "malformed: end tags close down to their element",
	  "<rss><channel><item><title>a</title><description>x<p>y<b>z"
	  "</description></item><item><title>b</title></item><hr>"
	  "</wrong></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|a|~|~|~|~|x<p>y<b>z</b></p>|~||\n~|b|~|~|~|~|~|~||\n"
	  "F|rss20|~|~|~|~|~|~|0\n",
	  NULL, PARSE_WARN_MALFORMED },
	{ "truncated document keeps the open entry",
	  "<rss version=\"2.0\"><channel><title>T</title><item><title>a"
	  "</title></item><item><title>b</title><link>http://b/",
	  0, NULL, NULL, NULL,
	  "~|a|~|~|~|~|~|~||\n~|b|http://b/|~|~|~|~|~||\n"
	  "F|rss20|T|~|~|~|~|~|0\n",
	  NULL, PARSE_WARN_MALFORMED },
	{ "billion laughs stays text, the simple entity expands",
	  "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"ha\">"
	  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
	  "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	  "<rss><channel><title>&a;&c;&x;</title></channel></rss>",
	  0, NULL, NULL, NULL, "F|rss20|ha&c;&x;|~|~|~|~|~|0\n", NULL,
	  PARSE_WARN_ENTITY },
	{ "content-location is the base; javascript: is not",
	  "<rss><channel><link>rel</link></channel></rss>", 0, NULL,
	  "http://doc.ex/feeds/f.xml", "/loc/",
	  "F|rss20|~|http://doc.ex/loc/rel|~|~|~|~|0\n", NULL, -1 },
	{ "javascript: content-location ignored",
	  "<rss><channel><link>rel</link></channel></rss>", 0, NULL,
	  "http://doc.ex/feeds/f.xml", "javascript:alert(1)",
	  "F|rss20|~|http://doc.ex/feeds/rel|~|~|~|~|0\n", NULL, -1 },
	{ "bad date is null with a warning",
	  "<rss><channel><item><pubDate>someday</pubDate></item>"
	  "</channel></rss>",
	  0, NULL, NULL, NULL, "~|~|~|~|~|~|~|~||\nF|rss20|~|~|~|~|~|~|0\n",
	  "unparseable date", PARSE_WARN_BAD_DATE },
	{ "future date kept with a warning",
	  "<rss><channel><item><pubDate>" NOW_FUTURE "</pubDate></item>"
	  "</channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|~|~|2100-01-01T00:00:00Z|~|~|~|~||\n"
	  "F|rss20|~|~|~|~|~|~|0\n",
	  "future", PARSE_WARN_FUTURE_DATE },
	{ "french date",
	  "<rss><channel><item><pubDate>jeu., 05 juil. 2012 10:00:00 +0200"
	  "</pubDate></item></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|~|~|2012-07-05T08:00:00Z|~|~|~|~||\n"
	  "F|rss20|~|~|~|~|~|~|0\n",
	  NULL, -1 },
	{ "an HTML page is not a feed",
	  "<!DOCTYPE html>\n<html><head><title>x</title></head></html>", 0,
	  NULL, NULL, NULL, NULL, "not a feed (HTML page)", -1 },
	{ "empty document", "", 0, NULL, NULL, NULL, NULL, "not a feed", -1 },
	{ "white space only", " \n\t ", 0, NULL, NULL, NULL, NULL, "not a feed",
	  -1 },
	{ "JSON that is no JSON Feed", "{\"a\": 1}", 0, NULL, NULL, NULL, NULL,
	  "not a feed", -1 },
	{ "unknown root element", "<foo><bar/></foo>", 0, NULL, NULL, NULL,
	  NULL, "root element 'foo'", -1 },
	{ "unknown prefixed namespace is ignored, default is not",
	  "<rss xmlns:x=\"http://other/\"><channel>"
	  "<x:title>no</x:title><title>yes</title>"
	  "<description xmlns=\"http://unknown/\">d</description>"
	  "</channel></rss>",
	  0, NULL, NULL, NULL, "F|rss20|yes|~|d|~|~|~|0\n", NULL, -1 },
	{ "media:content, media:thumbnail and media:title fallback",
	  "<rss xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item>"
	  "<media:title>mt</media:title>"
	  "<media:group><media:content url=\"http://m/v.mp4\" "
	  "type=\"video/mp4\" fileSize=\"99\"/></media:group>"
	  "<media:thumbnail url=\"http://m/t.jpg\"/>"
	  "</item></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|mt|~|~|~|~|~|~||http://m/v.mp4;video/mp4;99,"
	  "http://m/t.jpg;~;-1\n"
	  "F|rss20|~|~|~|~|~|~|0\n",
	  NULL, -1 },
	/* escaped markup in text reaches libxml2 in CDATA sections the
	 * filter opens: ']' and CR stay outside them, DTD entities too */
	{ "references in text: the characters, whatever the form",
	  "<!DOCTYPE rss [<!ENTITY e \"x&#60;y\">]><rss><channel>"
	  "<title>&lt;&e;&gt; &amp; AT&T &nbsp;</title><item>"
	  "<title>a ]]&gt; b &#93;]&gt;</title>"
	  "<description>x &lt;b&gt;]]&gt;&lt;/b&gt; y] z&#13;w "
	  "&eacute;&#x1F600;&#150; &bogus; &lt;!-- c --&gt;<!-- real -->"
	  "&lt;![CDATA[q]]&gt; &lt;b&gt;\r\nc&lt;\ry&#10;z"
	  "</description></item></channel></rss>",
	  0, NULL, NULL, NULL,
	  "~|a ]]> b ]]>|~|~|~|~|x <b>]]></b> y] z\rw "
	  "\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\x93 &bogus; <!-- c -->"
	  "<![CDATA[q]]> <b>\nc<\ny\nz|~||\n"
	  "F|rss20|<x<y> & AT&T \xc2\xa0|~|~|~|~|~|0\n",
	  "bogus", PARSE_WARN_ENTITY },
};

struct result {
	struct buf out;
};

static void
add_field(struct buf *b, const char *s)
{
	buf_adds(b, s ? s : "~");
	buf_addch(b, '|');
}

static void
add_date(struct buf *b, int64_t t)
{
	char d[DATE_UTC_SIZE];

	if (t == DATE_NONE) {
		add_field(b, NULL);
		return;
	}
	date_format_utc(t, d);
	add_field(b, d);
}

static int
on_entry(const struct feed *f, const struct entry *en, void *arg, struct err *e)
{
	struct result *r = arg;
	size_t i;

	(void)f;
	(void)e;
	add_field(&r->out, en->id);
	add_field(&r->out, en->title);
	add_field(&r->out, en->link);
	add_date(&r->out, en->published);
	add_date(&r->out, en->updated);
	add_field(&r->out, en->author);
	add_field(&r->out, en->summary);
	add_field(&r->out, en->content);
	for (i = 0; i < en->ncategories; i++)
		buf_addf(&r->out, "%s%s", i ? "," : "", en->categories[i]);
	buf_addch(&r->out, '|');
	for (i = 0; i < en->nenclosures; i++)
		buf_addf(&r->out, "%s%s;%s;%lld", i ? "," : "",
			 en->enclosures[i].url,
			 en->enclosures[i].type ? en->enclosures[i].type : "~",
			 (long long)en->enclosures[i].length);
	buf_addch(&r->out, '\n');
	return 0;
}

/* Parses c in pieces of chunk bytes (0: whole); returns the rendering,
 * or "ERR: message" when parser_finish failed. */
static char *
run(const struct pcase *c, size_t chunk, struct parser **keep)
{
	struct result r = { BUF_INIT(BUF_MAX_DOC) };
	struct parse_callbacks cb = { on_entry, &r };
	struct err e = ERR_INIT;
	struct parser *p;
	struct feed *f = NULL;
	size_t len = c->len ? c->len : strlen(c->doc), off = 0;
	int rc = 0;

	p = parser_new(c->url, c->content_type, c->location, &cb, &e);
	ck_assert_ptr_nonnull(p);
	while (off < len && rc == 0) {
		size_t n = chunk && chunk < len - off ? chunk : len - off;

		rc = parser_push(p, c->doc + off, n, &e);
		off += n;
	}
	if (rc == 0)
		rc = parser_finish(p, &f, &e);
	if (rc < 0) {
		ck_assert_int_ne(e.code, 0);
		buf_release(&r.out);
		buf_addf(&r.out, "ERR: %s", e.msg);
	} else {
		buf_addf(&r.out, "F|%s|", feed_format_name(f->format));
		add_field(&r.out, f->title);
		add_field(&r.out, f->link);
		add_field(&r.out, f->subtitle);
		add_field(&r.out, f->language);
		add_date(&r.out, f->updated);
		add_field(&r.out, f->author);
		buf_addf(&r.out, "%d\n", f->ttl_minutes);
	}
	feed_free(f);
	if (keep)
		*keep = p;
	else
		parser_free(p);
	return buf_detach(&r.out, NULL);
}

static int
has_warning(const struct parser *p, int kind, const char *text)
{
	size_t i;

	for (i = 0; i < parser_warning_count(p); i++) {
		enum parse_warning_kind k;
		const char *msg = parser_warning(p, i, NULL, &k);

		if ((int)k == kind && (!text || strstr(msg, text)))
			return 1;
	}
	return 0;
}

START_TEST(t_cases)
{
	const struct pcase *c = &cases[_i];
	static const size_t chunks[] = { 0, 7, 1 };
	struct parser *p = NULL;
	char *whole = run(c, 0, &p);
	size_t k;

	if (c->want) {
		ck_assert_msg(strcmp(whole, c->want) == 0,
			      "%s:\n got: %s\nwant: %s", c->name, whole,
			      c->want);
	} else if (c->err && c->warn < 0) {
		ck_assert_msg(!strncmp(whole, "ERR: ", 5) &&
				      strstr(whole, c->err),
			      "%s: got %s", c->name, whole);
	}
	/* the flag fetch reads to tell "not_a_feed" from "parse" */
	if (!strncmp(whole, "ERR: ", 5))
		ck_assert_msg(parser_not_a_feed(p) ==
				      (strstr(whole, "not a feed") != NULL),
			      "%s: not_a_feed %d", c->name,
			      parser_not_a_feed(p));
	if (c->warn >= 0)
		ck_assert_msg(has_warning(p, c->warn,
					  c->err && *c->err && c->want ?
						  c->err :
						  NULL),
			      "%s: warning %d missing", c->name, c->warn);
	else if (c->want)
		ck_assert_msg(parser_warning_count(p) == 0,
			      "%s: unexpected warning %s", c->name,
			      parser_warning(p, 0, NULL, NULL));
	parser_free(p);
	for (k = 1; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		char *part = run(c, chunks[k], NULL);

		ck_assert_msg(strcmp(part, whole) == 0,
			      "%s: %zu-byte chunks differ:\n got: %s\nwant: %s",
			      c->name, chunks[k], part, whole);
		free(part);
	}
	free(whole);
}
END_TEST

static int
stop_after_one(const struct feed *f, const struct entry *en, void *arg,
	       struct err *e)
{
	(void)f;
	(void)en;
	(void)e;
	(*(int *)arg)++;
	return 1;
}

START_TEST(t_callback_stops)
{
	static const char doc[] =
		"<rss><channel><item><title>1</title>"
		"</item><item><title>2</title></item></channel></rss>";
	int n = 0;
	struct parse_callbacks cb = { stop_after_one, &n };
	struct err e = ERR_INIT;
	struct parser *p = parser_new(NULL, NULL, NULL, &cb, &e);
	struct feed *f = NULL;

	ck_assert_int_eq(parser_push(p, doc, sizeof(doc) - 1, &e), 0);
	ck_assert_int_eq(parser_push(p, doc, 5, &e), 0);
	ck_assert_int_eq(parser_finish(p, &f, &e), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(parser_entry_count(p), 1);
	feed_free(f);
	parser_free(p);
}
END_TEST

static int
fail_at_second(const struct feed *f, const struct entry *en, void *arg,
	       struct err *e)
{
	(void)f;
	(void)en;
	if (++*(int *)arg == 2)
		return err_set(e, EX_OSERR, "out of memory");
	return 0;
}

/* A callback's failure fails the parse with its error, XML or JSON. */
START_TEST(t_callback_fails)
{
	static const char *const docs[] = {
		"<rss><channel><item><title>1</title></item><item><title>2"
		"</title></item><item><title>3</title></item></channel></rss>",
		"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\":"
		" [{\"id\": \"1\"}, {\"id\": \"2\"}, {\"id\": \"3\"}]}",
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		int n = 0;
		struct parse_callbacks cb = { fail_at_second, &n };
		struct err e = ERR_INIT;
		struct parser *p = parser_new(NULL, NULL, NULL, &cb, &e);
		struct feed *f = NULL;

		ck_assert_int_eq(parser_push(p, docs[i], strlen(docs[i]), &e),
				 0);
		ck_assert_int_eq(parser_finish(p, &f, &e), -1);
		ck_assert_int_eq(n, 2);
		ck_assert_int_eq(e.code, EX_OSERR);
		ck_assert_str_eq(e.msg, "out of memory");
		ck_assert_ptr_null(f);
		parser_free(p);
	}
}
END_TEST

/* A title of exactly BUF_MAX_FIELD bytes is whole; one more byte and the
 * field is cut with a warning. */
static size_t
title_len(size_t n, int *truncated)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC);
	struct err e = ERR_INIT;
	struct parser *p = parser_new(NULL, NULL, NULL, NULL, &e);
	struct feed *f = NULL;
	size_t i, len;

	buf_adds(&doc, "<rss><channel><title>");
	for (i = 0; i < n; i++)
		buf_addch(&doc, 'a' + (int)(i % 26));
	buf_adds(&doc, "</title></channel></rss>");
	ck_assert_int_eq(parser_push(p, doc.data, doc.len, &e), 0);
	ck_assert_int_eq(parser_finish(p, &f, &e), 0);
	*truncated = has_warning(p, PARSE_WARN_TRUNCATED, NULL);
	len = f->title ? strlen(f->title) : 0;
	feed_free(f);
	parser_free(p);
	buf_release(&doc);
	return len;
}

START_TEST(t_field_cap)
{
	int tr;

	ck_assert_uint_eq(title_len(BUF_MAX_FIELD, &tr), BUF_MAX_FIELD);
	ck_assert_int_eq(tr, 0);
	ck_assert_uint_lt(title_len(BUF_MAX_FIELD + 1, &tr), BUF_MAX_FIELD + 1);
	ck_assert_int_eq(tr, 1);
}
END_TEST

static int
count_entry(const struct feed *f, const struct entry *en, void *arg,
	    struct err *e)
{
	(void)f;
	(void)en;
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* A CDATA section past libxml2's 10 MB limit loses neither the entries
 * after it nor the flat memory. */
START_TEST(t_huge_cdata)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC);
	int n = 0;
	struct parse_callbacks cb = { count_entry, &n };
	struct err e = ERR_INIT;
	struct parser *p = parser_new(NULL, NULL, NULL, &cb, &e);
	struct feed *f = NULL;
	size_t i, off;

	buf_adds(&doc, "<rss><channel><item><description><![CDATA[");
	for (i = 0; i < 11u * 1024 * 1024; i++)
		buf_addch(&doc, i % 64 ? 'y' : ']');
	buf_adds(&doc, "]]></description></item><item><title>after</title>"
		       "</item></channel></rss>");
	for (off = 0; off < doc.len; off += 4096)
		ck_assert_int_eq(parser_push(p, doc.data + off,
					     doc.len - off < 4096 ?
						     doc.len - off :
						     4096,
					     &e),
				 0);
	ck_assert_int_eq(parser_finish(p, &f, &e), 0);
	ck_assert_int_eq(n, 2);
	ck_assert(has_warning(p, PARSE_WARN_TRUNCATED, NULL));
	ck_assert(!has_warning(p, PARSE_WARN_MALFORMED, NULL));
	feed_free(f);
	parser_free(p);
	buf_release(&doc);
}
END_TEST

/* Comments, processing instructions and a DOCTYPE before the root, each
 * longer than what the filter holds back (PARSE_MAX_PROLOG_ITEM is 64
 * kB): dropped, whatever the chunking, and the feed still read. */
START_TEST(t_big_prolog)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC);
	struct pcase c;
	static const size_t chunks[] = { 0, 1000, 4096, 65536 };
	size_t i, k;

	buf_adds(&doc, "<?xml version=\"1.0\"?>\n<!-- ");
	for (i = 0; i < 100000; i++)
		buf_addch(&doc, i % 80 ? '-' : '\n');
	buf_adds(&doc, " -->\n<?pi ");
	for (i = 0; i < 100000; i++)
		buf_addch(&doc, '?');
	buf_adds(&doc, " ?>\n<!DOCTYPE rss [ <!ENTITY big \"");
	for (i = 0; i < 100000; i++)
		buf_addch(&doc, 'v');
	buf_adds(&doc,
		 "\"> <!ENTITY q \"]>\"> ]>\n<rss><channel><title>ok"
		 "</title><item><title>i &big;</title></item></channel></rss>");
	memset(&c, 0, sizeof(c));
	c.name = "big prolog";
	c.doc = doc.data;
	c.len = doc.len;
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		char *got = run(&c, chunks[k], NULL);

		ck_assert_msg(!strcmp(got, "~|i &big;|~|~|~|~|~|~||\n"
					   "F|rss20|ok|~|~|~|~|~|0\n"),
			      "chunk %zu: %s", chunks[k], got);
		free(got);
	}
	buf_release(&doc);
}
END_TEST

/* A character reference that never ends: the filter looks at 40 bytes
 * at most, then it is text; never held back whole. */
START_TEST(t_long_reference)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC), want = BUF_INIT(BUF_MAX_DOC);
	struct pcase c;
	static const size_t chunks[] = { 0, 1, 1000 };
	size_t i, k;

	buf_adds(&doc, "<rss><channel><title>a&#");
	for (i = 0; i < 70000; i++)
		buf_addch(&doc, '1');
	buf_adds(&doc, ";b</title></channel></rss>");
	/* "&#" and 38 digits make the 40 bytes looked at: a reference to a
	 * code point past U+10FFFF, dropped */
	buf_adds(&want, "F|rss20|a");
	for (i = 38; i < 70000; i++)
		buf_addch(&want, '1');
	buf_adds(&want, ";b|~|~|~|~|~|0\n");
	memset(&c, 0, sizeof(c));
	c.doc = doc.data;
	c.len = doc.len;
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		char *got = run(&c, chunks[k], NULL);

		ck_assert_msg(!strcmp(got, want.data), "chunk %zu: %.80s",
			      chunks[k], got);
		free(got);
	}
	buf_release(&doc);
	buf_release(&want);
}
END_TEST

/* A tag over the 1 MiB cap (PARSE_MAX_TAG) loses the rest of its
 * attributes; the attribute value it was cut in is closed even when a
 * character reference, not a plain byte, crosses the cap, so the markup
 * after the tag is still read. */
START_TEST(t_long_tag_ref)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC);
	struct pcase c;
	static const size_t chunks[] = { 0, 7, 4096 };
	static const char open_tag[] = "<category x=\"";
	size_t i, k, cross;

	buf_adds(&doc, "<rss><channel><item><title>one</title>");
	buf_adds(&doc, open_tag);
	/* the tag is counted from its '<': "&amp;" starts 2 bytes short of
	 * the cap and ends 3 past it */
	cross = 1024 * 1024 - 2 - (sizeof(open_tag) - 1);
	for (i = 0; i < cross; i++)
		buf_addch(&doc, 'a');
	buf_adds(&doc, "&amp;bbbb\" y=\"z\">c</category></item>"
		       "<item><title>after</title></item></channel></rss>");
	memset(&c, 0, sizeof(c));
	c.doc = doc.data;
	c.len = doc.len;
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct parser *p = NULL;
		char *got = run(&c, chunks[k], &p);

		ck_assert_msg(!strcmp(got, "~|one|~|~|~|~|~|~|c|\n"
					   "~|after|~|~|~|~|~|~||\n"
					   "F|rss20|~|~|~|~|~|~|0\n"),
			      "chunk %zu: %.200s", chunks[k], got);
		ck_assert(has_warning(p, PARSE_WARN_TRUNCATED, "tag longer"));
		ck_assert(!has_warning(p, PARSE_WARN_MALFORMED, NULL));
		parser_free(p);
		free(got);
	}
	buf_release(&doc);
}
END_TEST

/* Escaped markup longer than a CDATA section may be (PARSE_MAX_SECTION)
 * is split in several; the field is cut at its cap, the entry after it
 * still read, whatever the chunking. */
START_TEST(t_huge_escaped)
{
	struct buf doc = BUF_INIT(BUF_MAX_DOC);
	struct pcase c;
	static const size_t chunks[] = { 0, 4096 };
	size_t i, k;

	buf_adds(&doc, "<rss><channel><item><description>");
	for (i = 0; i < 3u * 1024 * 1024; i++)
		buf_adds(&doc, i ? "&lt;" : "]");
	buf_adds(&doc, "</description></item><item><title>after</title>"
		       "</item></channel></rss>");
	memset(&c, 0, sizeof(c));
	c.doc = doc.data;
	c.len = doc.len;
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct parser *p = NULL;
		char *got = run(&c, chunks[k], &p);
		const char *second = strchr(got, '\n');

		ck_assert_msg(!strncmp(got, "~|~|~|~|~|~|]<<<", 16),
			      "chunk %zu: %.40s", chunks[k], got);
		ck_assert_msg(
			second &&
				!strcmp(second + 1,
					"~|after|~|~|~|~|~|~||\nF|rss20|~|~|~|~|~|~|0\n"),
			"chunk %zu: %.80s", chunks[k], second ? second : got);
		ck_assert(has_warning(p, PARSE_WARN_TRUNCATED, "field"));
		ck_assert(!has_warning(p, PARSE_WARN_MALFORMED, NULL));
		parser_free(p);
		free(got);
	}
	buf_release(&doc);
}
END_TEST

START_TEST(t_null_safe)
{
	parser_free(NULL);
	feed_free(NULL);
	entry_free(NULL);
	ck_assert_str_eq(feed_format_name(FEED_FORMAT_JSON11), "json11");
	ck_assert_str_eq(feed_format_name((enum feed_format)99), "unknown");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	setenv("FEEDMAIL_NOW", "1700000000", 1);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, t_cases, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, t_callback_stops);
	tcase_add_test(tc, t_callback_fails);
	tcase_add_test(tc, t_field_cap);
	tcase_add_test(tc, t_huge_cdata);
	tcase_add_test(tc, t_big_prolog);
	tcase_add_test(tc, t_long_reference);
	tcase_add_test(tc, t_long_tag_ref);
	tcase_add_test(tc, t_huge_escaped);
	tcase_add_test(tc, t_null_safe);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
