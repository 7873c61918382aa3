/* feedmail doctor [--json] [--test-mail ADDRESS]: check the setup end to
 * end, one line per check: ok, warning (works, but likely not as meant),
 * problem (will fail; the exit status is the first problem's). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "mail/compose.h"
#include "mail/courier.h"
#include "mail/deliver.h"
#include "store/store.h"

static const char doctor_text[] =
	"\nChecks the configuration, the store (its files, its pages, the\n"
	"tags of feeds and subscribers), then the transport: for smtp it\n"
	"connects, shows what the server offers, checks its certificate and\n"
	"logs in as [smtp] user; for files, that the path can be written;\n"
	"for sendmail, that the program runs. One line per check: ok,\n"
	"warning or problem; the exit status is the first problem's.\n";

static const char *const transports[] = { "smtp", "sendmail", "mbox", "maildir",
					  "stdout" };

enum check_status { CHECK_OK, CHECK_WARNING, CHECK_PROBLEM };

static const char *const status_names[] = { "ok", "warning", "problem" };

/* What the checks found so far. */
struct doctor {
	struct ctx *ctx;
	json_t *json; /* --json: the checks, printed at the end */
	int worst;    /* the exit status of the first problem */
	int problems, warnings;
};

/* One check's line: printed now, or kept for --json. code is the exit
 * status a problem stands for. */
static void
say(struct doctor *d, enum check_status st, int code, const char *check,
    const char *fmt, ...)
{
	char detail[2048];
	struct buf text = BUF_INIT(BUF_MAX_LINE);
	const char *shown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (st == CHECK_PROBLEM) {
		d->problems++;
		if (!d->worst)
			d->worst = code ? code : EX_SOFTWARE;
	} else if (st == CHECK_WARNING) {
		d->warnings++;
	}
	/* a path, a server's reply: shown as it may be (JSON wants valid
	 * UTF-8; a terminal, no control sequences) */
	shown = cmd_printable(&text, detail);
	if (d->json) {
		/* out of memory: the line is lost, the exit status is not */
		json_array_append_new(d->json,
				      json_pack("{s:s, s:s, s:s}", "check",
						check, "status",
						status_names[st], "detail",
						shown ? shown : ""));
	} else {
		printf("%-7s %s: %s\n", status_names[st], check,
		       shown ? shown : "");
	}
	buf_release(&text);
}

/* The name of the user uid, or its number. */
static void
user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(out, size, "%s", pw.pw_name);
	else
		snprintf(out, size, "%lu", (unsigned long)uid);
}

/* The lines of text joined by ", ", or "(nothing)". */
static void
join_lines(char *out, size_t size, const char *text)
{
	size_t used = 0;
	const char *p, *nl;

	out[0] = '\0';
	for (p = text; *p && used < size; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		used += (size_t)snprintf(out + used, size - used, "%s%.*s",
					 used ? ", " : "", (int)(nl - p), p);
		if (!*nl)
			break;
	}
	if (!out[0])
		snprintf(out, size, "(nothing)");
}

static const char *
db_path(const struct ctx *ctx)
{
	return ctx->db_path ? ctx->db_path : conf_store_location(&ctx->cfg);
}

/* The config file: readable (it was read), and not open to others'
 * changes (it names the programs and files feedmail uses). */
static void
check_config(struct doctor *d)
{
	const char *path = d->ctx->cfg.path;
	struct stat st;

	if (!path) {
		say(d, CHECK_OK, 0, "config", "no file: defaults");
		return;
	}
	if (stat(path, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)))
		say(d, CHECK_WARNING, 0, "config",
		    "%s: others may change it (mode %04o): chmod go-w %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	else
		say(d, CHECK_OK, 0, "config", "%s", path);
}

/* [web] base_url, when set: mailbox providers act on a one-click link
 * only over https (RFC 8058 3.1). */
static void
check_web(struct doctor *d)
{
	const char *url = d->ctx->cfg.web_base_url;

	if (!url)
		return;
	if (strncasecmp(url, "https://", 8))
		say(d, CHECK_WARNING, 0, "web",
		    "[web] base_url %s is not https: mailbox providers ignore "
		    "a one-click unsubscribe link that is not (RFC 8058)",
		    url);
	else
		say(d, CHECK_OK, 0, "web", "base_url %s", url);
}

static void
check_store(struct doctor *d)
{
	struct store *s = d->ctx->store;
	int64_t pending = 0, failed = 0;
	struct err e = ERR_INIT;
	char *shown;

	if (store_digest_count(s, "pending", &pending, &e) < 0 ||
	    store_digest_count(s, "failed", &failed, &e) < 0) {
		say(d, CHECK_PROBLEM, err_exit_status(&e), "store", "%s",
		    e.msg);
		return;
	}
	shown = store_location_shown(db_path(d->ctx));
	say(d, CHECK_OK, 0, "store",
	    "%s, schema version %d; digests pending %lld, failed %lld",
	    shown ? shown : "?", store_schema_version(s), (long long)pending,
	    (long long)failed);
	free(shown);
}

/* The store file and its folder (SQLite writes its -wal and -shm files
 * beside it), then its run lock, as the user running this. A store this
 * user may only read is a warning: doctor run by another user is fine,
 * a run would not be. */
static void
check_store_files(struct doctor *d)
{
	const char *db = db_path(d->ctx);
	char why[512], *lock = NULL;
	int ro = store_read_only(d->ctx->store);

	/* PostgreSQL: no file; its run lock is an advisory lock */
	if (store_is_url(db)) {
		say(d, CHECK_OK, 0, "store files",
		    "a PostgreSQL store: the server keeps its files");
		return;
	}
	if (fs_access_denied(db, 1, why, sizeof(why)) != FS_DENIED_NONE || ro)
		say(d, CHECK_WARNING, 0, "store files",
		    "read-only for this user: run, send and add would fail: %s",
		    why[0] ? why : "opened read-only");
	else
		say(d, CHECK_OK, 0, "store files",
		    "the store and its folder can be read and written");
	if (asprintf(&lock, "%s.lock", db) < 0) {
		say(d, CHECK_PROBLEM, EX_OSERR, "lock", "out of memory");
		return;
	}
	if (fs_access_denied(lock, 1, why, sizeof(why)) != FS_DENIED_NONE)
		say(d, ro ? CHECK_WARNING : CHECK_PROBLEM, EX_NOPERM, "lock",
		    "%s: %s", lock, why);
	else
		say(d, CHECK_OK, 0, "lock", "%s: this user may take it", lock);
	free(lock);
}

/* store_check's callback: the first problems, one line each. */
struct integrity {
	struct doctor *d;
	int n;
};

static int
integrity_problem(const char *problem, void *arg, struct err *e)
{
	struct integrity *in = arg;

	(void)e;
	in->n++;
	say(in->d, CHECK_PROBLEM, EX_DATAERR, "store integrity", "%s", problem);
	return 0;
}

static void
check_integrity(struct doctor *d)
{
	struct integrity in = { d, 0 };
	struct err e = ERR_INIT;

	if (store_check(d->ctx->store, integrity_problem, &in, &e) < 0)
		say(d, CHECK_PROBLEM, err_exit_status(&e), "store integrity",
		    "%s", e.msg);
	else if (!in.n)
		say(d, CHECK_OK, 0, "store integrity",
		    "quick_check found "
		    "nothing wrong");
}

/*
 * Tags: every feed's tag followed by some subscriber, every subscriber's
 * tag carried by some feed; matched ignoring case and accents, as
 * --include words are. Kept in JSON objects keyed by the folded tag:
 * {"tag": as first seen, "n": how many}.
 */
struct tag_census {
	json_t *feed_tags, *sub_tags;
	long feeds, untagged_feeds, subs, untagged_subs;
};

static int
tag_count(json_t *map, const char *tag, struct err *e)
{
	struct buf key;
	json_t *o;
	int rc = -1;

	buf_init(&key, BUF_MAX_LINE);
	if (utf8_fold(&key, tag) < 0)
		goto out;
	o = json_object_get(map, key.data);
	if (!o) {
		o = json_pack("{s:s, s:I}", "tag", tag, "n", (json_int_t)0);
		if (!o || json_object_set_new(map, key.data, o) < 0)
			goto out;
	}
	json_object_set_new(o, "n",
			    json_integer(json_integer_value(
						 json_object_get(o, "n")) +
					 1));
	rc = 0;
out:
	buf_release(&key);
	return rc < 0 ? err_set(e, EX_OSERR, "out of memory") : 0;
}

static int
census_feed(const struct store_feed *f, void *arg, struct err *e)
{
	struct tag_census *c = arg;
	size_t i;

	c->feeds++;
	if (!f->tags.n)
		c->untagged_feeds++;
	for (i = 0; i < f->tags.n; i++)
		if (tag_count(c->feed_tags, f->tags.items[i], e) < 0)
			return -1;
	return 0;
}

static int
census_sub(const struct store_subscriber *sub, void *arg, struct err *e)
{
	struct tag_census *c = arg;
	size_t i;

	c->subs++;
	if (!sub->tags.n)
		c->untagged_subs++;
	for (i = 0; i < sub->tags.n; i++)
		if (tag_count(c->sub_tags, sub->tags.items[i], e) < 0)
			return -1;
	return 0;
}

static void
check_tags(struct doctor *d)
{
	struct tag_census c = { json_object(), json_object(), 0, 0, 0, 0 };
	struct err e = ERR_INIT;
	const char *key;
	json_t *o;
	int found = 0;

	if (!c.feed_tags || !c.sub_tags) {
		err_set(&e, EX_OSERR, "out of memory");
		goto failed;
	}
	if (store_feed_each(d->ctx->store, census_feed, &c, &e) < 0 ||
	    store_subscriber_each(d->ctx->store, census_sub, &c, &e) < 0)
		goto failed;
	if (!c.feeds || !c.subs) {
		say(d, CHECK_OK, 0, "tags", "%ld feed%s, %ld subscriber%s",
		    c.feeds, c.feeds == 1 ? "" : "s", c.subs,
		    c.subs == 1 ? "" : "s");
		goto out;
	}
	/* a subscriber without tags receives every feed */
	json_object_foreach(c.feed_tags, key, o)
	{
		if (c.untagged_subs || json_object_get(c.sub_tags, key))
			continue;
		found++;
		say(d, CHECK_WARNING, 0, "tags",
		    "no subscriber follows the tag '%s' (%lld feed%s)",
		    json_string_value(json_object_get(o, "tag")),
		    (long long)json_integer_value(json_object_get(o, "n")),
		    json_integer_value(json_object_get(o, "n")) == 1 ? "" :
								       "s");
	}
	json_object_foreach(c.sub_tags, key, o)
	{
		if (json_object_get(c.feed_tags, key))
			continue;
		found++;
		say(d, CHECK_WARNING, 0, "tags",
		    "no feed is tagged '%s' (followed by %lld subscriber%s)",
		    json_string_value(json_object_get(o, "tag")),
		    (long long)json_integer_value(json_object_get(o, "n")),
		    json_integer_value(json_object_get(o, "n")) == 1 ? "" :
								       "s");
	}
	if (c.untagged_feeds && !c.untagged_subs) {
		found++;
		say(d, CHECK_WARNING, 0, "tags",
		    "%ld feed%s without a tag reach%s nobody: every subscriber "
		    "follows tags",
		    c.untagged_feeds, c.untagged_feeds == 1 ? "" : "s",
		    c.untagged_feeds == 1 ? "es" : "");
	}
	if (!found)
		say(d, CHECK_OK, 0, "tags",
		    "every feed's tag is followed, every subscriber's tag "
		    "carried by a feed");
	goto out;
failed:
	say(d, CHECK_PROBLEM, err_exit_status(&e), "tags", "%s", e.msg);
out:
	json_decref(c.feed_tags);
	json_decref(c.sub_tags);
}

/* The SMTP password file: the user's own, and read by nobody else. */
static void
check_password_file(struct doctor *d)
{
	const char *path = d->ctx->cfg.smtp_password_file;
	char owner[64], me[64];
	struct stat st;

	if (!path)
		return;
	if (stat(path, &st) < 0) {
		say(d, CHECK_PROBLEM, EX_CONFIG, "password file", "%s: %s",
		    path, strerror(errno));
		return;
	}
	user_name(st.st_uid, owner, sizeof(owner));
	user_name(geteuid(), me, sizeof(me));
	if (st.st_uid != geteuid())
		say(d, CHECK_WARNING, 0, "password file",
		    "%s is owned by %s, not by %s who runs feedmail: "
		    "chown %s %s",
		    path, owner, me, me, path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		say(d, CHECK_WARNING, 0, "password file",
		    "%s: others may read it (mode %04o): chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	else if (st.st_uid == geteuid())
		say(d, CHECK_OK, 0, "password file",
		    "%s: owned by %s, mode %04o", path, owner,
		    (unsigned)(st.st_mode & 07777));
}

static void
check_smtp(struct doctor *d)
{
	static const char *const starttls[] = { "required", "optional", "off" };
	const struct conf *cfg = &d->ctx->cfg;
	const struct conf_relay *first = &cfg->smtp_relays[0];
	struct deliver_probe *p;
	struct err e = ERR_INIT;
	char joined[1024];

	p = calloc(1, sizeof(*p));
	if (!p) {
		say(d, CHECK_PROBLEM, EX_OSERR, "smtp", "out of memory");
		return;
	}
	/* the probe checks the first relay of [smtp] host */
	if (deliver_probe(cfg, p, &e) < 0) {
		say(d, CHECK_PROBLEM, err_exit_status(&e), "smtp",
		    "%s:%d: cannot reach it: %s", first->host, first->port,
		    e.msg);
		goto out;
	}
	say(d, CHECK_OK, 0, "smtp", "%s:%d, starttls %s, %s: %s", first->host,
	    first->port, starttls[cfg->starttls],
	    cfg->smtp_user ? "authenticating" : "no authentication",
	    p->greeting);
	join_lines(joined, sizeof(joined), p->offers);
	say(d, CHECK_OK, 0, "offers", "%s", joined);
	if (p->starttls_offered && cfg->starttls != CONF_STARTTLS_OFF) {
		say(d, p->tls ? CHECK_OK : CHECK_PROBLEM, EX_CONFIG, "STARTTLS",
		    "%s", p->tls_info);
		if (!p->tls)
			goto out;
		join_lines(joined, sizeof(joined), p->offers_tls);
		say(d, CHECK_OK, 0, "offers after STARTTLS", "%s", joined);
	} else if (cfg->starttls == CONF_STARTTLS_REQUIRED) {
		say(d, CHECK_PROBLEM, EX_CONFIG, "STARTTLS",
		    "required but the server does not offer it");
		goto out;
	}
	if (p->auth_status != DELIVER_AUTH_UNSET)
		say(d,
		    p->auth_status == DELIVER_AUTH_OK ? CHECK_OK :
							CHECK_PROBLEM,
		    EX_CONFIG, "login", "%s", p->auth);
out:
	free(p);
}

/* sendmail: deliver_open checks that the program can be run. */
static void
check_sendmail(struct doctor *d)
{
	const struct conf *cfg = &d->ctx->cfg;
	struct deliver *dv;
	struct err e = ERR_INIT;

	dv = deliver_open(cfg, &e);
	if (!dv) {
		say(d, CHECK_PROBLEM, err_exit_status(&e), "sendmail", "%s",
		    e.msg);
		return;
	}
	deliver_close(dv, NULL);
	say(d, CHECK_OK, 0, "sendmail", "%s can be run", cfg->sendmail);
}

/* mbox, Maildir: a Maildir is written inside path (made on first use when
 * its folder can be written); an mbox beside it. */
static void
check_path(struct doctor *d)
{
	const struct conf *cfg = &d->ctx->cfg;
	const char *path = cfg->digest_path, *slash;
	char *dir;
	int ok;

	if (!path)
		return;
	slash = strrchr(path, '/');
	dir = cfg->transport == CONF_TRANSPORT_MAILDIR || !slash ?
		      strdup(cfg->transport == CONF_TRANSPORT_MAILDIR ? path :
									".") :
		      strndup(path, (size_t)(slash - path + (slash == path)));
	if (!dir) {
		say(d, CHECK_PROBLEM, EX_OSERR, "path", "out of memory");
		return;
	}
	ok = access(dir, W_OK) == 0 ||
	     (cfg->transport == CONF_TRANSPORT_MAILDIR && access(dir, F_OK));
	say(d, ok ? CHECK_OK : CHECK_PROBLEM, EX_CANTCREAT, "path", "%s: %s",
	    path, ok ? "can be written" : "cannot be written");
	free(dir);
}

static void
check_transport(struct doctor *d)
{
	const struct conf *cfg = &d->ctx->cfg;

	say(d, CHECK_OK, 0, "transport", "%s, from %s",
	    transports[cfg->transport], cfg->from);
	switch (cfg->transport) {
	case CONF_TRANSPORT_SMTP:
		check_password_file(d);
		check_smtp(d);
		break;
	case CONF_TRANSPORT_MBOX:
	case CONF_TRANSPORT_MAILDIR:
		check_path(d);
		break;
	case CONF_TRANSPORT_SENDMAIL:
		check_sendmail(d);
		break;
	default:
		break;
	}
}

/* What the courier heard of the test mail. */
struct test_heard {
	int64_t id;
	int heard;
	struct deliver_result r;
};

static void
test_heard(void *arg, int64_t id, const struct deliver_result *r)
{
	struct test_heard *t = arg;

	if (id != t->id)
		return;
	t->heard = 1;
	t->r = *r;
}

/* Sends the composed test mail m directly, recording nothing: the store
 * is one this user may not write. 0 with *r, or -1 with e. */
static int
send_unrecorded(const struct conf *cfg, const char *seed,
		const struct compose_mail *m, struct deliver_result *r,
		struct err *e)
{
	struct compose_mail mail = *m;
	struct buf text, message;
	struct deliver *dv = NULL;
	struct deliver_message dm = { 0 };
	char *id = NULL;
	int rc = -1;

	buf_init(&text, BUF_MAX_DOC);
	buf_init(&message, BUF_MAX_DOC);
	id = compose_message_id(cfg, seed, 0, e);
	if (!id)
		goto out;
	mail.message_id = id;
	if (compose_render(cfg, &mail, &text, &message, e) < 0)
		goto out;
	dv = deliver_open(cfg, e);
	if (!dv)
		goto out;
	dm.data = message.data;
	dm.len = message.len;
	dm.envelope_from = cfg->from_addr;
	dm.rcpts = &m->to_addr;
	dm.nrcpts = 1;
	rc = deliver_send(dv, &dm, r, e);
out:
	if (dv && deliver_close(dv, rc < 0 ? NULL : e) < 0)
		rc = -1;
	buf_release(&message);
	buf_release(&text);
	free(id);
	return rc;
}

/* Records m in the outbox (a report of kind "test") and has the courier
 * carry it, as any other mail, holding the run lock meanwhile so that no
 * run carries it too. Its first outcome is its last: the doctor says it
 * now, and no run tries it again. 0 with *r, or -1 with e. */
static int
send_recorded(struct ctx *ctx, const char *seed, const struct compose_mail *m,
	      struct deliver_result *r, struct err *e)
{
	const char *db = ctx->db_path ? ctx->db_path :
					conf_store_location(&ctx->cfg);
	struct test_heard t = { 0 };
	struct store_lock *lock;
	struct courier c;
	struct err ignored = ERR_INIT;
	int rc = -1;

	lock = store_lock_run(db, "doctor", ctx->cfg.lock_timeout, m->date, e);
	if (!lock)
		return -1;
	courier_init(&c);
	rc = compose_report(ctx->store, &ctx->cfg, "test", seed, seed, m, &t.id,
			    e);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, EX_SOFTWARE,
				"a test mail '%s' exists already", seed);
		rc = -1;
		goto out;
	}
	c.store = ctx->store;
	c.cfg = &ctx->cfg;
	c.now = m->date;
	c.only = t.id;
	c.final = 1;
	c.heard = test_heard;
	c.heard_arg = &t;
	if (courier_run(&c, e) < 0)
		goto unsent;
	/* the transport failing as a whole (AUTH, TLS, 421) says more than
	 * the test mail's own result, which only repeats it */
	if (c.counts.transport_code) {
		err_set(e, c.counts.transport_code, "%s",
			c.counts.transport_error);
		goto unsent;
	}
	if (!t.heard) {
		err_set(e, EX_SOFTWARE, "the test mail was not sent");
		goto unsent;
	}
	*r = t.r;
	rc = 0;
	goto out;
unsent:
	/* whatever kept it, it is not tried again either */
	store_outbox_mark(ctx->store, t.id, STORE_DIGEST_FAILED, e->msg,
			  m->date, 0, &ignored);
	rc = -1;
out:
	courier_release(&c);
	store_unlock_run(lock);
	return rc;
}

/* The test mail's words, in [digest] language, as a digest without a
 * subscriber's own language would be. */
struct test_words {
	const char *lang, *subject, *text;
};

static const struct test_words test_words[] = {
	{ "en", "feedmail test message",
	  "This message was sent by feedmail doctor --test-mail: the "
	  "digests\nwill travel the same way.\n" },
	{ "fr", "Message de test de feedmail",
	  "Ce message a \xc3\xa9t\xc3\xa9 envoy\xc3\xa9 par feedmail doctor "
	  "--test-mail : les\nveilles suivront le m\xc3\xaame chemin.\n" },
};

static const struct test_words *
test_words_for(const struct conf *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(test_words) / sizeof(test_words[0]); i++)
		if (cfg->language && !strcmp(cfg->language, test_words[i].lang))
			return &test_words[i];
	return &test_words[0];
}

/* The test mail: composed as any mail is, then through the outbox
 * (send_recorded), or directly when the store is one this user may only
 * read (doctor run as another user). */
static void
send_test(struct doctor *d, const char *to)
{
	const struct test_words *w = test_words_for(&d->ctx->cfg);
	struct compose_mail m = { 0 };
	struct deliver_result r = { 0 };
	struct err e = ERR_INIT;
	char seed[64], check[320];
	int rc;

	snprintf(check, sizeof(check), "test mail to %s", to);
	if (addr_validate(to, &e) < 0)
		goto failed;
	m.date = clock_now();
	snprintf(seed, sizeof(seed), "test-%lld-%ld", (long long)m.date,
		 (long)getpid());
	m.to_addr = to;
	m.subject = w->subject;
	m.text = w->text;
	if (store_read_only(d->ctx->store))
		rc = send_unrecorded(&d->ctx->cfg, seed, &m, &r, &e);
	else
		rc = send_recorded(d->ctx, seed, &m, &r, &e);
	if (rc < 0)
		goto failed;
	say(d, r.status == DELIVER_OK ? CHECK_OK : CHECK_PROBLEM,
	    r.status == DELIVER_TEMPFAIL ? EX_TEMPFAIL : EX_UNAVAILABLE, check,
	    "%s: %d %s", r.status == DELIVER_OK ? "accepted" : "refused",
	    r.code, r.reply);
	return;
failed:
	say(d, CHECK_PROBLEM, err_exit_status(&e), check, "%s", e.msg);
}

int
cmd_doctor(int argc, char **argv, struct ctx *ctx)
{
	const char *test_to = NULL;
	int json = 0;
	const struct opt opts[] = {
		OPT_FLAG(
			"json", 0, &json,
			"the checks as a JSON array of {check, status, detail}"),
		OPT_STRING("test-mail", 't', &test_to, "ADDRESS",
			   "also send a short test message there"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--json] [--test-mail ADDRESS]", opts,
				       23, doctor_text };
	struct doctor d = { ctx, NULL, 0, 0, 0 };
	int rc;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	if (json && !(d.json = json_array())) {
		log_error("doctor: out of memory");
		return EX_OSERR;
	}
	if (ctx->setup_failed) {
		/* nothing more can be checked without it; --json still says
		 * so, as an array */
		say(&d, CHECK_PROBLEM, err_exit_status(&ctx->setup_err),
		    ctx->setup_failed, "%s", ctx->setup_err.msg);
		goto done;
	}
	check_config(&d);
	check_web(&d);
	check_store(&d);
	check_store_files(&d);
	check_integrity(&d);
	check_tags(&d);
	check_transport(&d);
	if (test_to && !d.worst)
		send_test(&d, test_to);
	else if (test_to)
		say(&d, CHECK_WARNING, 0, "test mail",
		    "not sent to %s: the problems above come first", test_to);
done:
	if (d.json) {
		rc = cmd_print_json(d.json);
		json_decref(d.json);
		return rc ? rc : d.worst;
	}
	if (d.problems)
		printf("doctor: %d problem%s found (see above)\n", d.problems,
		       d.problems == 1 ? "" : "s");
	else if (d.warnings)
		printf("doctor: no problems, %d warning%s (see above)\n",
		       d.warnings, d.warnings == 1 ? "" : "s");
	else
		puts("doctor: all good");
	return d.worst;
}
