#include "config.h"

#include "app/lead.h"

#include <stdlib.h>
#include <sysexits.h>

#include "lib/log.h"
#include "lib/schedule.h"
#include "lib/str.h"
#include "mail/send.h"
#include "store/store.h"

/* One (schedule, timezone) of the subscribers, as the store has it, with
 * its slots at hand. */
struct pair {
	char *schedule, *timezone;   /* NULL: unset (the config's) */
	char key[SCHEDULE_KEY_SIZE]; /* the slot under way */
	int64_t current;             /* its start */
	int64_t next;                /* the next slot's start, 0: not
	                              * within lead_time */
};

struct walk {
	const struct conf *cfg;
	int64_t now, lead; /* lead in seconds */
	struct pair *items;
	size_t n, cap;
};

static void
walk_release(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->items[i].schedule);
		free(w->items[i].timezone);
	}
	free(w->items);
	w->items = NULL;
	w->n = w->cap = 0;
}

static int
add_pair(const char *schedule, const char *timezone, void *arg, struct err *e)
{
	struct walk *w = arg;
	struct schedule sch;
	struct err bad = ERR_INIT;
	struct pair p = { 0 };
	int oom = 0;

	if (send_schedule(w->cfg, schedule, timezone, &sch, &bad) < 0 ||
	    schedule_current_slot(&sch, w->now, &p.current, p.key, &bad) < 0 ||
	    schedule_next_slot(&sch, w->now, &p.next, &bad) < 0) {
		/* send_run names the subscribers; here it only cannot
		 * fetch ahead for them */
		log_debug("fetch ahead of a digest: %s", bad.msg);
		return 0;
	}
	if (p.next - w->lead > w->now)
		p.next = 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap + w->cap / 2 : 16;
		struct pair *grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return err_set(e, EX_OSERR, "out of memory");
		grown = realloc(w->items, cap * sizeof(*grown));
		if (!grown)
			return err_set(e, EX_OSERR, "out of memory");
		w->items = grown;
		w->cap = cap;
	}
	p.schedule = str_dup(schedule, &oom);
	p.timezone = str_dup(timezone, &oom);
	if (oom) {
		free(p.schedule);
		free(p.timezone);
		return err_set(e, EX_OSERR, "out of memory");
	}
	w->items[w->n++] = p;
	return 0;
}

int
lead_mark_due(struct store *s, const struct conf *cfg, int64_t now,
	      size_t *marked, struct err *e)
{
	struct walk w = { 0 };
	struct store_slot_feeds *slots = NULL;
	size_t i, n = 0;
	int rc = -1;

	*marked = 0;
	if (!cfg->lead_time)
		return 0;
	w.cfg = cfg;
	w.now = now;
	w.lead = (int64_t)cfg->lead_time * 60;
	/* the slots are worked out first: the store is written once the
	 * walk's statement is done */
	rc = store_subscriber_schedules(s, add_pair, &w, e);
	if (rc < 0)
		goto out;
	rc = -1;
	if (w.n && !(slots = calloc(w.n * 2, sizeof(*slots)))) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; i < w.n; i++) {
		const struct pair *p = &w.items[i];

		slots[n].schedule = p->schedule;
		slots[n].timezone = p->timezone;
		slots[n].key = p->key;
		slots[n].start = p->current;
		slots[n].since = p->current - w.lead;
		n++;
		if (p->next) {
			slots[n] = slots[n - 1];
			slots[n].key = NULL;
			slots[n].start = p->next;
			slots[n].since = p->next - w.lead;
			n++;
		}
	}
	rc = store_fetch_mark_needed(s, slots, n, now, marked, e);
out:
	free(slots);
	walk_release(&w);
	return rc;
}

int64_t
lead_wake(const struct conf *cfg, int64_t start, int64_t now)
{
	int64_t early = start - (int64_t)cfg->lead_time * 60;

	return early > now ? early : start;
}
