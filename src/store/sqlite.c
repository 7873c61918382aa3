#include "config.h"

#include "store/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/date.h"
#include "lib/fs.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "store/lock.h"

/* Statements run once per entry (fetch) or per digest (send), prepared
 * once. The send path's SQL stays with its function (prepared()). */
enum stmt {
	STMT_ENTRY_BY_IDENT,
	STMT_ENTRY_BY_LINK,
	STMT_ENTRY_INSERT,
	STMT_ENTRY_UPDATE,
	STMT_ENTRY_SEEN,
	STMT_ENTRIES_SINCE,
	STMT_NEWS,
	STMT_NEWS_TAGGED,
	STMT_PREVIEW,
	STMT_PREVIEW_TAGGED,
	STMT_DIGEST_HAS_SLOT,
	STMT_DIGEST_INSERT,
	STMT_DIGEST_MESSAGE,
	STMT_DELIVERY_INSERT,
	STMT_OUTBOX_GET,
	STMT_OUTBOX_MARK,
	STMT__COUNT
};

static const char *const stmt_sql[STMT__COUNT] = {
	[STMT_ENTRY_BY_IDENT] = "SELECT id, content_hash FROM entries"
				" WHERE feed_id = ? AND ident = ?",
	/* a known link under an identity of another kind */
	[STMT_ENTRY_BY_LINK] =
		"SELECT id, content_hash FROM entries"
		" WHERE feed_id = ? AND link_key = ?"
		" AND substr(ident, 1, 2) <> substr(?, 1, 2) LIMIT 1",
	[STMT_ENTRY_INSERT] =
		"INSERT INTO entries (feed_id, ident, link, link_key, title,"
		" author, summary, content, categories, enclosures, published,"
		" updated, content_hash, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?14)",
	[STMT_ENTRY_UPDATE] =
		"UPDATE entries SET link = ?3, link_key = ?4, title = ?5,"
		" author = ?6, summary = ?7, content = ?8, categories = ?9,"
		" enclosures = ?10, published = ?11, updated = ?12,"
		" content_hash = ?13, last_seen = ?14 WHERE id = ?1",
	[STMT_ENTRY_SEEN] = "UPDATE entries SET last_seen = ? WHERE id = ?",
	[STMT_ENTRIES_SINCE] = "SELECT count(*) FROM entries"
			       " WHERE feed_id = ? AND first_seen > ?",
};

struct sqlite_store {
	struct store base; /* first: what store.c hands around */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmts[STMT__COUNT];
	int readonly; /* opened read-only by store_open_read */
	int depth;    /* open store_begin calls: the outer is a transaction,
	               * inner ones are savepoints, so callers compose */
	struct leases *fetch_leases, *outbox_leases; /* what it claimed */
	/* store copy: the insert of copy_table's rows, kept for the next */
	sqlite3_stmt *copy_insert;
	const struct store_table *copy_table;
};

/* The SQLite handle a struct store from store.c is the start of. */
static struct sqlite_store *
sq(struct store *base)
{
	return (struct sqlite_store *)base;
}

static const struct sqlite_store *
csq(const struct store *base)
{
	return (const struct sqlite_store *)base;
}

/*
 * Migrations: migrations[i] takes a store from version i to i + 1. Never
 * edit a released step; add a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1: feeds, entries, subscribers */
	"CREATE TABLE feeds ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  title TEXT,"
	"  site_link TEXT,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  user_agent TEXT,"
	"  added_at INTEGER NOT NULL,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  next_fetch_at INTEGER NOT NULL DEFAULT 0,"
	"  last_fetch_at INTEGER NOT NULL DEFAULT 0,"
	"  last_parsed_at INTEGER NOT NULL DEFAULT 0,"
	"  last_success_at INTEGER NOT NULL DEFAULT 0,"
	"  last_new_entry_at INTEGER NOT NULL DEFAULT 0,"
	"  last_status TEXT,"
	"  last_error TEXT,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  redirect_url TEXT,"
	"  redirect_count INTEGER NOT NULL DEFAULT 0,"
	"  ttl_minutes INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE feed_tags ("
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  PRIMARY KEY (feed_id, tag)"
	");"
	/* ident: guid, else normalized link, else a hash; scoped to the feed */
	"CREATE TABLE entries ("
	"  id INTEGER PRIMARY KEY,"
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  ident TEXT NOT NULL,"
	"  link TEXT,"
	"  link_key TEXT,"
	"  title TEXT,"
	"  author TEXT,"
	"  summary TEXT,"
	"  content TEXT,"
	"  categories TEXT,"
	"  enclosures TEXT,"
	"  published INTEGER,"
	"  updated INTEGER,"
	"  content_hash TEXT,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (feed_id, ident)"
	");"
	"CREATE INDEX entries_first_seen ON entries (first_seen);"
	/* the polling policy counts a feed's recent entries on every fetch */
	"CREATE INDEX entries_feed_first_seen ON entries (feed_id, first_seen);"
	"CREATE INDEX entries_link_key ON entries (feed_id, link_key);"
	"CREATE INDEX entries_last_seen ON entries (last_seen);"
	"CREATE TABLE subscribers ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  name TEXT,"
	"  lang TEXT,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE subscriber_tags ("
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  PRIMARY KEY (subscriber_id, tag)"
	");",

	/* 1 -> 2: the outbox. A digest row is committed before its message
	 * leaves; deliveries say which entries it carried, once per
	 * subscriber and entry. */
	"CREATE TABLE digests ("
	"  id INTEGER PRIMARY KEY,"
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  slot TEXT,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  message BLOB,"
	"  reply TEXT,"
	"  sent_at INTEGER,"
	"  UNIQUE (subscriber_id, slot)"
	");"
	"CREATE INDEX digests_status ON digests (status, next_attempt_at);"
	"CREATE TABLE deliveries ("
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
	"  digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (subscriber_id, entry_id)"
	");"
	"CREATE INDEX deliveries_digest ON deliveries (digest_id);",

	/* 2 -> 3: each subscriber's digest schedule and time zone */
	"ALTER TABLE subscribers ADD COLUMN schedule TEXT;"
	"ALTER TABLE subscribers ADD COLUMN timezone TEXT;",

	/* 3 -> 4: each subscriber's keyword filters, words joined by US */
	"ALTER TABLE subscribers ADD COLUMN include_words TEXT;"
	"ALTER TABLE subscribers ADD COLUMN exclude_words TEXT;",

	/* 4 -> 5: mails to the operator (the weekly health report), an
	 * outbox like digests, one per kind and slot */
	"CREATE TABLE reports ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  slot TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  message BLOB NOT NULL,"
	"  reply TEXT,"
	"  sent_at INTEGER,"
	"  UNIQUE (kind, slot)"
	");",

	/* 5 -> 6, for send's speed: digest messages in a table of their own.
	 * Marking a digest sent changes its row's size, and SQLite then
	 * writes the whole row again, overflow pages and all: the ~50 kB
	 * message went to the WAL again with every mark. (The old column
	 * stays, NULL: DROP COLUMN needs SQLite 3.35.) And a feed's first
	 * tag, looked up for every entry of every digest, by an index rather
	 * than a sort. */
	"CREATE TABLE digest_messages ("
	"  digest_id INTEGER PRIMARY KEY"
	"    REFERENCES digests(id) ON DELETE CASCADE,"
	"  message BLOB NOT NULL"
	");"
	"INSERT INTO digest_messages (digest_id, message)"
	" SELECT id, message FROM digests WHERE message IS NOT NULL;"
	"UPDATE digests SET message = NULL WHERE message IS NOT NULL;"
	"CREATE INDEX feed_tags_position ON feed_tags (feed_id, position);",

	/* 6 -> 7: a subscriber's feeds found by tag, in any letter case */
	"CREATE INDEX feed_tags_tag ON feed_tags (tag COLLATE NOCASE);",

	/* 7 -> 8: a failure belongs to one digest. A failed digest's entries
	 * go back to its subscriber's next digest unless the admin dropped
	 * them; the digests that failed before this version had lost theirs
	 * and stay so (no flood of old news). The mail transport's outages,
	 * for the operator. */
	"ALTER TABLE digests ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE digests ADD COLUMN given_back INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE digests SET dropped = 1 WHERE status = 'failed';"
	"CREATE TABLE outages ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  last_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  failures INTEGER NOT NULL DEFAULT 1,"
	"  held INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL"
	");",

	/* 8 -> 9: each subscriber's token, random, for links in mails that
	 * name a subscriber without giving the address away */
	"ALTER TABLE subscribers ADD COLUMN token TEXT;"
	"UPDATE subscribers SET token = lower(hex(randomblob(16)));"
	"CREATE UNIQUE INDEX subscribers_token ON subscribers (token);",

	/* 9 -> 10: one outbox for every mail. Digests and the admin's mail
	 * (reports of kind health, outage, test) become rows of one table;
	 * a digest has its subscriber (it goes to the subscriber's address)
	 * and entries, the admin's mail its address and no entries. A digest once per subscriber and slot, the
	 * admin's once per kind and slot. SQLite cannot drop NOT NULL from
	 * subscriber_id, so the tables are made anew; the children of
	 * digests first, so that dropping it cascades to nothing. */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  subscriber_id INTEGER"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  rcpt TEXT,"
	"  slot TEXT,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  reply TEXT,"
	"  sent_at INTEGER,"
	"  dropped INTEGER NOT NULL DEFAULT 0,"
	"  given_back INTEGER NOT NULL DEFAULT 0,"
	"  CHECK ((kind = 'digest') = (subscriber_id IS NOT NULL)),"
	"  CHECK ((rcpt IS NULL) = (subscriber_id IS NOT NULL)),"
	"  UNIQUE (subscriber_id, slot)"
	");"
	"CREATE UNIQUE INDEX outbox_admin_slot ON outbox (kind, slot)"
	"  WHERE subscriber_id IS NULL;"
	"CREATE INDEX outbox_status ON outbox (status, next_attempt_at);"
	"INSERT INTO outbox (id, kind, subscriber_id, slot, message_id,"
	"  created_at, status, attempts, next_attempt_at, reply, sent_at,"
	"  dropped, given_back)"
	" SELECT id, 'digest', subscriber_id, slot, message_id, created_at,"
	"  status, attempts, next_attempt_at, reply, sent_at, dropped,"
	"  given_back FROM digests ORDER BY id;"
	/* the reports' ids follow the digests' (none refers to them) */
	"INSERT INTO outbox (kind, rcpt, slot, message_id, created_at, status,"
	"  attempts, next_attempt_at, reply, sent_at)"
	" SELECT kind, rcpt, slot, message_id, created_at, status, attempts,"
	"  next_attempt_at, reply, sent_at FROM reports ORDER BY id;"
	"CREATE TABLE outbox_messages ("
	"  outbox_id INTEGER PRIMARY KEY"
	"    REFERENCES outbox(id) ON DELETE CASCADE,"
	"  message BLOB NOT NULL"
	");"
	"INSERT INTO outbox_messages (outbox_id, message)"
	" SELECT digest_id, message FROM digest_messages;"
	"INSERT INTO outbox_messages (outbox_id, message)"
	" SELECT o.id, r.message FROM reports r"
	" JOIN outbox o ON o.message_id = r.message_id;"
	"CREATE TABLE outbox_deliveries ("
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
	"  digest_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (subscriber_id, entry_id)"
	");"
	"INSERT INTO outbox_deliveries (subscriber_id, entry_id, digest_id)"
	" SELECT subscriber_id, entry_id, digest_id FROM deliveries;"
	"DROP TABLE deliveries;"
	"DROP TABLE digest_messages;"
	"DROP TABLE digests;"
	"DROP TABLE reports;"
	"ALTER TABLE outbox_deliveries RENAME TO deliveries;"
	"CREATE INDEX deliveries_digest ON deliveries (digest_id);",

	/* 10 -> 11: what is new to a subscriber is decided by the store's
	 * own order, not by a second of the clock. An entry's position is
	 * its id, AUTOINCREMENT: without it SQLite gives the next entry
	 * max(id) + 1, the id of the newest entry again once that was
	 * deleted (a feed removed, pruning), a position a subscriber's start
	 * may already have passed. SQLite cannot add AUTOINCREMENT to a
	 * table: entries is made anew, ids kept, its child deliveries first,
	 * so that dropping it cascades to nothing. A subscriber starts after
	 * start_seq; a digest records in covered_seq the highest position
	 * its selection saw (NULL: not known, before this version). */
	"CREATE TABLE entries_seq ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  ident TEXT NOT NULL,"
	"  link TEXT,"
	"  link_key TEXT,"
	"  title TEXT,"
	"  author TEXT,"
	"  summary TEXT,"
	"  content TEXT,"
	"  categories TEXT,"
	"  enclosures TEXT,"
	"  published INTEGER,"
	"  updated INTEGER,"
	"  content_hash TEXT,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (feed_id, ident)"
	");"
	"INSERT INTO entries_seq (id, feed_id, ident, link, link_key, title,"
	"  author, summary, content, categories, enclosures, published,"
	"  updated, content_hash, first_seen, last_seen)"
	" SELECT id, feed_id, ident, link, link_key, title, author, summary,"
	"  content, categories, enclosures, published, updated, content_hash,"
	"  first_seen, last_seen FROM entries ORDER BY id;"
	"CREATE TABLE deliveries_seq ("
	"  subscriber_id INTEGER NOT NULL"
	"    REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  entry_id INTEGER NOT NULL"
	"    REFERENCES entries_seq(id) ON DELETE CASCADE,"
	"  digest_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (subscriber_id, entry_id)"
	");"
	"INSERT INTO deliveries_seq (subscriber_id, entry_id, digest_id)"
	" SELECT subscriber_id, entry_id, digest_id FROM deliveries;"
	"DROP TABLE deliveries;"
	"DROP TABLE entries;"
	/* renaming the parent renames the children's references to it */
	"ALTER TABLE entries_seq RENAME TO entries;"
	"ALTER TABLE deliveries_seq RENAME TO deliveries;"
	"CREATE INDEX deliveries_digest ON deliveries (digest_id);"
	"CREATE INDEX entries_first_seen ON entries (first_seen);"
	"CREATE INDEX entries_feed_first_seen ON entries (feed_id, first_seen);"
	"CREATE INDEX entries_link_key ON entries (feed_id, link_key);"
	"CREATE INDEX entries_last_seen ON entries (last_seen);"
	/* a tagged subscriber's news: one range of positions per feed */
	"CREATE INDEX entries_feed_seq ON entries (feed_id, id);"
	/* Subscribers start where the old rule (first_seen >= created_at)
	 * began, so that their next digest holds what it would have: after
	 * the highest position first seen before they subscribed (by a
	 * running maximum over the seconds, not one scan per subscriber).
	 * Entries are stored in clock order, so positions follow first_seen;
	 * had the clock gone backwards, an entry stored before one the clock
	 * put earlier than created_at counts as old though its own time is
	 * not: it is not sent (nothing is sent twice; such an entry may be
	 * missed). */
	"ALTER TABLE subscribers ADD COLUMN start_seq INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TEMP TABLE seq_by_second ("
	"  first_seen INTEGER PRIMARY KEY,"
	"  seq INTEGER NOT NULL"
	");"
	"INSERT INTO seq_by_second (first_seen, seq)"
	" SELECT first_seen, max(max(id)) OVER (ORDER BY first_seen)"
	" FROM entries GROUP BY first_seen;"
	"UPDATE subscribers SET start_seq = coalesce("
	"  (SELECT seq FROM seq_by_second"
	"   WHERE first_seen < subscribers.created_at"
	"   ORDER BY first_seen DESC LIMIT 1), 0);"
	"DROP TABLE seq_by_second;"
	"ALTER TABLE outbox ADD COLUMN covered_seq INTEGER;",

	/* 11 -> 12: a subscriber paused (paused_at, NULL: not) until a time
	 * (NULL: until resumed); the rest of them stays as it was. */
	"ALTER TABLE subscribers ADD COLUMN paused_at INTEGER;"
	"ALTER TABLE subscribers ADD COLUMN paused_until INTEGER;",

	/* 12 -> 13: the quota counts the mail sent in its windows before each
	 * batch: the sent rows by time, without reading every row ever
	 * kept */
	"CREATE INDEX outbox_sent ON outbox (sent_at) WHERE status = 'sent';",

	/* 13 -> 14: subscribers in charge of their subscription (the web
	 * pages, inbound mail). The secret that signs their links' tokens,
	 * made with the store; since when a subscriber waits for their own
	 * confirmation (NULL: not waiting: confirmed, or added by the admin;
	 * one waiting is sent nothing), when the last confirmation mail
	 * went, and their unsubscription (kept, so that an import cannot
	 * add them again); the consents given, as recorded. */
	"CREATE TABLE secrets ("
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"INSERT INTO secrets (name, value, created_at)"
	" VALUES ('token', randomblob(32), CAST(strftime('%s', 'now') AS INTEGER));"
	"ALTER TABLE subscribers ADD COLUMN pending_since INTEGER;"
	"ALTER TABLE subscribers ADD COLUMN confirm_sent_at INTEGER;"
	"ALTER TABLE subscribers ADD COLUMN unsubscribed_at INTEGER;"
	"CREATE TABLE consents ("
	"  id INTEGER PRIMARY KEY,"
	"  subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE SET NULL,"
	"  email TEXT NOT NULL,"
	"  given_at INTEGER NOT NULL,"
	"  source TEXT NOT NULL," /* "web", "import", "admin" */
	"  ip TEXT,"
	"  wording TEXT," /* the version of the text agreed to */
	"  lang TEXT"
	");"
	"CREATE INDEX consents_subscriber ON consents (subscriber_id);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(N_MIGRATIONS == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

/* Why s's file (or its -wal or -shm) cannot be used as s needs, into
 * why; the file itself first, then the two beside it, which SQLite makes
 * with the store's mode and its maker's owner. */
static enum fs_denied
access_denied(const struct sqlite_store *s, char *why, size_t size)
{
	static const char *const sides[] = { "-wal", "-shm" };
	enum fs_denied kind;
	char side[1024], reason[1024];
	size_t i;

	kind = fs_access_denied(s->path, !s->readonly, why, size);
	for (i = 0; i < 2 && kind == FS_DENIED_NONE && !s->readonly; i++) {
		snprintf(side, sizeof(side), "%s%s", s->path, sides[i]);
		if (access(side, F_OK) < 0)
			continue;
		kind = fs_access_denied(side, 1, reason, sizeof(reason));
		if (kind != FS_DENIED_NONE)
			snprintf(why, size, "its file '%s': %s", side, reason);
	}
	/* the folder must take the two files WAL mode keeps beside it */
	if (kind == FS_DENIED_FOLDER && access(s->path, F_OK) == 0)
		snprintf(why + strlen(why), size - strlen(why),
			 "; SQLite needs to create '%s-wal' and '%s-shm' there",
			 s->path, s->path);
	return kind;
}

/*
 * The one place where SQLite's result codes become exit statuses, so that
 * what the user can fix never exits 70 (EX_SOFTWARE):
 *
 *   BUSY, LOCKED                   75  another process holds the store
 *                                      (named when it can be found)
 *   FULL, IOERR from ENOSPC/EDQUOT 74  the disk is full: not 75, which the
 *                                      timer unit counts as success
 *   IOERR                          74
 *   READONLY, PERM, AUTH, CANTOPEN 77  the file, its folder or the mount
 *                                      refuses: the message says which and
 *                                      for whom; CANTOPEN is 73 when the
 *                                      file does not exist and cannot be
 *                                      made, or no permission explains it
 *                                      (a folder of that name)
 *   CORRUPT, NOTADB                65  "is damaged" (or, NOTADB, is some
 *                                      other file)
 *   NOMEM                          71
 *   anything else                  70  a bug: a constraint or SQL of ours
 *
 * what says what was being done, or NULL; msg is SQLite's own text.
 */
static int
store_error(const struct sqlite_store *s, int rc, const char *what,
	    const char *msg, struct err *e)
{
	char ctx[300], why[4096], holder[300];
	int sys = s->db ? sqlite3_system_errno(s->db) : 0, code;
	int primary = rc & 0xff;
	enum fs_denied kind;

	snprintf(ctx, sizeof(ctx), "%s%s", what ? what : "", what ? ": " : "");
	/* SQLite may see the disk full in an I/O error (a -shm it grows) */
	if (primary == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
		primary = SQLITE_FULL;
	switch (primary) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		if (lock_holder(s->path, holder, sizeof(holder)))
			return err_set(e, EX_TEMPFAIL,
				       "store '%s' is busy: %s%s; held by %s",
				       s->path, ctx, msg, holder);
		return err_set(e, EX_TEMPFAIL, "store '%s' is busy: %s%s",
			       s->path, ctx, msg);
	case SQLITE_IOERR:
		return err_set(e, EX_IOERR, "store '%s': %s%s: %s", s->path,
			       ctx, msg, strerror(sys ? sys : EIO));
	case SQLITE_FULL:
		return err_set(e, EX_IOERR,
			       "store '%s': %sthe disk is full (%s)", s->path,
			       ctx, strerror(sys ? sys : ENOSPC));
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		kind = access_denied(s, why, sizeof(why));
		/* a file that cannot be made, or opened for some other
		 * reason than a permission (a folder by that name) */
		code = EX_NOPERM;
		if (primary == SQLITE_CANTOPEN &&
		    (kind == FS_DENIED_NONE || access(s->path, F_OK) < 0))
			code = EX_CANTCREAT;
		switch (kind) {
		case FS_DENIED_NONE:
			break;
		case FS_DENIED_READ_ONLY:
			return err_set(e, code, "store '%s': %s%s", s->path,
				       ctx, why);
		default:
			return err_set(e, code,
				       "store '%s': %spermission denied: %s",
				       s->path, ctx, why);
		}
		if (sys)
			return err_set(e, code, "store '%s': %s%s: %s", s->path,
				       ctx, msg, strerror(sys));
		return err_set(e, code, "store '%s': %s%s", s->path, ctx, msg);
	case SQLITE_CORRUPT:
		return err_set(e, EX_DATAERR, "store '%s' is damaged: %s%s",
			       s->path, ctx, msg);
	case SQLITE_NOTADB:
		return err_set(e, EX_DATAERR,
			       "store '%s' is damaged, or not a store: %s%s",
			       s->path, ctx, msg);
	case SQLITE_NOMEM:
		return err_set(e, EX_OSERR, "store '%s': %sout of memory",
			       s->path, ctx);
	default:
		return err_set(e, EX_SOFTWARE, "store '%s': %s%s", s->path, ctx,
			       msg);
	}
}

static int
db_error(struct sqlite_store *s, struct err *e, const char *what)
{
	return store_error(s, sqlite3_extended_errcode(s->db), what,
			   sqlite3_errmsg(s->db), e);
}

static int
exec_sql(struct sqlite_store *s, const char *sql, struct err *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		store_error(s, sqlite3_extended_errcode(s->db), NULL,
			    msg ? msg : sqlite3_errmsg(s->db), e);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
prepare(struct sqlite_store *s, sqlite3_stmt **st, const char *sql,
	struct err *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(s, e, sql);
	return 0;
}

/* Statement id, prepared from sql the first time and kept: reset and
 * with its bindings cleared. Callers reset it before they return, so
 * that no read stays open: it would hold back WAL checkpoints, and the
 * connection's next write would fail at once with "database is locked"
 * once another connection had written (see entry_lookup). */
static sqlite3_stmt *
prepared(struct sqlite_store *s, enum stmt id, const char *sql, struct err *e)
{
	if (!s->stmts[id]) {
		if (prepare(s, &s->stmts[id], sql, e) < 0)
			return NULL;
	} else {
		sqlite3_reset(s->stmts[id]);
		sqlite3_clear_bindings(s->stmts[id]);
	}
	return s->stmts[id];
}

/* A cached statement of stmt_sql, reset and with its bindings cleared. */
static sqlite3_stmt *
cached(struct sqlite_store *s, enum stmt id, struct err *e)
{
	return prepared(s, id, stmt_sql[id], e);
}

/* Binds st's parameters ?1, ?2... in turn from the arguments, one letter
 * of types each: 'i' an int, 'I' an int64_t, 't' a string lent until the
 * statement is done with (NULL binds NULL). */
static void
bind_list(sqlite3_stmt *st, const char *types, ...)
{
	va_list ap;
	int i;

	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		switch (types[i]) {
		case 'i':
			sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		default:
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *),
					  -1, SQLITE_STATIC);
		}
	}
	va_end(ap);
}

/* Steps st, a query of at most one row: 1 when st is on that row, 0 when
 * there is none, -1 with e (what failed) on error. */
static int
step_row(struct sqlite_store *s, sqlite3_stmt *st, const char *what,
	 struct err *e)
{
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return db_error(s, e, what);
	}
}

/* Steps st, a statement that returns no row, and finalizes it: the number
 * of rows it changed, or -1 with e (what failed). */
static int
finish(struct sqlite_store *s, sqlite3_stmt *st, const char *what,
       struct err *e)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->db) :
						   db_error(s, e, what);

	sqlite3_finalize(st);
	return rc;
}

/* Where a walk over rows (walk()) hands each row: to the caller's
 * callback, of the type the rows call for, with its argument and e (or,
 * with no callback, to what row() fills in arg); errors of its own
 * (memory) go to e too. */
struct walk_to {
	union {
		int (*feed)(const struct store_feed *f, void *arg,
			    struct err *e);
		int (*subscriber)(const struct store_subscriber *sub, void *arg,
				  struct err *e);
		int (*news)(const struct store_news *n, void *arg,
			    struct err *e);
		int (*outbox)(const struct store_outbox_row *row, void *arg,
			      struct err *e);
		int (*outage)(const struct store_outage *o, void *arg,
			      struct err *e);
		int (*schedule)(const char *schedule, const char *timezone,
				void *arg, struct err *e);
		int (*consent)(const struct store_consent *c, void *arg,
			       struct err *e);
	} cb;
	void *arg;
	struct err *e;
};

/* Steps st and hands each row to row() until one returns non-zero, as
 * callbacks do (store.h, "Callbacks"): 0 when all rows went, 1 when a row
 * stopped the walk, -1 with e when a row or a step (what failed) failed. st is then finalized, or only reset when it is kept (a cached
 * statement: see prepared()), so that no read outlives the call. */
static int
walk(struct sqlite_store *s, sqlite3_stmt *st, int kept,
     int (*row)(sqlite3_stmt *st, const struct walk_to *to),
     const struct walk_to *to, const char *what, struct err *e)
{
	int rc = 0, step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(st, to)) != 0)
			break;
	if (!rc && step != SQLITE_DONE)
		rc = db_error(s, e, what);
	if (kept)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	return rc;
}

/* Copies a text column (sqlite3_column_text is only valid until the next
 * step). NULL for SQL NULL; sets *oom on allocation failure. */
static char *
column_strdup(sqlite3_stmt *st, int col, int *oom)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	char *copy;

	if (!t)
		return NULL;
	copy = strdup((const char *)t);
	if (!copy)
		*oom = 1;
	return copy;
}

/* Copies a blob column (a message) with a NUL after it into malloc'd
 * memory, its length in *len; sets *oom on allocation failure. */
static char *
column_blobdup(sqlite3_stmt *st, int col, size_t *len, int *oom)
{
	const void *blob = sqlite3_column_blob(st, col);
	char *copy;

	*len = (size_t)sqlite3_column_bytes(st, col);
	copy = malloc(*len + 1);
	if (!copy) {
		*oom = 1;
		return NULL;
	}
	if (*len)
		memcpy(copy, blob, *len);
	copy[*len] = '\0';
	return copy;
}

/* The schema version of the file into *v: PRAGMA user_version. */
static int
read_version(struct sqlite_store *s, int *v, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st, "PRAGMA user_version", e) < 0)
		return -1;
	rc = step_row(s, st, "read schema version", e);
	if (rc == 1)
		*v = sqlite3_column_int(st, 0);
	else if (rc == 0)
		rc = err_set(e, EX_SOFTWARE, "store '%s': no schema version",
			     s->path);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_schema_version(struct store *base)
{
	struct sqlite_store *s = sq(base);
	int v = -1;

	if (read_version(s, &v, NULL) < 0)
		return -1;
	return v;
}

static int
check_version(struct sqlite_store *s, int v, struct err *e)
{
	if (v > N_MIGRATIONS)
		return err_set(e, EX_CONFIG,
			       "store '%s' has schema version %d, newer than "
			       "this feedmail (%d): upgrade feedmail",
			       s->path, v, N_MIGRATIONS);
	return 0;
}

/* Migrates s to version target, one transaction per step. Several
 * commands may open a store that needs it at once (cron's run beside a
 * user's list): each step reads the version again once it holds the
 * write lock, so that a step another process has just made is not made
 * twice ("table feeds already exists"). */
static int
migrate(struct sqlite_store *s, int target, struct err *e)
{
	char sql[64];
	int v;

	/* the usual case, no migration, takes no write lock */
	if (read_version(s, &v, e) < 0 || check_version(s, v, e) < 0)
		return -1;
	while (v < target) {
		if (store_begin(&s->base, e) < 0)
			return err_prefix(e, "migrate to version %d", v + 1);
		if (read_version(s, &v, e) < 0 || check_version(s, v, e) < 0)
			goto fail;
		if (v >= target)
			return store_commit(&s->base, e);
		/* each step and its version bump commit together */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(s, migrations[v], e) < 0 ||
		    exec_sql(s, sql, e) < 0 || store_commit(&s->base, e) < 0) {
			err_prefix(e, "migrate to version %d", v + 1);
			goto fail;
		}
		v++;
	}
	return 0;
fail:
	store_rollback(&s->base);
	return -1;
}

/* Puts the file in WAL mode unless it is already. Only the first opens
 * of a new file change the mode, and they race to do it. No open asks
 * for a change it does not need: that would take the file's exclusive
 * lock every time. Where WAL cannot work (no shared memory on that file
 * system) SQLite keeps the old mode, and the store works as before,
 * readers waiting for writers. */
static int
use_wal(struct sqlite_store *s, struct err *e)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int set = 0, tries = 0, step, rc;

	for (;;) {
		/* the first statement to read the file: its errors are the
		 * open's */
		if (sqlite3_prepare_v2(s->db,
				       set ? "PRAGMA journal_mode = WAL" :
					     "PRAGMA journal_mode",
				       -1, &st, NULL) != SQLITE_OK)
			return db_error(s, e, "open");
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			mode = sqlite3_column_text(st, 0);
			rc = set ||
			     (mode && !strcmp((const char *)mode, "wal"));
			sqlite3_finalize(st);
			if (rc)
				return 0;
			set = 1;
			continue;
		}
		/* Changing the mode turns a read lock into the exclusive
		 * one, and SQLite does not wait for that: two connections
		 * each holding a read lock and waiting for the other's to
		 * go would wait for ever, so it says "busy" at once. The
		 * other opener is done in a moment; wait as the busy
		 * timeout would. */
		if ((step & 0xff) == SQLITE_BUSY &&
		    ++tries < STORE_BUSY_TIMEOUT * 200) {
			sqlite3_finalize(st);
			nanosleep(&pause, NULL);
			continue;
		}
		rc = db_error(s, e, "open");
		sqlite3_finalize(st);
		return rc;
	}
}

/* A store for path, not open yet; NULL with e when memory runs out. */
static struct sqlite_store *
sq_new(const char *path, struct err *e)
{
	struct sqlite_store *s = calloc(1, sizeof(*s));

	if (!s || !(s->path = strdup(path))) {
		free(s);
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	s->base.ops = &store_sqlite_ops;
	return s;
}

/*
 * Leases: the rows a handle has claimed, by id, with when each lease ends.
 * One worker holds the run lock, so the handle's own are all there are.
 * Sorted by id once a claim is done.
 */
struct lease {
	int64_t id, until;
};

struct leases {
	struct lease *items;
	size_t n, cap;
};

static int
lease_cmp(const void *a, const void *b)
{
	const struct lease *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The lease of row id among the first sorted of l, or NULL. */
static struct lease *
lease_find(const struct leases *l, size_t sorted, int64_t id)
{
	struct lease key = { id, 0 };

	if (!sorted)
		return NULL;
	return bsearch(&key, l->items, sorted, sizeof(key), lease_cmp);
}

/* Makes room in *l (made on first use) for n more leases, so that a
 * claim's lease_set cannot fail. 0, or -1 when memory runs out. */
static int
leases_reserve(struct leases **l, size_t n)
{
	struct lease *grown;
	size_t cap;

	if (!*l && !(*l = calloc(1, sizeof(**l))))
		return -1;
	if (n > SIZE_MAX / sizeof(*grown) - (*l)->n)
		return -1;
	if ((*l)->n + n <= (*l)->cap)
		return 0;
	/* grow by half again, at least to what is needed */
	cap = (*l)->cap + (*l)->cap / 2;
	if (cap < (*l)->n + n || cap > SIZE_MAX / sizeof(*grown))
		cap = (*l)->n + n;
	grown = realloc((*l)->items, cap * sizeof(*grown));
	if (!grown)
		return -1;
	(*l)->items = grown;
	(*l)->cap = cap;
	return 0;
}

/* Leases row id until `until`, in room leases_reserve made; a lease that
 * ended is taken again. leases_sort once the claim is done. */
static void
lease_set(struct leases *l, size_t sorted, int64_t id, int64_t until)
{
	struct lease *found = lease_find(l, sorted, id);

	if (found) {
		found->until = until;
		return;
	}
	l->items[l->n].id = id;
	l->items[l->n++].until = until;
}

static void
leases_sort(struct leases *l)
{
	qsort(l->items, l->n, sizeof(*l->items), lease_cmp);
}

static void
leases_free(struct leases *l)
{
	if (l)
		free(l->items);
	free(l);
}

/* Closes and frees s. NULL-safe. */
static void
sq_free(struct sqlite_store *s)
{
	size_t i;

	if (!s)
		return;
	leases_free(s->fetch_leases);
	leases_free(s->outbox_leases);
	for (i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_finalize(s->copy_insert);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* The collation FOLD: tags compared as --include words are, without
 * regard to case or accents ("Isère" = "isere"). Tags are short; one
 * that does not fold within its cap compares as it is. */
static int
fold_compare(void *arg, int alen, const void *a, int blen, const void *b)
{
	struct buf fa = BUF_INIT(4096), fb = BUF_INIT(4096);
	char *sa = strndup(a, (size_t)alen), *sb = strndup(b, (size_t)blen);
	int rc;

	(void)arg;
	if (!sa || !sb || utf8_fold(&fa, sa) < 0 || utf8_fold(&fb, sb) < 0) {
		rc = alen == blen ? memcmp(a, b, (size_t)alen) :
		     alen < blen  ? -1 :
				    1;
	} else {
		rc = memcmp(fa.data, fb.data,
			    fa.len < fb.len ? fa.len : fb.len);
		if (!rc && fa.len != fb.len)
			rc = fa.len < fb.len ? -1 : 1;
	}
	free(sa);
	free(sb);
	buf_release(&fa);
	buf_release(&fb);
	return rc;
}

/* sqlite3_open_v2 of name (path, or a URI naming it) with flags. */
static int
open_db(struct sqlite_store *s, const char *name, int flags, struct err *e)
{
	int rc = sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOMUTEX,
				 NULL);

	if (rc != SQLITE_OK)
		return store_error(s, rc, "open",
				   s->db ? sqlite3_errmsg(s->db) :
					   strerror(ENOMEM),
				   e);
	if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT * 1000) !=
		    SQLITE_OK ||
	    sqlite3_create_collation(s->db, "FOLD", SQLITE_UTF8, NULL,
				     fold_compare) != SQLITE_OK)
		return db_error(s, e, "open");
	return 0;
}

static struct sqlite_store *
sq_open(const char *path, int version, struct err *e)
{
	struct sqlite_store *s = sq_new(path, e);

	if (!s)
		return NULL;
	if (fs_mkdir_parents(path, e) < 0 ||
	    open_db(s, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, e) < 0)
		goto fail;
	/* SQLite opens a file it may not write read-only without a word:
	 * say so now, not at the first write, half-way through a command */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		store_error(s, SQLITE_READONLY, "open", "the file is read-only",
			    e);
		goto fail;
	}
	/* WAL: readers (list, status) never block the writing run;
	 * synchronous=NORMAL is durable against a killed process, which is
	 * what the delivery guarantees are about */
	if (use_wal(s, e) < 0 || exec_sql(s,
					  "PRAGMA synchronous = NORMAL;"
					  "PRAGMA foreign_keys = ON;",
					  e) < 0)
		goto fail;
	if (migrate(s, version, e) < 0)
		goto fail;
	return s;
fail:
	sq_free(s);
	return NULL;
}

static struct store *
sqlite_open(const char *path, int version, struct err *e)
{
	struct sqlite_store *s = sq_open(path, version, e);

	return s ? &s->base : NULL;
}

/* The URI "file:PATH?immutable=1" for path, malloc'd; NULL when memory
 * runs out. '%', '?' and '#' are escaped; an absolute path gets an empty
 * authority ("file:///srv/x.db"), so that "//srv" stays a path. */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path), i, o;
	char *uri;

	if (len > (SIZE_MAX - 32) / 3 || !(uri = malloc(len * 3 + 32)))
		return NULL;
	o = (size_t)snprintf(uri, 8, "file:%s", path[0] == '/' ? "//" : "");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '%' || c == '?' || c == '#') {
			uri[o++] = '%';
			uri[o++] = hex[c >> 4];
			uri[o++] = hex[c & 15];
		} else {
			uri[o++] = (char)c;
		}
	}
	memcpy(uri + o, "?immutable=1", sizeof("?immutable=1"));
	return uri;
}

/* Opens the store at path read-only, as it is. SQLite reads a WAL file
 * through its -shm: when one exists (someone has the store open) SQLite
 * uses it, read-only if need be; when none does, creating one would
 * fail where the folder is read-only, and elsewhere leave a file of ours
 * that its owner's next write could not use. So with none, the file is
 * read as immutable: with no -shm, no connection is open, the WAL is
 * empty, and the file holds everything. (A writer starting within the
 * few milliseconds of a read writes to the WAL, not the file, until a
 * checkpoint.) */
static struct sqlite_store *
open_read_only(const char *path, struct err *e)
{
	struct sqlite_store *s = sq_new(path, e);
	char *shm = NULL, *uri = NULL;
	int rc = -1;

	if (!s)
		return NULL;
	s->readonly = 1;
	if (asprintf(&shm, "%s-shm", path) < 0) {
		err_set(e, EX_OSERR, "out of memory");
		goto out;
	}
	if (access(shm, F_OK) == 0) {
		rc = open_db(s, path, SQLITE_OPEN_READONLY, e);
	} else if (!(uri = immutable_uri(path))) {
		err_set(e, EX_OSERR, "out of memory");
	} else {
		rc = open_db(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, e);
	}
out:
	free(shm);
	free(uri);
	if (rc < 0) {
		sq_free(s);
		return NULL;
	}
	return s;
}

static struct store *
sqlite_open_read(const char *path, struct err *e)
{
	struct err werr = ERR_INIT;
	struct sqlite_store *s;
	char why[4096];
	int v;

	s = sq_open(path, STORE_SCHEMA_VERSION, &werr);
	if (s || werr.code != EX_NOPERM) {
		if (!s)
			*e = werr;
		return s ? &s->base : NULL;
	}
	/* it cannot be written: read it as it is, if it is current */
	s = open_read_only(path, e);
	if (!s || read_version(s, &v, e) < 0) {
		sq_free(s);
		*e = werr;
		return NULL;
	}
	if (check_version(s, v, e) < 0)
		goto fail;
	if (v < STORE_SCHEMA_VERSION) {
		s->readonly = 0;
		if (access_denied(s, why, sizeof(why)) == FS_DENIED_NONE)
			snprintf(why, sizeof(why), "%s", werr.msg);
		err_set(e, EX_NOPERM,
			"store '%s' has schema version %d, older than this "
			"feedmail's %d, and migrating it needs write access: "
			"%s",
			path, v, STORE_SCHEMA_VERSION, why);
		goto fail;
	}
	return &s->base;
fail:
	sq_free(s);
	return NULL;
}

static int
sqlite_read_only(const struct store *base)
{
	const struct sqlite_store *s = csq(base);

	return s->readonly;
}

/* A SQLite handle has no connection to lose. */
static int
sqlite_lost(const struct store *base)
{
	(void)base;
	return 0;
}

/* The busy handler of store_open_another: 0.1 ms steps, 10 s in all,
 * as the busy timeout of store_open (STORE_BUSY_TIMEOUT). */
static int
busy_poll(void *arg, int count)
{
	struct timespec step = { 0, 100 * 1000 };

	(void)arg;
	if (count >= 100000)
		return 0;
	nanosleep(&step, NULL);
	return 1;
}

static struct store *
sqlite_open_another(const struct store *base, struct err *e)
{
	const struct sqlite_store *s = csq(base);
	struct sqlite_store *other;

	if (!sqlite3_threadsafe()) {
		err_set(e, EX_SOFTWARE, "SQLite was built without threads");
		return NULL;
	}
	other = sq_open(s->path, STORE_SCHEMA_VERSION, e);
	if (other &&
	    sqlite3_busy_handler(other->db, busy_poll, NULL) != SQLITE_OK) {
		db_error(other, e, "set busy handler");
		sq_free(other);
		return NULL;
	}
	return other ? &other->base : NULL;
}

static void
sqlite_close(struct store *base)
{
	sq_free(sq(base));
}

static int
sqlite_begin(struct store *base, struct err *e)
{
	struct sqlite_store *s = sq(base);

	/* IMMEDIATE takes the write lock up front, so a transaction never
	 * fails half-way on a lock upgrade */
	if (exec_sql(s, s->depth ? "SAVEPOINT nested" : "BEGIN IMMEDIATE", e) <
	    0)
		return -1;
	s->depth++;
	return 0;
}

static int
sqlite_commit(struct store *base, struct err *e)
{
	struct sqlite_store *s = sq(base);

	if (exec_sql(s, s->depth > 1 ? "RELEASE nested" : "COMMIT", e) < 0)
		return -1;
	s->depth--;
	return 0;
}

static void
sqlite_rollback(struct store *base)
{
	struct sqlite_store *s = sq(base);

	if (!s->depth)
		return;
	if (s->depth > 1)
		sqlite3_exec(s->db, "ROLLBACK TO nested; RELEASE nested", NULL,
			     NULL, NULL);
	else
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->depth--;
}

/* Tags are stored one row each, in order; read back joined by US (0x1f),
 * a byte no tag can contain. */
#define TAG_SEP "\x1f"

static int
tags_split(const char *joined, struct store_tags *t)
{
	const char *p = joined;
	size_t len;

	t->items = NULL;
	t->n = 0;
	if (!joined || !*joined)
		return 0;
	while (1) {
		char **grown = realloc(t->items, (t->n + 1) * sizeof(char *));

		if (!grown)
			return -1;
		t->items = grown;
		len = strcspn(p, TAG_SEP);
		t->items[t->n] = strndup(p, len);
		if (!t->items[t->n])
			return -1;
		t->n++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* Words joined by US for a column, malloc'd; NULL for none. */
static char *
words_join(const struct store_tags *t)
{
	size_t i, len = 0;
	char *out, *p;

	if (!t || !t->n)
		return NULL;
	for (i = 0; i < t->n; i++)
		len += strlen(t->items[i]) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	for (i = 0, p = out; i < t->n; i++) {
		size_t n = strlen(t->items[i]);

		memcpy(p, t->items[i], n);
		p += n;
		*p++ = i + 1 < t->n ? TAG_SEP[0] : '\0';
	}
	return out;
}

static int
tags_insert(struct sqlite_store *s, const char *sql, int64_t owner,
	    const struct store_tags *tags, struct err *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	if (!tags || !tags->n)
		return 0;
	if (prepare(s, &st, sql, e) < 0)
		return -1;
	for (i = 0; i < tags->n; i++) {
		sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, tags->items[i], -1, SQLITE_STATIC);
		/* the same tag twice is kept once */
		if (sqlite3_step(st) != SQLITE_DONE &&
		    sqlite3_extended_errcode(s->db) !=
			    SQLITE_CONSTRAINT_PRIMARYKEY) {
			rc = db_error(s, e, "insert tag");
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Reads a column of tags joined by US into t. */
static void
column_tags(sqlite3_stmt *st, int col, struct store_tags *t, int *oom)
{
	char *joined = column_strdup(st, col, oom);

	if (tags_split(joined, t) < 0)
		*oom = 1;
	free(joined);
}

static int
sqlite_feed_add(struct store *base, const char *url, const char *title,
		const struct store_tags *tags, int64_t now, int64_t *id,
		struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st, "SELECT id FROM feeds WHERE url = ?", e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	rc = step_row(s, st, "look up feed", e);
	if (rc > 0)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc) /* there already (1), or the lookup failed */
		return rc;
	st = NULL;
	rc = -1;
	if (store_begin(&s->base, e) < 0)
		return -1;
	if (prepare(s, &st,
		    "INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?)",
		    e) < 0)
		goto out;
	bind_list(st, "ttI", url, title, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, e, "add feed");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	if (tags_insert(s,
			"INSERT INTO feed_tags (feed_id, position, tag) "
			"VALUES (?, ?, ?)",
			*id, tags, e) < 0)
		goto out;
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_feed_set_user_agent(struct store *base, int64_t id, const char *ua,
			   struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st, "UPDATE feeds SET user_agent = ? WHERE id = ?", e) <
	    0)
		return -1;
	sqlite3_bind_text(st, 1, ua, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return finish(s, st, "set user agent", e) < 0 ? -1 : 0;
}

static int
sqlite_feed_set_site_link(struct store *base, int64_t id, const char *link,
			  struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "UPDATE feeds SET site_link = coalesce(site_link, ?)"
		    " WHERE id = ?",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, link, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return finish(s, st, "set site link", e) < 0 ? -1 : 0;
}

static int
sqlite_feed_find(struct store *base, const char *id_or_url, int64_t *id,
		 struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char *end;
	long long n;
	int rc;

	if (prepare(s, &st, "SELECT id FROM feeds WHERE id = ? OR url = ?", e) <
	    0)
		return -1;
	errno = 0;
	n = strtoll(id_or_url, &end, 10);
	if (!errno && *id_or_url && !*end)
		sqlite3_bind_int64(st, 1, n);
	sqlite3_bind_text(st, 2, id_or_url, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, EX_DATAERR, "no feed '%s'", id_or_url);
	} else {
		rc = db_error(s, e, "find feed");
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_feed_remove(struct store *base, int64_t id, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	/* ON DELETE CASCADE takes its tags, entries and their deliveries */
	if (prepare(s, &st, "DELETE FROM feeds WHERE id = ?", e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = finish(s, st, "remove feed", e);
	if (rc == 0)
		return err_set(e, EX_DATAERR, "no feed %" PRId64, id);
	return rc < 0 ? -1 : 0;
}

static int
feed_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_feed f = { 0 };
	int oom = 0, rc;

	f.id = sqlite3_column_int64(st, 0);
	f.url = column_strdup(st, 1, &oom);
	f.title = column_strdup(st, 2, &oom);
	f.enabled = sqlite3_column_int(st, 3);
	f.added_at = sqlite3_column_int64(st, 4);
	f.last_fetch_at = sqlite3_column_int64(st, 5);
	f.last_success_at = sqlite3_column_int64(st, 6);
	f.last_status = column_strdup(st, 7, &oom);
	f.last_error = column_strdup(st, 8, &oom);
	f.failures = sqlite3_column_int(st, 9);
	column_tags(st, 10, &f.tags, &oom);
	f.entries = sqlite3_column_int64(st, 11);
	f.next_fetch_at = sqlite3_column_int64(st, 12);
	f.last_new_entry_at = sqlite3_column_int64(st, 13);
	f.site_link = column_strdup(st, 14, &oom);
	rc = oom ? err_set(to->e, EX_OSERR, "out of memory") :
		   to->cb.feed(&f, to->arg, to->e);
	store_feed_release(&f);
	return rc;
}

static int
sqlite_feed_each(struct store *base,
		 int (*cb)(const struct store_feed *f, void *arg,
			   struct err *e),
		 void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.feed = cb, .arg = arg, .e = e };
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "SELECT f.id, f.url, f.title, f.enabled, f.added_at,"
		    " f.last_fetch_at, f.last_success_at, f.last_status,"
		    " f.last_error, f.failures,"
		    " (SELECT group_concat(tag, char(31)) FROM"
		    "  (SELECT tag FROM feed_tags WHERE feed_id = f.id"
		    "   ORDER BY position)),"
		    " (SELECT count(*) FROM entries WHERE feed_id = f.id),"
		    " f.next_fetch_at, f.last_new_entry_at, f.site_link"
		    " FROM feeds f ORDER BY f.id",
		    e) < 0)
		return -1;
	return walk(s, st, 0, feed_row, &to, "list feeds", e);
}

/* Why add refused email, which is there already: as it is, or kept as
 * a suppression since the subscriber unsubscribed. */
static void
already_there(struct sqlite_store *s, const char *email, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char when[DATE_UTC_SIZE];
	int64_t at = 0;

	if (prepare(s, &st,
		    "SELECT coalesce(unsubscribed_at, 0) FROM subscribers"
		    " WHERE email = ?",
		    e) == 0) {
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			at = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (!at) {
		err_set(e, EX_DATAERR, "subscriber '%s' already exists", email);
		return;
	}
	date_format_utc(at, when);
	when[10] = '\0'; /* the day says enough */
	err_set(e, EX_DATAERR,
		"'%s' unsubscribed on %s; kept so that nobody adds them "
		"again: they may subscribe again themselves (a confirmation), "
		"or add --resubscribe if they asked you",
		email, when);
}

static int
sqlite_subscriber_add(struct store *base, const struct store_subscriber *sub,
		      int64_t now, int64_t *id, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (store_begin(&s->base, e) < 0)
		return -1;
	/* They start after the newest entry there is: the write lock, held
	 * since store_begin, orders this among the entries' inserts, so an
	 * entry is before it or after it, whatever the clocks say. (An id
	 * above it deleted since is never given again: AUTOINCREMENT.) */
	if (prepare(s, &st,
		    "INSERT INTO subscribers (email, name, lang, created_at,"
		    " schedule, timezone, include_words, exclude_words, token,"
		    " start_seq, pending_since)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
		    " lower(hex(randomblob(16))),"
		    " (SELECT coalesce(max(id), 0) FROM entries), nullif(?9, 0))",
		    e) < 0)
		goto out;
	bind_list(st, "tttItt", sub->email, sub->name, sub->lang, now,
		  sub->schedule, sub->timezone);
	sqlite3_bind_text(st, 7, words_join(&sub->include), -1, free);
	sqlite3_bind_text(st, 8, words_join(&sub->exclude), -1, free);
	sqlite3_bind_int64(st, 9, sub->pending_since);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
			already_there(s, sub->email, e);
		else
			db_error(s, e, "add subscriber");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	if (tags_insert(s,
			"INSERT INTO subscriber_tags"
			" (subscriber_id, position, tag) VALUES (?, ?, ?)",
			*id, &sub->tags, e) < 0)
		goto out;
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_subscriber_remove(struct store *base, const char *email, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st, "DELETE FROM subscribers WHERE email = ?", e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	rc = finish(s, st, "remove subscriber", e);
	if (rc == 0)
		return err_set(e, EX_DATAERR, "no subscriber '%s'", email);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_update(struct store *base, const struct store_subscriber *sub,
			 struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (store_begin(&s->base, e) < 0)
		return -1;
	if (prepare(s, &st,
		    "UPDATE subscribers SET name = ?, lang = ?, schedule = ?,"
		    " timezone = ?, include_words = ?, exclude_words = ?"
		    " WHERE id = ?",
		    e) < 0)
		goto out;
	bind_list(st, "tttt", sub->name, sub->lang, sub->schedule,
		  sub->timezone);
	sqlite3_bind_text(st, 5, words_join(&sub->include), -1, free);
	sqlite3_bind_text(st, 6, words_join(&sub->exclude), -1, free);
	sqlite3_bind_int64(st, 7, sub->id);
	rc = finish(s, st, "update subscriber", e);
	st = NULL;
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "no subscriber %lld",
			     (long long)sub->id);
	if (rc < 0)
		goto out;
	rc = -1;
	if (prepare(s, &st,
		    "DELETE FROM subscriber_tags WHERE subscriber_id = ?",
		    e) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, sub->id);
	if (finish(s, st, "update subscriber tags", e) < 0) {
		st = NULL;
		goto out;
	}
	st = NULL;
	if (tags_insert(s,
			"INSERT INTO subscriber_tags"
			" (subscriber_id, position, tag) VALUES (?, ?, ?)",
			sub->id, &sub->tags, e) < 0)
		goto out;
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_subscriber_pause(struct store *base, int64_t id, int64_t at,
			int64_t until, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "UPDATE subscribers SET paused_at = ?, paused_until = ?"
		    " WHERE id = ?",
		    e) < 0)
		return -1;
	if (at)
		sqlite3_bind_int64(st, 1, at);
	if (at && until)
		sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, id);
	rc = finish(s, st, "pause subscriber", e);
	if (rc == 0)
		return err_set(e, EX_DATAERR, "no subscriber %lld",
			       (long long)id);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_unsubscribe(struct store *base, int64_t id, int64_t now,
			      int *changed, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	*changed = 0;
	if (store_begin(base, e) < 0)
		return -1;
	rc = prepare(s, &st,
		     "SELECT unsubscribed_at IS NULL FROM subscribers"
		     " WHERE id = ?",
		     e);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st) == SQLITE_ROW ?
			     sqlite3_column_int(st, 0) :
			     -2;
		sqlite3_finalize(st);
		st = NULL;
		if (rc == -2)
			rc = err_set(e, EX_DATAERR, "no subscriber %lld",
				     (long long)id);
	}
	if (rc == 1) {
		*changed = 1;
		rc = prepare(s, &st,
			     "UPDATE subscribers SET unsubscribed_at = ?,"
			     " pending_since = NULL WHERE id = ?",
			     e);
		if (rc == 0) {
			sqlite3_bind_int64(st, 1, now);
			sqlite3_bind_int64(st, 2, id);
			rc = finish(s, st, "unsubscribe", e);
		}
		/* their digests not yet sent never will be */
		if (rc >= 0)
			rc = prepare(s, &st,
				     "UPDATE outbox SET status = 'failed',"
				     " reply = 'unsubscribed', dropped = 1"
				     " WHERE subscriber_id = ?"
				     " AND status = 'pending'",
				     e);
		if (rc >= 0) {
			sqlite3_bind_int64(st, 1, id);
			rc = finish(s, st, "unsubscribe", e);
		}
	}
	if (rc < 0) {
		store_rollback(base);
		return -1;
	}
	return store_commit(base, e);
}

/* The subscriber id starts anew at now: subscribed then, and what is new
 * to them is what the store keeps from now on (as add). */
#define SUBSCRIBER_RESTART              \
	" created_at = ?2, start_seq =" \
	" (SELECT coalesce(max(id), 0) FROM entries)"

static int
consent_insert(struct sqlite_store *s, int64_t id,
	       const struct store_consent *c, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "INSERT INTO consents (subscriber_id, email, given_at,"
		    " source, ip, wording, lang)"
		    " SELECT id, coalesce(?2, email), ?3, ?4, ?5, ?6, ?7"
		    " FROM subscribers WHERE id = ?1",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, c->email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->given_at);
	sqlite3_bind_text(st, 4, c->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->wording, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->lang, -1, SQLITE_STATIC);
	rc = finish(s, st, "record the consent", e);
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "no subscriber %lld",
			     (long long)id);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_consent_add(struct store *base, const struct store_consent *c,
		   struct err *e)
{
	return consent_insert(sq(base), c->subscriber_id, c, e);
}

static int
consent_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_consent c = {
		.subscriber_id = sqlite3_column_int64(st, 0),
		.email = (const char *)sqlite3_column_text(st, 1),
		.given_at = sqlite3_column_int64(st, 2),
		.source = (const char *)sqlite3_column_text(st, 3),
		.ip = (const char *)sqlite3_column_text(st, 4),
		.wording = (const char *)sqlite3_column_text(st, 5),
		.lang = (const char *)sqlite3_column_text(st, 6),
	};

	return to->cb.consent(&c, to->arg, to->e);
}

static int
sqlite_consent_each(struct store *base, int64_t id,
		    int (*cb)(const struct store_consent *c, void *arg,
			      struct err *e),
		    void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	struct walk_to to = { .arg = arg, .e = e };

	to.cb.consent = cb;
	if (prepare(s, &st,
		    "SELECT coalesce(subscriber_id, 0), email, given_at, source,"
		    " ip, wording, lang FROM consents WHERE subscriber_id = ?"
		    " ORDER BY given_at, id",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return walk(s, st, 0, consent_row, &to, "read consents", e);
}

/* 1 when subscriber id is waiting for their confirmation, else 0; -1
 * with e (unknown id: EX_DATAERR). *unsubscribed: whether they
 * unsubscribed (and have not confirmed since). */
static int
subscriber_waiting(struct sqlite_store *s, int64_t id, int *unsubscribed,
		   struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "SELECT pending_since IS NOT NULL,"
		    " unsubscribed_at IS NOT NULL FROM subscribers WHERE id = ?",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = step_row(s, st, "read the subscriber", e);
	if (rc == 1) {
		*unsubscribed = sqlite3_column_int(st, 1);
		rc = sqlite3_column_int(st, 0);
	} else if (rc == 0) {
		rc = err_set(e, EX_DATAERR, "no subscriber %lld",
			     (long long)id);
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_subscriber_confirm(struct store *base, int64_t id,
			  const struct store_consent *c, int *changed,
			  struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc, unsubscribed = 0;

	*changed = 0;
	if (store_begin(base, e) < 0)
		return -1;
	rc = subscriber_waiting(s, id, &unsubscribed, e);
	if (rc == 1) {
		*changed = 1;
		rc = prepare(s, &st,
			     "UPDATE subscribers SET pending_since = NULL,"
			     " unsubscribed_at = NULL," SUBSCRIBER_RESTART
			     " WHERE id = ?1",
			     e);
		if (rc == 0) {
			bind_list(st, "II", id, c->given_at);
			rc = finish(s, st, "confirm", e);
		}
		/* the consent only with what it changed: not again */
		if (rc >= 0)
			rc = consent_insert(s, id, c, e);
	}
	if (rc < 0) {
		store_rollback(base);
		return -1;
	}
	return store_commit(base, e);
}

static int
sqlite_subscriber_resubscribe(struct store *base, int64_t id, int64_t now,
			      int pending, int *changed, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc, unsubscribed = 0;

	*changed = 0;
	if (store_begin(base, e) < 0)
		return -1;
	rc = subscriber_waiting(s, id, &unsubscribed, e);
	if (rc >= 0 && unsubscribed) {
		*changed = 1;
		rc = prepare(
			s, &st,
			"UPDATE subscribers SET unsubscribed_at = NULL,"
			" pending_since = CASE WHEN ?3 THEN ?2 END," SUBSCRIBER_RESTART
			" WHERE id = ?1",
			e);
		if (rc == 0) {
			bind_list(st, "IIi", id, now, pending);
			rc = finish(s, st, "resubscribe", e);
		}
	}
	if (rc < 0) {
		store_rollback(base);
		return -1;
	}
	return store_commit(base, e);
}

static int
sqlite_subscriber_ask(struct store *base, int64_t id, int64_t now,
		      struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "UPDATE subscribers SET pending_since ="
		    " coalesce(pending_since, ?) WHERE id = ?",
		    e) < 0)
		return -1;
	bind_list(st, "II", now, id);
	rc = finish(s, st, "note the subscriber's asking", e);
	if (rc == 0)
		return err_set(e, EX_DATAERR, "no subscriber %lld",
			       (long long)id);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_confirm_sent(struct store *base, int64_t id, int64_t at,
			       struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "UPDATE subscribers SET confirm_sent_at = ? WHERE id = ?",
		    e) < 0)
		return -1;
	bind_list(st, "II", at, id);
	rc = finish(s, st, "note the confirmation sent", e);
	if (rc == 0)
		return err_set(e, EX_DATAERR, "no subscriber %lld",
			       (long long)id);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_count(struct store *base, int64_t now,
			struct store_subscriber_counts *c, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	/* the states of store_subscriber_state, in its order */
	if (prepare(s, &st,
		    "SELECT"
		    " count(CASE WHEN unsubscribed_at IS NOT NULL THEN 1 END),"
		    " count(CASE WHEN unsubscribed_at IS NULL"
		    "  AND pending_since IS NOT NULL THEN 1 END),"
		    " count(CASE WHEN unsubscribed_at IS NULL"
		    "  AND pending_since IS NULL AND paused_at IS NOT NULL"
		    "  AND (paused_until IS NULL OR ?1 < paused_until)"
		    "  THEN 1 END),"
		    " count(*) FROM subscribers",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	rc = step_row(s, st, "count subscribers", e);
	if (rc == 1) {
		c->unsubscribed = sqlite3_column_int64(st, 0);
		c->pending = sqlite3_column_int64(st, 1);
		c->paused = sqlite3_column_int64(st, 2);
		c->active = sqlite3_column_int64(st, 3) - c->unsubscribed -
			    c->pending - c->paused;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_forget_pending(struct store *base, int64_t before, size_t *n,
				 struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "DELETE FROM subscribers WHERE pending_since < ?"
		    " AND unsubscribed_at IS NULL",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	rc = finish(s, st, "forget unconfirmed subscribers", e);
	if (rc < 0)
		return -1;
	*n = (size_t)rc;
	return 0;
}

/* The columns subscriber_from_row reads, from subscribers s. */
#define SUBSCRIBER_COLUMNS                                           \
	"SELECT s.id, s.email, s.name, s.lang, s.created_at,"        \
	" (SELECT group_concat(tag, char(31)) FROM"                  \
	"  (SELECT tag FROM subscriber_tags"                         \
	"   WHERE subscriber_id = s.id ORDER BY position)),"         \
	" s.schedule, s.timezone, s.include_words, s.exclude_words," \
	" s.token, s.paused_at, s.paused_until, s.pending_since,"    \
	" s.unsubscribed_at FROM subscribers s"

/* Fills sub from a row of SUBSCRIBER_COLUMNS: 0, or -1 when memory runs
 * out (sub then empty). */
static int
subscriber_from_row(sqlite3_stmt *st, struct store_subscriber *sub)
{
	int oom = 0;

	memset(sub, 0, sizeof(*sub));
	sub->id = sqlite3_column_int64(st, 0);
	sub->email = column_strdup(st, 1, &oom);
	sub->name = column_strdup(st, 2, &oom);
	sub->lang = column_strdup(st, 3, &oom);
	sub->created_at = sqlite3_column_int64(st, 4);
	column_tags(st, 5, &sub->tags, &oom);
	sub->schedule = column_strdup(st, 6, &oom);
	sub->timezone = column_strdup(st, 7, &oom);
	column_tags(st, 8, &sub->include, &oom);
	column_tags(st, 9, &sub->exclude, &oom);
	sub->token = column_strdup(st, 10, &oom);
	sub->paused_at = sqlite3_column_int64(st, 11);
	sub->paused_until = sqlite3_column_int64(st, 12);
	sub->pending_since = sqlite3_column_int64(st, 13);
	sub->unsubscribed_at = sqlite3_column_int64(st, 14);
	if (oom)
		store_subscriber_release(sub);
	return oom ? -1 : 0;
}

static int
subscriber_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_subscriber sub;
	int rc;

	if (subscriber_from_row(st, &sub) < 0)
		return err_set(to->e, EX_OSERR, "out of memory");
	rc = to->cb.subscriber(&sub, to->arg, to->e);
	store_subscriber_release(&sub);
	return rc;
}

static int
sqlite_subscriber_page(struct store *base, int64_t after_id, int limit,
		       int (*cb)(const struct store_subscriber *sub, void *arg,
				 struct err *e),
		       void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.subscriber = cb, .arg = arg, .e = e };
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    SUBSCRIBER_COLUMNS " WHERE s.id > ? ORDER BY s.id LIMIT ?",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int(st, 2, limit);
	return walk(s, st, 0, subscriber_row, &to, "list subscribers", e);
}

/* Fills sub with the one subscriber whose column is key; not found: -1
 * with EX_DATAERR, saying what (which may name it: "'a@b.c'"). */
static int
subscriber_by(struct sqlite_store *s, const char *column, const char *key,
	      const char *what, struct store_subscriber *sub, struct err *e)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	int rc;

	memset(sub, 0, sizeof(*sub));
	snprintf(sql, sizeof(sql), SUBSCRIBER_COLUMNS " WHERE s.%s = ?",
		 column);
	if (prepare(s, &st, sql, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = step_row(s, st, "look up subscriber", e);
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "no subscriber %s", what);
	else if (rc > 0 && subscriber_from_row(st, sub) < 0)
		rc = err_set(e, EX_OSERR, "out of memory");
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_subscriber_by_email(struct store *base, const char *email,
			   struct store_subscriber *sub, struct err *e)
{
	char what[512];

	snprintf(what, sizeof(what), "'%s'", email);
	return subscriber_by(sq(base), "email", email, what, sub, e);
}

static int
sqlite_subscriber_by_token(struct store *base, const char *token,
			   struct store_subscriber *sub, struct err *e)
{
	return subscriber_by(sq(base), "token", token, "with that token", sub,
			     e);
}

/* the id bound as text: the column's INTEGER affinity compares it as the
 * number (SQLite 4.2, "Type Conversions Prior To Comparison") */
static int
sqlite_subscriber_by_id(struct store *base, int64_t id,
			struct store_subscriber *sub, struct err *e)
{
	char key[24];

	snprintf(key, sizeof(key), "%lld", (long long)id);
	return subscriber_by(sq(base), "id", key, "with that id", sub, e);
}

#define FETCH_COLUMNS                                                    \
	"SELECT id, url, etag, last_modified, user_agent, redirect_url," \
	" redirect_count, failures, ttl_minutes FROM feeds"

static int
fetch_from_row(sqlite3_stmt *st, struct store_fetch *f)
{
	int oom = 0;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->url = column_strdup(st, 1, &oom);
	f->etag = column_strdup(st, 2, &oom);
	f->last_modified = column_strdup(st, 3, &oom);
	f->user_agent = column_strdup(st, 4, &oom);
	f->redirect_url = column_strdup(st, 5, &oom);
	f->redirect_count = sqlite3_column_int(st, 6);
	f->failures = sqlite3_column_int(st, 7);
	f->ttl_minutes = sqlite3_column_int(st, 8);
	if (oom)
		store_fetch_release(f);
	return oom ? -1 : 0;
}

/* The rows of st (id in column 0) that l does not lease past now, up to
 * max: calls take(st, i, arg) for the i-th, then leases them all until
 * `until`. st's last parameter is its LIMIT, bound here: l's leases
 * past the max, the most rows that can be skipped. *n says how many were
 * taken; on error (-1 with e, what failed) none is leased, and *n says
 * how many the caller must give back. st is finalized. */
/* A claim under way (claim_rows). */
struct claim {
	struct leases *l;
	size_t sorted; /* l's leases before this claim */
	size_t max, n;
	int64_t now, until;
	/* takes row i: 0, or -1 with e */
	int (*take)(sqlite3_stmt *st, size_t i, void *arg, struct err *e);
	void *arg;
};

/* Takes the row unless it is leased: 1 once the claim is full. */
static int
claim_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct claim *c = to->arg;
	int64_t id = sqlite3_column_int64(st, 0);
	const struct lease *held = lease_find(c->l, c->sorted, id);

	if (held && held->until > c->now)
		return 0;
	if (c->take(st, c->n, c->arg, to->e) < 0)
		return -1;
	lease_set(c->l, c->sorted, id, c->until);
	return ++c->n == c->max;
}

static int
claim_rows(struct sqlite_store *s, sqlite3_stmt *st, struct leases **l,
	   int64_t now, int64_t until, size_t max,
	   int (*take)(sqlite3_stmt *st, size_t i, void *arg, struct err *e),
	   void *arg, size_t *n, const char *what, struct err *e)
{
	struct claim c = { 0 };
	struct walk_to to = { .arg = &c, .e = e };
	int rc;

	*n = 0;
	if (!max) {
		sqlite3_finalize(st);
		return 0;
	}
	if (leases_reserve(l, max) < 0) {
		sqlite3_finalize(st);
		return err_set(e, EX_OSERR, "out of memory");
	}
	c.l = *l;
	c.sorted = (*l)->n;
	c.max = max;
	c.now = now;
	c.until = until;
	c.take = take;
	c.arg = arg;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_count(st),
			   (sqlite3_int64)(c.sorted + max));
	rc = walk(s, st, 0, claim_row, &to, what, e);
	*n = c.n;
	if (rc < 0)
		(*l)->n =
			c.sorted; /* the new go; renewed ones stay, harmless */
	leases_sort(*l);
	return rc < 0 ? -1 : 0;
}

static int
take_feed(sqlite3_stmt *st, size_t i, void *arg, struct err *e)
{
	struct store_fetch *feeds = arg;

	if (fetch_from_row(st, &feeds[i]) < 0)
		return err_set(e, EX_OSERR, "out of memory");
	return 0;
}

/* Alone under the run lock: the handle's own leases, while they last. */
static int
sqlite_fetch_keep(struct store *base, int64_t now, int64_t until, struct err *e)
{
	struct leases *l = sq(base)->fetch_leases;
	size_t i;

	(void)e;
	for (i = 0; l && i < l->n; i++)
		if (l->items[i].until > now && l->items[i].until < until)
			l->items[i].until = until;
	return 0;
}

static int
sqlite_fetch_claim(struct store *base, int64_t now, int64_t due_by, int all,
		   int64_t until, struct store_fetch *feeds, size_t max,
		   size_t *n, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	*n = 0;
	if (prepare(s, &st,
		    FETCH_COLUMNS
		    " WHERE enabled AND (?1 OR next_fetch_at <= ?2)"
		    " ORDER BY next_fetch_at, id LIMIT ?3",
		    e) < 0)
		return -1;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int64(st, 2, due_by);
	rc = claim_rows(s, st, &s->fetch_leases, now, until, max, take_feed,
			feeds, n, "claim due feeds", e);
	if (rc < 0) {
		for (i = 0; i < *n; i++)
			store_fetch_release(&feeds[i]);
		*n = 0;
	}
	return rc;
}

static int
sqlite_fetch_get(struct store *base, int64_t id, struct store_fetch *f,
		 struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st, FETCH_COLUMNS " WHERE id = ?", e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = fetch_from_row(st, f) < 0 ?
			     err_set(e, EX_OSERR, "out of memory") :
			     0;
	else if (rc == SQLITE_DONE)
		rc = err_set(e, EX_DATAERR, "no feed %" PRId64, id);
	else
		rc = db_error(s, e, "read feed");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_fetch_mark_needed(struct store *base,
			 const struct store_slot_feeds *slots, size_t n,
			 int64_t now, size_t *marked, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	/* The slot's subscribers are found once (a scan of subscribers, the
	 * digest of a begun slot by its unique key), then the set of their
	 * tags, then the feeds of each tag (compared through FOLD, a scan of
	 * feed_tags, which is as small as the feeds' list): the subqueries
	 * are uncorrelated, so SQLite runs each once per slot, not once per
	 * feed or per subscriber. 429 and 5xx are the answers that carry
	 * Retry-After (RFC 9110 10.2.3); what our own policy asked (the
	 * polling interval, the backoff after other failures) gives way. */
	*marked = 0;
	if (!n)
		return 0;
	if (store_begin(&s->base, e) < 0)
		return -1;
	if (prepare(s, &st,
		    "WITH who(id) AS ("
		    " SELECT s.id FROM subscribers s"
		    " WHERE s.schedule IS ?3 AND s.timezone IS ?4"
		    /* paused at the slot's start: no digest then */
		    " AND (s.paused_at IS NULL OR s.paused_until <= ?6)"
		    " AND (?5 IS NULL OR (s.created_at <= ?6 AND NOT EXISTS"
		    "  (SELECT 1 FROM outbox d"
		    "   WHERE d.subscriber_id = s.id AND d.slot = ?5))))"
		    " UPDATE feeds SET next_fetch_at = ?1"
		    " WHERE enabled AND next_fetch_at > ?1"
		    " AND last_fetch_at < ?2 AND coalesce(last_status, '')"
		    "  NOT IN ('rate_limited', 'server_error')"
		    " AND (EXISTS (SELECT 1 FROM who w WHERE NOT EXISTS"
		    "   (SELECT 1 FROM subscriber_tags st"
		    "    WHERE st.subscriber_id = w.id))"
		    "  OR id IN (SELECT ft.feed_id FROM feed_tags ft"
		    "   WHERE ft.tag COLLATE FOLD IN (SELECT st.tag FROM who w"
		    "    JOIN subscriber_tags st ON st.subscriber_id = w.id)))",
		    e) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		bind_list(st, "IItttI", now, slots[i].since, slots[i].schedule,
			  slots[i].timezone, slots[i].key, slots[i].start);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_error(s, e, "mark the feeds of a digest slot due");
			goto out;
		}
		*marked += (size_t)sqlite3_changes(s->db);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

/* Categories and enclosures are kept as JSON arrays (NULL when empty). */
static char *
categories_json(const struct entry *en)
{
	json_t *a;
	char *out;
	size_t i;

	if (!en->ncategories)
		return NULL;
	a = json_array();
	for (i = 0; i < en->ncategories; i++)
		json_array_append_new(a, json_string(en->categories[i]));
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

static char *
enclosures_json(const struct entry *en)
{
	json_t *a;
	char *out;
	size_t i;

	if (!en->nenclosures)
		return NULL;
	a = json_array();
	for (i = 0; i < en->nenclosures; i++) {
		const struct enclosure *x = &en->enclosures[i];

		json_array_append_new(a, json_pack("{s:s, s:s?, s:I}", "url",
						   x->url, "type", x->type,
						   "length",
						   (json_int_t)x->length));
	}
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

static void
bind_date(sqlite3_stmt *st, int col, int64_t t)
{
	if (t == DATE_NONE)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int64(st, col, t);
}

/* Binds ?3..?14 of STMT_ENTRY_INSERT / STMT_ENTRY_UPDATE. */
static int
bind_entry(sqlite3_stmt *st, const struct entry *en, const char *link_key,
	   const char *hash, int64_t now)
{
	char *cats = categories_json(en), *encl = enclosures_json(en);

	if ((en->ncategories && !cats) || (en->nenclosures && !encl)) {
		free(cats);
		free(encl);
		return -1;
	}
	sqlite3_bind_text(st, 3, en->link, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, link_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, en->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, en->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, en->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, en->content, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, cats, -1, free);
	sqlite3_bind_text(st, 10, encl, -1, free);
	bind_date(st, 11, en->published);
	bind_date(st, 12, en->updated);
	sqlite3_bind_text(st, 13, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 14, now);
	return 0;
}

/* Finds the stored entry for ident (or its link under another kind of
 * identity): 1 and *id, *same (content unchanged) when found, 0 when
 * new, -1 on error. The statement is reset before it returns: one left on
 * its row would keep this connection's read transaction, and its view of
 * the file, open past the commit, and the next write through it would
 * fail at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) as soon as
 * another connection (send's courier) had written meanwhile. */
static int
entry_lookup(struct sqlite_store *s, int64_t feed_id, const char *ident,
	     const char *link_key, const char *hash, int64_t *id, int *same,
	     struct err *e)
{
	sqlite3_stmt *st;
	int step, rc = 1;

	st = cached(s, STMT_ENTRY_BY_IDENT, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_text(st, 2, ident, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE && link_key) {
		st = cached(s, STMT_ENTRY_BY_LINK, e);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_text(st, 2, link_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ident, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
	}
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step != SQLITE_ROW) {
		rc = db_error(s, e, "look up entry");
	} else {
		*id = sqlite3_column_int64(st, 0);
		*same = sqlite3_column_text(st, 1) &&
			!strcmp((const char *)sqlite3_column_text(st, 1), hash);
	}
	sqlite3_reset(st);
	return rc;
}

/* Saves entry i of entries. */
static int
entry_save(struct sqlite_store *s, int64_t feed_id,
	   const struct store_entries *entries, size_t i, int64_t now,
	   size_t *added, size_t *updated, struct err *e)
{
	const struct entry *en = entries->items[i];
	const char *ident = entries->idents[i];
	const char *link_key = entries->link_keys[i];
	const char *hash = entries->hashes[i];
	sqlite3_stmt *st;
	int64_t id = 0;
	int found, same = 0;

	found = entry_lookup(s, feed_id, ident, link_key, hash, &id, &same, e);
	if (found < 0)
		return -1;
	if (found && same) {
		st = cached(s, STMT_ENTRY_SEEN, e);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, id);
	} else {
		st = cached(s, found ? STMT_ENTRY_UPDATE : STMT_ENTRY_INSERT,
			    e);
		if (!st)
			return -1;
		if (found)
			sqlite3_bind_int64(st, 1, id);
		else
			sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_text(st, 2, ident, -1, SQLITE_STATIC);
		if (bind_entry(st, en, link_key, hash, now) < 0)
			return err_set(e, EX_OSERR, "out of memory");
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, e, "save entry");
	if (!found)
		(*added)++;
	else if (!same)
		(*updated)++;
	return 0;
}

static int
sqlite_entries_save(struct store *base, int64_t feed_id,
		    const struct store_entries *entries, int64_t now,
		    size_t *added, size_t *updated, struct err *e)
{
	struct sqlite_store *s = sq(base);
	size_t i;

	if (store_begin(&s->base, e) < 0)
		return -1;
	for (i = 0; i < entries->n; i++) {
		if (entry_save(s, feed_id, entries, i, now, added, updated, e) <
		    0) {
			store_rollback(&s->base);
			return -1;
		}
	}
	return store_commit(&s->base, e);
}

static int
sqlite_entries_last_week(struct store *base, int64_t feed_id, int64_t now,
			 int64_t *count, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = cached(s, STMT_ENTRIES_SINCE, e);
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int64(st, 2, now - 7 * 24 * 3600);
	if (sqlite3_step(st) == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	else
		rc = db_error(s, e, "count entries");
	/* no read outlives the call: see entry_lookup */
	sqlite3_reset(st);
	return rc;
}

/* Moves a feed to the URL it has permanently redirected to, unless another
 * feed already has that URL (then both stay: removing one is the user's
 * call). Returns 1 when moved. */
static int
apply_redirect(struct sqlite_store *s, const struct store_fetch_outcome *o,
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "UPDATE OR IGNORE feeds SET url = ?1, redirect_url = NULL,"
		    " redirect_count = 0, etag = NULL, last_modified = NULL"
		    " WHERE id = ?2 AND redirect_count >= ?3",
		    e) < 0)
		return -1;
	bind_list(st, "tIi", o->redirect_url, o->feed_id,
		  o->redirect_threshold);
	rc = finish(s, st, "move feed", e);
	return rc < 0 ? -1 : rc > 0;
}

static int
sqlite_fetch_record(struct store *base, const struct store_fetch_outcome *o,
		    int *moved, struct err *e)
{
	struct sqlite_store *s = sq(base);
	int ok = o->succeeded != 0;
	int parsed = ok && !o->not_modified;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*moved = 0;
	if (store_begin(&s->base, e) < 0)
		return -1;
	/* a redirect counts only while it is the same target every time */
	if (prepare(s, &st,
		    "UPDATE feeds SET"
		    " last_fetch_at = ?2,"
		    " last_status = ?3,"
		    " last_error = ?4,"
		    " failures = CASE WHEN ?5 THEN 0 ELSE failures + 1 END,"
		    " enabled = CASE WHEN ?6 THEN 0 ELSE enabled END,"
		    " next_fetch_at = ?7,"
		    " last_success_at = CASE WHEN ?5 THEN ?2"
		    "   ELSE last_success_at END,"
		    " last_parsed_at = CASE WHEN ?8 THEN ?2"
		    "   ELSE last_parsed_at END,"
		    " etag = CASE WHEN ?8 THEN ?9 ELSE etag END,"
		    " last_modified = CASE WHEN ?8 THEN ?10 ELSE last_modified END,"
		    " title = coalesce(?11, title),"
		    " site_link = coalesce(?12, site_link),"
		    " ttl_minutes = CASE WHEN ?8 THEN ?13 ELSE ttl_minutes END,"
		    " last_new_entry_at = CASE WHEN ?14 > 0 THEN ?2"
		    "   ELSE last_new_entry_at END,"
		    " redirect_count = CASE WHEN ?15 IS NULL THEN 0"
		    "   WHEN ?15 = redirect_url THEN redirect_count + 1 ELSE 1 END,"
		    " redirect_url = ?15"
		    " WHERE id = ?1",
		    e) < 0)
		goto out;
	bind_list(st,
		  "IItt"
		  "iiIi"
		  "tttt"
		  "iIt",
		  o->feed_id, o->now, o->status, o->error, ok, o->disable,
		  o->next_fetch_at, parsed, o->etag, o->last_modified, o->title,
		  o->site_link, o->ttl_minutes, (int64_t)o->new_entries,
		  o->redirect_url);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, e, "record fetch");
		goto out;
	}
	if (o->redirect_url) {
		rc = apply_redirect(s, o, e);
		if (rc < 0)
			goto out;
		*moved = rc;
	}
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_prune(struct store *base, int64_t keep_before, int64_t forget_before,
	     size_t *pruned, struct err *e)
{
	struct sqlite_store *s = sq(base);

	/* "not in the feed any more": not seen at the feed's last parse */
	static const char *const steps[] = {
		"UPDATE entries SET summary = NULL, content = NULL,"
		" categories = NULL, enclosures = NULL"
		" WHERE last_seen < ?1 AND (summary IS NOT NULL"
		"  OR content IS NOT NULL OR categories IS NOT NULL"
		"  OR enclosures IS NOT NULL)"
		" AND last_seen < (SELECT last_parsed_at FROM feeds"
		"  WHERE feeds.id = entries.feed_id)",
		"DELETE FROM entries WHERE last_seen < ?2"
		" AND last_seen < (SELECT last_parsed_at FROM feeds"
		"  WHERE feeds.id = entries.feed_id)",
	};
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	*pruned = 0;
	if (store_begin(&s->base, e) < 0)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (prepare(s, &st, steps[i], e) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, keep_before);
		sqlite3_bind_int64(st, 2, forget_before);
		rc = finish(s, st, "prune entries", e);
		if (rc < 0)
			goto fail;
		*pruned += (size_t)rc;
	}
	return store_commit(&s->base, e);
fail:
	store_rollback(&s->base);
	return -1;
}

/* The digests (g) whose entries go back to the subscriber's next digest:
 * failed, and not dropped by the admin. */
#define GIVEN_BACK "(g.status = 'failed' AND NOT g.dropped)"

/* A row of news: strings lent for the callback. */
static int
news_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_news n;

	n.id = sqlite3_column_int64(st, 0);
	n.feed_id = sqlite3_column_int64(st, 1);
	n.feed_title = (const char *)sqlite3_column_text(st, 2);
	n.feed_tag = (const char *)sqlite3_column_text(st, 3);
	n.title = (const char *)sqlite3_column_text(st, 4);
	n.link = (const char *)sqlite3_column_text(st, 5);
	n.author = (const char *)sqlite3_column_text(st, 6);
	n.summary = (const char *)sqlite3_column_text(st, 7);
	n.content = (const char *)sqlite3_column_text(st, 8);
	n.published = sqlite3_column_type(st, 9) == SQLITE_NULL ?
			      DATE_NONE :
			      sqlite3_column_int64(st, 9);
	n.first_seen = sqlite3_column_int64(st, 10);
	n.link_key = (const char *)sqlite3_column_text(st, 11);
	n.delayed = sqlite3_column_int(st, 12);
	return to->cb.news(&n, to->arg, to->e);
}

static int
sqlite_news_each(struct store *base, const struct store_subscriber *sub,
		 int64_t since,
		 int (*cb)(const struct store_news *n, void *arg,
			   struct err *e),
		 void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.news = cb, .arg = arg, .e = e };
	sqlite3_stmt *st;

	/* New to the subscriber: after their start in the store's order
	 * (AFTER_START), not first seen since a second of the clock, which
	 * an entry stored just before or just after they subscribed may
	 * share. A preview (?3) asks for the entries first seen since ?2.
	 * Without tags: one range of ids (or of entries_first_seen). With
	 * tags: only the entries of the subscriber's feeds, one range of
	 * entries_feed_seq (entries_feed_first_seen) per feed, so that a
	 * digest costs what it holds, not what all subscribers' feeds
	 * brought. */
#define NEWS_SQL(FEEDS, FROM)                                              \
	"SELECT e.id, e.feed_id, coalesce(f.title, f.url),"                \
	" (SELECT tag FROM feed_tags WHERE feed_id = f.id"                 \
	"  ORDER BY position LIMIT 1),"                                    \
	" e.title, e.link, e.author, e.summary, e.content,"                \
	" coalesce(e.published, e.updated), e.first_seen, e.link_key,"     \
	" EXISTS (SELECT 1 FROM deliveries d JOIN outbox g"                \
	"  ON g.id = d.digest_id WHERE d.subscriber_id = ?1"               \
	"  AND d.entry_id = e.id AND " GIVEN_BACK ")"                      \
	" FROM entries e JOIN feeds f ON f.id = e.feed_id"                 \
	" WHERE " FEEDS FROM                                               \
	" AND (?3 OR NOT EXISTS (SELECT 1 FROM deliveries d JOIN outbox g" \
	"  ON g.id = d.digest_id WHERE d.subscriber_id = ?1"               \
	"  AND d.entry_id = e.id AND NOT " GIVEN_BACK "))"                 \
	" ORDER BY coalesce(e.published, e.updated, e.first_seen) DESC,"   \
	" e.id DESC"
#define TAGGED                                                    \
	"e.feed_id IN (SELECT ft.feed_id FROM subscriber_tags st" \
	" JOIN feed_tags ft ON ft.tag = st.tag COLLATE FOLD"      \
	" WHERE st.subscriber_id = ?1) AND "
#define AFTER_START "e.id > (SELECT start_seq FROM subscribers WHERE id = ?1)"
#define SINCE "e.first_seen >= ?2"
	if (since > 0 && sub->tags.n)
		st = prepared(s, STMT_PREVIEW_TAGGED, NEWS_SQL(TAGGED, SINCE),
			      e);
	else if (since > 0)
		st = prepared(s, STMT_PREVIEW, NEWS_SQL("", SINCE), e);
	else if (sub->tags.n)
		st = prepared(s, STMT_NEWS_TAGGED,
			      NEWS_SQL(TAGGED, AFTER_START), e);
	else
		st = prepared(s, STMT_NEWS, NEWS_SQL("", AFTER_START), e);
#undef NEWS_SQL
#undef TAGGED
#undef AFTER_START
#undef SINCE
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sub->id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, since > 0);
	return walk(s, st, 1, news_row, &to, "select new entries", e);
}

/* Moves the subscriber's entry from a failed digest (not dropped) to the
 * digest to: the failed digest gives its articles back. An entry in any
 * other digest is EX_DATAERR. */
static int
take_back(struct sqlite_store *s, int64_t subscriber_id, int64_t entry_id,
	  int64_t to, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* first the digest gives it back: outbox retry no longer sends it
	 * as it was, which would repeat what a later digest carried */
	if (prepare(s, &st,
		    "UPDATE outbox SET given_back = 1 WHERE id ="
		    " (SELECT d.digest_id FROM deliveries d JOIN outbox g"
		    "  ON g.id = d.digest_id WHERE d.subscriber_id = ?1"
		    "  AND d.entry_id = ?2 AND " GIVEN_BACK ")",
		    e) < 0)
		return -1;
	bind_list(st, "II", subscriber_id, entry_id);
	rc = finish(s, st, "give an entry back", e);
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "entry %lld is in another digest",
			     (long long)entry_id);
	if (rc < 0)
		return -1;
	if (prepare(s, &st,
		    "UPDATE deliveries SET digest_id = ?3"
		    " WHERE subscriber_id = ?1 AND entry_id = ?2",
		    e) < 0)
		return -1;
	bind_list(st, "III", subscriber_id, entry_id, to);
	return finish(s, st, "give an entry back", e) < 0 ? -1 : 0;
}

static int sqlite_digest_has_slot(struct store *base, int64_t subscriber_id,
				  const char *slot, int *has, struct err *e);

static int
sqlite_digest_add(struct store *base, const struct store_digest_new *d,
		  int64_t *id, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	*id = 0;
	if (store_begin(&s->base, e) < 0)
		return -1;
	/* a slot already used (by another run, the write lock held since
	 * store_begin orders them): its digest is that run's */
	if (d->slot) {
		int used = 0;

		if (sqlite_digest_has_slot(base, d->subscriber_id, d->slot,
					   &used, e) < 0)
			goto out;
		if (used) {
			rc = store_commit(&s->base, e);
			goto out;
		}
	}
	st = prepared(s, STMT_DIGEST_INSERT,
		      "INSERT INTO outbox (kind, subscriber_id, slot,"
		      " message_id, created_at, status, reply, covered_seq)"
		      " SELECT 'digest', ?1, ?2, ?3, ?4,"
		      " CASE WHEN ?5 IS NULL THEN 'pending' ELSE 'failed' END,"
		      " ?5, nullif(?6, 0)"
		      /* one who unsubscribed while it was being built */
		      " WHERE NOT EXISTS (SELECT 1 FROM subscribers"
		      "  WHERE id = ?1 AND unsubscribed_at IS NOT NULL)",
		      e);
	if (!st)
		goto out;
	bind_list(st, "IttItI", d->subscriber_id, d->slot, d->message_id,
		  d->now, d->failure, d->covered_seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
			err_set(e, EX_DATAERR, "digest '%s' exists already",
				d->message_id);
		else
			db_error(s, e, "add digest");
		goto out;
	}
	if (!sqlite3_changes(s->db)) {
		err_set(e, EX_DATAERR, "subscriber %lld has unsubscribed",
			(long long)d->subscriber_id);
		goto out;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_reset(st);
	st = NULL;
	if (d->failure) {
		rc = store_commit(&s->base, e);
		goto out;
	}
	st = prepared(s, STMT_DIGEST_MESSAGE,
		      "INSERT INTO outbox_messages (outbox_id, message)"
		      " VALUES (?, ?)",
		      e);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_blob64(st, 2, d->message, d->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, e, "add digest message");
		goto out;
	}
	sqlite3_reset(st);
	st = prepared(s, STMT_DELIVERY_INSERT,
		      "INSERT INTO deliveries (subscriber_id, entry_id,"
		      " digest_id) VALUES (?, ?, ?)",
		      e);
	if (!st)
		goto out;
	for (i = 0; i < d->nentries; i++) {
		bind_list(st, "III", d->subscriber_id, d->entry_ids[i], *id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			int taken = sqlite3_extended_errcode(s->db) ==
				    SQLITE_CONSTRAINT_PRIMARYKEY;

			sqlite3_reset(st);
			if (!taken) {
				db_error(s, e, "add delivery");
				goto out;
			}
			/* the rare case: it was in a failed digest */
			if (take_back(s, d->subscriber_id, d->entry_ids[i], *id,
				      e) < 0)
				goto out;
			st = prepared(s, STMT_DELIVERY_INSERT, NULL, e);
			if (!st)
				goto out;
			continue;
		}
		sqlite3_reset(st);
	}
	st = NULL;
	rc = store_commit(&s->base, e);
out:
	if (st)
		sqlite3_reset(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_digest_has_slot(struct store *base, int64_t subscriber_id,
		       const char *slot, int *has, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st;
	int rc;

	st = prepared(s, STMT_DIGEST_HAS_SLOT,
		      "SELECT 1 FROM outbox WHERE subscriber_id = ?"
		      " AND slot = ?",
		      e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, subscriber_id);
	sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
	rc = step_row(s, st, "look up digest slot", e);
	if (rc >= 0)
		*has = rc;
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int
take_id(sqlite3_stmt *st, size_t i, void *arg, struct err *e)
{
	int64_t *ids = arg;

	(void)e;
	ids[i] = sqlite3_column_int64(st, 0);
	return 0;
}

/* The outbox rows of no subscriber paused at the time in parameter ?T: a
 * digest waiting when its subscriber paused waits for the pause to end
 * (the admin's mail has no subscriber). */
#define NOT_PAUSED(T)                                            \
	" AND (subscriber_id IS NULL OR NOT EXISTS (SELECT 1"    \
	"  FROM subscribers p WHERE p.id = outbox.subscriber_id" \
	"  AND p.paused_at IS NOT NULL"                          \
	"  AND (p.paused_until IS NULL OR p.paused_until > " T ")))"

static int
sqlite_outbox_claim(struct store *base, enum store_outbox_box box, int64_t now,
		    int64_t due_by, int64_t until, int64_t *ids, size_t max,
		    size_t *n, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;

	*n = 0;
	if (prepare(s, &st,
		    "SELECT id FROM outbox WHERE status = 'pending'"
		    " AND next_attempt_at <= ?1 AND (?2 = 0"
		    "  OR (?2 = 3 AND kind = 'confirm')"
		    "  OR (?2 IN (1, 2) AND (?2 = 1) = (subscriber_id IS NOT"
		    "   NULL OR kind = 'confirm')))" NOT_PAUSED(
			    "?3") " ORDER BY id LIMIT ?4",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, due_by);
	sqlite3_bind_int(st, 2, box);
	sqlite3_bind_int64(st, 3, now);
	if (claim_rows(s, st, &s->outbox_leases, now, until, max, take_id, ids,
		       n, "claim pending mail", e) < 0) {
		*n = 0;
		return -1;
	}
	return 0;
}

/* Alone under the run lock: the message is ours; its lease, when this
 * handle claimed it, is renewed. */
static int
sqlite_outbox_keep(struct store *base, int64_t id, int64_t now, int64_t until,
		   int *ours, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct lease *held;

	(void)now;
	(void)e;
	if (s->outbox_leases) {
		held = lease_find(s->outbox_leases, s->outbox_leases->n, id);
		if (held)
			held->until = until;
	}
	*ours = 1;
	return 0;
}

static int
sqlite_outbox_get(struct store *base, int64_t id, struct store_message *d,
		  struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st;
	int rc = 0, oom = 0;

	memset(d, 0, sizeof(*d));
	st = prepared(
		s, STMT_OUTBOX_GET,
		"SELECT g.id, coalesce(g.subscriber_id, 0),"
		" coalesce(s.email, g.rcpt), g.message_id, m.message,"
		" g.attempts,"
		" (SELECT count(*) FROM deliveries WHERE digest_id = g.id),"
		" g.kind, g.slot"
		" FROM outbox g JOIN outbox_messages m ON m.outbox_id = g.id"
		" LEFT JOIN subscribers s ON s.id = g.subscriber_id"
		" WHERE g.id = ?",
		e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = step_row(s, st, "read outbox message", e);
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "no outbox message %lld",
			     (long long)id);
	if (rc < 0)
		goto out;
	rc = 0;
	d->id = sqlite3_column_int64(st, 0);
	d->subscriber_id = sqlite3_column_int64(st, 1);
	d->email = column_strdup(st, 2, &oom);
	d->message_id = column_strdup(st, 3, &oom);
	d->message = column_blobdup(st, 4, &d->len, &oom);
	d->attempts = sqlite3_column_int(st, 5);
	d->entries = sqlite3_column_int(st, 6);
	d->kind = column_strdup(st, 7, &oom);
	d->slot = column_strdup(st, 8, &oom);
	if (oom) {
		store_message_release(d);
		rc = err_set(e, EX_OSERR, "out of memory");
	}
out:
	sqlite3_reset(st);
	return rc;
}

/* What became of an attempt to deliver a message, bound by bind_mark(). */
#define MARK_SQL                                                    \
	"UPDATE outbox SET status = ?2, reply = ?3,"                \
	" attempts = attempts + ?6, next_attempt_at = ?4,"          \
	" sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END" \
	" WHERE id = ?1"

static void
bind_mark(sqlite3_stmt *st, int64_t id, enum store_digest_outcome outcome,
	  const char *reply, int64_t now, int64_t next_attempt)
{
	static const char *const status[] = {
		[STORE_DIGEST_SENT] = "sent",
		[STORE_DIGEST_RETRY] = "pending",
		[STORE_DIGEST_FAILED] = "failed",
		[STORE_DIGEST_HELD] = "pending",
	};

	bind_list(st, "IttIIi", id, status[outcome], reply, next_attempt, now,
		  outcome != STORE_DIGEST_HELD);
}

static int
sqlite_outbox_mark(struct store *base, int64_t id,
		   enum store_digest_outcome outcome, const char *reply,
		   int64_t now, int64_t next_attempt, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st;
	int rc = 0;

	st = prepared(s, STMT_OUTBOX_MARK, MARK_SQL, e);
	if (!st)
		return -1;
	bind_mark(st, id, outcome, reply, now, next_attempt);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_error(s, e, "mark outbox message");
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_digest_prune(struct store *base, int64_t before, size_t *pruned,
		    struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	*pruned = 0;
	/* driven by outbox_messages, which holds only recent messages */
	if (prepare(s, &st,
		    "DELETE FROM outbox_messages WHERE outbox_id IN"
		    " (SELECT m.outbox_id FROM outbox_messages m"
		    "  JOIN outbox g ON g.id = m.outbox_id"
		    "  WHERE g.status = 'sent' AND g.sent_at < ?)",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	rc = finish(s, st, "prune sent digests", e);
	if (rc < 0)
		return -1;
	*pruned = (size_t)rc;
	return 0;
}

static int
sqlite_digest_each_of(struct store *base, int64_t subscriber_id,
		      int (*cb)(int64_t id, const char *message_id, void *arg,
				struct err *e),
		      void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0, step;
	char *mid;

	if (prepare(s, &st,
		    "SELECT g.id, g.message_id FROM outbox g"
		    " JOIN outbox_messages m ON m.outbox_id = g.id"
		    " WHERE g.subscriber_id = ? AND g.kind = 'digest'"
		    " ORDER BY g.id DESC",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, subscriber_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		/* copied: the callback may read the store */
		mid = strdup((const char *)sqlite3_column_text(st, 1));
		if (!mid) {
			rc = err_set(e, EX_OSERR, "out of memory");
			break;
		}
		rc = cb(sqlite3_column_int64(st, 0), mid, arg, e);
		free(mid);
		if (rc)
			break;
	}
	if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = db_error(s, e, "list a subscriber's digests");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_digest_count(struct store *base, const char *status, int64_t *n,
		    struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (prepare(s, &st,
		    "SELECT count(*) FROM outbox WHERE kind = 'digest'"
		    " AND status = ?",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = db_error(s, e, "count digests");
	sqlite3_finalize(st);
	return rc;
}

/* One row of quick_check, which may hold several lines: one problem each,
 * without its "*** in database main ***" heading. */
static int
check_lines(const char *row,
	    int (*cb)(const char *problem, void *arg, struct err *e), void *arg,
	    struct err *e)
{
	char line[512];
	const char *nl;
	size_t n;

	for (; *row; row = nl + 1) {
		nl = strchr(row, '\n');
		n = nl ? (size_t)(nl - row) : strlen(row);
		snprintf(line, sizeof(line), "%.*s", (int)n, row);
		if (line[0] && strncmp(line, "*** in database ", 16) &&
		    cb(line, arg, e) < 0)
			return -1;
		if (!nl)
			break;
	}
	return 0;
}

/* PRAGMA quick_check: "ok" alone, or one row per problem. A corrupted
 * page can also stop the statement itself (SQLITE_CORRUPT, NOTADB): a
 * problem found, not a failure to ask. */
static int
sqlite_check(struct store *base,
	     int (*cb)(const char *problem, void *arg, struct err *e),
	     void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	const char *row;
	char sql[64];
	int rc = 0, step;

	snprintf(sql, sizeof(sql), "PRAGMA quick_check(%d)",
		 STORE_CHECK_MAX_PROBLEMS);
	if (prepare(s, &st, sql, e) < 0) {
		step = sqlite3_errcode(s->db);
		if (step != SQLITE_CORRUPT && step != SQLITE_NOTADB)
			return -1;
		*e = (struct err)ERR_INIT;
		return cb(sqlite3_errmsg(s->db), arg, e);
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		if (row && strcmp(row, "ok") &&
		    check_lines(row, cb, arg, e) < 0) {
			rc = -1;
			goto out;
		}
	}
	if (step == SQLITE_CORRUPT || step == SQLITE_NOTADB)
		rc = cb(sqlite3_errmsg(s->db), arg, e);
	else if (step != SQLITE_DONE)
		rc = db_error(s, e, "check the store");
out:
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_outbox_sent_since(struct store *base, int64_t since, int64_t nth,
			 int64_t *n, int64_t *nth_at, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0;

	*n = *nth_at = 0;
	if (prepare(s, &st,
		    /* by time, whatever the planner guesses of the rows
		     * (a fresh store has no statistics) */
		    "SELECT count(*), coalesce((SELECT sent_at FROM outbox"
		    "  INDEXED BY outbox_sent"
		    "  WHERE status = 'sent' AND sent_at >= ?1"
		    "  ORDER BY sent_at LIMIT 1 OFFSET ?2), 0)"
		    " FROM outbox INDEXED BY outbox_sent"
		    " WHERE status = 'sent' AND sent_at >= ?1",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, nth);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*nth_at = sqlite3_column_int64(st, 1);
	} else {
		rc = db_error(s, e, "count mail sent");
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_outbox_due_count(struct store *base, enum store_outbox_box box,
			int64_t due_by, int64_t *n, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0;

	*n = 0;
	if (prepare(s, &st,
		    "SELECT count(*) FROM outbox WHERE status = 'pending'"
		    " AND next_attempt_at <= ?1 AND (?2 = 0"
		    "  OR (?2 = 3 AND kind = 'confirm')"
		    "  OR (?2 IN (1, 2) AND (?2 = 1) = (subscriber_id IS NOT"
		    "   NULL OR kind = 'confirm')))" NOT_PAUSED("?1"),
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, due_by);
	sqlite3_bind_int(st, 2, box);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = db_error(s, e, "count pending mail");
	sqlite3_finalize(st);
	return rc;
}

/* A row of the outbox: strings lent for the callback. */
static int
outbox_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_outbox_row row;

	row.id = sqlite3_column_int64(st, 0);
	row.email = (const char *)sqlite3_column_text(st, 1);
	row.status = (const char *)sqlite3_column_text(st, 2);
	row.created_at = sqlite3_column_int64(st, 3);
	row.attempts = sqlite3_column_int(st, 4);
	row.next_attempt_at = sqlite3_column_int64(st, 5);
	row.reply = (const char *)sqlite3_column_text(st, 6);
	row.entries = (long)sqlite3_column_int64(st, 7);
	row.has_message = sqlite3_column_int(st, 8);
	row.dropped = sqlite3_column_int(st, 9);
	row.given_back = sqlite3_column_int(st, 10);
	row.kind = (const char *)sqlite3_column_text(st, 11);
	return to->cb.outbox(&row, to->arg, to->e);
}

static int
sqlite_outbox_each(struct store *base, const char *email,
		   int (*cb)(const struct store_outbox_row *row, void *arg,
			     struct err *e),
		   void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.outbox = cb, .arg = arg, .e = e };
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "SELECT g.id, coalesce(s.email, g.rcpt), g.status,"
		    " g.created_at, g.attempts,"
		    " g.next_attempt_at, g.reply,"
		    " (SELECT count(*) FROM deliveries WHERE digest_id = g.id),"
		    " EXISTS (SELECT 1 FROM outbox_messages"
		    "  WHERE outbox_id = g.id), g.dropped, g.given_back, g.kind"
		    " FROM outbox g"
		    " LEFT JOIN subscribers s ON s.id = g.subscriber_id"
		    " WHERE g.status IN ('pending', 'failed')"
		    " AND (?1 IS NULL OR coalesce(s.email, g.rcpt) = ?1"
		    "  COLLATE NOCASE)"
		    " ORDER BY g.id",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	return walk(s, st, 0, outbox_row, &to, "list the outbox", e);
}

/* The failed mail to ?1 (every recipient when NULL): a subscriber's
 * digests, the admin's mail to that address. */
#define FAILED_OF                                              \
	"status = 'failed' AND (?1 IS NULL OR subscriber_id =" \
	" (SELECT id FROM subscribers WHERE email = ?1)"       \
	" OR (subscriber_id IS NULL AND rcpt = ?1 COLLATE NOCASE))"

static int
sqlite_outbox_retry(struct store *base, const char *email, int64_t now,
		    size_t *n, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	if (store_begin(&s->base, e) < 0)
		return -1;
	/* built, and still holding its entries: the same message again;
	 * never doctor's test mail, whose outcome was said when it was
	 * sent */
	if (prepare(s, &st,
		    "UPDATE outbox SET status = 'pending', attempts = 0,"
		    " next_attempt_at = ?2, dropped = 0 WHERE " FAILED_OF
		    " AND EXISTS (SELECT 1 FROM outbox_messages"
		    "  WHERE outbox_id = outbox.id)"
		    " AND NOT given_back AND kind <> 'test'",
		    e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = finish(s, st, "retry failed mail", e)) < 0)
		goto fail;
	*n = (size_t)rc;
	/* a digest never built: forgotten, so that its slot is built
	 * again */
	if (prepare(s, &st,
		    "DELETE FROM outbox WHERE " FAILED_OF
		    " AND kind = 'digest' AND NOT EXISTS (SELECT 1"
		    "  FROM outbox_messages WHERE outbox_id = outbox.id)",
		    e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if ((rc = finish(s, st, "retry failed mail", e)) < 0)
		goto fail;
	*n += (size_t)rc;
	return store_commit(&s->base, e);
fail:
	store_rollback(&s->base);
	return -1;
}

static int
sqlite_outbox_drop(struct store *base, const char *email, size_t *n,
		   struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	/* a digest's entries stay with it; the admin's mail, without
	 * entries, is let go as such */
	if (prepare(s, &st,
		    "UPDATE outbox SET dropped = 1 WHERE " FAILED_OF
		    " AND NOT dropped AND (subscriber_id IS NULL OR EXISTS"
		    "  (SELECT 1 FROM deliveries WHERE digest_id = outbox.id))",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	rc = finish(s, st, "drop failed mail", e);
	if (rc < 0)
		return -1;
	*n = (size_t)rc;
	return 0;
}

#undef FAILED_OF

static int
sqlite_outage_note(struct store *base, int64_t now, const char *reason,
		   long held, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "UPDATE outages SET last_at = ?1, failures = failures + 1,"
		    " reason = ?2, held = ?3 WHERE ended_at IS NULL",
		    e) < 0)
		return -1;
	bind_list(st, "ItI", now, reason, (int64_t)held);
	rc = finish(s, st, "record an outage", e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (prepare(s, &st,
		    "INSERT INTO outages (started_at, last_at, reason, held)"
		    " VALUES (?1, ?1, ?2, ?3)",
		    e) < 0)
		return -1;
	bind_list(st, "ItI", now, reason, (int64_t)held);
	return finish(s, st, "record an outage", e) < 0 ? -1 : 0;
}

#define OUTAGE_COLUMNS                                                    \
	"id, started_at, last_at, coalesce(ended_at, 0), failures, held," \
	" reason"

static int
outage_row(sqlite3_stmt *st, struct store_outage *o)
{
	int oom = 0;

	o->id = sqlite3_column_int64(st, 0);
	o->started_at = sqlite3_column_int64(st, 1);
	o->last_at = sqlite3_column_int64(st, 2);
	o->ended_at = sqlite3_column_int64(st, 3);
	o->failures = (long)sqlite3_column_int64(st, 4);
	o->held = (long)sqlite3_column_int64(st, 5);
	o->reason = column_strdup(st, 6, &oom);
	return oom ? -1 : 0;
}

static int
sqlite_outage_end(struct store *base, int64_t now, struct store_outage *o,
		  struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	/* no RETURNING: it needs SQLite 3.35 */
	if (store_begin(&s->base, e) < 0)
		return -1;
	if (prepare(s, &st,
		    "SELECT " OUTAGE_COLUMNS " FROM outages"
		    " WHERE ended_at IS NULL",
		    e) < 0)
		goto fail;
	rc = step_row(s, st, "end an outage", e);
	if (rc > 0 && outage_row(st, o) < 0)
		rc = err_set(e, EX_OSERR, "out of memory");
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	o->ended_at = rc > 0 ? now : 0;
	if (rc > 0) {
		if (prepare(s, &st,
			    "UPDATE outages SET ended_at = ?"
			    " WHERE id = ?",
			    e) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, o->id);
		if (finish(s, st, "end an outage", e) < 0)
			goto fail;
	}
	return store_commit(&s->base, e);
fail:
	store_rollback(&s->base);
	store_outage_release(o);
	return -1;
}

static int
outage_each_row(sqlite3_stmt *st, const struct walk_to *to)
{
	struct store_outage o = { 0 };
	int rc;

	if (outage_row(st, &o) < 0) {
		store_outage_release(&o);
		return err_set(to->e, EX_OSERR, "out of memory");
	}
	rc = to->cb.outage(&o, to->arg, to->e);
	store_outage_release(&o);
	return rc;
}

static int
sqlite_outage_each(struct store *base, int64_t since,
		   int (*cb)(const struct store_outage *o, void *arg,
			     struct err *e),
		   void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.outage = cb, .arg = arg, .e = e };
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "SELECT " OUTAGE_COLUMNS " FROM outages"
		    " WHERE ended_at IS NULL OR ended_at >= ? ORDER BY id",
		    e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	return walk(s, st, 0, outage_each_row, &to, "list outages", e);
}

#undef OUTAGE_COLUMNS

static int
sqlite_report_has(struct store *base, const char *kind, const char *slot,
		  int *has, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st,
		    "SELECT 1 FROM outbox WHERE kind = ? AND slot = ?"
		    " AND subscriber_id IS NULL",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, slot, -1, SQLITE_STATIC);
	rc = step_row(s, st, "look up report", e);
	if (rc >= 0)
		*has = rc;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_report_add(struct store *base, const struct store_report_new *r,
		  int64_t *id, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (store_begin(&s->base, e) < 0)
		return -1;
	if (prepare(s, &st,
		    "INSERT INTO outbox (kind, rcpt, slot, message_id,"
		    " created_at) VALUES (?, ?, ?, ?, ?)",
		    e) < 0)
		goto out;
	bind_list(st, "ttttI", r->kind, r->rcpt, r->slot, r->message_id,
		  r->now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
			err_set(e, EX_DATAERR,
				"%s report for %s exists "
				"already",
				r->kind, r->slot);
		else
			db_error(s, e, "add report");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	st = NULL;
	if (prepare(s, &st,
		    "INSERT INTO outbox_messages (outbox_id, message)"
		    " VALUES (?, ?)",
		    e) < 0)
		goto out;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_blob64(st, 2, r->message, r->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(s, e, "add report message");
		goto out;
	}
	rc = store_commit(&s->base, e);
out:
	sqlite3_finalize(st);
	if (rc < 0)
		store_rollback(&s->base);
	return rc;
}

static int
sqlite_secret(struct store *base, const char *name, unsigned char *buf,
	      size_t size, size_t *len, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	*len = 0;
	if (prepare(s, &st, "SELECT value FROM secrets WHERE name = ?", e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(st, 0) <= size) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		memcpy(buf, sqlite3_column_blob(st, 0), *len);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return err_set(e, EX_SOFTWARE, "the store has no secret %s%s",
			       name, rc == SQLITE_ROW ? " of that size" : "");
	return db_error(s, e, "read the secret");
}

static int
sqlite_secret_rotate(struct store *base, const char *name, int64_t now,
		     struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "INSERT INTO secrets (name, value, created_at)"
		    " VALUES (?1, randomblob(32), ?2) ON CONFLICT (name)"
		    " DO UPDATE SET value = randomblob(length(value)),"
		    " created_at = ?2",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return finish(s, st, "rotate the secret", e) < 0 ? -1 : 0;
}

static int
sqlite_next_due(struct store *base, int64_t *fetch_at, int64_t *attempt_at,
		struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0;

	/* min() of no rows is NULL, which reads as 0: nothing due; a 0 in a
	 * row (a new feed, a digest never tried) is due at once: 1 */
	if (prepare(s, &st,
		    "SELECT (SELECT min(max(next_fetch_at, 1)) FROM feeds"
		    "  WHERE enabled),"
		    /* a paused subscriber's digest: when the pause ends */
		    " (SELECT min(CASE WHEN p.paused_at IS NULL"
		    "   THEN max(next_attempt_at, 1)"
		    "   ELSE max(next_attempt_at, p.paused_until, 1) END)"
		    "  FROM outbox o LEFT JOIN subscribers p"
		    "  ON p.id = o.subscriber_id WHERE o.status = 'pending')",
		    e) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*fetch_at = sqlite3_column_int64(st, 0);
		*attempt_at = sqlite3_column_int64(st, 1);
	} else {
		rc = db_error(s, e, "find the next due time");
	}
	sqlite3_finalize(st);
	return rc;
}

static int
schedule_row(sqlite3_stmt *st, const struct walk_to *to)
{
	return to->cb.schedule((const char *)sqlite3_column_text(st, 0),
			       (const char *)sqlite3_column_text(st, 1),
			       to->arg, to->e);
}

static int
sqlite_subscriber_schedules(struct store *base,
			    int (*cb)(const char *schedule,
				      const char *timezone, void *arg,
				      struct err *e),
			    void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct walk_to to = { .cb.schedule = cb, .arg = arg, .e = e };
	sqlite3_stmt *st = NULL;

	if (prepare(s, &st,
		    "SELECT DISTINCT schedule, timezone FROM subscribers",
		    e) < 0)
		return -1;
	return walk(s, st, 0, schedule_row, &to, "list schedules", e);
}

/* SQLite's run lock already makes its holder the only worker. */
static int
sqlite_work_lease(struct store *base, const char *kind, int *held,
		  struct err *e)
{
	(void)base;
	(void)kind;
	(void)e;
	*held = 1;
	return 0;
}

static void
sqlite_work_release(struct store *base, const char *kind)
{
	(void)base;
	(void)kind;
}

/* No wake-ups: nothing tells a SQLite store's readers that another
 * process wrote (a daemon sleeps until its next due time). */
static int
sqlite_wake_listen(struct store *base, int *fd, struct err *e)
{
	(void)base;
	(void)e;
	*fd = -1;
	return 0;
}

static int
sqlite_wake_drain(struct store *base, struct err *e)
{
	(void)base;
	(void)e;
	return 0;
}

/* The run lock: lock.c's flock, with the start store.c knows. */
struct sqlite_lock {
	struct store_lock base;
	struct lock *flock;
};

static struct store_lock *
sqlite_lock_run(const char *location, const char *command, int timeout,
		int64_t now, struct err *e)
{
	struct sqlite_lock *l = calloc(1, sizeof(*l));

	if (!l) {
		err_set(e, EX_OSERR, "out of memory");
		return NULL;
	}
	l->base.ops = &store_sqlite_ops;
	l->flock = lock_acquire(location, command, timeout, now, e);
	if (!l->flock) {
		free(l);
		return NULL;
	}
	return &l->base;
}

static void
sqlite_unlock_run(struct store_lock *base)
{
	struct sqlite_lock *l = (struct sqlite_lock *)base;

	lock_release(l->flock);
	free(l);
}

/*
 * ==== store copy (copy.c) ====
 *
 * Rows of any table of tables.h as typed values; the statements are
 * made from the description (names of ours, never input).
 */

static int
sqlite_copy_snapshot(struct store *base, struct err *e)
{
	struct sqlite_store *s = sq(base);

	/* a deferred transaction: its first read fixes what it sees */
	if (exec_sql(s, "BEGIN", e) < 0)
		return -1;
	s->depth++;
	return 0;
}

/* "SELECT a, b FROM t ORDER BY k" (select) or "INSERT INTO t (a, b)
 * VALUES (?, ?)" into b. */
static int
copy_sql(struct buf *b, const struct store_table *t, int select)
{
	size_t i;
	int rc = buf_addf(b, select ? "SELECT " : "INSERT INTO %s (", t->name);

	for (i = 0; rc >= 0 && i < t->n_columns; i++)
		rc = buf_addf(b, "%s%s", i ? ", " : "", t->columns[i].name);
	if (rc >= 0 && select)
		return buf_addf(b, " FROM %s ORDER BY %s", t->name, t->order);
	if (rc >= 0)
		rc = buf_addf(b, ") VALUES (");
	for (i = 0; rc >= 0 && i < t->n_columns; i++)
		rc = buf_addf(b, "%s?", i ? ", " : "");
	return rc < 0 ? -1 : buf_addf(b, ")");
}

/* Column col of st's row as a value of type, borrowed until the next
 * step. */
static void
column_value(sqlite3_stmt *st, int col, enum store_type type,
	     struct store_value *v)
{
	memset(v, 0, sizeof(*v));
	v->is_null = sqlite3_column_type(st, col) == SQLITE_NULL;
	if (type == STORE_INT)
		v->i = sqlite3_column_int64(st, col);
	else if (type == STORE_TEXT)
		v->p = (const char *)sqlite3_column_text(st, col);
	else
		v->p = sqlite3_column_blob(st, col);
	/* after the text or blob: the length of what they gave */
	v->len = (size_t)sqlite3_column_bytes(st, col);
}

static int
sqlite_copy_each(struct store *base, const struct store_table *t,
		 int (*cb)(const struct store_value *row, void *arg,
			   struct err *e),
		 void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	struct store_value row[STORE_MAX_COLUMNS];
	struct buf sql = BUF_INIT(4096);
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0, step;

	if (copy_sql(&sql, t, 1) < 0) {
		buf_release(&sql);
		return err_set(e, EX_OSERR, "out of memory");
	}
	rc = prepare(s, &st, sql.data, e);
	buf_release(&sql);
	if (rc < 0)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < t->n_columns; i++)
			column_value(st, (int)i, t->columns[i].type, &row[i]);
		if ((rc = cb(row, arg, e)) != 0)
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_error(s, e, "copy a table");
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_copy_insert(struct store *base, const struct store_table *t,
		   const struct store_value *row, struct err *e)
{
	struct sqlite_store *s = sq(base);
	size_t i;
	int rc;

	if (s->copy_table != t) {
		struct buf sql = BUF_INIT(4096);

		sqlite3_finalize(s->copy_insert);
		s->copy_insert = NULL;
		s->copy_table = NULL;
		if (copy_sql(&sql, t, 0) < 0) {
			buf_release(&sql);
			return err_set(e, EX_OSERR, "out of memory");
		}
		rc = prepare(s, &s->copy_insert, sql.data, e);
		buf_release(&sql);
		if (rc < 0)
			return -1;
		s->copy_table = t;
	}
	sqlite3_reset(s->copy_insert);
	sqlite3_clear_bindings(s->copy_insert);
	for (i = 0; i < t->n_columns; i++) {
		int c = (int)i + 1;

		if (row[i].is_null)
			sqlite3_bind_null(s->copy_insert, c);
		else if (t->columns[i].type == STORE_INT)
			sqlite3_bind_int64(s->copy_insert, c, row[i].i);
		else if (t->columns[i].type == STORE_TEXT)
			sqlite3_bind_text64(s->copy_insert, c, row[i].p,
					    row[i].len, SQLITE_STATIC,
					    SQLITE_UTF8);
		else
			sqlite3_bind_blob64(s->copy_insert, c,
					    row[i].len ? row[i].p : "",
					    row[i].len, SQLITE_STATIC);
	}
	rc = sqlite3_step(s->copy_insert) == SQLITE_DONE ?
		     0 :
		     db_error(s, e, "insert a row");
	sqlite3_reset(s->copy_insert);
	sqlite3_clear_bindings(s->copy_insert);
	return rc;
}

/* Runs sql (one row, one column: a number) into *n. */
static int
copy_number(struct sqlite_store *s, const char *sql, int64_t *n, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(s, &st, sql, e) < 0)
		return -1;
	rc = step_row(s, st, "count rows", e);
	*n = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int
sqlite_copy_count(struct store *base, const struct store_table *t, int64_t *n,
		  struct err *e)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t->name);
	return copy_number(sq(base), sql, n, e);
}

static int
sqlite_copy_clear(struct store *base, const struct store_table *t,
		  struct err *e)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DELETE FROM %s", t->name);
	return exec_sql(sq(base), sql, e);
}

/* sqlite_sequence has a row for a table with AUTOINCREMENT only (entries:
 * an id is never given twice); the others give max(id) + 1. */
static int
sqlite_copy_last_id(struct store *base, const struct store_table *t,
		    int64_t *last, struct err *e)
{
	char sql[512];

	snprintf(
		sql, sizeof(sql),
		"SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
		" WHERE name = '%s'), 0), coalesce((SELECT max(id) FROM %s), 0))",
		t->name, t->name);
	return copy_number(sq(base), sql, last, e);
}

static int
sqlite_copy_set_last_id(struct store *base, const struct store_table *t,
			int64_t last, struct err *e)
{
	struct sqlite_store *s = sq(base);
	int64_t autoincrement;
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM sqlite_master WHERE name = '%s'"
		 " AND sql LIKE '%%AUTOINCREMENT%%'",
		 t->name);
	if (copy_number(s, sql, &autoincrement, e) < 0)
		return -1;
	if (!autoincrement || last <= 0)
		return 0;
	/* the rows inserted made it their highest id; a deleted row's may
	 * be higher */
	snprintf(sql, sizeof(sql),
		 "UPDATE sqlite_sequence SET seq = max(seq, %" PRId64 ")"
		 " WHERE name = '%s';"
		 "INSERT INTO sqlite_sequence (name, seq) SELECT '%s', %" PRId64
		 " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence"
		 " WHERE name = '%s')",
		 last, t->name, t->name, last, t->name);
	return exec_sql(s, sql, e);
}

static int
sqlite_schema_each(struct store *base,
		   int (*cb)(const char *table, const char *column, void *arg,
			     struct err *e),
		   void *arg, struct err *e)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	if (prepare(s, &st,
		    "SELECT m.name, p.name FROM sqlite_master m,"
		    " pragma_table_info(m.name) p WHERE m.type = 'table'"
		    " ORDER BY m.name, p.cid",
		    e) < 0)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = cb((const char *)sqlite3_column_text(st, 0),
			     (const char *)sqlite3_column_text(st, 1), arg,
			     e)) != 0)
			break;
	if (!rc && step != SQLITE_DONE)
		rc = db_error(s, e, "read the schema");
	sqlite3_finalize(st);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.lock_run = sqlite_lock_run,
	.unlock_run = sqlite_unlock_run,
	.schema_version = sqlite_schema_version,
	.open = sqlite_open,
	.open_read = sqlite_open_read,
	.read_only = sqlite_read_only,
	.open_another = sqlite_open_another,
	.lost = sqlite_lost,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.feed_add = sqlite_feed_add,
	.feed_set_user_agent = sqlite_feed_set_user_agent,
	.feed_set_site_link = sqlite_feed_set_site_link,
	.feed_find = sqlite_feed_find,
	.feed_remove = sqlite_feed_remove,
	.feed_each = sqlite_feed_each,
	.subscriber_add = sqlite_subscriber_add,
	.subscriber_remove = sqlite_subscriber_remove,
	.subscriber_update = sqlite_subscriber_update,
	.subscriber_pause = sqlite_subscriber_pause,
	.subscriber_page = sqlite_subscriber_page,
	.subscriber_by_email = sqlite_subscriber_by_email,
	.subscriber_by_token = sqlite_subscriber_by_token,
	.subscriber_by_id = sqlite_subscriber_by_id,
	.fetch_claim = sqlite_fetch_claim,
	.fetch_get = sqlite_fetch_get,
	.fetch_keep = sqlite_fetch_keep,
	.fetch_mark_needed = sqlite_fetch_mark_needed,
	.entries_save = sqlite_entries_save,
	.entries_last_week = sqlite_entries_last_week,
	.fetch_record = sqlite_fetch_record,
	.prune = sqlite_prune,
	.news_each = sqlite_news_each,
	.digest_add = sqlite_digest_add,
	.digest_has_slot = sqlite_digest_has_slot,
	.outbox_claim = sqlite_outbox_claim,
	.outbox_keep = sqlite_outbox_keep,
	.outbox_get = sqlite_outbox_get,
	.digest_each_of = sqlite_digest_each_of,
	.outbox_mark = sqlite_outbox_mark,
	.digest_prune = sqlite_digest_prune,
	.digest_count = sqlite_digest_count,
	.check = sqlite_check,
	.outbox_sent_since = sqlite_outbox_sent_since,
	.outbox_due_count = sqlite_outbox_due_count,
	.outbox_each = sqlite_outbox_each,
	.outbox_retry = sqlite_outbox_retry,
	.outbox_drop = sqlite_outbox_drop,
	.outage_note = sqlite_outage_note,
	.outage_end = sqlite_outage_end,
	.outage_each = sqlite_outage_each,
	.report_has = sqlite_report_has,
	.report_add = sqlite_report_add,
	.next_due = sqlite_next_due,
	.secret = sqlite_secret,
	.secret_rotate = sqlite_secret_rotate,
	.subscriber_unsubscribe = sqlite_subscriber_unsubscribe,
	.consent_add = sqlite_consent_add,
	.consent_each = sqlite_consent_each,
	.subscriber_confirm = sqlite_subscriber_confirm,
	.subscriber_resubscribe = sqlite_subscriber_resubscribe,
	.subscriber_ask = sqlite_subscriber_ask,
	.subscriber_confirm_sent = sqlite_subscriber_confirm_sent,
	.subscriber_count = sqlite_subscriber_count,
	.subscriber_forget_pending = sqlite_subscriber_forget_pending,
	.subscriber_schedules = sqlite_subscriber_schedules,
	.work_lease = sqlite_work_lease,
	.work_release = sqlite_work_release,
	.wake_listen = sqlite_wake_listen,
	.wake_drain = sqlite_wake_drain,
	.copy_snapshot = sqlite_copy_snapshot,
	.copy_each = sqlite_copy_each,
	.copy_insert = sqlite_copy_insert,
	.copy_count = sqlite_copy_count,
	.copy_clear = sqlite_copy_clear,
	.copy_last_id = sqlite_copy_last_id,
	.copy_set_last_id = sqlite_copy_set_last_id,
	.schema_each = sqlite_schema_each,
};
