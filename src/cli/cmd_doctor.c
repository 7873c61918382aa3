/* feedmail doctor [--test-mail ADDRESS]: check the setup end to end. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "mail/compose.h"
#include "mail/courier.h"
#include "mail/deliver.h"
#include "store/store.h"

static const char doctor_text[] =
	"\nChecks the configuration and the store, then the transport: for\n"
	"smtp it connects, shows what the server offers (STARTTLS, AUTH\n"
	"mechanisms, SIZE...), and checks its certificate; for files, that\n"
	"the path can be written; for sendmail, that the program runs.\n";

static const char *const transports[] = { "smtp", "sendmail", "mbox", "maildir",
					  "stdout" };

/* Prints lines of text indented, or "(nothing)". */
static void
print_lines(const char *label, const char *text)
{
	const char *p = text, *nl;

	printf("  %s:", label);
	if (!*p) {
		puts(" (nothing)");
		return;
	}
	putchar('\n');
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		printf("    %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

static int
check_store(struct ctx *ctx)
{
	int64_t pending = 0, failed = 0;
	struct err e = ERR_INIT;

	if (store_digest_count(ctx->store, "pending", &pending, &e) < 0 ||
	    store_digest_count(ctx->store, "failed", &failed, &e) < 0) {
		printf("store: %s\n", e.msg);
		return err_exit_status(&e);
	}
	printf("store: %s, schema version %d%s; digests pending %lld, "
	       "failed %lld\n",
	       ctx->db_path ? ctx->db_path : ctx->cfg.store_path,
	       store_schema_version(ctx->store),
	       store_read_only(ctx->store) ? ", read-only for this user" : "",
	       (long long)pending, (long long)failed);
	return 0;
}

static int
check_smtp(const struct conf *cfg)
{
	static const char *const starttls[] = { "required", "optional", "off" };
	struct deliver_probe p;
	struct err e = ERR_INIT;
	const char *offers;

	printf("  server: %s:%d, starttls %s, %s\n", cfg->smtp_host,
	       cfg->smtp_port, starttls[cfg->starttls],
	       cfg->smtp_user ? "authenticating" : "no authentication");
	if (deliver_probe(cfg, &p, &e) < 0) {
		printf("  cannot reach it: %s\n", e.msg);
		return err_exit_status(&e);
	}
	printf("  greeting: %s\n", p.greeting);
	print_lines("offers", p.offers);
	if (p.starttls_offered && cfg->starttls != CONF_STARTTLS_OFF) {
		printf("  STARTTLS: %s\n", p.tls_info);
		if (!p.tls)
			return EX_CONFIG;
		print_lines("offers after STARTTLS", p.offers_tls);
	} else if (cfg->starttls == CONF_STARTTLS_REQUIRED) {
		puts("  STARTTLS: required but the server does not offer it");
		return EX_CONFIG;
	}
	offers = p.tls ? p.offers_tls : p.offers;
	if (cfg->smtp_user && !strstr(offers, "AUTH")) {
		puts("  AUTH: a user is set but the server offers no AUTH");
		return EX_CONFIG;
	}
	return 0;
}

static int
check_path(const struct conf *cfg)
{
	const char *path = cfg->digest_path, *slash;
	char *dir;
	int ok;

	if (!path)
		return 0;
	/* a Maildir is written inside path; an mbox beside it */
	slash = strrchr(path, '/');
	dir = cfg->transport == CONF_TRANSPORT_MAILDIR || !slash ?
		      strdup(cfg->transport == CONF_TRANSPORT_MAILDIR ? path :
									".") :
		      strndup(path, (size_t)(slash - path + (slash == path)));
	if (!dir)
		return EX_OSERR;
	ok = access(dir, W_OK) == 0 ||
	     (cfg->transport == CONF_TRANSPORT_MAILDIR && access(dir, F_OK));
	printf("  %s: %s\n", path, ok ? "can be written" : "cannot be written");
	free(dir);
	return ok ? 0 : EX_CANTCREAT;
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
	const char *db = ctx->db_path ? ctx->db_path : ctx->cfg.store_path;
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

/* The test mail: composed as any mail is, then through the outbox
 * (send_recorded), or directly when the store is one this user may only
 * read (doctor run as another user). */
static int
send_test(struct ctx *ctx, const char *to)
{
	struct compose_mail m = { 0 };
	struct deliver_result r = { 0 };
	struct err e = ERR_INIT;
	char seed[64];
	int rc;

	if (addr_validate(to, &e) < 0)
		goto failed;
	m.date = clock_now();
	snprintf(seed, sizeof(seed), "test-%lld-%ld", (long long)m.date,
		 (long)getpid());
	m.to_addr = to;
	m.subject = "feedmail test message";
	m.text = "This message was sent by feedmail doctor --test-mail: the "
		 "digests\nwill travel the same way.\n";
	if (store_read_only(ctx->store))
		rc = send_unrecorded(&ctx->cfg, seed, &m, &r, &e);
	else
		rc = send_recorded(ctx, seed, &m, &r, &e);
	if (rc < 0)
		goto failed;
	printf("test mail to %s: %s: %d %s\n", to,
	       r.status == DELIVER_OK ? "accepted" : "refused", r.code,
	       r.reply);
	return r.status == DELIVER_OK       ? 0 :
	       r.status == DELIVER_TEMPFAIL ? EX_TEMPFAIL :
					      EX_UNAVAILABLE;
failed:
	printf("test mail to %s: %s\n", to, e.msg);
	return err_exit_status(&e);
}

int
cmd_doctor(int argc, char **argv, struct ctx *ctx)
{
	const char *test_to = NULL;
	const struct opt opts[] = {
		OPT_STRING("test-mail", 't', &test_to, "ADDRESS",
			   "also send a short test message there"),
		OPT_HELP(),
		OPT_END(),
	};
	const struct opt_help help = { "[--test-mail ADDRESS]", opts, 23,
				       doctor_text };
	const struct conf *cfg;
	int rc, worst = 0;

	rc = opt_parse(argc, argv, argv[0], &help, OPT_NO_OPERANDS);
	if (rc >= 0)
		return rc;
	cfg = &ctx->cfg;
	printf("config: %s\n", cfg->path ? cfg->path : "no file: defaults");
	worst = check_store(ctx);
	printf("transport: %s, from %s\n", transports[cfg->transport],
	       cfg->from);
	switch (cfg->transport) {
	case CONF_TRANSPORT_SMTP:
		rc = check_smtp(cfg);
		break;
	case CONF_TRANSPORT_MBOX:
	case CONF_TRANSPORT_MAILDIR:
		rc = check_path(cfg);
		break;
	case CONF_TRANSPORT_SENDMAIL:
		rc = access(cfg->sendmail, X_OK) == 0 ? 0 : EX_UNAVAILABLE;
		printf("  %s: %s\n", cfg->sendmail,
		       rc ? "cannot be run" : "can be run");
		break;
	default:
		rc = 0;
		break;
	}
	if (rc && !worst)
		worst = rc;
	if (test_to && !worst) {
		rc = send_test(ctx, test_to);
		if (rc)
			worst = rc;
	}
	puts(worst ? "doctor: problems found (see above)" : "doctor: all good");
	return worst;
}
