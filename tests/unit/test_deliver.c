/*
 * Unit tests for src/deliver: what deliver_queue() accepts, and the mbox,
 * Maildir, sendmail and stdout transports (the SMTP transport has its own
 * program, test_deliver_smtp, with a real server). sendmail is played by
 * the scripts in tests/fixtures/deliver/.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/err.h"
#include "mail/deliver.h"
#include "testutil.h"

static char tmpdir[256];

/* ---- helpers */

static void
assert_file(const char *path, const char *want)
{
	size_t len;
	char *got = testutil_read_file(path, &len);

	ck_assert_msg(len == strlen(want) && !memcmp(got, want, len),
		      "%s:\n--- got\n%s--- want\n%s---", path, got, want);
	free(got);
}

/* A fresh path under tmpdir, unique per call. */
static void
fresh(char *out, size_t size, const char *name)
{
	testutil_fresh_path(out, size, tmpdir, name);
}

/* The names in folder (not . and ..), sorted; returns how many. */
static int
list_dir(const char *folder, char names[][256], int max)
{
	DIR *dir = opendir(folder);
	struct dirent *de;
	char tmp[256];
	int n = 0, i, j;

	ck_assert_msg(dir != NULL, "%s: %s", folder, strerror(errno));
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n < max)
			snprintf(names[n], 256, "%s", de->d_name);
		n++;
	}
	closedir(dir);
	for (i = 0; i < n && i < max; i++)
		for (j = i + 1; j < n && j < max; j++)
			if (strcmp(names[i], names[j]) > 0) {
				memcpy(tmp, names[i], 256);
				memcpy(names[i], names[j], 256);
				memcpy(names[j], tmp, 256);
			}
	return n;
}

static const char *const one_rcpt[] = { "a@example.org" };

static struct deliver_message
message(const char *data)
{
	struct deliver_message m = { 0 };

	m.data = data;
	m.len = strlen(data);
	m.envelope_from = "bounces@example.org";
	m.rcpts = one_rcpt;
	m.nrcpts = 1;
	return m;
}

static void
file_config(struct conf *cfg, enum conf_transport t, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->transport = t;
	cfg->digest_path = (char *)path;
}

/* What done() saw. */
struct seen {
	int calls;
	size_t index[8];
	struct deliver_result first[8];
};

static int
on_done(void *arg, size_t index, const struct deliver_message *m,
	const struct deliver_result *results, struct err *e)
{
	struct seen *s = arg;

	(void)m;
	(void)e;
	if (s->calls < 8) {
		s->index[s->calls] = index;
		s->first[s->calls] = results[0];
	}
	s->calls++;
	return 0;
}

#define HEAD                                        \
	"Date: Thu, 26 Nov 2026 07:00:00 +0000\r\n" \
	"From: feedmail <digest@example.org>\r\n"   \
	"Subject: test\r\n"                         \
	"Message-ID: <t@example.org>\r\n"           \
	"\r\n"
#define HEAD_LF                                   \
	"Date: Thu, 26 Nov 2026 07:00:00 +0000\n" \
	"From: feedmail <digest@example.org>\n"   \
	"Subject: test\n"                         \
	"Message-ID: <t@example.org>\n"           \
	"\n"
/* FEEDMAIL_NOW is 2026-11-26T07:00:00Z */
#define FROM_LINE "From bounces@example.org Thu Nov 26 07:00:00 2026\n"

/* ---- deliver_queue: what it accepts */

static char addr254[255], addr255[256];
static const char *rcpts100[101];

static const struct {
	const char *name;
	const char *data; /* NULL: HEAD "body\r\n" */
	const char *from;
	const char *rcpt; /* NULL: rcpts100 with nrcpts */
	size_t nrcpts;
	int code;          /* 0: accepted */
	const char *error; /* in the message */
} queue_cases[] = {
	{ "minimal", "x\r\n", "a@x.org", "b@x.org", 1, 0, NULL },
	{ "no final CRLF", "x", "a@x.org", "b@x.org", 1, 0, NULL },
	{ "null sender", NULL, "", "b@x.org", 1, 0, NULL },
	{ "empty", "", "a@x.org", "b@x.org", 1, EX_DATAERR, "empty message" },
	{ "bare LF", "a\r\nb\nc\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare LF at offset 4" },
	{ "LF first", "\nx\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare LF at offset 0" },
	{ "smuggling", "a\r\n\n.\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare LF at offset 3" },
	{ "bare CR", "a\rb\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare CR at offset 1" },
	{ "CR last", "a\r\nb\r", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare CR at offset 4" },
	{ "CR CR LF", "a\r\r\nb\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare CR at offset 1" },
	{ "LF then CRLF", "a\nb\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare LF at offset 1" },
	{ "CR before a later LF", "a\r\nb\rc\nd\r\n", "a@x.org", "b@x.org", 1,
	  EX_DATAERR, "message is not CRLF text: bare CR at offset 4" },
	{ "LF CR", "a\r\n\n\r\n", "a@x.org", "b@x.org", 1, EX_DATAERR,
	  "message is not CRLF text: bare LF at offset 3" },
	{ "CRLF lines", "a\r\n\r\n.\r\n..\r\nb", "a@x.org", "b@x.org", 1, 0,
	  NULL },
	/* the envelope checked as addr_validate checks an address, the
	 * reason naming it */
	{ "sender with space", NULL, "a b@x.org", "b@x.org", 1, EX_DATAERR,
	  "sender: 'a b@x.org': invalid character ' ' in local part" },
	{ "sender in brackets", NULL, "<a@x.org>", "b@x.org", 1, EX_DATAERR,
	  "sender: '<a@x.org>': give the bare address" },
	{ "sender with CRLF", NULL, "a@x.org\r\nRCPT TO:<c@x.org>", "b@x.org",
	  1, EX_DATAERR, "sender: 'a@x.org\\x0D\\x0ARCPT" },
	{ "sender not ASCII", NULL, "\xc3\xa9@x.org", "b@x.org", 1, EX_DATAERR,
	  "sender: '\xc3\xa9@x.org': non-ASCII local parts" },
	{ "no recipient", NULL, "a@x.org", "b@x.org", 0, EX_DATAERR,
	  "message has no recipient" },
	{ "empty recipient", NULL, "a@x.org", "", 1, EX_DATAERR,
	  "recipient: '': empty address" },
	{ "recipient with >", NULL, "a@x.org", "b@x.org>", 1, EX_DATAERR,
	  "recipient: 'b@x.org>': give the bare address" },
	{ "recipient quoted", NULL, "a@x.org", "\"bob smith\"@x.org", 1,
	  EX_DATAERR,
	  "recipient: '\"bob smith\"@x.org': quoted local parts "
	  "are not supported" },
	{ "recipient not ASCII", NULL, "a@x.org",
	  "\xc3\xa9lise@soci\xc3\xa9t\xc3\xa9.fr", 1, EX_DATAERR,
	  "recipient: '\xc3\xa9lise@soci\xc3\xa9t\xc3\xa9.fr': non-ASCII "
	  "local parts are not supported: they need SMTPUTF8" },
	{ "recipient not IDNA", NULL, "a@x.org", "b@\xe2\x98\x83.example", 1,
	  EX_DATAERR,
	  "recipient: 'b@\xe2\x98\x83.example': not a valid "
	  "international domain name" },
	{ "recipient IDN", NULL, "a@x.org", "contact@soci\xc3\xa9t\xc3\xa9.fr",
	  1, 0, NULL },
	{ "sender IDN", NULL,
	  "a@b\xc3\xbc"
	  "cher.example",
	  "b@x.org", 1, 0, NULL },
	{ "recipient at the cap", NULL, "a@x.org", addr254, 1, 0, NULL },
	{ "recipient one past", NULL, "a@x.org", addr255, 1, EX_DATAERR,
	  "address longer than 254 octets" },
	{ "100 recipients", NULL, "a@x.org", NULL, 100, 0, NULL },
	{ "101 recipients", NULL, "a@x.org", NULL, 101, EX_DATAERR,
	  "message has 101 recipients: at most 100" },
};

/* A NUL anywhere is refused, before or after a bad line break. */
START_TEST(test_queue_nul)
{
	static const struct {
		const char *data;
		size_t len;
		const char *error;
	} cases[] = {
		{ "a\r\n\0b\r\n", 7, "NUL at offset 3" },
		{ "\0", 1, "NUL at offset 0" },
		{ "a\r\0\n", 4, "bare CR at offset 1" },
		{ "a\nb\0", 4, "bare LF at offset 1" },
	};
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "body\r\n");
	size_t i;

	file_config(&cfg, CONF_TRANSPORT_STDOUT, NULL);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.data = cases[i].data;
		m.len = cases[i].len;
		err_clear(&e);
		ck_assert_int_eq(deliver_queue(d, &m, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert_msg(strstr(e.msg, cases[i].error) != NULL,
			      "case %zu: got '%s'", i, e.msg);
	}
	ck_assert_uint_eq(deliver_queued(d), 0);
	ck_assert_int_eq(deliver_close(d, &e), 0);
}
END_TEST

START_TEST(test_queue)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "body\r\n");
	const char *rcpt = queue_cases[_i].rcpt;
	int rc;

	file_config(&cfg, CONF_TRANSPORT_STDOUT, NULL);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	if (queue_cases[_i].data) {
		m.data = queue_cases[_i].data;
		m.len = strlen(m.data);
	}
	m.envelope_from = queue_cases[_i].from;
	m.rcpts = rcpt ? &rcpt : rcpts100;
	m.nrcpts = queue_cases[_i].nrcpts;
	rc = deliver_queue(d, &m, &e);
	if (!queue_cases[_i].code) {
		ck_assert_msg(rc == 0, "%s: %s", queue_cases[_i].name, e.msg);
		ck_assert_uint_eq(deliver_queued(d), 1);
		/* dropped unsent: close says so */
		ck_assert_int_eq(deliver_close(d, &e), -1);
		ck_assert_int_eq(e.code, EX_SOFTWARE);
		ck_assert_str_eq(e.msg, "1 queued messages were never sent");
		return;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, queue_cases[_i].code);
	ck_assert_msg(strstr(e.msg, queue_cases[_i].error) != NULL,
		      "%s: got '%s'", queue_cases[_i].name, e.msg);
	ck_assert_uint_eq(deliver_queued(d), 0);
	ck_assert_int_eq(deliver_close(d, &e), 0);
}
END_TEST

START_TEST(test_send_refused_message)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message("a\nb\r\n");
	struct deliver_result r[1];

	file_config(&cfg, CONF_TRANSPORT_STDOUT, NULL);
	d = deliver_open(&cfg, &e);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(r[0].status, DELIVER_PERMFAIL);
	ck_assert_str_eq(r[0].reply, e.msg);
	ck_assert_int_eq(deliver_close(d, &e), 0);
}
END_TEST

START_TEST(test_status_names)
{
	ck_assert_str_eq(deliver_status_name(DELIVER_OK), "ok");
	ck_assert_str_eq(deliver_status_name(DELIVER_TEMPFAIL), "tempfail");
	ck_assert_str_eq(deliver_status_name(DELIVER_PERMFAIL), "permfail");
	ck_assert_int_eq(deliver_close(NULL, NULL), 0);
}
END_TEST

/* ---- mbox */

/* {a body line, as the mbox must hold it} (mboxrd) */
static const struct {
	const char *line, *want;
} escapes[] = {
	{ "From here", ">From here" },
	{ "From ", ">From " },
	{ ">From here", ">>From here" },
	{ ">>From here", ">>>From here" },
	{ ">>>>From x", ">>>>>From x" },
	{ "From", "From" }, /* no space: not a From line */
	{ "Fromage", "Fromage" },
	{ "From:", "From:" },
	{ ">From", ">From" },
	{ "> From here", "> From here" },
	{ " From here", " From here" },
	{ "from here", "from here" }, /* the match is exact */
	{ "", "" },
	{ ".", "." },
};

START_TEST(test_mbox_escaping)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m;
	struct deliver_result r[1];
	char path[300], data[512], want[1024];
	struct stat st;

	fresh(path, sizeof(path), "mbox");
	file_config(&cfg, CONF_TRANSPORT_MBOX, path);
	snprintf(data, sizeof(data), HEAD "%s\r\nend\r\n", escapes[_i].line);
	snprintf(want, sizeof(want), FROM_LINE HEAD_LF "%s\nend\n\n",
		 escapes[_i].want);
	m = message(data);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	ck_assert_int_eq(r[0].code, 0);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	assert_file(path, want);
	/* a new mbox is its owner's only */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_mbox_appends)
{
	static const char *const two[] = { "a@example.org", "b@example.org" };
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m1 = message(HEAD "one\r\n");
	struct deliver_message m2 = message(HEAD "two\r\nFrom me\r\n");
	struct deliver_message m3 = message(HEAD "three");
	struct seen s;
	char path[400], sub[300];

	/* the folders above are made; a file that does not end with a
	 * blank line is mended first */
	fresh(sub, sizeof(sub), "sub");
	snprintf(path, sizeof(path), "%s/deeper/mbox", sub);
	file_config(&cfg, CONF_TRANSPORT_MBOX, path);
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	testutil_write_file(path, "From x Thu Nov 26 06:00:00 2026\nold\n",
			    0644);
	memset(&s, 0, sizeof(s));
	m2.envelope_from = "";
	m2.rcpts = two;
	m2.nrcpts = 2;
	ck_assert_int_eq(deliver_queue(d, &m1, &e), 0);
	ck_assert_int_eq(deliver_queue(d, &m2, &e), 0);
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), 0);
	ck_assert_int_eq(s.calls, 2);
	ck_assert_uint_eq(s.index[0], 0);
	ck_assert_uint_eq(s.index[1], 1);
	ck_assert_int_eq(s.first[1].status, DELIVER_OK);
	ck_assert_int_eq(deliver_queue(d, &m3, &e), 0);
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), 0);
	ck_assert_int_eq(s.calls, 3);
	ck_assert_uint_eq(s.index[2], 0); /* counted from each flush */
	ck_assert_int_eq(deliver_close(d, &e), 0);
	assert_file(path,
		    "From x Thu Nov 26 06:00:00 2026\nold\n\n" FROM_LINE HEAD_LF
		    "one\n\n"
		    "From MAILER-DAEMON Thu Nov 26 07:00:00 2026\n" HEAD_LF
		    "two\n>From me\n\n" FROM_LINE HEAD_LF "three\n\n");
}
END_TEST

static int
fail_done(void *arg, size_t index, const struct deliver_message *m,
	  const struct deliver_result *results, struct err *e)
{
	(void)index;
	(void)m;
	(void)results;
	(*(int *)arg)++;
	return err_set(e, EX_IOERR, "the store is gone");
}

/* done() failing: not called again, the rest delivered all the same,
 * deliver_flush failing with done's error; the next flush starts afresh. */
START_TEST(test_done_fails)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m1 = message(HEAD "one\r\n");
	struct deliver_message m3 = message(HEAD "three");
	struct seen s;
	char path[400];
	int calls = 0;

	fresh(path, sizeof(path), "done-fails");
	file_config(&cfg, CONF_TRANSPORT_MBOX, path);
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	ck_assert_int_eq(deliver_queue(d, &m1, &e), 0);
	ck_assert_int_eq(deliver_queue(d, &m3, &e), 0);
	ck_assert_int_eq(deliver_flush(d, fail_done, &calls, &e), -1);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_str_eq(e.msg, "the store is gone");
	assert_file(path,
		    FROM_LINE HEAD_LF "one\n\n" FROM_LINE HEAD_LF "three\n\n");
	memset(&s, 0, sizeof(s));
	e = (struct err)ERR_INIT;
	ck_assert_int_eq(deliver_queue(d, &m1, &e), 0);
	ck_assert_int_eq(deliver_flush(d, on_done, &s, &e), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(deliver_close(d, &e), 0);
}
END_TEST

/* Another program holds the mbox lock for a while: deliver waits for it,
 * then appends after what that program wrote. The other program holds it
 * from before deliver_send() starts (ready) until half a second after
 * (go), however long deliver_open() took on a loaded machine; had
 * deliver_send() not waited, "mine" would come first. */
START_TEST(test_mbox_lock)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "mine\r\n");
	struct deliver_result r[1];
	static const char theirs[] =
		"From other Thu Nov 26 06:59:59 2026\ntheirs\n\n";
	struct flock fl;
	char path[300], c;
	int ready[2], go[2], fd, status;
	double t;
	pid_t pid;

	fresh(path, sizeof(path), "mbox");
	file_config(&cfg, CONF_TRANSPORT_MBOX, path);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0600);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		usleep(500000);
		if (write(fd, theirs, sizeof(theirs) - 1) !=
		    (ssize_t)sizeof(theirs) - 1)
			_exit(1);
		_exit(0); /* and the lock goes with the process */
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	t = testutil_now();
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	t = testutil_now() - t;
	ck_assert_int_eq(deliver_close(d, &e), 0);
	ck_assert_msg(t >= 0.4, "did not wait for the lock (%.3f s)", t);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the lock holder failed");
	assert_file(path,
		    "From other Thu Nov 26 06:59:59 2026\ntheirs\n\n" FROM_LINE
			    HEAD_LF "mine\n\n");
}
END_TEST

START_TEST(test_mbox_cannot_open)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[1];
	char path[300];

	/* a folder where the file should be */
	fresh(path, sizeof(path), "dir");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	file_config(&cfg, CONF_TRANSPORT_MBOX, path);
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_msg(strstr(e.msg, "Is a directory") != NULL, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	ck_assert_str_eq(r[0].reply, e.msg);
	deliver_close(d, NULL);
}
END_TEST

/* ---- maildir */

START_TEST(test_maildir)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m1 = message(HEAD "one\r\nFrom me\r\n");
	struct deliver_message m2 = message(HEAD "two\r\n");
	struct seen s;
	char path[300], sub[400], file[700], names[4][256];
	struct stat st;

	fresh(path, sizeof(path), "Maildir");
	file_config(&cfg, CONF_TRANSPORT_MAILDIR, path);
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	/* opening made the three folders */
	snprintf(sub, sizeof(sub), "%s/cur", path);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(deliver_queue(d, &m1, &e), 0);
	ck_assert_int_eq(deliver_queue(d, &m2, &e), 0);
	ck_assert_msg(deliver_flush(d, on_done, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(s.calls, 2);
	ck_assert_int_eq(s.first[0].status, DELIVER_OK);
	ck_assert_int_eq(deliver_close(d, &e), 0);

	snprintf(sub, sizeof(sub), "%s/tmp", path);
	ck_assert_int_eq(list_dir(sub, names, 4), 0);
	snprintf(sub, sizeof(sub), "%s/cur", path);
	ck_assert_int_eq(list_dir(sub, names, 4), 0);
	snprintf(sub, sizeof(sub), "%s/new", path);
	ck_assert_int_eq(list_dir(sub, names, 4), 2);
	ck_assert_str_ne(names[0], names[1]);
	/* SECONDS.MmicrosPpidQn.HOST, in order of delivery */
	ck_assert_ptr_nonnull(strstr(names[0], ".M"));
	ck_assert_ptr_nonnull(strstr(names[0], "Q1."));
	ck_assert_ptr_nonnull(strstr(names[1], "Q2."));
	ck_assert_ptr_null(strchr(names[0], '/'));
	ck_assert_ptr_null(strchr(names[0], ':'));
	snprintf(file, sizeof(file), "%s/%s", sub,
		 strstr(names[0], "Q1.") ? names[0] : names[1]);
	assert_file(file, HEAD_LF "one\nFrom me\n");
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(file, sizeof(file), "%s/%s", sub,
		 strstr(names[0], "Q2.") ? names[0] : names[1]);
	assert_file(file, HEAD_LF "two\n");
}
END_TEST

START_TEST(test_maildir_not_a_folder)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	char path[300];

	fresh(path, sizeof(path), "file");
	testutil_write_file(path, "x", 0644);
	file_config(&cfg, CONF_TRANSPORT_MAILDIR, path);
	ck_assert_ptr_null(deliver_open(&cfg, &e));
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_msg(strstr(e.msg, "Not a directory") != NULL, "%s", e.msg);
	file_config(&cfg, CONF_TRANSPORT_MAILDIR, NULL);
	ck_assert_ptr_null(deliver_open(&cfg, &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
}
END_TEST

/* ---- sendmail */

static void
sendmail_config(struct conf *cfg, char *prog, size_t size, const char *script)
{
	snprintf(prog, size, "%s/tests/fixtures/deliver/%s", SRCDIR, script);
	memset(cfg, 0, sizeof(*cfg));
	cfg->transport = CONF_TRANSPORT_SENDMAIL;
	cfg->sendmail = prog;
}

START_TEST(test_sendmail)
{
	static const char *const rcpts[] = { "a@example.org",
					     "-oQ/tmp@example.org" };
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD ".\r\nFrom x\r\nlast");
	struct deliver_result r[2];
	char prog[300], dir[300], file[400];

	fresh(dir, sizeof(dir), "sendmail");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	setenv("FAKE_SENDMAIL_DIR", dir, 1);
	sendmail_config(&cfg, prog, sizeof(prog), "fake-sendmail");
	m.rcpts = rcpts;
	m.nrcpts = 2;
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	ck_assert_int_eq(r[1].status, DELIVER_OK);
	/* a null sender */
	m.envelope_from = "";
	m.nrcpts = 1;
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	/* no shell: each argument as it was; "--" before the recipients */
	snprintf(file, sizeof(file), "%s/argv.1", dir);
	assert_file(file, "-i\n-f\nbounces@example.org\n--\na@example.org\n"
			  "-oQ/tmp@example.org\n");
	snprintf(file, sizeof(file), "%s/stdin.1", dir);
	assert_file(file, HEAD_LF ".\nFrom x\nlast\n");
	snprintf(file, sizeof(file), "%s/argv.2", dir);
	assert_file(file, "-i\n-f\n<>\n--\na@example.org\n");
}
END_TEST

/* deliver_message's cancel for the tests: the second message queued is
 * not wanted any more. */
static const char *
cancel_second(void *arg, size_t index)
{
	int *asked = arg;

	(*asked)++;
	return index == 1 ? "unsubscribed" : NULL;
}

/* The cancel hook is asked just before each message is handed over: the
 * one it refuses never reaches sendmail (the program is not run for it)
 * and is reported failed with its reason; the others go. */
START_TEST(test_sendmail_cancel)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m[3] = { message(HEAD "one\r\n"),
					message(HEAD "two\r\n"),
					message(HEAD "three\r\n") };
	struct seen s;
	char prog[300], dir[300], file[400];
	int asked = 0, i;

	fresh(dir, sizeof(dir), "sendmail-cancel");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	setenv("FAKE_SENDMAIL_DIR", dir, 1);
	sendmail_config(&cfg, prog, sizeof(prog), "fake-sendmail");
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 3; i++) {
		m[i].cancel = cancel_second;
		m[i].cancel_arg = &asked;
		ck_assert_int_eq(deliver_queue(d, &m[i], &e), 0);
	}
	ck_assert_msg(deliver_flush(d, on_done, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	ck_assert_int_eq(asked, 3);
	ck_assert_int_eq(s.calls, 3);
	ck_assert_int_eq(s.first[0].status, DELIVER_OK);
	ck_assert_uint_eq(s.index[1], 1);
	ck_assert_int_eq(s.first[1].status, DELIVER_PERMFAIL);
	ck_assert_int_eq(s.first[1].code, 0);
	ck_assert_str_eq(s.first[1].reply, "unsubscribed");
	ck_assert_int_eq(s.first[2].status, DELIVER_OK);
	/* sendmail ran twice: for the first and the third */
	snprintf(file, sizeof(file), "%s/count", dir);
	assert_file(file, "2\n");
	snprintf(file, sizeof(file), "%s/stdin.2", dir);
	assert_file(file, HEAD_LF "three\n");
}
END_TEST

/* The file transports ask too: nothing of a cancelled message is
 * written. */
START_TEST(test_maildir_cancel)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m1 = message(HEAD "one\r\n");
	struct deliver_message m2 = message(HEAD "two\r\n");
	struct seen s;
	char path[300], sub[400], names[4][256];
	int asked = 0;

	fresh(path, sizeof(path), "Maildir-cancel");
	file_config(&cfg, CONF_TRANSPORT_MAILDIR, path);
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	m1.cancel = m2.cancel = cancel_second;
	m1.cancel_arg = m2.cancel_arg = &asked;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(deliver_queue(d, &m1, &e), 0);
	ck_assert_int_eq(deliver_queue(d, &m2, &e), 0);
	ck_assert_msg(deliver_flush(d, on_done, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	ck_assert_int_eq(s.calls, 2);
	ck_assert_int_eq(s.first[0].status, DELIVER_OK);
	ck_assert_int_eq(s.first[1].status, DELIVER_PERMFAIL);
	ck_assert_str_eq(s.first[1].reply, "unsubscribed");
	snprintf(sub, sizeof(sub), "%s/new", path);
	ck_assert_int_eq(list_dir(sub, names, 4), 1);
	snprintf(sub, sizeof(sub), "%s/tmp", path);
	ck_assert_int_eq(list_dir(sub, names, 4), 0);
}
END_TEST

/* The envelope goes out in ASCII: an international domain as A-labels,
 * the message itself as it was. */
START_TEST(test_sendmail_idn)
{
	static const char *const rcpts[] = {
		"a@example.org", "contact@soci\xc3\xa9t\xc3\xa9.fr"
	};
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[2];
	char prog[300], dir[300], file[400];

	fresh(dir, sizeof(dir), "sendmail-idn");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	setenv("FAKE_SENDMAIL_DIR", dir, 1);
	sendmail_config(&cfg, prog, sizeof(prog), "fake-sendmail");
	m.envelope_from = "digest@B\xc3\xbc"
			  "cher.example";
	m.rcpts = rcpts;
	m.nrcpts = 2;
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[1].status, DELIVER_OK);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	snprintf(file, sizeof(file), "%s/argv.1", dir);
	assert_file(file, "-i\n-f\ndigest@xn--bcher-kva.example\n--\n"
			  "a@example.org\ncontact@xn--socit-esab.fr\n");
	snprintf(file, sizeof(file), "%s/stdin.1", dir);
	assert_file(file, HEAD_LF "x\n");
}
END_TEST

/* One bad recipient of several: the message is refused, naming which;
 * deliver_send fails each recipient for good with that reason. */
START_TEST(test_send_refused_recipient)
{
	static const char *const rcpts[] = { "a@example.org",
					     "\xc3\xa9lise@example.org" };
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[2];

	file_config(&cfg, CONF_TRANSPORT_STDOUT, NULL);
	m.rcpts = rcpts;
	m.nrcpts = 2;
	d = deliver_open(&cfg, &e);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg,
			 "recipient 2: '\xc3\xa9lise@example.org': "
			 "non-ASCII local parts are not supported: they need "
			 "SMTPUTF8, which feedmail cannot send (the domain may "
			 "be international)");
	ck_assert_int_eq(r[0].status, DELIVER_PERMFAIL);
	ck_assert_int_eq(r[1].status, DELIVER_PERMFAIL);
	ck_assert_str_eq(r[1].reply, e.msg);
	ck_assert_uint_eq(deliver_queued(d), 0);
	ck_assert_int_eq(deliver_close(d, &e), 0);
}
END_TEST

/* {script, message size, status, reply} */
static const struct {
	const char *script;
	size_t size; /* 0: a small message */
	enum deliver_status status;
	const char *reply; /* after the program's path */
} sendmail_cases[] = {
	{ "fake-sendmail-tempfail", 0, DELIVER_TEMPFAIL,
	  "' exited with status 75" },
	/* more than a pipe holds, to a program that reads none of it:
	 * EPIPE, not SIGPIPE */
	{ "fake-sendmail-tempfail", 1 << 20, DELIVER_TEMPFAIL,
	  "' exited with status 75" },
	{ "fake-sendmail-fail", 0, DELIVER_PERMFAIL, "' exited with status 1" },
	{ "fake-sendmail-fail", 1 << 20, DELIVER_PERMFAIL,
	  "' exited with status 1" },
};

START_TEST(test_sendmail_status)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[1];
	struct buf big = BUF_INIT(BUF_MAX_DOC);
	char prog[300], want[400];

	sendmail_config(&cfg, prog, sizeof(prog), sendmail_cases[_i].script);
	if (sendmail_cases[_i].size) {
		buf_adds(&big, HEAD);
		while (big.len < sendmail_cases[_i].size)
			buf_adds(&big, "0123456789012345678901234567890123456"
				       "789012345678901234567890123456789\r\n");
		m.data = big.data;
		m.len = big.len;
	}
	d = deliver_open(&cfg, &e);
	ck_assert_msg(d != NULL, "%s", e.msg);
	/* the program ran and answered: the transport worked */
	ck_assert_msg(deliver_send(d, &m, r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r[0].status, sendmail_cases[_i].status);
	ck_assert_int_eq(r[0].code, 0);
	snprintf(want, sizeof(want), "'%s%s", prog, sendmail_cases[_i].reply);
	ck_assert_str_eq(r[0].reply, want);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	buf_release(&big);
}
END_TEST

START_TEST(test_sendmail_cannot_run)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[1];
	char prog[300], want[400];

	/* missing at open */
	sendmail_config(&cfg, prog, sizeof(prog), "no-such-sendmail");
	ck_assert_ptr_null(deliver_open(&cfg, &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
	snprintf(want, sizeof(want),
		 "[digest] sendmail '%s': No such file "
		 "or directory",
		 prog);
	ck_assert_str_eq(e.msg, want);

	/* gone by the time of the flush */
	fresh(prog, sizeof(prog), "sendmail");
	testutil_write_file(prog, "#!/bin/sh\nexit 0\n", 0700);
	cfg.sendmail = prog;
	d = deliver_open(&cfg, &e);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(unlink(prog), 0);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	snprintf(want, sizeof(want),
		 "cannot run [digest] sendmail '%s': No "
		 "such file or directory",
		 prog);
	ck_assert_str_eq(e.msg, want);
	ck_assert_int_eq(r[0].status, DELIVER_TEMPFAIL);
	deliver_close(d, NULL);
}
END_TEST

/* ---- stdout */

START_TEST(test_stdout)
{
	struct conf cfg;
	struct err e = ERR_INIT;
	struct deliver *d;
	struct deliver_message m = message(HEAD "x\r\n");
	struct deliver_result r[1];
	char path[300];
	int saved;

	fresh(path, sizeof(path), "stdout");
	saved = testutil_redirect_fd(1, path);
	file_config(&cfg, CONF_TRANSPORT_STDOUT, NULL);
	d = deliver_open(&cfg, &e);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), 0);
	ck_assert_int_eq(deliver_send(d, &m, r, &e), 0);
	ck_assert_int_eq(r[0].status, DELIVER_OK);
	ck_assert_int_eq(deliver_close(d, &e), 0);
	testutil_restore_fd(1, saved);
	assert_file(path, HEAD "x\r\n" HEAD "x\r\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("core");
	int rc;
	size_t i;

	setenv("FEEDMAIL_NOW", "2026-11-26T07:00:00Z", 1);
	if (!testutil_tmpdir(tmpdir, sizeof(tmpdir), "deliver")) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	/* 64 octets of local part, '@', labels of 63, 63 and 61 octets:
	 * exactly 254 octets; and one more in the last label */
	memset(addr254, 'a', 64);
	addr254[64] = '@';
	memset(addr254 + 65, 'b', 189);
	addr254[65 + 63] = addr254[65 + 63 + 1 + 63] = '.';
	memcpy(addr255, addr254, 254);
	addr255[254] = 'b';
	for (i = 0; i < 101; i++)
		rcpts100[i] = "r@x.org";

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_queue_nul);
	tcase_add_loop_test(tc, test_queue, 0,
			    sizeof(queue_cases) / sizeof(queue_cases[0]));
	tcase_add_test(tc, test_send_refused_message);
	tcase_add_test(tc, test_send_refused_recipient);
	tcase_add_test(tc, test_status_names);
	tcase_add_loop_test(tc, test_mbox_escaping, 0,
			    sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_test(tc, test_mbox_appends);
	tcase_add_test(tc, test_done_fails);
	tcase_add_test(tc, test_mbox_lock);
	tcase_add_test(tc, test_mbox_cannot_open);
	tcase_add_test(tc, test_maildir);
	tcase_add_test(tc, test_maildir_not_a_folder);
	tcase_add_test(tc, test_sendmail);
	tcase_add_test(tc, test_sendmail_idn);
	tcase_add_test(tc, test_sendmail_cancel);
	tcase_add_test(tc, test_maildir_cancel);
	tcase_add_loop_test(tc, test_sendmail_status, 0,
			    sizeof(sendmail_cases) / sizeof(sendmail_cases[0]));
	tcase_add_test(tc, test_sendmail_cannot_run);
	tcase_add_test(tc, test_stdout);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_remove_tree(tmpdir);
	return rc;
}
