/* tables: the description of schema 14's tables for `store copy`. */
#include "config.h"

#include "store/tables.h"

#include <string.h>

#define COLUMNS(x) x, sizeof(x) / sizeof(x[0])

static const struct store_column feeds[] = {
	{ "id", STORE_INT },
	{ "url", STORE_TEXT },
	{ "title", STORE_TEXT },
	{ "site_link", STORE_TEXT },
	{ "enabled", STORE_INT },
	{ "user_agent", STORE_TEXT },
	{ "added_at", STORE_INT },
	{ "etag", STORE_TEXT },
	{ "last_modified", STORE_TEXT },
	{ "next_fetch_at", STORE_INT },
	{ "last_fetch_at", STORE_INT },
	{ "last_parsed_at", STORE_INT },
	{ "last_success_at", STORE_INT },
	{ "last_new_entry_at", STORE_INT },
	{ "last_status", STORE_TEXT },
	{ "last_error", STORE_TEXT },
	{ "failures", STORE_INT },
	{ "redirect_url", STORE_TEXT },
	{ "redirect_count", STORE_INT },
	{ "ttl_minutes", STORE_INT },
};

/* host: url's (pg.c's url_host); the leases start free */
static const char *const feeds_pg[] = { "host", "lease_until", "lease_owner",
					"lease_done", NULL };

static const struct store_column feed_tags[] = {
	{ "feed_id", STORE_INT },
	{ "position", STORE_INT },
	{ "tag", STORE_TEXT },
};

/* the tag folded by utf8_fold */
static const char *const tags_pg[] = { "tag_key", NULL };

static const struct store_column entries[] = {
	{ "id", STORE_INT },          { "feed_id", STORE_INT },
	{ "ident", STORE_TEXT },      { "link", STORE_TEXT },
	{ "link_key", STORE_TEXT },   { "title", STORE_TEXT },
	{ "author", STORE_TEXT },     { "summary", STORE_TEXT },
	{ "content", STORE_TEXT },    { "categories", STORE_TEXT },
	{ "enclosures", STORE_TEXT }, { "published", STORE_INT },
	{ "updated", STORE_INT },     { "content_hash", STORE_TEXT },
	{ "first_seen", STORE_INT },  { "last_seen", STORE_INT },
};

static const struct store_column subscribers[] = {
	{ "id", STORE_INT },
	{ "email", STORE_TEXT },
	{ "name", STORE_TEXT },
	{ "lang", STORE_TEXT },
	{ "created_at", STORE_INT },
	{ "schedule", STORE_TEXT },
	{ "timezone", STORE_TEXT },
	{ "include_words", STORE_TEXT },
	{ "exclude_words", STORE_TEXT },
	{ "token", STORE_TEXT },
	{ "start_seq", STORE_INT },
	{ "paused_at", STORE_INT },
	{ "paused_until", STORE_INT },
	{ "pending_since", STORE_INT },
	{ "confirm_sent_at", STORE_INT },
	{ "unsubscribed_at", STORE_INT },
};

static const struct store_column subscriber_tags[] = {
	{ "subscriber_id", STORE_INT },
	{ "position", STORE_INT },
	{ "tag", STORE_TEXT },
};

static const struct store_column outbox[] = {
	{ "id", STORE_INT },
	{ "kind", STORE_TEXT },
	{ "subscriber_id", STORE_INT },
	{ "rcpt", STORE_TEXT },
	{ "slot", STORE_TEXT },
	{ "message_id", STORE_TEXT },
	{ "created_at", STORE_INT },
	{ "status", STORE_TEXT },
	{ "attempts", STORE_INT },
	{ "next_attempt_at", STORE_INT },
	{ "reply", STORE_TEXT },
	{ "sent_at", STORE_INT },
	{ "dropped", STORE_INT },
	{ "given_back", STORE_INT },
	{ "covered_seq", STORE_INT },
};

/* a message is leased by the worker sending it; none is, in a copy */
static const char *const outbox_pg[] = { "lease_until", "lease_owner", NULL };

static const struct store_column outbox_messages[] = {
	{ "outbox_id", STORE_INT },
	{ "message", STORE_BLOB },
};

static const struct store_column deliveries[] = {
	{ "subscriber_id", STORE_INT },
	{ "entry_id", STORE_INT },
	{ "digest_id", STORE_INT },
};

static const struct store_column outages[] = {
	{ "id", STORE_INT },       { "started_at", STORE_INT },
	{ "last_at", STORE_INT },  { "ended_at", STORE_INT },
	{ "failures", STORE_INT }, { "held", STORE_INT },
	{ "reason", STORE_TEXT },
};

static const struct store_column secrets[] = {
	{ "name", STORE_TEXT },
	{ "value", STORE_BLOB },
	{ "created_at", STORE_INT },
};

static const struct store_column consents[] = {
	{ "id", STORE_INT },       { "subscriber_id", STORE_INT },
	{ "email", STORE_TEXT },   { "given_at", STORE_INT },
	{ "source", STORE_TEXT },  { "ip", STORE_TEXT },
	{ "wording", STORE_TEXT }, { "lang", STORE_TEXT },
};

const struct store_table store_tables[] = {
	{ "feeds", COLUMNS(feeds), "id", 1, 0, feeds_pg },
	{ "feed_tags", COLUMNS(feed_tags), "feed_id, position, tag", 0, 0,
	  tags_pg },
	{ "entries", COLUMNS(entries), "id", 1, 0, NULL },
	{ "subscribers", COLUMNS(subscribers), "id", 1, 0, NULL },
	{ "subscriber_tags", COLUMNS(subscriber_tags),
	  "subscriber_id, position, tag", 0, 0, tags_pg },
	{ "outbox", COLUMNS(outbox), "id", 1, 0, outbox_pg },
	{ "outbox_messages", COLUMNS(outbox_messages), "outbox_id", 0, 0,
	  NULL },
	{ "deliveries", COLUMNS(deliveries), "subscriber_id, entry_id", 0, 0,
	  NULL },
	{ "outages", COLUMNS(outages), "id", 1, 0, NULL },
	{ "secrets", COLUMNS(secrets), "name", 0, 1, NULL },
	{ "consents", COLUMNS(consents), "id", 1, 0, NULL },
};

const size_t store_n_tables = sizeof(store_tables) / sizeof(store_tables[0]);

const char *const store_tables_own[] = { "sqlite_sequence", "feedmail_schema",
					 "host_leases", NULL };

const struct store_table *
store_table_find(const char *name)
{
	size_t i;

	for (i = 0; i < store_n_tables; i++)
		if (!strcmp(store_tables[i].name, name))
			return &store_tables[i];
	return NULL;
}
