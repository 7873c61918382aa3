/*
 * zone: TZif files (RFC 8536) read into immutable zones, and the POSIX TZ
 * rule of their footer. Calendar arithmetic is lib/date's.
 *
 * A zone is a list of periods: the table's transitions cut time into
 * intervals [start, end) with one local time type each; past the last
 * transition (or at all times when there is none) the footer's rule
 * takes over, each year's two changes computed from it. Everything else
 * (an instant's offset, local time, the instants of a local time) walks
 * those periods.
 */
#include "config.h"

#include "lib/str.h"
#include "lib/zone.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/date.h"
#include "lib/err.h"

#define DAY_SECS INT64_C(86400)
/* RFC 8536 3.2: UT offsets lie in [-89999, 93599], -24:59:59 to
 * +25:59:59; every search below relies on it (a day either side). */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* The longest footer abbreviation kept (POSIX asks at least 3 bytes). */
#define ABBR_MAX 32
/* RFC 8536 3.3.1: a rule's time of day may range over -167 to 167 hours. */
#define RULE_HOURS_MAX 167
/* The folder of the zone files, tzfile(5)'s variable and default. */
#define ZONE_DIR_VAR "TZDIR"
#define ZONE_DIR_DEFAULT "/usr/share/zoneinfo"

/* A local time type. */
struct ztype {
	int32_t utoff;
	int isdst;
	const char *abbr;
};

/* One end of daylight saving in a POSIX TZ rule. */
enum rule_kind {
	RULE_JULIAN, /* Jn: 1..365, February 29 never counted */
	RULE_ZERO,   /* n: 0..365, February 29 counted */
	RULE_MONTH,  /* Mm.w.d: day d (0 = Sunday) of week w
	              * (5 = last) of month m */
};

struct rule_date {
	enum rule_kind kind;
	int day, week, month;
	int32_t time; /* seconds after midnight, in the local
	               * time in force before the change */
};

/* The footer: local time past the table. */
struct footer {
	int present; /* a non-empty TZ string */
	int has_dst;
	struct ztype std, dst;
	struct rule_date start, end; /* daylight saving starts, ends */
	char std_abbr[ABBR_MAX + 1], dst_abbr[ABBR_MAX + 1];
};

struct zone {
	char *path; /* the file read; NULL: built in */
	dev_t dev;  /* the file's identity when read */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	unsigned long refs; /* under cache_lock; the cache holds one */
	struct zone *next;  /* in the cache */
	size_t ntimes, ntypes;
	int64_t *times;     /* ascending */
	unsigned char *idx; /* the type from times[i] on */
	struct ztype *types;
	char *chars; /* the abbreviations, types[].abbr */
	struct footer foot;
};

/* An interval of one local time type: [start, end), INT64_MIN and
 * INT64_MAX for no bound. */
struct period {
	int64_t start, end;
	const struct ztype *type;
};

static struct ztype utc_type = { 0, 0, "UTC" };
static struct zone utc_zone = { .ntypes = 1, .types = &utc_type };

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct zone *cache;

/* The folder, read from the environment once: a thread that opens a zone
 * never calls getenv while another might change the environment. */
static const char *zone_dir;
static pthread_once_t zone_dir_once = PTHREAD_ONCE_INIT;

static void
read_zone_dir(void)
{
	const char *dir = getenv(ZONE_DIR_VAR);

	zone_dir = dir && *dir ? strdup(dir) : NULL;
	if (!zone_dir)
		zone_dir = ZONE_DIR_DEFAULT;
}

void
zone_init(void)
{
	pthread_once(&zone_dir_once, read_zone_dir);
}

/* --- calendar ------------------------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (since 1970-01-01) on which r falls in year y. */
static int64_t
rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = date_days_from_civil(y, 1, 1), first, next, d;
	int wd;

	switch (r->kind) {
	case RULE_JULIAN:
		return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
	case RULE_ZERO:
		return jan1 + r->day;
	case RULE_MONTH:
	default:
		first = date_days_from_civil(y, r->month, 1);
		next = r->month == 12 ?
			       date_days_from_civil(y + 1, 1, 1) :
			       date_days_from_civil(y, r->month + 1, 1);
		/* 1970-01-01 was a Thursday (4) */
		wd = (int)(first + 4 - floor_div(first + 4, 7) * 7);
		d = first + (r->day - wd + 7) % 7 + 7 * (r->week - 1);
		while (d >= next)
			d -= 7; /* week 5: the last such day */
		return d;
	}
}

/* --- periods -------------------------------------------------------------- */

/* The footer's period around t: each year's changes, from two years
 * before t's to two after, bracket t whatever the rule's times (a week
 * at most off their day) and offsets. */
static void
footer_period(const struct footer *f, int64_t t, struct period *p)
{
	struct change {
		int64_t at;
		int dst;
	} ch[10], c;
	int64_t y, yy;
	int m, d, i, j, n = 0, last = -1;

	if (!f->has_dst) {
		p->start = INT64_MIN;
		p->end = INT64_MAX;
		p->type = &f->std;
		return;
	}
	date_civil_from_days(floor_div(t, DAY_SECS), &y, &m, &d);
	for (yy = y - 2; yy <= y + 2; yy++) {
		ch[n].at = rule_day(&f->start, yy) * DAY_SECS + f->start.time -
			   f->std.utoff;
		ch[n++].dst = 1;
		ch[n].at = rule_day(&f->end, yy) * DAY_SECS + f->end.time -
			   f->dst.utoff;
		ch[n++].dst = 0;
	}
	/* A stable sort: of changes at one instant the later year's wins,
	 * so daylight saving all year (it ends as it starts again) stays
	 * daylight saving. */
	for (i = 1; i < n; i++) {
		c = ch[i];
		for (j = i; j > 0 && ch[j - 1].at > c.at; j--)
			ch[j] = ch[j - 1];
		ch[j] = c;
	}
	for (i = 0; i < n && ch[i].at <= t; i++)
		last = i;
	if (last < 0) {
		p->start = INT64_MIN;
		p->type = ch[0].dst ? &f->std : &f->dst;
	} else {
		p->start = ch[last].at;
		p->type = ch[last].dst ? &f->dst : &f->std;
	}
	p->end = last + 1 < n ? ch[last + 1].at : INT64_MAX;
}

static void
period_at(const struct zone *z, int64_t t, struct period *p)
{
	size_t lo, hi, mid;

	if (z->ntimes == 0 && z->foot.present) {
		footer_period(&z->foot, t, p);
		return;
	}
	/* RFC 8536 3.2: before the first transition, the first type */
	if (z->ntimes == 0 || t < z->times[0]) {
		p->start = INT64_MIN;
		p->end = z->ntimes ? z->times[0] : INT64_MAX;
		p->type = &z->types[0];
		return;
	}
	/* times[lo] <= t < times[hi] (hi == ntimes: no end) */
	lo = 0;
	hi = z->ntimes;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (hi == z->ntimes && z->foot.present) {
		footer_period(&z->foot, t, p);
		if (p->start < z->times[lo])
			p->start = z->times[lo];
		return;
	}
	p->start = z->times[lo];
	p->end = hi < z->ntimes ? z->times[hi] : INT64_MAX;
	p->type = &z->types[z->idx[lo]];
}

int
zone_offset(const struct zone *z, int64_t t, struct zone_offset *out)
{
	struct period p;

	if (t < ZONE_TIME_MIN || t > ZONE_TIME_MAX)
		return -1;
	period_at(z, t, &p);
	out->utoff = p.type->utoff;
	out->isdst = p.type->isdst;
	out->abbr = p.type->abbr;
	return 0;
}

int
zone_local(const struct zone *z, int64_t t, struct tm *out)
{
	struct period p;
	int64_t loc, days, secs, y;
	int m, d;

	if (t < ZONE_TIME_MIN || t > ZONE_TIME_MAX)
		return -1;
	period_at(z, t, &p);
	loc = t + p.type->utoff;
	days = floor_div(loc, DAY_SECS);
	secs = loc - days * DAY_SECS;
	date_civil_from_days(days, &y, &m, &d);
	memset(out, 0, sizeof(*out));
	out->tm_sec = (int)(secs % 60);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_hour = (int)(secs / 3600);
	out->tm_mday = d;
	out->tm_mon = m - 1;
	out->tm_year = (int)(y - 1900);
	out->tm_wday = (int)(days + 4 - floor_div(days + 4, 7) * 7);
	out->tm_yday = (int)(days - date_days_from_civil(y, 1, 1));
	out->tm_isdst = p.type->isdst;
	out->tm_gmtoff = p.type->utoff;
	out->tm_zone = p.type->abbr;
	return 0;
}

int
zone_from_local(const struct zone *z, int64_t local, int64_t out[2], int *n,
		int *gap)
{
	struct period p, prev = { 0, 0, NULL };
	int64_t t, cand, stop, gap_end = 0;
	int have_gap = 0;

	*n = 0;
	*gap = 0;
	if (local < ZONE_TIME_MIN + 2 * DAY_SECS ||
	    local > ZONE_TIME_MAX - 2 * DAY_SECS)
		return -1;
	/* Offsets lie within a day and a bit, so every instant that reads
	 * local lies within two days of it: walk the periods there. */
	t = local - 2 * DAY_SECS;
	stop = local + 2 * DAY_SECS;
	for (;;) {
		period_at(z, t, &p);
		cand = local - p.type->utoff;
		if (cand >= p.start && cand < p.end && *n < 2)
			out[(*n)++] = cand;
		/* the clock jumped from before local to after it here */
		if (prev.type && !have_gap &&
		    p.start + prev.type->utoff <= local &&
		    local < p.start + p.type->utoff) {
			gap_end = p.start;
			have_gap = 1;
		}
		if (p.end > stop)
			break;
		prev = p;
		t = p.end;
	}
	if (*n > 0)
		return 0;
	if (!have_gap)
		return -1;
	out[0] = gap_end;
	*n = 1;
	*gap = 1;
	return 0;
}

/* --- the footer: a POSIX TZ string ---------------------------------------- */

/* A number of at most digits digits within [lo, hi]. */
static int
tz_number(const char **s, int digits, int lo, int hi, int *out)
{
	const char *p = *s;
	int v = 0, i;

	for (i = 0; i < digits && str_is_digit(*p); i++)
		v = v * 10 + (*p++ - '0');
	if (i == 0 || v < lo || v > hi)
		return -1;
	*out = v;
	*s = p;
	return 0;
}

/* std or dst: three or more letters, or "<...>" of letters, digits, '+'
 * and '-'. */
static int
tz_name(const char **s, char out[ABBR_MAX + 1])
{
	const char *p = *s, *start;
	size_t len;

	if (*p == '<') {
		start = ++p;
		while (str_is_alpha(*p) || str_is_digit(*p) || *p == '+' ||
		       *p == '-')
			p++;
		if (*p != '>')
			return -1;
		len = (size_t)(p++ - start);
	} else {
		start = p;
		while (str_is_alpha(*p))
			p++;
		len = (size_t)(p - start);
	}
	if (len < 3 || len > ABBR_MAX)
		return -1;
	memcpy(out, start, len);
	out[len] = '\0';
	*s = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] as seconds, hours at most max_hours. */
static int
tz_hms(const char **s, int max_hours, int32_t *out)
{
	const char *p = *s;
	int sign = 1, h, m = 0, sec = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (tz_number(&p, 3, 0, max_hours, &h) < 0)
		return -1;
	if (*p == ':') {
		p++;
		if (tz_number(&p, 2, 0, 59, &m) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (tz_number(&p, 2, 0, 59, &sec) < 0)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	*s = p;
	return 0;
}

/* Jn | n | Mm.w.d, then [/time] (02:00:00 when absent). */
static int
tz_rule_date(const char **s, struct rule_date *r)
{
	const char *p = *s;

	if (*p == 'J') {
		p++;
		r->kind = RULE_JULIAN;
		if (tz_number(&p, 3, 1, 365, &r->day) < 0)
			return -1;
	} else if (*p == 'M') {
		p++;
		r->kind = RULE_MONTH;
		if (tz_number(&p, 2, 1, 12, &r->month) < 0 || *p++ != '.' ||
		    tz_number(&p, 1, 1, 5, &r->week) < 0 || *p++ != '.' ||
		    tz_number(&p, 1, 0, 6, &r->day) < 0)
			return -1;
	} else {
		r->kind = RULE_ZERO;
		if (tz_number(&p, 3, 0, 365, &r->day) < 0)
			return -1;
	}
	r->time = 2 * 3600;
	if (*p == '/') {
		p++;
		if (tz_hms(&p, RULE_HOURS_MAX, &r->time) < 0)
			return -1;
	}
	*s = p;
	return 0;
}

/* POSIX 8.3 TZ, as RFC 8536 3.3 extends it: std offset [dst [offset]
 * [,start[/time],end[/time]]]. Offsets count west of UTC. */
static int
parse_footer(const char *s, struct footer *f)
{
	int32_t off;

	memset(f, 0, sizeof(*f));
	if (!*s)
		return 0;
	if (tz_name(&s, f->std_abbr) < 0 || tz_hms(&s, 24, &off) < 0)
		return -1;
	f->present = 1;
	f->std.utoff = -off;
	f->std.abbr = f->std_abbr;
	if (!*s)
		return 0;
	f->has_dst = 1;
	if (tz_name(&s, f->dst_abbr) < 0)
		return -1;
	f->dst.utoff = f->std.utoff + 3600;
	f->dst.isdst = 1;
	f->dst.abbr = f->dst_abbr;
	if (*s && *s != ',') {
		if (tz_hms(&s, 24, &off) < 0)
			return -1;
		f->dst.utoff = -off;
	}
	if (!*s) {
		/* no rule: the United States' since 2007, as C libraries do */
		f->start = (struct rule_date){ RULE_MONTH, 0, 2, 3, 7200 };
		f->end = (struct rule_date){ RULE_MONTH, 0, 1, 11, 7200 };
		return 0;
	}
	if (*s++ != ',' || tz_rule_date(&s, &f->start) < 0 || *s++ != ',' ||
	    tz_rule_date(&s, &f->end) < 0 || *s)
		return -1;
	return 0;
}

/* --- reading a TZif file -------------------------------------------------- */

struct header {
	int version; /* 1, 2, 3... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* RFC 8536 3.1. Returns NULL, or what is wrong. */
static const char *
read_header(const unsigned char **p, size_t *left, struct header *h)
{
	const unsigned char *b = *p;

	if (*left == 0)
		return "empty, not a TZif file";
	if (*left < 44)
		return memcmp(b, "TZif", *left < 4 ? *left : 4) ?
			       "not a TZif file" :
			       "truncated header";
	if (memcmp(b, "TZif", 4))
		return "not a TZif file";
	if (b[4] == 0)
		h->version = 1;
	else if (b[4] >= '2' && b[4] <= '9')
		h->version = b[4] - '0';
	else
		return "unknown TZif version";
	h->isutcnt = be32(b + 20);
	h->isstdcnt = be32(b + 24);
	h->leapcnt = be32(b + 28);
	h->timecnt = be32(b + 32);
	h->typecnt = be32(b + 36);
	h->charcnt = be32(b + 40);
	if (h->typecnt == 0)
		return "no local time type";
	if (h->charcnt == 0)
		return "no time zone designation";
	if ((h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt))
		return "indicator counts differ from the type count";
	*p += 44;
	*left -= 44;
	return NULL;
}

/* The size of a data block with times of tsize bytes. */
static uint64_t
block_size(const struct header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
	       h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	       h->isutcnt;
}

/* RFC 8536 3.2: the data block into z. Returns NULL, or what is wrong. */
static const char *
read_block(const unsigned char *b, const struct header *h, unsigned tsize,
	   struct zone *z)
{
	const unsigned char *types, *chars, *isstd, *isut;
	uint32_t i;

	if (h->leapcnt)
		return "leap second records (right/ zones are not supported)";
	if (h->typecnt > 256)
		return "more than 256 local time types";
	z->ntimes = h->timecnt;
	z->ntypes = h->typecnt;
	z->times = calloc(h->timecnt ? h->timecnt : 1, sizeof(*z->times));
	z->idx = calloc(h->timecnt ? h->timecnt : 1, 1);
	z->types = calloc(h->typecnt, sizeof(*z->types));
	z->chars = malloc(h->charcnt);
	if (!z->times || !z->idx || !z->types || !z->chars)
		return "out of memory";
	for (i = 0; i < h->timecnt; i++) {
		z->times[i] = tsize == 8 ? be64(b + 8 * i) :
					   (int32_t)be32(b + 4 * i);
		if (i > 0 && z->times[i] <= z->times[i - 1])
			return "transition times out of order";
	}
	b += (size_t)h->timecnt * tsize;
	for (i = 0; i < h->timecnt; i++) {
		z->idx[i] = b[i];
		if (b[i] >= h->typecnt)
			return "transition to a type that does not exist";
	}
	types = b + h->timecnt;
	chars = types + (size_t)h->typecnt * 6;
	memcpy(z->chars, chars, h->charcnt);
	for (i = 0; i < h->typecnt; i++) {
		const unsigned char *r = types + 6 * i;
		int32_t utoff = (int32_t)be32(r);

		if (utoff < UTOFF_MIN || utoff > UTOFF_MAX)
			return "UT offset out of range";
		if (r[4] > 1)
			return "DST flag neither 0 nor 1";
		if (r[5] >= h->charcnt ||
		    !memchr(chars + r[5], '\0', h->charcnt - r[5]))
			return "designation outside the designations";
		z->types[i].utoff = utoff;
		z->types[i].isdst = r[4];
		z->types[i].abbr = z->chars + r[5];
	}
	isstd = chars + h->charcnt; /* no leap records (checked above) */
	isut = isstd + h->isstdcnt;
	for (i = 0; i < h->isstdcnt; i++)
		if (isstd[i] > 1)
			return "standard/wall indicator neither 0 nor 1";
	for (i = 0; i < h->isutcnt; i++)
		if (isut[i] > 1 || (isut[i] && !(h->isstdcnt && isstd[i])))
			return "UT/local indicator without standard time";
	return NULL;
}

/* The whole file in data into z. Returns NULL, or what is wrong. */
static const char *
parse_tzif(const unsigned char *data, size_t len, struct zone *z)
{
	const unsigned char *p = data, *nl;
	size_t left = len;
	struct header h;
	const char *why;
	char footer[512];
	uint64_t size;

	if ((why = read_header(&p, &left, &h)))
		return why;
	size = block_size(&h, 4);
	if (size > left)
		return "truncated data";
	if (h.version == 1)
		return read_block(p, &h, 4, z);
	/* version 2 and later: the 64-bit block after the 32-bit one */
	p += size;
	left -= (size_t)size;
	if ((why = read_header(&p, &left, &h)))
		return why;
	if (h.version < 2)
		return "second header of version 1";
	size = block_size(&h, 8);
	if (size > left)
		return "truncated data";
	if ((why = read_block(p, &h, 8, z)))
		return why;
	p += size;
	left -= (size_t)size;
	/* RFC 8536 3.3: "\n" TZ string "\n", the end of the file */
	if (left < 2 || p[0] != '\n')
		return "no footer";
	nl = memchr(p + 1, '\n', left - 1);
	if (!nl)
		return "truncated footer";
	if ((size_t)(nl - p) != left - 1)
		return "bytes after the footer";
	if ((size_t)(nl - p - 1) >= sizeof(footer))
		return "footer too long";
	memcpy(footer, p + 1, (size_t)(nl - p - 1));
	footer[nl - p - 1] = '\0';
	if (parse_footer(footer, &z->foot) < 0)
		return "footer not a POSIX TZ string";
	return NULL;
}

static void
zone_destroy(struct zone *z)
{
	if (!z || z == &utc_zone)
		return;
	free(z->path);
	free(z->times);
	free(z->idx);
	free(z->types);
	free(z->chars);
	free(z);
}

/* Reads the open file fd (st its status) into a new zone. */
static struct zone *
zone_load(int fd, const struct stat *st, const char *path, const char *q,
	  struct err *e)
{
	unsigned char *data = NULL;
	struct zone *z = NULL;
	const char *why;
	size_t len = 0;
	ssize_t r;

	if (st->st_size > ZONE_FILE_MAX) {
		err_set(e, EX_CONFIG,
			"time zone '%s': '%s': larger than %d "
			"bytes",
			q, path, ZONE_FILE_MAX);
		goto fail;
	}
	z = calloc(1, sizeof(*z));
	data = malloc((size_t)st->st_size + 1);
	if (!z || !data || !(z->path = strdup(path))) {
		err_set(e, EX_OSERR, "time zone '%s': out of memory", q);
		goto fail;
	}
	/* the size read at open; a file that shrank since reads short */
	while (len < (size_t)st->st_size) {
		r = read(fd, data + len, (size_t)st->st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, EX_IOERR, "time zone '%s': read '%s': %s", q,
				path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	why = parse_tzif(data, len, z);
	if (why) {
		err_set(e, strcmp(why, "out of memory") ? EX_CONFIG : EX_OSERR,
			"time zone '%s': '%s': %s", q, path, why);
		goto fail;
	}
	z->dev = st->st_dev;
	z->ino = st->st_ino;
	z->size = st->st_size;
	z->mtime = st->st_mtim;
	free(data);
	return z;
fail:
	free(data);
	zone_destroy(z);
	return NULL;
}

/* --- opening, the cache --------------------------------------------------- */

/* Letters, digits and "/_+-", no "..", no leading '/': a name that stays
 * under the zone folder. */
static int
name_ok(const char *name)
{
	const char *p;

	if (!*name || strlen(name) > ZONE_NAME_MAX || name[0] == '/' ||
	    strstr(name, ".."))
		return 0;
	for (p = name; *p; p++)
		if (!str_is_alpha(*p) && !str_is_digit(*p) &&
		    !strchr("/_+-", *p))
			return 0;
	return 1;
}

static int
same_file(const struct zone *z, const struct stat *st)
{
	return z->dev == st->st_dev && z->ino == st->st_ino &&
	       z->size == st->st_size &&
	       z->mtime.tv_sec == st->st_mtim.tv_sec &&
	       z->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

struct zone *
zone_open(const char *name, struct err *e)
{
	const char *dir;
	struct zone *z = NULL, **pp, *stale;
	char q[ERR_QUOTE_SIZE], *path = NULL;
	struct stat st;
	size_t n;
	int fd = -1;

	if (!name)
		name = "";
	err_quote(q, sizeof(q), name, strlen(name));
	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return &utc_zone;
	if (!name_ok(name)) {
		err_set(e, EX_CONFIG,
			"time zone '%s': not a zone name "
			"(letters, digits, '/', '_', '+', '-'; no '..', no "
			"leading '/')",
			q);
		return NULL;
	}
	zone_init();
	dir = zone_dir;
	n = strlen(dir) + strlen(name) + 2;
	path = malloc(n);
	if (!path) {
		err_set(e, EX_OSERR, "time zone '%s': out of memory", q);
		return NULL;
	}
	snprintf(path, n, "%s/%s", dir, name);
	/* O_NONBLOCK: a FIFO put there must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err_set(e, EX_CONFIG, "time zone '%s': '%s': %s", q, path,
			errno == ENOENT ? "no such zone" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err_set(e, EX_IOERR, "time zone '%s': stat '%s': %s", q, path,
			strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG, "time zone '%s': '%s': not a file", q,
			path);
		goto out;
	}
	/* one lock around lookup and load: zone files are a few KiB */
	pthread_mutex_lock(&cache_lock);
	for (pp = &cache; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->path, path))
			break;
	if (*pp && same_file(*pp, &st)) {
		z = *pp;
		z->refs++;
	} else if ((z = zone_load(fd, &st, path, q, e))) {
		/* the file changed: its old zone lives on with its users */
		if (*pp) {
			stale = *pp;
			*pp = stale->next;
			if (--stale->refs == 0)
				zone_destroy(stale);
		}
		z->refs = 2;
		z->next = cache;
		cache = z;
	}
	pthread_mutex_unlock(&cache_lock);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return z;
}

void
zone_free(struct zone *z)
{
	if (!z || z == &utc_zone)
		return;
	pthread_mutex_lock(&cache_lock);
	if (--z->refs == 0)
		zone_destroy(z);
	pthread_mutex_unlock(&cache_lock);
}

int
zone_check(const char *name, struct err *e)
{
	struct zone *z = zone_open(name, e);

	if (!z)
		return -1;
	zone_free(z);
	return 0;
}
