/*
 * bench/send/csink.c: an SMTP sink in C for the delivery benchmark only,
 * beside sink.py (aiosmtpd). It speaks the same protocol as sink.py does
 * to feedmail (the same EHLO reply: SIZE, 8BITMIME, no PIPELINING, so the
 * same round trips) and accepts and discards every message, at a fraction
 * of aiosmtpd's CPU: with it the benchmark measures feedmail rather than
 * the Python sink. Not part of feedmail: built by bench/send/run.sh with
 *   cc -O2 -o csink csink.c
 *
 *   csink --port-file F --stats F
 *
 * Listens on 127.0.0.1 at a port the system chooses (written to
 * --port-file once listening). Counts connections, messages, recipients
 * and bytes (of the message as sent, dot-stuffing undone, the final dot
 * excluded), written as JSON to --stats on SIGUSR1 (a .tmp, then a
 * rename); exits on SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 4096   /* a command line; longer ones are refused */
#define READ_SIZE 65536

struct client {
	int fd;
	int data;               /* between DATA's 354 and the final dot */
	char line[LINE_MAX_LEN];
	size_t len;             /* bytes of the current line kept */
	size_t line_bytes;      /* the current line's length so far */
	int too_long;
};

static struct {
	unsigned long connections, messages, rcpts, bytes;
} count;

static volatile sig_atomic_t want_stats, want_exit;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

static void
write_stats(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"connections\": %lu, \"messages\": %lu, \"rcpts\": %lu, "
		"\"bytes\": %lu}", count.connections, count.messages,
		count.rcpts, count.bytes);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static int
reply(struct client *c, const char *s)
{
	size_t n = strlen(s), off = 0;
	ssize_t w;

	while (off < n) {
		w = write(c->fd, s + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* One command line, CRLF removed. -1 closes the connection. */
static int
command(struct client *c, char *l)
{
	if (c->too_long)
		return reply(c, "500 line too long\r\n");
	if (!strncasecmp(l, "EHLO", 4))
		return reply(c, "250-sink.bench\r\n250-SIZE 33554432\r\n"
			     "250-8BITMIME\r\n250 HELP\r\n");
	if (!strncasecmp(l, "HELO", 4))
		return reply(c, "250 sink.bench\r\n");
	if (!strncasecmp(l, "MAIL", 4) || !strncasecmp(l, "RSET", 4) ||
	    !strncasecmp(l, "NOOP", 4))
		return reply(c, "250 OK\r\n");
	if (!strncasecmp(l, "RCPT", 4)) {
		count.rcpts++;
		return reply(c, "250 OK\r\n");
	}
	if (!strncasecmp(l, "DATA", 4)) {
		c->data = 1;
		return reply(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
	}
	if (!strncasecmp(l, "QUIT", 4)) {
		reply(c, "221 Bye\r\n");
		return -1;
	}
	return reply(c, "500 Error: command not recognized\r\n");
}

/* The bytes read from c: commands line by line; in DATA, lines counted
 * until the one that is a lone dot. Only a line's first bytes are kept
 * in DATA, enough to tell the final dot. */
static int
feed(struct client *c, const char *p, size_t n)
{
	const char *end = p + n, *lf;
	size_t k;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		k = (size_t)((lf ? lf + 1 : end) - p);
		if (c->len + k < sizeof(c->line)) {
			memcpy(c->line + c->len, p, k);
			c->len += k;
		} else if (c->len < sizeof(c->line) - 1) {
			memcpy(c->line + c->len, p, sizeof(c->line) - 1 -
			       c->len);
			c->len = sizeof(c->line) - 1;
			c->too_long = 1;
		} else {
			c->too_long = 1;
		}
		c->line_bytes += k;
		p += k;
		if (!lf)
			break;
		c->line[c->len] = '\0';
		if (c->data) {
			if (c->line_bytes == 3 && !memcmp(c->line, ".\r\n", 3)) {
				c->data = 0;
				count.messages++;
				if (reply(c, "250 OK\r\n") < 0)
					return -1;
			} else {
				/* RFC 5321 4.5.2: a leading dot was doubled */
				count.bytes += c->line_bytes -
					       (c->line[0] == '.');
			}
		} else {
			if (c->len >= 2 && c->line[c->len - 2] == '\r')
				c->line[c->len - 2] = '\0';
			else if (c->len >= 1)
				c->line[c->len - 1] = '\0';
			if (command(c, c->line) < 0)
				return -1;
		}
		c->len = c->line_bytes = 0;
		c->too_long = 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *port_file = NULL, *stats = NULL;
	struct client clients[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 1];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct sigaction act;
	static char buf[READ_SIZE];
	char tmp[4096];
	int lfd, one = 1, i, n, fd;
	ssize_t r;
	FILE *f;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else if (!strcmp(argv[i], "--stats"))
			stats = argv[i + 1];
	}
	if (!port_file || !stats) {
		fprintf(stderr, "usage: csink --port-file F --stats F\n");
		return 64;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGUSR1, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("csink: listen");
		return 71;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(f) ||
	    rename(tmp, port_file) < 0) {
		perror("csink: port file");
		return 73;
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	while (!want_exit) {
		if (want_stats) {
			want_stats = 0;
			write_stats(stats);
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < MAX_CLIENTS; i++) {
			pfd[i + 1].fd = clients[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		n = poll(pfd, MAX_CLIENTS + 1, -1);
		if (n < 0)
			continue;       /* EINTR: a signal to look at */
		if (pfd[0].revents & POLLIN) {
			fd = accept(lfd, NULL, NULL);
			for (i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
				if (clients[i].fd < 0)
					break;
			if (fd >= 0 && i == MAX_CLIENTS) {
				close(fd);
			} else if (fd >= 0) {
				memset(&clients[i], 0, sizeof(clients[i]));
				clients[i].fd = fd;
				/* as asyncio does for aiosmtpd */
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				count.connections++;
				if (reply(&clients[i], "220 sink.bench "
					  "feedmail-bench-csink\r\n") < 0) {
					close(fd);
					clients[i].fd = -1;
				}
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (clients[i].fd < 0 || !pfd[i + 1].revents)
				continue;
			r = read(clients[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || feed(&clients[i], buf, (size_t)r) < 0) {
				close(clients[i].fd);
				clients[i].fd = -1;
			}
		}
	}
	return 0;
}
