/*
 * addr: subscriber e-mail addresses, checked before they reach the store or
 * an SMTP envelope. The one definition of an address: `subscriber add`,
 * the transports (deliver) and the headers (mime) all ask addr_validate()
 * or addr_ascii().
 *
 * An address here is a bare RFC 5321 Mailbox, "local@domain": no display
 * name, no angle brackets, no comments, no white space around it.
 *
 * The local part is a dot-string of at most 64 octets in ASCII. Quoted
 * local parts ("bob smith"@example.org) are refused: mbox From lines,
 * sendmail's arguments and many servers mishandle them. Non-ASCII local
 * parts are refused: they need SMTPUTF8 (RFC 6531), and libesmtp 1.x can
 * neither ask for it in MAIL FROM nor be told that a server offers it.
 *
 * The domain is LDH labels (RFC 5321 4.1.2), or an address literal
 * [1.2.3.4] or [IPv6:...]. A domain with non-ASCII letters (IDN) is
 * accepted when libidn2 turns it into IDNA2008 A-labels (UTS #46
 * non-transitional mapping: lower case, NFC), and a label written as an
 * A-label ("xn--...") must decode; labels of at most 63 octets and the
 * whole domain at most 255 in that ASCII form. Mail goes out with the
 * ASCII form (addr_ascii); the store keeps the address as given.
 *
 * The whole address is at most 254 octets (RFC 5321 4.5.3.1.3 path limit
 * less the angle brackets), both as given and in its ASCII form. Control
 * characters, CR and LF included, are never accepted: an address is
 * written into mail headers.
 */
#ifndef FEEDMAIL_ADDR_H
#define FEEDMAIL_ADDR_H

#include <stddef.h>

#include "lib/err.h"

#define ADDR_MAX 254
#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_LABEL_MAX 63
#define ADDR_SIZE (ADDR_MAX + 1) /* a buffer for one address and its NUL */

/* Validates a subscriber address as described above. Returns 0, or -1
 * with e->code EX_DATAERR and a message saying what is wrong
 * ("'bob@': missing domain", "'a@☃.org': not a valid international domain
 * name: string contains a disallowed character");
 * EX_OSERR when memory runs out. addr may be NULL (an error). */
int addr_validate(const char *addr, struct err *e);

/* The form of addr that goes into an SMTP envelope and a header: the
 * local part as given, the domain in ASCII ("contact@société.fr" becomes
 * "contact@xn--socit-esab.fr"; an ASCII domain stays as given,
 * letter case included), written with its NUL to out, size octets
 * (ADDR_SIZE always suffices). 0, or -1 with e as addr_validate, or
 * EX_SOFTWARE when size is too small. */
int addr_ascii(const char *addr, char *out, size_t size, struct err *e);

/* Returns a malloc'd normalized form for duplicate checks: domain
 * lower-cased (ASCII letters only), local part kept as is. NULL if addr is
 * invalid or on allocation failure. */
char *addr_normalize(const char *addr);

/* Splits a mailbox as written in the config, "Name <addr>" or "addr",
 * into malloc'd *name (NULL when none, quotes removed) and *addr, and
 * validates the address. 0, or -1 with e. */
int addr_parse_mailbox(const char *mailbox, char **name, char **addr,
		       struct err *e);

/* Checks mailbox as the config writes one, "Name <addr>" or "addr", by
 * the rules of addr_parse_mailbox() without keeping its parts. 0, or -1
 * with e. */
int addr_check_mailbox(const char *mailbox, struct err *e);

/* Checks the len bytes of d as the ASCII domain of an address (RFC 5321
 * 4.1.2 sub-domains of letters, digits and inner hyphens; labels of at
 * most ADDR_LABEL_MAX octets, at most ADDR_DOMAIN_MAX in all). 0, or -1
 * with e (EX_DATAERR) saying what is wrong. */
int addr_check_domain(const char *d, size_t len, struct err *e);

/* 1 if c is RFC 5322 3.2.3 atext (ASCII letters, digits and
 * "!#$%&'*+-/=?^_`{|}~"), the bytes of a local part and of a dot-atom;
 * 0 for anything else, NUL and non-ASCII included. */
int addr_is_atext(int c);

/* Whether a valid addr looks mistyped: a domain without a dot (not an
 * address literal), or a well-known provider's domain misspelled
 * ("gmail.con", "gmial.com", "hotmial.com"; the table is in addr.c). 1
 * with why, a short phrase for a warning ("did you mean 'gmail.com'
 * rather than 'gmail.con'?", "the domain 'localhost' has no dot"),
 * written to why (size octets); 0 when it looks right. A warning only: such an address may well exist. */
int addr_suspect(const char *addr, char *why, size_t size);

#endif
