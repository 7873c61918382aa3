/*
 * addr: subscriber e-mail addresses, checked before they reach the store or
 * an SMTP envelope.
 *
 * An address here is a bare RFC 5321 Mailbox, "local@domain": no display
 * name, no angle brackets, no comments, no white space around it. The
 * local part is a dot-string or a quoted-string of at most 64 octets, in
 * ASCII (we do not offer SMTPUTF8 local parts). The domain is LDH labels
 * of at most 63 octets each and 255 in all, in which any valid UTF-8
 * non-ASCII character counts as a letter (RFC 6531 style IDN; lengths
 * counted in UTF-8 octets), or an address literal [1.2.3.4] or
 * [IPv6:...]. The whole address is at most 254 octets (RFC 5321 4.5.3.1.3
 * path limit less the angle brackets). Control characters, CR and LF
 * included, are never accepted, not even quoted: an address is written
 * into mail headers.
 */
#ifndef FEEDMAIL_ADDR_H
#define FEEDMAIL_ADDR_H

#include "err.h"

#define ADDR_MAX 254
#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_LABEL_MAX 63

/* Validates a subscriber address as described above. Returns 0, or -1
 * with e->code EX_DATAERR and a message saying what is wrong
 * ("'bob@': missing domain"). addr may be NULL (an error). */
int addr_validate(const char *addr, struct err *e);

/* Returns a malloc'd normalized form for duplicate checks: domain
 * lower-cased (ASCII letters only), local part kept as is. NULL if addr is
 * invalid or on allocation failure. */
char *addr_normalize(const char *addr);

/* Splits a mailbox as written in the config, "Name <addr>" or "addr",
 * into malloc'd *name (NULL when none, quotes removed) and *addr, and
 * validates the address. 0, or -1 with e. */
int addr_parse_mailbox(const char *mailbox, char **name, char **addr,
	struct err *e);

#endif
