/*
 * conf: the settings file, an INI file read with libinih.
 *
 * One struct holds every setting. conf_init() fills in the defaults,
 * conf_load() reads a file over them, conf_finish() works out the values
 * that depend on others (STARTTLS, transport, List-Id, the SMTP password).
 * Every key is a row of conf_keys[] (section, name, type, where it lives in
 * struct conf, bounds or allowed values, default, one line of doc), so
 * reading, checking and conf_dump() are all driven by that table.
 *
 * File rules (documented in feedmail.conf(5)):
 * - section and key names are matched without regard to case;
 * - a value runs to the end of the line or to a " ;" inline comment, with
 *   the white space around it removed; quotes are part of the value;
 * - integers are decimal, strictly checked and range-checked; sizes take a
 *   k, M or G suffix (1024-based);
 * - an empty string or choice value means "the default";
 * - a key given twice is an error naming both lines, so that a file never
 *   silently means something other than what its first reading suggests;
 * - unknown sections and keys are errors, with a suggestion;
 * - paths may start with "~/" (the home folder); relative paths are taken
 *   from the folder of the config file;
 * - the SMTP password is never a key: it comes from password_file (first
 *   line) or password_env (an environment variable).
 */
#ifndef FEEDMAIL_CONF_H
#define FEEDMAIL_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

/* The number of rows of conf_keys[]. */
#define CONF_NKEYS 47
/* Relays [smtp] host may list, tried in turn. */
#define CONF_MAX_RELAYS 8

enum conf_starttls {
	CONF_STARTTLS_REQUIRED,
	CONF_STARTTLS_OPTIONAL,
	CONF_STARTTLS_OFF,
};

enum conf_transport {
	CONF_TRANSPORT_SMTP,
	CONF_TRANSPORT_SENDMAIL,
	CONF_TRANSPORT_MBOX,
	CONF_TRANSPORT_MAILDIR,
	CONF_TRANSPORT_STDOUT,
};

struct conf {
	char *path; /* the file read, NULL when none */
	/* [store] */
	char *store_path;          /* $XDG_DATA_HOME/feedmail/feedmail.db */
	char *store_url;           /* a PostgreSQL store instead, or NULL */
	char *store_password_file; /* its password's file, or NULL */
	int keep_days;             /* days entries are kept: 90 */
	int lock_timeout;          /* seconds a writing run waits: 30 */
	int lease;                 /* seconds a claim lasts: 900 */
	/* [fetch] */
	int jobs;            /* transfers at once: 16 */
	int per_host;        /* transfers at once per host: 2 */
	int connect_timeout; /* seconds: 10 */
	int timeout;         /* seconds per transfer: 60 */
	int low_speed_time;  /* seconds below the low-speed limit: 30 */
	long long max_size;  /* bytes per document: 16 MiB */
	int allow_private;   /* 1: any feed may connect to addresses that
	                      * are not public (ipaddr.h): 0 */
	char *user_agent;
	int min_interval;  /* minutes between fetches of a feed: 15 */
	int max_interval;  /* minutes: 1440 */
	int lead_time;     /* minutes before a digest slot that its
	                    * feeds are fetched, due or not: 15 */
	int sick_failures; /* failed fetches in a row that flag a feed: 3 */
	int sick_days;     /* days without a new entry that flag it: 14 */
	/* [smtp] */
	char *smtp_host; /* NULL: no SMTP server configured */
	int smtp_port;   /* 587 */
	enum conf_starttls starttls;
	char *smtp_user;     /* NULL: no AUTH */
	char *smtp_password; /* from the file or variable, by finish */
	char *smtp_password_file;
	char *smtp_password_env;
	char *smtp_ca_file; /* extra CA bundle, NULL: the system's */
	int smtp_timeout;   /* seconds: 60 */
	/* mail sent at most in the last minute, hour and day, by the smtp
	 * and sendmail transports (0: no limit, the default) */
	int max_per_minute, max_per_hour, max_per_day;
	/* [digest] */
	enum conf_transport transport;
	char *digest_path;     /* mbox file or Maildir folder */
	char *sendmail;        /* "/usr/sbin/sendmail" */
	char *from;            /* "Name <addr>" or "addr" */
	char *name;            /* shown in the digest header */
	char *list_id;         /* List-Id, by finish when not set */
	char *unsubscribe_url; /* https URL, optional */
	int max_entries;       /* per digest: 50 */
	int summary_words;     /* per entry: 60 */
	char *language;        /* "en" or "fr" */
	char *time;            /* "HH:MM", when the daily digest goes */
	char *timezone;        /* IANA name or "UTC" */
	char *admin;           /* address for health reports, optional */
	/* [web] */
	char *web_base_url;        /* http(s) URL, or NULL (serve and
	                            * confirmations need it) */
	char *web_listen;          /* "127.0.0.1:8080" */
	char *web_trusted_proxies; /* networks, or NULL */
	int web_timeout;           /* seconds idle per connection: 15 */
	/* from, split once by conf_finish: the display name (NULL when
	 * none) and the bare address every mail goes out from */
	char *from_name;
	char *from_addr;
	/* [smtp] host split by conf_finish: each relay with its port
	 * ([smtp] port unless it names one), in the order given */
	struct conf_relay {
		char host[256];
		int port;
	} smtp_relays[CONF_MAX_RELAYS];
	int smtp_nrelays;

	/* Per row of conf_keys[]: the line that set it (0: not in the file)
	 * and whether it holds a value given in the file (an empty value puts
	 * the default back and leaves set at 0). */
	int line[CONF_NKEYS];
	unsigned char set[CONF_NKEYS];
};

enum conf_type {
	CONF_TYPE_INT,    /* int, decimal, min..max */
	CONF_TYPE_SIZE,   /* long long, k/M/G suffix, min..max */
	CONF_TYPE_STRING, /* char *, one of values[] when non-NULL */
	CONF_TYPE_PATH,   /* char *, "~/" and relative paths resolved */
	CONF_TYPE_ENUM,   /* int-sized enum, values[] by number */
};

struct conf_key {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t offset;             /* of the field in struct conf */
	long long min, max;        /* INT and SIZE */
	const char *const *values; /* ENUM and STRING, NULL-terminated */
	const char *def;           /* the default as written in the file, or
	                            * NULL when computed or unset (see doc) */
	const char *doc;           /* one line */
	/* extra check of a STRING value: 0, or -1 with the reason in why
	 * (EX_CONFIG; "is not ...", the value not quoted) */
	int (*check)(const char *value, struct err *why);
};

/* The table, in file order: [store], [fetch], [smtp], [digest], [web];
 * CONF_NKEYS rows (checked where it is defined). */
extern const struct conf_key conf_keys[];

/* Where the store is: [store] url when set, else [store] path. */
const char *conf_store_location(const struct conf *c);

/* Sets c to the defaults. Computed defaults: store path from
 * $XDG_DATA_HOME (else ~/.local/share), from "feedmail <feedmail@HOST>".
 * A string left NULL by a failed allocation is reported by conf_finish. */
void conf_init(struct conf *c);

/* Reads the INI file at path into c, over what c holds. Errors (-1, EX_CONFIG
 * unless memory ran out, message "PATH:LINE: ..."): a file that cannot be
 * opened ("PATH: No such file or directory"), a line that is not INI or is
 * longer than 197 characters, a key outside any section, an unknown section
 * or key (with "did you mean"), a value that is not a number, out of range
 * or not one of the allowed words, a key given twice (naming both lines).
 * The first error stops the reading; c then holds part of the file and must
 * still be released. Sets c->path to a copy of path. */
int conf_load(struct conf *c, const char *path, struct err *e);

/* Which file to read: explicit_path when non-NULL, else $FEEDMAIL_CONFIG
 * when set and non-empty (both with *must_exist = 1), else
 * $XDG_CONFIG_HOME/feedmail/config, else ~/.config/feedmail/config
 * (*must_exist = 0: when missing, the defaults apply). Returns a malloc'd
 * path the caller frees; NULL only when memory runs out. */
char *conf_default_path(const char *explicit_path, int *must_exist);

/* Works out what depends on other keys, after conf_load (or without it):
 * starttls (required, or optional for a loopback host), transport (smtp
 * when [smtp] host is set, else mbox when [digest] path is set, else
 * stdout), from_name and from_addr (from split and its address checked
 * with addr_validate), list_id (feedmail.DOMAIN of from), the password
 * (first line of
 * password_file, warning when group or others may read it; or the
 * variable named by password_env); then checks the keys against each other
 * (min_interval <= max_interval, the transport has what it needs, a
 * password has a user). -1 with EX_CONFIG and a message naming the key
 * (and its line), the file or the variable. */
int conf_finish(struct conf *c, struct err *e);

/* Frees what c holds and leaves it zeroed. NULL-safe. */
void conf_release(struct conf *c);

/* Writes every key with its value as INI that conf_load reads back:
 * unset keys as "key =", the password (never a key) as a comment
 * "; password = ***". */
void conf_dump(const struct conf *c, FILE *f);

#endif
