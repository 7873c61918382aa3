/*
 * copy: `feedmail store copy`, from any backend to any other, through
 * the operations each has for it (backend.h: copy_*) and the one
 * description of the tables (tables.h). Rows go one at a time, read
 * through a walk (a cursor on PostgreSQL, a statement on SQLite), so
 * memory does not grow with the store.
 */
#include "config.h"

#include "store/store.h"

#include <inttypes.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "store/backend.h"

struct copying {
	struct store *to;
	const struct store_table *t;
	int64_t rows;
};

static int
copy_row(const struct store_value *row, void *arg, struct err *e)
{
	struct copying *c = arg;

	if (c->to->ops->copy_insert(c->to, c->t, row, e) < 0)
		return err_prefix(e, "copy '%s'", c->t->name);
	c->rows++;
	return 0;
}

/* -1 with e (EX_CANTCREAT) naming what to holds, when it holds rows of
 * its own in any table; else 0. */
static int
target_empty(struct store *to, struct err *e)
{
	struct buf held = BUF_INIT(4096);
	size_t i;
	int64_t n;
	int rc = 0;

	for (i = 0; i < store_n_tables; i++) {
		const struct store_table *t = &store_tables[i];

		if (t->made_with_store)
			continue;
		if (to->ops->copy_count(to, t, &n, e) < 0) {
			rc = -1;
			goto out;
		}
		if (n && buf_addf(&held, "%s%s (%" PRId64 ")",
				  held.len ? ", " : "", t->name, n) < 0) {
			rc = err_set(e, EX_OSERR, "out of memory");
			goto out;
		}
	}
	if (held.len)
		rc = err_set(e, EX_CANTCREAT,
			     "the target store is not empty: it holds %s; "
			     "copy into a new store",
			     held.data);
out:
	buf_release(&held);
	return rc;
}

/* Copies from's rows into to, in to's open transaction, counting them. */
static int
copy_tables(struct store *from, struct store *to,
	    struct store_copy_count *counts, struct err *e)
{
	size_t i;

	for (i = 0; i < store_n_tables; i++) {
		struct copying c = { to, &store_tables[i], 0 };

		counts[i].table = c.t->name;
		if (from->ops->copy_count(from, c.t, &counts[i].source, e) < 0)
			return -1;
		if (c.t->made_with_store && to->ops->copy_clear(to, c.t, e) < 0)
			return -1;
		if (from->ops->copy_each(from, c.t, copy_row, &c, e) < 0)
			return -1;
		if (c.rows != counts[i].source)
			return err_set(e, EX_SOFTWARE,
				       "copy '%s': %" PRId64
				       " rows counted, %" PRId64 " read",
				       c.t->name, counts[i].source, c.rows);
	}
	return 0;
}

/* The target's ids go on after the source's, and its rows are as many. */
static int
copy_check(struct store *from, struct store *to,
	   struct store_copy_count *counts, struct err *e)
{
	size_t i;
	int64_t last;

	for (i = 0; i < store_n_tables; i++) {
		const struct store_table *t = &store_tables[i];

		if (t->has_id &&
		    (from->ops->copy_last_id(from, t, &last, e) < 0 ||
		     to->ops->copy_set_last_id(to, t, last, e) < 0))
			return err_prefix(e, "copy '%s'", t->name);
		if (to->ops->copy_count(to, t, &counts[i].target, e) < 0)
			return -1;
		if (counts[i].target != counts[i].source)
			return err_set(e, EX_SOFTWARE,
				       "copy '%s': %" PRId64
				       " rows in the source, %" PRId64
				       " in the target",
				       t->name, counts[i].source,
				       counts[i].target);
	}
	return 0;
}

int
store_copy(struct store *from, struct store *to,
	   struct store_copy_count *counts, size_t *n, struct err *e)
{
	int rc = -1;

	*n = 0;
	if (store_n_tables > STORE_COPY_MAX_TABLES)
		return err_set(e, EX_SOFTWARE, "copy: too many tables");
	if (from->ops->copy_snapshot(from, e) < 0)
		return -1;
	if (store_begin(to, e) < 0)
		goto out;
	if (target_empty(to, e) < 0 || copy_tables(from, to, counts, e) < 0 ||
	    copy_check(from, to, counts, e) < 0) {
		store_rollback(to);
		goto out;
	}
	if (store_commit(to, e) < 0)
		goto out;
	*n = store_n_tables;
	rc = 0;
out:
	store_rollback(from);
	return rc;
}

int
store_schema_each(struct store *s,
		  int (*cb)(const char *table, const char *column, void *arg,
			    struct err *e),
		  void *arg, struct err *e)
{
	return s->ops->schema_each(s, cb, arg, e);
}
