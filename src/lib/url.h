/*
 * url: our own RFC 3986 code for the URLs feedmail stores, fetches and
 * compares; no library, no network, no locale.
 *
 * Invariants: every function takes NUL-terminated strings and returns
 * malloc'd strings owned by the caller. A URL is split with the regular
 * expression of RFC 3986 appendix B, so splitting never fails; what is
 * "unparsable" is decided by the scheme rules in url_normalize. Inputs
 * longer than URL_MAX bytes are rejected by url_normalize and
 * url_dedup_key. Host names are lower-cased byte-wise in ASCII only: an IDN
 * host stays UTF-8 (no punycode). Messages quote the URL with control
 * characters escaped as \xHH and cut after 200 bytes, so a hostile URL
 * cannot forge log lines.
 */
#ifndef FEEDMAIL_URL_H
#define FEEDMAIL_URL_H

#include "lib/err.h"

/* Longest URL accepted, in bytes, after trimming white space. */
#define URL_MAX (64u * 1024)

/* RFC 3986 section 5 reference resolution (strict: "http:g" stays
 * "http:g"). Leading and trailing ASCII white space and control characters
 * of base and ref are ignored, as HTML does for href values; a NULL ref
 * counts as "". Returns a malloc'd string owned by the caller; when base is
 * NULL or not absolute (no scheme), a copy of ref. NULL only on allocation
 * failure. Nothing is validated or percent-encoded here. */
char *url_resolve(const char *base, const char *ref);

/* Normalizes a feed URL for storage and duplicate checks (RFC 3986 6.2.2
 * and the scheme rules of 6.2.3): trims white space, lower-cases scheme and
 * host, removes the default port (80 for http, 443 for https) and an empty
 * port, writes the port without leading zeros, turns an empty path into
 * "/", removes dot segments, upper-cases percent-escape hex digits and
 * decodes those of unreserved characters, percent-encodes bytes that may
 * not appear raw (space, controls, non-ASCII, "<>\"{}|\\^`" and a '%' not
 * followed by two hex digits), drops the fragment. An IPv6 literal is
 * written in its RFC 5952 form ([::1]:8080). "feed://x" becomes "http://x",
 * "feed:https://x" becomes "https://x". user:pass@ is kept.
 *
 * Accepts http and https with a host, file:///abs/path (also
 * file://localhost/abs/path and file:/abs/path), and a string without a
 * scheme taken as an absolute or relative local path: it must exist, and
 * becomes file:// + realpath(3) percent-encoded. Anything else: NULL with
 * e->code EX_DATAERR and a message naming the URL and what is wrong
 * ("'ftp://x/': scheme 'ftp' is not supported; use http, https or a local
 * file"). Also NULL with EX_OSERR on allocation failure. The result is
 * stable: normalizing it again gives the same string. */
char *url_normalize(const char *url, struct err *e);

/* The key that says two article links are the same story (the digest
 * merges the same article from several feeds): url_normalize of an http,
 * https or feed: URL, then https written as http, a leading "www." label
 * removed from the host, trailing slashes removed from the path (so "/"
 * becomes ""), the query parameters utm_*, xtor, fbclid, gclid, mc_cid and
 * mc_eid removed (names compared without case; the other parameters kept
 * in order, empty ones dropped, no '?' when none remain), no fragment. Not
 * a URL to fetch: only compare keys with strcmp. Malloc'd; NULL if url is
 * not such a URL (local paths and file: are never looked at) or on
 * allocation failure. */
char *url_dedup_key(const char *url);

/* 1 if url is, as given (no trimming), an http or https URL with a valid
 * host and port, else 0. */
int url_is_http(const char *url);

/* 1 if url is, as given, an https URL as url_is_http() says, made of
 * bytes that can stand in a mail header between <> (List-Unsubscribe):
 * printable ASCII but space and <>"'\; else 0. */
int url_is_https(const char *url);

/* 1 if host names a server as the config gives one: an IP literal (as
 * ipaddr_literal_class() reads it, brackets or not), or a name of ASCII
 * letters, digits, '.', '-' and '_' (names that resolvers accept though
 * DNS host names have no '_'); else 0. */
int url_is_host(const char *host);

/* A link as a digest shows it and links to it (its text part and the
 * href of its HTML part): leading and trailing spaces and C0 controls
 * trimmed, as HTML does for an href; then spaces, the characters
 * utf8_unsafe() names (C0, DEL, C1, line separators, bidirectional
 * formatting) and invalid UTF-8 percent-encoded as their octets ("a\r\nb"
 * becomes "a%0D%0Ab"), the rest kept as it is (an IRI stays readable).
 * Malloc'd; NULL (the link is dropped) when the result is not an
 * absolute http or https URL (url_is_http), when link is NULL or longer
 * than URL_MAX, or on allocation failure. */
char *url_printable(const char *link);

/* The local path of a file: URL (file:///p, file://localhost/p, file:/p),
 * percent-decoded, malloc'd. NULL when url is not such a URL, when the
 * path is not absolute or decodes to a NUL byte, or on allocation failure.
 * url_normalize's file URLs always give their realpath back here. */
char *url_file_path(const char *url);

/* url with the password in it masked ("***"): in its authority
 * ("user:***@host") or a "password=" query parameter, for messages and
 * dumps. malloc'd; NULL when memory runs out. */
char *url_mask_password(const char *url);

#endif
