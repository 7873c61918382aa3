#include "config.h"

#include "parse/parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"
#include "lib/date.h"
#include "lib/url.h"
#include "lib/utf8.h"
#include "parse/internal.h"

/* A date more than this far ahead of the clock earns a warning. */
#define FUTURE_SLACK (24 * 60 * 60)
/* Longest encoding name we look at. */
#define CHARSET_MAX 40

void
parser_warn(struct parser *p, enum parse_warning_kind kind, long line,
	    const char *fmt, ...)
{
	struct buf b = BUF_INIT(1024);
	va_list ap;
	size_t i;

	if ((p->warned & (1u << kind)) || p->nwarnings >= PARSE_WARN__COUNT)
		return;
	p->warned |= 1u << kind;
	va_start(ap, fmt);
	if (buf_vaddf(&b, fmt, ap) < 0)
		buf_setlen(&b, 0);
	va_end(ap);
	/* feed text quoted in a message must not forge log lines */
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20)
			b.data[i] = ' ';
	p->warnings[p->nwarnings].kind = kind;
	p->warnings[p->nwarnings].line = line;
	p->warnings[p->nwarnings].msg = buf_detach(&b, NULL);
	p->nwarnings++;
}

static void fail_v(struct parser *p, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void
fail_v(struct parser *p, int code, const char *fmt, va_list ap)
{
	p->state = PARSE_FAILED;
	p->err.code = code;
	vsnprintf(p->err.msg, sizeof(p->err.msg), fmt, ap);
}

int
parser_fail(struct parser *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(p, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
parser_reject(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	p->not_a_feed = 1;
	va_start(ap, fmt);
	fail_v(p, EX_DATAERR, fmt, ap);
	va_end(ap);
	return -1;
}

int
parser_not_a_feed(const struct parser *p)
{
	return p->not_a_feed;
}

int
parser_emit(struct parser *p, const struct entry *en)
{
	int rc;

	p->nentries++;
	if (!p->cb.entry)
		return 0;
	rc = p->cb.entry(p->feed, en, p->cb.arg, &p->err);
	if (rc < 0)
		p->state = PARSE_FAILED;
	else if (rc > 0)
		p->state = PARSE_STOPPED;
	return rc != 0;
}

int64_t
parser_date(struct parser *p, const char *s, long line)
{
	int64_t t;

	if (!s || !*s)
		return DATE_NONE;
	if (date_parse(s, &t) < 0) {
		parser_warn(p, PARSE_WARN_BAD_DATE, line,
			    "unparseable date '%.80s'", s);
		return DATE_NONE;
	}
	if (t > p->now && t - p->now > FUTURE_SLACK)
		parser_warn(p, PARSE_WARN_FUTURE_DATE, line,
			    "date in the future '%.80s'", s);
	return t;
}

/* The charset parameter of a Content-Type value, malloc'd, or NULL. */
static char *
content_type_charset(const char *ct)
{
	const char *s, *end;

	for (s = ct; (s = strchr(s, ';'));) {
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncasecmp(s, "charset", 7) != 0)
			continue;
		s += 7;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '=')
			continue;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '"' || *s == '\'') {
			char q = *s++;

			end = strchr(s, q);
			if (!end)
				end = s + strlen(s);
		} else {
			end = s + strcspn(s, " \t;");
		}
		if (end == s || end - s > CHARSET_MAX)
			return NULL;
		return strndup(s, (size_t)(end - s));
	}
	return NULL;
}

static int
is_http_url(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 ||
	       strncasecmp(u, "https://", 8) == 0;
}

struct parser *
parser_new(const char *doc_url, const char *content_type,
	   const char *content_location, const struct parse_callbacks *cb,
	   struct err *e)
{
	struct parser *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->cd = (iconv_t)-1;
	p->now = clock_now();
	buf_init(&p->head, PARSE_SNIFF_LEN);
	buf_init(&p->dec, BUF_MAX_DOC);
	buf_init(&p->filt, BUF_MAX_DOC);
	buf_init(&p->json, BUF_MAX_DOC);
	filter_init(&p->filter);
	if (cb)
		p->cb = *cb;
	p->feed = feed_new();
	if (!p->feed)
		goto oom;
	if (doc_url && *doc_url && !(p->base = strdup(doc_url)))
		goto oom;
	if (content_location && *content_location) {
		/* RFC 7231 3.1.4.2: relative to the request URL; only an
		 * http(s) result may serve as a base (never javascript:). */
		char *cl = url_resolve(p->base, content_location);

		if (!cl)
			goto oom;
		if (is_http_url(cl)) {
			free(p->base);
			p->base = cl;
		} else {
			free(cl);
		}
	}
	if (content_type)
		p->charset = content_type_charset(content_type);
	return p;
oom:
	parser_free(p);
	err_set(e, EX_OSERR, "parser: out of memory");
	return NULL;
}

int
parser_set_content_language(struct parser *p, const char *lang, struct err *e)
{
	free(p->content_language);
	p->content_language = NULL;
	if (!lang || !*lang)
		return 0;
	p->content_language = strndup(lang, strcspn(lang, ", \t"));
	if (!p->content_language)
		return err_set(e, EX_OSERR, "parser: out of memory");
	return 0;
}

void
parser_free(struct parser *p)
{
	size_t i;

	if (!p)
		return;
	if (p->cd != (iconv_t)-1)
		iconv_close(p->cd);
	parse_xml_free(p->xml);
	filter_release(&p->filter);
	buf_release(&p->head);
	buf_release(&p->dec);
	buf_release(&p->filt);
	buf_release(&p->json);
	feed_free(p->feed);
	for (i = 0; i < p->nwarnings; i++)
		free(p->warnings[i].msg);
	free(p->base);
	free(p->charset);
	free(p->content_language);
	free(p);
}

size_t
parser_warning_count(const struct parser *p)
{
	return p->nwarnings;
}

const char *
parser_warning(const struct parser *p, size_t i, long *line,
	       enum parse_warning_kind *kind)
{
	if (i >= p->nwarnings)
		return NULL;
	if (line)
		*line = p->warnings[i].line;
	if (kind)
		*kind = p->warnings[i].kind;
	return p->warnings[i].msg;
}

long
parser_line(const struct parser *p)
{
	return p->xml ? parse_xml_line(p->xml) : 0;
}

size_t
parser_entry_count(const struct parser *p)
{
	return p->nentries;
}

/* --- encoding ---------------------------------------------------------- */

/* Labels that mean windows-1252 in practice (WHATWG Encoding, 4.2:
 * ISO-8859-1 and US-ASCII labels are decoded as windows-1252). */
static const char *const cp1252_labels[] = {
	"iso-8859-1", "iso8859-1",      "iso_8859-1",   "iso_8859-1:1987",
	"latin1",     "latin-1",        "l1",           "us-ascii",
	"ascii",      "ansi_x3.4-1968", "cp819",        "ibm819",
	"iso-ir-100", "csisolatin1",    "windows-1252", "cp1252",
	"x-cp1252",   "iso88591",       "us",           "iso646-us",
	NULL,
};

/* Names glibc's iconv does not know, with the name it does. */
static const char *const charset_aliases[][2] = {
	{ "csibm861", "IBM861" }, { "x-sjis", "SHIFT_JIS" },
	{ "x-euc-jp", "EUC-JP" }, { "ks_c_5601-1987", "CP949" },
	{ "gb2312", "GBK" },      { NULL, NULL },
};

/* Lower-cases and trims label into out; "" when unusable. */
static void
charset_clean(const char *label, char out[CHARSET_MAX + 1])
{
	size_t n = 0;

	while (*label == ' ' || *label == '\t' || *label == '"' ||
	       *label == '\'')
		label++;
	for (; *label && n < CHARSET_MAX; label++) {
		unsigned char c = (unsigned char)*label;

		if (c == ' ' || c == '\t' || c == '"' || c == '\'')
			break;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
}

static int
is_utf8_label(const char *l)
{
	return strcmp(l, "utf-8") == 0 || strcmp(l, "utf8") == 0 ||
	       strcmp(l, "unicode-1-1-utf-8") == 0;
}

static int
is_utf16_label(const char *l)
{
	return strncmp(l, "utf-16", 6) == 0 || strncmp(l, "utf16", 5) == 0 ||
	       strcmp(l, "ucs-2") == 0 || strncmp(l, "utf-32", 6) == 0;
}

/* Opens a converter from label to UTF-8: 0, 1 when label is UTF-8 (no
 * converter), -1 when iconv does not know it. */
static int
charset_open(struct parser *p, const char *label)
{
	char l[CHARSET_MAX + 1];
	const char *name;
	size_t i;

	charset_clean(label, l);
	if (!*l || is_utf8_label(l))
		return 1;
	name = l;
	for (i = 0; cp1252_labels[i]; i++)
		if (strcmp(l, cp1252_labels[i]) == 0)
			name = "CP1252";
	for (i = 0; charset_aliases[i][0]; i++)
		if (strcmp(l, charset_aliases[i][0]) == 0)
			name = charset_aliases[i][1];
	p->cd = iconv_open("UTF-8", name);
	return p->cd == (iconv_t)-1 ? -1 : 0;
}

/* The encoding pseudo-attribute of an XML declaration at the start of s
 * (ASCII), copied into out; 0 when found. */
static int
decl_encoding(const char *s, size_t len, char out[CHARSET_MAX + 1])
{
	const char *end, *q;
	size_t i = 0;

	while (i < len &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (len - i < 6 || memcmp(s + i, "<?xml", 5) != 0)
		return -1;
	end = memmem(s + i, len - i, "?>", 2);
	if (!end)
		return -1;
	q = memmem(s + i, (size_t)(end - s - i), "encoding", 8);
	if (!q)
		return -1;
	q += 8;
	while (q < end && (*q == ' ' || *q == '=' || *q == '\t'))
		q++;
	if (q >= end || (*q != '"' && *q != '\''))
		return -1;
	{
		char quote = *q++;
		const char *e2 = memchr(q, quote, (size_t)(end - q));

		if (!e2 || e2 - q > CHARSET_MAX)
			return -1;
		memcpy(out, q, (size_t)(e2 - q));
		out[e2 - q] = '\0';
	}
	return 0;
}

/* Decides the encoding from the first bytes; returns how many bytes of
 * byte-order mark to skip. */
static size_t
sniff_encoding(struct parser *p)
{
	const unsigned char *u = (const unsigned char *)p->head.data;
	size_t n = p->head.len, skip = 0;
	char label[CHARSET_MAX + 1] = "";
	const char *fixed = NULL;

	if (n >= 4 && !memcmp(u, "\x00\x00\xfe\xff", 4))
		fixed = "UTF-32BE", skip = 4;
	else if (n >= 4 && !memcmp(u, "\xff\xfe\x00\x00", 4))
		fixed = "UTF-32LE", skip = 4;
	else if (n >= 3 && !memcmp(u, "\xef\xbb\xbf", 3))
		fixed = "UTF-8", skip = 3;
	else if (n >= 2 && !memcmp(u, "\xfe\xff", 2))
		fixed = "UTF-16BE", skip = 2;
	else if (n >= 2 && !memcmp(u, "\xff\xfe", 2))
		fixed = "UTF-16LE", skip = 2;
	if (fixed) {
		p->enc_declared = 1;
		if (strcmp(fixed, "UTF-8") != 0)
			p->cd = iconv_open("UTF-8", fixed);
		return skip;
	}
	if (p->charset) {
		int rc = charset_open(p, p->charset);

		if (rc >= 0) {
			p->enc_declared = 1;
			return 0;
		}
		parser_warn(p, PARSE_WARN_ENCODING, 0,
			    "unknown charset '%s' in Content-Type", p->charset);
	}
	/* XML 1.0 appendix F: the family from the first four bytes. */
	if (n >= 4 && !memcmp(u, "\x3c\x00\x3f\x00", 4))
		fixed = "UTF-16LE";
	else if (n >= 4 && !memcmp(u, "\x00\x3c\x00\x3f", 4))
		fixed = "UTF-16BE";
	else if (n >= 4 && !memcmp(u, "\x4c\x6f\xa7\x94", 4)) {
		/* EBCDIC: read the declaration through code page 037, then
		 * use the code page it names. */
		iconv_t cd = iconv_open("UTF-8", "IBM037");
		char tmp[PARSE_SNIFF_LEN + 1];
		char *in = p->head.data, *out = tmp;
		size_t inl = n, outl = sizeof(tmp) - 1;

		if (cd != (iconv_t)-1) {
			iconv(cd, &in, &inl, &out, &outl);
			iconv_close(cd);
			if (decl_encoding(tmp, (size_t)(out - tmp), label) ==
				    0 &&
			    charset_open(p, label) == 0) {
				p->enc_declared = 1;
				return 0;
			}
		}
		fixed = "IBM037";
	}
	if (fixed) {
		p->enc_declared = 1;
		p->cd = iconv_open("UTF-8", fixed);
		return 0;
	}
	if (decl_encoding(p->head.data, n, label) == 0) {
		char l[CHARSET_MAX + 1];
		int rc;

		charset_clean(label, l);
		/* A UTF-16 label on ASCII-compatible bytes is a lie. */
		if (is_utf16_label(l))
			return 0;
		rc = charset_open(p, label);
		if (rc >= 0) {
			p->enc_declared = 1;
			return 0;
		}
		parser_warn(p, PARSE_WARN_ENCODING, 1,
			    "unknown encoding '%s', read as UTF-8", label);
	}
	return 0;
}

/* XML 1.0 section 2.2 Char, minus what we drop. */
static int
xml_char_ok(unsigned long c)
{
	if (c < 0x20)
		return c == 0x9 || c == 0xa || c == 0xd;
	return c != 0xfffe && c != 0xffff;
}

/* Bytes from s that clean_utf8 copies as they are: ASCII characters XML
 * allows (0x20 to 0x7f, tab, LF, CR), eight at a time up to the first
 * byte >= 0x80, and the common two- and three-byte sequences that are
 * valid and allowed. The rest (C1 controls, E0 and ED leads, U+FFFE and
 * U+FFFF, four-byte forms, anything cut off or invalid) is left to the
 * full decoder. */
static size_t
plain_span(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x80 * ones;
	size_t i = 0;

	for (;;) {
		unsigned char c;

		while (len - i >= 8) {
			uint64_t w, hi, ctl;

			memcpy(&w, s + i, 8);
			hi = w & high;
			/* a high bit for each byte < 0x20, and maybe for
			 * some above one (a borrow): each is looked at */
			ctl = (w - 0x20 * ones) & ~w & high;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			if (hi)
				ctl &= (hi & -hi) - 1; /* before it */
			for (; ctl; ctl &= ctl - 1) {
				size_t k = (size_t)__builtin_ctzll(ctl) / 8;

				c = s[i + k];
				if (c < 0x20 && c != '\t' && c != '\n' &&
				    c != '\r')
					return i + k;
			}
			if (hi) {
				i += (size_t)__builtin_ctzll(hi) / 8;
				break;
			}
#else
			if (hi || ctl)
				break;
#endif
			i += 8;
		}
		if (i == len)
			return i;
		c = s[i];
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return i;
			i++;
		} else if (c >= 0xc2 && c <= 0xdf) {
			/* U+00A0 to U+07FF */
			if (len - i < 2 || (s[i + 1] & 0xc0) != 0x80 ||
			    (c == 0xc2 && s[i + 1] < 0xa0))
				return i;
			i += 2;
		} else if (c >= 0xe1 && c <= 0xef && c != 0xed) {
			/* U+1000 to U+FFFD, surrogates excluded */
			if (len - i < 3 || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe))
				return i;
			i += 3;
		} else {
			return i;
		}
	}
}

/* Appends UTF-8 text to out: invalid sequences become U+FFFD (or the
 * windows-1252 character when no encoding was declared), characters XML
 * forbids are dropped. An incomplete sequence at the end is kept in
 * p->pend unless final. */
static int
clean_utf8(struct parser *p, const unsigned char *s, size_t len, int final,
	   struct buf *out)
{
	size_t i = 0, run = 0;
	int bad = 0;

	while (i < len) {
		unsigned long cp;
		size_t nbad, span = plain_span(s + i, len - i);
		int n;

		i += span;
		run += span;
		if (i == len)
			break;
		n = utf8_decode(s + i, len - i, &cp, &nbad);

		if (n == 2 && utf8_cp1252_c1(cp)) {
			/* C1 controls are windows-1252 mislabelled, as
			 * feedparser and browsers read them */
			if (run && buf_add(out, s + i - run, run) < 0)
				return -1;
			run = 0;
			if (utf8_encode(out, utf8_cp1252_c1(cp)) < 0)
				return -1;
			i += 2;
			continue;
		}
		if (n > 0 && xml_char_ok(cp)) {
			i += (size_t)n;
			run += (size_t)n;
			continue;
		}
		if (run && buf_add(out, s + i - run, run) < 0)
			return -1;
		run = 0;
		if (n < 0 && !final) {
			p->npend = len - i;
			memcpy(p->pend, s + i, p->npend);
			return 0;
		}
		if (n > 0) {
			i += (size_t)n; /* a forbidden control: dropped */
			bad |= 2;
			continue;
		}
		bad |= 1;
		if (n < 0)
			nbad = len - i; /* cut off by the end */
		if (!p->enc_declared && s[i] >= 0x80) {
			/* not UTF-8 in an undeclared document: each byte
			 * as windows-1252 */
			size_t k;

			for (k = 0; k < nbad; k++) {
				unsigned char b = s[i + k];
				unsigned long c = b < 0xa0 ? utf8_cp1252_c1(b) :
							     b;

				if (utf8_encode(out, c ? c : 0xfffd) < 0)
					return -1;
			}
			i += nbad;
			continue;
		}
		if (buf_add(out, "\xef\xbf\xbd", 3) < 0)
			return -1;
		i += nbad;
	}
	if (run && buf_add(out, s + i - run, run) < 0)
		return -1;
	if ((bad & 1) && p->enc_declared)
		parser_warn(p, PARSE_WARN_ENCODING, 0,
			    "invalid byte sequences replaced with U+FFFD");
	return 0;
}

/* Decodes in (after what was pending) to UTF-8 into p->dec. */
static int
decode(struct parser *p, const char *in, size_t len, int final)
{
	struct buf raw = BUF_INIT(BUF_MAX_DOC), clean = BUF_INIT(BUF_MAX_DOC);
	char *ip, *op;
	size_t il, ol, before;
	int rc = -1;

	buf_reset(&p->dec);
	if (p->npend) {
		if (buf_add(&raw, p->pend, p->npend) < 0 ||
		    buf_add(&raw, in, len) < 0)
			goto out;
		p->npend = 0;
		in = raw.data;
		len = raw.len;
	}
	if (p->cd == (iconv_t)-1) {
		rc = clean_utf8(p, (const unsigned char *)in, len, final,
				&p->dec);
		goto out;
	}
	ip = (char *)in;
	il = len;
	while (il) {
		if (buf_grow(&p->dec, il * 4 + 16) < 0)
			goto out;
		op = p->dec.data + p->dec.len;
		ol = p->dec.cap - p->dec.len - 1;
		before = ol;
		if (iconv(p->cd, &ip, &il, &op, &ol) != (size_t)-1) {
			p->dec.len += before - ol;
			break;
		}
		p->dec.len += before - ol;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final && il < sizeof(p->pend)) {
			memcpy(p->pend, ip, il);
			p->npend = il;
			break;
		}
		/* EILSEQ, or a sequence cut off at the very end */
		if (buf_add(&p->dec, "\xef\xbf\xbd", 3) < 0)
			goto out;
		parser_warn(p, PARSE_WARN_ENCODING, 0,
			    "bytes invalid in the document's encoding replaced "
			    "with U+FFFD");
		ip++;
		il--;
	}
	if (p->dec.cap)
		p->dec.data[p->dec.len] = '\0';
	/* iconv gives valid UTF-8; still drop what XML forbids. */
	if (clean_utf8(p, (const unsigned char *)p->dec.data, p->dec.len, 1,
		       &clean) < 0)
		goto out;
	buf_release(&p->dec);
	p->dec = clean;
	buf_init(&clean, BUF_MAX_DOC);
	rc = 0;
out:
	buf_release(&raw);
	buf_release(&clean);
	return rc;
}

/* First character that is not white space, or 0. */
static int
first_char(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return (unsigned char)s[i];
	return 0;
}

/* Runs decoded text into the format's parser. */
static int
feed_text(struct parser *p, int final, struct err *e)
{
	if (p->state == PARSE_JSON) {
		if (buf_add(&p->json, p->dec.data, p->dec.len) < 0)
			return parser_fail(p, EX_DATAERR,
					   "JSON document larger than %u bytes",
					   (unsigned)BUF_MAX_DOC);
		return 0;
	}
	if (parse_xml_push(p, p->dec.data, p->dec.len, final, e) < 0)
		return -1;
	return 0;
}

/* Decides encoding and format on what is in p->head and parses it. */
static int
start(struct parser *p, int final, struct err *e)
{
	size_t skip = sniff_encoding(p);

	if (decode(p, p->head.data + skip, p->head.len - skip, final) < 0)
		return parser_fail(p, EX_OSERR, "out of memory");
	if (first_char(p->dec.data, p->dec.len) == '{') {
		p->state = PARSE_JSON;
	} else {
		p->state = PARSE_XML;
		if (parse_xml_begin(p, e) < 0)
			return -1;
	}
	buf_release(&p->head);
	return feed_text(p, final, e);
}

static int
fail_out(struct parser *p, struct err *e)
{
	if (p->state != PARSE_FAILED)
		parser_fail(p, EX_OSERR, "out of memory");
	err_set(e, p->err.code, "%s", p->err.msg);
	return -1;
}

int
parser_push(struct parser *p, const char *bytes, size_t len, struct err *e)
{
	if (p->state == PARSE_STOPPED)
		return 0;
	if (p->state == PARSE_FAILED)
		return fail_out(p, e);
	if (p->state == PARSE_SNIFF) {
		size_t room = PARSE_SNIFF_LEN - p->head.len;
		size_t take = len < room ? len : room;

		/* the head goes through start() in one piece, which is
		 * fine: PARSE_SNIFF_LEN is below PARSE_SLICE */
		if (buf_add(&p->head, bytes, take) < 0)
			return fail_out(p, e);
		bytes += take;
		len -= take;
		if (p->head.len < PARSE_SNIFF_LEN)
			return 0;
		if (start(p, 0, e) < 0)
			return fail_out(p, e);
	}
	/* in slices, so that the scratch buffers stay small whatever the
	 * caller pushes at once */
	while (len && p->state != PARSE_STOPPED) {
		size_t n = len < PARSE_SLICE ? len : PARSE_SLICE;

		if (decode(p, bytes, n, 0) < 0 || feed_text(p, 0, e) < 0)
			return fail_out(p, e);
		bytes += n;
		len -= n;
	}
	return 0;
}

int
parser_finish(struct parser *p, struct feed **feed_out, struct err *e)
{
	*feed_out = NULL;
	if (p->state == PARSE_FAILED)
		return fail_out(p, e);
	if (p->state == PARSE_SNIFF) {
		if (first_char(p->head.data, p->head.len) == 0) {
			parser_reject(p, "not a feed (empty document)");
			return fail_out(p, e);
		}
		if (start(p, 1, e) < 0)
			return fail_out(p, e);
	} else if (p->state == PARSE_XML || p->state == PARSE_JSON) {
		if (decode(p, "", 0, 1) < 0 || feed_text(p, 1, e) < 0)
			return fail_out(p, e);
	}
	if (p->state == PARSE_JSON) {
		if (parse_json_doc(p, p->json.data, p->json.len, e) < 0)
			return fail_out(p, e);
	} else if (p->xml) {
		if (parse_xml_end(p, e) < 0)
			return fail_out(p, e);
	}
	if (p->state == PARSE_FAILED)
		return fail_out(p, e);
	if (!p->feed->language && p->content_language) {
		p->feed->language = p->content_language;
		p->content_language = NULL;
	}
	*feed_out = p->feed;
	p->feed = NULL;
	return 0;
}
