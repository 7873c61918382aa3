/*
 * tables: the one description of the store's tables and columns that
 * `store copy` moves from one backend to another (copy.c), in an order
 * where every row's parents come first (feeds before entries, outbox
 * before deliveries). A schema change adds its table or column here, in
 * sqlite.c's and pg.c's migrations; test_store fails while a backend
 * has a table or column this description does not name.
 *
 * Columns are those both backends have, with a type each; PostgreSQL's
 * own columns (a folded tag_key, a feed's host, the leases) are listed
 * apart: pg.c fills them when it inserts a row, as its other operations
 * do. Private to src/store/ and its tests.
 */
#ifndef FEEDMAIL_STORE_TABLES_H
#define FEEDMAIL_STORE_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* More columns than any table has. */
#define STORE_MAX_COLUMNS 32

enum store_type {
	STORE_INT,  /* a 64-bit integer */
	STORE_TEXT, /* UTF-8 text without NUL */
	STORE_BLOB  /* bytes (a message, a secret) */
};

struct store_column {
	const char *name;
	enum store_type type;
};

/* One value of a row, as a walk hands it out (borrowed until the callback
 * returns) and an insert takes it: is_null, else i (STORE_INT) or p and
 * len (STORE_TEXT, STORE_BLOB). */
struct store_value {
	int is_null;
	int64_t i;
	const char *p;
	size_t len;
};

struct store_table {
	const char *name;
	const struct store_column *columns;
	size_t n_columns;
	const char *order; /* its key: rows walked in this order */
	/* an id column: the highest id given (deleted rows' too, where the
	 * backend never gives one twice) goes with the copy */
	int has_id;
	/* rows the store makes when it is created (the token secret): a
	 * new target has them, and the copy replaces them */
	int made_with_store;
	/* PostgreSQL's own columns, NULL-terminated (NULL: none) */
	const char *const *pg_only;
};

extern const struct store_table store_tables[];
extern const size_t store_n_tables;

/* The tables of each backend that are no part of the copy, their own
 * bookkeeping, NULL-terminated: SQLite's sqlite_sequence (carried as
 * has_id says), PostgreSQL's schema version and host leases (held by a
 * running worker only). */
extern const char *const store_tables_own[];

/* The table called name, or NULL. */
const struct store_table *store_table_find(const char *name);

#endif
