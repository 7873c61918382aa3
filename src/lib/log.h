/*
 * log: messages for the operator on stderr (or syslog), each line
 * "feedmail: WHAT". Levels: error and warn always show unless -q silences
 * warnings; info shows with -v; debug with -vv. Nothing here exits.
 */
#ifndef FEEDMAIL_LOG_H
#define FEEDMAIL_LOG_H

enum log_level {
	LOG_LEVEL_QUIET = -1, /* errors only */
	LOG_LEVEL_WARN = 0,   /* default */
	LOG_LEVEL_INFO = 1,
	LOG_LEVEL_DEBUG = 2,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Sends further messages to syslog(3) with this ident instead of stderr. */
void log_use_syslog(const char *ident);
/* When stderr is the systemd journal (JOURNAL_STREAM names its device
 * and inode), starts each further stderr line with its syslog priority,
 * "<3>", which the journal reads as the line's level; else does nothing. */
void log_use_journal_levels(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
