/*
 * hash: a 64-bit FNV-1a hash, for identities and change detection (an
 * entry without guid or link, whether an entry was edited). Not for
 * security: nothing here resists an adversary choosing collisions, and
 * nothing relies on that (a collision makes two entries of one feed look
 * alike, nothing more).
 */
#ifndef FEEDMAIL_HASH_H
#define FEEDMAIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT UINT64_C(0xcbf29ce484222325)
#define HASH_HEX_SIZE 17 /* 16 hex digits and the NUL */

/* Continues hash h over len bytes; start with HASH_INIT. */
uint64_t hash_add(uint64_t h, const void *data, size_t len);
/* Continues over a string and a separator byte, so that ("ab", "c") and
 * ("a", "bc") differ; NULL hashes like a distinct absent marker. */
uint64_t hash_add_field(uint64_t h, const char *s);
/* Writes h as 16 lower-case hex digits. */
void hash_hex(uint64_t h, char out[HASH_HEX_SIZE]);

#endif
