#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/date.h"
#include "lib/str.h"

/*
 * Two parsers, tried in feedparser's order: parse_iso() for W3CDTF, RFC 3339
 * and ISO 8601 (strings that start with digits or '-'), then parse_words()
 * for everything written with words (RFC 822, asctime, Perforce, French and
 * Greek). Both fill a struct fields, and fields_to_time() checks the ranges
 * and does the calendar arithmetic.
 */

#define DATE_MAX_TOKENS 16
#define WORD_MAX 32 /* a folded month, day or zone name */

struct fields {
	int year, mon, day;
	int hour, min, sec;
	int off; /* zone offset, seconds east of UTC */
};

/* The calendar. */

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30,
						 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return mdays[m - 1];
}

/* Floor division, as the calendar needs for years before 1970. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. The
 * year is counted from March, so the leap day is the last day of its year:
 * a year then has 365 days plus the leap rules' quarter, minus the
 * century, plus the 400-year; the day of the year from March 1 follows the
 * 153-days-per-5-months pattern (31 30 31 30 31). 719468 is the number of
 * days from 0000-03-01 to 1970-01-01.
 */
int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	int mp = m > 2 ? m - 3 : m + 9; /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;

	return 365 * yy + floor_div(yy, 4) - floor_div(yy, 100) +
	       floor_div(yy, 400) + doy - 719468;
}

/* The inverse: y-m-d of a day number counted from 1970-01-01. */
void
date_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097); /* 400-year cycles */
	doe = z - era * 146097;     /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Checks the ranges, applies the zone; -1 when anything is off. */
static int
fields_to_time(const struct fields *f, int64_t *out)
{
	int64_t t;

	if (f->year < 1 || f->year > 9999 || f->mon < 1 || f->mon > 12 ||
	    f->day < 1 || f->day > days_in_month(f->year, f->mon))
		return -1;
	/* RFC 3339 5.6 allows a leap second: it counts as the next one. */
	if (f->hour < 0 || f->hour > 23 || f->min < 0 || f->min > 59 ||
	    f->sec < 0 || f->sec > 60)
		return -1;
	t = date_days_from_civil(f->year, f->mon, f->day) * 86400 +
	    f->hour * 3600 + f->min * 60 + f->sec - f->off;
	if (t < DATE_MIN || t > DATE_MAX)
		return -1;
	*out = t;
	return 0;
}

/* Character helpers (no locale: feeds are not in ours). */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static size_t
count_digits(const char *s)
{
	size_t n = 0;

	while (str_is_digit((unsigned char)s[n]))
		n++;
	return n;
}

/* The value of the n digits at s (n <= 9, so it fits an int). */
static int
digits_value(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* A token that is 1 to maxn digits and nothing else. */
static int
parse_number(const char *s, size_t maxn, int *out)
{
	size_t n = count_digits(s);

	if (n == 0 || n > maxn || s[n] != '\0')
		return -1;
	*out = digits_value(s, n);
	return 0;
}

/*
 * Folds a word for comparison into out: ASCII lower case, French accented
 * letters (UTF-8) to their base letter, trailing dots dropped ("févr." ->
 * "fevr"). -1 when it holds anything else or does not fit.
 */
static int
fold_word(const char *s, char out[WORD_MAX])
{
	/* Second bytes after 0xC3, from 0x80: the base letter, or 0. */
	static const char latin1[65] = "aaaaaa ceeeeiiii nooooo  uuuuy  "
				       "aaaaaa ceeeeiiii nooooo  uuuuy y";
	size_t n = 0;
	unsigned char c;

	while ((c = (unsigned char)*s) != '\0') {
		char f;

		if (str_is_alpha(c)) {
			f = (char)lower(c);
			s++;
		} else if (c == 0xC3 && (unsigned char)s[1] >= 0x80 &&
			   (unsigned char)s[1] <= 0xBF) {
			f = latin1[(unsigned char)s[1] - 0x80];
			if (f == ' ')
				return -1;
			s += 2;
		} else if (c == '.') {
			s++;
			if (*s != '\0' && *s != '.')
				return -1;
			continue;
		} else {
			return -1;
		}
		if (n + 1 >= WORD_MAX)
			return -1;
		out[n++] = f;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* An abbreviation: at least min letters, all a prefix of name. */
struct name {
	const char *name;
	unsigned char min;
	signed char value;
};

static int
lookup_name(const struct name *tab, size_t ntab, const char *word)
{
	size_t len = strlen(word);
	size_t i;

	for (i = 0; i < ntab; i++)
		if (len >= tab[i].min && len <= strlen(tab[i].name) &&
		    memcmp(tab[i].name, word, len) == 0)
			return tab[i].value;
	return 0;
}

/* Greek names are matched exactly, as feedparser's table does. */
static int
lookup_exact(const char *const *tab, const signed char *val, size_t ntab,
	     const char *word)
{
	size_t i;

	for (i = 0; i < ntab; i++)
		if (strcmp(tab[i], word) == 0)
			return val[i];
	return 0;
}

static const struct name month_names[] = {
	{ "january", 3, 1 },
	{ "february", 3, 2 },
	{ "march", 3, 3 },
	{ "april", 3, 4 },
	{ "may", 3, 5 },
	{ "june", 3, 6 },
	{ "july", 3, 7 },
	{ "august", 3, 8 },
	{ "september", 3, 9 },
	{ "october", 3, 10 },
	{ "november", 3, 11 },
	{ "december", 3, 12 },
	/* French ("janv.", "févr.", "juil.", "sept.", "déc."). */
	{ "janvier", 3, 1 },
	{ "fevrier", 3, 2 },
	{ "mars", 3, 3 },
	{ "avril", 3, 4 },
	{ "mai", 3, 5 },
	{ "juin", 4, 6 },
	{ "juillet", 4, 7 },
	{ "aout", 3, 8 },
	{ "septembre", 3, 9 },
	{ "octobre", 3, 10 },
	{ "novembre", 3, 11 },
	{ "decembre", 3, 12 },
};

static const struct name day_names[] = {
	{ "monday", 3, 1 },   { "tuesday", 3, 2 },  { "wednesday", 3, 3 },
	{ "thursday", 3, 4 }, { "friday", 3, 5 },   { "saturday", 3, 6 },
	{ "sunday", 3, 7 },   { "lundi", 3, 1 },    { "mardi", 3, 2 },
	{ "mercredi", 3, 3 }, { "jeudi", 3, 4 },    { "vendredi", 3, 5 },
	{ "samedi", 3, 6 },   { "dimanche", 3, 7 },
};

static const char *const greek_months[] = {
	"Ιαν",  "Φεβ", "Μάώ", "Μαώ", "Απρ", "Μάι", "Μαϊ", "Μαι", "Ιούν", "Ιον",
	"Ιούλ", "Ιολ", "Αύγ", "Αυγ", "Σεπ", "Οκτ", "Νοέ", "Νοε", "Δεκ",
};
static const signed char greek_month_values[] = { 1, 2,  3,  3,  4, 5, 5,
						  5, 6,  6,  7,  7, 8, 8,
						  9, 10, 11, 11, 12 };

static const char *const greek_days[] = { "Δευ", "Τρι", "Τετ", "Πεμ",
					  "Παρ", "Σαβ", "Κυρ" };
static const signed char greek_day_values[] = { 1, 2, 3, 4, 5, 6, 7 };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* 1-12, or 0 when tok is not a month name. */
static int
month_of(const char *tok)
{
	char w[WORD_MAX];

	if (fold_word(tok, w) == 0)
		return lookup_name(month_names, NELEM(month_names), w);
	return lookup_exact(greek_months, greek_month_values,
			    NELEM(greek_months), tok);
}

static int
is_day_name(const char *tok)
{
	char w[WORD_MAX];

	if (fold_word(tok, w) == 0)
		return lookup_name(day_names, NELEM(day_names), w) != 0;
	return lookup_exact(greek_days, greek_day_values, NELEM(greek_days),
			    tok) != 0;
}

/*
 * Zone names, in hours east of UTC. RFC 822 5.1 names and military
 * letters (with RFC 822's signs, as feedparser), feedparser's extras
 * (AT ET CT MT PT, MET MEST) and common real-world abbreviations. Names
 * that mean several zones (IST, for one) are left out: unknown is UTC.
 */
static const struct zone {
	const char *name;
	signed char hours;
} zone_names[] = {
	{ "ut", 0 },    { "utc", 0 },   { "gmt", 0 },   { "z", 0 },
	{ "wet", 0 },   { "adt", -3 },  { "ast", -4 },  { "at", -4 },
	{ "edt", -4 },  { "est", -5 },  { "et", -5 },   { "cdt", -5 },
	{ "cst", -6 },  { "ct", -6 },   { "mdt", -6 },  { "mst", -7 },
	{ "mt", -7 },   { "pdt", -7 },  { "pst", -8 },  { "pt", -8 },
	{ "akdt", -8 }, { "akst", -9 }, { "hst", -10 }, { "met", 1 },
	{ "mest", 2 },  { "cet", 1 },   { "cest", 2 },  { "west", 1 },
	{ "bst", 1 },   { "eet", 2 },   { "eest", 3 },  { "msk", 3 },
	{ "jst", 9 },   { "kst", 9 },   { "awst", 8 },  { "aest", 10 },
	{ "aedt", 11 }, { "nzst", 12 }, { "nzdt", 13 },
};

/* RFC 822 5.1 military zones: A-I -1..-9, K-M -10..-12, N-Y +1..+12. */
static int
military_hours(int c)
{
	if (c >= 'a' && c <= 'i')
		return -(c - 'a' + 1);
	if (c >= 'k' && c <= 'm')
		return -(c - 'k' + 10);
	if (c >= 'n' && c <= 'y')
		return c - 'n' + 1;
	return 0;
}

/*
 * A numeric offset after its sign: "hh", "hhmm", "hh:mm" or "h" (so
 * "GMT+1" works). Sets *off in seconds east; -1 on anything else.
 */
static int
parse_offset(const char *s, int *off)
{
	int sign = *s == '-' ? -1 : 1;
	size_t n;
	int h, m = 0;

	s++;
	n = count_digits(s);
	if (n == 4) {
		h = digits_value(s, 2);
		m = digits_value(s + 2, 2);
	} else if (n == 1 || n == 2) {
		h = digits_value(s, n);
		if (s[n] == ':') {
			if (count_digits(s + n + 1) != 2)
				return -1;
			m = digits_value(s + n + 1, 2);
			n += 3;
		}
	} else {
		return -1;
	}
	if (s[n] != '\0' || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

/*
 * A zone token: "+0100", "-05:00", "GMT-01:01", "UTC+1", "Etc/GMT", a name
 * from zone_names, a military letter. Other words made of letters (and
 * '/', '_' as in "Europe/Paris") are unknown zones and count as UTC, as in
 * feedparser; anything else is not a zone (-1).
 */
static int
parse_zone(const char *tok, int *off)
{
	char w[WORD_MAX];
	size_t i, n;

	if (*tok == '+' || *tok == '-')
		return parse_offset(tok, off);
	n = strlen(tok);
	if (n == 0 || n >= WORD_MAX)
		return -1;
	for (i = 0; i <= n; i++)
		w[i] = (char)lower((unsigned char)tok[i]);
	if (strncmp(w, "etc/", 4) == 0)
		memmove(w, w + 4, n - 4 + 1);
	if ((strncmp(w, "gmt", 3) == 0 || strncmp(w, "utc", 3) == 0) &&
	    (w[3] == '+' || w[3] == '-'))
		return parse_offset(w + 3, off);
	for (i = 0; w[i] != '\0'; i++)
		if (!str_is_alpha((unsigned char)w[i]) && w[i] != '/' &&
		    w[i] != '_')
			return -1;
	*off = 0;
	if (w[1] == '\0') {
		*off = military_hours((unsigned char)w[0]) * 3600;
		return 0;
	}
	for (i = 0; i < NELEM(zone_names); i++)
		if (strcmp(zone_names[i].name, w) == 0)
			*off = zone_names[i].hours * 3600;
	return 0;
}

/* ISO 8601 and W3CDTF. */

/*
 * The time of day at *pp: "hh", "hh:mm", "hh:mm:ss", or (compact) "hhmm",
 * "hhmmss", each with an optional fraction of a second, which is dropped.
 */
static int
parse_iso_time(const char **pp, struct fields *f)
{
	const char *p = *pp;
	size_t n = count_digits(p);

	if (n == 1 || n == 2) {
		f->hour = digits_value(p, n);
		p += n;
		if (*p == ':') {
			if (count_digits(p + 1) != 2)
				return -1;
			f->min = digits_value(p + 1, 2);
			p += 3;
			if (*p == ':') {
				if (count_digits(p + 1) != 2)
					return -1;
				f->sec = digits_value(p + 1, 2);
				p += 3;
			}
		}
	} else if (n == 4 || n == 6) {
		f->hour = digits_value(p, 2);
		f->min = digits_value(p + 2, 2);
		if (n == 6)
			f->sec = digits_value(p + 4, 2);
		p += n;
	} else {
		return -1;
	}
	if ((*p == '.' || *p == ',') && str_is_digit((unsigned char)p[1])) {
		p++;
		p += count_digits(p);
	}
	*pp = p;
	return 0;
}

/* Day d of the year (1-366) as month and day. */
static int
set_ordinal(struct fields *f, int d)
{
	int m;

	if (d < 1 || d > (is_leap(f->year) ? 366 : 365))
		return -1;
	for (m = 1; d > days_in_month(f->year, m); m++)
		d -= days_in_month(f->year, m);
	f->mon = m;
	f->day = d;
	return 0;
}

/*
 * The date at *pp. W3CDTF "YYYY", "YYYY-MM", "YYYY-MM-DD" (one-digit month
 * and day tolerated, as feedparser), ISO 8601 ordinal "YYYY-DDD",
 * feedparser's "YYYY-0MM-DD", compact "YYYYMMDD" and "YYYYDDD", and the
 * two-digit-year forms feedparser reads: "YY-MM-DD", "YYMMDD", "YY-DDD",
 * "YYDDD", "-YY-MM", "-YYMM" (YY is 20YY). Forms that depend on today's
 * date ("--MM-DD", "-YY") are not read.
 */
static int
parse_iso_date(const char **pp, struct fields *f)
{
	const char *p = *pp;
	size_t n;

	f->mon = f->day = 1;
	if (*p == '-') {
		p++;
		if (count_digits(p) == 4) {
			f->year = 2000 + digits_value(p, 2);
			f->mon = digits_value(p + 2, 2);
			p += 4;
		} else if (count_digits(p) == 2 && p[2] == '-' &&
			   count_digits(p + 3) == 2) {
			f->year = 2000 + digits_value(p, 2);
			f->mon = digits_value(p + 3, 2);
			p += 5;
		} else {
			return -1;
		}
		*pp = p;
		return 0;
	}
	n = count_digits(p);
	switch (n) {
	case 8:
		f->year = digits_value(p, 4);
		f->mon = digits_value(p + 4, 2);
		f->day = digits_value(p + 6, 2);
		break;
	case 7:
		f->year = digits_value(p, 4);
		if (set_ordinal(f, digits_value(p + 4, 3)) < 0)
			return -1;
		break;
	case 6:
		f->year = 2000 + digits_value(p, 2);
		f->mon = digits_value(p + 2, 2);
		f->day = digits_value(p + 4, 2);
		break;
	case 5:
		f->year = 2000 + digits_value(p, 2);
		if (set_ordinal(f, digits_value(p + 2, 3)) < 0)
			return -1;
		break;
	case 4:
	case 2:
		f->year = digits_value(p, n);
		if (n == 2) {
			if (p[2] != '-')
				return -1;
			f->year += 2000;
		}
		p += n;
		if (*p != '-') {
			*pp = p;
			return 0;
		}
		p++;
		n = count_digits(p);
		if (n == 3 && p[0] == '0' && p[3] == '-') {
			/* feedparser's "YYYY-0MM-DD" */
			p++;
			n = 2;
		} else if (n == 3) {
			if (set_ordinal(f, digits_value(p, 3)) < 0)
				return -1;
			*pp = p + 3;
			return 0;
		}
		if (n != 1 && n != 2)
			return -1;
		f->mon = digits_value(p, n);
		p += n;
		if (*p != '-') {
			*pp = p;
			return 0;
		}
		p++;
		n = count_digits(p);
		if (n != 1 && n != 2)
			return -1;
		f->day = digits_value(p, n);
		p += n;
		*pp = p;
		return 0;
	default:
		return -1;
	}
	*pp = p + n;
	return 0;
}

static int
parse_iso(const char *s, int64_t *out)
{
	struct fields f = { 0 };
	const char *p = s, *q;
	int have_time = 0;

	if (parse_iso_date(&p, &f) < 0)
		return -1;
	/* W3CDTF's "T", or MSSQL's spaces, before the time. */
	for (q = p; *q == ' '; q++)
		continue;
	if (*p == 'T' || *p == 't' ||
	    (q > p && str_is_digit((unsigned char)*q))) {
		p = q > p ? q : p + 1;
		if (parse_iso_time(&p, &f) < 0)
			return -1;
		have_time = 1;
	}
	/* "Z" and offsets follow directly; a zone name only after a space
	 * and a time ("2004-07-08 23:56:58 EST"). */
	if (*p == 'Z' || *p == 'z' || *p == '+' || *p == '-' ||
	    (*p == ' ' && have_time)) {
		while (*p == ' ')
			p++;
		if (parse_zone(p, &f.off) < 0)
			return -1;
	} else if (*p != '\0') {
		return -1;
	}
	return fields_to_time(&f, out);
}

/* Dates written with words. */

/* A day of the month: "5", "05", "1st", "1er", "24th". */
static int
parse_mday(const char *tok, int *out)
{
	size_t n = count_digits(tok);
	char w[WORD_MAX];
	const char *suffix = tok + n;

	if (n == 0 || n > 2)
		return -1;
	if (*suffix != '\0') {
		if (fold_word(suffix, w) < 0 ||
		    (strcmp(w, "st") != 0 && strcmp(w, "nd") != 0 &&
		     strcmp(w, "rd") != 0 && strcmp(w, "th") != 0 &&
		     strcmp(w, "er") != 0))
			return -1;
	}
	*out = digits_value(tok, n);
	return 0;
}

/* A year of 1 to 4 digits; RFC 822's two-digit years as feedparser. */
static int
parse_year(const char *tok, int *out)
{
	size_t n = count_digits(tok);

	if (parse_number(tok, 4, out) < 0)
		return -1;
	if (n <= 2)
		*out += *out < 90 ? 2000 : 1900;
	return 0;
}

/*
 * A time token: "h:mm", "hh:mm:ss" (one or two digits each, as feedparser),
 * or French "14h05" and "14h"; a zone may follow without a space
 * ("10:00:00Z", "10:00:00+0100"). *zoned says whether one did.
 */
static int
parse_clock(const char *tok, struct fields *f, int *zoned)
{
	int v[3] = { 0, 0, 0 };
	size_t n;
	int i;

	*zoned = 0;
	for (i = 0; i < 3; i++) {
		n = count_digits(tok);
		if (n == 0 || n > 2)
			return -1;
		v[i] = digits_value(tok, n);
		tok += n;
		if (i == 0 && (*tok == 'h' || *tok == 'H')) {
			tok++;
			n = count_digits(tok);
			if (n == 2) {
				v[1] = digits_value(tok, n);
				tok += n;
			} else if (n != 0) {
				return -1;
			}
			i = 1;
			break;
		}
		if (*tok != ':')
			break;
		if (i == 2)
			return -1; /* "1:2:3:4" */
		tok++;
	}
	if (i == 0)
		return -1; /* a bare number is not a time */
	f->hour = v[0];
	f->min = v[1];
	f->sec = v[2];
	if (*tok == '\0')
		return 0;
	*zoned = 1;
	return parse_zone(tok, &f->off);
}

static int
is_word(const char *tok, const char *word)
{
	char w[WORD_MAX];

	return fold_word(tok, w) == 0 && strcmp(w, word) == 0;
}

/*
 * Reads tok[0..nt) as:
 *     [day-name] date [time [am|pm] [zone [anything]]] [(comment)]
 * where date is "D Month Y", "Month D Y", "Y/M/D" (Perforce), or asctime's
 * "Month D time [zone] Y". "à" or "at" may stand before the time.
 */
static int
parse_tokens(char **tok, int nt, int skip_day, int64_t *out)
{
	struct fields f = { 0 };
	int i = 0, zoned = 0, have_time = 0;
	int m;

	if (skip_day) {
		if (nt < 1 || !is_day_name(tok[0]))
			return -1;
		i = 1;
	}
	if (nt - i < 1)
		return -1;
	if (count_digits(tok[i]) == 4 && tok[i][4] == '/') {
		/* Perforce: "2006/09/15" */
		char *p = tok[i] + 5;
		size_t n;

		f.year = digits_value(tok[i], 4);
		n = count_digits(p);
		if (n < 1 || n > 2 || p[n] != '/')
			return -1;
		f.mon = digits_value(p, n);
		p += n + 1;
		if (parse_number(p, 2, &f.day) < 0)
			return -1;
		i++;
	} else if (nt - i >= 3 && parse_mday(tok[i], &f.day) == 0 &&
		   (m = month_of(tok[i + 1])) != 0) {
		f.mon = m;
		if (parse_year(tok[i + 2], &f.year) < 0)
			return -1;
		i += 3;
	} else if (nt - i >= 3 && (m = month_of(tok[i])) != 0 &&
		   parse_mday(tok[i + 1], &f.day) == 0) {
		f.mon = m;
		i += 2;
		if (parse_year(tok[i], &f.year) == 0) {
			i++;
		} else {
			/* asctime: "Jan  4 16:29:06 [+0000] 2004" */
			if (parse_clock(tok[i], &f, &zoned) < 0)
				return -1;
			i++;
			if (i + 1 < nt && !zoned &&
			    parse_zone(tok[i], &f.off) == 0) {
				i++;
				zoned = 1;
			}
			if (i >= nt || parse_year(tok[i], &f.year) < 0)
				return -1;
			i++;
			have_time = 1;
		}
	} else {
		return -1;
	}
	if (!have_time && i < nt &&
	    (is_word(tok[i], "a") || is_word(tok[i], "at")) && i + 1 < nt &&
	    str_is_digit((unsigned char)tok[i + 1][0]))
		i++;
	if (!have_time && i < nt && str_is_digit((unsigned char)tok[i][0])) {
		if (parse_clock(tok[i], &f, &zoned) < 0)
			return -1;
		i++;
		have_time = 1;
		if (i < nt && !zoned &&
		    (is_word(tok[i], "am") || is_word(tok[i], "pm"))) {
			if (f.hour < 1 || f.hour > 12)
				return -1;
			f.hour %= 12;
			if (is_word(tok[i], "pm"))
				f.hour += 12;
			i++;
		}
	}
	if (have_time && !zoned && i < nt && tok[i][0] != '(') {
		if (parse_zone(tok[i], &f.off) < 0)
			return -1;
		zoned = 1;
		i++;
	}
	/* Like feedparser, read nothing after the zone ("+0000 (UTC)",
	 * "-0700 PDT"); before it, only an RFC 822 3.4.3 comment. */
	if (!zoned && i < nt && tok[i][0] != '(')
		return -1;
	return fields_to_time(&f, out);
}

/*
 * Splits a copy of s at white space (and UTF-8 no-break spaces) and commas,
 * which separate but never carry meaning in these forms ("Fri,24 Nov",
 * "13 Feb, 2012", "jeu., 24 nov.").
 */
static int
parse_words(const char *s, int64_t *out)
{
	char copy[DATE_MAX_LEN + 1];
	char *tok[DATE_MAX_TOKENS];
	size_t len = strlen(s), i;
	int nt = 0;

	memcpy(copy, s, len + 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)copy[i];

		if (c == 0xC2 && (unsigned char)copy[i + 1] == 0xA0) {
			copy[i] = copy[i + 1] = '\0';
			i++;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
			   c == '\f' || c == '\v' || c == ',') {
			copy[i] = '\0';
		}
	}
	for (i = 0; i < len; i++) {
		if (copy[i] != '\0' && (i == 0 || copy[i - 1] == '\0')) {
			if (nt == DATE_MAX_TOKENS)
				return -1;
			tok[nt++] = copy + i;
		}
	}
	/* A day name first is skipped; but "Mar" may be March, not mardi. */
	if (parse_tokens(tok, nt, 1, out) == 0)
		return 0;
	return parse_tokens(tok, nt, 0, out);
}

int
date_parse(const char *s, int64_t *out)
{
	char copy[DATE_MAX_LEN + 1];
	size_t len;

	if (s == NULL)
		return -1;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	len = strnlen(s, DATE_MAX_LEN + 1);
	if (len > DATE_MAX_LEN)
		return -1;
	while (len > 0 && (s[len - 1] == ' ' ||
			   (s[len - 1] >= '\t' && s[len - 1] <= '\r')))
		len--;
	if (len == 0)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if ((str_is_digit((unsigned char)copy[0]) || copy[0] == '-') &&
	    parse_iso(copy, out) == 0)
		return 0;
	return parse_words(copy, out);
}

static void
put_digits(char *p, int64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
date_format_utc(int64_t t, char out[DATE_UTC_SIZE])
{
	int64_t days, secs, y;
	int m, d;

	if (t < DATE_MIN)
		t = DATE_MIN;
	if (t > DATE_MAX)
		t = DATE_MAX;
	days = floor_div(t, 86400);
	secs = t - days * 86400;
	date_civil_from_days(days, &y, &m, &d);
	memcpy(out, "0000-00-00T00:00:00Z", DATE_UTC_SIZE);
	put_digits(out, y, 4);
	put_digits(out + 5, m, 2);
	put_digits(out + 8, d, 2);
	put_digits(out + 11, secs / 3600, 2);
	put_digits(out + 14, secs / 60 % 60, 2);
	put_digits(out + 17, secs % 60, 2);
}
