#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/date.h"

/*
 * libFuzzer target for date_parse(). Besides not crashing, it checks the
 * module's invariants: a parsed date lies in [DATE_MIN, DATE_MAX], formats
 * to 20 characters, and the formatted string parses back to the same value.
 * Any broken invariant aborts, which the fuzzer reports as a crash.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[DATE_MAX_LEN + 2];
	char text[DATE_UTC_SIZE];
	int64_t t, again;

	/* Longer inputs are rejected on length alone: keep one byte past the
	 * cap so that path is tested too. */
	if (size > DATE_MAX_LEN + 1)
		size = DATE_MAX_LEN + 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (date_parse(s, &t) < 0)
		return 0;
	if (t < DATE_MIN || t > DATE_MAX)
		abort();
	date_format_utc(t, text);
	if (strlen(text) != DATE_UTC_SIZE - 1)
		abort();
	if (date_parse(text, &again) < 0 || again != t)
		abort();
	return 0;
}
