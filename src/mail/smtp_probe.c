/*
 * smtp_probe: what an SMTP server says of itself, for `feedmail doctor`
 * (deliver_probe in deliver.h). A minimal SMTP client of our own, since
 * libesmtp connects only to send a message; TLS through OpenSSL with the
 * context and certificate checks the SMTP transport (smtp.c) set up.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/conf.h"
#include "lib/log.h"
#include "mail/transport_int.h"

struct probe_conn {
	int fd;
	SSL *ssl;
	char buf[4096];
	size_t len;
};

static int
probe_write(struct probe_conn *c, const char *line)
{
	size_t n = strlen(line);

	log_debug("smtp: > %.*s", (int)n - 2, line);
	if (c->ssl)
		return SSL_write(c->ssl, line, (int)n) == (int)n ? 0 : -1;
	return deliver_write_all(c->fd, line, n);
}

/* One line from the server into line (CRLF removed); -1 on EOF or error. */
static int
probe_line(struct probe_conn *c, char *line, size_t size)
{
	char *eol;
	size_t take;
	ssize_t n;

	while (!(eol = memchr(c->buf, '\n', c->len))) {
		if (c->len == sizeof(c->buf))
			return -1;
		n = c->ssl ? SSL_read(c->ssl, c->buf + c->len,
				      (int)(sizeof(c->buf) - c->len)) :
			     read(c->fd, c->buf + c->len,
				  sizeof(c->buf) - c->len);
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
	take = (size_t)(eol - c->buf) + 1;
	*eol = '\0';
	if (eol > c->buf && eol[-1] == '\r')
		eol[-1] = '\0';
	deliver_one_line(line, size, c->buf);
	log_debug("smtp: < %s", line);
	memmove(c->buf, c->buf + take, c->len - take);
	c->len -= take;
	return 0;
}

/* Reads one reply: its first line into first, the text of the lines after
 * it (EHLO's keywords) into rest, one per line. The code, or -1. */
static int
probe_reply(struct probe_conn *c, char *first, size_t firstsz, char *rest,
	    size_t restsz)
{
	char line[DELIVER_LINE_KEPT];
	size_t used = 0;
	int n = 0;

	if (rest)
		rest[0] = '\0';
	for (;;) {
		if (probe_line(c, line, sizeof(line)) < 0 || strlen(line) < 3 ||
		    !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]))
			return -1;
		if (n++ == 0)
			snprintf(first, firstsz, "%s", line);
		else if (rest && used < restsz)
			used += (size_t)snprintf(rest + used, restsz - used,
						 "%s%s", used ? "\n" : "",
						 line[3] ? line + 4 : "");
		if (line[3] != '-')
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			       (line[2] - '0');
	}
}

static int
probe_connect(const struct conf *cfg, struct err *e)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	struct timeval tv = { cfg->smtp_timeout, 0 };
	char port[16];
	int fd = -1, rc, saved = 0;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", cfg->smtp_port);
	rc = getaddrinfo(cfg->smtp_host, port, &hints, &res);
	if (rc)
		return err_set(e, EX_UNAVAILABLE, "'%s': %s", cfg->smtp_host,
			       gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(e, EX_UNAVAILABLE,
			       "cannot connect to '%s:%d': %s", cfg->smtp_host,
			       cfg->smtp_port,
			       saved == ECONNREFUSED ? "connection refused" :
						       strerror(saved));
	return fd;
}

/* cfg with [smtp] host and port those of its first relay, the one the
 * probe checks, into *first (a shallow copy); cfg when it has only one. */
static const struct conf *
probe_first_relay(const struct conf *cfg, struct conf *first)
{
	if (cfg->smtp_nrelays < 2)
		return cfg;
	*first = *cfg;
	first->smtp_host = first->smtp_relays[0].host;
	first->smtp_port = first->smtp_relays[0].port;
	first->smtp_nrelays = 1;
	return first;
}

int
deliver_probe(const struct conf *cfg, struct deliver_probe *p, struct err *e)
{
	struct probe_conn c = { -1, NULL, { 0 }, 0 };
	struct deliver *d = NULL;
	char reply[DELIVER_REPLY_MAX], ehlo[300], host[256];
	int code, rc = -1;
	struct conf first;

	memset(p, 0, sizeof(*p));
	cfg = probe_first_relay(cfg, &first);
	if (cfg->transport != CONF_TRANSPORT_SMTP)
		return err_set(e, EX_CONFIG, "the transport is not smtp");
	d = deliver_open(cfg, e);
	if (!d)
		return -1;
	c.fd = probe_connect(cfg, e);
	if (c.fd < 0)
		goto out;
	if (probe_reply(&c, p->greeting, sizeof(p->greeting), NULL, 0) != 220) {
		err_set(e, EX_UNAVAILABLE,
			"'%s:%d' does not greet as an SMTP "
			"server%s%s",
			cfg->smtp_host, cfg->smtp_port,
			p->greeting[0] ? ": " :
					 " (a TLS-only port such as "
					 "465?)",
			p->greeting);
		goto out;
	}
	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", host);
	if (probe_write(&c, ehlo) < 0 ||
	    probe_reply(&c, reply, sizeof(reply), p->offers,
			sizeof(p->offers)) != 250) {
		err_set(e, EX_UNAVAILABLE, "EHLO refused: %s", reply);
		goto out;
	}
	p->starttls_offered = strstr(p->offers, "STARTTLS") != NULL;
	rc = 0;
	if (!p->starttls_offered || !deliver_smtp_tls_ctx(d))
		goto quit;
	if (probe_write(&c, "STARTTLS\r\n") < 0 ||
	    (code = probe_reply(&c, reply, sizeof(reply), NULL, 0)) != 220) {
		snprintf(p->tls_info, sizeof(p->tls_info),
			 "STARTTLS refused: %s", reply);
		goto out;
	}
	c.ssl = SSL_new(deliver_smtp_tls_ctx(d));
	if (!c.ssl || !SSL_set_fd(c.ssl, c.fd) || SSL_connect(c.ssl) != 1) {
		char why[256];

		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		snprintf(p->tls_info, sizeof(p->tls_info), "TLS failed: %s",
			 *deliver_smtp_tls_error(d) ?
				 deliver_smtp_tls_error(d) :
				 why);
		SSL_free(c.ssl);
		c.ssl = NULL;
		goto out; /* the connection is in no state for QUIT */
	}
	p->tls = 1;
	snprintf(p->tls_info, sizeof(p->tls_info),
		 "%s, %s, certificate verified", SSL_get_version(c.ssl),
		 SSL_get_cipher_name(c.ssl));
	if (probe_write(&c, ehlo) < 0 ||
	    probe_reply(&c, reply, sizeof(reply), p->offers_tls,
			sizeof(p->offers_tls)) != 250)
		snprintf(p->offers_tls, sizeof(p->offers_tls),
			 "(EHLO after STARTTLS failed)");
quit:
	if (probe_write(&c, "QUIT\r\n") == 0)
		probe_reply(&c, reply, sizeof(reply), NULL, 0);
out:
	if (c.ssl) {
		SSL_shutdown(c.ssl);
		SSL_free(c.ssl);
	}
	if (c.fd >= 0)
		close(c.fd);
	deliver_close(d, NULL);
	return rc;
}
