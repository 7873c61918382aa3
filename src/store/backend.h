/*
 * backend: the table of operations behind store.h, one per backend (SQLite
 * in sqlite.c; PostgreSQL in pg.c, when built with libpq). Private to
 * src/store/.
 *
 * A backend's handle starts with a struct store whose ops point to its
 * table; store.c picks the backend from the store's location and calls
 * through the table. Each operation does what the store_* function of the
 * same name says in store.h, and is never called with a NULL store.
 */
#ifndef FEEDMAIL_STORE_BACKEND_H
#define FEEDMAIL_STORE_BACKEND_H

#include "store/store.h"
#include "store/tables.h"

struct store {
	const struct store_ops *ops;
};

/* Likewise the start of a backend's run lock. */
struct store_lock {
	const struct store_ops *ops;
};

struct store_ops {
	struct store_lock *(*lock_run)(const char *location,
				       const char *command, int timeout,
				       int64_t now, struct err *e);
	void (*unlock_run)(struct store_lock *l);
	/* opens location, migrated to version */
	struct store *(*open)(const char *location, int version, struct err *e);
	struct store *(*open_read)(const char *location, struct err *e);
	int (*read_only)(const struct store *s);
	void (*close)(struct store *s);
	struct store *(*open_another)(const struct store *s, struct err *e);
	int (*lost)(const struct store *s);
	int (*schema_version)(struct store *s);
	int (*begin)(struct store *s, struct err *e);
	int (*commit)(struct store *s, struct err *e);
	void (*rollback)(struct store *s);
	int (*feed_add)(struct store *s, const char *url, const char *title,
			const struct store_tags *tags, int64_t now, int64_t *id,
			struct err *e);
	int (*feed_set_user_agent)(struct store *s, int64_t id, const char *ua,
				   struct err *e);
	int (*feed_set_site_link)(struct store *s, int64_t id, const char *link,
				  struct err *e);
	int (*feed_find)(struct store *s, const char *id_or_url, int64_t *id,
			 struct err *e);
	int (*feed_remove)(struct store *s, int64_t id, struct err *e);
	int (*feed_each)(struct store *s,
			 int (*cb)(const struct store_feed *f, void *arg,
				   struct err *e),
			 void *arg, struct err *e);
	int (*fetch_claim)(struct store *s, int64_t now, int64_t due_by,
			   int all, int64_t until, struct store_fetch *feeds,
			   size_t max, size_t *n, struct err *e);
	int (*fetch_keep)(struct store *s, int64_t now, int64_t until,
			  struct err *e);
	int (*fetch_mark_needed)(struct store *s,
				 const struct store_slot_feeds *slots, size_t n,
				 int64_t now, size_t *marked, struct err *e);
	int (*fetch_get)(struct store *s, int64_t id, struct store_fetch *f,
			 struct err *e);
	int (*entries_save)(struct store *s, int64_t feed_id,
			    const struct store_entries *entries, int64_t now,
			    size_t *added, size_t *updated, struct err *e);
	int (*entries_last_week)(struct store *s, int64_t feed_id, int64_t now,
				 int64_t *count, struct err *e);
	int (*fetch_record)(struct store *s,
			    const struct store_fetch_outcome *o, int *moved,
			    struct err *e);
	int (*prune)(struct store *s, int64_t keep_before,
		     int64_t forget_before, size_t *pruned, struct err *e);
	int (*subscriber_add)(struct store *s,
			      const struct store_subscriber *sub, int64_t now,
			      int64_t *id, struct err *e);
	int (*subscriber_by_email)(struct store *s, const char *email,
				   struct store_subscriber *sub, struct err *e);
	int (*subscriber_by_token)(struct store *s, const char *token,
				   struct store_subscriber *sub, struct err *e);
	int (*subscriber_by_id)(struct store *s, int64_t id,
				struct store_subscriber *sub, struct err *e);
	int (*subscriber_remove)(struct store *s, const char *email,
				 struct err *e);
	int (*subscriber_update)(struct store *s,
				 const struct store_subscriber *sub,
				 struct err *e);
	int (*subscriber_pause)(struct store *s, int64_t id, int64_t at,
				int64_t until, struct err *e);
	int (*subscriber_page)(struct store *s, int64_t after_id, int limit,
			       int (*cb)(const struct store_subscriber *sub,
					 void *arg, struct err *e),
			       void *arg, struct err *e);
	int (*news_each)(struct store *s, const struct store_subscriber *sub,
			 int64_t since,
			 int (*cb)(const struct store_news *n, void *arg,
				   struct err *e),
			 void *arg, struct err *e);
	int (*digest_has_slot)(struct store *s, int64_t subscriber_id,
			       const char *slot, int *has, struct err *e);
	int (*digest_add)(struct store *s, const struct store_digest_new *d,
			  int64_t *id, struct err *e);
	int (*outbox_claim)(struct store *s, enum store_outbox_box box,
			    int64_t now, int64_t due_by, int64_t until,
			    int64_t *ids, size_t max, size_t *n, struct err *e);
	int (*outbox_keep)(struct store *s, int64_t id, int64_t now,
			   int64_t until, int *ours, struct err *e);
	int (*outbox_get)(struct store *s, int64_t id, struct store_message *d,
			  struct err *e);
	int (*outbox_mark)(struct store *s, int64_t id,
			   enum store_digest_outcome outcome, const char *reply,
			   int64_t now, int64_t next_attempt, struct err *e);
	int (*digest_prune)(struct store *s, int64_t before, size_t *pruned,
			    struct err *e);
	int (*digest_each_of)(struct store *s, int64_t subscriber_id,
			      int (*cb)(int64_t id, const char *message_id,
					void *arg, struct err *e),
			      void *arg, struct err *e);
	int (*outbox_sent_since)(struct store *s, int64_t since, int64_t nth,
				 int64_t *n, int64_t *nth_at, struct err *e);
	int (*outbox_due_count)(struct store *s, enum store_outbox_box box,
				int64_t due_by, int64_t *n, struct err *e);
	int (*outbox_each)(struct store *s, const char *email,
			   int (*cb)(const struct store_outbox_row *row,
				     void *arg, struct err *e),
			   void *arg, struct err *e);
	int (*outbox_retry)(struct store *s, const char *email, int64_t now,
			    size_t *n, struct err *e);
	int (*outbox_drop)(struct store *s, const char *email, size_t *n,
			   struct err *e);
	int (*outage_note)(struct store *s, int64_t now, const char *reason,
			   long held, struct err *e);
	int (*outage_end)(struct store *s, int64_t now, struct store_outage *o,
			  struct err *e);
	int (*outage_each)(struct store *s, int64_t since,
			   int (*cb)(const struct store_outage *o, void *arg,
				     struct err *e),
			   void *arg, struct err *e);
	int (*digest_count)(struct store *s, const char *status, int64_t *n,
			    struct err *e);
	int (*check)(struct store *s,
		     int (*cb)(const char *problem, void *arg, struct err *e),
		     void *arg, struct err *e);
	int (*report_has)(struct store *s, const char *kind, const char *slot,
			  int *has, struct err *e);
	int (*report_add)(struct store *s, const struct store_report_new *r,
			  int64_t *id, struct err *e);
	int (*next_due)(struct store *s, int64_t *fetch_at, int64_t *attempt_at,
			struct err *e);
	int (*subscriber_schedules)(struct store *s,
				    int (*cb)(const char *schedule,
					      const char *timezone, void *arg,
					      struct err *e),
				    void *arg, struct err *e);
	int (*secret)(struct store *s, const char *name, unsigned char *buf,
		      size_t size, size_t *len, struct err *e);
	int (*secret_rotate)(struct store *s, const char *name, int64_t now,
			     struct err *e);
	int (*subscriber_unsubscribe)(struct store *s, int64_t id, int64_t now,
				      int *changed, struct err *e);
	int (*consent_add)(struct store *s, const struct store_consent *c,
			   struct err *e);
	int (*consent_each)(struct store *s, int64_t id,
			    int (*cb)(const struct store_consent *c, void *arg,
				      struct err *e),
			    void *arg, struct err *e);
	int (*subscriber_confirm)(struct store *s, int64_t id,
				  const struct store_consent *c, int *changed,
				  struct err *e);
	int (*subscriber_resubscribe)(struct store *s, int64_t id, int64_t now,
				      int pending, int *changed, struct err *e);
	int (*subscriber_ask)(struct store *s, int64_t id, int64_t now,
			      struct err *e);
	int (*subscriber_confirm_sent)(struct store *s, int64_t id, int64_t at,
				       struct err *e);
	int (*subscriber_count)(struct store *s, int64_t now,
				struct store_subscriber_counts *c,
				struct err *e);
	int (*subscriber_forget_pending)(struct store *s, int64_t before,
					 size_t *n, struct err *e);
	int (*work_lease)(struct store *s, const char *kind, int *held,
			  struct err *e);
	void (*work_release)(struct store *s, const char *kind);
	int (*wake_listen)(struct store *s, int *fd, struct err *e);
	int (*wake_drain)(struct store *s, struct err *e);
	/* store copy (copy.c), one table of tables.h at a time */
	/* opens a read-only transaction seeing one snapshot, ended by
	 * rollback */
	int (*copy_snapshot)(struct store *s, struct err *e);
	/* walks t's rows in t->order: a value per column of t */
	int (*copy_each)(struct store *s, const struct store_table *t,
			 int (*cb)(const struct store_value *row, void *arg,
				   struct err *e),
			 void *arg, struct err *e);
	/* inserts one row as it was (ids kept; pg's own columns filled) */
	int (*copy_insert)(struct store *s, const struct store_table *t,
			   const struct store_value *row, struct err *e);
	int (*copy_count)(struct store *s, const struct store_table *t,
			  int64_t *n, struct err *e);
	int (*copy_clear)(struct store *s, const struct store_table *t,
			  struct err *e);
	/* the highest id t has given (its sequence), and making the next
	 * one follow last */
	int (*copy_last_id)(struct store *s, const struct store_table *t,
			    int64_t *last, struct err *e);
	int (*copy_set_last_id)(struct store *s, const struct store_table *t,
				int64_t last, struct err *e);
	int (*schema_each)(struct store *s,
			   int (*cb)(const char *table, const char *column,
				     void *arg, struct err *e),
			   void *arg, struct err *e);
};

extern const struct store_ops store_sqlite_ops;
#ifdef HAVE_LIBPQ
extern const struct store_ops store_pg_ops;
#endif

/* The [store] password_file set with store_set_password_file, or NULL. */
const char *store_password_file(void);

#endif
