#include "config.h"

#include "lib/addr.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
addr_is_atext(int c)
{
	return str_is_alpha(c) || str_is_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 4.1.3: IPv4-address-literal = Snum 3("." Snum), Snum at most
 * three digits worth 0..255. */
static int
is_ipv4(const char *p, size_t len)
{
	size_t i = 0, digits;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
		v = 0;
		for (digits = 0; i < len && str_is_digit((unsigned char)p[i]);
		     digits++, i++)
			v = digits < 3 ? v * 10 + (p[i] - '0') : 256;
		if (digits == 0 || v > 255)
			return 0;
	}
	return i == len;
}

/* "[1.2.3.4]" or "[IPv6:...]" (RFC 5321 4.1.3). */
static int
check_literal(const char *d, size_t len, const char *q, struct err *e)
{
	char text[64];
	unsigned char bin[16];

	if (len < 2 || d[len - 1] != ']')
		return err_set(e, EX_DATAERR,
			       "'%s': unterminated address "
			       "literal",
			       q);
	d++;
	len -= 2;
	if (len >= 5 && strncasecmp(d, "IPv6:", 5) == 0) {
		if (len - 5 >= sizeof(text))
			goto bad6;
		memcpy(text, d + 5, len - 5);
		text[len - 5] = '\0';
		if (inet_pton(AF_INET6, text, bin) != 1)
			goto bad6;
		return 0;
	}
	if (memchr(d, ':', len))
		return err_set(e, EX_DATAERR,
			       "'%s': unsupported address "
			       "literal (use [1.2.3.4] or [IPv6:...])",
			       q);
	if (!is_ipv4(d, len))
		return err_set(e, EX_DATAERR,
			       "'%s': invalid IPv4 address "
			       "literal",
			       q);
	return 0;
bad6:
	return err_set(e, EX_DATAERR, "'%s': invalid IPv6 address literal", q);
}

/* Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str]
 * (RFC 5321 4.1.2), in ASCII: the form that goes on the wire. Labels of
 * at most ADDR_LABEL_MAX octets. */
static int
check_ldh(const char *d, size_t len, const char *q, struct err *e)
{
	size_t i = 0, start;
	char shown[8];

	if (len > ADDR_DOMAIN_MAX)
		return err_set(e, EX_DATAERR,
			       "'%s': domain longer than %d "
			       "octets",
			       q, ADDR_DOMAIN_MAX);
	for (;;) {
		start = i;
		while (i < len && d[i] != '.') {
			unsigned char c = (unsigned char)d[i];

			if (c == '@')
				return err_set(e, EX_DATAERR,
					       "'%s': more "
					       "than one '@'",
					       q);
			if (!str_is_alpha(c) && !str_is_digit(c) && c != '-') {
				err_quote(shown, sizeof(shown), d + i, 1);
				return err_set(e, EX_DATAERR,
					       "'%s': invalid "
					       "character '%s' in domain",
					       q, shown);
			}
			i++;
		}
		if (i == start)
			return err_set(e, EX_DATAERR,
				       "'%s': empty label in "
				       "domain",
				       q);
		if (i - start > ADDR_LABEL_MAX)
			return err_set(e, EX_DATAERR,
				       "'%s': domain label "
				       "longer than %d octets",
				       q, ADDR_LABEL_MAX);
		if (d[start] == '-' || d[i - 1] == '-')
			return err_set(e, EX_DATAERR,
				       "'%s': domain label "
				       "starts or ends with '-'",
				       q);
		if (i == len)
			return 0;
		i++;
	}
}

/* Whether the domain needs IDNA processing: a non-ASCII byte, or a label
 * that claims to be an A-label ("xn--"), which must then decode. */
static int
needs_idna(const char *d, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)d[i] >= 0x80)
			return 1;
		if ((i == 0 || d[i - 1] == '.') && len - i >= 4 &&
		    strncasecmp(d + i, "xn--", 4) == 0)
			return 1;
	}
	return 0;
}

/* The domain d (len octets, no literal) checked and written in ASCII to
 * out (size ADDR_DOMAIN_MAX + 1): an LDH domain as it is; one with
 * non-ASCII letters as IDNA2008 A-labels after UTS #46 non-transitional
 * mapping (lower case, NFC), "société.fr" -> "xn--socit-esab.fr"; an
 * A-label that does not decode is refused. */
static int
domain_ascii(const char *d, size_t len, const char *q, char *out, struct err *e)
{
	char *name = NULL, *ascii = NULL;
	size_t i, n;
	int rc;

	if (!needs_idna(d, len)) {
		if (check_ldh(d, len, q, e) < 0)
			return -1;
		memcpy(out, d, len);
		out[len] = '\0';
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (d[i] == '@')
			return err_set(e, EX_DATAERR,
				       "'%s': more than one "
				       "'@'",
				       q);
		if ((unsigned char)d[i] < 0x80)
			continue;
		n = utf8_valid((const unsigned char *)d + i, len - i);
		if (!n)
			return err_set(e, EX_DATAERR,
				       "'%s': invalid UTF-8 "
				       "in domain",
				       q);
		i += n - 1;
	}
	name = strndup(d, len);
	if (!name)
		return err_set(e, EX_OSERR, "out of memory");
	rc = idn2_to_ascii_8z(name, &ascii,
			      IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(name);
	if (rc == IDN2_MALLOC)
		return err_set(e, EX_OSERR, "out of memory");
	/* libidn2's words: "string contains a disallowed character",
	 * "string contains invalid punycode data" */
	if (rc != IDN2_OK)
		return err_set(e, EX_DATAERR,
			       "'%s': not a valid "
			       "international domain name: %s",
			       q, idn2_strerror(rc));
	/* the mapping may yield what no host name has ('_' from U+FF3F):
	 * the A-label form must be a plain LDH domain too */
	n = strlen(ascii);
	rc = check_ldh(ascii, n, q, e);
	if (rc == 0)
		memcpy(out, ascii, n + 1);
	idn2_free(ascii);
	return rc;
}

/* Validates addr and writes its ASCII form (see addr_ascii) to ascii,
 * of ADDR_MAX + 1 octets. */
static int
check(const char *addr, char *ascii, struct err *e)
{
	char q[ERR_QUOTE_SIZE], shown[8], domain[ADDR_DOMAIN_MAX + 1];
	size_t len, i;

	if (!addr)
		addr = "";
	len = strlen(addr);
	err_quote(q, sizeof(q), addr, len);
	if (len == 0)
		return err_set(e, EX_DATAERR, "'': empty address");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c == '\r' || c == '\n')
			return err_set(e, EX_DATAERR,
				       "'%s': line break in "
				       "address",
				       q);
		if (c < ' ' || c == 0x7f)
			return err_set(e, EX_DATAERR,
				       "'%s': control "
				       "character in address",
				       q);
	}
	if (addr[0] == ' ' || addr[len - 1] == ' ')
		return err_set(e, EX_DATAERR,
			       "'%s': leading or trailing "
			       "white space",
			       q);
	if (memchr(addr, '<', len) || memchr(addr, '>', len))
		return err_set(e, EX_DATAERR,
			       "'%s': give the bare address "
			       "(bob@example.org), without a name or <>",
			       q);
	if (len > ADDR_MAX)
		return err_set(e, EX_DATAERR,
			       "'%s': address longer than %d "
			       "octets",
			       q, ADDR_MAX);
	/* RFC 5321 allows "bob smith"@example.org, but mbox From lines,
	 * sendmail's arguments and many servers do not: one address, one
	 * plain form everywhere */
	if (addr[0] == '"')
		return err_set(e, EX_DATAERR,
			       "'%s': quoted local parts are "
			       "not supported: give an address whose part "
			       "before '@' has no quotes or spaces",
			       q);
	for (i = 0; i < len && addr[i] != '@'; i++) {
		unsigned char c = (unsigned char)addr[i];

		/* RFC 6531 3.3: a UTF-8 local part needs SMTPUTF8 at every
		 * hop, and libesmtp cannot ask for it (no MAIL FROM
		 * parameter of that name): refused, not sent to bounce */
		if (c >= 0x80)
			return err_set(e, EX_DATAERR,
				       "'%s': non-ASCII local "
				       "parts are not supported: they need "
				       "SMTPUTF8, which feedmail cannot send "
				       "(the domain may be international)",
				       q);
		if (!addr_is_atext(c) && c != '.') {
			err_quote(shown, sizeof(shown), addr + i, 1);
			return err_set(e, EX_DATAERR,
				       "'%s': invalid "
				       "character '%s' in local part",
				       q, shown);
		}
	}
	if (i == len)
		return err_set(e, EX_DATAERR, "'%s': missing '@'", q);
	if (i == 0)
		return err_set(e, EX_DATAERR, "'%s': missing local part", q);
	/* Dot-string = Atom *("." Atom) */
	if (addr[0] == '.' || addr[i - 1] == '.')
		return err_set(e, EX_DATAERR,
			       "'%s': local part starts or "
			       "ends with a dot",
			       q);
	if (memmem(addr, i, "..", 2))
		return err_set(e, EX_DATAERR,
			       "'%s': two dots in a row in "
			       "local part",
			       q);
	if (i > ADDR_LOCAL_MAX)
		return err_set(e, EX_DATAERR,
			       "'%s': local part longer than "
			       "%d octets",
			       q, ADDR_LOCAL_MAX);
	if (i + 1 == len)
		return err_set(e, EX_DATAERR, "'%s': missing domain", q);
	if (addr[i + 1] == '[') {
		if (check_literal(addr + i + 1, len - i - 1, q, e) < 0)
			return -1;
		memcpy(ascii, addr, len + 1);
		return 0;
	}
	if (domain_ascii(addr + i + 1, len - i - 1, q, domain, e) < 0)
		return -1;
	/* RFC 5321 4.5.3.1.3: the limit is on the path as sent */
	if (i + 1 + strlen(domain) > ADDR_MAX)
		return err_set(e, EX_DATAERR,
			       "'%s': address longer than %d "
			       "octets once its domain is in ASCII",
			       q, ADDR_MAX);
	memcpy(ascii, addr, i + 1);
	memcpy(ascii + i + 1, domain, strlen(domain) + 1);
	return 0;
}

int
addr_validate(const char *addr, struct err *e)
{
	char ascii[ADDR_SIZE];

	return check(addr, ascii, e);
}

int
addr_ascii(const char *addr, char *out, size_t size, struct err *e)
{
	char ascii[ADDR_SIZE];
	size_t n;

	if (check(addr, ascii, e) < 0)
		return -1;
	n = strlen(ascii);
	if (n >= size)
		return err_set(e, EX_SOFTWARE,
			       "addr_ascii: %zu octets given "
			       "for an address of %zu",
			       size, n);
	memcpy(out, ascii, n + 1);
	return 0;
}

char *
addr_normalize(const char *addr)
{
	char ascii[ADDR_SIZE];
	char *s, *p;

	if (check(addr, ascii, NULL) < 0)
		return NULL;
	s = strdup(addr);
	if (!s)
		return NULL;
	for (p = strchr(s, '@') + 1; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int
addr_parse_mailbox(const char *mailbox, char **name, char **addr, struct err *e)
{
	const char *lt = strrchr(mailbox, '<'), *gt;
	const char *n0 = mailbox, *n1;

	*name = *addr = NULL;
	if (!lt) {
		if (addr_validate(mailbox, e) < 0)
			return -1;
		*addr = strdup(mailbox);
		return *addr ? 0 : err_set(e, EX_OSERR, "out of memory");
	}
	gt = strchr(lt, '>');
	if (!gt || gt[1])
		return err_set(e, EX_DATAERR, "'%s': expected Name <address>",
			       mailbox);
	*addr = strndup(lt + 1, (size_t)(gt - lt - 1));
	if (!*addr)
		return err_set(e, EX_OSERR, "out of memory");
	if (addr_validate(*addr, e) < 0)
		goto fail;
	/* the name: trimmed, without surrounding double quotes */
	for (n1 = lt; n1 > n0 && (n1[-1] == ' ' || n1[-1] == '\t'); n1--)
		;
	while (n0 < n1 && (*n0 == ' ' || *n0 == '\t'))
		n0++;
	if (n1 - n0 >= 2 && *n0 == '"' && n1[-1] == '"') {
		n0++;
		n1--;
	}
	if (n1 > n0) {
		*name = strndup(n0, (size_t)(n1 - n0));
		if (!*name) {
			err_set(e, EX_OSERR, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	free(*addr);
	*addr = NULL;
	return -1;
}

int
addr_check_mailbox(const char *mailbox, struct err *e)
{
	char *name, *addr;

	if (addr_parse_mailbox(mailbox, &name, &addr, e) < 0)
		return -1;
	free(name);
	free(addr);
	return 0;
}

int
addr_check_domain(const char *d, size_t len, struct err *e)
{
	char q[ERR_QUOTE_SIZE];

	err_quote(q, sizeof(q), d, len);
	return check_ldh(d, len, q, e);
}

/* Well-known providers whose misspellings are common. A domain is
 * compared with their names (the part before the last dot) and their
 * top-level domains apart: "outlook.de" is not a typo of "outlook.fr". */
static const char *const providers[] = {
	"aol.com",        "email.com",     "free.fr",        "gmail.com",
	"gmx.com",        "gmx.de",        "gmx.fr",         "gmx.net",
	"googlemail.com", "hotmail.co.uk", "hotmail.com",    "hotmail.fr",
	"icloud.com",     "laposte.net",   "live.com",       "live.fr",
	"mac.com",        "mail.com",      "mail.ru",        "me.com",
	"msn.com",        "neuf.fr",       "orange.fr",      "outlook.com",
	"outlook.fr",     "proton.me",     "protonmail.com", "sfr.fr",
	"wanadoo.fr",     "web.de",        "yahoo.co.uk",    "yahoo.com",
	"yahoo.fr",       "yandex.ru",     "ymail.com",      NULL,
};

/* Misspellings of the usual top-level domains, never real ones. */
static const char *const tld_typos[] = {
	"cmo", "cm",  "co", "comm", "con", "cpm", "ocm", "om",   "vom",
	"xom", "frr", "rf", "ft",   "fe",  "nte", "ner", "nett", NULL,
};

static int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

int
addr_suspect(const char *addr, char *why, size_t size)
{
	char domain[ADDR_SIZE], gname[ADDR_SIZE], pname[ADDR_SIZE];
	const char *at = addr ? strrchr(addr, '@') : NULL, *gtld, *ptld;
	const char *best = NULL;
	size_t i, d, best_d = SIZE_MAX, len;

	if (!at || at[1] == '[' || strlen(at + 1) >= sizeof(domain))
		return 0;
	for (i = 0; at[1 + i]; i++)
		domain[i] = (char)(at[1 + i] >= 'A' && at[1 + i] <= 'Z' ?
					   at[1 + i] - 'A' + 'a' :
					   at[1 + i]);
	domain[i] = '\0';
	gtld = strrchr(domain, '.');
	if (!gtld) {
		snprintf(why, size, "the domain '%s' has no dot", domain);
		return 1;
	}
	if (in_list(providers, domain))
		return 0;
	len = (size_t)(gtld - domain);
	memcpy(gname, domain, len);
	gname[len] = '\0';
	gtld++;
	for (i = 0; providers[i]; i++) {
		ptld = strrchr(providers[i], '.');
		memcpy(pname, providers[i], (size_t)(ptld - providers[i]));
		pname[ptld - providers[i]] = '\0';
		ptld++;
		if (!strcmp(gname, pname)) {
			/* the provider's name, a top-level domain mistyped:
			 * the nearest of the provider's */
			d = in_list(tld_typos, gtld) ?
				    str_edit_distance(gtld, ptld,
						      STR_CASE_SENSITIVE) :
				    SIZE_MAX;
		} else if (!strcmp(gtld, ptld)) {
			/* the name mistyped: a letter or two off (a swap
			 * counts two), one only in a short name */
			d = str_edit_distance(gname, pname, STR_CASE_IGNORE);
			if (d > (strlen(pname) > 4 ? 2u : 1u))
				d = SIZE_MAX;
		} else {
			d = SIZE_MAX;
		}
		if (d < best_d) {
			best_d = d;
			best = providers[i];
		}
	}
	if (!best)
		return 0;
	snprintf(why, size, "did you mean '%s' rather than '%s'?", best,
		 domain);
	return 1;
}
