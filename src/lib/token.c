/* token: signed, opaque tokens for links and return addresses (token.h). */
#include "config.h"

#include "lib/token.h"

#include <ctype.h>
#include <string.h>

#include "lib/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* 120 bits: far beyond guessing online, and it keeps the longest token,
 * "bounces+" and all, within a local part */
#define MAC_SIZE 15
/* a purpose byte, two ids as 9-byte varints at most, the MAC */
#define PAYLOAD_MAX (1 + 9 + 9 + MAC_SIZE)
/* the longest binding: a subscriber's token is 32 hex digits */
#define BIND_MAX 128

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

static int
has_message(int purpose)
{
	return purpose == TOKEN_VIEW || purpose == TOKEN_BOUNCE;
}

static int
known(int purpose)
{
	switch (purpose) {
	case TOKEN_UNSUBSCRIBE:
	case TOKEN_PREFERENCES:
	case TOKEN_CONFIRM:
	case TOKEN_VIEW:
	case TOKEN_BOUNCE:
	case TOKEN_MAIL_UNSUBSCRIBE:
	case TOKEN_FORM:
		return 1;
	default:
		return 0;
	}
}

static size_t
put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* 0 with *v, or -1 past end or beyond 63 bits */
static int
get_varint(const unsigned char *p, size_t len, size_t *at, int64_t *v)
{
	uint64_t r = 0;
	int shift = 0;

	while (*at < len && shift < 63) {
		unsigned char b = p[(*at)++];

		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (r > INT64_MAX)
				return -1;
			*v = (int64_t)r;
			return 0;
		}
		shift += 7;
	}
	return -1;
}

static void
base32(const unsigned char *p, size_t len, char *out)
{
	uint32_t bits = 0;
	int nbits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		bits = (bits << 8) | p[i];
		nbits += 8;
		while (nbits >= 5) {
			out[o++] = alphabet[(bits >> (nbits - 5)) & 31];
			nbits -= 5;
		}
	}
	if (nbits > 0)
		out[o++] = alphabet[(bits << (5 - nbits)) & 31];
	out[o] = '\0';
}

/* bytes decoded into p, or -1 on a letter outside the alphabet or more
 * than size bytes */
static int
unbase32(const char *s, unsigned char *p, size_t size)
{
	uint32_t bits = 0;
	int nbits = 0;
	size_t n = 0;

	for (; *s; s++) {
		const char *at = strchr(alphabet, tolower((unsigned char)*s));

		if (!at)
			return -1;
		bits = (bits << 5) | (uint32_t)(at - alphabet);
		nbits += 5;
		if (nbits >= 8) {
			if (n == size)
				return -1;
			p[n++] = (unsigned char)(bits >> (nbits - 8));
			nbits -= 8;
		}
	}
	return (int)n;
}

/* The payload of t without its MAC: its length, or 0 when t cannot be a
 * token. */
static size_t
payload(const struct token *t, unsigned char *p)
{
	size_t n = 0;

	if (!known(t->purpose) || t->id < 1 ||
	    (has_message(t->purpose) ? t->id2 < 1 : t->id2 != 0))
		return 0;
	p[n++] = (unsigned char)t->purpose;
	n += put_varint(p + n, (uint64_t)t->id);
	if (has_message(t->purpose))
		n += put_varint(p + n, (uint64_t)t->id2);
	return n;
}

int
token_make(const unsigned char *secret, size_t secret_len,
	   const struct token *t, const char *bind, char out[TOKEN_SIZE])
{
	/* the domain string keeps these MACs apart from any other use of
	 * the secret; the NUL after the payload keeps the bind apart from it */
	static const char domain[] = "feedmail token 1";
	unsigned char p[PAYLOAD_MAX], mac[EVP_MAX_MD_SIZE];
	unsigned char in[sizeof(domain) + PAYLOAD_MAX + 1 + BIND_MAX];
	unsigned int mac_len = 0;
	size_t n = payload(t, p), bind_len = bind ? strlen(bind) : 0, in_len;

	if (!n || bind_len > BIND_MAX)
		return -1;
	memcpy(in, domain, sizeof(domain));
	memcpy(in + sizeof(domain), p, n);
	in[sizeof(domain) + n] = '\0';
	memcpy(in + sizeof(domain) + n + 1, bind ? bind : "", bind_len);
	in_len = sizeof(domain) + n + 1 + bind_len;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, in, in_len, mac,
		  &mac_len) ||
	    mac_len < MAC_SIZE)
		return -1;
	memcpy(p + n, mac, MAC_SIZE);
	base32(p, n + MAC_SIZE, out);
	return 0;
}

int
token_parse(const char *text, struct token *t)
{
	unsigned char p[PAYLOAD_MAX];
	size_t at = 1;
	int n;

	memset(t, 0, sizeof(*t));
	if (!text || strlen(text) >= TOKEN_SIZE)
		return -1;
	n = unbase32(text, p, sizeof(p));
	if (n < 1 + 1 + MAC_SIZE || !known(p[0]))
		return -1;
	t->purpose = p[0];
	if (get_varint(p, (size_t)n - MAC_SIZE, &at, &t->id) < 0 || t->id < 1)
		return -1;
	if (has_message(t->purpose) &&
	    (get_varint(p, (size_t)n - MAC_SIZE, &at, &t->id2) < 0 ||
	     t->id2 < 1))
		return -1;
	return at == (size_t)n - MAC_SIZE ? 0 : -1;
}

int
token_verify(const unsigned char *secret, size_t secret_len, const char *text,
	     const struct token *t, const char *bind)
{
	char want[TOKEN_SIZE], got[TOKEN_SIZE];
	size_t len;

	if (!text || (len = strlen(text)) >= TOKEN_SIZE ||
	    token_make(secret, secret_len, t, bind, want) < 0 ||
	    len != strlen(want))
		return 0;
	for (size_t i = 0; i <= len; i++)
		got[i] = (char)tolower((unsigned char)text[i]);
	return CRYPTO_memcmp(got, want, len) == 0;
}

int64_t
token_message_key(const char *message_id)
{
	uint64_t h = hash_add(HASH_INIT, message_id, strlen(message_id));

	/* 40 bits: a subscriber has a few hundred digests at most */
	h &= (UINT64_C(1) << 40) - 1;
	return h ? (int64_t)h : 1;
}
