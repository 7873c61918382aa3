/* form: the subscriber's choices, shown, read and checked (form.h). */
#include "config.h"

#include "web/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/addr.h"
#include "lib/schedule.h"
#include "lib/utf8.h"
#include "lib/zone.h"
#include "web/guard.h"

static const char *const field_names[FORM_NFIELDS] = {
	[FORM_EMAIL] = "email",       [FORM_NAME] = "name",
	[FORM_LANG] = "lang",         [FORM_SCHEDULE] = "schedule",
	[FORM_TIME] = "time",         [FORM_DAY] = "day",
	[FORM_TIMEZONE] = "timezone", [FORM_TAGS] = "tag",
	[FORM_INCLUDE] = "include",   [FORM_EXCLUDE] = "exclude",
};

/* Days as the schedule grammar reads them, Monday first, and as pages
 * name them. */
static const char *const days[7] = { "mon", "tue", "wed", "thu",
				     "fri", "sat", "sun" };
static const char *const day_names[2][7] = {
	{ "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	  "Sunday" },
	{ "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
	  "dimanche" },
};
/* A few zones offered; any other IANA name may be typed. */
static const char *const zones[] = { "Europe/Paris",
				     "Europe/Brussels",
				     "Europe/Luxembourg",
				     "Europe/Zurich",
				     "Europe/London",
				     "America/Montreal",
				     "UTC" };

void
form_init(struct form *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < FORM_NFIELDS; i++)
		f->error[i] = PT_COUNT;
	buf_init(&f->include_buf, 4096);
	buf_init(&f->exclude_buf, 4096);
}

void
form_release(struct form *f)
{
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < FORM_MAX_WORDS; j++) {
			free(f->words[i][j]);
			f->words[i][j] = NULL;
		}
	buf_release(&f->include_buf);
	buf_release(&f->exclude_buf);
}

void
form_from_request(struct form *f, const struct request *r)
{
	size_t i, k;

	for (k = 0; k < FORM_NFIELDS; k++)
		if (k != FORM_TAGS)
			f->value[k] = request_field(r, field_names[k]);
	for (i = 0; i < r->nfields && f->ntags < FORM_MAX_TAGS; i++)
		if (!strcmp(r->fields[i].name, "tag"))
			f->tags[f->ntags++] = r->fields[i].value;
}

/* words joined with ", " into b, as the include and exclude fields show
 * them */
static const char *
join(struct buf *b, const struct store_tags *words)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < words->n; i++)
		if ((i && buf_adds(b, ", ") < 0) ||
		    buf_adds(b, words->items[i]) < 0)
			break;
	return b->data ? b->data : "";
}

void
form_defaults(struct form *f, const struct conf *cfg, const char *lang)
{
	f->value[FORM_LANG] = lang;
	f->value[FORM_SCHEDULE] = "daily";
	f->value[FORM_TIME] = cfg->time ? cfg->time : SCHEDULE_DEFAULT_TIME;
	f->value[FORM_DAY] = "mon";
	f->value[FORM_TIMEZONE] = cfg->timezone ? cfg->timezone : "";
}

void
form_from_subscriber(struct form *f, const struct store_subscriber *sub,
		     const struct conf *cfg)
{
	struct schedule sch;
	struct err e = ERR_INIT;
	size_t i;

	form_defaults(f, cfg, sub->lang ? sub->lang : cfg->language);
	f->value[FORM_EMAIL] = sub->email;
	f->value[FORM_NAME] = sub->name;
	if (sub->timezone)
		f->value[FORM_TIMEZONE] = sub->timezone;
	if (schedule_parse(sub->schedule ? sub->schedule : "daily", cfg->time,
			   &sch, &e) == 0) {
		f->value[FORM_SCHEDULE] = sch.kind == SCHEDULE_HOURLY ?
						  "hourly" :
					  sch.kind == SCHEDULE_WEEKLY ?
						  "weekly" :
						  "daily";
		snprintf(f->time_buf, sizeof(f->time_buf), "%02d:%02d",
			 sch.hour, sch.minute);
		f->value[FORM_TIME] = f->time_buf;
		/* weekday: 0 is Sunday; days[] starts on Monday */
		f->value[FORM_DAY] = days[(sch.weekday + 6) % 7];
	}
	for (i = 0; i < sub->tags.n && f->ntags < FORM_MAX_TAGS; i++)
		f->tags[f->ntags++] = sub->tags.items[i];
	f->value[FORM_INCLUDE] = join(&f->include_buf, &sub->include);
	f->value[FORM_EXCLUDE] = join(&f->exclude_buf, &sub->exclude);
}

static void
mark(struct form *f, enum form_field k, enum page_text why)
{
	if (f->error[k] == PT_COUNT) {
		f->error[k] = why;
		f->errors++;
	}
}

/* A field's value with the blanks around it dropped, into out (size
 * bytes); "" when absent; -1 when too long. */
static int
trimmed(const char *v, char *out, size_t size)
{
	size_t n;

	if (!v)
		v = "";
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/* Splits the words of v (separated by commas) into f->words[which] and
 * list, checked: printable, at most FORM_MAX_WORDS of FORM_MAX_WORD
 * bytes. 0, 1 when they break the rules, -1 when out of memory. */
static int
words(struct form *f, const char *v, int which, struct store_tags *list)
{
	char word[FORM_MAX_WORD + 1];
	const char *p, *end;
	size_t n;

	list->items = f->words[which];
	list->n = 0;
	for (p = v ? v : ""; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		if (n > 4 * FORM_MAX_WORD)
			return 1;
		{
			char raw[4 * FORM_MAX_WORD + 1];

			memcpy(raw, p, n);
			raw[n] = '\0';
			if (trimmed(raw, word, sizeof(word)) < 0)
				return 1;
		}
		if (!*word)
			continue;
		if (list->n == FORM_MAX_WORDS || !utf8_is_printable(word) ||
		    strchr(word, '\x1f'))
			return 1;
		f->words[which][list->n] = strdup(word);
		if (!f->words[which][list->n])
			return -1;
		list->n++;
	}
	if (!list->n)
		list->items = NULL;
	return 0;
}

int
form_check(struct form *f, const struct conf *cfg, int with_email, int64_t now,
	   struct store_subscriber *sub, struct err *e)
{
	const char *kind = f->value[FORM_SCHEDULE];
	const char *zone = f->value[FORM_TIMEZONE];
	char hhmm[8];
	struct schedule sch;
	struct err why = ERR_INIT;
	int64_t start;
	char key[SCHEDULE_KEY_SIZE];
	size_t i;
	int rc;

	if (with_email) {
		const char *v = f->value[FORM_EMAIL];

		if (!v || !*v || strlen(v) > 254 || addr_validate(v, &why) < 0)
			mark(f, FORM_EMAIL, PT_E_EMAIL);
		sub->email = (char *)v;
	}
	if (f->value[FORM_NAME] && *f->value[FORM_NAME]) {
		const char *v = f->value[FORM_NAME];

		if (strlen(v) > FORM_MAX_NAME || !utf8_is_printable(v))
			mark(f, FORM_NAME, PT_E_NAME);
		sub->name = (char *)v;
	}
	if (!f->value[FORM_LANG] || (strcmp(f->value[FORM_LANG], "fr") &&
				     strcmp(f->value[FORM_LANG], "en")))
		mark(f, FORM_LANG, PT_E_LANG);
	sub->lang = (char *)f->value[FORM_LANG];
	/* the schedule as the CLI's --schedule takes it */
	if (!kind || (strcmp(kind, "daily") && strcmp(kind, "weekly") &&
		      strcmp(kind, "hourly"))) {
		mark(f, FORM_SCHEDULE, PT_E_SCHEDULE);
	} else if (!strcmp(kind, "hourly")) {
		snprintf(f->schedule, sizeof(f->schedule), "hourly");
	} else {
		if (trimmed(f->value[FORM_TIME], hhmm, sizeof(hhmm)) < 0 ||
		    schedule_check_time(hhmm, &why) < 0)
			mark(f, FORM_TIME, PT_E_TIME);
		if (!strcmp(kind, "weekly")) {
			const char *d = f->value[FORM_DAY];

			for (i = 0; i < 7; i++)
				if (d && !strcmp(d, days[i]))
					break;
			if (i == 7)
				mark(f, FORM_DAY, PT_E_DAY);
			else
				snprintf(f->schedule, sizeof(f->schedule),
					 "weekly@%s %s", days[i], hhmm);
		} else {
			snprintf(f->schedule, sizeof(f->schedule), "daily@%s",
				 hhmm);
		}
	}
	sub->schedule = f->schedule;
	/* empty: [digest] timezone */
	if (trimmed(zone, f->zone, sizeof(f->zone)) < 0 ||
	    (*f->zone && zone_check(f->zone, &why) < 0)) {
		mark(f, FORM_TIMEZONE, PT_E_TIMEZONE);
	}
	sub->timezone = *f->zone ? f->zone : NULL;
	for (i = 0; i < 2; i++) {
		rc = words(f, f->value[i ? FORM_EXCLUDE : FORM_INCLUDE], (int)i,
			   i ? &sub->exclude : &sub->include);
		if (rc < 0)
			return err_set(e, EX_OSERR, "out of memory");
		if (rc > 0)
			mark(f, i ? FORM_EXCLUDE : FORM_INCLUDE, PT_E_WORDS);
	}
	/* the schedule must make slots in that zone, as the CLI checks */
	if (!f->errors) {
		if (schedule_parse(f->schedule, cfg->time, &sch, &why) < 0) {
			mark(f, FORM_SCHEDULE, PT_E_SCHEDULE);
		} else {
			sch.timezone = sub->timezone ? sub->timezone :
				       cfg->timezone ? cfg->timezone :
						       "UTC";
			if (schedule_current_slot(&sch, now, &start, key,
						  &why) < 0)
				mark(f, FORM_TIMEZONE, PT_E_TIMEZONE);
		}
	}
	return f->errors ? 1 : 0;
}

static int
tag_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

struct tags_walk {
	struct store_tags *tags;
	size_t alloc;
};

static int
add_feed_tags(const struct store_feed *feed, void *arg, struct err *e)
{
	struct tags_walk *w = arg;
	size_t i, j;
	char **grown;

	for (i = 0; i < feed->tags.n; i++) {
		for (j = 0; j < w->tags->n; j++)
			if (!strcasecmp(w->tags->items[j], feed->tags.items[i]))
				break;
		if (j < w->tags->n)
			continue;
		if (w->tags->n == w->alloc) {
			w->alloc = w->alloc ? w->alloc + w->alloc / 2 : 16;
			grown = realloc(w->tags->items,
					w->alloc * sizeof(*grown));
			if (!grown)
				return err_set(e, EX_OSERR, "out of memory");
			w->tags->items = grown;
		}
		w->tags->items[w->tags->n] = strdup(feed->tags.items[i]);
		if (!w->tags->items[w->tags->n])
			return err_set(e, EX_OSERR, "out of memory");
		w->tags->n++;
	}
	return 0;
}

int
form_feed_tags(struct store *s, struct store_tags *tags, struct err *e)
{
	struct tags_walk w = { tags, 0 };

	tags->items = NULL;
	tags->n = 0;
	if (store_feed_each(s, add_feed_tags, &w, e) < 0) {
		form_tags_release(tags);
		return -1;
	}
	if (tags->n)
		qsort(tags->items, tags->n, sizeof(*tags->items), tag_cmp);
	return 0;
}

void
form_tags_release(struct store_tags *tags)
{
	size_t i;

	for (i = 0; i < tags->n; i++)
		free(tags->items[i]);
	free(tags->items);
	tags->items = NULL;
	tags->n = 0;
}

/* Whether f ticks tag (without regard to case). */
static int
ticked(const struct form *f, const char *tag)
{
	size_t i;

	for (i = 0; i < f->ntags; i++)
		if (!strcasecmp(f->tags[i], tag))
			return 1;
	return 0;
}

int
form_tags(const struct form *f, const struct store_tags *feed_tags,
	  struct store_tags *out)
{
	size_t i;

	out->n = 0;
	out->items = NULL;
	if (!feed_tags->n)
		return 0;
	out->items = calloc(feed_tags->n, sizeof(*out->items));
	if (!out->items)
		return -1;
	for (i = 0; i < feed_tags->n; i++)
		if (ticked(f, feed_tags->items[i]))
			out->items[out->n++] = feed_tags->items[i];
	return 0;
}

/* <label for=ID>TEXT</label>, the field's error after it */
static int
label(struct buf *b, const struct form *f, enum form_field k,
      enum page_lang lang, enum page_text text)
{
	if (buf_addf(b, "<label for=\"%s\">%s</label>\n", field_names[k],
		     page_text(lang, text)) < 0)
		return -1;
	if (f->error[k] != PT_COUNT &&
	    buf_addf(b,
		     "<p class=\"error\" id=\"%s-error\" role=\"alert\">%s"
		     "</p>\n",
		     field_names[k], page_text(lang, f->error[k])) < 0)
		return -1;
	return 0;
}

/* an <input> of type for field k, its value escaped */
static int
input(struct buf *b, const struct form *f, enum form_field k, const char *type,
      const char *extra)
{
	const char *v = f->value[k];

	if (buf_addf(b, "<input type=\"%s\" id=\"%s\" name=\"%s\"%s%s", type,
		     field_names[k], field_names[k], extra,
		     f->error[k] != PT_COUNT ? " aria-invalid=\"true\"" : "") <
		    0 ||
	    buf_adds(b, " value=\"") < 0 || page_escape(b, v ? v : "") < 0)
		return -1;
	return buf_adds(b, "\">\n");
}

static int
option(struct buf *b, const char *value, const char *text, const char *cur)
{
	return buf_addf(b, "<option value=\"%s\"%s>%s</option>\n", value,
			cur && !strcmp(cur, value) ? " selected" : "", text);
}

int
form_render(struct buf *b, const struct form *f, enum page_lang lang,
	    const struct store_tags *feed_tags, int with_email)
{
	const char *sch = f->value[FORM_SCHEDULE];
	size_t i;
	int rc = 0;

	if (f->errors &&
	    buf_addf(b, "<p class=\"error\" id=\"errors\">%s</p>\n",
		     page_text(lang, PT_ERRORS)) < 0)
		return -1;
	if (with_email)
		rc |= label(b, f, FORM_EMAIL, lang, PT_F_EMAIL) |
		      input(b, f, FORM_EMAIL, "email",
			    " required autocomplete=\"email\""
			    " maxlength=\"254\"");
	rc |= label(b, f, FORM_NAME, lang, PT_F_NAME) |
	      input(b, f, FORM_NAME, "text",
		    " autocomplete=\"name\" maxlength=\"100\"");
	rc |= label(b, f, FORM_LANG, lang, PT_F_LANG) |
	      buf_adds(b, "<select id=\"lang\" name=\"lang\">\n") |
	      option(b, "fr", "Français", f->value[FORM_LANG]) |
	      option(b, "en", "English", f->value[FORM_LANG]) |
	      buf_adds(b, "</select>\n");
	rc |= label(b, f, FORM_SCHEDULE, lang, PT_F_SCHEDULE) |
	      buf_adds(b, "<select id=\"schedule\" name=\"schedule\">\n") |
	      option(b, "daily", page_text(lang, PT_SCHED_DAILY), sch) |
	      option(b, "weekly", page_text(lang, PT_SCHED_WEEKLY), sch) |
	      option(b, "hourly", page_text(lang, PT_SCHED_HOURLY), sch) |
	      buf_adds(b, "</select>\n");
	rc |= label(b, f, FORM_TIME, lang, PT_F_TIME) |
	      input(b, f, FORM_TIME, "time", "");
	rc |= label(b, f, FORM_DAY, lang, PT_F_DAY) |
	      buf_adds(b, "<select id=\"day\" name=\"day\">\n");
	for (i = 0; i < 7; i++)
		rc |= option(b, days[i], day_names[lang == PAGE_FR][i],
			     f->value[FORM_DAY]);
	rc |= buf_adds(b, "</select>\n");
	rc |= label(b, f, FORM_TIMEZONE, lang, PT_F_TIMEZONE) |
	      input(b, f, FORM_TIMEZONE, "text",
		    " list=\"zones\" maxlength=\"100\"") |
	      buf_adds(b, "<datalist id=\"zones\">\n");
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		rc |= buf_addf(b, "<option value=\"%s\">\n", zones[i]);
	rc |= buf_adds(b, "</datalist>\n");
	if (feed_tags && feed_tags->n) {
		rc |= buf_addf(b, "<fieldset id=\"tags\"><legend>%s</legend>\n",
			       page_text(lang, PT_F_TAGS));
		for (i = 0; i < feed_tags->n; i++) {
			rc |= buf_addf(b,
				       "<label class=\"check\" for=\"tag-%zu\">"
				       "<input type=\"checkbox\" id=\"tag-%zu\""
				       " name=\"tag\" value=\"",
				       i + 1, i + 1) |
			      page_escape(b, feed_tags->items[i]) |
			      buf_addf(b, "\"%s> ",
				       ticked(f, feed_tags->items[i]) ?
					       " checked" :
					       "") |
			      page_escape(b, feed_tags->items[i]) |
			      buf_adds(b, "</label>\n");
		}
		rc |= buf_adds(b, "</fieldset>\n");
	}
	rc |= label(b, f, FORM_INCLUDE, lang, PT_F_INCLUDE) |
	      input(b, f, FORM_INCLUDE, "text", " maxlength=\"1400\"");
	rc |= label(b, f, FORM_EXCLUDE, lang, PT_F_EXCLUDE) |
	      input(b, f, FORM_EXCLUDE, "text", " maxlength=\"1400\"");
	return rc ? -1 : 0;
}

int
form_token_field(struct buf *b, const struct request *r)
{
	char tok[TOKEN_SIZE];

	if (guard_form_token(r->site->secret, r->site->secret_len, r->now,
			     tok) < 0)
		return -1;
	return buf_addf(b,
			"<input type=\"hidden\" name=\"" GUARD_FIELD
			"\" value=\"%s\">\n",
			tok);
}
