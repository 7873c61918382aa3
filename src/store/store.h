/*
 * store: where feeds, entries, subscribers, digests and deliveries are
 * kept; the one door to them. Behind it, a table of operations per
 * backend (backend.h, private to src/store/), picked by the location
 * store_open is given: SQLite (sqlite.c, the only user of sqlite3), one
 * file, or PostgreSQL (pg.c, the only user of libpq; see "Locations"),
 * a database several workers share.
 *
 * The SQLite file is in WAL mode with a busy timeout and foreign keys on; its
 * schema version is PRAGMA user_version, and store_open migrates an older
 * file forward, one transaction per step, so a crash mid-migration leaves
 * the previous version intact. Every statement uses bound parameters.
 * Strings handed out in store_* structs are copies owned by the struct;
 * callbacks receive borrowed structs valid until they return.
 */
#ifndef FEEDMAIL_STORE_H
#define FEEDMAIL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/feed.h"

struct store;

/* The schema version this build writes. */
#define STORE_SCHEMA_VERSION 14

/*
 * Callbacks: a walk (store_feed_each and the other *_each, _page and
 * store_subscriber_schedules) calls cb(x, arg, e) for each row, e being
 * the walk's own. cb returns 0 to go on, 1 to stop early (it found what it
 * wanted), or -1 with e set (err_set returns -1). The walk returns 0 when
 * it went to the end, 1 when a callback stopped it, -1 with e.
 */

/*
 * Errors from the store carry the exit status the cause calls for, the
 * same for every call (sqlite.c, store_error): 75 when another process
 * holds the store (named when it can be found), 74 when the disk is full
 * or fails, 77 when the file, its folder or the mount refuses (the
 * message says which, and what is missing for whom), 73 when the file
 * does not exist and cannot be created, 65 when it is damaged or not a
 * database, 70 only for a bug.
 */

/* Opens (creating it and its folder if needed) the store at path and
 * migrates it to STORE_SCHEMA_VERSION. Safe to call from several
 * processes at once on a new or older store: each migration step reads
 * the version again under the write lock, so one of them makes it and
 * the others wait for it (the busy timeout) and find it made. A store
 * newer than this build is refused (EX_CONFIG) rather than damaged. */
struct store *store_open(const char *path, struct err *e);
/* How long, in seconds, a connection waits for a lock another one
 * holds (a write, a checkpoint) before it fails with EX_TEMPFAIL. */
#define STORE_BUSY_TIMEOUT 10

/* Opens the store at path for a command that only reads: as store_open
 * when the store can be written; when it cannot (a file or folder the
 * user may not write, a read-only file system: what store_open fails
 * with EX_NOPERM), read-only and without migrating, so that list and
 * status still work. A store at an older schema version then fails with
 * EX_NOPERM, saying that migrating it needs write access; any write
 * through a read-only store fails with EX_NOPERM. */
struct store *store_open_read(const char *path, struct err *e);
/* Whether s was opened read-only by store_open_read. */
int store_read_only(const struct store *s);
/* As store_open, but migrates only up to version (for tests of the
 * migrations themselves). */
struct store *store_open_version(const char *path, int version, struct err *e);
/* Closes the store. NULL-safe. */
void store_close(struct store *s);
/* A second connection to s's file, for another thread (a connection is
 * used by one thread at a time; WAL lets it read while the other writes,
 * and writes take turns). It waits for the other's write lock in steps of
 * 0.1 ms rather than SQLite's default of 1 ms and more: it is meant for
 * short writes made while a server waits. NULL with e (EX_SOFTWARE) when
 * SQLite was built without thread support. */
struct store *store_open_another(const struct store *s, struct err *e);
/* Whether s's connection is gone for good, so that every later call on
 * s would fail alike: PostgreSQL's once a call found that the server
 * closed it (a restart, its backend terminated, the network). A holder
 * that outlives one command (serve's idle connections) closes such a
 * store and opens another. Always 0 for SQLite. */
int store_lost(const struct store *s);
/* The schema version of the open file. */
int store_schema_version(struct store *s);

/*
 * The run lock: one writing run at a time per store, whatever else reads
 * it. Taken before the store is opened, by location, so that a run
 * waiting for another does not migrate or write meanwhile. SQLite: an
 * flock(2) on LOCATION.lock that the kernel drops when the process dies,
 * naming its holder (pid, command, since when) for the one that waits.
 */
struct store_lock;

/* Takes the run lock of the store at location for command (a name for
 * the holder's line; now is when it was taken), waiting at most timeout
 * seconds. On timeout: NULL with EX_TEMPFAIL and a message naming the
 * holder; other failures: NULL with the cause (EX_NOPERM when the lock
 * cannot be written, saying why). */
struct store_lock *store_lock_run(const char *location, const char *command,
				  int timeout, int64_t now, struct err *e);
/* Releases the lock and frees l. NULL-safe. */
void store_unlock_run(struct store_lock *l);

/*
 * Work leases: the parts of a pass that one worker at a time does
 * (marking lead feeds, building digests, the admin's reports, pruning),
 * while fetching and delivering go ahead in every worker through claims.
 * SQLite: *held is always 1 (its run lock already makes the process
 * alone). PostgreSQL: a session advisory lock on the kind, *held 0 when
 * another worker has it; held until store_work_release or store_close
 * (or the worker's death, which ends its connection).
 */
int store_work_lease(struct store *s, const char *kind, int *held,
		     struct err *e);
void store_work_release(struct store *s, const char *kind);

/*
 * Wake-ups: what lets an idle worker (a sleeping daemon) learn at once
 * that another process gave it work it could not foresee: a feed or a
 * subscriber added, a subscriber's schedule changed or their pause
 * ended, the admin's mail queued, failed mail queued again. The operations that do so tell the
 * listeners when their transaction commits. PostgreSQL: LISTEN/NOTIFY.
 * SQLite: none (the daemon wakes at its next due time, and on SIGHUP).
 */

/* Makes s a listener: *fd is then a descriptor that becomes readable
 * when work may have come (call store_wake_drain then), -1 when the
 * backend cannot wake anyone. s is best kept for this alone, idle
 * between drains: a statement run on it may read the notifications
 * meanwhile. */
int store_wake_listen(struct store *s, int *fd, struct err *e);
/* Reads what came on a listener without waiting: the number of
 * wake-ups since the last drain (0 when none), or -1 with e when the
 * connection failed (make a new listener). */
int store_wake_drain(struct store *s, struct err *e);

/*
 * Locations. "postgresql://..." and "postgres://..." name a PostgreSQL
 * store (libpq's URL; "postgres:///db" a local socket); "sqlite:PATH"
 * and any other location a SQLite file. A URL is refused with EX_CONFIG
 * when feedmail was built without libpq.
 */
int store_is_url(const char *location);
/* The location as messages show it: a URL's password masked ("***"),
 * in its authority or a password= parameter. malloc'd; NULL when memory
 * runs out. */
char *store_location_shown(const char *location);
/* The file whose first line is the PostgreSQL password, read at each
 * connection (NULL: libpq's own PGPASSWORD and PGPASSFILE apply). Set
 * once, before opening a store; the path is copied. */
void store_set_password_file(const char *path);

/* Transactions: begin/commit fail with the SQLite message; rollback is
 * safe to call when nothing is open. */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);

/* A list of short strings (tags) with its count. */
struct store_tags {
	char **items;
	size_t n;
};

struct store_feed {
	int64_t id;
	char *url;
	char *title; /* NULL when unknown */
	struct store_tags tags;
	int enabled; /* 0 after 410 Gone or by hand */
	int64_t added_at;
	int64_t last_fetch_at; /* 0 when never */
	int64_t last_success_at;
	char *last_status; /* "ok", "not_modified" or an error class; NULL */
	char *last_error;  /* message of the last failure, or NULL */
	int failures;      /* consecutive */
	int64_t next_fetch_at;     /* when the feed is next due */
	int64_t last_new_entry_at; /* 0 when none yet */
	int64_t entries;           /* entries stored */
	char *site_link;           /* the feed's own <link> (its site), as
	                            * last fetched; NULL when unknown */
};

void store_feed_release(struct store_feed *f);

/* Adds a feed (url already normalized), added at now. Returns 0 and sets
 * *id when added, 1 and sets *id to the existing feed when the URL is
 * already there, -1 on error. */
int store_feed_add(struct store *s, const char *url, const char *title,
		   const struct store_tags *tags, int64_t now, int64_t *id,
		   struct err *e);
/* Sets the User-Agent sent for one feed (NULL: the [fetch] one). */
int store_feed_set_user_agent(struct store *s, int64_t id, const char *ua,
			      struct err *e);
/* Sets the feed's site link until a fetch gives one (import: an OPML
 * outline's htmlUrl); a link already known stays. */
int store_feed_set_site_link(struct store *s, int64_t id, const char *link,
			     struct err *e);
/* Finds a feed by its id ("12") or its URL (as stored, normalized first by
 * the caller). Not found: -1 with EX_DATAERR naming what was looked for. */
int store_feed_find(struct store *s, const char *id_or_url, int64_t *id,
		    struct err *e);
/* Removes a feed with its tags and entries (and their deliveries). */
int store_feed_remove(struct store *s, int64_t id, struct err *e);
/* Calls cb for every feed in id order (see "Callbacks"). */
int store_feed_each(struct store *s,
		    int (*cb)(const struct store_feed *f, void *arg,
			      struct err *e),
		    void *arg, struct err *e);

/* What the fetcher needs to fetch a feed. */
struct store_fetch {
	int64_t id;
	char *url;
	char *etag; /* validators of the last 200, or NULL */
	char *last_modified;
	char *user_agent;   /* per-feed override, or NULL */
	char *redirect_url; /* permanent redirect seen on redirect_count */
	int redirect_count; /* consecutive fetches */
	int failures;       /* consecutive */
	int ttl_minutes;
};

void store_fetch_release(struct store_fetch *f);

/*
 * Claims. A worker takes the rows it is to work on (feeds to fetch,
 * messages of the outbox to deliver) with a claim, which leases them to
 * it until a time it names: until then no other claim returns them,
 * whatever becomes of them meanwhile (recording a fetch or marking a
 * delivery does not end the lease, so a row that stays due is not taken
 * twice in one pass). So
 * several workers can share the rows, and the rows of one that died come
 * back when its leases end. A lease that ended at or before now is free
 * again. A claim returns at most max rows; fewer means there were no more
 * to claim.
 *
 * SQLite: one worker at a time holds the run lock, so a claim simply reads
 * the next rows; the leases are kept by the store handle, not in the file,
 * and end with it or at their time.
 */

/* Claims at most max enabled feeds due by due_by (next fetch time at or
 * before it; every enabled feed when all is set), oldest due first, into
 * feeds[0..*n), each leased until `until`. Release each with
 * store_fetch_release. On error none is claimed. */
int store_fetch_claim(struct store *s, int64_t now, int64_t due_by, int all,
		      int64_t until, struct store_fetch *feeds, size_t max,
		      size_t *n, struct err *e);
/* Renews until `until` the leases of the feeds this handle claimed and
 * has not recorded yet, whose leases have not ended by now (and, on
 * PostgreSQL, of their hosts): a fetch pass whose feeds wait behind
 * [fetch] per_host calls it before each claim and every third of a
 * lease, so that a queued feed's lease does not end before its turn and
 * no claim (this worker's or another's) takes it again. */
int store_fetch_keep(struct store *s, int64_t now, int64_t until,
		     struct err *e);
/* A digest slot whose feeds are fetched before it, whatever their polling
 * interval says (see lead.h): the subscribers of one (schedule, timezone)
 * pair, as store_subscriber_schedules gives it. */
struct store_slot_feeds {
	const char *schedule; /* NULL: the subscribers without one */
	const char *timezone; /* NULL: likewise */
	const char *key;      /* a slot that has begun: its key, and only
	                       * its subscribers subscribed by start and
	                       * without a digest for it count; NULL: a
	                       * slot to come, all of them count */
	int64_t start;        /* when the slot begins */
	int64_t since;        /* a feed fetched at or after this is
	                       * fresh enough for the slot */
};

/* Makes due at now (next_fetch_at = now) each enabled feed that a counted
 * subscriber (and not one paused at the slot's start) of one of the n
 * slots reads (a feed carrying one of their
 * tags, in any letter case and with or without accents, as store_news_each
 * matches them; every feed for one without tags) and that was
 * last fetched before that slot's since. A feed whose server last answered
 * 429 or 5xx keeps the wait it was given (Retry-After, or the backoff): an
 * overloaded server is not asked again early. One transaction; *marked is
 * the number of feeds made due. */
int store_fetch_mark_needed(struct store *s,
			    const struct store_slot_feeds *slots, size_t n,
			    int64_t now, size_t *marked, struct err *e);
/* Fills f for one feed id (enabled or not). */
int store_fetch_get(struct store *s, int64_t id, struct store_fetch *f,
		    struct err *e);

/* One document's entries, with what fetch worked out for each: the
 * store compares them as they are, knowing nothing of how they are made
 * (fetch/ident.h: ident_entries). */
struct store_entries {
	const struct entry *const *items;
	char *const *idents;    /* the entry's identity in its feed */
	char *const *link_keys; /* its link's key, or NULL for no link */
	char *const *hashes;    /* the hash of what a reader sees of it */
	size_t n;
};

/* Saves a document's entries in one transaction: a new identity is
 * inserted (first seen now), a known one whose content changed is updated
 * in place (not new: it is not sent again), an unchanged one only marked
 * seen. An identity of another kind with the same link (a feed that
 * started or stopped giving guids) counts as known. Adds to *added and
 * *updated. */
int store_entries_save(struct store *s, int64_t feed_id,
		       const struct store_entries *entries, int64_t now,
		       size_t *added, size_t *updated, struct err *e);

/* The number of entries of the feed first seen in the 7 days before now
 * (how often it publishes, for the polling policy). */
int store_entries_last_week(struct store *s, int64_t feed_id, int64_t now,
			    int64_t *count, struct err *e);

/* The outcome of one fetch of a feed, to record. */
struct store_fetch_outcome {
	int64_t feed_id;
	int64_t now;
	const char *status; /* kept as last_status, as given: "ok",
	                     * "not_modified" or an error class */
	int succeeded;      /* a document, or 304: the failures end */
	int not_modified;   /* 304: validators and ttl stay */
	const char *error;  /* message on a failure, else NULL */
	int disable;        /* 410 Gone: stop fetching */
	int64_t next_fetch_at;
	/* on success (succeeded): */
	const char *etag, *last_modified; /* NULL keeps none */
	const char *title, *site_link; /* from the feed, NULL keeps the old */
	int ttl_minutes;
	size_t new_entries;
	/* the permanent redirect seen this time, or NULL */
	const char *redirect_url;
	int redirect_threshold; /* move to redirect_url after this many */
};

/* Records an outcome: success resets the failure count, failure adds one;
 * a permanent redirect seen redirect_threshold times in a row replaces the
 * feed's URL (unless another feed has that URL) and *moved is set to 1. */
int store_fetch_record(struct store *s, const struct store_fetch_outcome *o,
		       int *moved, struct err *e);

/* Deletes the entries of every feed that have not been in their feed
 * since keep_before, except that the identity of each is kept (content
 * emptied) for as long again, so that a feed re-publishing an old window
 * does not bring old entries back as new. Returns the number of entries
 * emptied or deleted in *pruned. */
int store_prune(struct store *s, int64_t keep_before, int64_t forget_before,
		size_t *pruned, struct err *e);

struct store_subscriber {
	int64_t id;
	char *email;            /* as given, validated by the caller */
	char *name;             /* NULL when none */
	char *lang;             /* "fr", "en" or NULL for the config default */
	struct store_tags tags; /* none: every feed */
	char *schedule;         /* "daily@07:00"...; NULL: [digest] time */
	char *timezone;         /* IANA name; NULL: [digest] timezone */
	struct store_tags include; /* words: keep only entries with one */
	struct store_tags exclude; /* words: drop entries with any */
	int64_t created_at;        /* when they subscribed: shown, and a
	                            * digest slot begun before is not
	                            * theirs (what is new to them is not
	                            * decided by it: store_news_each) */
	char *token;               /* opaque and random (128 bits, hex), made
	                            * by the store: what a link in a mail can
	                            * name the subscriber by; ignored by add */
	int64_t paused_at;         /* when paused; 0: not paused (add
	                            * and update ignore both) */
	int64_t paused_until;      /* paused: until then; 0: until resumed */
	int64_t pending_since;     /* waiting for their confirmation
	                            * since then, sent nothing; 0: not
	                            * waiting (confirmed, or added by
	                            * the admin) */
	int64_t unsubscribed_at;   /* 0: subscribed; else kept, sent
	                            * nothing, as a suppression */
};

void store_subscriber_release(struct store_subscriber *sub);
/* Makes dst a deep copy of src (callbacks lend theirs). 0, or -1 when
 * memory runs out, dst then empty. */
int store_subscriber_copy(struct store_subscriber *dst,
			  const struct store_subscriber *src);

/* Adds a subscriber; an address already there (case-insensitive domain) is
 * refused with EX_DATAERR, saying when an address that unsubscribed did
 * so ("unsubscribed on DATE"): such an address comes back only through
 * store_subscriber_confirm (their own confirmation) or
 * store_subscriber_resubscribe (the admin's word). created_at is set to
 * now. With sub->pending_since set, they are added waiting for their
 * confirmation since then (sent nothing until store_subscriber_confirm).
 * The entries new to
 * them are those the store keeps after this commits: in the store's own
 * order of entries, not by the clock (now may equal an entry's
 * first_seen, or even precede it). */
int store_subscriber_add(struct store *s, const struct store_subscriber *sub,
			 int64_t now, int64_t *id, struct err *e);
/* Fills sub (release it) with the subscriber whose address is email
 * (case-insensitive, as add compares them). Unknown: -1 with EX_DATAERR
 * naming the address. */
int store_subscriber_by_email(struct store *s, const char *email,
			      struct store_subscriber *sub, struct err *e);
/* Fills sub (release it) with the subscriber whose token is token.
 * Unknown: -1 with EX_DATAERR (the message does not repeat the token). */
int store_subscriber_by_token(struct store *s, const char *token,
			      struct store_subscriber *sub, struct err *e);
/* Fills sub (release it) with subscriber id: what a token names (a link
 * in a mail). Unknown: -1 with EX_DATAERR. */
int store_subscriber_by_id(struct store *s, int64_t id,
			   struct store_subscriber *sub, struct err *e);
/* Changes what sub->id's subscriber reads and how: name, lang, tags,
 * schedule, timezone, include and exclude words, all replaced by sub's;
 * the address, start (created_at and the entries new to them), token,
 * pause and history stay. Unknown id: -1 with EX_DATAERR. */
int store_subscriber_update(struct store *s, const struct store_subscriber *sub,
			    struct err *e);
/* Pauses subscriber id from at until `until` (0: until resumed); at 0
 * resumes them. No digest is built for a paused subscriber; what is new to
 * them meanwhile waits for their next digest. Unknown id: -1 with
 * EX_DATAERR. */
int store_subscriber_pause(struct store *s, int64_t id, int64_t at,
			   int64_t until, struct err *e);
/* Whether sub is paused at now: paused, and its end (if any) not yet
 * come. */
int store_subscriber_paused(const struct store_subscriber *sub, int64_t now);
/* Whether sub is sent digests at now: not waiting for their
 * confirmation, not unsubscribed, not paused. */
int store_subscriber_receives(const struct store_subscriber *sub, int64_t now);
/* Unsubscribes subscriber id at now: kept, as a suppression, and sent
 * nothing more; their pending digests are dropped (failed, with the
 * reply "unsubscribed") in the same transaction. An unsubscribed one
 * stays as they were (0, *changed 0); unknown id: -1 with EX_DATAERR. */
int store_subscriber_unsubscribe(struct store *s, int64_t id, int64_t now,
				 int *changed, struct err *e);
/* The state of sub at now, for lists and counts: "unsubscribed",
 * "pending" (waiting for their confirmation), "paused" or "active". */
const char *store_subscriber_state(const struct store_subscriber *sub,
				   int64_t now);

/* A consent as recorded (the consents table): for which address, when,
 * through what (STORE_CONSENT_*), from where, to which text. Strings are
 * lent. */
struct store_consent {
	int64_t subscriber_id; /* 0 once the subscriber was removed */
	const char *email;     /* the address it was given for */
	int64_t given_at;
	const char *source;  /* STORE_CONSENT_WEB, _IMPORT or _ADMIN */
	const char *ip;      /* as seen through the trusted proxy, or NULL */
	const char *wording; /* the version of the text agreed to, or NULL */
	const char *lang;    /* the language it was read in, or NULL */
};
#define STORE_CONSENT_WEB "web"
#define STORE_CONSENT_IMPORT "import"
#define STORE_CONSENT_ADMIN "admin"

/* Records c for c->subscriber_id (who must exist: else -1 with
 * EX_DATAERR), as given: for an admin's add or an import that vouches
 * for it. */
int store_consent_add(struct store *s, const struct store_consent *c,
		      struct err *e);
/* Calls cb with each consent recorded for subscriber id, oldest first
 * (see "Callbacks"). */
int store_consent_each(struct store *s, int64_t id,
		       int (*cb)(const struct store_consent *c, void *arg,
				 struct err *e),
		       void *arg, struct err *e);
/* The subscriber id confirms, as c says (c->subscriber_id is ignored),
 * in one transaction, only when they are waiting for it (pending_since
 * set): c is recorded, pending_since and unsubscribed_at are cleared, and
 * they start anew (created_at = c->given_at, and what is new to them is
 * what the store keeps after this commits, as for store_subscriber_add).
 * *changed: 1 then; 0 when they were not waiting (subscribed already, or
 * unsubscribed since: an old confirmation link brings nobody back), and
 * nothing is done. Unknown id: -1 with EX_DATAERR. */
int store_subscriber_confirm(struct store *s, int64_t id,
			     const struct store_consent *c, int *changed,
			     struct err *e);
/* The admin subscribes again id, who had unsubscribed, at now:
 * unsubscribed_at is cleared and they start anew (as confirm); with
 * pending set, they wait for their confirmation since now. *changed 0
 * (and nothing done) when they had not unsubscribed. Unknown id: -1
 * with EX_DATAERR. */
int store_subscriber_resubscribe(struct store *s, int64_t id, int64_t now,
				 int pending, int *changed, struct err *e);
/* Subscriber id asks again to subscribe at now: one not waiting yet
 * waits for their confirmation since now (pending_since); unsubscribed_at
 * stays until they confirm. Unknown id: -1 with EX_DATAERR. */
int store_subscriber_ask(struct store *s, int64_t id, int64_t now,
			 struct err *e);
/* Notes that a confirmation mail to id was queued at `at`
 * (confirm_sent_at). Unknown id: -1 with EX_DATAERR. */
int store_subscriber_confirm_sent(struct store *s, int64_t id, int64_t at,
				  struct err *e);
/* How many subscribers are in each state at now (store_subscriber_state). */
struct store_subscriber_counts {
	int64_t active, pending, paused, unsubscribed;
};
int store_subscriber_count(struct store *s, int64_t now,
			   struct store_subscriber_counts *c, struct err *e);
/* Forgets the subscribers waiting for their confirmation since before
 * `before` (never confirmed: removed, with what they had; their consents
 * none); *n says how many. */
#define STORE_PENDING_DAYS 7 /* how long run keeps them waiting */
int store_subscriber_forget_pending(struct store *s, int64_t before, size_t *n,
				    struct err *e);
/* Removes a subscriber by address; unknown: -1 with EX_DATAERR. */
int store_subscriber_remove(struct store *s, const char *email, struct err *e);
int store_subscriber_each(struct store *s,
			  int (*cb)(const struct store_subscriber *sub,
				    void *arg, struct err *e),
			  void *arg, struct err *e);
/* As store_subscriber_each, for the subscribers with an id above after_id,
 * at most limit of them (-1: all), so a caller can page through them. */
int store_subscriber_page(struct store *s, int64_t after_id, int limit,
			  int (*cb)(const struct store_subscriber *sub,
				    void *arg, struct err *e),
			  void *arg, struct err *e);

/*
 * The outbox. A digest is committed as pending with its rendered message
 * and the entries it carries before the message leaves; marked sent after
 * the server accepts it; a temporary failure leaves it pending with a later
 * next attempt. An entry goes into at most one digest per subscriber.
 */

/* An entry a subscriber has not received yet. */
struct store_news {
	int64_t id;
	int64_t feed_id;
	const char *feed_title; /* the feed's title, or its URL */
	const char *feed_tag;   /* the feed's first tag, or NULL */
	const char *title, *link, *author, *summary, *content;
	const char *link_key; /* as store_entries_save was given it */
	int64_t published;    /* or updated; DATE_NONE when neither */
	int64_t first_seen;
	int delayed; /* it was in a digest that failed: it comes
	              * back, late */
};

/* Calls cb with each entry new to sub: stored after sub subscribed (by
 * the store's order of entries, whatever the clock said), from the feeds
 * carrying one of sub's tags (compared without regard to case or accents,
 * as utf8_fold folds words: "isere" finds "Isère"; all feeds when none),
 * and not in any
 * digest of sub but one that failed (and was not dropped: see
 * store_outbox_drop); newest first. n->id is the entry's position in
 * that order. With since > 0 (a preview), the entries first seen at or
 * after since instead, in a digest or not. Strings are lent for the
 * call. */
int store_news_each(struct store *s, const struct store_subscriber *sub,
		    int64_t since,
		    int (*cb)(const struct store_news *n, void *arg,
			      struct err *e),
		    void *arg, struct err *e);

struct store_digest_new {
	int64_t subscriber_id;
	const char *slot; /* schedule slot key, or NULL */
	const char *message_id;
	const char *message; /* the rendered message */
	size_t len;
	const char *failure; /* non-NULL: the digest could not be built,
	                      * for this reason; recorded failed, with
	                      * no message and no entries */
	const int64_t *entry_ids;
	size_t nentries;
	int64_t covered_seq; /* the highest entry id (position) the
	                      * selection saw, as store_news_each gave
	                      * them; 0: none */
	int64_t now;
};

/* Whether sub already has a digest for the schedule slot key. */
int store_digest_has_slot(struct store *s, int64_t subscriber_id,
			  const char *slot, int *has, struct err *e);

/* Records a pending digest and its entries in one transaction; an entry
 * of a failed digest of the subscriber moves to the new one. An entry
 * already in another digest of the subscriber, or a subscriber who has
 * unsubscribed, makes it fail with EX_DATAERR (nothing recorded). A slot
 * already used (another worker built that digest first: the unique key
 * decides) records nothing and returns 0 with *id 0. */
int store_digest_add(struct store *s, const struct store_digest_new *d,
		     int64_t *id, struct err *e);

/* One message of the outbox: a digest, or a mail to the admin (a
 * report: kind "health", "outage", "test"...), which has no subscriber
 * and no entries. */
struct store_message {
	int64_t id;
	int64_t subscriber_id; /* 0: the admin's mail */
	char *kind;            /* "digest", or the report's kind */
	char *slot;            /* its slot key, or NULL */
	char *email;           /* the address it goes to: a digest's
	                        * subscriber's as it is now */
	char *message_id;
	char *message;
	size_t len;
	int attempts;
	long entries;
};

void store_message_release(struct store_message *d);

/* Which of the outbox's messages a claim takes. */
enum store_outbox_box {
	STORE_OUTBOX_ALL,      /* digests and the admin's mail */
	STORE_OUTBOX_DIGESTS,  /* the subscribers' mail: their digests
	                       * and the confirmations (kind "confirm",
	                       * which a person waits for) */
	STORE_OUTBOX_ADMIN,    /* the admin's mail only (no subscriber,
	                       * not a confirmation) */
	STORE_OUTBOX_CONFIRMS, /* the confirmations only: what serve
	                        * carries itself, at once */
};

/* Claims at most max pending messages of box in the outbox whose next
 * attempt is due by due_by, oldest first, each leased until `until` (see
 * "Claims" above): their ids into ids, *n says how many. The courier
 * claims a batch at a time so that memory does not grow with the outbox
 * (messages are read one at a time with store_outbox_get). On error none
 * is claimed. */
int store_outbox_claim(struct store *s, enum store_outbox_box box, int64_t now,
		       int64_t due_by, int64_t until, int64_t *ids, size_t max,
		       size_t *n, struct err *e);
/* Keeps the lease of message id, claimed by this handle, until `until`
 * and says whether it is still this handle's to deliver: *ours 0 when
 * another worker claimed it since (this handle's lease ended meanwhile)
 * or it is no longer pending; it must not be sent then. The courier
 * asks just before each message is handed to the transport, so that a
 * slow relay does not let another worker claim and send it again.
 * SQLite: the handle is alone under the run lock; its lease is renewed
 * and *ours is 1. */
int store_outbox_keep(struct store *s, int64_t id, int64_t now, int64_t until,
		      int *ours, struct err *e);
/* Reads one message of the outbox (a digest or the admin's mail),
 * message included. */
int store_outbox_get(struct store *s, int64_t id, struct store_message *d,
		     struct err *e);

enum store_digest_outcome {
	STORE_DIGEST_SENT,
	STORE_DIGEST_RETRY,  /* stays pending until next_attempt */
	STORE_DIGEST_FAILED, /* given up: reported, not retried */
	STORE_DIGEST_HELD,   /* the transport failed as a whole: stays
	                      * pending, no attempt counted */
};

/* Records what became of a delivery attempt of any message of the
 * outbox, with the server's reply. */
int store_outbox_mark(struct store *s, int64_t id,
		      enum store_digest_outcome outcome, const char *reply,
		      int64_t now, int64_t next_attempt, struct err *e);

/* Counts into *n the mail of every kind (digests and the admin's) marked
 * sent at or after since, the quota's window; *nth_at gets the sent time
 * of the nth oldest of them, from 0 (0 when there are not so many): when
 * the window lets one more go. */
int store_outbox_sent_since(struct store *s, int64_t since, int64_t nth,
			    int64_t *n, int64_t *nth_at, struct err *e);
/* Counts into *n the pending messages of box due by due_by. */
int store_outbox_due_count(struct store *s, enum store_outbox_box box,
			   int64_t due_by, int64_t *n, struct err *e);

/* Deletes the messages of the mail (digests and the admin's) sent before
 * `before` (their rows, Message-IDs and entries stay, so nothing goes
 * twice; failed mail keeps its message, to be looked at); *pruned says
 * how many. */
int store_digest_prune(struct store *s, int64_t before, size_t *pruned,
		       struct err *e);

/* Calls cb with the outbox id and Message-ID of each digest of
 * subscriber_id that still has its message (pending, failed, or sent
 * and not yet pruned), newest first (see "Callbacks"): how a view link,
 * which names a digest by its Message-ID's key, finds it. */
int store_digest_each_of(struct store *s, int64_t subscriber_id,
			 int (*cb)(int64_t id, const char *message_id,
				   void *arg, struct err *e),
			 void *arg, struct err *e);

/* One pending or failed message (a digest, or the admin's mail: no
 * entries), as `feedmail outbox` lists it. Strings are lent for the
 * callback. */
struct store_outbox_row {
	int64_t id;
	const char *kind;   /* "digest", or the report's kind */
	const char *email;  /* the address it goes to */
	const char *status; /* "pending" or "failed" */
	int64_t created_at;
	int attempts;
	int64_t next_attempt_at; /* pending: when it is tried next */
	const char *reply;       /* the last answer or failure, or NULL */
	long entries;            /* entries it still holds (0 once given
	                          * back to a later digest) */
	int has_message;         /* 0: it could not be built */
	int dropped;             /* its entries will not come back */
	int given_back;          /* a later digest took some or all of its
	                          * entries: it cannot be sent as it was */
};

/* Calls cb for each pending and failed message to email (compared as
 * subscribers' addresses are; everyone's when NULL), oldest first. */
int store_outbox_each(struct store *s, const char *email,
		      int (*cb)(const struct store_outbox_row *row, void *arg,
				struct err *e),
		      void *arg, struct err *e);
/* Queues again the failed mail to email (all when NULL): a message
 * (digest or the admin's) goes back to pending, tried at now with its
 * attempts counted afresh; a digest that could not be built is
 * forgotten, so that the next run builds that subscriber's digest again.
 * A failed digest some of whose entries went into a later digest stays
 * as it is. *n says how many were queued. */
int store_outbox_retry(struct store *s, const char *email, int64_t now,
		       size_t *n, struct err *e);
/* Drops the entries of the failed digests to email (all when NULL): they
 * will not come back in a later digest; the admin's failed mail is let
 * go likewise (marked dropped). *n says how many messages. */
int store_outbox_drop(struct store *s, const char *email, size_t *n,
		      struct err *e);

/*
 * Outages of the mail transport: runs in which it failed as a whole (no
 * connection, TLS, authentication refused, 421 to everything).
 */
struct store_outage {
	int64_t id;
	int64_t started_at, last_at, ended_at; /* ended_at 0: still on */
	long failures;                         /* runs that met it */
	long held;    /* digests it held back, last run */
	char *reason; /* the last failure */
};

void store_outage_release(struct store_outage *o);
/* Records that the transport failed at now, holding held digests back:
 * opens an outage, or extends the one under way. */
int store_outage_note(struct store *s, int64_t now, const char *reason,
		      long held, struct err *e);
/* The transport worked at now: ends the outage under way, if any, into
 * *o (o->id 0 when there was none). */
int store_outage_end(struct store *s, int64_t now, struct store_outage *o,
		     struct err *e);
/* Calls cb for each outage under way or ended at or after since, oldest
 * first. */
int store_outage_each(struct store *s, int64_t since,
		      int (*cb)(const struct store_outage *o, void *arg,
				struct err *e),
		      void *arg, struct err *e);

/* Counts digests (not the admin's mail) by status ("pending", "sent",
 * "failed"). */
int store_digest_count(struct store *s, const char *status, int64_t *n,
		       struct err *e);

/* Checks the store's own consistency (SQLite: PRAGMA quick_check, which
 * reads every page but skips the costlier index checks), calling cb once
 * per problem found, in the database's words, at most
 * STORE_CHECK_MAX_PROBLEMS times; a store in which the check cannot even
 * run (a corrupted header) is one problem too. 0 when the check ran
 * (problems or not), -1 with e when it could not be asked (or cb
 * failed). */
#define STORE_CHECK_MAX_PROBLEMS 20
int store_check(struct store *s,
		int (*cb)(const char *problem, void *arg, struct err *e),
		void *arg, struct err *e);

/*
 * Reports: mails to the operator ([digest] admin), such as the weekly
 * health report: rows of the outbox without a subscriber, with the
 * digests' promise (committed as pending before they leave, carried by
 * the same claims and marks), one per kind and slot.
 */

/* Whether a report of kind exists for slot, whatever became of it. */
int store_report_has(struct store *s, const char *kind, const char *slot,
		     int *has, struct err *e);
struct store_report_new {
	const char *kind, *slot, *rcpt, *message_id;
	const char *message;
	size_t len;
	int64_t now;
};

/* Records r as pending in the outbox, with its message, in one
 * transaction; sets *id. A kind and slot (or a Message-ID) already
 * there: -1 with EX_DATAERR. */
int store_report_add(struct store *s, const struct store_report_new *r,
		     int64_t *id, struct err *e);

/* The store's secret called name (TOKEN_SECRET_SIZE bytes for "token",
 * made with the store), into buf of size bytes: its length in *len. A
 * name the store has not: -1 with EX_SOFTWARE. */
int store_secret(struct store *s, const char *name, unsigned char *buf,
		 size_t size, size_t *len, struct err *e);
/* Replaces the secret called name by a new random one of the same length
 * (made with it if missing, 32 bytes): what it signed stops being valid
 * at once. */
int store_secret_rotate(struct store *s, const char *name, int64_t now,
			struct err *e);

/* When the store next has work, for a daemon choosing how long to sleep:
 * the earliest next fetch of an enabled feed, and the earliest next
 * attempt of a pending message of the outbox; 0 in either when there is
 * none, 1 (long past) for one due at once (a new feed, a digest not yet
 * tried). */
int store_next_due(struct store *s, int64_t *fetch_at, int64_t *attempt_at,
		   struct err *e);
/* Calls cb once per distinct (schedule, timezone) of the subscribers,
 * NULL for an unset one (the config's default); strings lent for the
 * call. */
int store_subscriber_schedules(struct store *s,
			       int (*cb)(const char *schedule,
					 const char *timezone, void *arg,
					 struct err *e),
			       void *arg, struct err *e);

/*
 * Moving a store (`feedmail store copy`): every row of every table of
 * the schema (store/tables.h), ids kept, from one store to another of
 * either backend.
 */

/* A table's rows in the source and, after the copy, in the target. */
struct store_copy_count {
	const char *table; /* static */
	int64_t source, target;
};

/* More than the tables there are. */
#define STORE_COPY_MAX_TABLES 32

/* Copies every row of from into to, which must be empty (its own
 * secret, made with it, is replaced by from's), in one transaction of
 * to, reading from in one snapshot (the caller holds from's run lock,
 * so that nothing writes it meanwhile). Then the ids to gives next follow
 * from's, and the rows of each table are counted on both sides: the
 * counts in counts (STORE_COPY_MAX_TABLES), their number in *n. Returns 0;
 * or -1 with e and nothing written to to: EX_CANTCREAT when to holds
 * rows already (the message names the tables and their counts),
 * EX_SOFTWARE when the counts differ (a bug), else the store's error. */
int store_copy(struct store *from, struct store *to,
	       struct store_copy_count *counts, size_t *n, struct err *e);

/* Walks the tables and columns s's schema has (the backend's catalog),
 * calling cb(table, column, arg, e) for each; for the test that the
 * description in store/tables.h is complete. As walks return. */
int store_schema_each(struct store *s,
		      int (*cb)(const char *table, const char *column,
				void *arg, struct err *e),
		      void *arg, struct err *e);

#endif
