/* Unit tests for src/store: migrations, feeds and subscribers on a real
 * SQLite file in a temporary folder, and the same cases (those not about
 * SQLite's file itself) on a real PostgreSQL database of a throwaway
 * cluster (tests/pgcluster.sh), with what is PostgreSQL's own: claims
 * shared by several workers, host leases, the baseline schema, the
 * password file, URLs in messages. */
#include "config.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "fetch/ident.h"
#include "lib/clock.h"
#include "store/backend.h"
#include "store/store.h"
#include "store/tables.h"
#include "testutil.h"

static char dir[200];
/* the store's location: a file, or a PostgreSQL URL */
static char path[512];

/* the time the commands hand in */
#define NOW clock_now()

static void
setup(void)
{
	ck_assert_ptr_nonnull(testutil_tmpdir(dir, sizeof(dir), "store"));
	snprintf(path, sizeof(path), "%s/sub/feedmail.db", dir);
}

static void
teardown(void)
{
	ck_assert_int_eq(testutil_remove_tree(dir), 0);
}

#ifdef HAVE_LIBPQ
/* The throwaway cluster's folder ("" when there is none). */
static char cluster[200];
/* The URL of a database of that cluster, made if missing. */
static char cluster_url[512];

static int
is_pg(void)
{
	return !strncmp(path, "postgresql://", 13);
}

/* Runs tests/pgcluster.sh ARGS, its first line of output into out: its
 * exit status. */
static int
pgcluster(const char *args, char *out, size_t size)
{
	char cmd[1024];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "sh '%s/tests/pgcluster.sh' %s", SRCDIR,
		 args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!out || !fgets(out, (int)size, p)) {
		if (out)
			out[0] = '\0';
	}
	if (out)
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static PGresult *
pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(path);
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
			      PQresultStatus(r) == PGRES_TUPLES_OK,
		      "%s: %s", sql, PQerrorMessage(c));
	PQfinish(c);
	return r;
}
#else
static int
is_pg(void)
{
	return 0;
}
#endif

/* The location of another store of the same backend as path (name
 * tells them apart): a file beside it, or another database of the
 * cluster. */
static void
other_store(const char *name, char *out, size_t size)
{
#ifdef HAVE_LIBPQ
	if (is_pg()) {
		char args[512];

		snprintf(args, sizeof(args), "url '%s' t%ld%s", cluster,
			 (long)getpid(), name);
		ck_assert_int_eq(pgcluster(args, out, size), 0);
		return;
	}
#endif
	snprintf(out, size, "%s/%s.db", dir, name);
}

static int64_t
count(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;

#ifdef HAVE_LIBPQ
	if (is_pg()) {
		PGresult *r = pg_exec(sql);

		if (PQntuples(r))
			n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		return n;
	}
#endif
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
exec(const char *sql)
{
	sqlite3 *db;

#ifdef HAVE_LIBPQ
	if (is_pg()) {
		PQclear(pg_exec(sql));
		return;
	}
#endif
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The ids of the feeds due at now ("1,7"), into out; 0 on error. */
static int
due_ids(int64_t now, char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *t;
	int ok = 0;

#ifdef HAVE_LIBPQ
	if (is_pg()) {
		char sql[200];
		PGresult *r;

		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(string_agg(id::text, ','"
			 " ORDER BY id), '') FROM feeds"
			 " WHERE next_fetch_at = %lld",
			 (long long)now);
		r = pg_exec(sql);
		snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		return 1;
	}
#endif
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
		sqlite3_prepare_v2(
			db,
			"SELECT coalesce(group_concat(id, ','), '') FROM"
			" (SELECT id FROM feeds WHERE next_fetch_at = ? ORDER BY id)",
			-1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0))) {
		snprintf(out, size, "%s", (const char *)t);
		ok = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/* Removes the -wal and -shm files, if any: the next round starts anew. */
static void
unlink_wal(void)
{
	char side[600];

	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

START_TEST(test_creates_current_schema)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	ck_assert_int_eq(count("SELECT journal_mode = 'wal' FROM "
			       "pragma_journal_mode"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE "
			       "name = 'deliveries'"),
			 1);
}
END_TEST

/* A store of version N-1 with data in it migrates forward, keeping it. */
START_TEST(test_migrates_previous_version)
{
	struct err e = ERR_INIT;
	struct store *s;

	s = store_open_version(path, 7, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), 7);
	store_close(s);
	exec("INSERT INTO feeds (url, added_at) VALUES ('http://a/', 1);"
	     "INSERT INTO subscribers (email, created_at) VALUES ('a@b.c', 1);"
	     "INSERT INTO digests (subscriber_id, message_id, created_at,"
	     " status) VALUES (1, '<f@x>', 1, 'failed'),"
	     " (1, '<p@x>', 1, 'pending');");
	/* what the step to 8 adds is not there yet */
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE "
			       "name = 'outages'"),
			 0);

	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM feeds"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM subscribers"
			       " WHERE include_words IS NULL"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"
			       " WHERE kind <> 'digest'"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE "
			       "name = 'outages'"),
			 1);
	/* a digest failed before: its entries were lost then, and stay so */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"
			       " WHERE dropped = 1 AND status = 'failed'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"
			       " WHERE dropped = 0 AND status = 'pending'"),
			 1);
}
END_TEST

/* Several steps at once: version 1 (no outbox) to the current one. */
START_TEST(test_migrates_several_steps)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 1, &e);

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	exec("INSERT INTO subscribers (email, created_at) VALUES ('a@b.c', 1);");
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE "
			       "name = 'digests'"),
			 0);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM subscribers"), 1);
}
END_TEST

START_TEST(test_refuses_newer_store)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);

	store_close(s);
	exec("PRAGMA user_version = 99");
	s = store_open(path, &e);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "newer"));
}
END_TEST

/* A failing migration step leaves the previous version intact. */
START_TEST(test_failed_migration_rolls_back)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 1, &e);

	store_close(s);
	exec("CREATE TABLE digests (x)"); /* step 2 will collide */
	s = store_open(path, &e);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(e.msg, "migrate to version 2"));
	ck_assert_int_eq(count("PRAGMA user_version"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE "
			       "name = 'deliveries'"),
			 0);
}
END_TEST

/* Opens the store at path in n processes at once (they wait on a pipe
 * that closes when all are forked) and returns how many failed; each
 * failure is printed. */
static int
open_at_once(int n)
{
	struct err e = ERR_INIT;
	struct store *s;
	pid_t pids[64];
	int go[2], i, status, failed = 0;
	char c;

	ck_assert_int_le(n, 64);
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			s = store_open(path, &e);
			if (!s)
				fprintf(stderr, "open %d: %s\n", i, e.msg);
			store_close(s);
			_exit(s ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

/* Commands started together on a new store (cron's run beside a user's
 * list) each find it created and migrated once, by one of them. */
START_TEST(test_concurrent_opens_of_new_store)
{
	int round;

	for (round = 0; round < 3; round++) {
		ck_assert_int_eq(open_at_once(40), 0);
		ck_assert_int_eq(count("PRAGMA user_version"),
				 STORE_SCHEMA_VERSION);
		ck_assert_int_eq(count("SELECT journal_mode = 'wal' FROM "
				       "pragma_journal_mode"),
				 1);
		ck_assert_int_eq(unlink(path), 0);
		unlink_wal();
	}
}
END_TEST

/* The same on a store of an older version: migrated once, data kept. */
START_TEST(test_concurrent_opens_migrate_once)
{
	struct err e = ERR_INIT;
	struct store *s;
	int round;

	for (round = 0; round < 3; round++) {
		s = store_open_version(path, 1, &e);
		ck_assert_msg(s != NULL, "%s", e.msg);
		store_close(s);
		exec("INSERT INTO subscribers (email, created_at)"
		     " VALUES ('a@b.c', 1);");
		ck_assert_int_eq(open_at_once(40), 0);
		ck_assert_int_eq(count("PRAGMA user_version"),
				 STORE_SCHEMA_VERSION);
		ck_assert_int_eq(count("SELECT count(*) FROM subscribers"), 1);
		ck_assert_int_eq(unlink(path), 0);
		unlink_wal();
	}
}
END_TEST

/* What the user can fix never exits 70: a file that is not a store, or a
 * damaged one, is 65; a folder where the file should be, 73. (Modes,
 * mounts, a full disk and a held lock: tests/integ/t0046-store-access.) */
START_TEST(test_error_statuses)
{
	static const struct {
		const char *content; /* NULL: a folder */
		int code;
		const char *says;
	} cases[] = {
		{ "not a database, but long enough to have a header of sorts; "
		  "SQLite reads its first hundred bytes, and more.............",
		  EX_DATAERR, "is damaged, or not a store" },
		{ NULL, EX_CANTCREAT, "open" },
	};
	struct err e = ERR_INIT;
	struct store *s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/case%zu.db", dir, i);
		if (cases[i].content)
			testutil_write_file(path, cases[i].content, 0600);
		else
			ck_assert_int_eq(mkdir(path, 0700), 0);
		err_clear(&e);
		s = store_open(path, &e);
		ck_assert_ptr_null(s);
		ck_assert_msg(e.code == cases[i].code, "case %zu: %d: %s", i,
			      e.code, e.msg);
		ck_assert_msg(strstr(e.msg, cases[i].says), "case %zu: %s", i,
			      e.msg);
		s = store_open_read(path, &e);
		ck_assert_ptr_null(s);
		ck_assert_int_eq(e.code, cases[i].code);
	}
}
END_TEST

/* A damaged store: a good one cut short. */
START_TEST(test_damaged_store)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct stat st;

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
	s = store_open(path, &e);
	ck_assert_ptr_null(s);
	ck_assert_msg(e.code == EX_DATAERR, "%d: %s", e.code, e.msg);
	ck_assert_msg(strstr(e.msg, "is damaged"), "%s", e.msg);
}
END_TEST

/* A store that can be written opens for reading as for writing: created,
 * migrated, writable. */
START_TEST(test_open_read_of_writable_store)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 1, &e);
	int64_t id;

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	s = store_open_read(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_read_only(s), 0);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, NOW, &id,
					&e),
			 0);
	ck_assert_int_eq(store_lost(s), 0);
	store_close(s);
}
END_TEST

static int
collect_feed(const struct store_feed *f, void *arg, struct err *e)
{
	char *out = arg;
	size_t i, len = strlen(out);

	(void)e;
	len += (size_t)snprintf(out + len, 512 - len, "%s", f->url);
	for (i = 0; i < f->tags.n; i++)
		len += (size_t)snprintf(out + len, 512 - len, ",%s",
					f->tags.items[i]);
	snprintf(out + len, 512 - len, ";");
	return 0;
}

/* The callbacks' rule (store.h): 1 stops the walk, -1 fails it with e. */
static int calls;

static int
stop_at_first(const struct store_feed *f, void *arg, struct err *e)
{
	(void)f;
	(void)arg;
	(void)e;
	calls++;
	return 1;
}

static int
fail_at_second(const struct store_feed *f, void *arg, struct err *e)
{
	(void)f;
	(void)arg;
	return ++calls == 2 ? err_set(e, EX_OSERR, "out of memory") : 0;
}

START_TEST(test_feeds)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	char tech[] = "tech", lyon[] = "lyon";
	char *t[] = { tech, lyon, tech };
	struct store_tags tags = { t, 3 };
	char out[512] = "";
	int64_t id, id2, found;

	ck_assert_int_eq(store_feed_add(s, "http://a/", "A", &tags, NOW, &id,
					&e),
			 0);
	ck_assert_int_eq(store_feed_add(s, "http://b/", NULL, NULL, NOW, &id2,
					&e),
			 0);
	ck_assert_int_eq(store_feed_add(s, "http://a/", "A", NULL, NOW, &found,
					&e),
			 1);
	ck_assert_int_eq(found, id);
	ck_assert_int_eq(store_feed_each(s, collect_feed, out, &e), 0);
	ck_assert_str_eq(out, "http://a/,tech,lyon;http://b/;");
	calls = 0;
	ck_assert_int_eq(store_feed_each(s, stop_at_first, NULL, &e), 1);
	ck_assert_int_eq(calls, 1);
	calls = 0;
	ck_assert_int_eq(store_feed_each(s, fail_at_second, NULL, &e), -1);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(e.code, EX_OSERR);
	ck_assert_str_eq(e.msg, "out of memory");

	ck_assert_int_eq(store_feed_find(s, "http://b/", &found, &e), 0);
	ck_assert_int_eq(found, id2);
	ck_assert_int_eq(store_feed_find(s, "1", &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(store_feed_find(s, "http://c/", &found, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);

	store_close(s);
	exec("INSERT INTO entries (feed_id, ident, first_seen, last_seen)"
	     " VALUES (1, 'x', 1, 1)");
	s = store_open(path, &e);
	ck_assert_int_eq(store_feed_remove(s, id, &e), 0);
	ck_assert_int_eq(store_feed_remove(s, id, &e), -1);
	store_close(s);
	/* nothing dangling */
	ck_assert_int_eq(count("SELECT count(*) FROM entries"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM feed_tags"), 0);
}
END_TEST

/* The run lock: one holder at a time, the second told who holds it and
 * since when (the time handed in), and free again once released. */
START_TEST(test_run_lock)
{
	struct err e = ERR_INIT;
	struct store_lock *l, *again;
	char want[128];

	l = store_lock_run(path, "run", 5, 1764547200, &e);
	ck_assert_msg(l != NULL, "%s", e.msg);
	again = store_lock_run(path, "send", 0, 1764547300, &e);
	ck_assert_ptr_null(again);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	snprintf(want, sizeof(want),
		 "held by pid %ld (feedmail run, since 2025-12-01T00:00:00Z)",
		 (long)getpid());
	ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
	store_unlock_run(l);
	e = (struct err)ERR_INIT;
	again = store_lock_run(path, "send", 0, 1764547300, &e);
	ck_assert_msg(again != NULL, "%s", e.msg);
	store_unlock_run(again);
	store_unlock_run(NULL);
}
END_TEST

/* The ids of n claimed feeds ("2,3") into out, releasing them. */
static void
claimed_ids(struct store_fetch *got, size_t n, char *out, size_t size)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, size - len, "%s%lld",
					i ? "," : "", (long long)got[i].id);
		store_fetch_release(&got[i]);
	}
}

/* Claims lease rows: the next ones come, oldest due first; a claimed row
 * is not claimed again until its lease ends, whatever was recorded. */
START_TEST(test_claims)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_fetch got[3];
	struct store_fetch_outcome o = { 0 };
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	char email[] = "a@example.org", url[32], ids[64], mid[32];
	int64_t id, digests[3], claimed[2];
	size_t n;
	int i, moved;

	ck_assert_ptr_nonnull(s);
	for (i = 1; i <= 5; i++) {
		snprintf(url, sizeof(url), "http://f/%d", i);
		ck_assert_int_eq(store_feed_add(s, url, NULL, NULL, NOW, &id,
						&e),
				 0);
	}
	exec("UPDATE feeds SET next_fetch_at = CASE id WHEN 1 THEN 300"
	     " WHEN 2 THEN 100 WHEN 3 THEN 200 ELSE 900 END;"
	     "UPDATE feeds SET enabled = 0 WHERE id = 5");
	ck_assert_int_eq(store_fetch_claim(s, 50, 500, 0, 1000, got, 2, &n, &e),
			 0);
	claimed_ids(got, n, ids, sizeof(ids));
	ck_assert_str_eq(ids, "2,3");
	ck_assert_int_eq(store_fetch_claim(s, 50, 500, 0, 1000, got, 2, &n, &e),
			 0);
	claimed_ids(got, n, ids, sizeof(ids));
	ck_assert_str_eq(ids, "1");
	/* recorded, and still due: leased all the same */
	o.feed_id = 2;
	o.now = 60;
	o.status = "ok";
	o.succeeded = 1;
	o.next_fetch_at = 100;
	ck_assert_int_eq(store_fetch_record(s, &o, &moved, &e), 0);
	ck_assert_int_eq(store_fetch_claim(s, 60, 500, 0, 1000, got, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	/* all: every enabled feed not leased */
	ck_assert_int_eq(store_fetch_claim(s, 60, 500, 1, 1000, got, 3, &n, &e),
			 0);
	claimed_ids(got, n, ids, sizeof(ids));
	ck_assert_str_eq(ids, "4");
	/* the leases end at 1000 */
	ck_assert_int_eq(store_fetch_claim(s, 1000, 500, 0, 2000, got, 3, &n,
					   &e),
			 0);
	claimed_ids(got, n, ids, sizeof(ids));
	ck_assert_str_eq(ids, "2,3,1");
	ck_assert_int_eq(store_fetch_claim(s, 0, 500, 0, 2000, got, 0, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);

	sub.email = email;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &sub.id, &e), 0);
	d.subscriber_id = sub.id;
	d.message = "Subject: x\r\n";
	d.len = 12;
	d.now = 10;
	for (i = 0; i < 3; i++) {
		snprintf(mid, sizeof(mid), "<%d@example.org>", i);
		d.message_id = mid;
		ck_assert_int_eq(store_digest_add(s, &d, &digests[i], &e), 0);
	}
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 100, 100, 200,
					    claimed, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(claimed[0], digests[0]);
	ck_assert_int_eq(claimed[1], digests[1]);
	/* held by the transport: pending, due, and leased */
	ck_assert_int_eq(store_outbox_mark(s, digests[0], STORE_DIGEST_HELD,
					   "421 busy", 100, 100, &e),
			 0);
	ck_assert_int_eq(store_outbox_mark(s, digests[1], STORE_DIGEST_SENT,
					   "250 OK", 100, 0, &e),
			 0);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 150, 150, 200,
					    claimed, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(claimed[0], digests[2]);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 150, 150, 200,
					    claimed, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	/* leases over: the pending ones come back, the sent one not */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 200, 200, 300,
					    claimed, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(claimed[0], digests[0]);
	ck_assert_int_eq(claimed[1], digests[2]);
	store_close(s);
}
END_TEST

/* Version 9 gives every subscriber a token of its own: random, 128 bits
 * in hex, made for those already there. */
START_TEST(test_migrates_tokens)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 8, &e);

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	exec("INSERT INTO subscribers (email, created_at)"
	     " VALUES ('a@b.c', 1), ('d@e.f', 1)");
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(DISTINCT token) FROM subscribers"
			       " WHERE length(token) = 32"
			       " AND token NOT GLOB '*[^0-9a-f]*'"),
			 2);
}
END_TEST

/* A subscriber is found by address (in any letter case) and by token,
 * without a walk through the others. */
START_TEST(test_subscriber_lookups)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 }, got, again;
	char a[] = "a@example.org", b[] = "Marie@Example.org", tag[] = "news";
	char *tags[] = { tag };
	int64_t id;

	ck_assert_ptr_nonnull(s);
	sub.email = a;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	sub.email = b;
	sub.tags.items = tags;
	sub.tags.n = 1;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 20, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, "marie@example.ORG", &got,
						   &e),
			 0);
	ck_assert_int_eq(got.id, id);
	ck_assert_str_eq(got.email, "Marie@Example.org");
	ck_assert_int_eq(got.created_at, 20);
	ck_assert_uint_eq(got.tags.n, 1);
	ck_assert_str_eq(got.tags.items[0], "news");
	ck_assert_uint_eq(strlen(got.token), 32);
	ck_assert_int_eq(store_subscriber_by_token(s, got.token, &again, &e),
			 0);
	ck_assert_int_eq(again.id, id);
	store_subscriber_release(&again);
	ck_assert_int_eq(store_subscriber_by_email(s, "a@example.org", &again,
						   &e),
			 0);
	ck_assert_str_ne(again.token, got.token);
	store_subscriber_release(&again);
	ck_assert_int_eq(store_subscriber_by_token(s, "00", &again, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_ptr_null(strstr(e.msg, "00"));
	ck_assert_int_eq(store_subscriber_by_email(s, "x@example.org", &again,
						   &e),
			 -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "no subscriber 'x@example.org'");
	store_subscriber_release(&got);
	store_close(s);
}
END_TEST

START_TEST(test_nested_transactions)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	int64_t id;

	ck_assert_int_eq(store_begin(s, &e), 0);
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, NOW, &id,
					&e),
			 0);
	store_rollback(s);
	store_rollback(s); /* nothing open: harmless */
	ck_assert_int_eq(store_feed_add(s, "http://b/", NULL, NULL, NOW, &id,
					&e),
			 0);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM feeds"), 1);
}
END_TEST

START_TEST(test_subscribers)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	char upper[] = "Marie@Example.org", lower[] = "marie@example.org";
	char fr[] = "fr";
	int64_t id;

	sub.email = upper;
	sub.lang = fr;
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	sub.email = lower;
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "already exists"));
	ck_assert_int_eq(store_subscriber_remove(s, "nobody@x.org", &e), -1);
	ck_assert_int_eq(store_subscriber_remove(s, "marie@example.org", &e),
			 0);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM subscribers"), 0);
}
END_TEST

static void
save(struct store *s, struct entry *en, size_t n, int64_t now, size_t *added,
     size_t *updated)
{
	struct err e = ERR_INIT;
	const struct entry *ptrs[8];
	struct store_entries entries;
	size_t i;

	for (i = 0; i < n; i++)
		ptrs[i] = &en[i];
	ck_assert_int_eq(ident_entries(ptrs, n, &entries), 0);
	*added = *updated = 0;
	ck_assert_msg(store_entries_save(s, 1, &entries, now, added, updated,
					 &e) == 0,
		      "%s", e.msg);
	ident_entries_release(&entries);
}

static struct entry
item(const char *guid, const char *link, const char *title, const char *summary)
{
	struct entry en;

	memset(&en, 0, sizeof(en));
	en.id = (char *)guid;
	en.link = (char *)link;
	en.title = (char *)title;
	en.summary = (char *)summary;
	en.published = en.updated = DATE_NONE;
	return en;
}

START_TEST(test_entries)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct entry doc[3];
	size_t added, updated, pruned;
	int64_t id;
	int moved;

	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, NOW, &id,
					&e),
			 0);
	doc[0] = item("1", "http://a/1", "One", "first");
	doc[1] = item("2", "http://a/2", "Two", "second");
	save(s, doc, 2, 100, &added, &updated);
	ck_assert_uint_eq(added, 2);
	/* the same document again: nothing new */
	save(s, doc, 2, 200, &added, &updated);
	ck_assert_uint_eq(added + updated, 0);
	/* an edit updates in place */
	doc[1].summary = (char *)"second, corrected";
	save(s, doc, 2, 300, &added, &updated);
	ck_assert_uint_eq(added, 0);
	ck_assert_uint_eq(updated, 1);
	/* the feed drops its guids: the links still say which is which */
	doc[0].id = doc[1].id = NULL;
	doc[2] = item(NULL, "http://a/3", "Three", "third");
	save(s, doc, 3, 400, &added, &updated);
	ck_assert_uint_eq(added, 1);
	ck_assert_uint_eq(updated, 0);

	/* only 3 is in the feed at 500; prune what left it before 450 */
	struct store_fetch_outcome o = {
		.feed_id = 1, .now = 500, .status = "ok", .succeeded = 1
	};
	save(s, &doc[2], 1, 500, &added, &updated);
	ck_assert_int_eq(store_fetch_record(s, &o, &moved, &e), 0);
	ck_assert_int_eq(store_prune(s, 450, 0, &pruned, &e), 0);
	ck_assert_uint_eq(pruned, 2);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM entries"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM entries"
			       " WHERE summary IS NULL"),
			 2);
	/* the emptied identities still stop a re-published old window */
	s = store_open(path, &e);
	save(s, doc, 3, 600, &added, &updated);
	ck_assert_uint_eq(added, 0);
	ck_assert_int_eq(store_prune(s, 450, 550, &pruned, &e), 0);
	store_close(s);
}
END_TEST

/*
 * No read outlives the call that made it. send's courier writes through a
 * connection of its own while the builder writes through the one fetch
 * used; a statement left on its row keeps its connection on an old view
 * of the file, and that connection's next write fails at once with
 * "database is locked" (it once stopped every run's prune after sending).
 * Each read of the fetch and send paths, then a write by another
 * connection, then a write by the first.
 */
struct stale_fixture {
	struct store *s;
	struct entry doc[1];
	int64_t digest_id;
	struct store_subscriber sub;
};

static void
read_entries_save(struct stale_fixture *f)
{
	size_t added, updated;

	/* the entry is known: its lookup finds a row */
	save(f->s, f->doc, 1, 300, &added, &updated);
	ck_assert_uint_eq(added, 0);
}

static void
read_entries_last_week(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	int64_t n = 0;

	ck_assert_int_eq(store_entries_last_week(f->s, 1, 300, &n, &e), 0);
	ck_assert_int_eq(n, 1);
}

static void
read_fetch_get(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	struct store_fetch got;

	ck_assert_int_eq(store_fetch_get(f->s, 1, &got, &e), 0);
	store_fetch_release(&got);
}

static int
first_news(const struct store_news *n, void *arg, struct err *e)
{
	(void)n;
	(void)arg;
	(void)e;
	return 1;
}

static void
read_news(struct stale_fixture *f)
{
	struct err e = ERR_INIT;

	ck_assert_int_eq(store_news_each(f->s, &f->sub, 1, first_news, NULL,
					 &e),
			 1);
}

static void
read_digest_has_slot(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	int has = 0;

	ck_assert_int_eq(store_digest_has_slot(f->s, f->sub.id, "s1", &has, &e),
			 0);
	ck_assert_int_eq(has, 1);
}

static void
read_digest_get(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	struct store_message got;

	ck_assert_int_eq(store_outbox_get(f->s, f->digest_id, &got, &e), 0);
	store_message_release(&got);
}

static void
read_digest_claim(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	int64_t ids[1];
	size_t n;

	ck_assert_int_eq(store_outbox_claim(f->s, STORE_OUTBOX_ALL, 1000, 1000,
					    2000, ids, 1, &n, &e),
			 0);
}

static void
read_fetch_claim(struct stale_fixture *f)
{
	struct err e = ERR_INIT;
	struct store_fetch got[1];
	size_t n;

	ck_assert_int_eq(store_fetch_claim(f->s, 1000, 1000, 1, 2000, got, 1,
					   &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	store_fetch_release(&got[0]);
}

START_TEST(test_no_read_outlives_its_call)
{
	static const struct {
		const char *what;
		void (*read)(struct stale_fixture *f);
	} reads[] = {
		{ "store_entries_save", read_entries_save },
		{ "store_entries_last_week", read_entries_last_week },
		{ "store_fetch_get", read_fetch_get },
		{ "store_news_each", read_news },
		{ "store_digest_has_slot", read_digest_has_slot },
		{ "store_outbox_get", read_digest_get },
		{ "store_outbox_claim", read_digest_claim },
		{ "store_fetch_claim", read_fetch_claim },
	};
	struct stale_fixture f = { 0 };
	struct store_digest_new d = { 0 };
	struct store *other;
	struct err e = ERR_INIT;
	char email[] = "a@example.org", url[64];
	int64_t id, entry_id = 1;
	size_t added, updated, pruned, i;

	f.s = store_open(path, &e);
	ck_assert_msg(f.s != NULL, "%s", e.msg);
	other = store_open(path, &e);
	ck_assert_msg(other != NULL, "%s", e.msg);
	ck_assert_int_eq(store_feed_add(f.s, "http://a/", NULL, NULL, NOW, &id,
					&e),
			 0);
	f.doc[0] = item("1", "http://a/1", "One", "first");
	save(f.s, f.doc, 1, 200, &added, &updated);
	f.sub.email = email;
	ck_assert_int_eq(store_subscriber_add(f.s, &f.sub, NOW, &f.sub.id, &e),
			 0);
	d.subscriber_id = f.sub.id;
	d.slot = "s1";
	d.message_id = "<1@example.org>";
	d.message = "Subject: x\r\n";
	d.len = 12;
	d.entry_ids = &entry_id;
	d.nentries = 1;
	d.now = 200;
	ck_assert_msg(store_digest_add(f.s, &d, &f.digest_id, &e) == 0, "%s",
		      e.msg);
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		reads[i].read(&f);
		snprintf(url, sizeof(url), "http://other/%zu", i);
		ck_assert_msg(store_feed_add(other, url, NULL, NULL, NOW, &id,
					     &e) == 0,
			      "%s", e.msg);
		ck_assert_msg(store_digest_prune(f.s, 0, &pruned, &e) == 0,
			      "after %s: %s", reads[i].what, e.msg);
		ck_assert_msg(store_feed_find(f.s, url, &id, &e) == 0,
			      "after %s: %s", reads[i].what, e.msg);
	}
	store_close(other);
	store_close(f.s);
}
END_TEST

START_TEST(test_redirect_after_three)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_fetch_outcome o = { .feed_id = 1,
					 .status = "ok",
					 .succeeded = 1,
					 .redirect_url = "http://new/",
					 .redirect_threshold = 3 };
	struct store_fetch f;
	int64_t id;
	int moved, i;

	ck_assert_int_eq(store_feed_add(s, "http://old/", NULL, NULL, NOW, &id,
					&e),
			 0);
	for (i = 1; i <= 3; i++) {
		o.now = i;
		ck_assert_int_eq(store_fetch_record(s, &o, &moved, &e), 0);
		ck_assert_int_eq(moved, i == 3);
	}
	ck_assert_int_eq(store_fetch_get(s, 1, &f, &e), 0);
	ck_assert_str_eq(f.url, "http://new/");
	store_fetch_release(&f);
	store_close(s);
}
END_TEST

START_TEST(test_redirect_interrupted)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_fetch_outcome o = { .feed_id = 1,
					 .status = "ok",
					 .succeeded = 1,
					 .redirect_threshold = 3 };
	const char *seen[] = { "http://new/", "http://new/", NULL,
			       "http://new/", "http://new/" };
	struct store_fetch f;
	int64_t id;
	int moved, i;

	ck_assert_int_eq(store_feed_add(s, "http://old/", NULL, NULL, NOW, &id,
					&e),
			 0);
	for (i = 0; i < 5; i++) {
		o.redirect_url = seen[i];
		ck_assert_int_eq(store_fetch_record(s, &o, &moved, &e), 0);
		ck_assert_int_eq(moved, 0);
	}
	ck_assert_int_eq(store_fetch_get(s, 1, &f, &e), 0);
	ck_assert_str_eq(f.url, "http://old/");
	ck_assert_int_eq(f.redirect_count, 2);
	store_fetch_release(&f);
	store_close(s);
}
END_TEST

struct listed {
	int n;
	char kind[16];
};

static int
list_kind(const struct store_outbox_row *row, void *arg, struct err *e)
{
	struct listed *l = arg;

	(void)e;
	l->n++;
	snprintf(l->kind, sizeof(l->kind), "%s", row->kind);
	return 0;
}

/* The operator's mail in the outbox: one report per kind and slot,
 * pending until marked, retried when its next attempt comes. */
START_TEST(test_reports)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_report_new r = { 0 };
	struct store_message got;
	struct listed listed;
	int64_t id = 0, id2, ids[2], fetch_at = -1, attempt_at = -1;
	size_t n = 0;
	int has = 1;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(fetch_at, 0);
	ck_assert_int_eq(attempt_at, 0);
	ck_assert_int_eq(store_report_has(s, "health", "2026-W48", &has, &e),
			 0);
	ck_assert_int_eq(has, 0);
	r.kind = "health";
	r.slot = "2026-W48";
	r.rcpt = "ops@example.org";
	r.message_id = "<a@example.org>";
	r.message = "Subject: x\r\n\r\nbody\r\n";
	r.len = strlen(r.message);
	r.now = 100;
	ck_assert_int_eq(store_report_add(s, &r, &id, &e), 0);
	r.message_id = "<b@example.org>";
	ck_assert_int_eq(store_report_add(s, &r, &id2, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(store_report_has(s, "health", "2026-W48", &has, &e),
			 0);
	ck_assert_int_eq(has, 1);
	/* a new one is due at once: 1, not 0 (none) */
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(attempt_at, 1);

	/* claimed, read and marked as any message of the outbox */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 100, 100, 200,
					    ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	ck_assert_int_eq(store_outbox_get(s, id, &got, &e), 0);
	ck_assert_str_eq(got.email, "ops@example.org");
	ck_assert_str_eq(got.kind, "health");
	ck_assert_str_eq(got.slot, "2026-W48");
	ck_assert_int_eq(got.subscriber_id, 0);
	ck_assert_int_eq(got.entries, 0);
	ck_assert_str_eq(got.message_id, "<a@example.org>");
	ck_assert_uint_eq(got.len, r.len);
	ck_assert_int_eq(memcmp(got.message, "Subject: x\r\n", 12), 0);
	store_message_release(&got);

	ck_assert_int_eq(store_outbox_mark(s, id, STORE_DIGEST_RETRY, "451 x",
					   100, 4000, &e),
			 0);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 3999, 3999,
					    4100, ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(attempt_at, 4000);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 4000, 4000,
					    4100, ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_outbox_get(s, id, &got, &e), 0);
	ck_assert_int_eq(got.attempts, 1);
	store_message_release(&got);
	ck_assert_int_eq(store_outbox_mark(s, id, STORE_DIGEST_SENT, "250 ok",
					   4000, 0, &e),
			 0);
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(attempt_at, 0);

	/* a failed one is listed, dropped and queued again by address */
	r.kind = "outage";
	r.slot = "1";
	r.message_id = "<c@example.org>";
	ck_assert_int_eq(store_report_add(s, &r, &id2, &e), 0);
	ck_assert_int_eq(store_outbox_mark(s, id2, STORE_DIGEST_FAILED,
					   "550 no", 4000, 0, &e),
			 0);
	listed.n = 0;
	ck_assert_int_eq(store_outbox_each(s, "OPS@example.org", list_kind,
					   &listed, &e),
			 0);
	ck_assert_int_eq(listed.n, 1);
	ck_assert_str_eq(listed.kind, "outage");
	ck_assert_int_eq(store_outbox_drop(s, "ops@example.org", &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_outbox_retry(s, "other@example.org", 5000, &n,
					    &e),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_outbox_retry(s, "ops@example.org", 5000, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 5000, 5000,
					    5100, ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id2);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE status ="
			       " 'sent' AND sent_at = 4000"),
			 1);
}
END_TEST

/* The quota's counts: mail of every kind sent since a time, the nth
 * oldest of it, and what is due. */
START_TEST(test_sent_since)
{
	static const int64_t sent_at[] = { 160, 100, 150 };
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_report_new r = { 0 };
	char slot[8], mid[32];
	int64_t id, n, at;
	size_t i;

	ck_assert_ptr_nonnull(s);
	r.kind = "health";
	r.rcpt = "ops@example.org";
	r.message = "Subject: x\r\n\r\nbody\r\n";
	r.len = strlen(r.message);
	r.now = 50;
	for (i = 0; i < 4; i++) {
		snprintf(slot, sizeof(slot), "%zu", i);
		snprintf(mid, sizeof(mid), "<q%zu@example.org>", i);
		r.slot = slot;
		r.message_id = mid;
		ck_assert_int_eq(store_report_add(s, &r, &id, &e), 0);
		if (i < 3)
			ck_assert_int_eq(store_outbox_mark(s, id,
							   STORE_DIGEST_SENT,
							   "250 ok", sent_at[i],
							   0, &e),
					 0);
	}
	ck_assert_int_eq(store_outbox_sent_since(s, 0, 0, &n, &at, &e), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(at, 100);
	ck_assert_int_eq(store_outbox_sent_since(s, 101, 1, &n, &at, &e), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(at, 160);
	/* fewer than nth + 1 */
	ck_assert_int_eq(store_outbox_sent_since(s, 101, 2, &n, &at, &e), 0);
	ck_assert_int_eq(at, 0);
	ck_assert_int_eq(store_outbox_sent_since(s, 161, 0, &n, &at, &e), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_ADMIN, 50, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_DIGESTS, 50, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 0);
	/* tried again later: not due before then */
	ck_assert_int_eq(store_outbox_mark(s, id, STORE_DIGEST_RETRY, "451 x",
					   60, 4000, &e),
			 0);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_ALL, 3999, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_ALL, 4000, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 1);
	store_close(s);
}
END_TEST

static int
collect_schedule(const char *schedule, const char *timezone, void *arg,
		 struct err *e)
{
	char *out = arg;
	size_t len = strlen(out);

	(void)e;
	snprintf(out + len, 200 - len, "%s/%s;", schedule ? schedule : "-",
		 timezone ? timezone : "-");
	return 0;
}

/* What a daemon sleeps until: the earliest enabled feed, the distinct
 * schedules. */
/* store_check's callback: counts the problems, keeps the first. */
struct problems {
	int n;
	char first[200];
};

static int
note_problem(const char *problem, void *arg, struct err *e)
{
	struct problems *p = arg;

	(void)e;
	if (!p->n++)
		snprintf(p->first, sizeof(p->first), "%s", problem);
	return 0;
}

START_TEST(test_check)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct problems p = { 0 };
	char url[64];
	int64_t id;
	FILE *f;
	long size;
	int i;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_check(s, note_problem, &p, &e), 0);
	ck_assert_int_eq(p.n, 0);
	/* enough feeds for pages past the schema's */
	for (i = 0; i < 400; i++) {
		snprintf(url, sizeof(url), "http://feeds.example/%d/feed.xml",
			 i);
		ck_assert_int_eq(store_feed_add(s, url, "A title long enough",
						NULL, NOW, &id, &e),
				 0);
	}
	store_close(s);
	/* the last page, overwritten: an index or table page */
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 8192);
	ck_assert_int_eq(fseek(f, size - 4096, SEEK_SET), 0);
	for (i = 0; i < 4096; i++)
		fputc(0x55, f);
	ck_assert_int_eq(fclose(f), 0);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_check(s, note_problem, &p, &e), 0);
	ck_assert_int_gt(p.n, 0);
	ck_assert_int_le(p.n, STORE_CHECK_MAX_PROBLEMS);
	store_close(s);
}
END_TEST

START_TEST(test_next_due)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	int64_t id, fetch_at, attempt_at;
	char seen[200] = "";

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, NOW, &id,
					&e),
			 0);
	ck_assert_int_eq(store_feed_add(s, "http://b/", NULL, NULL, NOW, &id,
					&e),
			 0);
	exec("UPDATE feeds SET next_fetch_at = 500 WHERE url = 'http://a/';"
	     "UPDATE feeds SET next_fetch_at = 300, enabled = 0"
	     " WHERE url = 'http://b/'");
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(fetch_at, 500);
	/* a new feed (next_fetch_at 0) is due at once */
	ck_assert_int_eq(store_feed_add(s, "http://c/", NULL, NULL, NOW, &id,
					&e),
			 0);
	ck_assert_int_eq(store_next_due(s, &fetch_at, &attempt_at, &e), 0);
	ck_assert_int_eq(fetch_at, 1);

	sub.email = (char *)"a@example.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	sub.email = (char *)"b@example.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	sub.email = (char *)"c@example.org";
	sub.schedule = (char *)"hourly";
	sub.timezone = (char *)"UTC";
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_schedules(s, collect_schedule, seen,
						    &e),
			 0);
	ck_assert_msg(!strcmp(seen, "-/-;hourly/UTC;") ||
			      !strcmp(seen, "hourly/UTC;-/-;"),
		      "%s", seen);
	store_close(s);
}
END_TEST

/* The size of the store's WAL file, 0 when there is none. */
static long long
wal_size(void)
{
	char wal[600];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &st) == 0 ? (long long)st.st_size : 0;
}

/* The outbox: a digest's message is recorded whole, read back whole, and
 * marking the digest does not write its message again. */
START_TEST(test_digest_outbox)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	struct store_message got;
	char email[] = "a@example.org";
	size_t len = 200 * 1024, i, n = 0;
	int64_t sid, id, ids[2];
	long long before;
	char *msg = malloc(len);

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(msg);
	for (i = 0; i < len; i++)
		msg[i] = (char)('a' + i * 7 % 26);
	sub.email = email;
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &sid, &e), 0);
	d.subscriber_id = sid;
	d.message_id = "<1@example.org>";
	d.message = msg;
	d.len = len;
	d.now = 100;
	ck_assert_msg(store_digest_add(s, &d, &id, &e) == 0, "%s", e.msg);
	/* the same Message-ID twice: refused, nothing recorded */
	ck_assert_int_eq(store_digest_add(s, &d, &sid, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_messages"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 100, 100, 200,
					    ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	/* claimed: not claimed again */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 100, 100, 200,
					    ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_outbox_get(s, id, &got, &e), 0);
	ck_assert_uint_eq(got.len, len);
	ck_assert(memcmp(got.message, msg, len) == 0);
	ck_assert_str_eq(got.email, "a@example.org");
	ck_assert_str_eq(got.message_id, "<1@example.org>");
	store_message_release(&got);
	/* a pending digest keeps its message, however old */
	ck_assert_int_eq(store_digest_prune(s, 1000, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	/* a mark writes a few pages, not the 50 of the message again
	 * (SQLite's WAL; PostgreSQL keeps a large bytea out of line) */
	before = is_pg() ? 0 : wal_size();
	ck_assert(is_pg() || before > (long long)len);
	ck_assert_int_eq(store_outbox_mark(s, id, STORE_DIGEST_SENT, "250 OK",
					   200, 0, &e),
			 0);
	ck_assert(is_pg() || wal_size() - before < (long long)len / 4);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 300, 300, 400,
					    ids, 2, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	/* read back after the mark: still whole */
	ck_assert_int_eq(store_outbox_get(s, id, &got, &e), 0);
	ck_assert_uint_eq(got.len, len);
	ck_assert(memcmp(got.message, msg, len) == 0);
	store_message_release(&got);
	ck_assert_int_eq(store_outbox_get(s, id + 1, &got, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	/* a sent message goes once old enough; the digest stays */
	ck_assert_int_eq(store_digest_prune(s, 200, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_digest_prune(s, 201, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_messages"), 0);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"
			       " WHERE status = 'sent' AND sent_at = 200"),
			 1);
	free(msg);
}
END_TEST

/* Version 5 kept a digest's message in its row: moving to 6 carries a
 * pending digest's message over, readable as before. */
START_TEST(test_migrates_digest_messages)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 5, &e);
	struct store_message got;

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	exec("INSERT INTO subscribers (id, email, created_at)"
	     " VALUES (1, 'a@b.c', 1);"
	     "INSERT INTO digests (id, subscriber_id, message_id, created_at,"
	     " message) VALUES (7, 1, '<7@b.c>', 2, CAST('Subject: x\r\n'"
	     " AS BLOB));");
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_outbox_get(s, 7, &got, &e), 0);
	ck_assert_uint_eq(got.len, 12);
	ck_assert_str_eq(got.message, "Subject: x\r\n");
	store_message_release(&got);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_messages"), 1);
}
END_TEST

/* Version 9 kept digests and reports apart: moving to 10 puts both in
 * one outbox, keeping ids of digests (their entries point at them),
 * messages, states and the once-per-slot guarantees. */
START_TEST(test_migrates_one_outbox)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 9, &e);
	struct store_report_new r = { 0 };
	struct store_message got;
	int64_t ids[4], id;
	size_t n = 0;
	int has = 0;

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	exec("INSERT INTO feeds (id, url, added_at) VALUES (1, 'http://a/', 1);"
	     "INSERT INTO entries (id, feed_id, ident, first_seen, last_seen)"
	     " VALUES (1, 1, 'g:1', 1, 1), (2, 1, 'g:2', 1, 1);"
	     "INSERT INTO subscribers (id, email, created_at)"
	     " VALUES (1, 'a@b.c', 1);"
	     "INSERT INTO digests (id, subscriber_id, slot, message_id,"
	     " created_at, status, attempts, next_attempt_at, reply)"
	     " VALUES (3, 1, '2026-11-26', '<3@b.c>', 2, 'pending', 2, 50,"
	     " '451 later'), (4, 1, '2026-11-27', '<4@b.c>', 3, 'failed', 1,"
	     " 0, '550 no');"
	     "INSERT INTO digest_messages VALUES (3, CAST('Subject: 3\r\n'"
	     " AS BLOB)), (4, CAST('Subject: 4\r\n' AS BLOB));"
	     "INSERT INTO deliveries VALUES (1, 1, 3), (1, 2, 4);"
	     "UPDATE digests SET dropped = 1 WHERE id = 4;"
	     "INSERT INTO reports (id, kind, slot, rcpt, message_id,"
	     " created_at, status, next_attempt_at, message, sent_at)"
	     " VALUES (1, 'health', '2026-W47', 'ops@b.c', '<h47@b.c>', 5,"
	     " 'sent', 0, CAST('Subject: h47\r\n' AS BLOB), 6),"
	     " (2, 'health', '2026-W48', 'ops@b.c', '<h48@b.c>', 7,"
	     " 'pending', 40, CAST('Subject: h48\r\n' AS BLOB), NULL);");

	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	/* the pending digest and the pending report, in id order */
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 100, 100, 200,
					    ids, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ids[0], 3);
	ck_assert_int_gt(ids[1], 4);
	ck_assert_int_eq(store_outbox_get(s, 3, &got, &e), 0);
	ck_assert_str_eq(got.kind, "digest");
	ck_assert_str_eq(got.email, "a@b.c");
	ck_assert_str_eq(got.message, "Subject: 3\r\n");
	ck_assert_int_eq(got.attempts, 2);
	ck_assert_int_eq(got.entries, 1);
	store_message_release(&got);
	ck_assert_int_eq(store_outbox_get(s, ids[1], &got, &e), 0);
	ck_assert_str_eq(got.kind, "health");
	ck_assert_str_eq(got.slot, "2026-W48");
	ck_assert_int_eq(got.subscriber_id, 0);
	ck_assert_str_eq(got.email, "ops@b.c");
	ck_assert_str_eq(got.message, "Subject: h48\r\n");
	store_message_release(&got);
	/* once per kind and slot, sent or pending */
	ck_assert_int_eq(store_report_has(s, "health", "2026-W47", &has, &e),
			 0);
	ck_assert_int_eq(has, 1);
	r.kind = "health";
	r.slot = "2026-W47";
	r.rcpt = "ops@b.c";
	r.message_id = "<again@b.c>";
	r.message = "x";
	r.len = 1;
	ck_assert_int_eq(store_report_add(s, &r, &id, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	/* the sent report's message goes as a digest's would */
	ck_assert_int_eq(store_digest_prune(s, 100, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_digest_count(s, "pending", &id, &e), 0);
	ck_assert_int_eq(id, 1);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM sqlite_master WHERE"
			       " name IN ('digests', 'reports',"
			       " 'digest_messages')"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE id = 4"
			       " AND status = 'failed' AND dropped = 1"
			       " AND reply = '550 no'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE"
			       " kind = 'health' AND status = 'sent'"
			       " AND sent_at = 6"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM deliveries"), 2);
	/* a digest still goes with its subscriber, entries and all */
	exec("PRAGMA foreign_keys = ON; DELETE FROM subscribers;");
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM deliveries"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_messages"), 1);
}
END_TEST

/* The ids of the entries store_news_each gives, as bits (1 << id). */
static int
news_mask(const struct store_news *n, void *arg, struct err *e)
{
	int64_t *mask = arg;

	(void)e;
	ck_assert_int_lt(n->id, 63);
	*mask |= (int64_t)1 << n->id;
	return 0;
}

/* The entries new to the subscriber email, as bits (1 << id). */
static int64_t
news_of(struct store *s, const char *email)
{
	struct err e = ERR_INIT;
	struct store_subscriber sub;
	int64_t mask = 0;

	ck_assert_msg(store_subscriber_by_email(s, email, &sub, &e) == 0, "%s",
		      e.msg);
	ck_assert_msg(store_news_each(s, &sub, 0, news_mask, &mask, &e) == 0,
		      "%s", e.msg);
	store_subscriber_release(&sub);
	return mask;
}

#define BIT(id) ((int64_t)1 << (id))

/* What is new to a subscriber follows the store's order of entries, not
 * the clock: a subscriber added in the second of a fetch gets none of it,
 * an entry stored in that second just after reaches them, and so does one
 * the clock put before them. A digest records the highest position its
 * selection saw; a position is never given twice. */
START_TEST(test_sequence)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	struct entry doc[2];
	char a[] = "a@example.org", b[] = "b@example.org";
	int64_t id, ids[2] = { 3, 4 };
	size_t added, updated;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, 100, &id,
					&e),
			 0);
	doc[0] = item("1", "http://a/1", "One", NULL);
	doc[1] = item("2", "http://a/2", "Two", NULL);
	save(s, doc, 2, 100, &added, &updated);
	ck_assert_uint_eq(added, 2);
	sub.email = a;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 100, &id, &e), 0);
	ck_assert_int_eq(count("SELECT start_seq FROM subscribers"
			       " WHERE email = 'a@example.org'"),
			 2);
	ck_assert_int_eq(news_of(s, a), 0);
	/* the same second, just after; then a clock gone back */
	doc[0] = item("3", "http://a/3", "Three", NULL);
	save(s, doc, 1, 100, &added, &updated);
	doc[0] = item("4", "http://a/4", "Four", NULL);
	save(s, doc, 1, 99, &added, &updated);
	ck_assert_int_eq(news_of(s, a), BIT(3) | BIT(4));

	d.subscriber_id = id;
	d.message_id = "<1@example.org>";
	d.message = "Subject: x\r\n";
	d.len = 12;
	d.entry_ids = ids;
	d.nentries = 2;
	d.covered_seq = 4;
	d.now = 100;
	ck_assert_msg(store_digest_add(s, &d, &id, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(news_of(s, a), 0);
	ck_assert_int_eq(count("SELECT covered_seq FROM outbox"
			       " WHERE message_id = '<1@example.org>'"),
			 4);
	/* a digest that could not be built saw nothing it recorded */
	d.message_id = "<2@example.org>";
	d.failure = "no";
	d.covered_seq = 0;
	ck_assert_msg(store_digest_add(s, &d, &id, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE"
			       " message_id = '<2@example.org>'"
			       " AND covered_seq IS NULL"),
			 1);

	/* b starts after 4; 4 goes (a feed removed, pruning): the next
	 * entry is still after b's start, not 4 again */
	sub.email = b;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 50, &id, &e), 0);
	exec("DELETE FROM entries WHERE id = 4");
	doc[0] = item("5", "http://a/5", "Five", NULL);
	save(s, doc, 1, 50, &added, &updated);
	ck_assert_int_eq(count("SELECT max(id) FROM entries"), 5);
	ck_assert_int_eq(news_of(s, b), BIT(5));
	ck_assert_int_eq(news_of(s, a), BIT(5));
	store_close(s);
}
END_TEST

/* Version 10 decided by the clock (first_seen >= created_at): moving to
 * 11 gives each subscriber the start that selects the same entries, so
 * that the first digest after it holds exactly what it would have. */
START_TEST(test_migrates_start_seq)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 10, &e);

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	/* entries 2 and 3 in the very second a@ subscribed; b@ before all,
	 * c@ after all, d@ between 1 and 2; 3 already went to a@ */
	exec("INSERT INTO feeds (id, url, added_at) VALUES (1, 'http://a/', 1);"
	     "INSERT INTO entries (id, feed_id, ident, first_seen, last_seen)"
	     " VALUES (1, 1, 'g:1', 90, 90), (2, 1, 'g:2', 100, 100),"
	     " (3, 1, 'g:3', 100, 100), (4, 1, 'g:4', 110, 110);"
	     "INSERT INTO subscribers (id, email, created_at) VALUES"
	     " (1, 'a@b.c', 100), (2, 'b@b.c', 50), (3, 'c@b.c', 200),"
	     " (4, 'd@b.c', 95);"
	     "INSERT INTO outbox (id, kind, subscriber_id, message_id,"
	     " created_at, status) VALUES (7, 'digest', 1, '<7@b.c>', 100,"
	     " 'sent');"
	     "INSERT INTO deliveries VALUES (1, 3, 7);");

	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(news_of(s, "a@b.c"), BIT(2) | BIT(4));
	ck_assert_int_eq(news_of(s, "b@b.c"),
			 BIT(1) | BIT(2) | BIT(3) | BIT(4));
	ck_assert_int_eq(news_of(s, "c@b.c"), 0);
	ck_assert_int_eq(news_of(s, "d@b.c"), BIT(2) | BIT(3) | BIT(4));
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM subscribers WHERE"
			       " start_seq = CASE id WHEN 1 THEN 1 WHEN 2"
			       " THEN 0 WHEN 3 THEN 4 ELSE 1 END"),
			 4);
	/* ids kept, never given again; deliveries kept, still cascading */
	ck_assert_int_eq(count("SELECT seq FROM sqlite_sequence"
			       " WHERE name = 'entries'"),
			 4);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE id = 7"
			       " AND covered_seq IS NULL"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM deliveries"
			       " WHERE entry_id = 3"),
			 1);
	exec("PRAGMA foreign_keys = ON; DELETE FROM entries WHERE id = 3;");
	ck_assert_int_eq(count("SELECT count(*) FROM deliveries"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM entries"), 3);
}
END_TEST

/* Version 12 adds the pause: every subscriber there is stays active,
 * with everything else as it was. */
START_TEST(test_migrates_pause)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 11, &e);
	struct store_subscriber got;

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	exec("INSERT INTO subscribers (id, email, name, created_at, token,"
	     " start_seq) VALUES (1, 'a@b.c', 'A', 100, 'abc', 7)");
	/* read back by this program: migrated to the end */
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_subscriber_by_email(s, "a@b.c", &got, &e), 0);
	ck_assert_int_eq(got.paused_at, 0);
	ck_assert_int_eq(got.paused_until, 0);
	ck_assert_int_eq(store_subscriber_paused(&got, 1000), 0);
	ck_assert_str_eq(got.name, "A");
	ck_assert_str_eq(got.token, "abc");
	ck_assert_int_eq(got.created_at, 100);
	/* 13 -> 14: one the admin added, not waiting for a confirmation */
	ck_assert_int_eq(got.pending_since, 0);
	ck_assert_int_eq(got.unsubscribed_at, 0);
	ck_assert_int_eq(store_subscriber_receives(&got, 1000), 1);
	store_subscriber_release(&got);
	store_close(s);
	ck_assert_int_eq(count("SELECT start_seq FROM subscribers"), 7);
}
END_TEST

/* A store has a secret for tokens from the start, 32 random bytes of its
 * own; rotating it makes another. */
START_TEST(test_secret)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e), *t;
	unsigned char a[64], b[64];
	size_t alen, blen;
	char other[512];

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_secret(s, "token", a, sizeof(a), &alen, &e), 0);
	ck_assert_uint_eq(alen, 32);
	ck_assert_int_eq(store_secret_rotate(s, "token", 2000, &e), 0);
	ck_assert_int_eq(store_secret(s, "token", b, sizeof(b), &blen, &e), 0);
	ck_assert_uint_eq(blen, 32);
	ck_assert(memcmp(a, b, 32) != 0);
	ck_assert_int_eq(store_secret(s, "nope", b, sizeof(b), &blen, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	ck_assert_int_eq(store_secret(s, "token", b, 16, &blen, &e), -1);
	store_close(s);
	/* another store, another secret */
	other_store("other", other, sizeof(other));
	t = store_open(other, &e);
	ck_assert_msg(t != NULL, "%s", e.msg);
	ck_assert_int_eq(store_secret(t, "token", a, sizeof(a), &alen, &e), 0);
	ck_assert(memcmp(a, b, 32) != 0);
	store_close(t);
}
END_TEST

/* Unsubscribing keeps the subscriber, drops their pending digest, and
 * refuses one built meanwhile; the sent one stays as it was. */
START_TEST(test_unsubscribe)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { .email = (char *)"u@x.org" }, got;
	struct store_digest_new d = { .slot = "s1",
				      .message_id = "<1@x>",
				      .message = "m",
				      .len = 1,
				      .now = 10 };
	int64_t id, digest;
	int changed;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	d.subscriber_id = id;
	ck_assert_int_eq(store_digest_add(s, &d, &digest, &e), 0);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id, 20, &changed, &e),
			 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE"
			       " status = 'pending'"),
			 0);
	ck_assert_int_eq(count("SELECT dropped FROM outbox"), 1);
	ck_assert_int_eq(store_subscriber_by_email(s, "u@x.org", &got, &e), 0);
	ck_assert_int_eq(got.unsubscribed_at, 20);
	ck_assert_int_eq(store_subscriber_receives(&got, 30), 0);
	store_subscriber_release(&got);
	/* again: as it was */
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id, 30, &changed, &e),
			 0);
	ck_assert_int_eq(changed, 0);
	d.slot = "s2";
	d.message_id = "<2@x>";
	ck_assert_int_eq(store_digest_add(s, &d, &digest, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, "has unsubscribed") != NULL, "%s", e.msg);
	/* a slot whose digest is there already: nothing to record, as when
	 * another run built it */
	e = (struct err)ERR_INIT;
	d.slot = "s1";
	d.message_id = "<3@x>";
	ck_assert_int_eq(store_digest_add(s, &d, &digest, &e), 0);
	ck_assert_int_eq(digest, 0);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id + 1, 30, &changed,
						      &e),
			 -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	store_close(s);
}
END_TEST

/* Collects consents' sources and times, for test_confirm. */
struct seen_consents {
	char sources[8][16];
	int64_t at[8];
	char ip[8][64];
	int n;
};

static int
see_consent(const struct store_consent *c, void *arg, struct err *e)
{
	struct seen_consents *seen = arg;

	(void)e;
	if (seen->n < 8) {
		snprintf(seen->sources[seen->n], 16, "%s", c->source);
		snprintf(seen->ip[seen->n], 64, "%s", c->ip ? c->ip : "-");
		seen->at[seen->n++] = c->given_at;
	}
	return 0;
}

/* A subscriber added waiting for their confirmation gets nothing until
 * they confirm; confirming records the consent, once, in the same
 * transaction, and starts them anew. */
START_TEST(test_confirm)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { .email = (char *)"p@x.org",
					.pending_since = 10 },
				got;
	struct store_consent c = { .email = (char *)"p@x.org",
				   .given_at = 50,
				   .source = STORE_CONSENT_WEB,
				   .ip = "192.0.2.7",
				   .wording = "2026-12",
				   .lang = "fr" };
	struct seen_consents seen = { 0 };
	int64_t id;
	int changed;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, "p@x.org", &got, &e), 0);
	ck_assert_int_eq(got.pending_since, 10);
	ck_assert_str_eq(store_subscriber_state(&got, 20), "pending");
	ck_assert_int_eq(store_subscriber_receives(&got, 20), 0);
	store_subscriber_release(&got);
	ck_assert_int_eq(store_subscriber_confirm_sent(s, id, 11, &e), 0);
	ck_assert_int_eq(count("SELECT confirm_sent_at FROM subscribers"), 11);
	ck_assert_int_eq(store_subscriber_confirm(s, id, &c, &changed, &e), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_subscriber_by_email(s, "p@x.org", &got, &e), 0);
	ck_assert_int_eq(got.pending_since, 0);
	ck_assert_int_eq(got.created_at, 50);
	ck_assert_str_eq(store_subscriber_state(&got, 60), "active");
	store_subscriber_release(&got);
	/* confirmed twice (the page reloaded): no change, no second
	 * consent */
	c.given_at = 70;
	ck_assert_int_eq(store_subscriber_confirm(s, id, &c, &changed, &e), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(store_consent_each(s, id, see_consent, &seen, &e), 0);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.sources[0], "web");
	ck_assert_str_eq(seen.ip[0], "192.0.2.7");
	ck_assert_int_eq(seen.at[0], 50);
	ck_assert_int_eq(count("SELECT count(*) FROM consents WHERE"
			       " wording = '2026-12' AND lang = 'fr'"
			       " AND email = 'p@x.org'"),
			 1);
	/* unknown: nothing recorded */
	ck_assert_int_eq(store_subscriber_confirm(s, id + 1, &c, &changed, &e),
			 -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	e = (struct err)ERR_INIT;
	c.subscriber_id = id + 1;
	ck_assert_int_eq(store_consent_add(s, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(count("SELECT count(*) FROM consents"), 1);
	/* the admin's add */
	e = (struct err)ERR_INIT;
	c.subscriber_id = id;
	c.source = STORE_CONSENT_ADMIN;
	c.ip = NULL;
	c.email = NULL;
	ck_assert_int_eq(store_consent_add(s, &c, &e), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM consents WHERE"
			       " source = 'admin' AND ip IS NULL"
			       " AND email = 'p@x.org'"),
			 1);
	store_close(s);
}
END_TEST

/* An address that unsubscribed is refused by add, saying since when; it
 * comes back through its own confirmation or the admin's --resubscribe,
 * starting anew. */
START_TEST(test_suppression)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { .email = (char *)"u@x.org" }, got;
	struct store_consent c = { .given_at = 3000000,
				   .source = STORE_CONSENT_WEB };
	int64_t id, again;
	int changed;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id, 86400 * 20,
						      &changed, &e),
			 0);
	sub.email = (char *)"U@X.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, 86400 * 30, &again, &e),
			 -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_msg(strstr(e.msg, "unsubscribed on 1970-01-21") != NULL, "%s",
		      e.msg);
	ck_assert_msg(strstr(e.msg, "--resubscribe") != NULL, "%s", e.msg);
	/* one still there is only there */
	e = (struct err)ERR_INIT;
	sub.email = (char *)"v@x.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &again, &e), 0);
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &again, &e), -1);
	ck_assert_msg(strstr(e.msg, "already exists") != NULL, "%s", e.msg);
	/* the admin's word: not for one subscribed */
	ck_assert_int_eq(store_subscriber_resubscribe(s, again, 40, 0, &changed,
						      &e),
			 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(store_subscriber_resubscribe(s, id, 3000000, 1,
						      &changed, &e),
			 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_subscriber_by_email(s, "u@x.org", &got, &e), 0);
	ck_assert_int_eq(got.unsubscribed_at, 0);
	ck_assert_int_eq(got.pending_since, 3000000);
	ck_assert_int_eq(got.created_at, 3000000);
	store_subscriber_release(&got);
	/* an old confirmation link brings back nobody who unsubscribed:
	 * nothing changes, nothing is recorded */
	ck_assert_int_eq(store_subscriber_confirm(s, id, &c, &changed, &e), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id, 3000010, &changed,
						      &e),
			 0);
	c.given_at = 3000015;
	ck_assert_int_eq(store_subscriber_confirm(s, id, &c, &changed, &e), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(store_subscriber_by_email(s, "u@x.org", &got, &e), 0);
	ck_assert_str_eq(store_subscriber_state(&got, 3000016), "unsubscribed");
	store_subscriber_release(&got);
	ck_assert_int_eq(count("SELECT count(*) FROM consents"), 1);
	/* asked again: waiting, still unsubscribed until they confirm */
	ck_assert_int_eq(store_subscriber_ask(s, id, 3000018, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, "u@x.org", &got, &e), 0);
	ck_assert_int_eq(got.pending_since, 3000018);
	ck_assert_str_eq(store_subscriber_state(&got, 3000019), "unsubscribed");
	ck_assert_int_eq(store_subscriber_receives(&got, 3000019), 0);
	store_subscriber_release(&got);
	ck_assert_int_eq(store_subscriber_ask(s, id + 100, 3000018, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	e = (struct err)ERR_INIT;
	/* then their own confirmation clears the unsubscription */
	c.given_at = 3000020;
	ck_assert_int_eq(store_subscriber_confirm(s, id, &c, &changed, &e), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(store_subscriber_by_email(s, "u@x.org", &got, &e), 0);
	ck_assert_str_eq(store_subscriber_state(&got, 3000030), "active");
	ck_assert_int_eq(got.created_at, 3000020);
	store_subscriber_release(&got);
	store_close(s);
}
END_TEST

/* status counts each state; run forgets those never confirmed. */
START_TEST(test_states_and_forget)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	struct store_subscriber_counts n;
	int64_t ids[6];
	const char *emails[] = { "a@x.org", "b@x.org", "c@x.org",
				 "d@x.org", "e@x.org", "f@x.org" };
	int changed, i;
	size_t gone;

	ck_assert_msg(s != NULL, "%s", e.msg);
	for (i = 0; i < 6; i++) {
		sub.email = (char *)emails[i];
		/* c and d wait: c since 100, d since 1000 */
		sub.pending_since = i == 2 ? 100 : i == 3 ? 1000 : 0;
		ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &ids[i], &e),
				 0);
	}
	ck_assert_int_eq(store_subscriber_pause(s, ids[4], 50, 0, &e), 0);
	ck_assert_int_eq(store_subscriber_pause(s, ids[1], 50, 500, &e), 0);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, ids[5], 60, &changed,
						      &e),
			 0);
	ck_assert_int_eq(store_subscriber_count(s, 400, &n, &e), 0);
	ck_assert_int_eq(n.active, 1);
	ck_assert_int_eq(n.paused, 2);
	ck_assert_int_eq(n.pending, 2);
	ck_assert_int_eq(n.unsubscribed, 1);
	/* b's pause ended at 500 */
	ck_assert_int_eq(store_subscriber_count(s, 600, &n, &e), 0);
	ck_assert_int_eq(n.active, 2);
	ck_assert_int_eq(n.paused, 1);
	ck_assert_int_eq(store_subscriber_forget_pending(s, 500, &gone, &e), 0);
	ck_assert_uint_eq(gone, 1);
	ck_assert_int_eq(store_subscriber_count(s, 600, &n, &e), 0);
	ck_assert_int_eq(n.pending, 1);
	ck_assert_int_eq(n.unsubscribed, 1);
	ck_assert_int_eq(store_subscriber_by_email(s, "c@x.org", &sub, &e), -1);
	ck_assert_int_eq(count("SELECT count(*) FROM subscribers"), 5);
	store_close(s);
}
END_TEST

/* A confirmation (kind "confirm", no subscriber) rides with the digests,
 * since a person waits for it: claimed and counted in their box, not in
 * the admin's. */
START_TEST(test_confirm_box)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_report_new r = { .kind = "confirm",
				      .slot = "p@x.org@2026-12-08T01",
				      .rcpt = "p@x.org",
				      .message_id = "<c1@x.org>",
				      .message = "Subject: c\r\n\r\nc\r\n",
				      .now = 100 };
	int64_t id, ids[4], n;
	size_t got;

	ck_assert_msg(s != NULL, "%s", e.msg);
	r.len = strlen(r.message);
	ck_assert_int_eq(store_report_add(s, &r, &id, &e), 0);
	r.kind = "health";
	r.slot = "2026-W50";
	r.rcpt = "ops@x.org";
	r.message_id = "<h1@x.org>";
	ck_assert_int_eq(store_report_add(s, &r, &ids[0], &e), 0);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_DIGESTS, 100,
						&n, &e),
			 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_ADMIN, 100, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_outbox_due_count(s, STORE_OUTBOX_ALL, 100, &n,
						&e),
			 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_DIGESTS, 100, 100,
					    200, ids, 4, &got, &e),
			 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_eq(ids[0], id);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ADMIN, 100, 100,
					    200, ids, 4, &got, &e),
			 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_ne(ids[0], id);
	store_close(s);
}
END_TEST

/* The names of struct store_ops' fields, in order, read from backend.h
 * (each a pointer to a function, "(*name)(", outside any other
 * parentheses: a callback among the parameters is not one): their
 * number. */
static size_t
ops_names(char names[][64], size_t max)
{
	char file[600], *text, *at, *end;
	size_t n = 0, len;
	int depth = 0;

	snprintf(file, sizeof(file), "%s/src/store/backend.h", SRCDIR);
	text = testutil_read_file(file, NULL);
	at = strstr(text, "struct store_ops {");
	ck_assert_ptr_nonnull(at);
	end = strstr(at, "\n};");
	ck_assert_ptr_nonnull(end);
	for (; at < end; at++) {
		if (*at == ')') {
			depth--;
		} else if (*at == '(' && depth++ == 0 && at[1] == '*') {
			len = strcspn(at + 2, ")");
			ck_assert_uint_lt(n, max);
			ck_assert_uint_lt(len, 64);
			snprintf(names[n++], 64, "%.*s", (int)len, at + 2);
		}
	}
	free(text);
	return n;
}

/* Every operation of a backend is set: store.c calls through the table
 * without looking, and a NULL one would crash on that backend alone. */
static void
ops_complete(const char *backend, const struct store_ops *ops)
{
	char names[128][64];
	size_t i, n = sizeof(*ops) / sizeof(void (*)(void));
	void (*op)(void);

	/* each field a function pointer: as many as backend.h names */
	ck_assert_uint_eq(sizeof(*ops) % sizeof(void (*)(void)), 0);
	ck_assert_uint_eq(ops_names(names, 128), n);
	for (i = 0; i < n; i++) {
		memcpy(&op, (const char *)ops + i * sizeof(op), sizeof(op));
		ck_assert_msg(op != NULL, "%s: no %s (NULL in its table)",
			      backend, names[i]);
	}
}

START_TEST(test_ops_complete)
{
	ops_complete("store_sqlite_ops", &store_sqlite_ops);
#ifdef HAVE_LIBPQ
	ops_complete("store_pg_ops", &store_pg_ops);
#endif
}
END_TEST

/*
 * store copy: the description of the tables (store/tables.h) against
 * the backend's catalog, and a copy, verified.
 */

struct schema_seen {
	int pg;
	size_t columns; /* of the description, seen */
	size_t pg_only; /* pg's own columns, seen */
};

static int
own_table(const char *table)
{
	size_t i;

	for (i = 0; store_tables_own[i]; i++)
		if (!strcmp(store_tables_own[i], table))
			return 1;
	return 0;
}

static int
schema_column(const char *table, const char *column, void *arg, struct err *e)
{
	struct schema_seen *seen = arg;
	const struct store_table *t = store_table_find(table);
	size_t i;

	(void)e;
	if (!t) {
		ck_assert_msg(own_table(table),
			      "table '%s' is not in store/tables.c", table);
		return 0;
	}
	for (i = 0; i < t->n_columns; i++)
		if (!strcmp(t->columns[i].name, column)) {
			seen->columns++;
			return 0;
		}
	for (i = 0; seen->pg && t->pg_only && t->pg_only[i]; i++)
		if (!strcmp(t->pg_only[i], column)) {
			seen->pg_only++;
			return 0;
		}
	ck_abort_msg("column '%s.%s' is not in store/tables.c", table, column);
	return 0;
}

/* Every table and column the schema has is in the description, and
 * every one it names is in the schema: a migration that adds one fails
 * here until store copy carries it. */
START_TEST(test_tables_complete)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct schema_seen seen = { is_pg(), 0, 0 };
	size_t i, j, columns = 0, pg_only = 0;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_msg(store_schema_each(s, schema_column, &seen, &e) == 0, "%s",
		      e.msg);
	store_close(s);
	for (i = 0; i < store_n_tables; i++) {
		columns += store_tables[i].n_columns;
		ck_assert_uint_le(store_tables[i].n_columns, STORE_MAX_COLUMNS);
		for (j = 0;
		     store_tables[i].pg_only && store_tables[i].pg_only[j]; j++)
			pg_only++;
	}
	ck_assert_uint_le(store_n_tables, STORE_COPY_MAX_TABLES);
	ck_assert_uint_eq(seen.columns, columns);
	ck_assert_uint_eq(seen.pg_only, seen.pg ? pg_only : 0);
}
END_TEST

/* A store with a row in every table: feeds with tags, entries (the
 * newest deleted: its id is not given again), subscribers with tags and
 * consents, a digest whose message has a NUL byte, an outage. */
static void
fill_store(struct store *s)
{
	struct err e = ERR_INIT;
	char *tag = (char *)"Isère";
	struct store_tags tags = { &tag, 1 };
	struct store_subscriber sub = { .email = (char *)"a@x.org",
					.tags = { &tag, 1 } };
	struct store_consent c = { .email = "a@x.org",
				   .given_at = 5,
				   .source = STORE_CONSENT_ADMIN };
	int64_t feed, id, entries[] = { 1, 2 };
	struct store_digest_new d = { .slot = "s1",
				      .message_id = "<1@x>",
				      .message = "m\0n",
				      .len = 3,
				      .entry_ids = entries,
				      .nentries = 2,
				      .covered_seq = 2,
				      .now = 10 };

	ck_assert_msg(store_feed_add(s, "http://Host.example/f", "F", &tags, 1,
				     &feed, &e) == 0,
		      "%s", e.msg);
	exec("INSERT INTO entries (feed_id, ident, title, first_seen,"
	     " last_seen) VALUES (1, 'a', 'A', 1, 1), (1, 'b', NULL, 2, 2),"
	     " (1, 'c', 'C', 3, 3)");
	exec("DELETE FROM entries WHERE ident = 'c'");
	ck_assert_msg(store_subscriber_add(s, &sub, 1, &id, &e) == 0, "%s",
		      e.msg);
	c.subscriber_id = id;
	ck_assert_msg(store_consent_add(s, &c, &e) == 0, "%s", e.msg);
	d.subscriber_id = id;
	ck_assert_msg(store_digest_add(s, &d, &id, &e) == 0, "%s", e.msg);
	ck_assert_msg(store_outage_note(s, 20, "down", 1, &e) == 0, "%s",
		      e.msg);
}

/* Copies path's store to a new one at to and checks what it holds. */
static void
copy_to(const char *to)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e), *t;
	struct store_copy_count counts[STORE_COPY_MAX_TABLES];
	unsigned char a[64], b[64];
	size_t i, n, alen, blen;
	struct store_message m;
	int64_t id;

	ck_assert_msg(s != NULL, "%s", e.msg);
	t = store_open(to, &e);
	ck_assert_msg(t != NULL, "%s", e.msg);
	ck_assert_msg(store_copy(s, t, counts, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, store_n_tables);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(counts[i].table, store_tables[i].name);
		ck_assert_msg(counts[i].source > 0, "%s: empty",
			      counts[i].table);
		ck_assert_int_eq(counts[i].source, counts[i].target);
	}
	/* the same secret, the same message, byte for byte */
	ck_assert_int_eq(store_secret(s, "token", a, sizeof(a), &alen, &e), 0);
	ck_assert_int_eq(store_secret(t, "token", b, sizeof(b), &blen, &e), 0);
	ck_assert_uint_eq(alen, blen);
	ck_assert(!memcmp(a, b, alen));
	ck_assert_msg(store_outbox_get(t, 1, &m, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(m.len, 3);
	ck_assert(!memcmp(m.message, "m\0n", 3));
	store_message_release(&m);
	/* ids go on after the source's: the deleted entry's too */
	ck_assert_msg(store_feed_add(t, "http://y/f", NULL, NULL, 1, &id, &e) ==
			      0,
		      "%s", e.msg);
	ck_assert_int_eq(id, 2);
	/* a second copy is refused, and writes nothing */
	e = (struct err)ERR_INIT;
	ck_assert_int_eq(store_copy(s, t, counts, &n, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_msg(strstr(e.msg, "feeds (2)") &&
			      strstr(e.msg, "entries (2)"),
		      "%s", e.msg);
	store_close(t);
	store_close(s);
}

START_TEST(test_copy)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	char other[512], file[512];

	ck_assert_msg(s != NULL, "%s", e.msg);
	fill_store(s);
	store_close(s);
	/* to the same backend, and (from PostgreSQL) to SQLite */
	other_store("copy", other, sizeof(other));
	copy_to(other);
	snprintf(file, sizeof(file), "%s/copy-file.db", dir);
	if (is_pg())
		copy_to(file);
}
END_TEST

/* 12 -> 13: the sent mail indexed by time, for the quota's count. */
START_TEST(test_migrates_sent_index)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 12, &e);

	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	ck_assert_int_eq(
		count("SELECT count(*) FROM pragma_index_list('outbox')"
		      " WHERE name = 'outbox_sent' AND partial"),
		0);
	s = store_open_version(path, 13, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), 13);
	store_close(s);
	ck_assert_int_eq(
		count("SELECT count(*) FROM pragma_index_list('outbox')"
		      " WHERE name = 'outbox_sent' AND partial"),
		1);
}
END_TEST

/* An edit replaces what the subscriber reads and how, and keeps who
 * they are: address, start, token and the entries already delivered. */
START_TEST(test_subscriber_update)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 }, got, again;
	char a[] = "a@example.org", n[] = "Ann", l[] = "fr", t1[] = "news",
	     t2[] = "Isère", w[] = "rugby", sch[] = "hourly";
	char *tags[] = { t1, t2 }, *words[] = { w };
	int64_t id;

	ck_assert_ptr_nonnull(s);
	sub.email = a;
	sub.tags.items = tags;
	sub.tags.n = 1;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &got, &e), 0);
	exec("UPDATE subscribers SET start_seq = 42");

	sub.id = id;
	sub.name = n;
	sub.lang = l;
	sub.schedule = sch;
	sub.tags.n = 2;
	sub.exclude.items = words;
	sub.exclude.n = 1;
	ck_assert_msg(store_subscriber_update(s, &sub, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &again, &e), 0);
	ck_assert_str_eq(again.name, "Ann");
	ck_assert_str_eq(again.lang, "fr");
	ck_assert_str_eq(again.schedule, "hourly");
	ck_assert_ptr_null(again.timezone);
	ck_assert_uint_eq(again.tags.n, 2);
	ck_assert_str_eq(again.tags.items[1], "Isère");
	ck_assert_uint_eq(again.exclude.n, 1);
	ck_assert_uint_eq(again.include.n, 0);
	ck_assert_int_eq(again.created_at, 10);
	ck_assert_str_eq(again.token, got.token);
	store_subscriber_release(&again);
	ck_assert_int_eq(count("SELECT start_seq FROM subscribers"), 42);

	/* back to none: every feed, the defaults */
	memset(&sub, 0, sizeof(sub));
	sub.id = id;
	sub.email = a;
	ck_assert_int_eq(store_subscriber_update(s, &sub, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &again, &e), 0);
	ck_assert_ptr_null(again.name);
	ck_assert_uint_eq(again.tags.n, 0);
	ck_assert_uint_eq(again.exclude.n, 0);
	store_subscriber_release(&again);

	sub.id = id + 1;
	ck_assert_int_eq(store_subscriber_update(s, &sub, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	store_subscriber_release(&got);
	store_close(s);
}
END_TEST

/* A subscriber's tags find their feeds without regard to case or
 * accents, as --include words match: "isere" reads the feed tagged
 * "Isère", not the one tagged "Isar". */
START_TEST(test_tags_fold)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	char a[] = "a@example.org", t[] = "ISERE";
	char t1[] = "Isère", t2[] = "Isar";
	char *tags[] = { t }, *tags1[] = { t1 }, *tags2[] = { t2 };
	struct store_tags isere = { tags1, 1 }, isar = { tags2, 1 };
	int64_t id;

	ck_assert_ptr_nonnull(s);
	sub.email = a;
	sub.tags.items = tags;
	sub.tags.n = 1;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, &isere, 1, &id,
					&e),
			 0);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(store_feed_add(s, "http://b/", NULL, &isar, 1, &id,
					&e),
			 0);
	exec("INSERT INTO entries (id, feed_id, ident, first_seen, last_seen)"
	     " VALUES (1, 1, 'g:1', 90, 90), (2, 2, 'g:2', 90, 90);");
	ck_assert_int_eq(news_of(s, a), BIT(1));
	store_close(s);
}
END_TEST

/* A pause has a start and, or not, an end; resuming forgets both. */
START_TEST(test_subscriber_pause)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 }, got;
	char a[] = "a@example.org";
	int64_t id;

	ck_assert_ptr_nonnull(s);
	sub.email = a;
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	ck_assert_int_eq(store_subscriber_pause(s, id, 100, 200, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &got, &e), 0);
	ck_assert_int_eq(got.paused_at, 100);
	ck_assert_int_eq(got.paused_until, 200);
	ck_assert_int_eq(store_subscriber_paused(&got, 150), 1);
	ck_assert_int_eq(store_subscriber_paused(&got, 199), 1);
	ck_assert_int_eq(store_subscriber_paused(&got, 200), 0);
	store_subscriber_release(&got);

	ck_assert_int_eq(store_subscriber_pause(s, id, 100, 0, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &got, &e), 0);
	ck_assert_int_eq(store_subscriber_paused(&got, 1LL << 40), 1);
	store_subscriber_release(&got);

	ck_assert_int_eq(store_subscriber_pause(s, id, 0, 500, &e), 0);
	ck_assert_int_eq(store_subscriber_by_email(s, a, &got, &e), 0);
	ck_assert_int_eq(got.paused_at, 0);
	ck_assert_int_eq(got.paused_until, 0);
	ck_assert_int_eq(store_subscriber_paused(&got, 150), 0);
	store_subscriber_release(&got);

	ck_assert_int_eq(store_subscriber_pause(s, id + 1, 1, 0, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	store_close(s);
}
END_TEST

/*
 * The feeds a digest slot needs, made due before it. Every feed was last
 * fetched at 100 and is next due at 10000:
 *   1 news   2 Sports   3 (no tag)   4 news, disabled
 *   5 news, 429 (Retry-After)   6 news, 503   7 news, timed out 3 times
 * Subscribers: 1 "NEWS" (default schedule and zone), 2 "sports"
 * (daily@18:00 UTC), 3 no tag (hourly UTC); all subscribed at 0.
 */
static const struct {
	const char *what;
	const char *sql; /* run before the marking, or NULL */
	struct store_slot_feeds slot;
	int64_t now;
	const char *due; /* the feeds due at now after, by id */
} mark_cases[] = {
	{ "a slot to come: the feeds of its subscriber's tags, any case; "
	  "the server's wait and a disabled feed stay",
	  NULL,
	  { NULL, NULL, NULL, 1000, 900 },
	  500,
	  "1,7" },
	{ "fetched at since: fresh enough",
	  NULL,
	  { NULL, NULL, NULL, 1000, 100 },
	  500,
	  "" },
	{ "already due: not counted again",
	  "UPDATE feeds SET next_fetch_at = 400 WHERE id = 1",
	  { NULL, NULL, NULL, 1000, 900 },
	  500,
	  "7" },
	{ "a subscriber without tags needs every feed",
	  NULL,
	  { "hourly", "UTC", NULL, 1000, 900 },
	  500,
	  "1,2,3,7" },
	{ "another pair's subscriber, with the schedule alone",
	  NULL,
	  { "daily@18:00", NULL, NULL, 1000, 900 },
	  500,
	  "" },
	{ "the other pair: its subscriber's tag, any case",
	  NULL,
	  { "daily@18:00", "UTC", NULL, 1000, 900 },
	  500,
	  "2" },
	{ "a tag no feed carries",
	  "UPDATE subscriber_tags SET tag = 'none' WHERE subscriber_id = 2",
	  { "daily@18:00", "UTC", NULL, 1000, 900 },
	  500,
	  "" },
	{ "a begun slot without a digest",
	  NULL,
	  { NULL, NULL, "2026-11-26", 400, 300 },
	  500,
	  "1,7" },
	{ "a begun slot that has its digest",
	  "INSERT INTO outbox (kind, subscriber_id, slot, message_id,"
	  " created_at) VALUES ('digest', 1, '2026-11-26', '<1@x>', 450)",
	  { NULL, NULL, "2026-11-26", 400, 300 },
	  500,
	  "" },
	{ "a begun slot, its digest for another slot only",
	  "INSERT INTO outbox (kind, subscriber_id, slot, message_id,"
	  " created_at) VALUES ('digest', 1, '2026-11-25', '<1@x>', 450)",
	  { NULL, NULL, "2026-11-26", 400, 300 },
	  500,
	  "1,7" },
	{ "a begun slot before they subscribed is not theirs",
	  "UPDATE subscribers SET created_at = 401 WHERE id = 1",
	  { NULL, NULL, "2026-11-26", 400, 300 },
	  500,
	  "" },
	{ "a subscriber paused through the slot: nothing for them",
	  "UPDATE subscribers SET paused_at = 10, paused_until = 1001"
	  " WHERE id = 1",
	  { NULL, NULL, NULL, 1000, 900 },
	  500,
	  "" },
	{ "paused until resumed: likewise",
	  "UPDATE subscribers SET paused_at = 10 WHERE id = 1",
	  { NULL, NULL, NULL, 1000, 900 },
	  500,
	  "" },
	{ "a pause over by the slot's start counts",
	  "UPDATE subscribers SET paused_at = 10, paused_until = 1000"
	  " WHERE id = 1",
	  { NULL, NULL, NULL, 1000, 900 },
	  500,
	  "1,7" },
};

START_TEST(test_fetch_mark_needed)
{
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	struct store_subscriber sub = { 0 };
	char news[] = "news", sports[] = "Sports", upper[] = "NEWS",
	     lower[] = "sports";
	char *t1[] = { news }, *t2[] = { sports }, *t3[] = { upper },
	     *t4[] = { lower };
	struct store_tags tnews = { t1, 1 }, tsports = { t2, 1 },
			  tupper = { t3, 1 }, tlower = { t4, 1 };
	char url[32];
	size_t marked, want = 0;
	int64_t id;
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 1; i <= 7; i++) {
		snprintf(url, sizeof(url), "http://f/%d", i);
		ck_assert_int_eq(store_feed_add(s, url, NULL,
						i == 2 ? &tsports :
						i == 3 ? NULL :
							 &tnews,
						NOW, &id, &e),
				 0);
	}
	sub.email = (char *)"news@example.org";
	sub.tags = tupper;
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	sub.email = (char *)"sports@example.org";
	sub.tags = tlower;
	sub.schedule = (char *)"daily@18:00";
	sub.timezone = (char *)"UTC";
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	sub.email = (char *)"all@example.org";
	sub.tags.n = 0;
	sub.schedule = (char *)"hourly";
	ck_assert_int_eq(store_subscriber_add(s, &sub, NOW, &id, &e), 0);
	store_close(s);
	exec("UPDATE subscribers SET created_at = 0;"
	     "UPDATE feeds SET last_fetch_at = 100, next_fetch_at = 10000,"
	     " last_status = 'ok';"
	     "UPDATE feeds SET enabled = 0 WHERE id = 4;"
	     "UPDATE feeds SET last_status = 'rate_limited', failures = 1"
	     " WHERE id = 5;"
	     "UPDATE feeds SET last_status = 'server_error', failures = 1"
	     " WHERE id = 6;"
	     "UPDATE feeds SET last_status = 'timeout', failures = 3"
	     " WHERE id = 7");
	if (mark_cases[_i].sql)
		exec(mark_cases[_i].sql);
	/* PostgreSQL matches tags by a key the store folds when it writes
	 * them: a tag written here, in ASCII, is its own key in lower case */
	if (mark_cases[_i].sql && is_pg())
		exec("UPDATE subscriber_tags SET tag_key = lower(tag);"
		     "UPDATE feed_tags SET tag_key = lower(tag)");
	s = store_open(path, &e);
	ck_assert_msg(store_fetch_mark_needed(s, &mark_cases[_i].slot, 1,
					      mark_cases[_i].now, &marked,
					      &e) == 0,
		      "%s", e.msg);
	store_close(s);
	for (i = 0; mark_cases[_i].due[i]; i++)
		want += mark_cases[_i].due[i] != ',';
	ck_assert_msg(marked == want, "%s: %zu marked", mark_cases[_i].what,
		      marked);
	ck_assert_msg(due_ids(mark_cases[_i].now, url, sizeof(url)) &&
			      !strcmp(url, mark_cases[_i].due),
		      "%s: due %s", mark_cases[_i].what, url);
}
END_TEST

#ifdef HAVE_LIBPQ
/*
 * PostgreSQL: each case gets a database of its own in the cluster that
 * main() started.
 */
static void
pg_setup(void)
{
	char args[512];

	setup();
	snprintf(args, sizeof(args), "url '%s' t%ld", cluster, (long)getpid());
	ck_assert_int_eq(pgcluster(args, path, sizeof(path)), 0);
	ck_assert_msg(is_pg(), "not a URL: %s", path);
}

/* Adds n feeds, due at 0 in id order, on host HOSTS[i % nhosts]. */
static void
add_feeds(struct store *s, int n, const char *const *hosts, int nhosts)
{
	struct err e = ERR_INIT;
	char url[128];
	int64_t id;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(url, sizeof(url), "http://%s/%d", hosts[i % nhosts],
			 i);
		ck_assert_msg(store_feed_add(s, url, NULL, NULL, 1, &id, &e) ==
				      0,
			      "%s", e.msg);
	}
}

/* A new database is made at the baseline, the current version, at once;
 * an older version cannot be asked for; a newer store is refused. */
START_TEST(test_pg_baseline)
{
	struct err e = ERR_INIT;
	struct store *s = store_open_version(path, 7, &e);

	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "start at schema version 13"), "%s", e.msg);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM feedmail_schema"), 1);
	ck_assert_int_eq(count("SELECT version FROM feedmail_schema"),
			 STORE_SCHEMA_VERSION);
	/* opening again changes nothing */
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	ck_assert_int_eq(count("SELECT count(*) FROM feedmail_schema"), 1);
	exec("UPDATE feedmail_schema SET version = 99");
	e = (struct err)ERR_INIT;
	s = store_open(path, &e);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "newer than this feedmail"), "%s", e.msg);
}
END_TEST

/* Workers starting at once on a new database: one makes the schema
 * (under the migration's lock), the others find it made. */
START_TEST(test_pg_concurrent_opens)
{
	pid_t kids[4];
	int i, st;

	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			struct err e = ERR_INIT;
			struct store *s = store_open(path, &e);

			if (!s)
				fprintf(stderr, "%s\n", e.msg);
			store_close(s);
			_exit(s ? 0 : 1);
		}
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(kids[i], &st, 0), kids[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "worker %d failed", i);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM feedmail_schema"), 1);
}
END_TEST

/* Two workers claiming the same due feeds get disjoint sets. */
START_TEST(test_pg_claims_disjoint)
{
	static const char *const hosts[] = { "a", "b", "c", "d", "e",
					     "f", "g", "h", "i", "j" };
	struct store_fetch got[2][4];
	struct err e = ERR_INIT;
	struct store *s1 = store_open(path, &e), *s2;
	int64_t seen[8];
	size_t n1, n2, i, j, k = 0;

	ck_assert_msg(s1 != NULL, "%s", e.msg);
	s2 = store_open(path, &e);
	ck_assert_msg(s2 != NULL, "%s", e.msg);
	add_feeds(s1, 10, hosts, 10);
	ck_assert_msg(store_fetch_claim(s1, 10, 10, 0, 1000, got[0], 4, &n1,
					&e) == 0,
		      "%s", e.msg);
	ck_assert_msg(store_fetch_claim(s2, 10, 10, 0, 1000, got[1], 4, &n2,
					&e) == 0,
		      "%s", e.msg);
	ck_assert_uint_eq(n1, 4);
	ck_assert_uint_eq(n2, 4);
	for (i = 0; i < n1; i++)
		seen[k++] = got[0][i].id;
	for (i = 0; i < n2; i++)
		seen[k++] = got[1][i].id;
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++)
			ck_assert_msg(seen[i] != seen[j],
				      "feed %lld claimed twice",
				      (long long)seen[i]);
	/* oldest due first, in the order claimed */
	ck_assert_int_eq(got[0][0].id, 1);
	ck_assert_int_eq(got[1][0].id, 5);
	for (i = 0; i < 4; i++) {
		store_fetch_release(&got[0][i]);
		store_fetch_release(&got[1][i]);
	}
	/* what is left: two */
	ck_assert_int_eq(store_fetch_claim(s2, 10, 10, 0, 1000, got[1], 4, &n2,
					   &e),
			 0);
	ck_assert_uint_eq(n2, 2);
	for (i = 0; i < n2; i++)
		store_fetch_release(&got[1][i]);
	store_close(s1);
	store_close(s2);
}
END_TEST

/* A worker that dies leaves its leases (feeds and mail) to end at their
 * time; one that closes its handle gives them back at once. */
START_TEST(test_pg_killed_worker)
{
	static const char *const hosts[] = { "a", "b", "c" };
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	struct store_fetch got[3];
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	int64_t ids[3], id;
	size_t n, i;
	pid_t kid;
	int st;

	ck_assert_msg(s != NULL, "%s", e.msg);
	add_feeds(s, 3, hosts, 3);
	sub.email = (char *)"a@example.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, 1, &sub.id, &e), 0);
	d.subscriber_id = sub.id;
	d.message_id = "<1@example.org>";
	d.message = "Subject: x\r\n";
	d.len = 12;
	d.now = 1;
	ck_assert_msg(store_digest_add(s, &d, &id, &e) == 0, "%s", e.msg);
	store_close(s);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		s = store_open(path, &e);
		if (!s ||
		    store_fetch_claim(s, 10, 10, 0, 1000, got, 2, &n, &e) < 0 ||
		    n != 2 ||
		    store_outbox_claim(s, STORE_OUTBOX_ALL, 10, 10, 1000, ids,
				       3, &n, &e) < 0 ||
		    n != 1)
			_exit(1);
		_exit(0); /* killed: no store_close */
	}
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	/* before the leases end: only the feed it did not claim */
	ck_assert_int_eq(store_fetch_claim(s, 20, 20, 0, 500, got, 3, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 3);
	store_fetch_release(&got[0]);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 20, 20, 500,
					    ids, 3, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	store_close(s);
	/* closed in order: feed 3 is free again at once; the dead worker's
	 * come back once their leases end */
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_fetch_claim(s, 30, 30, 0, 500, got, 3, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 3);
	store_fetch_release(&got[0]);
	ck_assert_int_eq(store_fetch_claim(s, 1000, 1000, 0, 2000, got, 3, &n,
					   &e),
			 0);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++)
		store_fetch_release(&got[i]);
	ck_assert_int_eq(store_outbox_claim(s, STORE_OUTBOX_ALL, 1000, 1000,
					    2000, ids, 3, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	store_close(s);
}
END_TEST

/* A host's feeds go to one worker at a time, until it has recorded those
 * it claimed. */
START_TEST(test_pg_host_exclusive)
{
	static const char *const hosts[] = { "a", "a", "a", "b" };
	struct store_fetch_outcome o = { 0 };
	struct store_fetch got[4];
	struct err e = ERR_INIT;
	struct store *s1 = store_open(path, &e), *s2;
	size_t n, i;
	int moved;

	ck_assert_msg(s1 != NULL, "%s", e.msg);
	s2 = store_open(path, &e);
	ck_assert_msg(s2 != NULL, "%s", e.msg);
	add_feeds(s1, 4, hosts, 4);
	ck_assert_int_eq(store_fetch_claim(s1, 10, 10, 0, 1000, got, 1, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 1);
	store_fetch_release(&got[0]);
	/* host a is s1's: s2 gets b's only */
	ck_assert_int_eq(store_fetch_claim(s2, 10, 10, 0, 1000, got, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 4);
	store_fetch_release(&got[0]);
	/* s1 may take more of its own host */
	ck_assert_int_eq(store_fetch_claim(s1, 10, 10, 0, 1000, got, 1, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 2);
	store_fetch_release(&got[0]);
	/* s1 records both: host a is free for s2 */
	o.now = 20;
	o.status = "ok";
	o.succeeded = 1;
	o.next_fetch_at = 5000;
	o.feed_id = 1;
	ck_assert_int_eq(store_fetch_record(s1, &o, &moved, &e), 0);
	ck_assert_int_eq(store_fetch_claim(s2, 20, 20, 0, 1000, got, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 0);
	o.feed_id = 2;
	ck_assert_int_eq(store_fetch_record(s1, &o, &moved, &e), 0);
	ck_assert_int_eq(store_fetch_claim(s2, 20, 20, 0, 1000, got, 4, &n, &e),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0].id, 3);
	for (i = 0; i < n; i++)
		store_fetch_release(&got[i]);
	store_close(s1);
	store_close(s2);
}
END_TEST

/* Two workers building the same subscriber's digest for one slot: the
 * first recorded wins, the other is told so (id 0) without an error. */
START_TEST(test_pg_digest_slot_race)
{
	struct store_subscriber sub = { 0 };
	struct store_digest_new d = { 0 };
	struct err e = ERR_INIT;
	struct store *s1 = store_open(path, &e), *s2;
	int64_t id1 = -1, id2 = -1;

	ck_assert_msg(s1 != NULL, "%s", e.msg);
	s2 = store_open(path, &e);
	ck_assert_msg(s2 != NULL, "%s", e.msg);
	sub.email = (char *)"a@example.org";
	ck_assert_int_eq(store_subscriber_add(s1, &sub, 1, &sub.id, &e), 0);
	d.subscriber_id = sub.id;
	d.slot = "2026-12-08";
	d.message = "Subject: x\r\n";
	d.len = 12;
	d.now = 1;
	d.message_id = "<1@example.org>";
	ck_assert_msg(store_digest_add(s1, &d, &id1, &e) == 0, "%s", e.msg);
	d.message_id = "<2@example.org>";
	ck_assert_msg(store_digest_add(s2, &d, &id2, &e) == 0, "%s", e.msg);
	ck_assert_int_gt(id1, 0);
	ck_assert_int_eq(id2, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox_messages"), 1);
	store_close(s1);
	store_close(s2);
}
END_TEST

/* Waits until a session of this case's database waits for a lock (a
 * worker blocked by another's transaction): 1, or 0 when none came
 * within TESTUTIL_PATIENCE seconds. */
static int
wait_for_lock_waiter(void)
{
	const struct timespec step = { 0, 10 * 1000 * 1000 };
	double deadline = testutil_now() + TESTUTIL_PATIENCE;

	while (count("SELECT count(*) FROM pg_stat_activity"
		     " WHERE datname = current_database()"
		     " AND wait_event_type = 'Lock'") < 1) {
		if (testutil_now() > deadline)
			return 0;
		nanosleep(&step, NULL);
	}
	return 1;
}

/* In a child, on a handle of its own: d recorded (exit 1), refused as
 * unsubscribed (0), else 2. */
static pid_t
digest_add_elsewhere(const struct store_digest_new *d)
{
	pid_t kid = fork();

	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct err e = ERR_INIT;
		struct store *w = store_open(path, &e);
		int64_t id = 0;
		int rc = w ? store_digest_add(w, d, &id, &e) : -1;

		if (rc < 0 && e.code != EX_DATAERR)
			fprintf(stderr, "%s\n", e.msg);
		store_close(w);
		_exit(rc == 0 && id                  ? 1 :
		      rc < 0 && e.code == EX_DATAERR ? 0 :
						       2);
	}
	return kid;
}

/* Unsubscribing and a digest built meanwhile by another worker, in
 * either order: nothing pending is left for one who unsubscribed. */
START_TEST(test_pg_unsubscribe_race)
{
	struct store_subscriber sub = { .email = (char *)"r@x.org" };
	struct store_digest_new d = { .slot = "s1",
				      .message_id = "<r1@x>",
				      .message = "m",
				      .len = 1,
				      .now = 10 };
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e);
	int64_t id, q, digest;
	int changed, st;
	pid_t kid;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &id, &e), 0);
	/* the unsubscription first, not yet committed: the digest waits
	 * for it, then is refused */
	ck_assert_int_eq(store_begin(s, &e), 0);
	ck_assert_int_eq(store_subscriber_unsubscribe(s, id, 20, &changed, &e),
			 0);
	d.subscriber_id = id;
	kid = digest_add_elsewhere(&d);
	ck_assert_msg(wait_for_lock_waiter(), "the digest did not wait");
	ck_assert_int_eq(store_commit(s, &e), 0);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "digest_add after the unsubscription: %d",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 0);
	/* the digest first, not yet committed: the unsubscription waits
	 * for it, then drops it */
	sub.email = (char *)"q@x.org";
	ck_assert_int_eq(store_subscriber_add(s, &sub, 10, &q, &e), 0);
	d.subscriber_id = q;
	d.message_id = "<q1@x>";
	ck_assert_int_eq(store_begin(s, &e), 0);
	ck_assert_int_eq(store_digest_add(s, &d, &digest, &e), 0);
	ck_assert_int_gt(digest, 0);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct err ce = ERR_INIT;
		struct store *w = store_open(path, &ce);
		int rc = w ? store_subscriber_unsubscribe(w, q, 30, &changed,
							  &ce) :
			     -1;

		store_close(w);
		_exit(rc == 0 && changed ? 0 : 1);
	}
	ck_assert_msg(wait_for_lock_waiter(),
		      "the unsubscription did not wait");
	ck_assert_int_eq(store_commit(s, &e), 0);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"
			       " WHERE status = 'pending'"),
			 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE dropped = 1"
			       " AND reply = 'unsubscribed'"),
			 1);
	store_close(s);
}
END_TEST

/* One worker at a time holds a kind of work; another may have another
 * kind; released, or closed, it is free. */
START_TEST(test_pg_work_lease)
{
	struct err e = ERR_INIT;
	struct store *s1 = store_open(path, &e), *s2;
	int held;

	ck_assert_msg(s1 != NULL, "%s", e.msg);
	s2 = store_open(path, &e);
	ck_assert_msg(s2 != NULL, "%s", e.msg);
	ck_assert_int_eq(store_work_lease(s1, "digests", &held, &e), 0);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(store_work_lease(s1, "digests", &held, &e), 0);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(store_work_lease(s2, "digests", &held, &e), 0);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(store_work_lease(s2, "upkeep", &held, &e), 0);
	ck_assert_int_eq(held, 1);
	store_work_release(s1, "digests");
	ck_assert_int_eq(store_work_lease(s2, "digests", &held, &e), 0);
	ck_assert_int_eq(held, 1);
	store_close(s2);
	ck_assert_int_eq(store_work_lease(s1, "upkeep", &held, &e), 0);
	ck_assert_int_eq(held, 1);
	store_close(s1);
}
END_TEST

/* Bad URLs are the configuration's (78); a password never shows. */
START_TEST(test_pg_url_errors)
{
	struct err e = ERR_INIT;
	struct store *s;
	int port = testutil_closed_port();
	char url[256];

	s = store_open("postgresql://u:hunter2@localhost/db?nonsense=1", &e);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(!strstr(e.msg, "hunter2"), "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "u:***@localhost"), "%s", e.msg);
	/* a server that is not there: retry may help */
	snprintf(url, sizeof(url),
		 "postgresql://u:hunter2@127.0.0.1:%d/db?connect_timeout=5",
		 port);
	e = (struct err)ERR_INIT;
	s = store_open(url, &e);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_msg(!strstr(e.msg, "hunter2"), "%s", e.msg);
	snprintf(
		url, sizeof(url),
		"postgres://127.0.0.1:%d/db?password=hunter2&connect_timeout=5",
		port);
	e = (struct err)ERR_INIT;
	ck_assert_ptr_null(store_lock_run(url, "run", 0, 1, &e));
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_msg(!strstr(e.msg, "hunter2"), "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "password=***"), "%s", e.msg);
}
END_TEST

/* The password file is read when the store is opened: a missing one is
 * the configuration's error, naming it; a good one is used. */
START_TEST(test_pg_password_file)
{
	struct err e = ERR_INIT;
	struct store *s;
	char pw[300];

	snprintf(pw, sizeof(pw), "%s/pw", dir);
	store_set_password_file(pw);
	s = store_open(path, &e);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, pw), "%s", e.msg);
	testutil_write_file(pw, "\n", 0600);
	e = (struct err)ERR_INIT;
	ck_assert_ptr_null(store_open(path, &e));
	ck_assert_msg(strstr(e.msg, "empty"), "%s", e.msg);
	testutil_write_file(pw, "s3cret\n", 0600);
	s = store_open(path, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	store_set_password_file(NULL);
}
END_TEST

/* A connection the server closed (as at its restart) is lost for good:
 * the call that finds it fails with 75 on one line; store_lost then says
 * so, and another handle works. */
START_TEST(test_pg_lost)
{
	const struct timespec step = { 0, 10 * 1000 * 1000 };
	double deadline = testutil_now() + TESTUTIL_PATIENCE;
	struct err e = ERR_INIT;
	struct store *s = store_open(path, &e), *other;
	int64_t id;

	ck_assert_msg(s != NULL, "%s", e.msg);
	ck_assert_int_eq(store_lost(s), 0);
	PQclear(pg_exec("SELECT pg_terminate_backend(pid)"
			" FROM pg_stat_activity"
			" WHERE datname = current_database()"
			" AND pid <> pg_backend_pid()"));
	while (count("SELECT count(*) FROM pg_stat_activity"
		     " WHERE datname = current_database()"
		     " AND pid <> pg_backend_pid()") > 0) {
		ck_assert_msg(testutil_now() < deadline,
			      "the backend outlived its termination");
		nanosleep(&step, NULL);
	}
	ck_assert_int_eq(store_feed_add(s, "http://a/", NULL, NULL, 1, &id, &e),
			 -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_msg(!strchr(e.msg, '\n'), "more than one line: %s", e.msg);
	ck_assert_int_eq(store_lost(s), 1);
	e = (struct err)ERR_INIT;
	other = store_open_another(s, &e);
	ck_assert_msg(other != NULL, "%s", e.msg);
	ck_assert_int_eq(store_lost(other), 0);
	ck_assert_msg(store_feed_add(other, "http://a/", NULL, NULL, 1, &id,
				     &e) == 0,
		      "%s", e.msg);
	store_close(s);
	store_close(other);
}
END_TEST

/* Two handles of one run lock: every command takes it shared. */
START_TEST(test_pg_run_lock_shared)
{
	struct err e = ERR_INIT;
	struct store_lock *a = store_lock_run(path, "run", 0, 1, &e), *b;

	ck_assert_msg(a != NULL, "%s", e.msg);
	b = store_lock_run(path, "daemon", 0, 1, &e);
	ck_assert_msg(b != NULL, "%s", e.msg);
	store_unlock_run(a);
	store_unlock_run(b);
}
END_TEST
#endif

/* A location naming SQLite explicitly. */
START_TEST(test_sqlite_url)
{
	struct err e = ERR_INIT;
	char loc[600];
	struct store *s;

	snprintf(loc, sizeof(loc), "sqlite:%s", path);
	s = store_open(loc, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	store_close(s);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

#ifdef HAVE_LIBPQ
/* test_store --pg (tests/unit/test_store_pg.sh): the cases that hold for
 * every backend, and PostgreSQL's own, on a cluster of this run's;
 * without the server's programs, a TAP skip. */
static int
with_pg(Suite *s)
{
	TCase *tc = tcase_create("postgresql");
	char args[512], url[512];
	int rc, st;

	if (!testutil_tmpdir(cluster, sizeof(cluster), "pgc"))
		return EXIT_FAILURE;
	snprintf(args, sizeof(args), "start '%s'", cluster);
	st = pgcluster(args, url, sizeof(url));
	if (st == 77) {
		printf("1..0 # SKIP no PostgreSQL server programs "
		       "(Debian: postgresql)\n");
		testutil_remove_tree(cluster);
		return 77;
	}
	if (st != 0) {
		fprintf(stderr, "tests/pgcluster.sh start failed (%d)\n", st);
		testutil_remove_tree(cluster);
		return EXIT_FAILURE;
	}
	snprintf(cluster_url, sizeof(cluster_url), "%s", url);
	tcase_add_checked_fixture(tc, pg_setup, teardown);
	/* the cases of every backend */
	tcase_add_test(tc, test_feeds);
	tcase_add_test(tc, test_nested_transactions);
	tcase_add_test(tc, test_subscribers);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_claims);
	tcase_add_test(tc, test_subscriber_lookups);
	tcase_add_test(tc, test_no_read_outlives_its_call);
	tcase_add_test(tc, test_redirect_after_three);
	tcase_add_test(tc, test_redirect_interrupted);
	tcase_add_test(tc, test_reports);
	tcase_add_test(tc, test_sent_since);
	tcase_add_test(tc, test_next_due);
	tcase_add_test(tc, test_digest_outbox);
	tcase_add_test(tc, test_sequence);
	tcase_add_test(tc, test_subscriber_update);
	tcase_add_test(tc, test_subscriber_pause);
	tcase_add_test(tc, test_tags_fold);
	tcase_add_loop_test(tc, test_fetch_mark_needed, 0,
			    (int)(sizeof(mark_cases) / sizeof(mark_cases[0])));
	/* the subscribers' lifecycle */
	tcase_add_test(tc, test_secret);
	tcase_add_test(tc, test_unsubscribe);
	tcase_add_test(tc, test_confirm);
	tcase_add_test(tc, test_suppression);
	tcase_add_test(tc, test_states_and_forget);
	tcase_add_test(tc, test_confirm_box);
	tcase_add_test(tc, test_tables_complete);
	tcase_add_test(tc, test_copy);
	/* PostgreSQL's own */
	tcase_add_test(tc, test_pg_baseline);
	tcase_add_test(tc, test_pg_concurrent_opens);
	tcase_add_test(tc, test_pg_claims_disjoint);
	tcase_add_test(tc, test_pg_killed_worker);
	tcase_add_test(tc, test_pg_host_exclusive);
	tcase_add_test(tc, test_pg_digest_slot_race);
	tcase_add_test(tc, test_pg_unsubscribe_race);
	tcase_add_test(tc, test_pg_work_lease);
	tcase_add_test(tc, test_pg_url_errors);
	tcase_add_test(tc, test_pg_password_file);
	tcase_add_test(tc, test_pg_run_lock_shared);
	tcase_add_test(tc, test_pg_lost);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	snprintf(args, sizeof(args), "stop '%s'", cluster);
	pgcluster(args, NULL, 0);
	testutil_remove_tree(cluster);
	return rc;
}
#endif

int
main(int argc, char **argv)
{
	Suite *s = suite_create("store");
	TCase *tc;

	if (argc > 1 && !strcmp(argv[1], "--pg")) {
#ifdef HAVE_LIBPQ
		return with_pg(s);
#else
		printf("1..0 # SKIP feedmail was built without libpq\n");
		return 77;
#endif
	}
	tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_creates_current_schema);
	tcase_add_test(tc, test_migrates_previous_version);
	tcase_add_test(tc, test_migrates_several_steps);
	tcase_add_test(tc, test_refuses_newer_store);
	tcase_add_test(tc, test_failed_migration_rolls_back);
	tcase_add_test(tc, test_concurrent_opens_of_new_store);
	tcase_add_test(tc, test_concurrent_opens_migrate_once);
	tcase_add_test(tc, test_error_statuses);
	tcase_add_test(tc, test_damaged_store);
	tcase_add_test(tc, test_open_read_of_writable_store);
	tcase_add_test(tc, test_feeds);
	tcase_add_test(tc, test_nested_transactions);
	tcase_add_test(tc, test_subscribers);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_run_lock);
	tcase_add_test(tc, test_claims);
	tcase_add_test(tc, test_migrates_tokens);
	tcase_add_test(tc, test_subscriber_lookups);
	tcase_add_test(tc, test_no_read_outlives_its_call);
	tcase_add_test(tc, test_redirect_after_three);
	tcase_add_test(tc, test_redirect_interrupted);
	tcase_add_test(tc, test_reports);
	tcase_add_test(tc, test_sent_since);
	tcase_add_test(tc, test_next_due);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_digest_outbox);
	tcase_add_test(tc, test_migrates_digest_messages);
	tcase_add_test(tc, test_migrates_one_outbox);
	tcase_add_test(tc, test_sequence);
	tcase_add_test(tc, test_migrates_start_seq);
	tcase_add_test(tc, test_migrates_pause);
	tcase_add_test(tc, test_migrates_sent_index);
	tcase_add_test(tc, test_secret);
	tcase_add_test(tc, test_unsubscribe);
	tcase_add_test(tc, test_confirm);
	tcase_add_test(tc, test_suppression);
	tcase_add_test(tc, test_states_and_forget);
	tcase_add_test(tc, test_confirm_box);
	tcase_add_test(tc, test_ops_complete);
	tcase_add_test(tc, test_subscriber_update);
	tcase_add_test(tc, test_subscriber_pause);
	tcase_add_test(tc, test_tags_fold);
	tcase_add_loop_test(tc, test_fetch_mark_needed, 0,
			    (int)(sizeof(mark_cases) / sizeof(mark_cases[0])));
	tcase_add_test(tc, test_sqlite_url);
	tcase_add_test(tc, test_tables_complete);
	tcase_add_test(tc, test_copy);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
