/*
 * config: the table of keys, the INI reader around libinih, the checks of
 * each value and of the keys against each other, and the dump.
 *
 * libinih gives no line number to its handler and counts a line cut at its
 * buffer size as two lines, so the file is fed to ini_parse_stream() through
 * read_line(), which reads whole lines, counts them, refuses those too long
 * for inih's buffer and keeps the text to quote a line inih rejects. It also
 * drops leading white space: inih would otherwise take an indented line for
 * the continuation of the key above it, a trap in a file of settings.
 */
#include "config.h"

#include "lib/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "lib/netspec.h"
#include "lib/schedule.h"
#include "lib/str.h"
#include "lib/url.h"
#include "lib/zone.h"

/* A settings file is small; this bounds what read_line() keeps. */
#define CONF_MAX_FILE (1024u * 1024)
/* The first line of a password file. */
#define CONF_MAX_PASSWORD 1024

_Static_assert(sizeof(enum conf_starttls) == sizeof(int) &&
		       sizeof(enum conf_transport) == sizeof(int),
	       "enum fields are read and written as int");

static int check_hosts(const char *v, struct err *why);
static int check_env_name(const char *v, struct err *why);
static int check_abs_path(const char *v, struct err *why);
static int check_address(const char *v, struct err *why);
static int check_list_id(const char *v, struct err *why);
static int check_https_url(const char *v, struct err *why);
static int check_base_url(const char *v, struct err *why);
static int check_store_url(const char *v, struct err *why);
static int check_listen(const char *v, struct err *why);
static int check_nets(const char *v, struct err *why);
static int check_time(const char *v, struct err *why);
static int check_timezone(const char *v, struct err *why);

static const char *const starttls_values[] = { "required", "optional", "off",
					       NULL };
static const char *const transport_values[] = { "smtp",    "sendmail", "mbox",
						"maildir", "stdout",   NULL };
static const char *const language_values[] = { "en", "fr", NULL };
static const char *const yes_no_values[] = { "no", "yes", NULL };

#define OFF(field) offsetof(struct conf, field)
#define KEY_INT(sec, name, field, min, max, def, doc)                      \
	{                                                                  \
		sec, name, CONF_TYPE_INT, OFF(field), min, max, NULL, def, \
			doc, NULL                                          \
	}
#define KEY_STR(sec, name, type, field, values, def, doc, check)           \
	{                                                                  \
		sec, name, type, OFF(field), 0, 0, values, def, doc, check \
	}

#define KIB 1024LL
#define MIB (1024LL * 1024)
#define GIB (1024LL * 1024 * 1024)

/* Sized by its rows and checked against CONF_NKEYS below: with the size
 * written here, a row too many would only warn and be dropped. */
const struct conf_key conf_keys[] = {
	KEY_STR("store", "path", CONF_TYPE_PATH, store_path, NULL, NULL,
		"the SQLite store "
		"(default: $XDG_DATA_HOME/feedmail/feedmail.db)",
		NULL),
	KEY_STR("store", "url", CONF_TYPE_STRING, store_url, NULL, NULL,
		"a PostgreSQL store instead: postgresql://user@host/db "
		"(or postgres:///db, a local socket)",
		check_store_url),
	KEY_STR("store", "password_file", CONF_TYPE_PATH, store_password_file,
		NULL, NULL,
		"file whose first line is the PostgreSQL password "
		"(else libpq's PGPASSWORD, PGPASSFILE)",
		NULL),
	KEY_INT("store", "keep_days", keep_days, 1, 36500, "90",
		"days an entry is kept after it was last seen"),
	KEY_INT("store", "lock_timeout", lock_timeout, 0, 3600, "30",
		"seconds a writing run waits for another to finish"),
	KEY_INT("store", "lease", lease, 10, 86400, "900",
		"seconds the feeds and mail a worker claimed stay its own: "
		"a worker that dies leaves them for this long"),

	KEY_INT("fetch", "jobs", jobs, 1, 256, "16",
		"transfers running at once"),
	KEY_INT("fetch", "per_host", per_host, 1, 64, "2",
		"transfers running at once to one host"),
	KEY_INT("fetch", "connect_timeout", connect_timeout, 1, 300, "10",
		"seconds to connect to a server"),
	KEY_INT("fetch", "timeout", timeout, 1, 3600, "60",
		"seconds a whole transfer may take"),
	KEY_INT("fetch", "low_speed_time", low_speed_time, 0, 3600, "30",
		"seconds a transfer may stall below the low-speed limit "
		"(0: no limit)"),
	{ "fetch", "max_size", CONF_TYPE_SIZE, OFF(max_size), KIB, GIB, NULL,
	  "16M", "largest document fetched, with k, M or G (1024-based)",
	  NULL },
	{ "fetch", "allow_private", CONF_TYPE_ENUM, OFF(allow_private), 0, 0,
	  yes_no_values, "no",
	  "yes: any feed may reach loopback, private and link-local "
	  "addresses (no: only a feed whose own URL names one)",
	  NULL },
	KEY_STR("fetch", "user_agent", CONF_TYPE_STRING, user_agent, NULL,
		"feedmail/" PACKAGE_VERSION
		" (+https://github.com/feedmail/feedmail)",
		"the User-Agent header sent", NULL),
	KEY_INT("fetch", "min_interval", min_interval, 1, 10080, "15",
		"minutes a feed is left alone at least, whatever it asks"),
	KEY_INT("fetch", "max_interval", max_interval, 1, 43200, "1440",
		"minutes a feed is left alone at most"),
	KEY_INT("fetch", "lead_time", lead_time, 0, 1440, "15",
		"minutes before a digest slot that the feeds it needs are "
		"fetched, due or not (0: off)"),
	KEY_INT("fetch", "sick_failures", sick_failures, 1, 1000, "3",
		"failed fetches in a row after which status flags a feed"),
	KEY_INT("fetch", "sick_days", sick_days, 1, 3650, "14",
		"days without a new entry after which status flags a feed"),

	KEY_STR("smtp", "host", CONF_TYPE_STRING, smtp_host, NULL, NULL,
		"the SMTP server, or several relays tried in turn: HOST or "
		"HOST:PORT, comma-separated (default: none)",
		check_hosts),
	KEY_INT("smtp", "port", smtp_port, 1, 65535, "587",
		"its port (587: submission with STARTTLS)"),
	{ "smtp", "starttls", CONF_TYPE_ENUM, OFF(starttls), 0, 0,
	  starttls_values, NULL,
	  "required, optional or off (default: required, optional for a "
	  "loopback host)",
	  NULL },
	KEY_STR("smtp", "user", CONF_TYPE_STRING, smtp_user, NULL, NULL,
		"the user name for AUTH (default: no AUTH)", NULL),
	KEY_STR("smtp", "password_file", CONF_TYPE_PATH, smtp_password_file,
		NULL, NULL, "a file whose first line is the password, mode 600",
		NULL),
	KEY_STR("smtp", "password_env", CONF_TYPE_STRING, smtp_password_env,
		NULL, NULL,
		"or the environment variable that holds the password",
		check_env_name),
	KEY_STR("smtp", "ca_file", CONF_TYPE_PATH, smtp_ca_file, NULL, NULL,
		"extra CA certificates (PEM) to trust for the server", NULL),
	KEY_INT("smtp", "timeout", smtp_timeout, 1, 3600, "60",
		"seconds to wait for the server at each step"),
	KEY_INT("smtp", "max_per_minute", max_per_minute, 0, 1000000, "0",
		"mail sent at most in any minute (0: no limit)"),
	KEY_INT("smtp", "max_per_hour", max_per_hour, 0, 1000000, "0",
		"mail sent at most in any hour (0: no limit)"),
	KEY_INT("smtp", "max_per_day", max_per_day, 0, 1000000, "0",
		"mail sent at most in any 24 hours (0: no limit)"),

	{ "digest", "transport", CONF_TYPE_ENUM, OFF(transport), 0, 0,
	  transport_values, NULL,
	  "smtp, sendmail, mbox, maildir or stdout (default: smtp when "
	  "[smtp] host is set, else mbox when path is set, else stdout)",
	  NULL },
	KEY_STR("digest", "path", CONF_TYPE_PATH, digest_path, NULL, NULL,
		"the mbox file or Maildir folder for those transports", NULL),
	KEY_STR("digest", "sendmail", CONF_TYPE_STRING, sendmail, NULL,
		"/usr/sbin/sendmail", "the sendmail program, an absolute path",
		check_abs_path),
	KEY_STR("digest", "from", CONF_TYPE_STRING, from, NULL, NULL,
		"the From address, \"Name <addr>\" or \"addr\" "
		"(default: feedmail <feedmail@HOSTNAME>)",
		check_address),
	KEY_STR("digest", "name", CONF_TYPE_STRING, name, NULL, "feedmail",
		"the name shown at the top of the digest", NULL),
	KEY_STR("digest", "list_id", CONF_TYPE_STRING, list_id, NULL, NULL,
		"the List-Id (default: feedmail.DOMAIN of from)",
		check_list_id),
	KEY_STR("digest", "unsubscribe_url", CONF_TYPE_STRING, unsubscribe_url,
		NULL, NULL, "an https URL for List-Unsubscribe (default: none)",
		check_https_url),
	KEY_INT("digest", "max_entries", max_entries, 1, 10000, "50",
		"entries at most in one digest"),
	KEY_INT("digest", "summary_words", summary_words, 0, 1000, "60",
		"words at most of each summary (0: titles only)"),
	KEY_STR("digest", "language", CONF_TYPE_STRING, language,
		language_values, "en", "the language of the digest: en or fr",
		NULL),
	KEY_STR("digest", "time", CONF_TYPE_STRING, time, NULL, "07:00",
		"when the daily digest goes, HH:MM", check_time),
	KEY_STR("digest", "timezone", CONF_TYPE_STRING, timezone, NULL,
		"Europe/Paris", "the time zone of time, an IANA name or UTC",
		check_timezone),
	KEY_STR("digest", "admin", CONF_TYPE_STRING, admin, NULL, NULL,
		"an address for health reports (default: none)", check_address),

	KEY_STR("web", "base_url", CONF_TYPE_STRING, web_base_url, NULL, NULL,
		"the http(s) URL the links in mails point to, where serve is "
		"reached (default: none; serve and confirmation mails need "
		"it)",
		check_base_url),
	KEY_STR("web", "listen", CONF_TYPE_STRING, web_listen, NULL,
		"127.0.0.1:8080",
		"where serve listens, IPV4:PORT or [IPV6]:PORT (ignored "
		"under systemd socket activation)",
		check_listen),
	KEY_STR("web", "trusted_proxies", CONF_TYPE_STRING, web_trusted_proxies,
		NULL, NULL,
		"addresses or networks (CIDR) whose X-Forwarded-For is "
		"believed (default: none)",
		check_nets),
	KEY_INT("web", "timeout", web_timeout, 1, 3600, "15",
		"seconds a connection to serve may stay idle"),
};

_Static_assert(sizeof(conf_keys) / sizeof(conf_keys[0]) == CONF_NKEYS,
	       "CONF_NKEYS in config.h must be the number of rows");

/* --- small helpers ------------------------------------------------------ */

static char **
str_field(struct conf *c, const struct conf_key *k)
{
	return (char **)(void *)((char *)c + k->offset);
}

static int *
int_field(struct conf *c, const struct conf_key *k)
{
	return (int *)(void *)((char *)c + k->offset);
}

static long long *
size_field(struct conf *c, const struct conf_key *k)
{
	return (long long *)(void *)((char *)c + k->offset);
}

static const void *
cfield(const struct conf *c, const struct conf_key *k)
{
	return (const char *)c + k->offset;
}

static int
key_index(size_t offset)
{
	int i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].offset == offset)
			return i;
	return -1;
}

/* Returns a malloc'd "a/b", or NULL when memory runs out. */
static char *
path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if (la > SIZE_MAX - lb - 2)
		return NULL;
	p = malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* The home folder: $HOME when absolute, else the password database.
 * Returns a malloc'd path, or NULL when there is none. */
static char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (h && h[0] == '/')
		return strdup(h);
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
	    res->pw_dir && res->pw_dir[0] == '/')
		return strdup(res->pw_dir);
	return NULL;
}

/* $VAR/rest when VAR is an absolute path (XDG base directory spec: relative
 * values are ignored), else ~/fallback/rest. malloc'd, or NULL. */
static char *
xdg_path(const char *var, const char *fallback, const char *rest)
{
	const char *x = getenv(var);
	char *home, *base, *p;

	if (x && x[0] == '/')
		return path_join(x, rest);
	home = home_dir();
	if (!home)
		return NULL;
	base = path_join(home, fallback);
	free(home);
	if (!base)
		return NULL;
	p = path_join(base, rest);
	free(base);
	return p;
}

static int
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* The closest known section (section == NULL) or key of section to word,
 * when at most 2 edits away, else NULL. */
static const char *
suggest(const char *word, const char *section)
{
	const char *best = NULL, *cand;
	size_t d, best_d = 3;
	int i;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (section && strcasecmp(conf_keys[i].section, section))
			continue;
		cand = section ? conf_keys[i].name : conf_keys[i].section;
		d = str_edit_distance(word, cand, STR_CASE_IGNORE);
		if (d < best_d && d < strlen(cand)) {
			best = cand;
			best_d = d;
		}
	}
	return best;
}

/* --- checks of string values (why gets the reason, no value quoted) ----- */

/* The checks ask the module that owns the value; this says why not. */
static int
unless(int ok, struct err *why, const char *reason)
{
	return ok ? 0 : err_set(why, EX_CONFIG, "%s", reason);
}

/* Splits the relay list v ("HOST[:PORT], ...") into relays, port
 * standing for those that name none; *n says how many. 0, or -1 with
 * why. */
static int
split_relays(const char *v, int port, struct conf_relay *relays, int *n,
	     struct err *why)
{
	const char *p = v, *end, *colon;
	char item[300];
	size_t len;
	long pn;
	char *stop;

	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len)
			return err_set(why, EX_CONFIG,
				       "has an empty relay (HOST or HOST:PORT, "
				       "comma-separated)");
		if (*n == CONF_MAX_RELAYS)
			return err_set(why, EX_CONFIG,
				       "lists more than %d relays",
				       CONF_MAX_RELAYS);
		if (len >= sizeof(item) || len >= sizeof(relays->host) + 6)
			return err_set(why, EX_CONFIG,
				       "has a relay name too long");
		memcpy(item, p, len);
		item[len] = '\0';
		relays[*n].port = port;
		/* two colons: an IPv6 address, which the transport
		 * refuses in words of its own */
		colon = strchr(item, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
		if (colon) {
			errno = 0;
			pn = strtol(colon + 1, &stop, 10);
			if (!isdigit((unsigned char)colon[1]) || *stop ||
			    errno || pn < 1 || pn > 65535)
				return err_set(why, EX_CONFIG,
					       "names '%s', whose port is not "
					       "a number from 1 to 65535",
					       item);
			relays[*n].port = (int)pn;
			item[colon - item] = '\0';
		}
		if (strlen(item) >= sizeof(relays->host) || !url_is_host(item))
			return err_set(why, EX_CONFIG,
				       "names '%s', which is not a host "
				       "name or address",
				       item);
		snprintf(relays[*n].host, sizeof(relays->host), "%s", item);
		(*n)++;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int
check_hosts(const char *v, struct err *why)
{
	struct conf_relay relays[CONF_MAX_RELAYS];
	int n;

	/* one host alone keeps the words it always had */
	if (!strchr(v, ',') && !strchr(v, ':'))
		return unless(url_is_host(v), why,
			      "is not a host name or address");
	return split_relays(v, 587, relays, &n, why);
}

static int
check_env_name(const char *v, struct err *why)
{
	const char *s;
	int ok = isalpha((unsigned char)v[0]) || v[0] == '_';

	for (s = v; *s && ok; s++)
		ok = isalnum((unsigned char)*s) || *s == '_';
	return unless(ok, why,
		      "is not an environment variable name "
		      "(letters, digits and _)");
}

static int
check_abs_path(const char *v, struct err *why)
{
	return unless(v[0] == '/', why, "is not an absolute path");
}

static int
check_address(const char *v, struct err *why)
{
	return unless(addr_check_mailbox(v, NULL) == 0, why,
		      "is not an address (\"Name <user@example.org>\" or "
		      "\"user@example.org\")");
}

/* RFC 2919 2: a List-Id names the list as a domain would */
static int
check_list_id(const char *v, struct err *why)
{
	return unless(addr_check_domain(v, strlen(v), NULL) == 0 &&
			      strchr(v, '.'),
		      why, "is not a List-Id (such as digest.example.org)");
}

static int
check_https_url(const char *v, struct err *why)
{
	return unless(url_is_https(v), why, "is not an https:// URL");
}

/* where links in mails point: http(s), and bytes that can stand between
 * <> in List-Unsubscribe; no query or fragment, since paths are added */
static int
check_base_url(const char *v, struct err *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (*p < 33 || *p > 126 || strchr("<>\"'\\?#", *p))
			return unless(0, why,
				      "is not an http(s) URL without query "
				      "or fragment");
	return unless(url_is_http(v), why,
		      "is not an absolute http:// or https:// URL");
}

static int
check_store_url(const char *v, struct err *why)
{
	return unless(!strncmp(v, "postgresql://", 13) ||
			      !strncmp(v, "postgres://", 11) ||
			      !strncmp(v, "sqlite:", 7),
		      why,
		      "is not a postgresql://, postgres:// or sqlite: URL");
}

static int
check_listen(const char *v, struct err *why)
{
	struct sockaddr_storage sa;
	socklen_t len;

	return netspec_parse_listen(v, &sa, &len, why);
}

static int
check_nets(const char *v, struct err *why)
{
	struct netspec_net nets[NETSPEC_MAX_NETS];
	size_t n;

	return netspec_parse_list(v, nets, &n, why);
}

/* the key's own form is HH:MM, two digits each, where a schedule also
 * takes H:MM */
static int
check_time(const char *v, struct err *why)
{
	return unless(strlen(v) == 5 && schedule_check_time(v, NULL) == 0, why,
		      "is not a time HH:MM (00:00 to 23:59)");
}

/* The zone module's check: a name zone_open() reads. */
static int
check_timezone(const char *v, struct err *why)
{
	return unless(zone_check(v, NULL) == 0, why,
		      "is not a time zone (such as Europe/Paris or UTC)");
}

/* --- values ------------------------------------------------------------- */

/* Strict decimal: optional '-', digits, nothing else. 0, or -1 with *range
 * set when it is a number too large for long long. */
static int
parse_ll(const char *s, long long *out, int *range)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	char *end;

	*range = 0;
	if (!isdigit((unsigned char)*d))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*end)
		return -1;
	if (errno == ERANGE) {
		*range = 1;
		return -1;
	}
	return 0;
}

/* 16M, 512k, 1G, 1048576: 0, or -1 (*range set when it is a size that
 * does not fit). */
static int
parse_size(const char *s, long long *out, int *range)
{
	long long mult = 1, v;
	size_t len = strlen(s);
	char num[32];

	*range = 0;
	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'k':
	case 'K':
		mult = KIB;
		break;
	case 'm':
	case 'M':
		mult = MIB;
		break;
	case 'g':
	case 'G':
		mult = GIB;
		break;
	}
	if (mult != 1)
		num[len - 1] = '\0';
	if (parse_ll(num, &v, range) < 0)
		return -1;
	if (v > LLONG_MAX / mult || v < LLONG_MIN / mult) {
		*range = 1;
		return -1;
	}
	*out = v * mult;
	return 0;
}

/* Writes a size the way the file would say it: 16M, 512k, 1000. */
static void
format_size(long long v, char *out, size_t n)
{
	if (v != 0 && v % GIB == 0)
		snprintf(out, n, "%lldG", v / GIB);
	else if (v != 0 && v % MIB == 0)
		snprintf(out, n, "%lldM", v / MIB);
	else if (v != 0 && v % KIB == 0)
		snprintf(out, n, "%lldk", v / KIB);
	else
		snprintf(out, n, "%lld", v);
}

static void
list_values(const char *const *values, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (; *values && len < n; values++) {
		snprintf(out + len, n - len, "%s%s", len ? ", " : "", *values);
		len += strlen(out + len);
	}
}

/* The default of a string key, computed when the table has none: malloc'd,
 * or NULL for "unset" (or when memory runs out). */
static char *
default_string(const struct conf_key *k)
{
	char host[256], *p;
	size_t len;

	if (k->def)
		return strdup(k->def);
	if (k->offset == OFF(store_path))
		return xdg_path("XDG_DATA_HOME", ".local/share",
				"feedmail/feedmail.db");
	if (k->offset != OFF(from))
		return NULL;
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (addr_check_domain(host, strlen(host), NULL) < 0)
		memcpy(host, "localhost", sizeof("localhost"));
	len = sizeof("feedmail <feedmail@>") + strlen(host);
	p = malloc(len);
	if (p)
		snprintf(p, len, "feedmail <feedmail@%s>", host);
	return p;
}

/* Puts key k of c back to its default. */
static void
set_default(struct conf *c, const struct conf_key *k)
{
	long long v = 0;
	int range, i;

	switch (k->type) {
	case CONF_TYPE_INT:
		if (k->def && parse_ll(k->def, &v, &range) == 0)
			*int_field(c, k) = (int)v;
		break;
	case CONF_TYPE_SIZE:
		if (k->def && parse_size(k->def, &v, &range) == 0)
			*size_field(c, k) = v;
		break;
	case CONF_TYPE_ENUM:
		*int_field(c, k) = 0;
		for (i = 0; k->def && k->values[i]; i++)
			if (!strcmp(k->values[i], k->def))
				*int_field(c, k) = i;
		break;
	case CONF_TYPE_STRING:
	case CONF_TYPE_PATH:
		free(*str_field(c, k));
		*str_field(c, k) = default_string(k);
		break;
	}
}

/* "~/x" -> $HOME/x; relative -> DIR/x where DIR holds the config file.
 * malloc'd; NULL with why (EX_OSERR when memory runs out). */
static char *
resolve_path(const char *v, const char *dir, struct err *why)
{
	char *home, *p;

	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
		home = home_dir();
		if (!home) {
			err_set(why, EX_CONFIG, "has '~' but HOME is not set");
			return NULL;
		}
		p = v[1] ? path_join(home, v + 2) : strdup(home);
		free(home);
	} else if (v[0] == '~') {
		err_set(why, EX_CONFIG, "uses ~user, which is not supported");
		return NULL;
	} else if (v[0] != '/' && dir) {
		p = path_join(dir, v);
	} else {
		p = strdup(v);
	}
	if (!p)
		err_set(why, EX_OSERR, "out of memory");
	return p;
}

/* Sets key k of c from the text v; -1 with e filled (no position). */
static int
set_value(struct conf *c, const struct conf_key *k, const char *v,
	  const char *dir, struct err *e)
{
	struct err why = ERR_INIT;
	char list[128], lo[32], hi[32];
	const char *hint = "";
	long long n = 0;
	char *s;
	int i, range = 0, rc;

	if (strchr(v, '#'))
		hint = " (comments start with ';' and, after a value, "
		       "need a space before it)";
	switch (k->type) {
	case CONF_TYPE_INT:
	case CONF_TYPE_SIZE:
		rc = k->type == CONF_TYPE_INT ? parse_ll(v, &n, &range) :
						parse_size(v, &n, &range);
		if (rc < 0 && !range)
			return err_set(
				e, EX_CONFIG, "%s: '%s' is not %s%s", k->name,
				v,
				k->type == CONF_TYPE_INT ?
					"a number" :
					"a size (a number with an optional "
					"k, M or G)",
				hint);
		if (rc < 0 || n < k->min || n > k->max) {
			if (k->type == CONF_TYPE_INT) {
				snprintf(list, sizeof(list), "%lld..%lld",
					 k->min, k->max);
			} else {
				format_size(k->min, lo, sizeof(lo));
				format_size(k->max, hi, sizeof(hi));
				snprintf(list, sizeof(list), "%s..%s", lo, hi);
			}
			return err_set(e, EX_CONFIG,
				       "%s: '%s' is out of range %s", k->name,
				       v, list);
		}
		if (k->type == CONF_TYPE_INT)
			*int_field(c, k) = (int)n;
		else
			*size_field(c, k) = n;
		return 0;
	case CONF_TYPE_ENUM:
		for (i = 0; k->values[i]; i++) {
			if (!strcasecmp(k->values[i], v)) {
				*int_field(c, k) = i;
				return 0;
			}
		}
		list_values(k->values, list, sizeof(list));
		return err_set(e, EX_CONFIG, "%s: '%s' is not one of %s",
			       k->name, v, list);
	case CONF_TYPE_STRING:
	case CONF_TYPE_PATH:
		break;
	}
	if (has_control(v))
		return err_set(e, EX_CONFIG,
			       "%s: the value holds a control character",
			       k->name);
	if (k->values) {
		for (i = 0; k->values[i]; i++)
			if (!strcasecmp(k->values[i], v))
				break;
		if (!k->values[i]) {
			list_values(k->values, list, sizeof(list));
			return err_set(e, EX_CONFIG,
				       "%s: '%s' is not one of %s", k->name, v,
				       list);
		}
		v = k->values[i];
	}
	if (k->check && k->check(v, &why) < 0)
		return err_set(e, EX_CONFIG, "%s: '%s' %s", k->name, v,
			       why.msg);
	if (k->type == CONF_TYPE_PATH)
		s = resolve_path(v, dir, &why);
	else if (!(s = strdup(v)))
		err_set(&why, EX_OSERR, "out of memory");
	if (!s && why.code == EX_OSERR)
		return err_set(e, EX_OSERR, "%s: out of memory", k->name);
	if (!s)
		return err_set(e, EX_CONFIG, "%s: '%s' %s", k->name, v,
			       why.msg);
	free(*str_field(c, k));
	*str_field(c, k) = s;
	return 0;
}

/* --- reading ------------------------------------------------------------ */

struct load {
	struct conf *c;
	FILE *f;
	struct err *e;
	char *dir;       /* absolute folder of the file, NULL if unknown */
	int lineno;      /* lines handed to inih so far */
	int err_line;    /* line of our first error, 0 when none */
	struct buf line; /* the line being read */
	struct buf text; /* every line so far, to quote one inih rejects */
};

/* libinih's reader, called once per line: see the top of this file. */
static char *
read_line(char *str, int num, void *stream)
{
	struct load *ld = stream;
	size_t start = 0, len;
	int ch, over = 0, nul = 0;

	if (ld->err_line)
		return NULL;
	buf_reset(&ld->line);
	while ((ch = getc(ld->f)) != EOF && ch != '\n') {
		if (ch == '\0')
			nul = 1;
		if (!over && buf_addch(&ld->line, ch) < 0)
			over = 1;
	}
	if (ch == EOF && ferror(ld->f)) {
		ld->err_line = ld->lineno + 1;
		err_set(ld->e, EX_CONFIG, "%s", strerror(errno));
		return NULL;
	}
	if (ch == EOF && ld->line.len == 0 && !over)
		return NULL;
	ld->lineno++;
	if (buf_add(&ld->text, ld->line.data, ld->line.len) < 0 ||
	    buf_addch(&ld->text, '\n') < 0) {
		ld->err_line = ld->lineno;
		err_set(ld->e, EX_CONFIG,
			"the file is too large (over %u "
			"bytes)",
			CONF_MAX_FILE);
		return NULL;
	}
	len = ld->line.len;
	if (len && ld->line.data[len - 1] == '\r')
		len--;
	while (start < len &&
	       (ld->line.data[start] == ' ' || ld->line.data[start] == '\t'))
		start++;
	len -= start;
	/* inih needs room for "\r\n\0" after the longest line it reads */
	if (nul || over || num < 3 || len > (size_t)num - 3) {
		ld->err_line = ld->lineno;
		if (nul)
			err_set(ld->e, EX_CONFIG, "the line holds a NUL byte");
		else
			err_set(ld->e, EX_CONFIG,
				"the line is too long (over "
				"%d characters)",
				num < 3 ? 0 : num - 3);
		return NULL;
	}
	memcpy(str, ld->line.data + start, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* Finds section/name; -1 with e saying what is wrong and what was meant. */
static int
find_key(const char *section, const char *name, struct err *e)
{
	const char *best, *elsewhere = NULL;
	int i, known_section = 0;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (strcasecmp(conf_keys[i].name, name) == 0 && !elsewhere)
			elsewhere = conf_keys[i].section;
		if (strcasecmp(conf_keys[i].section, section))
			continue;
		known_section = 1;
		if (!strcasecmp(conf_keys[i].name, name))
			return i;
	}
	if (!*name)
		return err_set(e, EX_CONFIG,
			       "a key name is missing before "
			       "'='");
	if (!*section)
		return err_set(e, EX_CONFIG,
			       "key '%s' comes before any "
			       "[section]%s%s%s",
			       name, elsewhere ? " (it belongs in [" : "",
			       elsewhere ? elsewhere : "",
			       elsewhere ? "])" : "");
	if (!known_section) {
		best = suggest(section, NULL);
		return err_set(e, EX_CONFIG, "unknown section [%s]%s%s%s",
			       section, best ? " (did you mean [" : "",
			       best ? best : "", best ? "]?)" : "");
	}
	if (!strcasecmp(section, "smtp") && !strcasecmp(name, "password"))
		return err_set(e, EX_CONFIG,
			       "the password is never written "
			       "in the config: use password_file or "
			       "password_env");
	best = suggest(name, section);
	if (best)
		return err_set(e, EX_CONFIG,
			       "unknown key '%s' in [%s] (did "
			       "you mean '%s'?)",
			       name, section, best);
	return err_set(e, EX_CONFIG, "unknown key '%s' in [%s]%s%s%s", name,
		       section, elsewhere ? " (it belongs in [" : "",
		       elsewhere ? elsewhere : "", elsewhere ? "])" : "");
}

/* libinih's handler: one key = value. Returns 1 to go on, 0 on error. */
static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	const struct conf_key *k;
	int i;

	i = find_key(section, name, ld->e);
	if (i < 0)
		goto fail;
	k = &conf_keys[i];
	if (ld->c->line[i]) {
		err_set(ld->e, EX_CONFIG,
			"duplicate key '%s' in [%s] (first "
			"set on line %d)",
			k->name, k->section, ld->c->line[i]);
		goto fail;
	}
	ld->c->line[i] = ld->lineno;
	if (!*value && k->type != CONF_TYPE_INT && k->type != CONF_TYPE_SIZE) {
		set_default(ld->c, k);
		ld->c->set[i] = 0;
		return 1;
	}
	if (set_value(ld->c, k, value, ld->dir, ld->e) < 0)
		goto fail;
	ld->c->set[i] = 1;
	return 1;
fail:
	ld->err_line = ld->lineno;
	return 0;
}

/* Line n (from 1) of text, cut at 60 bytes, into out. */
static void
quote_line(const struct buf *text, int n, char *out, size_t len)
{
	const char *s = text->data, *end;
	size_t l;

	while (--n > 0 && (s = strchr(s, '\n')))
		s++;
	if (!s) {
		out[0] = '\0';
		return;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	end = strchr(s, '\n');
	l = end ? (size_t)(end - s) : strlen(s);
	if (l && s[l - 1] == '\r')
		l--;
	if (l > 60)
		l = 60;
	snprintf(out, len, "%.*s%s", (int)l, s, l == 60 ? "..." : "");
}

/* The absolute folder of path (malloc'd), or NULL. */
static char *
folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char cwd[PATH_MAX], *dir;

	if (slash == path)
		return strdup("/");
	if (slash) {
		dir = strndup(path, (size_t)(slash - path));
		if (!dir || path[0] == '/')
			return dir;
	} else {
		dir = NULL;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		/* relative paths then stay relative to the current folder */
		free(dir);
		return NULL;
	}
	if (!dir)
		return strdup(cwd);
	slash = dir;
	dir = path_join(cwd, slash);
	free((char *)slash);
	return dir;
}

int
conf_load(struct conf *c, const char *path, struct err *e)
{
	struct load ld = { 0 };
	struct stat st;
	char quoted[80], *copy = NULL;
	int rc = -1, bad;

	ld.c = c;
	ld.e = e;
	buf_init(&ld.line, BUF_MAX_LINE);
	buf_init(&ld.text, CONF_MAX_FILE);
	ld.f = fopen(path, "re");
	if (!ld.f) {
		err_set(e, EX_CONFIG, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(ld.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(e, EX_CONFIG, "%s: %s", path, strerror(EISDIR));
		goto out;
	}
	copy = strdup(path);
	errno = 0;
	ld.dir = folder_of(path);
	if (!copy || (!ld.dir && errno == ENOMEM)) {
		err_set(e, EX_OSERR, "%s: out of memory", path);
		goto out;
	}
	free(c->path);
	c->path = copy;
	copy = NULL;
	memset(c->line, 0, sizeof(c->line));

	bad = ini_parse_stream(read_line, &ld, on_pair, &ld);
	if (bad == -2) {
		err_set(e, EX_OSERR, "%s: out of memory", path);
		goto out;
	}
	if (ld.err_line && (bad <= 0 || bad >= ld.err_line)) {
		err_prefix(e, "%s:%d", path, ld.err_line);
		goto out;
	}
	if (bad > 0) {
		quote_line(&ld.text, bad, quoted, sizeof(quoted));
		err_set(e, EX_CONFIG, "%s:%d: %s: '%s'", path, bad,
			quoted[0] == '[' ?
				"a section header without its "
				"closing ']'" :
				"not a '[section]', 'key = value' or '; comment' line",
			quoted);
		goto out;
	}
	rc = 0;
out:
	if (ld.f)
		fclose(ld.f);
	free(copy);
	free(ld.dir);
	buf_release(&ld.line);
	buf_release(&ld.text);
	return rc;
}

/* --- after reading ------------------------------------------------------ */

/* Fills e with "PATH:LINE: " or "PATH: " before the message for the key at
 * offset, the way conf_load reports. Returns -1. */
static int
key_error(const struct conf *c, size_t offset, struct err *e)
{
	int i = key_index(offset);

	if (c->path && i >= 0 && c->line[i])
		return err_prefix(e, "%s:%d", c->path, c->line[i]);
	if (c->path)
		return err_prefix(e, "%s", c->path);
	return -1;
}

/* The first line of the password file (mode 600 expected). */
static int
read_password(struct conf *c, struct err *e)
{
	const char *p = c->smtp_password_file;
	char buf[CONF_MAX_PASSWORD + 2];
	struct stat st;
	FILE *f = NULL;
	size_t len;
	int rc = -1;

	f = fopen(p, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		err_set(e, EX_CONFIG, "password_file: '%s': %s", p,
			strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG, "password_file: '%s': not a file", p);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		log_warn("%s: the password file may be read by others than "
			 "its owner: chmod 600 it",
			 p);
	if (!fgets(buf, sizeof(buf), f)) {
		buf[0] = '\0';
		if (ferror(f)) {
			err_set(e, EX_CONFIG, "password_file: '%s': %s", p,
				strerror(errno));
			goto out;
		}
	}
	len = strlen(buf);
	if (len > CONF_MAX_PASSWORD && buf[len - 1] != '\n') {
		err_set(e, EX_CONFIG,
			"password_file: '%s': the first line is "
			"longer than %d bytes",
			p, CONF_MAX_PASSWORD);
		goto out;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (!len) {
		err_set(e, EX_CONFIG,
			"password_file: '%s': the first line is "
			"empty",
			p);
		goto out;
	}
	free(c->smtp_password);
	c->smtp_password = strdup(buf);
	if (!c->smtp_password) {
		err_set(e, EX_OSERR, "password_file: out of memory");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (f)
		fclose(f);
	return rc;
}

static int
find_password(struct conf *c, struct err *e)
{
	const char *v;

	if (c->smtp_password_file && c->smtp_password_env) {
		err_set(e, EX_CONFIG,
			"password_env: set only one of "
			"password_file and password_env");
		return key_error(c, OFF(smtp_password_env), e);
	}
	if (c->smtp_password_file) {
		if (read_password(c, e) < 0)
			return key_error(c, OFF(smtp_password_file), e);
	} else if (c->smtp_password_env) {
		v = getenv(c->smtp_password_env);
		if (!v || !*v) {
			err_set(e, EX_CONFIG,
				"password_env: the environment "
				"variable '%s' is %s",
				c->smtp_password_env, v ? "empty" : "not set");
			return key_error(c, OFF(smtp_password_env), e);
		}
		free(c->smtp_password);
		c->smtp_password = strdup(v);
		if (!c->smtp_password)
			return err_set(e, EX_OSERR, "out of memory");
	} else {
		return 0;
	}
	if (!c->smtp_user) {
		err_set(e, EX_CONFIG,
			"%s: a password is given but [smtp] "
			"user is not",
			c->smtp_password_file ? "password_file" :
						"password_env");
		return key_error(c,
				 c->smtp_password_file ?
					 OFF(smtp_password_file) :
					 OFF(smtp_password_env),
				 e);
	}
	return 0;
}

/* "feedmail." and the domain of from. */
static char *
default_list_id(const char *from)
{
	const char *at = strrchr(from, '@');
	size_t len;
	char *p;

	if (!at)
		return NULL;
	at++;
	len = strcspn(at, ">");
	p = malloc(sizeof("feedmail.") + len);
	if (p)
		snprintf(p, sizeof("feedmail.") + len, "feedmail.%.*s",
			 (int)len, at);
	return p;
}

/* Whether every relay is on this machine (none: no). */
static int
relays_loopback(const struct conf *c)
{
	int i;

	for (i = 0; i < c->smtp_nrelays; i++)
		if (!ipaddr_host_is_loopback(c->smtp_relays[i].host))
			return 0;
	return c->smtp_nrelays > 0;
}

const char *
conf_store_location(const struct conf *c)
{
	return c->store_url ? c->store_url : c->store_path;
}

int
conf_finish(struct conf *c, struct err *e)
{
	const struct conf_key *k;
	struct stat st;
	int i;

	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if ((k->type != CONF_TYPE_STRING &&
		     k->type != CONF_TYPE_PATH) ||
		    *str_field(c, k))
			continue;
		if (k->offset == OFF(store_path))
			return err_set(e, EX_CONFIG,
				       "[store] path has no "
				       "default (HOME is not set): set it");
		if (k->def || k->offset == OFF(from))
			return err_set(e, EX_OSERR, "%s: out of memory",
				       k->name);
	}
	if (c->store_url && c->set[key_index(OFF(store_path))]) {
		err_set(e, EX_CONFIG,
			"url: set only one of [store] url and [store] path");
		return key_error(c, OFF(store_url), e);
	}
	c->smtp_nrelays = 0;
	if (c->smtp_host &&
	    split_relays(c->smtp_host, c->smtp_port, c->smtp_relays,
			 &c->smtp_nrelays, e) < 0) {
		err_prefix(e, "host: '%s'", c->smtp_host);
		return key_error(c, OFF(smtp_host), e);
	}
	if (!c->set[key_index(OFF(starttls))])
		c->starttls = relays_loopback(c) ? CONF_STARTTLS_OPTIONAL :
						   CONF_STARTTLS_REQUIRED;
	if (!c->set[key_index(OFF(transport))])
		c->transport = c->smtp_host   ? CONF_TRANSPORT_SMTP :
			       c->digest_path ? CONF_TRANSPORT_MBOX :
						CONF_TRANSPORT_STDOUT;
	if (c->transport == CONF_TRANSPORT_SMTP && !c->smtp_host) {
		err_set(e, EX_CONFIG, "transport: 'smtp' needs [smtp] host");
		return key_error(c, OFF(transport), e);
	}
	if ((c->transport == CONF_TRANSPORT_MBOX ||
	     c->transport == CONF_TRANSPORT_MAILDIR) &&
	    !c->digest_path) {
		err_set(e, EX_CONFIG, "transport: '%s' needs [digest] path",
			transport_values[c->transport]);
		return key_error(c, OFF(transport), e);
	}
	if (c->min_interval > c->max_interval) {
		err_set(e, EX_CONFIG,
			"min_interval: %d is more than "
			"max_interval (%d)",
			c->min_interval, c->max_interval);
		return key_error(c,
				 c->line[key_index(OFF(min_interval))] ?
					 OFF(min_interval) :
					 OFF(max_interval),
				 e);
	}
	/* parsed here, once: every mail (digest, report, test) uses it */
	free(c->from_name);
	free(c->from_addr);
	if (addr_parse_mailbox(c->from, &c->from_name, &c->from_addr, e) < 0) {
		if (e && e->code != EX_OSERR)
			e->code = EX_CONFIG;
		err_prefix(e, "from");
		return key_error(c, OFF(from), e);
	}
	if (!c->list_id) {
		c->list_id = default_list_id(c->from);
		if (!c->list_id)
			return err_set(e, EX_OSERR, "list_id: out of memory");
	}
	if (c->smtp_ca_file && stat(c->smtp_ca_file, &st) < 0) {
		err_set(e, EX_CONFIG, "ca_file: '%s': %s", c->smtp_ca_file,
			strerror(errno));
		return key_error(c, OFF(smtp_ca_file), e);
	}
	return find_password(c, e);
}

/* --- the rest of the lifecycle ------------------------------------------ */

void
conf_init(struct conf *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NKEYS; i++)
		set_default(c, &conf_keys[i]);
}

char *
conf_default_path(const char *explicit_path, int *must_exist)
{
	const char *env = getenv("FEEDMAIL_CONFIG");
	char *p;

	*must_exist = 1;
	if (explicit_path)
		return strdup(explicit_path);
	if (env && *env)
		return strdup(env);
	*must_exist = 0;
	p = xdg_path("XDG_CONFIG_HOME", ".config", "feedmail/config");
	/* no home at all: a name that does not exist, so the defaults apply */
	return p ? p : strdup("/nonexistent/feedmail/config");
}

void
conf_release(struct conf *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_keys[i].type == CONF_TYPE_STRING ||
		    conf_keys[i].type == CONF_TYPE_PATH)
			free(*str_field(c, &conf_keys[i]));
	if (c->smtp_password)
		explicit_bzero(c->smtp_password, strlen(c->smtp_password));
	free(c->smtp_password);
	free(c->from_name);
	free(c->from_addr);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

void
conf_dump(const struct conf *c, FILE *f)
{
	const struct conf_key *k;
	const char *section = NULL, *s;
	char size[32], *masked;
	int i, v;

	if (c->path)
		fprintf(f, "; read from %s\n", c->path);
	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if (!section || strcmp(section, k->section)) {
			fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		switch (k->type) {
		case CONF_TYPE_INT:
			fprintf(f, "%s = %d\n", k->name,
				*(const int *)cfield(c, k));
			break;
		case CONF_TYPE_SIZE:
			format_size(*(const long long *)cfield(c, k), size,
				    sizeof(size));
			fprintf(f, "%s = %s\n", k->name, size);
			break;
		case CONF_TYPE_ENUM:
			v = *(const int *)cfield(c, k);
			fprintf(f, "%s = %s\n", k->name, k->values[v]);
			break;
		case CONF_TYPE_STRING:
		case CONF_TYPE_PATH:
			s = *(char *const *)cfield(c, k);
			masked = k->offset == OFF(store_url) && s ?
					 url_mask_password(s) :
					 NULL;
			fprintf(f, "%s =%s%s\n", k->name, s ? " " : "",
				masked ? masked :
				s      ? s :
					 "");
			free(masked);
			break;
		}
		if (k->offset == OFF(smtp_password_env) && c->smtp_password)
			fputs("; password = ***\n", f);
	}
}
