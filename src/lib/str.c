#include "config.h"

#include "lib/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *
str_dup(const char *s, int *oom)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*oom = 1;
	return copy;
}

int
str_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
str_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only: the words compared are names of options, commands and
 * config keys, whatever the locale */
static int
fold(int c, enum str_case how)
{
	if (how == STR_CASE_IGNORE && c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

size_t
str_edit_distance(const char *a, const char *b, enum str_case how)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[STR_DISTANCE_MAX_LEN + 1], diag, up, best;

	if (la > STR_DISTANCE_MAX_LEN || lb > STR_DISTANCE_MAX_LEN)
		return SIZE_MAX;
	/* one row of the matrix, overwritten in place: row[j] is the
	 * distance between a[0..i) and b[0..j) */
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (fold((unsigned char)a[i - 1], how) !=
				       fold((unsigned char)b[j - 1], how));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *
str_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
