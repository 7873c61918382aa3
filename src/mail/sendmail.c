/*
 * sendmail: the transport that runs [digest] sendmail once per message,
 * `sendmail -i -f FROM -- RCPT...` without a shell, the message on its
 * standard input with LF line endings (deliver.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "mail/transport_int.h"

static int
sendmail_open(struct deliver *d, struct err *e)
{
	const char *prog = d->cfg->sendmail;

	if (!prog || !*prog)
		return err_set(e, EX_CONFIG,
			       "transport sendmail: [digest] "
			       "sendmail is not set");
	if (access(prog, X_OK) < 0)
		return err_set(e, EX_CONFIG, "[digest] sendmail '%s': %s", prog,
			       strerror(errno));
	return 0;
}

/* Runs [digest] sendmail for one message. -1 (fatal set) when it cannot be
 * run at all; otherwise the results say what its exit status meant. */
static int
sendmail_one(struct deliver *d, struct deliver_item *it)
{
	const char *prog = d->cfg->sendmail;
	struct buf body = BUF_INIT(BUF_MAX_DOC);
	char **argv = NULL;
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int status, child_errno = 0, write_failed = 0, rc = -1;
	struct sigaction old;
	size_t i, n = 0;
	ssize_t got;
	pid_t pid;

	if (deliver_to_lf(&body, it->m.data, it->m.len, 0) < 0) {
		deliver_fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	argv = calloc(it->m.nrcpts + 6, sizeof(*argv));
	if (!argv) {
		deliver_fatal(d, EX_OSERR, "out of memory");
		goto out;
	}
	/* -i: a line with a single dot is not the end; -f: the envelope
	 * sender; "--": no recipient can be taken for an option */
	argv[n++] = (char *)prog;
	argv[n++] = (char *)"-i";
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)(*deliver_item_sender(it) ?
				     deliver_item_sender(it) :
				     "<>");
	argv[n++] = (char *)"--";
	for (i = 0; i < it->m.nrcpts; i++)
		argv[n++] = (char *)deliver_item_rcpt(it, i);
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		deliver_fatal(d, EX_OSERR, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		deliver_fatal(d, EX_OSERR, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec; the
		 * error pipe closes on a successful exec */
		if (dup2(in[0], 0) < 0) {
			child_errno = errno;
		} else {
			sigset_t none;

			/* the courier thread blocks the signals a daemon
			 * handles: sendmail must get them as usual */
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			signal(SIGPIPE, SIG_DFL);
			execv(prog, argv);
			child_errno = errno;
		}
		if (write(ep[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	close(ep[1]);
	ep[1] = -1;
	do
		got = read(ep[0], &child_errno, sizeof(child_errno));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(child_errno)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		deliver_fatal(d, EX_CONFIG,
			      "cannot run [digest] sendmail "
			      "'%s': %s",
			      prog, strerror(child_errno));
		goto out;
	}
	deliver_sigpipe_ignore(&old);
	if (deliver_write_all(in[1], body.data, body.len) < 0)
		write_failed = errno;
	deliver_sigpipe_restore(&old);
	close(in[1]);
	in[1] = -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			deliver_fatal(d, EX_OSERR, "waitpid: %s",
				      strerror(errno));
			goto out;
		}
	}
	rc = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !write_failed)
		deliver_set_all(it, DELIVER_OK, 0, "accepted by sendmail");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		deliver_set_all(it, DELIVER_TEMPFAIL, 0,
				"sendmail exited "
				"before reading the whole message");
	else if (WIFEXITED(status))
		for (i = 0; i < it->m.nrcpts; i++)
			deliver_set_result(&it->results[i],
					   WEXITSTATUS(status) == EX_TEMPFAIL ?
						   DELIVER_TEMPFAIL :
						   DELIVER_PERMFAIL,
					   0, "'%s' exited with status %d",
					   prog, WEXITSTATUS(status));
	else
		for (i = 0; i < it->m.nrcpts; i++)
			deliver_set_result(&it->results[i], DELIVER_TEMPFAIL, 0,
					   "'%s' was killed by signal %d", prog,
					   WIFSIGNALED(status) ?
						   WTERMSIG(status) :
						   0);
	deliver_report(d, it);
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(argv);
	buf_release(&body);
	return rc;
}

static void
sendmail_flush(struct deliver *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		/* the last look, as smtp's before DATA */
		if (deliver_cancelled(d, &d->items[i]))
			continue;
		if (sendmail_one(d, &d->items[i]) < 0)
			return;
	}
}

const struct deliver_ops deliver_sendmail_ops = { "sendmail", sendmail_open,
						  sendmail_flush, NULL };
