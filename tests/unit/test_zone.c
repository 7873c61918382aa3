/*
 * Unit tests for src/lib/zone: local times from the system's TZif files
 * compared with the C library's (localtime_r under TZ set to the zone,
 * here only: a test process runs one thread at a time), over centuries,
 * at every change the sweep meets, past 2037 where the footer's rule takes
 * over; local times turned back into instants, checked by brute force;
 * bad names, truncated and corrupt files in a TZDIR of our own; the cache
 * across a changed file; and several threads using zones at once.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/date.h"
#include "lib/err.h"
#include "lib/zone.h"
#include "testutil.h"

#define SYSTEM_ZONES "/usr/share/zoneinfo"

static char dir[4096]; /* the test's own TZDIR */

static int64_t
at(const char *iso)
{
	int64_t t = 0;

	ck_assert_msg(date_parse(iso, &t) == 0, "bad test date %s", iso);
	return t;
}

static void
use_system_zones(void)
{
	ck_assert_int_eq(unsetenv("TZDIR"), 0);
}

static void
use_own_zones(void)
{
	ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
}

/* --- against the C library ------------------------------------------------ */

static const char *const libc_zones[] = {
	"Europe/Paris",
	"America/New_York",
	"Australia/Lord_Howe",
	"Asia/Kolkata",
	"Pacific/Chatham",
	"America/Sao_Paulo",
	"Africa/Casablanca",
	"UTC",
	"Etc/UTC",
	/* negative daylight saving, negative and 50-hour rule times */
	"Europe/Dublin",
	"America/Nuuk",
	"Asia/Gaza",
	/* a skipped day, +14, a 2-hour DST, half-hour standard time */
	"Pacific/Apia",
	"Pacific/Kiritimati",
	"Antarctica/Troll",
	"America/St_Johns",
	"Asia/Tehran",
	"Etc/GMT+5",
	"Europe/London",
};

static void
fmt_tm(char *out, size_t n, const struct tm *tm)
{
	snprintf(out, n,
		 "%04d-%02d-%02d %02d:%02d:%02d wd%d yd%d dst%d "
		 "%+ld %s",
		 tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
		 tm->tm_min, tm->tm_sec, tm->tm_wday, tm->tm_yday, tm->tm_isdst,
		 tm->tm_gmtoff, tm->tm_zone ? tm->tm_zone : "(null)");
}

/* zone_local and zone_offset at t agree with the C library. Plain
 * comparisons first: a Check assertion per instant would cost a write. */
static void
same_as_libc(const struct zone *z, const char *name, int64_t t)
{
	struct tm ours, libc;
	struct zone_offset off;
	time_t tt = (time_t)t;
	char a[128], b[128];

	if (!localtime_r(&tt, &libc))
		ck_abort_msg("%s: libc cannot place %lld", name, (long long)t);
	if (zone_local(z, t, &ours) < 0 || zone_offset(z, t, &off) < 0)
		ck_abort_msg("%s: zone cannot place %lld", name, (long long)t);
	if (ours.tm_year != libc.tm_year || ours.tm_mon != libc.tm_mon ||
	    ours.tm_mday != libc.tm_mday || ours.tm_hour != libc.tm_hour ||
	    ours.tm_min != libc.tm_min || ours.tm_sec != libc.tm_sec ||
	    ours.tm_wday != libc.tm_wday || ours.tm_yday != libc.tm_yday ||
	    ours.tm_isdst != libc.tm_isdst ||
	    ours.tm_gmtoff != libc.tm_gmtoff ||
	    strcmp(ours.tm_zone, libc.tm_zone) || off.utoff != ours.tm_gmtoff ||
	    off.isdst != ours.tm_isdst || strcmp(off.abbr, ours.tm_zone)) {
		fmt_tm(a, sizeof(a), &ours);
		fmt_tm(b, sizeof(b), &libc);
		ck_abort_msg("%s at %lld: ours %s, libc %s", name, (long long)t,
			     a, b);
	}
}

static int
same_type(const struct zone_offset *a, const struct zone_offset *b)
{
	return a->utoff == b->utoff && a->isdst == b->isdst &&
	       !strcmp(a->abbr, b->abbr);
}

/* The first instant in (lo, hi] whose type is that of hi. */
static int64_t
find_change(const struct zone *z, int64_t lo, int64_t hi)
{
	struct zone_offset want, o;
	int64_t mid;

	if (zone_offset(z, hi, &want) < 0)
		ck_abort_msg("zone cannot place %lld", (long long)hi);
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (zone_offset(z, mid, &o) < 0)
			ck_abort_msg("zone cannot place %lld", (long long)mid);
		if (same_type(&o, &want))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * zone_from_local at local against brute force: the instants reading
 * local are among local - u for the offsets u in force within two days;
 * the C library says which do. None: the first instant after the gap,
 * the change in (local - 2 days, local + 2 days] whose clock jumps over
 * local.
 */
static void
from_local_brute(const struct zone *z, const char *name, int64_t local)
{
	int64_t want[4], got[2], t, c;
	long offs[64];
	int nw = 0, no = 0, n, gap, i, j, seen;
	struct tm tm;
	time_t tt;

	/* every hour, with the C library past 2037 parsing its rule at each
	 * call: no real zone keeps an offset for less than an hour */
	for (t = local - 2 * 86400; t <= local + 2 * 86400; t += 3600) {
		tt = (time_t)t;
		if (!localtime_r(&tt, &tm))
			ck_abort_msg("libc cannot place %lld", (long long)t);
		for (seen = 0, i = 0; i < no; i++)
			seen |= offs[i] == tm.tm_gmtoff;
		if (!seen && no < 64)
			offs[no++] = tm.tm_gmtoff;
	}
	for (i = 0; i < no; i++) {
		c = local - offs[i];
		tt = (time_t)c;
		if (!localtime_r(&tt, &tm))
			ck_abort_msg("libc cannot place %lld", (long long)c);
		if (tm.tm_gmtoff != offs[i])
			continue;
		for (j = nw; j > 0 && want[j - 1] > c; j--)
			want[j] = want[j - 1];
		want[j] = c;
		nw++;
	}
	if (zone_from_local(z, local, got, &n, &gap) < 0)
		ck_abort_msg("%s: zone_from_local(%lld) failed", name,
			     (long long)local);
	if (nw > 0) {
		if (gap || n != (nw > 2 ? 2 : nw) || got[0] != want[0] ||
		    (n > 1 && got[1] != want[1]))
			ck_abort_msg("%s: local %lld: %d instants (gap %d), "
				     "%lld first; libc %d, %lld first",
				     name, (long long)local, n, gap,
				     (long long)got[0], nw, (long long)want[0]);
		return;
	}
	/* in a gap: the clock read less than local just before got[0] */
	if (!gap || n != 1)
		ck_abort_msg("%s: local %lld is in a gap, not said", name,
			     (long long)local);
	tt = (time_t)(got[0] - 1);
	ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
	ck_assert_int_lt(got[0] - 1 + tm.tm_gmtoff, local);
	tt = (time_t)got[0];
	ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
	ck_assert_int_gt(got[0] + tm.tm_gmtoff, local);
}

/* Every step from..to, and around each change met: the instants either
 * side, and local times at and next to the edges of the gap or overlap. */
static void
sweep(const struct zone *z, const char *name, int64_t from, int64_t to,
      int64_t step, int edges_local)
{
	struct zone_offset prev, o, before;
	int64_t t, edge;
	int changes = 0;

	ck_assert_int_eq(zone_offset(z, from, &prev), 0);
	for (t = from; t <= to; t += step) {
		same_as_libc(z, name, t);
		(void)zone_offset(z, t, &o); /* same_as_libc checked it */
		if (!same_type(&o, &prev)) {
			edge = find_change(z, t - step, t);
			same_as_libc(z, name, edge - 1);
			same_as_libc(z, name, edge);
			ck_assert_int_eq(zone_offset(z, edge - 1, &before), 0);
			if (edges_local && before.utoff != o.utoff) {
				int64_t a = edge + before.utoff;
				int64_t b = edge + o.utoff;

				from_local_brute(z, name, a - 1);
				from_local_brute(z, name, a);
				from_local_brute(z, name, b - 1);
				from_local_brute(z, name, b);
				from_local_brute(z, name, a + (b - a) / 2);
			}
			changes++;
		}
		prev = o;
	}
	(void)changes;
}

START_TEST(t_against_libc)
{
	const char *name = libc_zones[_i];
	struct zone *z;
	struct err e = ERR_INIT;

	use_system_zones();
	ck_assert_int_eq(setenv("TZ", name, 1), 0);
	tzset();
	z = zone_open(name, &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	/* the table: 1800 to 2040, an odd step so hours and minutes vary */
	sweep(z, name, at("1800-01-01T00:00:00Z"), at("2040-01-01T00:00:00Z"),
	      11 * 3600 + 7 * 60 + 13, 1);
	/* the footer's rule, to 2600 */
	sweep(z, name, at("2037-06-01T00:00:00Z"), at("2110-01-01T00:00:00Z"),
	      5 * 86400 + 3 * 3600 + 17, 1);
	sweep(z, name, at("2110-01-01T00:00:00Z"), at("2600-01-01T00:00:00Z"),
	      9 * 86400 + 3 * 3600 + 17, 0);
	/* far ends */
	sweep(z, name, at("9998-01-01T00:00:00Z"), at("9999-12-31T00:00:00Z"),
	      86400 * 3 + 1, 0);
	sweep(z, name, at("0001-01-01T00:00:00Z"), at("0002-01-01T00:00:00Z"),
	      86400 * 7 + 1, 0);
	same_as_libc(z, name, INT64_C(1) << 40);
	same_as_libc(z, name, -(INT64_C(1) << 40));
	zone_free(z);
	ck_assert_int_eq(unsetenv("TZ"), 0);
}
END_TEST

/* Hand-checked instants: the changes of 2026 and a few beyond 2037. */
static const struct {
	const char *zone, *utc;
	long gmtoff;
	int isdst;
	const char *abbr;
	const char *local; /* YYYY-MM-DDTHH:MM:SS */
} known[] = {
	{ "Europe/Paris", "2026-03-29T00:59:59Z", 3600, 0, "CET",
	  "2026-03-29T01:59:59" },
	{ "Europe/Paris", "2026-03-29T01:00:00Z", 7200, 1, "CEST",
	  "2026-03-29T03:00:00" },
	{ "Europe/Paris", "2026-10-25T00:59:59Z", 7200, 1, "CEST",
	  "2026-10-25T02:59:59" },
	{ "Europe/Paris", "2026-10-25T01:00:00Z", 3600, 0, "CET",
	  "2026-10-25T02:00:00" },
	{ "Europe/Paris", "2100-07-01T12:00:00Z", 7200, 1, "CEST",
	  "2100-07-01T14:00:00" },
	{ "America/New_York", "2026-03-08T07:00:00Z", -14400, 1, "EDT",
	  "2026-03-08T03:00:00" },
	{ "America/New_York", "2026-11-01T06:00:00Z", -18000, 0, "EST",
	  "2026-11-01T01:00:00" },
	{ "America/New_York", "2050-03-13T07:00:00Z", -14400, 1, "EDT",
	  "2050-03-13T03:00:00" },
	{ "Australia/Lord_Howe", "2026-10-03T15:30:00Z", 39600, 1, "+11",
	  "2026-10-04T02:30:00" },
	{ "Australia/Lord_Howe", "2026-04-04T15:00:00Z", 37800, 0, "+1030",
	  "2026-04-05T01:30:00" },
	{ "Asia/Kolkata", "2026-01-01T00:00:00Z", 19800, 0, "IST",
	  "2026-01-01T05:30:00" },
	{ "Pacific/Chatham", "2026-09-26T14:00:00Z", 49500, 1, "+1345",
	  "2026-09-27T03:45:00" },
	{ "America/Sao_Paulo", "2040-01-01T00:00:00Z", -10800, 0, "-03",
	  "2039-12-31T21:00:00" },
	{ "UTC", "2026-11-26T07:00:00Z", 0, 0, "UTC", "2026-11-26T07:00:00" },
	{ "Etc/UTC", "9999-12-31T23:59:59Z", 0, 0, "UTC",
	  "9999-12-31T23:59:59" },
};

START_TEST(t_known)
{
	struct err e = ERR_INIT;
	struct zone *z;
	struct tm tm;
	char local[80];

	use_system_zones();
	z = zone_open(known[_i].zone, &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(zone_local(z, at(known[_i].utc), &tm), 0);
	snprintf(local, sizeof(local), "%04d-%02d-%02dT%02d:%02d:%02d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	ck_assert_str_eq(local, known[_i].local);
	ck_assert_int_eq(tm.tm_gmtoff, known[_i].gmtoff);
	ck_assert_int_eq(tm.tm_isdst, known[_i].isdst);
	ck_assert_str_eq(tm.tm_zone, known[_i].abbr);
	zone_free(z);
}
END_TEST

/* --- local time to instants ----------------------------------------------- */

static const struct {
	const char *zone, *local;
	int n, gap;
	const char *first, *second;
} locals[] = {
	/* spring forward: 02:30 does not exist, 03:00 local is 01:00Z */
	{ "Europe/Paris", "2026-03-29T02:30:00Z", 1, 1, "2026-03-29T01:00:00Z",
	  NULL },
	{ "Europe/Paris", "2026-03-29T03:00:00Z", 1, 0, "2026-03-29T01:00:00Z",
	  NULL },
	{ "Europe/Paris", "2026-03-29T01:59:59Z", 1, 0, "2026-03-29T00:59:59Z",
	  NULL },
	/* fall back: 02:30 twice */
	{ "Europe/Paris", "2026-10-25T02:30:00Z", 2, 0, "2026-10-25T00:30:00Z",
	  "2026-10-25T01:30:00Z" },
	{ "Europe/Paris", "2026-10-25T03:00:00Z", 1, 0, "2026-10-25T02:00:00Z",
	  NULL },
	/* past 2037: the footer's rule */
	{ "Europe/Paris", "2090-03-26T02:30:00Z", 1, 1, "2090-03-26T01:00:00Z",
	  NULL },
	{ "America/New_York", "2200-11-02T01:30:00Z", 2, 0,
	  "2200-11-02T05:30:00Z", "2200-11-02T06:30:00Z" },
	/* a 30-minute change */
	{ "Australia/Lord_Howe", "2026-10-04T02:15:00Z", 1, 1,
	  "2026-10-03T15:30:00Z", NULL },
	{ "Australia/Lord_Howe", "2026-04-05T01:45:00Z", 2, 0,
	  "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z" },
	/* Samoa skipped 2011-12-30 */
	{ "Pacific/Apia", "2011-12-30T12:00:00Z", 1, 1, "2011-12-30T10:00:00Z",
	  NULL },
	{ "UTC", "2026-11-26T07:00:00Z", 1, 0, "2026-11-26T07:00:00Z", NULL },
};

START_TEST(t_from_local)
{
	struct err e = ERR_INIT;
	struct zone *z;
	int64_t out[2];
	int n, gap;

	use_system_zones();
	z = zone_open(locals[_i].zone, &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(zone_from_local(z, at(locals[_i].local), out, &n,
					 &gap),
			 0);
	ck_assert_int_eq(n, locals[_i].n);
	ck_assert_int_eq(gap, locals[_i].gap);
	ck_assert_int_eq(out[0], at(locals[_i].first));
	if (locals[_i].second)
		ck_assert_int_eq(out[1], at(locals[_i].second));
	ck_assert_int_eq(zone_from_local(z, ZONE_TIME_MAX, out, &n, &gap), -1);
	zone_free(z);
}
END_TEST

/* --- names and files ------------------------------------------------------ */

static const struct {
	const char *name, *why;
} bad_names[] = {
	{ "", "not a zone name" },
	{ "..", "not a zone name" },
	{ "../../etc/passwd", "not a zone name" },
	{ "Europe/../Europe/Paris", "not a zone name" },
	{ "/usr/share/zoneinfo/UTC", "not a zone name" },
	{ "Europe/Paris\n", "not a zone name" },
	{ "Europe/Paris ", "not a zone name" },
	{ "Europe/Par\xc3\xads", "not a zone name" },
	{ "utc", "no such zone" },
	{ "Mars/Olympus_Mons", "no such zone" },
	{ "Europe", "not a file" },
	{ "Test/NotTZif", "not a TZif file" },
	{ "Test/Empty", "not a TZif file" },
	{ "Test/Fifo", "not a file" },
	{ "Test/Leap", "leap second records" },
};

START_TEST(t_bad_name)
{
	struct err e = ERR_INIT;
	char q[ERR_QUOTE_SIZE];

	if (!strncmp(bad_names[_i].name, "Test/", 5))
		use_own_zones();
	else
		use_system_zones();
	ck_assert_ptr_null(zone_open(bad_names[_i].name, &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, bad_names[_i].why) != NULL, "%s", e.msg);
	err_quote(q, sizeof(q), bad_names[_i].name, strlen(bad_names[_i].name));
	ck_assert_msg(strstr(e.msg, q) != NULL, "%s", e.msg);
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	ck_assert_int_eq(zone_check(bad_names[_i].name, &e), -1);
	ck_assert_ptr_null(zone_open(NULL, &e));
}
END_TEST

START_TEST(t_name_length)
{
	char name[ZONE_NAME_MAX + 2];
	struct err e = ERR_INIT;

	use_own_zones();
	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_ptr_null(zone_open(name, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "not a zone name"));
	name[ZONE_NAME_MAX] = '\0'; /* at the cap: looked for */
	ck_assert_ptr_null(zone_open(name, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "no such zone"));
}
END_TEST

/* UTC needs no file. */
START_TEST(t_utc_built_in)
{
	struct err e = ERR_INIT;
	struct zone *z;
	struct tm tm;

	use_own_zones();
	ck_assert_int_eq(zone_check("UTC", &e), 0);
	ck_assert_int_eq(zone_check("Etc/UTC", &e), 0);
	z = zone_open("Etc/UTC", &e);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(zone_local(z, 0, &tm), 0);
	ck_assert_int_eq(tm.tm_year, 70);
	ck_assert_int_eq(tm.tm_wday, 4);
	ck_assert_str_eq(tm.tm_zone, "UTC");
	ck_assert_int_eq(zone_local(z, ZONE_TIME_MAX + 1, &tm), -1);
	ck_assert_int_eq(zone_local(z, ZONE_TIME_MIN - 1, &tm), -1);
	zone_free(z);
	zone_free(NULL);
}
END_TEST

/* --- TZif files of our own ------------------------------------------------ */

/* A growable byte string for building TZif files. */
struct bytes {
	unsigned char d[8192];
	size_t n;
};

static void
put(struct bytes *b, const void *p, size_t n)
{
	/* plain abort: main() builds one file before the suite runs */
	if (b->n + n > sizeof(b->d))
		abort();
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
put32(struct bytes *b, uint32_t v)
{
	unsigned char p[4] = { v >> 24, v >> 16, v >> 8, v };

	put(b, p, 4);
}

static void
put64(struct bytes *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

struct spec {
	char version; /* 0, '2', '3' */
	size_t ntimes;
	const int64_t *times;
	const unsigned char *idx;
	size_t ntypes;
	const int32_t *utoff;
	const unsigned char *isdst, *desig;
	const char *chars; /* NULs inside: size given */
	size_t nchars;
	uint32_t leapcnt;
	const char *footer; /* without its newlines; NULL for v1 */
};

static void
header(struct bytes *b, const struct spec *s)
{
	static const unsigned char zero[15];

	put(b, "TZif", 4);
	put(b, &s->version, 1);
	put(b, zero, 15);
	put32(b, 0); /* isutcnt */
	put32(b, 0); /* isstdcnt */
	put32(b, s->leapcnt);
	put32(b, (uint32_t)s->ntimes);
	put32(b, (uint32_t)s->ntypes);
	put32(b, (uint32_t)s->nchars);
}

static void
block(struct bytes *b, const struct spec *s, int wide)
{
	size_t i;

	for (i = 0; i < s->ntimes; i++)
		if (wide)
			put64(b, (uint64_t)s->times[i]);
		else
			put32(b, (uint32_t)s->times[i]);
	put(b, s->idx, s->ntimes);
	for (i = 0; i < s->ntypes; i++) {
		put32(b, (uint32_t)s->utoff[i]);
		put(b, &s->isdst[i], 1);
		put(b, &s->desig[i], 1);
	}
	put(b, s->chars, s->nchars);
	for (i = 0; i < s->leapcnt; i++) {
		if (wide)
			put64(b, 78796800);
		else
			put32(b, 78796800);
		put32(b, 1);
	}
}

static void
build(struct bytes *b, const struct spec *s)
{
	b->n = 0;
	header(b, s);
	block(b, s, 0);
	if (s->version == 0)
		return;
	header(b, s);
	block(b, s, 1);
	put(b, "\n", 1);
	put(b, s->footer, strlen(s->footer));
	put(b, "\n", 1);
}

static void
write_zone(const char *name, const void *data, size_t n)
{
	char path[4096 + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* A small zone: "XST" +1, "XDT" +2 from 2000-01-01 to 2000-07-01. */
static const int64_t small_times[] = { 946684800, 962409600 };
static const unsigned char small_idx[] = { 1, 0 };
static const int32_t small_utoff[] = { 3600, 7200 };
static const unsigned char small_isdst[] = { 0, 1 };
static const unsigned char small_desig[] = { 0, 4 };

static struct spec
small_spec(char version, const char *footer)
{
	struct spec s = { version,    2,           small_times, small_idx,
			  2,          small_utoff, small_isdst, small_desig,
			  "XST\0XDT", 8,           0,           footer };

	return s;
}

START_TEST(t_own_files)
{
	struct bytes b;
	struct spec s;
	struct err e = ERR_INIT;
	struct zone *z;
	struct zone_offset o;

	use_own_zones();
	/* version 1: the 32-bit table, the last type forever */
	s = small_spec(0, NULL);
	build(&b, &s);
	write_zone("Test/V1", b.d, b.n);
	z = zone_open("Test/V1", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(zone_offset(z, 0, &o), 0);
	ck_assert_str_eq(o.abbr, "XST");
	ck_assert_int_eq(zone_offset(z, 946684800, &o), 0);
	ck_assert_str_eq(o.abbr, "XDT");
	ck_assert_int_eq(o.utoff, 7200);
	ck_assert_int_eq(o.isdst, 1);
	ck_assert_int_eq(zone_offset(z, at("2300-01-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "XST");
	zone_free(z);
	/* version 2, empty footer: likewise */
	s = small_spec('2', "");
	build(&b, &s);
	write_zone("Test/V2", b.d, b.n);
	z = zone_open("Test/V2", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(zone_offset(z, at("2300-01-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "XST");
	zone_free(z);
	/* version 3 with a rule in the footer */
	s = small_spec('3', "XST-1XDT,M3.5.0,M10.5.0/3");
	build(&b, &s);
	write_zone("Test/V3", b.d, b.n);
	z = zone_open("Test/V3", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(zone_offset(z, at("2300-07-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "XDT");
	ck_assert_int_eq(zone_offset(z, at("2300-12-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "XST");
	zone_free(z);
}
END_TEST

/*
 * Footers alone (no transitions: RFC 8536 3.3, the rule holds at all
 * times) against the C library reading the same string from TZ.
 */
static const char *const footers[] = {
	"EST5EDT,M3.2.0,M11.1.0",
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
	"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
	"IST-1GMT0,M10.5.0,M3.5.0/1",
	"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
	"EET-2EEST,M3.4.4/50,M10.4.4/50",
	"AAA3BBB,J60/2,J300/2",
	"AAA3BBB,59/2,299/2",
	"EST5EDT", /* the default rule */
	"<-03>3",
	"NST3:30NDT,M3.2.0,M11.1.0",
};

START_TEST(t_footer_only)
{
	static const unsigned char idx0[1], isdst0[1], desig0[1];
	static const int32_t utoff0[1];
	struct spec s = { '3',    0,      NULL,  idx0, 1, utoff0,
			  isdst0, desig0, "ZZZ", 4,    0, footers[_i] };
	struct bytes b;
	struct err e = ERR_INIT;
	struct zone *z;

	use_own_zones();
	build(&b, &s);
	write_zone("Test/Footer", b.d, b.n);
	z = zone_open("Test/Footer", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	ck_assert_int_eq(setenv("TZ", footers[_i], 1), 0);
	tzset();
	sweep(z, footers[_i], at("1990-01-01T00:00:00Z"),
	      at("2100-01-01T00:00:00Z"), 3 * 86400 + 3600 + 7, 1);
	zone_free(z);
	ck_assert_int_eq(unsetenv("TZ"), 0);
}
END_TEST

/* RFC 8536 3.3.1: a rule starting January 1 at 00:00 and ending December
 * 31 at 24:00 plus the daylight saving is daylight saving all year. (The
 * C library here leaves it at the turn of each year, UTC.) */
START_TEST(t_dst_all_year)
{
	static const unsigned char idx0[1], isdst0[1], desig0[1];
	static const int32_t utoff0[1];
	struct spec s = {
		'3',    0,      NULL,  idx0, 1, utoff0,
		isdst0, desig0, "ZZZ", 4,    0, "EST5EDT,0/0,J365/25"
	};
	struct bytes b;
	struct err e = ERR_INIT;
	struct zone *z;
	struct zone_offset o;
	int64_t t, out[2];
	int n, gap;

	use_own_zones();
	build(&b, &s);
	write_zone("Test/AllYear", b.d, b.n);
	z = zone_open("Test/AllYear", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	for (t = at("2020-12-30T00:00:00Z"); t < at("2022-01-03T00:00:00Z");
	     t += 1800) {
		ck_assert_int_eq(zone_offset(z, t, &o), 0);
		ck_assert_int_eq(o.utoff, -4 * 3600);
		ck_assert_str_eq(o.abbr, "EDT");
	}
	/* midnight on January 1st happens once */
	ck_assert_int_eq(zone_from_local(z, at("2021-01-01T00:00:00Z"), out, &n,
					 &gap),
			 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(gap, 0);
	ck_assert_int_eq(out[0], at("2021-01-01T04:00:00Z"));
	zone_free(z);
}
END_TEST

/* Every prefix of a real zone file is refused, never read past its end. */
START_TEST(t_truncated)
{
	char path[4096];
	unsigned char *data;
	struct err e = ERR_INIT;
	struct zone *z;
	size_t len, n;

	snprintf(path, sizeof(path), "%s/Europe/Paris", SYSTEM_ZONES);
	data = (unsigned char *)testutil_read_file(path, &len);
	use_own_zones();
	write_zone("Test/Whole", data, len);
	z = zone_open("Test/Whole", &e);
	ck_assert_msg(z != NULL, "%s", e.msg);
	zone_free(z);
	for (n = 0; n < len; n++) {
		write_zone("Test/Cut", data, n);
		z = zone_open("Test/Cut", &e);
		if (z)
			ck_abort_msg("%zu of %zu bytes read as a zone", n, len);
		if (e.code != EX_CONFIG)
			ck_abort_msg("%zu bytes: %s", n, e.msg);
	}
	free(data);
}
END_TEST

/* Corrupt files: each says what is wrong. */
static void
expect_refused(const struct bytes *b, const char *why)
{
	struct err e = ERR_INIT;

	write_zone("Test/Corrupt", b->d, b->n);
	ck_assert_ptr_null(zone_open("Test/Corrupt", &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, why) != NULL, "want '%s': %s", why, e.msg);
	ck_assert_msg(strstr(e.msg, "Test/Corrupt") != NULL, "%s", e.msg);
}

START_TEST(t_corrupt)
{
	static const int64_t backwards[] = { 962409600, 946684800 };
	static const unsigned char bad_idx[] = { 1, 2 };
	static const int32_t huge[] = { 3600, 26 * 3600 };
	static const unsigned char bad_dst[] = { 0, 2 };
	static const unsigned char bad_desig[] = { 0, 8 };
	struct bytes b;
	struct spec s;

	use_own_zones();
	s = small_spec('2', "XST-1");
	build(&b, &s);
	b.d[4] = '1';
	expect_refused(&b, "unknown TZif version");
	s.times = backwards;
	build(&b, &s);
	expect_refused(&b, "transition times out of order");
	s = small_spec('2', "XST-1");
	s.idx = bad_idx;
	build(&b, &s);
	expect_refused(&b, "type that does not exist");
	s = small_spec('2', "XST-1");
	s.utoff = huge;
	build(&b, &s);
	expect_refused(&b, "UT offset out of range");
	s = small_spec('2', "XST-1");
	s.isdst = bad_dst;
	build(&b, &s);
	expect_refused(&b, "DST flag");
	s = small_spec('2', "XST-1");
	s.desig = bad_desig;
	build(&b, &s);
	expect_refused(&b, "designation");
	s = small_spec('2', "XST-1");
	s.nchars = 7; /* "XDT" loses its NUL */
	build(&b, &s);
	expect_refused(&b, "designation");
	s = small_spec('2', "XST-1");
	s.ntypes = 0;
	build(&b, &s);
	expect_refused(&b, "no local time type");
	s = small_spec('2', "not a rule");
	build(&b, &s);
	expect_refused(&b, "footer not a POSIX TZ string");
	s = small_spec('2', "XST-1XDT,M13.1.0,M10.5.0");
	build(&b, &s);
	expect_refused(&b, "footer not a POSIX TZ string");
	s = small_spec('2', "XST-1");
	build(&b, &s);
	b.d[b.n - 1] = 'x';
	expect_refused(&b, "truncated footer");
	put(&b, "\n\n", 2);
	expect_refused(&b, "bytes after the footer");
}
END_TEST

/* A file replaced on disk is read again; a zone opened before stays
 * usable, with what it said. */
START_TEST(t_changed_file)
{
	struct bytes b;
	struct spec s;
	struct err e = ERR_INIT;
	struct zone *old, *new, *again;
	struct zone_offset o;

	use_own_zones();
	s = small_spec('2', "XST-1");
	build(&b, &s);
	write_zone("Test/Changing", b.d, b.n);
	old = zone_open("Test/Changing", &e);
	ck_assert_msg(old != NULL, "%s", e.msg);
	again = zone_open("Test/Changing", &e);
	ck_assert_ptr_eq(again, old); /* from the cache */
	zone_free(again);
	s = small_spec('2', "YSTX-3"); /* another size */
	build(&b, &s);
	write_zone("Test/Changing", b.d, b.n);
	new = zone_open("Test/Changing", &e);
	ck_assert_msg(new != NULL, "%s", e.msg);
	ck_assert_ptr_ne(new, old);
	ck_assert_int_eq(zone_offset(new, at("2300-01-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "YSTX");
	ck_assert_int_eq(zone_offset(old, at("2300-01-01T00:00:00Z"), &o), 0);
	ck_assert_str_eq(o.abbr, "XST");
	zone_free(old);
	zone_free(new);
}
END_TEST

/* --- threads -------------------------------------------------------------- */

#define THREADS 6
#define THREAD_ROUNDS 40
#define THREAD_SAMPLES 200

static const char *const thread_zones[] = {
	"Europe/Paris",
	"America/New_York",
	"Australia/Lord_Howe",
	"Pacific/Chatham",
	"UTC",
	"Asia/Kolkata",
};

/* What each zone says at the samples, computed by one thread first. */
static long expected[sizeof(thread_zones) / sizeof(thread_zones[0])]
		    [THREAD_SAMPLES];

static int64_t
sample(int i)
{
	/* 1990 to 2110, past the table into the footer's years */
	return INT64_C(631152000) + (int64_t)i * 18934567;
}

static long
digest_of(const struct tm *tm)
{
	return ((((long)tm->tm_year * 13 + tm->tm_mon) * 32 + tm->tm_mday) *
			25 +
		tm->tm_hour) *
		       60 +
	       tm->tm_min + tm->tm_gmtoff * 7 + tm->tm_isdst;
}

static void *
worker(void *arg)
{
	size_t k = (size_t)(intptr_t)arg, nz, round, zi;
	struct err e = ERR_INIT;
	struct zone *z;
	struct tm tm;
	int i, bad = 0;

	nz = sizeof(thread_zones) / sizeof(thread_zones[0]);
	for (round = 0; round < THREAD_ROUNDS; round++) {
		zi = (k + round) % nz;
		z = zone_open(thread_zones[zi], &e);
		if (!z)
			return (void *)1;
		for (i = 0; i < THREAD_SAMPLES; i++)
			if (zone_local(z, sample(i), &tm) < 0 ||
			    digest_of(&tm) != expected[zi][i])
				bad = 1;
		zone_free(z);
	}
	return (void *)(intptr_t)bad;
}

START_TEST(t_threads)
{
	pthread_t th[THREADS];
	struct err e = ERR_INIT;
	struct zone *z;
	struct tm tm;
	void *rc;
	size_t zi, k;
	int i;

	use_system_zones();
	for (zi = 0; zi < sizeof(thread_zones) / sizeof(thread_zones[0]);
	     zi++) {
		z = zone_open(thread_zones[zi], &e);
		ck_assert_msg(z != NULL, "%s", e.msg);
		for (i = 0; i < THREAD_SAMPLES; i++) {
			ck_assert_int_eq(zone_local(z, sample(i), &tm), 0);
			expected[zi][i] = digest_of(&tm);
		}
		zone_free(z);
	}
	for (k = 0; k < THREADS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, worker,
						(void *)(intptr_t)k),
				 0);
	for (k = 0; k < THREADS; k++) {
		ck_assert_int_eq(pthread_join(th[k], &rc), 0);
		ck_assert_ptr_null(rc);
	}
}
END_TEST

int
main(void)
{
	char p[4096 + 64];
	Suite *s;
	TCase *tc;
	int rc;

	if (!testutil_tmpdir(dir, sizeof(dir), "zone")) {
		perror(dir);
		return EXIT_FAILURE;
	}
	snprintf(p, sizeof(p), "%s/Test", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/Europe", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/Test/NotTZif", dir);
	testutil_put_file(p, "# not a zone\n", 0644);
	snprintf(p, sizeof(p), "%s/Test/Empty", dir);
	testutil_put_file(p, "", 0644);
	snprintf(p, sizeof(p), "%s/Test/Fifo", dir);
	mkfifo(p, 0600);
	{
		/* a zone with one leap second record */
		struct spec sp = small_spec('2', "XST-1");
		struct bytes b;
		FILE *f;

		sp.leapcnt = 1;
		build(&b, &sp);
		snprintf(p, sizeof(p), "%s/Test/Leap", dir);
		f = fopen(p, "wb");
		if (!f || fwrite(b.d, 1, b.n, f) != b.n || fclose(f)) {
			perror(p);
			return EXIT_FAILURE;
		}
	}

	s = suite_create("zone");
	tc = tcase_create("core");
	tcase_add_loop_test(tc, t_against_libc, 0,
			    (int)(sizeof(libc_zones) / sizeof(libc_zones[0])));
	tcase_add_loop_test(tc, t_known, 0,
			    (int)(sizeof(known) / sizeof(known[0])));
	tcase_add_loop_test(tc, t_from_local, 0,
			    (int)(sizeof(locals) / sizeof(locals[0])));
	tcase_add_loop_test(tc, t_bad_name, 0,
			    (int)(sizeof(bad_names) / sizeof(bad_names[0])));
	tcase_add_test(tc, t_name_length);
	tcase_add_test(tc, t_utc_built_in);
	tcase_add_test(tc, t_own_files);
	tcase_add_loop_test(tc, t_footer_only, 0,
			    (int)(sizeof(footers) / sizeof(footers[0])));
	tcase_add_test(tc, t_dst_all_year);
	tcase_add_test(tc, t_truncated);
	tcase_add_test(tc, t_corrupt);
	tcase_add_test(tc, t_changed_file);
	tcase_add_test(tc, t_threads);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_remove_tree(dir);
	return rc;
}
