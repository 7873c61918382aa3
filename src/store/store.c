/*
 * store: the door of store.h. Picks the backend a location names and
 * calls through its table of operations (backend.h); what does not touch
 * the storage (freeing and copying the structs handed out) is here, once
 * for every backend.
 */
#include "config.h"

#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/str.h"
#include "lib/url.h"
#include "store/backend.h"

char *
store_location_shown(const char *location)
{
	return url_mask_password(location);
}

static char *password_file;

void
store_set_password_file(const char *path)
{
	free(password_file);
	password_file = path ? strdup(path) : NULL;
}

const char *
store_password_file(void)
{
	return password_file;
}

int
store_is_url(const char *location)
{
	return !strncmp(location, "postgresql://", 13) ||
	       !strncmp(location, "postgres://", 11);
}

/* The backend for a store location, and in *name what it is given:
 * "postgresql://" and "postgres://" URLs PostgreSQL's (when built with
 * libpq; else NULL with EX_CONFIG), "sqlite:PATH" SQLite's with PATH,
 * anything else a file name for SQLite. */
static const struct store_ops *
backend(const char *location, const char **name, struct err *e)
{
	*name = location;
	if (store_is_url(location)) {
#ifdef HAVE_LIBPQ
		(void)e;
		return &store_pg_ops;
#else
		err_set(e, EX_CONFIG,
			"this feedmail was built without the PostgreSQL "
			"store: install libpq-dev and run configure again");
		return NULL;
#endif
	}
	if (!strncmp(location, "sqlite:", 7))
		*name = location + 7;
	return &store_sqlite_ops;
}

struct store_lock *
store_lock_run(const char *location, const char *command, int timeout,
	       int64_t now, struct err *e)
{
	const struct store_ops *ops = backend(location, &location, e);

	return ops ? ops->lock_run(location, command, timeout, now, e) : NULL;
}

void
store_unlock_run(struct store_lock *l)
{
	if (l)
		l->ops->unlock_run(l);
}

struct store *
store_open_version(const char *location, int version, struct err *e)
{
	const struct store_ops *ops = backend(location, &location, e);

	return ops ? ops->open(location, version, e) : NULL;
}

struct store *
store_open(const char *location, struct err *e)
{
	return store_open_version(location, STORE_SCHEMA_VERSION, e);
}

struct store *
store_open_read(const char *location, struct err *e)
{
	const struct store_ops *ops = backend(location, &location, e);

	return ops ? ops->open_read(location, e) : NULL;
}

int
store_read_only(const struct store *s)
{
	return s->ops->read_only(s);
}

void
store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

struct store *
store_open_another(const struct store *s, struct err *e)
{
	return s->ops->open_another(s, e);
}

int
store_lost(const struct store *s)
{
	return s->ops->lost(s);
}

int
store_schema_version(struct store *s)
{
	return s->ops->schema_version(s);
}

int
store_begin(struct store *s, struct err *e)
{
	return s->ops->begin(s, e);
}

int
store_commit(struct store *s, struct err *e)
{
	return s->ops->commit(s, e);
}

void
store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

int
store_feed_add(struct store *s, const char *url, const char *title,
	       const struct store_tags *tags, int64_t now, int64_t *id,
	       struct err *e)
{
	return s->ops->feed_add(s, url, title, tags, now, id, e);
}

int
store_feed_set_user_agent(struct store *s, int64_t id, const char *ua,
			  struct err *e)
{
	return s->ops->feed_set_user_agent(s, id, ua, e);
}

int
store_feed_set_site_link(struct store *s, int64_t id, const char *link,
			 struct err *e)
{
	return s->ops->feed_set_site_link(s, id, link, e);
}

int
store_feed_find(struct store *s, const char *id_or_url, int64_t *id,
		struct err *e)
{
	return s->ops->feed_find(s, id_or_url, id, e);
}

int
store_feed_remove(struct store *s, int64_t id, struct err *e)
{
	return s->ops->feed_remove(s, id, e);
}

int
store_feed_each(struct store *s,
		int (*cb)(const struct store_feed *f, void *arg, struct err *e),
		void *arg, struct err *e)
{
	return s->ops->feed_each(s, cb, arg, e);
}

int
store_fetch_claim(struct store *s, int64_t now, int64_t due_by, int all,
		  int64_t until, struct store_fetch *feeds, size_t max,
		  size_t *n, struct err *e)
{
	return s->ops->fetch_claim(s, now, due_by, all, until, feeds, max, n,
				   e);
}

int
store_fetch_mark_needed(struct store *s, const struct store_slot_feeds *slots,
			size_t n, int64_t now, size_t *marked, struct err *e)
{
	return s->ops->fetch_mark_needed(s, slots, n, now, marked, e);
}

int
store_fetch_get(struct store *s, int64_t id, struct store_fetch *f,
		struct err *e)
{
	return s->ops->fetch_get(s, id, f, e);
}

int
store_entries_save(struct store *s, int64_t feed_id,
		   const struct store_entries *entries, int64_t now,
		   size_t *added, size_t *updated, struct err *e)
{
	return s->ops->entries_save(s, feed_id, entries, now, added, updated,
				    e);
}

int
store_entries_last_week(struct store *s, int64_t feed_id, int64_t now,
			int64_t *count, struct err *e)
{
	return s->ops->entries_last_week(s, feed_id, now, count, e);
}

int
store_fetch_keep(struct store *s, int64_t now, int64_t until, struct err *e)
{
	return s->ops->fetch_keep(s, now, until, e);
}

int
store_fetch_record(struct store *s, const struct store_fetch_outcome *o,
		   int *moved, struct err *e)
{
	return s->ops->fetch_record(s, o, moved, e);
}

int
store_prune(struct store *s, int64_t keep_before, int64_t forget_before,
	    size_t *pruned, struct err *e)
{
	return s->ops->prune(s, keep_before, forget_before, pruned, e);
}

int
store_subscriber_add(struct store *s, const struct store_subscriber *sub,
		     int64_t now, int64_t *id, struct err *e)
{
	return s->ops->subscriber_add(s, sub, now, id, e);
}

int
store_subscriber_by_email(struct store *s, const char *email,
			  struct store_subscriber *sub, struct err *e)
{
	return s->ops->subscriber_by_email(s, email, sub, e);
}

int
store_subscriber_by_token(struct store *s, const char *token,
			  struct store_subscriber *sub, struct err *e)
{
	return s->ops->subscriber_by_token(s, token, sub, e);
}

int
store_subscriber_by_id(struct store *s, int64_t id,
		       struct store_subscriber *sub, struct err *e)
{
	return s->ops->subscriber_by_id(s, id, sub, e);
}

int
store_subscriber_remove(struct store *s, const char *email, struct err *e)
{
	return s->ops->subscriber_remove(s, email, e);
}

int
store_subscriber_update(struct store *s, const struct store_subscriber *sub,
			struct err *e)
{
	return s->ops->subscriber_update(s, sub, e);
}

int
store_subscriber_pause(struct store *s, int64_t id, int64_t at, int64_t until,
		       struct err *e)
{
	return s->ops->subscriber_pause(s, id, at, until, e);
}

int
store_subscriber_paused(const struct store_subscriber *sub, int64_t now)
{
	return sub->paused_at &&
	       (!sub->paused_until || now < sub->paused_until);
}

int
store_subscriber_receives(const struct store_subscriber *sub, int64_t now)
{
	return !sub->pending_since && !sub->unsubscribed_at &&
	       !store_subscriber_paused(sub, now);
}

int
store_subscriber_unsubscribe(struct store *s, int64_t id, int64_t now,
			     int *changed, struct err *e)
{
	return s->ops->subscriber_unsubscribe(s, id, now, changed, e);
}

const char *
store_subscriber_state(const struct store_subscriber *sub, int64_t now)
{
	if (sub->unsubscribed_at)
		return "unsubscribed";
	if (sub->pending_since)
		return "pending";
	return store_subscriber_paused(sub, now) ? "paused" : "active";
}

int
store_consent_add(struct store *s, const struct store_consent *c, struct err *e)
{
	return s->ops->consent_add(s, c, e);
}

int
store_consent_each(struct store *s, int64_t id,
		   int (*cb)(const struct store_consent *c, void *arg,
			     struct err *e),
		   void *arg, struct err *e)
{
	return s->ops->consent_each(s, id, cb, arg, e);
}

int
store_subscriber_confirm(struct store *s, int64_t id,
			 const struct store_consent *c, int *changed,
			 struct err *e)
{
	return s->ops->subscriber_confirm(s, id, c, changed, e);
}

int
store_subscriber_resubscribe(struct store *s, int64_t id, int64_t now,
			     int pending, int *changed, struct err *e)
{
	return s->ops->subscriber_resubscribe(s, id, now, pending, changed, e);
}

int
store_subscriber_ask(struct store *s, int64_t id, int64_t now, struct err *e)
{
	return s->ops->subscriber_ask(s, id, now, e);
}

int
store_subscriber_confirm_sent(struct store *s, int64_t id, int64_t at,
			      struct err *e)
{
	return s->ops->subscriber_confirm_sent(s, id, at, e);
}

int
store_subscriber_count(struct store *s, int64_t now,
		       struct store_subscriber_counts *c, struct err *e)
{
	memset(c, 0, sizeof(*c));
	return s->ops->subscriber_count(s, now, c, e);
}

int
store_subscriber_forget_pending(struct store *s, int64_t before, size_t *n,
				struct err *e)
{
	*n = 0;
	return s->ops->subscriber_forget_pending(s, before, n, e);
}

int
store_secret(struct store *s, const char *name, unsigned char *buf, size_t size,
	     size_t *len, struct err *e)
{
	return s->ops->secret(s, name, buf, size, len, e);
}

int
store_secret_rotate(struct store *s, const char *name, int64_t now,
		    struct err *e)
{
	return s->ops->secret_rotate(s, name, now, e);
}

int
store_subscriber_page(struct store *s, int64_t after_id, int limit,
		      int (*cb)(const struct store_subscriber *sub, void *arg,
				struct err *e),
		      void *arg, struct err *e)
{
	return s->ops->subscriber_page(s, after_id, limit, cb, arg, e);
}

int
store_news_each(struct store *s, const struct store_subscriber *sub,
		int64_t since,
		int (*cb)(const struct store_news *n, void *arg, struct err *e),
		void *arg, struct err *e)
{
	return s->ops->news_each(s, sub, since, cb, arg, e);
}

int
store_digest_has_slot(struct store *s, int64_t subscriber_id, const char *slot,
		      int *has, struct err *e)
{
	return s->ops->digest_has_slot(s, subscriber_id, slot, has, e);
}

int
store_digest_add(struct store *s, const struct store_digest_new *d, int64_t *id,
		 struct err *e)
{
	return s->ops->digest_add(s, d, id, e);
}

int
store_outbox_claim(struct store *s, enum store_outbox_box box, int64_t now,
		   int64_t due_by, int64_t until, int64_t *ids, size_t max,
		   size_t *n, struct err *e)
{
	return s->ops->outbox_claim(s, box, now, due_by, until, ids, max, n, e);
}

int
store_outbox_keep(struct store *s, int64_t id, int64_t now, int64_t until,
		  int *ours, struct err *e)
{
	return s->ops->outbox_keep(s, id, now, until, ours, e);
}

int
store_outbox_get(struct store *s, int64_t id, struct store_message *d,
		 struct err *e)
{
	return s->ops->outbox_get(s, id, d, e);
}

int
store_outbox_mark(struct store *s, int64_t id,
		  enum store_digest_outcome outcome, const char *reply,
		  int64_t now, int64_t next_attempt, struct err *e)
{
	return s->ops->outbox_mark(s, id, outcome, reply, now, next_attempt, e);
}

int
store_digest_prune(struct store *s, int64_t before, size_t *pruned,
		   struct err *e)
{
	return s->ops->digest_prune(s, before, pruned, e);
}

int
store_digest_each_of(struct store *s, int64_t subscriber_id,
		     int (*cb)(int64_t id, const char *message_id, void *arg,
			       struct err *e),
		     void *arg, struct err *e)
{
	return s->ops->digest_each_of(s, subscriber_id, cb, arg, e);
}

int
store_outbox_each(struct store *s, const char *email,
		  int (*cb)(const struct store_outbox_row *row, void *arg,
			    struct err *e),
		  void *arg, struct err *e)
{
	return s->ops->outbox_each(s, email, cb, arg, e);
}

int
store_outbox_retry(struct store *s, const char *email, int64_t now, size_t *n,
		   struct err *e)
{
	return s->ops->outbox_retry(s, email, now, n, e);
}

int
store_outbox_drop(struct store *s, const char *email, size_t *n, struct err *e)
{
	return s->ops->outbox_drop(s, email, n, e);
}

int
store_outage_note(struct store *s, int64_t now, const char *reason, long held,
		  struct err *e)
{
	return s->ops->outage_note(s, now, reason, held, e);
}

int
store_outage_end(struct store *s, int64_t now, struct store_outage *o,
		 struct err *e)
{
	return s->ops->outage_end(s, now, o, e);
}

int
store_outage_each(struct store *s, int64_t since,
		  int (*cb)(const struct store_outage *o, void *arg,
			    struct err *e),
		  void *arg, struct err *e)
{
	return s->ops->outage_each(s, since, cb, arg, e);
}

int
store_outbox_sent_since(struct store *s, int64_t since, int64_t nth, int64_t *n,
			int64_t *nth_at, struct err *e)
{
	return s->ops->outbox_sent_since(s, since, nth, n, nth_at, e);
}

int
store_outbox_due_count(struct store *s, enum store_outbox_box box,
		       int64_t due_by, int64_t *n, struct err *e)
{
	return s->ops->outbox_due_count(s, box, due_by, n, e);
}

int
store_digest_count(struct store *s, const char *status, int64_t *n,
		   struct err *e)
{
	return s->ops->digest_count(s, status, n, e);
}

int
store_check(struct store *s,
	    int (*cb)(const char *problem, void *arg, struct err *e), void *arg,
	    struct err *e)
{
	return s->ops->check(s, cb, arg, e);
}

int
store_report_has(struct store *s, const char *kind, const char *slot, int *has,
		 struct err *e)
{
	return s->ops->report_has(s, kind, slot, has, e);
}

int
store_report_add(struct store *s, const struct store_report_new *r, int64_t *id,
		 struct err *e)
{
	return s->ops->report_add(s, r, id, e);
}

int
store_next_due(struct store *s, int64_t *fetch_at, int64_t *attempt_at,
	       struct err *e)
{
	return s->ops->next_due(s, fetch_at, attempt_at, e);
}

int
store_subscriber_schedules(struct store *s,
			   int (*cb)(const char *schedule, const char *timezone,
				     void *arg, struct err *e),
			   void *arg, struct err *e)
{
	return s->ops->subscriber_schedules(s, cb, arg, e);
}

int
store_work_lease(struct store *s, const char *kind, int *held, struct err *e)
{
	return s->ops->work_lease(s, kind, held, e);
}

void
store_work_release(struct store *s, const char *kind)
{
	s->ops->work_release(s, kind);
}

int
store_wake_listen(struct store *s, int *fd, struct err *e)
{
	return s->ops->wake_listen(s, fd, e);
}

int
store_wake_drain(struct store *s, struct err *e)
{
	return s->ops->wake_drain(s, e);
}

static void
tags_release(struct store_tags *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->items[i]);
	free(t->items);
	t->items = NULL;
	t->n = 0;
}

static int
tags_copy(struct store_tags *dst, const struct store_tags *src)
{
	size_t i;

	dst->n = 0;
	dst->items = calloc(src->n + 1, sizeof(char *));
	if (!dst->items)
		return -1;
	for (i = 0; i < src->n; i++) {
		dst->items[i] = strdup(src->items[i]);
		if (!dst->items[i])
			return -1;
		dst->n++;
	}
	return 0;
}

void
store_feed_release(struct store_feed *f)
{
	if (!f)
		return;
	free(f->url);
	free(f->title);
	free(f->last_status);
	free(f->last_error);
	free(f->site_link);
	tags_release(&f->tags);
	memset(f, 0, sizeof(*f));
}

void
store_subscriber_release(struct store_subscriber *sub)
{
	if (!sub)
		return;
	free(sub->email);
	free(sub->name);
	free(sub->lang);
	free(sub->schedule);
	free(sub->timezone);
	free(sub->token);
	tags_release(&sub->tags);
	tags_release(&sub->include);
	tags_release(&sub->exclude);
	memset(sub, 0, sizeof(*sub));
}

int
store_subscriber_copy(struct store_subscriber *dst,
		      const struct store_subscriber *src)
{
	int oom = 0;

	memset(dst, 0, sizeof(*dst));
	dst->id = src->id;
	dst->created_at = src->created_at;
	dst->paused_at = src->paused_at;
	dst->paused_until = src->paused_until;
	dst->pending_since = src->pending_since;
	dst->unsubscribed_at = src->unsubscribed_at;
	dst->email = str_dup(src->email, &oom);
	dst->name = str_dup(src->name, &oom);
	dst->lang = str_dup(src->lang, &oom);
	dst->schedule = str_dup(src->schedule, &oom);
	dst->timezone = str_dup(src->timezone, &oom);
	dst->token = str_dup(src->token, &oom);
	oom |= tags_copy(&dst->tags, &src->tags) < 0 ||
	       tags_copy(&dst->include, &src->include) < 0 ||
	       tags_copy(&dst->exclude, &src->exclude) < 0;
	if (oom)
		store_subscriber_release(dst);
	return oom ? -1 : 0;
}

int
store_subscriber_each(struct store *s,
		      int (*cb)(const struct store_subscriber *sub, void *arg,
				struct err *e),
		      void *arg, struct err *e)
{
	return store_subscriber_page(s, 0, -1, cb, arg, e);
}

void
store_fetch_release(struct store_fetch *f)
{
	if (!f)
		return;
	free(f->url);
	free(f->etag);
	free(f->last_modified);
	free(f->user_agent);
	free(f->redirect_url);
	memset(f, 0, sizeof(*f));
}

void
store_message_release(struct store_message *d)
{
	if (!d)
		return;
	free(d->email);
	free(d->message_id);
	free(d->message);
	free(d->kind);
	free(d->slot);
	memset(d, 0, sizeof(*d));
}

void
store_outage_release(struct store_outage *o)
{
	if (!o)
		return;
	free(o->reason);
	memset(o, 0, sizeof(*o));
}
