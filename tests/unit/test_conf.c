/*
 * test_config: config files written to a temporary folder from a table of
 * {file, environment, expected result or message}, then the sample
 * etc/feedmail.conf, the man page, the dump and the default paths.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "testutil.h"

static char dir[4096];
static char *home; /* $HOME at start, put back before each test */

/* Each test starts from the same environment, forked or not. */
static void
reset_env(void)
{
	static const char *const vars[] = { "TZDIR",
					    "FEEDMAIL_TEST_PW",
					    "FEEDMAIL_TEST_UNSET",
					    "FEEDMAIL_CONFIG",
					    "XDG_CONFIG_HOME",
					    "XDG_DATA_HOME",
					    NULL };
	size_t i;

	for (i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
}

#define X10 "xxxxxxxxxx"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define X190 X100 X10 X10 X10 X10 X10 X10 X10 X10 X10

/* A copy of s with every "{D}" replaced by the temporary folder. */
static char *
expand(const char *s)
{
	static char out[8192];
	size_t len = 0;

	out[0] = '\0';
	while (*s && len < sizeof(out) - 1) {
		if (!strncmp(s, "{D}", 3)) {
			len += (size_t)snprintf(out + len, sizeof(out) - len,
						"%s", dir);
			s += 3;
		} else {
			out[len++] = *s++;
			out[len] = '\0';
		}
	}
	return out;
}

/* Checks run on good rows. */
static void
check_defaults(const struct conf *c)
{
	ck_assert_int_eq(c->keep_days, 90);
	ck_assert_int_eq(c->lock_timeout, 30);
	ck_assert_int_eq(c->jobs, 16);
	ck_assert_int_eq(c->per_host, 2);
	ck_assert_int_eq(c->connect_timeout, 10);
	ck_assert_int_eq(c->timeout, 60);
	ck_assert_int_eq(c->low_speed_time, 30);
	ck_assert(c->max_size == 16LL * 1024 * 1024);
	ck_assert_str_eq(c->user_agent,
			 "feedmail/" PACKAGE_VERSION
			 " (+https://github.com/feedmail/feedmail)");
	ck_assert_int_eq(c->min_interval, 15);
	ck_assert_int_eq(c->max_interval, 1440);
	ck_assert_int_eq(c->lead_time, 15);
	ck_assert_ptr_null(c->smtp_host);
	ck_assert_int_eq(c->smtp_port, 587);
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_REQUIRED);
	ck_assert_ptr_null(c->smtp_user);
	ck_assert_ptr_null(c->smtp_password);
	ck_assert_int_eq(c->smtp_timeout, 60);
	ck_assert_int_eq(c->transport, CONF_TRANSPORT_STDOUT);
	ck_assert_ptr_null(c->digest_path);
	ck_assert_str_eq(c->sendmail, "/usr/sbin/sendmail");
	ck_assert_str_eq(c->name, "feedmail");
	ck_assert_int_eq(c->max_entries, 50);
	ck_assert_int_eq(c->summary_words, 60);
	ck_assert_str_eq(c->language, "en");
	ck_assert_str_eq(c->time, "07:00");
	ck_assert_str_eq(c->timezone, "Europe/Paris");
	ck_assert_ptr_null(c->admin);
	ck_assert_ptr_null(c->unsubscribe_url);
	ck_assert(!strncmp(c->from, "feedmail <feedmail@", 19));
	ck_assert_str_eq(c->from_name, "feedmail");
	ck_assert(!strncmp(c->from_addr, "feedmail@", 9));
	ck_assert(!strncmp(c->list_id, "feedmail.", 9));
}

static void
check_full(const struct conf *c)
{
	ck_assert_str_eq(c->store_path, "/var/lib/feedmail/feedmail.db");
	ck_assert_int_eq(c->keep_days, 30);
	ck_assert_int_eq(c->lock_timeout, 0);
	ck_assert_int_eq(c->jobs, 32);
	ck_assert_int_eq(c->per_host, 4);
	ck_assert_int_eq(c->connect_timeout, 5);
	ck_assert_int_eq(c->timeout, 120);
	ck_assert_int_eq(c->low_speed_time, 0);
	ck_assert(c->max_size == 512LL * 1024);
	ck_assert_str_eq(c->user_agent, "digest-bot/1.0");
	ck_assert_int_eq(c->min_interval, 30);
	ck_assert_int_eq(c->max_interval, 720);
	ck_assert_int_eq(c->lead_time, 0);
	ck_assert_str_eq(c->smtp_host, "smtp.example.org");
	ck_assert_int_eq(c->smtp_port, 465);
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_OFF);
	ck_assert_str_eq(c->smtp_user, "digest");
	ck_assert_str_eq(c->smtp_password_env, "FEEDMAIL_TEST_PW");
	ck_assert_str_eq(c->smtp_password, "from-env");
	ck_assert_int_eq(c->smtp_timeout, 30);
	ck_assert_int_eq(c->transport, CONF_TRANSPORT_MAILDIR);
	ck_assert_str_eq(c->digest_path, expand("{D}/Maildir"));
	ck_assert_str_eq(c->sendmail, "/usr/lib/sendmail");
	ck_assert_str_eq(c->from, "\"Cluster news\" <news@cluster.example>");
	ck_assert_str_eq(c->from_name, "Cluster news");
	ck_assert_str_eq(c->from_addr, "news@cluster.example");
	ck_assert_str_eq(c->name, "Cluster Numérique");
	ck_assert_str_eq(c->list_id, "daily.cluster.example");
	ck_assert_str_eq(c->unsubscribe_url, "https://cluster.example/u?x=1");
	ck_assert_int_eq(c->max_entries, 10000);
	ck_assert_int_eq(c->summary_words, 0);
	ck_assert_str_eq(c->language, "fr");
	ck_assert_str_eq(c->time, "23:59");
	ck_assert_str_eq(c->timezone, "UTC");
	ck_assert_str_eq(c->admin, "ops@cluster.example");
}

#define FULL                                                \
	"; a full file\n"                                   \
	"[store]\n"                                         \
	"path = /var/lib/feedmail/feedmail.db\n"            \
	"keep_days = 30\n"                                  \
	"lock_timeout = 0\n"                                \
	"[fetch]\n"                                         \
	"jobs = 32\n"                                       \
	"per_host = 4\n"                                    \
	"connect_timeout = 5\n"                             \
	"timeout = 120\n"                                   \
	"low_speed_time = 0\n"                              \
	"max_size = 512k\n"                                 \
	"user_agent = digest-bot/1.0\n"                     \
	"min_interval = 30\n"                               \
	"max_interval = 720\n"                              \
	"lead_time = 0\n"                                   \
	"[smtp]\n"                                          \
	"host = smtp.example.org\n"                         \
	"port = 465\n"                                      \
	"starttls = off\n"                                  \
	"user = digest\n"                                   \
	"password_env = FEEDMAIL_TEST_PW\n"                 \
	"timeout = 30\n"                                    \
	"[digest]\n"                                        \
	"transport = maildir\n"                             \
	"path = Maildir\n"                                  \
	"sendmail = /usr/lib/sendmail\n"                    \
	"from = \"Cluster news\" <news@cluster.example>\n"  \
	"name = Cluster Numérique ; shown on top\n"        \
	"list_id = daily.cluster.example\n"                 \
	"unsubscribe_url = https://cluster.example/u?x=1\n" \
	"max_entries = 10000\n"                             \
	"summary_words = 0\n"                               \
	"language = fr\n"                                   \
	"time = 23:59\n"                                    \
	"timezone = UTC\n"                                  \
	"admin = ops@cluster.example\n"

static void
check_jobs_1(const struct conf *c)
{
	ck_assert_int_eq(c->jobs, 1);
}
static void
check_jobs_256(const struct conf *c)
{
	ck_assert_int_eq(c->jobs, 256);
}
static void
check_jobs_4(const struct conf *c)
{
	ck_assert_int_eq(c->jobs, 4);
}
static void
check_size_1k(const struct conf *c)
{
	ck_assert(c->max_size == 1024);
}
static void
check_size_1g(const struct conf *c)
{
	ck_assert(c->max_size == 1024LL * 1024 * 1024);
}
static void
check_size_plain(const struct conf *c)
{
	ck_assert(c->max_size == 1048576);
}
static void
check_port_max(const struct conf *c)
{
	ck_assert_int_eq(c->smtp_port, 65535);
}
/* Three relays, the second with a port of its own, the others on [smtp]
 * port; STARTTLS required since not all are on this machine. */
static void
check_relays(const struct conf *c)
{
	ck_assert_int_eq(c->smtp_nrelays, 3);
	ck_assert_str_eq(c->smtp_relays[0].host, "localhost");
	ck_assert_int_eq(c->smtp_relays[0].port, 2525);
	ck_assert_str_eq(c->smtp_relays[1].host, "smtp2.example.org");
	ck_assert_int_eq(c->smtp_relays[1].port, 25);
	ck_assert_str_eq(c->smtp_relays[2].host, "10.0.0.1");
	ck_assert_int_eq(c->smtp_relays[2].port, 2525);
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_REQUIRED);
}
static void
check_quota_max(const struct conf *c)
{
	ck_assert_int_eq(c->max_per_minute, 1000000);
	ck_assert_int_eq(c->max_per_hour, 0);
	ck_assert_int_eq(c->max_per_day, 1);
}
static void
check_starttls_off(const struct conf *c)
{
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_OFF);
}
static void
check_starttls_optional(const struct conf *c)
{
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_OPTIONAL);
	ck_assert_int_eq(c->transport, CONF_TRANSPORT_SMTP);
}
static void
check_starttls_required(const struct conf *c)
{
	ck_assert_int_eq(c->starttls, CONF_STARTTLS_REQUIRED);
}
static void
check_time_0000(const struct conf *c)
{
	ck_assert_str_eq(c->time, "00:00");
}
static void
check_tz_test(const struct conf *c)
{
	ck_assert_str_eq(c->timezone, "Test/Zone");
}
static void
check_lang_fr(const struct conf *c)
{
	ck_assert_str_eq(c->language, "fr");
}
static void
check_pw_file(const struct conf *c)
{
	ck_assert_str_eq(c->smtp_password, "s3cret pass");
	ck_assert_str_eq(c->smtp_password_file, expand("{D}/pw"));
}
static void
check_pw_env(const struct conf *c)
{
	ck_assert_str_eq(c->smtp_password, "from-env");
}
static void
check_mbox(const struct conf *c)
{
	ck_assert_int_eq(c->transport, CONF_TRANSPORT_MBOX);
	ck_assert_str_eq(c->digest_path, "/var/mail/digest");
}
static void
check_name_default(const struct conf *c)
{
	ck_assert_str_eq(c->name, "feedmail");
	ck_assert_int_eq(c->transport, CONF_TRANSPORT_STDOUT);
}
static void
check_list_id(const struct conf *c)
{
	ck_assert_str_eq(c->from, "Feeds <feeds@news.example.org>");
	ck_assert_str_eq(c->list_id, "feedmail.news.example.org");
}
static void
check_home(const struct conf *c)
{
	ck_assert_str_eq(c->store_path, "/home/tester/feeds.db");
}
static void
check_relative(const struct conf *c)
{
	ck_assert_str_eq(c->store_path, expand("{D}/data/feeds.db"));
}
static void
check_long_name(const struct conf *c)
{
	ck_assert_uint_eq(strlen(c->name), 190);
}
static void
check_intervals(const struct conf *c)
{
	ck_assert_int_eq(c->min_interval, c->max_interval);
}
static void
check_lead_day(const struct conf *c)
{
	ck_assert_int_eq(c->lead_time, 1440);
}

struct row {
	const char *name;
	const char *text; /* the config file */
	const char *msg;  /* NULL: loads; else the message after PATH */
	int code;         /* e.code wanted with msg (0: EX_CONFIG) */
	const char *env;  /* "NAME=VALUE" set for the row, {D} expanded */
	const char *pw;   /* content of {D}/pw, written mode pw_mode */
	int pw_mode;
	void (*check)(const struct conf *c);
};

/* Rows that load, then pass check; rows that fail with msg after the path
 * (EX_CONFIG). env is "NAME=VALUE" set for the row; pw is written to {D}/pw
 * with the given mode. */
#define OK(name, text, check)                             \
	{                                                 \
		name, text, NULL, 0, NULL, NULL, 0, check \
	}
#define OK_ENV(name, text, env, check)                   \
	{                                                \
		name, text, NULL, 0, env, NULL, 0, check \
	}
#define OK_PW(name, text, pw, mode, check)                 \
	{                                                  \
		name, text, NULL, 0, NULL, pw, mode, check \
	}
#define BAD(name, text, msg)                            \
	{                                               \
		name, text, msg, 0, NULL, NULL, 0, NULL \
	}
#define BAD_ENV(name, text, msg, env)                  \
	{                                              \
		name, text, msg, 0, env, NULL, 0, NULL \
	}
#define BAD_PW(name, text, msg, env, pw)                \
	{                                               \
		name, text, msg, 0, env, pw, 0600, NULL \
	}

static const struct row rows[] = {
	/* good paths */
	OK("empty file", "", check_defaults),
	OK("comments only", "; nothing\n# nothing either\n\n[fetch]\n",
	   check_defaults),
	OK_ENV("full file", FULL, "FEEDMAIL_TEST_PW=from-env", check_full),
	OK("jobs at low bound", "[fetch]\njobs = 1\n", check_jobs_1),
	OK("jobs at high bound", "[fetch]\njobs = 256\n", check_jobs_256),
	OK("inline comment", "[fetch]\njobs = 4 ; four\n", check_jobs_4),
	OK("indented key", "[fetch]\n\t  jobs = 4\n", check_jobs_4),
	OK("names without case", "[FETCH]\nJobs = 4\n", check_jobs_4),
	OK("colon separator", "[fetch]\njobs: 4\n", check_jobs_4),
	OK("BOM and CRLF", "\xEF\xBB\xBF[fetch]\r\njobs = 4\r\n", check_jobs_4),
	OK("no final newline", "[fetch]\njobs = 4", check_jobs_4),
	OK("section reopened", "[fetch]\n[smtp]\n[fetch]\njobs = 4\n",
	   check_jobs_4),
	OK("size at low bound", "[fetch]\nmax_size = 1k\n", check_size_1k),
	OK("size at high bound", "[fetch]\nmax_size = 1G\n", check_size_1g),
	OK("size in bytes", "[fetch]\nmax_size = 1048576\n", check_size_plain),
	OK("port at high bound", "[smtp]\nport = 65535\n", check_port_max),
	OK("intervals equal",
	   "[fetch]\nmin_interval = 60\n"
	   "max_interval = 60\n",
	   check_intervals),
	OK("lead_time at high bound", "[fetch]\nlead_time = 1440\n",
	   check_lead_day),
	OK("starttls case", "[smtp]\nstarttls = OFF\n", check_starttls_off),
	OK("loopback localhost", "[smtp]\nhost = localhost\n",
	   check_starttls_optional),
	OK("loopback 127.0.0.1", "[smtp]\nhost = 127.0.0.1\n",
	   check_starttls_optional),
	OK("loopback ::1", "[smtp]\nhost = ::1\n", check_starttls_optional),
	OK("loopback 127.255.0.9", "[smtp]\nhost = 127.255.0.9\n",
	   check_starttls_optional),
	OK("remote host", "[smtp]\nhost = mail.example.org\n",
	   check_starttls_required),
	OK("a name that starts with 127.", "[smtp]\nhost = 127.example.org\n",
	   check_starttls_required),
	OK("not 127.0.0.0/8", "[smtp]\nhost = 128.0.0.1\n",
	   check_starttls_required),
	OK("relays",
	   "[smtp]\nport = 2525\n"
	   "host = localhost, smtp2.example.org:25 ,10.0.0.1\n",
	   check_relays),
	OK("relays all loopback", "[smtp]\nhost = localhost:25,127.0.0.2\n",
	   check_starttls_optional),
	OK("quota at bounds",
	   "[smtp]\nmax_per_minute = 1000000\nmax_per_hour = 0\n"
	   "max_per_day = 1\n",
	   check_quota_max),
	OK("loopback, starttls given",
	   "[smtp]\nhost = localhost\n"
	   "starttls = required\n",
	   check_starttls_required),
	OK("time midnight", "[digest]\ntime = 00:00\n", check_time_0000),
	OK_ENV("timezone under TZDIR", "[digest]\ntimezone = Test/Zone\n",
	       "TZDIR={D}/zoneinfo", check_tz_test),
	OK("language case", "[digest]\nlanguage = FR\n", check_lang_fr),
	OK_PW("password from file",
	      "[smtp]\nhost = mail.example.org\n"
	      "user = u\npassword_file = pw\n",
	      "s3cret pass\r\nsecond line\n", 0600, check_pw_file),
	OK_ENV("password from env",
	       "[smtp]\nhost = mail.example.org\n"
	       "user = u\npassword_env = FEEDMAIL_TEST_PW\n",
	       "FEEDMAIL_TEST_PW=from-env", check_pw_env),
	OK("mbox by path", "[digest]\npath = /var/mail/digest\n", check_mbox),
	OK("empty value is the default", "[digest]\nname =\ntransport =\n",
	   check_name_default),
	OK("list_id from from",
	   "[digest]\nfrom = Feeds <feeds@news.example.org>\n", check_list_id),
	OK_ENV("path from home", "[store]\npath = ~/feeds.db\n",
	       "HOME=/home/tester", check_home),
	OK("relative path", "[store]\npath = data/feeds.db\n", check_relative),
	OK("line of 197 characters", "[digest]\nname = " X190 "\n",
	   check_long_name),

	/* errors while reading */
	BAD("unknown section", "[fetch]\njobs = 4\n[fetc]\njobs = 4\n",
	    ":4: unknown section [fetc] (did you mean [fetch]?)"),
	BAD("unknown section, no guess", "[frobnicate]\nx = 1\n",
	    ":2: unknown section [frobnicate]"),
	BAD("unknown key, a guess", "\n[fetch]\njbos = 4\n",
	    ":3: unknown key 'jbos' in [fetch] (did you mean 'jobs'?)"),
	BAD("unknown key, no guess", "[fetch]\nfrobnicate = 1\n",
	    ":2: unknown key 'frobnicate' in [fetch]"),
	BAD("key in the wrong section", "[digest]\njobs = 4\n",
	    ":2: unknown key 'jobs' in [digest] (it belongs in [fetch])"),
	BAD("key before any section", "jobs = 4\n",
	    ":1: key 'jobs' comes before any [section] (it belongs in "
	    "[fetch])"),
	BAD("no key name", "[fetch]\n= 4\n",
	    ":2: a key name is missing before '='"),
	BAD("password as a key", "[smtp]\npassword = hunter2\n",
	    ":2: the password is never written in the config: use "
	    "password_file or password_env"),
	BAD("jobs below range", "[fetch]\njobs = 0\n",
	    ":2: jobs: '0' is out of range 1..256"),
	BAD("jobs above range", "[fetch]\njobs = 257\n",
	    ":2: jobs: '257' is out of range 1..256"),
	BAD("lead_time above range", "[fetch]\nlead_time = 1441\n",
	    ":2: lead_time: '1441' is out of range 0..1440"),
	BAD("jobs negative", "[fetch]\njobs = -1\n",
	    ":2: jobs: '-1' is out of range 1..256"),
	BAD("jobs overflow", "[fetch]\njobs = 99999999999999999999\n",
	    ":2: jobs: '99999999999999999999' is out of range 1..256"),
	BAD("jobs int overflow", "[fetch]\njobs = 4294967297\n",
	    ":2: jobs: '4294967297' is out of range 1..256"),
	BAD("jobs not a number", "[fetch]\njobs = many\n",
	    ":2: jobs: 'many' is not a number"),
	BAD("jobs trailing junk", "[fetch]\njobs = 4x\n",
	    ":2: jobs: '4x' is not a number"),
	BAD("jobs plus sign", "[fetch]\njobs = +4\n",
	    ":2: jobs: '+4' is not a number"),
	BAD("jobs hex", "[fetch]\njobs = 0x10\n",
	    ":2: jobs: '0x10' is not a number"),
	BAD("jobs empty", "[fetch]\njobs =\n", ":2: jobs: '' is not a number"),
	BAD("jobs hash comment", "[fetch]\njobs = 4 # four\n",
	    ":2: jobs: '4 # four' is not a number (comments start with ';' "
	    "and, after a value, need a space before it)"),
	BAD("keep_days above range", "[store]\nkeep_days = 36501\n",
	    ":2: keep_days: '36501' is out of range 1..36500"),
	BAD("port zero", "[smtp]\nport = 0\n",
	    ":2: port: '0' is out of range 1..65535"),
	BAD("summary_words above", "[digest]\nsummary_words = 1001\n",
	    ":2: summary_words: '1001' is out of range 0..1000"),
	BAD("size below range", "[fetch]\nmax_size = 1023\n",
	    ":2: max_size: '1023' is out of range 1k..1G"),
	BAD("size above range", "[fetch]\nmax_size = 1025M\n",
	    ":2: max_size: '1025M' is out of range 1k..1G"),
	BAD("size overflow", "[fetch]\nmax_size = 9999999999999G\n",
	    ":2: max_size: '9999999999999G' is out of range 1k..1G"),
	BAD("size bad suffix", "[fetch]\nmax_size = 16X\n",
	    ":2: max_size: '16X' is not a size (a number with an optional "
	    "k, M or G)"),
	BAD("size suffix only", "[fetch]\nmax_size = M\n",
	    ":2: max_size: 'M' is not a size (a number with an optional "
	    "k, M or G)"),
	BAD("bad enum", "[smtp]\nhost = h\n\nstarttls = yes\n",
	    ":4: starttls: 'yes' is not one of required, optional, off"),
	BAD("bad transport", "[digest]\ntransport = pigeon\n",
	    ":2: transport: 'pigeon' is not one of smtp, sendmail, mbox, "
	    "maildir, stdout"),
	BAD("bad language", "[digest]\nlanguage = de\n",
	    ":2: language: 'de' is not one of en, fr"),
	BAD("bad time 25:00", "[digest]\ntime = 25:00\n",
	    ":2: time: '25:00' is not a time HH:MM (00:00 to 23:59)"),
	BAD("bad time 23:60", "[digest]\ntime = 23:60\n",
	    ":2: time: '23:60' is not a time HH:MM (00:00 to 23:59)"),
	BAD("bad time 7:00", "[digest]\ntime = 7:00\n",
	    ":2: time: '7:00' is not a time HH:MM (00:00 to 23:59)"),
	BAD_ENV("bad timezone", "[digest]\ntimezone = Mars/Olympus\n",
		":2: timezone: 'Mars/Olympus' is not a time zone (such as "
		"Europe/Paris or UTC)",
		"TZDIR={D}/zoneinfo"),
	BAD_ENV("timezone escaping",
		"[digest]\ntimezone = ../zoneinfo/Test/Zone\n",
		":2: timezone: '../zoneinfo/Test/Zone' is not a time zone "
		"(such as Europe/Paris or UTC)",
		"TZDIR={D}/zoneinfo"),
	BAD_ENV("timezone a folder", "[digest]\ntimezone = Test\n",
		":2: timezone: 'Test' is not a time zone (such as "
		"Europe/Paris or UTC)",
		"TZDIR={D}/zoneinfo"),
	BAD_ENV("timezone not TZif", "[digest]\ntimezone = Test/Bad\n",
		":2: timezone: 'Test/Bad' is not a time zone (such as "
		"Europe/Paris or UTC)",
		"TZDIR={D}/zoneinfo"),
	BAD("bad from", "[digest]\nfrom = the digest\n",
	    ":2: from: 'the digest' is not an address (\"Name "
	    "<user@example.org>\" or \"user@example.org\")"),
	BAD("bad admin", "[digest]\nadmin = Ops <ops@>\n",
	    ":2: admin: 'Ops <ops@>' is not an address (\"Name "
	    "<user@example.org>\" or \"user@example.org\")"),
	BAD("bad list_id", "[digest]\nlist_id = digest\n",
	    ":2: list_id: 'digest' is not a List-Id (such as "
	    "digest.example.org)"),
	BAD("http unsubscribe",
	    "[digest]\nunsubscribe_url = http://x.example/u\n",
	    ":2: unsubscribe_url: 'http://x.example/u' is not an https:// "
	    "URL"),
	BAD("relative sendmail", "[digest]\nsendmail = sendmail\n",
	    ":2: sendmail: 'sendmail' is not an absolute path"),
	BAD("bad env name", "[smtp]\npassword_env = MY-PW\n",
	    ":2: password_env: 'MY-PW' is not an environment variable name "
	    "(letters, digits and _)"),
	BAD("relay port zero", "[smtp]\nhost = a.example:0\n",
	    ":2: host: 'a.example:0' names 'a.example:0', whose port is not "
	    "a number from 1 to 65535"),
	BAD("relay port not a number", "[smtp]\nhost = a, b:x25\n",
	    ":2: host: 'a, b:x25' names 'b:x25', whose port is not a number "
	    "from 1 to 65535"),
	BAD("empty relay", "[smtp]\nhost = a,\n",
	    ":2: host: 'a,' has an empty relay (HOST or HOST:PORT, "
	    "comma-separated)"),
	BAD("bad relay", "[smtp]\nhost = a, b c\n",
	    ":2: host: 'a, b c' names 'b c', which is not a host name or "
	    "address"),
	BAD("nine relays", "[smtp]\nhost = a,b,c,d,e,f,g,h,i\n",
	    ":2: host: 'a,b,c,d,e,f,g,h,i' lists more than 8 relays"),
	BAD("quota past its bound", "[smtp]\nmax_per_day = 1000001\n",
	    ":2: max_per_day: '1000001' is out of range 0..1000000"),
	BAD("bad host", "[smtp]\nhost = mail example\n",
	    ":2: host: 'mail example' is not a host name or address"),
	BAD("control character", "[digest]\nname = a\tb\n",
	    ":2: name: the value holds a control character"),
	BAD("~user path", "[store]\npath = ~bob/x.db\n",
	    ":2: path: '~bob/x.db' uses ~user, which is not supported"),
	BAD("malformed line", "[fetch]\njobs = 4\nthis is not ini\n",
	    ":3: not a '[section]', 'key = value' or '; comment' line: "
	    "'this is not ini'"),
	BAD("malformed before a bad key", "junk\n[fetch]\njbos = 4\n",
	    ":1: not a '[section]', 'key = value' or '; comment' line: "
	    "'junk'"),
	BAD("unclosed section", "[fetch\njobs = 4\n",
	    ":1: a section header without its closing ']': '[fetch'"),
	BAD("continuation line", "[fetch]\njobs = 4\n   8\n",
	    ":3: not a '[section]', 'key = value' or '; comment' line: "
	    "'8'"),
	BAD("line of 198 characters", "[digest]\nname = x" X190 "\n",
	    ":2: the line is too long (over 197 characters)"),
	BAD("duplicate key", "[fetch]\njobs = 4\n\njobs = 5\n",
	    ":4: duplicate key 'jobs' in [fetch] (first set on line 2)"),
	BAD("duplicate across sections",
	    "[fetch]\njobs = 4\n[smtp]\n[fetch]\nJOBS = 4\n",
	    ":5: duplicate key 'jobs' in [fetch] (first set on line 2)"),
	BAD("duplicate empty", "[digest]\nname =\nname = x\n",
	    ":3: duplicate key 'name' in [digest] (first set on line 2)"),
	BAD("same name, two sections",
	    "[fetch]\ntimeout = 5\n[smtp]\ntimeout = 6\n[fetch]\n"
	    "timeout = 7\n",
	    ":6: duplicate key 'timeout' in [fetch] (first set on line 2)"),

	/* errors while finishing */
	BAD("password_file missing",
	    "[smtp]\nhost = h\nuser = u\npassword_file = nope\n",
	    ":4: password_file: '{D}/nope': No such file or directory"),
	BAD_PW("password_file empty",
	       "[smtp]\nhost = h\nuser = u\npassword_file = pw\n",
	       ":4: password_file: '{D}/pw': the first line is empty", NULL,
	       "\nsecond\n"),
	BAD("password_file a folder",
	    "[smtp]\nhost = h\nuser = u\npassword_file = zoneinfo\n",
	    ":4: password_file: '{D}/zoneinfo': not a file"),
	BAD("password_env unset",
	    "[smtp]\nhost = h\nuser = u\npassword_env = FEEDMAIL_TEST_UNSET\n",
	    ":4: password_env: the environment variable "
	    "'FEEDMAIL_TEST_UNSET' is not set"),
	BAD_ENV("password_env empty",
		"[smtp]\nhost = h\nuser = u\npassword_env = FEEDMAIL_TEST_PW\n",
		":4: password_env: the environment variable "
		"'FEEDMAIL_TEST_PW' is empty",
		"FEEDMAIL_TEST_PW="),
	BAD_PW("password twice",
	       "[smtp]\nhost = h\nuser = u\npassword_file = pw\n"
	       "password_env = FEEDMAIL_TEST_PW\n",
	       ":5: password_env: set only one of password_file and "
	       "password_env",
	       "FEEDMAIL_TEST_PW=x", "pw\n"),
	BAD_ENV("password without user",
		"[smtp]\nhost = h\npassword_env = FEEDMAIL_TEST_PW\n",
		":3: password_env: a password is given but [smtp] user is "
		"not",
		"FEEDMAIL_TEST_PW=x"),
	BAD("ca_file missing", "[smtp]\nhost = h\nca_file = ca.pem\n",
	    ":3: ca_file: '{D}/ca.pem': No such file or directory"),
	BAD("store url and path",
	    "[store]\npath = /x.db\nurl = postgres:///f\n",
	    ":3: url: set only one of [store] url and [store] path"),
	BAD("store url scheme", "[store]\nurl = mysql://h/db\n",
	    ":2: url: 'mysql://h/db' is not a postgresql://, postgres:// or "
	    "sqlite: URL"),
	BAD("smtp without host", "[digest]\ntransport = smtp\n",
	    ":2: transport: 'smtp' needs [smtp] host"),
	BAD("maildir without path", "[digest]\n\ntransport = maildir\n",
	    ":3: transport: 'maildir' needs [digest] path"),
	BAD("min above max", "[fetch]\nmax_interval = 60\nmin_interval = 61\n",
	    ":3: min_interval: 61 is more than max_interval (60)"),
	BAD("max below the default min", "[fetch]\n\nmax_interval = 10\n",
	    ":3: min_interval: 15 is more than max_interval (10)"),
};

#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))

START_TEST(t_row)
{
	const struct row *r = &rows[_i];
	struct conf c;
	struct err e = ERR_INIT;
	char path[4200], pw[4200], expect[8192], *eq, env[256];
	int rc;

	snprintf(path, sizeof(path), "%s/row%d.conf", dir, _i);
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	testutil_write_file(path, r->text, 0644);
	unlink(pw);
	if (r->pw)
		testutil_write_file(pw, r->pw, (mode_t)r->pw_mode);
	if (r->env) {
		snprintf(env, sizeof(env), "%s", expand(r->env));
		eq = strchr(env, '=');
		ck_assert_ptr_nonnull(eq);
		*eq = '\0';
		ck_assert_int_eq(setenv(env, eq + 1, 1), 0);
	}

	conf_init(&c);
	rc = conf_load(&c, path, &e);
	if (rc == 0)
		rc = conf_finish(&c, &e);
	if (!r->msg) {
		ck_assert_msg(rc == 0, "%s: %s", r->name, e.msg);
		ck_assert_str_eq(c.path, path);
		if (r->check)
			r->check(&c);
	} else {
		snprintf(expect, sizeof(expect), "%s%s", path, expand(r->msg));
		ck_assert_msg(rc == -1, "%s: loaded", r->name);
		ck_assert_msg(!strcmp(e.msg, expect), "%s:\n got  %s\n want %s",
			      r->name, e.msg, expect);
		ck_assert_int_eq(e.code, r->code ? r->code : EX_CONFIG);
	}
	conf_release(&c);
	unlink(path);
}
END_TEST

START_TEST(t_missing_file)
{
	struct conf c;
	struct err e = ERR_INIT;
	char path[4200], expect[4300];

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	snprintf(expect, sizeof(expect), "%s: No such file or directory", path);
	ck_assert_str_eq(e.msg, expect);
	ck_assert_ptr_null(c.path);

	err_clear(&e);
	ck_assert_int_eq(conf_load(&c, dir, &e), -1);
	snprintf(expect, sizeof(expect), "%s: Is a directory", dir);
	ck_assert_str_eq(e.msg, expect);
	conf_release(&c);
}
END_TEST

/* Finishing without a file: the defaults, and list_id from the host. */
START_TEST(t_no_file)
{
	struct conf c;
	struct err e = ERR_INIT;

	conf_init(&c);
	ck_assert_int_eq(conf_finish(&c, &e), 0);
	ck_assert_ptr_null(c.path);
	check_defaults(&c);
	conf_release(&c);
	conf_release(NULL);
}
END_TEST

START_TEST(t_table)
{
	const struct conf_key *k;
	struct conf c;
	int i, j;

	conf_init(&c);
	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		ck_assert_ptr_nonnull(k->section);
		ck_assert_ptr_nonnull(k->name);
		ck_assert_ptr_nonnull(k->doc);
		ck_assert_msg(strlen(k->doc) > 10, "%s: no doc", k->name);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(conf_keys[j].section,
					     k->section) ||
					      strcmp(conf_keys[j].name,
						     k->name),
				      "%s twice", k->name);
		if (k->type == CONF_TYPE_INT) {
			ck_assert_ptr_nonnull(k->def);
			ck_assert(k->min <= k->max);
			ck_assert(*(int *)((char *)&c + k->offset) >= k->min);
			ck_assert(*(int *)((char *)&c + k->offset) <= k->max);
		}
		if (k->type == CONF_TYPE_ENUM)
			ck_assert_ptr_nonnull(k->values);
	}
	conf_release(&c);
}
END_TEST

START_TEST(t_default_path)
{
	char *p;
	int must;

	p = conf_default_path("/x/y.conf", &must);
	ck_assert_str_eq(p, "/x/y.conf");
	ck_assert_int_eq(must, 1);
	free(p);

	setenv("FEEDMAIL_CONFIG", "/etc/fm.conf", 1);
	p = conf_default_path(NULL, &must);
	ck_assert_str_eq(p, "/etc/fm.conf");
	ck_assert_int_eq(must, 1);
	free(p);

	setenv("FEEDMAIL_CONFIG", "", 1);
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	p = conf_default_path(NULL, &must);
	ck_assert_str_eq(p, "/cfg/feedmail/config");
	ck_assert_int_eq(must, 0);
	free(p);

	/* XDG base directory spec: a relative value is ignored */
	setenv("XDG_CONFIG_HOME", "cfg", 1);
	setenv("HOME", "/home/tester", 1);
	p = conf_default_path(NULL, &must);
	ck_assert_str_eq(p, "/home/tester/.config/feedmail/config");
	ck_assert_int_eq(must, 0);
	free(p);
}
END_TEST

START_TEST(t_default_store)
{
	struct conf c;

	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/tester", 1);
	conf_init(&c);
	ck_assert_str_eq(c.store_path,
			 "/home/tester/.local/share/feedmail/feedmail.db");
	conf_release(&c);

	setenv("XDG_DATA_HOME", "/data", 1);
	conf_init(&c);
	ck_assert_str_eq(c.store_path, "/data/feedmail/feedmail.db");
	conf_release(&c);
}
END_TEST

/* The sample loads as it is, and with every ";key = default" line
 * uncommented; it names every key under its section. */
START_TEST(t_sample)
{
	struct conf c;
	struct err e = ERR_INIT;
	char *text, *line, *save = NULL, path[4200];
	char section[64] = "", want[128];
	int i, seen[CONF_NKEYS] = { 0 };
	FILE *out;

	conf_init(&c);
	ck_assert_msg(conf_load(&c, SRCDIR "/etc/feedmail.conf", &e) == 0, "%s",
		      e.msg);
	ck_assert_msg(conf_finish(&c, &e) == 0, "%s", e.msg);
	check_defaults(&c);
	conf_release(&c);

	text = testutil_read_file(SRCDIR "/etc/feedmail.conf", NULL);
	snprintf(path, sizeof(path), "%s/sample.conf", dir);
	out = fopen(path, "w");
	ck_assert_ptr_nonnull(out);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[')
			sscanf(line, "[%63[^]]]", section);
		if (line[0] == ';' && line[1] >= 'a' && line[1] <= 'z') {
			line++;
			for (i = 0; i < CONF_NKEYS; i++) {
				snprintf(want, sizeof(want),
					 "%s =", conf_keys[i].name);
				if (!strcmp(conf_keys[i].section, section) &&
				    !strncmp(line, want, strlen(want)))
					seen[i]++;
			}
		}
		fprintf(out, "%s\n", line);
	}
	fclose(out);
	free(text);
	for (i = 0; i < CONF_NKEYS; i++)
		ck_assert_msg(seen[i] == 1, "[%s] %s: %d times in the sample",
			      conf_keys[i].section, conf_keys[i].name, seen[i]);

	conf_init(&c);
	ck_assert_msg(conf_load(&c, path, &e) == 0, "%s", e.msg);
	ck_assert_msg(conf_finish(&c, &e) == 0, "%s", e.msg);
	check_defaults(&c);
	conf_release(&c);
	unlink(path);
}
END_TEST

/* feedmail.conf(5) documents every key under its section's heading. */
START_TEST(t_manpage)
{
	char *text, *sec, *end, *key, want[128];
	int i;

	text = testutil_read_file(SRCDIR "/man/feedmail.conf.5", NULL);
	for (i = 0; i < CONF_NKEYS; i++) {
		snprintf(want, sizeof(want), "\n.SS [%s]\n",
			 conf_keys[i].section);
		sec = strstr(text, want);
		ck_assert_msg(sec != NULL, "no section %s", want);
		end = strstr(sec + 1, "\n.S");
		snprintf(want, sizeof(want), "\n.B %s\n", conf_keys[i].name);
		key = strstr(sec, want);
		ck_assert_msg(key && (!end || key < end),
			      "[%s] %s is not in the man page",
			      conf_keys[i].section, conf_keys[i].name);
	}
	free(text);
}
END_TEST

/* The dump reads back as the same configuration; the password is hidden. */
START_TEST(t_dump)
{
	struct conf c;
	struct err e = ERR_INIT;
	char path[4200], dump1[4200], *a, *b;
	FILE *f;

	setenv("FEEDMAIL_TEST_PW", "from-env", 1);
	snprintf(path, sizeof(path), "%s/full.conf", dir);
	snprintf(dump1, sizeof(dump1), "%s/dump1.conf", dir);
	testutil_write_file(path, FULL, 0600);
	conf_init(&c);
	ck_assert_msg(conf_load(&c, path, &e) == 0, "%s", e.msg);
	ck_assert_msg(conf_finish(&c, &e) == 0, "%s", e.msg);
	f = fopen(dump1, "w");
	conf_dump(&c, f);
	fclose(f);
	conf_release(&c);

	a = testutil_read_file(dump1, NULL);
	ck_assert_ptr_null(strstr(a, "from-env"));
	ck_assert_ptr_nonnull(strstr(a, "\n; password = ***\n"));
	ck_assert_ptr_nonnull(strstr(a, "\nmax_size = 512k\n"));
	ck_assert_ptr_nonnull(strstr(a, "\nstarttls = off\n"));
	ck_assert_ptr_nonnull(strstr(a, "\nadmin = ops@cluster.example\n"));

	conf_init(&c);
	ck_assert_msg(conf_load(&c, dump1, &e) == 0, "%s", e.msg);
	ck_assert_msg(conf_finish(&c, &e) == 0, "%s", e.msg);
	check_full(&c);
	f = fopen(path, "w");
	conf_dump(&c, f);
	fclose(f);
	conf_release(&c);
	b = testutil_read_file(path, NULL);
	/* the same apart from the "; read from" line */
	ck_assert_str_eq(strchr(a, '\n'), strchr(b, '\n'));
	free(a);
	free(b);
	unlink(path);
	unlink(dump1);
}
END_TEST

/* A password file others may read works, with a warning on stderr. */
START_TEST(t_password_mode)
{
	static const struct {
		mode_t mode;
		int warns;
	} modes[] = {
		{ 0600, 0 }, { 0400, 0 }, { 0640, 1 }, { 0604, 1 }, { 0620, 1 }
	};
	struct conf c;
	struct err e = ERR_INIT;
	char path[4200], pw[4200], log[4200], *text;
	size_t i;
	int saved;

	snprintf(path, sizeof(path), "%s/mode.conf", dir);
	snprintf(pw, sizeof(pw), "%s/mode-pw", dir);
	snprintf(log, sizeof(log), "%s/mode.log", dir);
	testutil_write_file(path,
			    "[smtp]\nhost = h\nuser = u\n"
			    "password_file = mode-pw\n",
			    0600);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		testutil_write_file(pw, "pw\n", modes[i].mode);
		saved = testutil_redirect_fd(2, log);
		conf_init(&c);
		ck_assert_int_eq(conf_load(&c, path, &e), 0);
		ck_assert_msg(conf_finish(&c, &e) == 0, "%s", e.msg);
		ck_assert_str_eq(c.smtp_password, "pw");
		conf_release(&c);
		testutil_restore_fd(2, saved);
		text = testutil_read_file(log, NULL);
		ck_assert_msg(!!strstr(text, "chmod 600") == modes[i].warns,
			      "mode %o: '%s'", (unsigned)modes[i].mode, text);
		free(text);
	}
	unlink(path);
	unlink(pw);
	unlink(log);
}
END_TEST

/* The smallest TZif file (RFC 8536): version 1, no transition, one type,
 * UTC. */
static int
put_utc_zone(const char *path)
{
	static const unsigned char tzif[44 + 6 + 4] = {
		'T',      'Z',        'i', 'f', [35] = 0, [39] = 1,
		[43] = 4, [50] = 'U', 'T', 'C', 0,
	};
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(tzif, 1, sizeof(tzif), f) != sizeof(tzif)) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
main(void)
{
	char p[4200];
	Suite *s;
	TCase *tc;
	int rc;

	if (getenv("HOME"))
		home = strdup(getenv("HOME"));
	if (!testutil_tmpdir(dir, sizeof(dir), "config")) {
		perror(dir);
		return EXIT_FAILURE;
	}
	/* a fake TZDIR: one good zone, one file that is not TZif */
	snprintf(p, sizeof(p), "%s/zoneinfo", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/zoneinfo/Test", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/zoneinfo/Test/Zone", dir);
	if (put_utc_zone(p) < 0) {
		perror(p);
		return EXIT_FAILURE;
	}
	snprintf(p, sizeof(p), "%s/zoneinfo/Test/Bad", dir);
	if (testutil_put_file(p, "# not a zone\n", 0644) < 0) {
		perror(p);
		return EXIT_FAILURE;
	}

	s = suite_create("conf");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, reset_env, NULL);
	tcase_add_loop_test(tc, t_row, 0, NROWS);
	tcase_add_test(tc, t_missing_file);
	tcase_add_test(tc, t_no_file);
	tcase_add_test(tc, t_table);
	tcase_add_test(tc, t_default_path);
	tcase_add_test(tc, t_default_store);
	tcase_add_test(tc, t_sample);
	tcase_add_test(tc, t_manpage);
	tcase_add_test(tc, t_dump);
	tcase_add_test(tc, t_password_mode);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	if (testutil_remove_tree(dir) < 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(home);
	return rc;
}
