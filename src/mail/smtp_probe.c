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
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "lib/conf.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "mail/transport_int.h"

struct probe_conn {
	int fd;
	SSL *ssl;
	char buf[4096];
	size_t len;
};

/* Writes line; the log shows shown instead when it is set (AUTH: the
 * credentials stay out of it). */
static int
probe_write_as(struct probe_conn *c, const char *line, const char *shown)
{
	size_t n = strlen(line);

	if (shown)
		log_debug("smtp: > %s", shown);
	else
		log_debug("smtp: > %.*s", (int)n - 2, line);
	if (c->ssl)
		return SSL_write(c->ssl, line, (int)n) == (int)n ? 0 : -1;
	return deliver_write_all(c->fd, line, n);
}

static int
probe_write(struct probe_conn *c, const char *line)
{
	return probe_write_as(c, line, NULL);
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

/* "AUTH " then base64 of in[0..len), CRLF, into out; -1 when too long. */
static int
probe_base64_line(char *out, size_t size, const char *prefix,
		  const unsigned char *in, size_t len)
{
	size_t pre = strlen(prefix);
	size_t n;

	if (len > 700 || pre + (len + 2) / 3 * 4 + 3 > size)
		return -1;
	memcpy(out, prefix, pre);
	n = (size_t)EVP_EncodeBlock((unsigned char *)out + pre, in, (int)len);
	memcpy(out + pre + n, "\r\n", 3);
	return 0;
}

/* The mechanism a delivery would use among those offered (the EHLO
 * "AUTH ..." line): PLAIN, else LOGIN; NULL when neither. */
static const char *
probe_mechanism(const char *offers)
{
	const char *line = offers, *nl;
	size_t n;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 5 && !strncasecmp(line, "AUTH", 4) &&
		    (line[4] == ' ' || line[4] == '=')) {
			char mechs[256];

			snprintf(mechs, sizeof(mechs), " %.*s ", (int)n - 5,
				 line + 5);
			if (strcasestr(mechs, " PLAIN "))
				return "PLAIN";
			if (strcasestr(mechs, " LOGIN "))
				return "LOGIN";
		}
		if (!nl)
			break;
	}
	return NULL;
}

/* RFC 4954: logs in as [smtp] user, the outcome in p->auth_status and
 * p->auth. The password is sent only over TLS or to this machine, as
 * smtp.c does. -1 when the connection failed meanwhile. */
static int
probe_auth(struct probe_conn *c, const struct conf *cfg, const char *offers,
	   struct deliver_probe *p)
{
	char reply[DELIVER_REPLY_MAX], line[1024];
	unsigned char plain[520];
	const char *mech = probe_mechanism(offers);
	size_t ulen, plen;
	int code, rc = -1;

	p->auth_status = DELIVER_AUTH_UNTRIED;
	if (!c->ssl && cfg->starttls == CONF_STARTTLS_REQUIRED) {
		snprintf(p->auth, sizeof(p->auth),
			 "not tried: STARTTLS is required and was not done");
		return 0;
	}
	if (!mech) {
		snprintf(p->auth, sizeof(p->auth), "%s",
			 strstr(offers, "AUTH") ?
				 "none of the server's AUTH mechanisms "
				 "can be used (PLAIN, LOGIN)" :
				 "a user is set but the server offers no "
				 "AUTH");
		return 0;
	}
	if (!c->ssl && !ipaddr_host_is_loopback(cfg->smtp_host)) {
		snprintf(p->auth, sizeof(p->auth),
			 "not sending the password over an unencrypted "
			 "connection (the server is not on this machine "
			 "and STARTTLS was not used)");
		return 0;
	}
	ulen = strlen(cfg->smtp_user);
	plen = cfg->smtp_password ? strlen(cfg->smtp_password) : 0;
	if (ulen + plen + 2 > sizeof(plain)) {
		snprintf(p->auth, sizeof(p->auth),
			 "the user and password are too long to try");
		return 0;
	}
	if (!strcmp(mech, "PLAIN")) {
		/* RFC 4616: authzid NUL authcid NUL passwd */
		plain[0] = '\0';
		memcpy(plain + 1, cfg->smtp_user, ulen);
		plain[1 + ulen] = '\0';
		if (plen)
			memcpy(plain + 2 + ulen, cfg->smtp_password, plen);
		if (probe_base64_line(line, sizeof(line), "AUTH PLAIN ", plain,
				      ulen + plen + 2) < 0 ||
		    probe_write_as(c, line, "AUTH PLAIN ...") < 0 ||
		    (code = probe_reply(c, reply, sizeof(reply), NULL, 0)) < 0)
			goto out;
	} else {
		if (probe_write(c, "AUTH LOGIN\r\n") < 0 ||
		    (code = probe_reply(c, reply, sizeof(reply), NULL, 0)) < 0)
			goto out;
		if (code == 334) {
			if (probe_base64_line(line, sizeof(line), "",
					      (const unsigned char *)
						      cfg->smtp_user,
					      ulen) < 0 ||
			    probe_write_as(c, line, "(user)") < 0 ||
			    (code = probe_reply(c, reply, sizeof(reply), NULL,
						0)) < 0)
				goto out;
		}
		if (code == 334) {
			if (probe_base64_line(
				    line, sizeof(line), "",
				    (const unsigned char
					     *)(cfg->smtp_password ?
							cfg->smtp_password :
							""),
				    plen) < 0 ||
			    probe_write_as(c, line, "(password)") < 0 ||
			    (code = probe_reply(c, reply, sizeof(reply), NULL,
						0)) < 0)
				goto out;
		}
	}
	p->auth_status = code == 235 ? DELIVER_AUTH_OK : DELIVER_AUTH_REFUSED;
	snprintf(p->auth, sizeof(p->auth), "AUTH %s %s: %s", mech,
		 code == 235 ? "accepted" : "refused", reply);
	rc = 0;
out:
	/* the credentials leave no copy behind, whatever the exit */
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(line, sizeof(line));
	return rc;
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
		goto auth;
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
auth:
	if (cfg->smtp_user &&
	    probe_auth(&c, cfg, c.ssl ? p->offers_tls : p->offers, p) < 0) {
		snprintf(p->auth, sizeof(p->auth),
			 "the connection was lost during AUTH");
		p->auth_status = DELIVER_AUTH_UNTRIED;
		goto out;
	}
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
