#include "config.h"

#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "date.h"

int64_t
clock_now(void)
{
	const char *fixed = getenv("FEEDMAIL_NOW");
	int64_t t;
	char *end;
	long long n;

	if (fixed && *fixed) {
		errno = 0;
		n = strtoll(fixed, &end, 10);
		if (!errno && !*end)
			return n;
		if (date_parse(fixed, &t) == 0)
			return t;
	}
	return (int64_t)time(NULL);
}

int
clock_local(int64_t t, const char *tz, struct tm *out)
{
	time_t tt = (time_t)t;

	setenv("TZ", tz && *tz ? tz : "UTC", 1);
	tzset();
	return localtime_r(&tt, out) ? 0 : -1;
}
