#include "addr.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5322 3.2.3 atext */
static int
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) ||
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
		for (digits = 0; i < len && is_digit((unsigned char)p[i]);
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
		return err_set(e, EX_DATAERR, "'%s': unterminated address "
			       "literal", q);
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
		return err_set(e, EX_DATAERR, "'%s': unsupported address "
			       "literal (use [1.2.3.4] or [IPv6:...])", q);
	if (!is_ipv4(d, len))
		return err_set(e, EX_DATAERR, "'%s': invalid IPv4 address "
			       "literal", q);
	return 0;
bad6:
	return err_set(e, EX_DATAERR, "'%s': invalid IPv6 address literal",
		       q);
}

/* Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str]
 * (RFC 5321 4.1.2), UTF-8 letters allowed (RFC 6531 3.3). */
static int
check_domain(const char *d, size_t len, const char *q, struct err *e)
{
	size_t i = 0, start, n;
	char shown[8];

	if (len > ADDR_DOMAIN_MAX)
		return err_set(e, EX_DATAERR, "'%s': domain longer than %d "
			       "octets", q, ADDR_DOMAIN_MAX);
	for (;;) {
		start = i;
		while (i < len && d[i] != '.') {
			unsigned char c = (unsigned char)d[i];

			if (c >= 0x80) {
				n = utf8_valid((const unsigned char *)d + i,
					     len - i);
				if (!n)
					return err_set(e, EX_DATAERR,
						       "'%s': invalid UTF-8 "
						       "in domain", q);
				i += n;
				continue;
			}
			if (c == '@')
				return err_set(e, EX_DATAERR, "'%s': more "
					       "than one '@'", q);
			if (!is_alpha(c) && !is_digit(c) && c != '-') {
				err_quote(shown, sizeof(shown), d + i, 1);
				return err_set(e, EX_DATAERR, "'%s': invalid "
					       "character '%s' in domain", q,
					       shown);
			}
			i++;
		}
		if (i == start)
			return err_set(e, EX_DATAERR, "'%s': empty label in "
				       "domain", q);
		if (i - start > ADDR_LABEL_MAX)
			return err_set(e, EX_DATAERR, "'%s': domain label "
				       "longer than %d octets", q,
				       ADDR_LABEL_MAX);
		if (d[start] == '-' || d[i - 1] == '-')
			return err_set(e, EX_DATAERR, "'%s': domain label "
				       "starts or ends with '-'", q);
		if (i == len)
			return 0;
		i++;
	}
}

/* Validates addr; on success *local_len is the length of the local part
 * (the '@' after it ends it). */
static int
check(const char *addr, size_t *local_len, struct err *e)
{
	char q[ERR_QUOTE_SIZE], shown[8];
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
			return err_set(e, EX_DATAERR, "'%s': line break in "
				       "address", q);
		if (c < ' ' || c == 0x7f)
			return err_set(e, EX_DATAERR, "'%s': control "
				       "character in address", q);
	}
	if (addr[0] == ' ' || addr[len - 1] == ' ')
		return err_set(e, EX_DATAERR, "'%s': leading or trailing "
			       "white space", q);
	if (memchr(addr, '<', len) || memchr(addr, '>', len))
		return err_set(e, EX_DATAERR, "'%s': give the bare address "
			       "(bob@example.org), without a name or <>", q);
	if (len > ADDR_MAX)
		return err_set(e, EX_DATAERR, "'%s': address longer than %d "
			       "octets", q, ADDR_MAX);

	if (addr[0] == '"') {
		/* RFC 5321 4.1.2 Quoted-string: qtextSMTP / quoted-pairSMTP */
		for (i = 1; i < len && addr[i] != '"'; i++) {
			unsigned char c = (unsigned char)addr[i];

			if (c == '\\') {
				i++;
				if (i >= len || (unsigned char)addr[i] >= 0x7f)
					goto bad_quoted;
			} else if (c >= 0x7f) {
				goto non_ascii;
			}
		}
		if (i >= len)
			return err_set(e, EX_DATAERR, "'%s': unterminated "
				       "quoted local part", q);
		i++;
		if (i >= len || addr[i] != '@')
			return err_set(e, EX_DATAERR, "'%s': expected '@' "
				       "after the quoted local part", q);
	} else {
		for (i = 0; i < len && addr[i] != '@'; i++) {
			unsigned char c = (unsigned char)addr[i];

			if (c >= 0x80)
				goto non_ascii;
			if (!is_atext(c) && c != '.') {
				err_quote(shown, sizeof(shown), addr + i, 1);
				return err_set(e, EX_DATAERR, "'%s': invalid "
					       "character '%s' in local part",
					       q, shown);
			}
		}
		if (i == len)
			return err_set(e, EX_DATAERR, "'%s': missing '@'", q);
		if (i == 0)
			return err_set(e, EX_DATAERR, "'%s': missing local "
				       "part", q);
		/* Dot-string = Atom *("." Atom) */
		if (addr[0] == '.' || addr[i - 1] == '.')
			return err_set(e, EX_DATAERR, "'%s': local part "
				       "starts or ends with a dot", q);
		if (memmem(addr, i, "..", 2))
			return err_set(e, EX_DATAERR, "'%s': two dots in a "
				       "row in local part", q);
	}
	if (i > ADDR_LOCAL_MAX)
		return err_set(e, EX_DATAERR, "'%s': local part longer than "
			       "%d octets", q, ADDR_LOCAL_MAX);
	*local_len = i;
	if (i + 1 == len)
		return err_set(e, EX_DATAERR, "'%s': missing domain", q);
	if (addr[i + 1] == '[')
		return check_literal(addr + i + 1, len - i - 1, q, e);
	return check_domain(addr + i + 1, len - i - 1, q, e);
bad_quoted:
	return err_set(e, EX_DATAERR, "'%s': invalid escape in quoted "
		       "local part", q);
non_ascii:
	return err_set(e, EX_DATAERR, "'%s': non-ASCII local part is not "
		       "supported", q);
}

int
addr_validate(const char *addr, struct err *e)
{
	size_t local_len;

	return check(addr, &local_len, e);
}

char *
addr_normalize(const char *addr)
{
	size_t local_len;
	char *s, *p;

	if (check(addr, &local_len, NULL) < 0)
		return NULL;
	s = strdup(addr);
	if (!s)
		return NULL;
	for (p = s + local_len + 1; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int
addr_parse_mailbox(const char *mailbox, char **name, char **addr,
		   struct err *e)
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
