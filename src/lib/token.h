/*
 * token: the opaque values that name a subscriber (or one of their
 * messages) in links and return addresses: /u/TOKEN, bounces+TOKEN@...
 *
 * A token carries a purpose, one or two ids and an HMAC-SHA256 over them
 * with the store's secret (store_secret). The MAC also covers a binding
 * string the caller gives, the subscriber's own random token: a subscriber
 * removed and added again gets a new one, so the old links stop working,
 * and rotating the secret revokes every token at once.
 *
 * Tokens are lower-case base32 (RFC 4648's alphabet, no padding) so that
 * they survive a mail system that folds the case of a local part; reading
 * one folds case too. The longest is TOKEN_SIZE - 1 characters, short
 * enough for "bounces+TOKEN" within a local part's 64.
 */
#ifndef FEEDMAIL_TOKEN_H
#define FEEDMAIL_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_SECRET_SIZE 32 /* bytes of secret a store makes */
#define TOKEN_SIZE 56        /* the longest token and its NUL */

/* What a token lets its bearer do: each purpose its own, so that a view
 * link cannot unsubscribe. The values are part of the MAC: never reuse
 * one for something else. */
enum token_purpose {
	TOKEN_UNSUBSCRIBE = 'u',      /* id: the subscriber */
	TOKEN_PREFERENCES = 'p',      /* id: the subscriber */
	TOKEN_CONFIRM = 'c',          /* id: the subscriber (pending) */
	TOKEN_VIEW = 'v',             /* id: the subscriber, id2: the message */
	TOKEN_BOUNCE = 'b',           /* id: the subscriber, id2: the message */
	TOKEN_MAIL_UNSUBSCRIBE = 'm', /* id: the subscriber */
	/* id: when the form was served (guard against other sites' posts) */
	TOKEN_FORM = 'f'
};

struct token {
	int purpose; /* an enum token_purpose */
	int64_t id;  /* >= 1 */
	int64_t id2; /* >= 1 for the purposes that name a message, else 0 */
};

/* The id2 a TOKEN_VIEW token gives a digest: a key made from its
 * Message-ID (40 bits of its hash, never 0), known as soon as the
 * Message-ID is made, before the digest has an id in the outbox. The
 * view page finds the digest among its subscriber's by it. */
int64_t token_message_key(const char *message_id);

/* Writes t's token, bound to bind (may be "", at most 128 bytes), into
 * out. 0, or -1 when t is not one a token can carry (an id < 1, id2
 * where the purpose has none) or bind is too long. */
int token_make(const unsigned char *secret, size_t secret_len,
	       const struct token *t, const char *bind, char out[TOKEN_SIZE]);

/* Reads what text claims to be, without checking its MAC: enough to look
 * up the subscriber whose bind token_verify then needs. 0 with *t filled,
 * or -1 when text is not a token of any purpose (wrong length, letters
 * outside the alphabet, an unknown purpose, ids out of range). */
int token_parse(const char *text, struct token *t);

/* 1 when text is exactly t's token under secret and bind, else 0. The
 * MACs are compared in constant time. */
int token_verify(const unsigned char *secret, size_t secret_len,
		 const char *text, const struct token *t, const char *bind);

#endif
