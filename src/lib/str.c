#include "config.h"

#include "lib/str.h"

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
