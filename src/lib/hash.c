#include "config.h"

#include "lib/hash.h"

#include <stdio.h>
#include <string.h>

#define FNV_PRIME UINT64_C(0x100000001b3)

uint64_t
hash_add(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
hash_add_field(uint64_t h, const char *s)
{
	/* 0x1f after a field, 0x1e for an absent one */
	if (!s)
		return hash_add(h, "\x1e", 1);
	h = hash_add(h, s, strlen(s));
	return hash_add(h, "\x1f", 1);
}

void
hash_hex(uint64_t h, char out[HASH_HEX_SIZE])
{
	snprintf(out, HASH_HEX_SIZE, "%016llx", (unsigned long long)h);
}
