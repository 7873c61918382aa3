/* Helpers shared by the Check programs in tests/unit; see testutil.h. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

int
testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *
testutil_tmpdir(char *dir, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/feedmail-test-%s.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp", name);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return mkdtemp(dir);
}

int
testutil_remove_tree(const char *dir)
{
	char *argv[] = { (char *)"/bin/rm", (char *)"-rf", (char *)dir, NULL };

	/* never anything but our own folder */
	if (dir[0] != '/' || !strstr(dir, "/feedmail-test-"))
		return -1;
	if (getenv("KEEP_TEST_DIR")) {
		fprintf(stderr, "# kept %s\n", dir);
		return 0;
	}
	return testutil_spawn(argv, NULL, 0) == 0 ? 0 : -1;
}

void
testutil_fresh_path(char *out, size_t size, const char *dir, const char *name)
{
	static int seq;
	int n;

	n = snprintf(out, size, "%s/%d-%d-%s", dir, (int)getpid(), ++seq, name);
	ck_assert_msg(n >= 0 && (size_t)n < size, "%s/...-%s: too long", dir,
		      name);
}

char *
testutil_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_msg(fread(data, 1, (size_t)n, f) == (size_t)n,
		      "%s: short read", path);
	data[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return data;
}

int
testutil_put_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	size_t n = strlen(text);
	int ok;

	if (!f)
		return -1;
	ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0 || !ok)
		return -1;
	return chmod(path, mode);
}

void
testutil_write_file(const char *path, const char *text, mode_t mode)
{
	ck_assert_msg(testutil_put_file(path, text, mode) == 0, "%s: %s", path,
		      strerror(errno));
}

int
testutil_redirect_fd(int fd, const char *path)
{
	int to, saved;

	fflush(NULL);
	saved = dup(fd);
	to = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_msg(saved >= 0 && to >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_ge(dup2(to, fd), 0);
	close(to);
	return saved;
}

void
testutil_restore_fd(int fd, int saved)
{
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
}

int
testutil_spawn(char *const argv[], pid_t *pid, int quiet)
{
	pid_t parent = getpid(), p = fork();
	int status, fd;

	if (p < 0)
		return -1;
	if (p == 0) {
		/* a failed case ends its test process: take the child along;
		 * the parent may be gone already */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
		if (quiet && (fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid) {
		*pid = p;
		return 0;
	}
	if (waitpid(p, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
testutil_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

const char *
testutil_python(void)
{
	const char *python = getenv("PYTHON3");

	return python && *python ? python : "/usr/bin/python3";
}

double
testutil_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct testutil_watch {
	int fd;
};

struct testutil_watch *
testutil_watch(const char *dir)
{
	struct testutil_watch *w = malloc(sizeof(*w));

	if (!w)
		return NULL;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    inotify_add_watch(w->fd, dir,
			      IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
				      IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |
				      IN_DELETE) < 0) {
		testutil_watch_end(w);
		return NULL;
	}
	return w;
}

int
testutil_watch_wait(struct testutil_watch *w, double deadline)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	char events[4096];
	double left = deadline - testutil_now();

	if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
		return 0;
	while (read(w->fd, events, sizeof(events)) > 0)
		;
	return 1;
}

void
testutil_watch_end(struct testutil_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

/* The folder path is in, into dir. */
static void
folder_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int
testutil_wait_port_file(const char *path)
{
	double deadline = testutil_now() + TESTUTIL_PATIENCE;
	struct testutil_watch *w;
	char line[32], dir[4096];
	int port = -1;
	FILE *f;

	folder_of(path, dir, sizeof(dir));
	w = testutil_watch(dir);
	if (!w)
		return -1;
	do {
		if ((f = fopen(path, "r"))) {
			if (fgets(line, sizeof(line), f))
				port = (int)strtol(line, NULL, 10);
			fclose(f);
		}
	} while (port < 0 && testutil_watch_wait(w, deadline));
	testutil_watch_end(w);
	return port;
}

/* 127.0.0.1:port */
static void
loopback(struct sockaddr_in *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((uint16_t)port);
}

int
testutil_closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	loopback(&a, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int
testutil_listening(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	loopback(&a, port);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

void
testutil_make_cert(const char *cert, const char *key, const char *subj,
		   const char *san)
{
	char *argv[] = { (char *)"/usr/bin/openssl",
			 (char *)"req",
			 (char *)"-x509",
			 (char *)"-newkey",
			 (char *)"ec",
			 (char *)"-pkeyopt",
			 (char *)"ec_paramgen_curve:prime256v1",
			 (char *)"-nodes",
			 (char *)"-days",
			 (char *)"2",
			 (char *)"-subj",
			 (char *)subj,
			 (char *)"-addext",
			 (char *)san,
			 (char *)"-keyout",
			 (char *)key,
			 (char *)"-out",
			 (char *)cert,
			 NULL };

	if (testutil_spawn(argv, NULL, 1) != 0) {
		fprintf(stderr, "%s: openssl req failed\n", cert);
		exit(EXIT_FAILURE);
	}
}
