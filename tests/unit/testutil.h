/*
 * testutil: what the Check programs in tests/unit share. The suite runner;
 * a temporary folder per program and fresh paths in it; reading and
 * writing whole files; child processes and the test servers they run on
 * 127.0.0.1 (tests/httpd.py, tests/smtpd.py, nginx), with certificates
 * made by openssl(1).
 *
 * Helpers that fail the current test (ck_assert) say so and are called
 * from tests only; the others return -1 (errno set where it says) and may
 * run in main() too, before or after the suite.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

/* Runs every test of s (forked, as Check does by default) and frees it;
 * returns EXIT_SUCCESS when all passed, else EXIT_FAILURE, for main(). */
int testutil_run(Suite *s);

/* Makes $TMPDIR/feedmail-test-NAME.XXXXXX (TMPDIR defaults to /tmp) and
 * leaves its path in dir; returns dir, or NULL with errno set
 * (ENAMETOOLONG when size is too small). */
char *testutil_tmpdir(char *dir, size_t size, const char *name);

/* Removes the folder dir and all it holds, unless KEEP_TEST_DIR is set
 * (then it says where it is on stderr). Only a folder made by
 * testutil_tmpdir() (an absolute path with "/feedmail-test-" in it) is
 * touched; returns 0 when removed or kept, else -1. */
int testutil_remove_tree(const char *dir);

/* Puts "dir/PID-SEQ-name" in out: a path no other call of this test
 * process has had (Check forks each test, hence the pid). Nothing is
 * created. Fails the test when out is too small. */
void testutil_fresh_path(char *out, size_t size, const char *dir,
			 const char *name);

/* The whole of path, NUL-terminated, malloc'd (the caller frees it); its
 * length in *len when len is not NULL. Fails the test when path cannot
 * be read. */
char *testutil_read_file(const char *path, size_t *len);

/* Writes text to path, replacing it, then sets its mode; 0, or -1 with
 * errno set. */
int testutil_put_file(const char *path, const char *text, mode_t mode);

/* testutil_put_file(), failing the test when it fails. */
void testutil_write_file(const char *path, const char *text, mode_t mode);

/* Sends what this process writes to fd (1 or 2) to path, created or
 * truncated, until testutil_restore_fd(); returns the saved descriptor.
 * Fails the test on error. */
int testutil_redirect_fd(int fd, const char *path);

/* Puts fd back as it was before testutil_redirect_fd() returned saved. */
void testutil_restore_fd(int fd, int saved);

/* Runs argv (argv[0] a path, no shell) with stdout and stderr to
 * /dev/null when quiet, else inherited. With pid, in the background: sets
 * *pid and returns 0; the child dies with this process, however it ends.
 * Without, waits and returns its exit status. -1 when it could not fork
 * or it did not exit. */
int testutil_spawn(char *const argv[], pid_t *pid, int quiet);

/* Ends the background child *pid (SIGTERM), waits for it and sets *pid to
 * 0; nothing when *pid is 0. */
void testutil_stop(pid_t *pid);

/* The Python to run the test servers with: $PYTHON3, else
 * /usr/bin/python3. */
const char *testutil_python(void);

/* How long, in seconds, a test waits for something that comes at once on
 * an idle machine (a server's start, a log line): far more than a loaded
 * machine running a sanitizer build needs, since waiting stops as soon as
 * it comes. Only a test that fails waits that long. */
#define TESTUTIL_PATIENCE 60

/* Seconds on the monotonic clock, for deadlines and durations. */
double testutil_now(void);

/* Changes in one folder (a file created, written, renamed or removed in
 * it), seen without polling (inotify). A test starts watching, then
 * checks its condition, and waits only while it is not met: a change
 * between the check and the wait is never missed. NULL when inotify
 * cannot be had. */
struct testutil_watch *testutil_watch(const char *dir);
/* Waits for a change until deadline (testutil_now() seconds): 1 when one
 * came (they are consumed), 0 at the deadline. */
int testutil_watch_wait(struct testutil_watch *w, double deadline);
void testutil_watch_end(struct testutil_watch *w);

/* Waits up to TESTUTIL_PATIENCE seconds for a server to write its port
 * number to path; returns the port, or -1 when none came. */
int testutil_wait_port_file(const char *path);

/* A TCP port on 127.0.0.1 nobody listens on (bound, then closed); -1 on
 * error. */
int testutil_closed_port(void);

/* Whether something accepts TCP connections on 127.0.0.1:port. */
int testutil_listening(int port);

/* Makes a self-signed EC certificate for subj (e.g. "/CN=localhost") with
 * the extension san (e.g. "subjectAltName=IP:127.0.0.1"), valid two days,
 * and its key, in the files cert and key. Exits the program when
 * openssl(1) fails: for main(). */
void testutil_make_cert(const char *cert, const char *key, const char *subj,
			const char *san);

#endif
