#include "config.h"

#include "fetch/ident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/url.h"

char *
ident_link_key(const char *link)
{
	char *key;

	if (!link)
		return NULL;
	key = url_dedup_key(link);
	return key ? key : strdup(link);
}

static char *
prefixed(const char *prefix, const char *s)
{
	size_t lp = strlen(prefix), ls = strlen(s);
	char *out = malloc(lp + ls + 1);

	if (out) {
		memcpy(out, prefix, lp);
		memcpy(out + lp, s, ls + 1);
	}
	return out;
}

static char *
hash_ident(const struct entry *en)
{
	char hex[HASH_HEX_SIZE], date[32];
	uint64_t h = HASH_INIT;

	snprintf(date, sizeof(date), "%lld",
		 (long long)(en->published != DATE_NONE ? en->published :
							  en->updated));
	h = hash_add_field(h, en->title);
	h = hash_add_field(h, date);
	h = hash_add_field(h, en->summary ? en->summary : en->content);
	hash_hex(h, hex);
	return prefixed("h:", hex);
}

/* Whether values[i] is set and no other of the entries in scope (scope
 * NULL: all) has the same value. Quadratic, but documents hold tens of
 * items and the parser's caps bound the worst case. */
static int
is_unique(char *const *values, const char *in_scope, size_t n, size_t i)
{
	size_t j;

	if (!values[i])
		return 0;
	for (j = 0; j < n; j++)
		if (j != i && values[j] && (!in_scope || in_scope[j]) &&
		    !strcmp(values[i], values[j]))
			return 0;
	return 1;
}

char **
ident_assign(const struct entry *const *entries, size_t n)
{
	size_t i, size = n ? n : 1;
	char **ids = calloc(size, sizeof(char *));
	char **guids = calloc(size, sizeof(char *));
	char **links = calloc(size, sizeof(char *));
	char *no_guid = calloc(size, 1);
	int oom = !ids || !guids || !links || !no_guid;

	for (i = 0; i < n && !oom; i++) {
		const struct entry *en = entries[i];

		if (en->id && *en->id)
			guids[i] = en->id;
		if (en->link && *en->link) {
			links[i] = ident_link_key(en->link);
			oom |= !links[i];
		}
	}
	for (i = 0; i < n && !oom; i++)
		no_guid[i] = !is_unique(guids, NULL, n, i);
	for (i = 0; i < n && !oom; i++) {
		if (!no_guid[i])
			ids[i] = prefixed("g:", guids[i]);
		else if (is_unique(links, no_guid, n, i))
			ids[i] = prefixed("l:", links[i]);
		else
			ids[i] = hash_ident(entries[i]);
		oom |= !ids[i];
	}
	for (i = 0; i < n && links; i++)
		free(links[i]);
	free(links);
	free(guids);
	free(no_guid);
	if (oom) {
		ident_free(ids, n);
		return NULL;
	}
	return ids;
}

void
ident_free(char **idents, size_t n)
{
	size_t i;

	if (!idents)
		return;
	for (i = 0; i < n; i++)
		free(idents[i]);
	free(idents);
}

void
ident_content_hash(const struct entry *en, char out[17])
{
	char dates[64];
	uint64_t h = HASH_INIT;

	snprintf(dates, sizeof(dates), "%lld %lld", (long long)en->published,
		 (long long)en->updated);
	h = hash_add_field(h, en->title);
	h = hash_add_field(h, en->link);
	h = hash_add_field(h, en->author);
	h = hash_add_field(h, en->summary);
	h = hash_add_field(h, en->content);
	h = hash_add_field(h, dates);
	hash_hex(h, out);
}

int
ident_entries(const struct entry *const *entries, size_t n,
	      struct store_entries *out)
{
	char **keys = calloc(n + 1, sizeof(char *));
	char **hashes = calloc(n + 1, sizeof(char *));
	size_t i;

	memset(out, 0, sizeof(*out));
	out->items = entries;
	out->n = n;
	out->link_keys = keys;
	out->hashes = hashes;
	out->idents = ident_assign(entries, n);
	if (!keys || !hashes || !out->idents)
		goto fail;
	for (i = 0; i < n; i++) {
		keys[i] = ident_link_key(entries[i]->link);
		hashes[i] = malloc(HASH_HEX_SIZE);
		if ((entries[i]->link && !keys[i]) || !hashes[i])
			goto fail;
		ident_content_hash(entries[i], hashes[i]);
	}
	return 0;
fail:
	ident_entries_release(out);
	return -1;
}

void
ident_entries_release(struct store_entries *out)
{
	size_t i;

	for (i = 0; i < out->n; i++) {
		if (out->link_keys)
			free(out->link_keys[i]);
		if (out->hashes)
			free(out->hashes[i]);
	}
	free((char **)out->link_keys);
	free((char **)out->hashes);
	ident_free((char **)out->idents, out->n);
	memset(out, 0, sizeof(*out));
}
