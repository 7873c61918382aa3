#include "config.h"

#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* The longest line written, newline included. */
#define LOG_LINE_MAX 4096

/* The one piece of process-wide state: how chatty the operator asked us to
 * be. Set once by main.c from -v/-q. */
static enum log_level current_level = LOG_LEVEL_WARN;
static int use_syslog;
static int journal_levels;

void
log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level
log_get_level(void)
{
	return current_level;
}

void
log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

void
log_use_journal_levels(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* sd-daemon(3): "<N>" before a line gives it priority N */
	if (v && sscanf(v, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		journal_levels = 1;
}

static void log_emit(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * One write(2) per line, so that lines from two threads never interleave
 * (stdio writes an unbuffered stderr piece by piece). A line longer than
 * LOG_LINE_MAX is cut, ending in "...".
 */
static void
log_emit(int priority, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len, off, room;
	ssize_t w;
	int n;

	if (use_syslog) {
		/* one datagram per message; its local timestamp is the C
		 * library's, and nothing here changes TZ */
		vsyslog(priority, fmt, ap);
		return;
	}
	n = journal_levels ? snprintf(line, sizeof(line), "<%d>", priority) : 0;
	n += snprintf(line + n, sizeof(line) - (size_t)n, "feedmail: ");
	len = (size_t)n;
	room = sizeof(line) - len - 1; /* keeps a byte for the newline */
	n = vsnprintf(line + len, room, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < room) {
		len += (size_t)n;
	} else {
		/* cut: room - 1 bytes and a NUL were written */
		len += room - 1;
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';
	for (off = 0; off < len; off += (size_t)w) {
		w = write(STDERR_FILENO, line + off, len - off);
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w <= 0)
			return;
	}
}

#define LOG_FN(name, level, priority)          \
	void name(const char *fmt, ...)        \
	{                                      \
		va_list ap;                    \
		if (current_level < (level))   \
			return;                \
		va_start(ap, fmt);             \
		log_emit((priority), fmt, ap); \
		va_end(ap);                    \
	}

LOG_FN(log_error, LOG_LEVEL_QUIET, LOG_ERR)
LOG_FN(log_warn, LOG_LEVEL_WARN, LOG_WARNING)
LOG_FN(log_info, LOG_LEVEL_INFO, LOG_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, LOG_DEBUG)
