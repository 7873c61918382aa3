#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "fetch/http.h"
#include "lib/err.h"
#include "testutil.h"

/*
 * The http module against tests/httpd.py, our scripted server, run twice
 * from main(): once plain, once over TLS with a self-signed certificate made
 * by openssl(1) at test time; and against nginx over HTTP/2 when nginx is
 * installed. Each case fetches URLs through the public API and checks what
 * the callbacks saw.
 */

#define NOW 1000000000LL /* FEEDMAIL_NOW for Retry-After and freshness */
#define NGINX "/usr/sbin/nginx"

static char tmpdir[200];
static char www[256], feed_path[300], cert[300], key[300], log_path[300];
static char base[64], tls_base[64], h2_base[64];
static pid_t server_pid, tls_pid, nginx_pid;
static char *feed; /* the contents of www/feed.xml */
static size_t feed_len;

/* ---- what the callbacks saw */

#define STR 600

struct got {
	int responses, bodies, dones;
	int body_before_response;
	long resp_status;
	char content_type[STR], content_location[STR], resp_url[STR];
	char body[4096]; /* the first bytes */
	long long seen;  /* bytes given to on_body */
	enum http_class cls;
	long status;
	char message[512];
	char etag[STR], last_modified[STR], effective_url[STR],
		permanent_url[STR];
	int64_t retry_after, fresh_until;
	long long body_bytes;
	int stop_in_response; /* on_response returns non-zero */
	int stop_in_body;     /* on_body returns non-zero */
};

/* Copies s, "<null>" for NULL, so both show in assertions. */
static void
keep(char *dst, const char *s)
{
	snprintf(dst, STR, "%s", s ? s : "<null>");
}

static int
got_response(const struct http_response *r, void *arg)
{
	struct got *g = arg;

	g->responses++;
	g->resp_status = r->status;
	keep(g->content_type, r->content_type);
	keep(g->content_location, r->content_location);
	keep(g->resp_url, r->effective_url);
	return g->stop_in_response;
}

static int
got_body(const char *data, size_t len, void *arg)
{
	struct got *g = arg;
	size_t room;

	if (!g->responses)
		g->body_before_response = 1;
	g->bodies++;
	if (g->seen < (long long)sizeof(g->body) - 1) {
		room = sizeof(g->body) - 1 - (size_t)g->seen;
		memcpy(g->body + g->seen, data, len < room ? len : room);
	}
	g->seen += (long long)len;
	return g->stop_in_body;
}

static void
got_done(const struct http_result *res, void *arg)
{
	struct got *g = arg;

	g->dones++;
	g->cls = res->cls;
	g->status = res->status;
	snprintf(g->message, sizeof(g->message), "%s", res->message);
	keep(g->etag, res->etag);
	keep(g->last_modified, res->last_modified);
	keep(g->effective_url, res->effective_url);
	keep(g->permanent_url, res->permanent_url);
	g->retry_after = res->retry_after;
	g->fresh_until = res->fresh_until;
	g->body_bytes = res->body_bytes;
}

/* Timeouts that a loaded machine never reaches on loopback: a case about
 * timeouts sets its own. */
static struct http_options
test_options(void)
{
	struct http_options o = HTTP_OPTIONS_INIT;

	o.connect_timeout = 30;
	o.timeout = 60;
	o.low_speed_time = 30;
	o.max_size = 1024 * 1024;
	o.user_agent = "feedmail-test/1";
	return o;
}

/* Fetches url with options o (NULL: test_options()) and request template r
 * (NULL: a plain GET) into *g. */
static void
fetch(const struct http_options *o, const struct http_request *r,
      const char *url, struct got *g)
{
	struct http_options def = test_options();
	struct http_request req = { 0 };
	struct err e = ERR_INIT;
	struct http *h;
	int stop_r = g->stop_in_response, stop_b = g->stop_in_body;

	memset(g, 0, sizeof(*g));
	g->stop_in_response = stop_r;
	g->stop_in_body = stop_b;
	if (r)
		req = *r;
	req.url = url;
	req.on_response = got_response;
	req.on_body = got_body;
	req.on_done = got_done;
	req.arg = g;
	h = http_new(o ? o : &def, &e);
	ck_assert_msg(h != NULL, "http_new: %s", e.msg);
	ck_assert_msg(http_add(h, &req, &e) == 0, "http_add: %s", e.msg);
	ck_assert_msg(http_run(h, &e) == 0, "http_run: %s", e.msg);
	http_free(h);
	ck_assert_int_eq(g->dones, 1);
	ck_assert_int_eq(g->body_before_response, 0);
	ck_assert_int_le(g->responses, 1);
	ck_assert_int_eq(g->seen, g->body_bytes);
}

static const char *
url_of(const char *b, const char *path)
{
	static char url[STR];

	snprintf(url, sizeof(url), "%s%s", b, path);
	return url;
}

/* ---- the server's log */

/* Lines of the server log containing tag, in *n; t0/t1 of each. Returns
 * how many of them overlapped at most. */
static int
log_overlap(const char *tag, int *n)
{
	double t0[512], t1[512];
	char line[1024];
	const char *p;
	int count = 0, best = 0, i, j, k;
	FILE *f = fopen(log_path, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, tag) || count == 512)
			continue;
		p = strstr(line, " t0=");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(sscanf(p, " t0=%lf t1=%lf", &t0[count],
					&t1[count]),
				 2);
		count++;
	}
	fclose(f);
	/* the most intervals that contain one of the start times */
	for (i = 0; i < count; i++) {
		k = 0;
		for (j = 0; j < count; j++)
			if (t0[j] <= t0[i] && t0[i] < t1[j])
				k++;
		if (k > best)
			best = k;
	}
	*n = count;
	return best;
}

/* Lines of the server log containing both a and b. */
static int
log_count_now(const char *a, const char *b)
{
	char line[1024];
	int count = 0;
	FILE *f = fopen(log_path, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, a) && strstr(line, b))
			count++;
	fclose(f);
	return count;
}

/* The server logs a request once it has answered it, which may be just
 * after the client has seen the answer: waits for want lines (up to
 * TESTUTIL_PATIENCE seconds). */
static int
log_count(const char *a, const char *b, int want)
{
	double deadline = testutil_now() + TESTUTIL_PATIENCE;
	struct testutil_watch *w = testutil_watch(tmpdir);
	int n;

	ck_assert_ptr_nonnull(w);
	while ((n = log_count_now(a, b)) < want &&
	       testutil_watch_wait(w, deadline))
		;
	testutil_watch_end(w);
	return n;
}

/* ---- statuses and redirects */

#define ANY "*"

static const struct {
	const char *path;
	enum http_class cls;
	long status;
	const char *permanent; /* path it must end with; NULL none; ANY */
	const char *message;   /* substring of the message; NULL: no check */
} status_cases[] = {
	{ "/feed.xml", HTTP_OK, 200, NULL, "HTTP 200 OK" },
	{ "/html", HTTP_OK, 200, NULL, NULL },
	{ "/early/feed.xml", HTTP_OK, 200, NULL, "HTTP 200 OK" },
	{ "/r301/1/early/feed.xml", HTTP_OK, 200, "/early/feed.xml", NULL },
	{ "/early/r301/1/feed.xml", HTTP_OK, 200, "/feed.xml", NULL },
	{ "/early/status/410", HTTP_GONE, 410, NULL, "HTTP 410 Gone" },
	{ "/r301/1/feed.xml", HTTP_OK, 200, "/feed.xml", NULL },
	{ "/r308/1/feed.xml", HTTP_OK, 200, "/feed.xml", NULL },
	{ "/r301/3/feed.xml", HTTP_OK, 200, "/feed.xml", NULL },
	{ "/r302/1/feed.xml", HTTP_OK, 200, NULL, NULL },
	{ "/r307/1/feed.xml", HTTP_OK, 200, NULL, NULL },
	{ "/r303/1/feed.xml", HTTP_OK, 200, NULL, NULL },
	/* the permanent run stops at the first temporary hop */
	{ "/r301/1/r302/1/feed.xml", HTTP_OK, 200, "/r302/1/feed.xml", NULL },
	{ "/r308/1/r301/1/r307/1/feed.xml", HTTP_OK, 200, "/r307/1/feed.xml",
	  NULL },
	{ "/r302/1/r301/1/feed.xml", HTTP_OK, 200, NULL, NULL },
	/* HTTP_MAX_REDIRECTS hops are fine, one more is not */
	{ "/r301/5/feed.xml", HTTP_OK, 200, "/feed.xml", NULL },
	{ "/r301/6/feed.xml", HTTP_TOO_MANY_REDIRECTS, 301, ANY,
	  "too many redirects" },
	{ "/loop", HTTP_TOO_MANY_REDIRECTS, 302, NULL, "too many redirects" },
	{ "/status/404", HTTP_CLIENT_ERROR, 404, NULL, "HTTP 404 Not Found" },
	{ "/missing.xml", HTTP_CLIENT_ERROR, 404, NULL, "HTTP 404" },
	{ "/status/403", HTTP_CLIENT_ERROR, 403, NULL, "HTTP 403 Forbidden" },
	{ "/status/410", HTTP_GONE, 410, NULL, "HTTP 410 Gone" },
	{ "/r301/1/status/410", HTTP_GONE, 410, "/status/410", NULL },
	{ "/status/429", HTTP_RATE_LIMITED, 429, NULL,
	  "HTTP 429 Too Many Requests" },
	{ "/status/500", HTTP_SERVER_ERROR, 500, NULL,
	  "HTTP 500 Internal Server Error" },
	{ "/status/503", HTTP_SERVER_ERROR, 503, NULL,
	  "HTTP 503 Service Unavailable" },
	{ "/r302/1/status/503", HTTP_SERVER_ERROR, 503, NULL, NULL },
	{ "/status/300", HTTP_PROTOCOL, 300, NULL, "HTTP 300" },
	{ "/truncated/feed.xml", HTTP_PROTOCOL, 200, NULL, NULL },
	/* redirects never leave http and https */
	{ "/to?url=ftp://127.0.0.1/feed.xml", HTTP_BAD_SCHEME, 302, NULL,
	  NULL },
	{ "/to?url=file:///etc/passwd", HTTP_BAD_SCHEME, 302, NULL, NULL },
};

START_TEST(test_status)
{
	struct got g = { 0 };
	char want[STR];

	fetch(NULL, NULL, url_of(base, status_cases[_i].path), &g);
	ck_assert_msg(g.cls == status_cases[_i].cls,
		      "%s: class %d, want %d (%s)", status_cases[_i].path,
		      (int)g.cls, (int)status_cases[_i].cls, g.message);
	ck_assert_int_eq(g.status, status_cases[_i].status);
	if (!status_cases[_i].permanent) {
		ck_assert_str_eq(g.permanent_url, "<null>");
	} else if (strcmp(status_cases[_i].permanent, ANY)) {
		snprintf(want, sizeof(want), "%s%s", base,
			 status_cases[_i].permanent);
		ck_assert_str_eq(g.permanent_url, want);
	}
	if (status_cases[_i].message)
		ck_assert_msg(strstr(g.message, status_cases[_i].message),
			      "%s: message '%s' lacks '%s'",
			      status_cases[_i].path, g.message,
			      status_cases[_i].message);
	ck_assert_msg(g.message[0] != '\0', "empty message");
	/* only the final response's headers count, never a 1xx's */
	ck_assert_str_ne(g.etag, "\"interim\"");
	if (g.cls == HTTP_OK) {
		ck_assert_int_eq(g.responses, 1);
		ck_assert_int_gt(g.body_bytes, 0);
	} else if (g.cls != HTTP_PROTOCOL) {
		/* no error page reaches the consumer */
		ck_assert_int_eq(g.responses, 0);
		ck_assert_int_eq(g.bodies, 0);
	}
}
END_TEST

START_TEST(test_body_and_fields)
{
	struct got g = { 0 };
	char want[STR];

	fetch(NULL, NULL,
	      url_of(base, "/r302/1/feed.xml"
			   "?h=Content-Location:/canonical.xml"),
	      &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_int_eq(g.body_bytes, (long long)feed_len);
	ck_assert_int_eq(memcmp(g.body, feed, feed_len), 0);
	ck_assert_int_eq(g.resp_status, 200);
	ck_assert_str_eq(g.content_type, "application/xml");
	ck_assert_str_eq(g.content_location, "/canonical.xml");
	snprintf(want, sizeof(want),
		 "%s/feed.xml"
		 "?h=Content-Location:/canonical.xml",
		 base);
	ck_assert_str_eq(g.resp_url, want);
	ck_assert_str_eq(g.effective_url, want);
	ck_assert_str_eq(g.etag, "<null>");
	ck_assert_int_eq(g.fresh_until, 0);
	ck_assert_int_eq(g.retry_after, 0);
}
END_TEST

START_TEST(test_request_headers)
{
	struct http_request r = { 0 };
	struct got g = { 0 };

	fetch(NULL, NULL, url_of(base, "/headers"), &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_ptr_nonnull(strstr(g.body, "User-Agent: feedmail-test/1\n"));
	ck_assert_ptr_nonnull(strstr(g.body, "Accept-Encoding: "));
	ck_assert_ptr_nonnull(strstr(g.body, "gzip"));
	ck_assert_ptr_nonnull(strstr(g.body, "Accept: application/rss+xml"));
	ck_assert_ptr_null(strstr(g.body, "If-None-Match"));
	ck_assert_ptr_null(strstr(g.body, "If-Modified-Since"));

	/* empty validators and agent count as absent */
	r.etag = r.last_modified = r.user_agent = "";
	fetch(NULL, &r, url_of(base, "/headers"), &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_ptr_nonnull(strstr(g.body, "User-Agent: feedmail-test/1\n"));
	ck_assert_ptr_null(strstr(g.body, "If-None-Match"));
	ck_assert_ptr_null(strstr(g.body, "If-Modified-Since"));

	r.user_agent = "other/2";
	r.etag = "\"abc\"";
	r.last_modified = "Sat, 01 Jan 2000 00:00:00 GMT";
	fetch(NULL, &r, url_of(base, "/headers"), &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_ptr_nonnull(strstr(g.body, "User-Agent: other/2\n"));
	ck_assert_ptr_nonnull(strstr(g.body, "If-None-Match: \"abc\"\n"));
	ck_assert_ptr_nonnull(strstr(g.body, "If-Modified-Since: Sat, 01 Jan "
					     "2000 00:00:00 GMT\n"));
}
END_TEST

/* ---- conditional GET */

START_TEST(test_etag)
{
	struct http_request r = { 0 };
	struct got g = { 0 };
	char etag[STR];
	const char *url = url_of(base, "/etag/feed.xml?t=etag");

	fetch(NULL, NULL, url, &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_int_eq(g.body_bytes, (long long)feed_len);
	ck_assert_str_ne(g.etag, "<null>");
	ck_assert_str_eq(g.last_modified, "<null>");
	snprintf(etag, sizeof(etag), "%s", g.etag);

	r.etag = etag;
	fetch(NULL, &r, url, &g);
	ck_assert_msg(g.cls == HTTP_NOT_MODIFIED, "%s", g.message);
	ck_assert_int_eq(g.status, 304);
	ck_assert_str_eq(g.message, "HTTP 304 Not Modified");
	ck_assert_int_eq(g.responses, 0);
	ck_assert_int_eq(g.bodies, 0);
	ck_assert_int_eq(g.body_bytes, 0);
	ck_assert_str_eq(g.etag, etag);

	/* a validator the server does not know gets the body */
	r.etag = "\"stale\"";
	fetch(NULL, &r, url, &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_str_eq(g.etag, etag);

	/* the server saw one plain GET, then two conditional ones */
	ck_assert_int_eq(log_count("?t=etag 200", "inm=0", 1), 1);
	ck_assert_int_eq(log_count("?t=etag 304", "inm=1", 1), 1);
	ck_assert_int_eq(log_count("?t=etag 200", "inm=1", 1), 1);
}
END_TEST

START_TEST(test_last_modified)
{
	struct http_request r = { 0 };
	struct got g = { 0 };
	char lm[STR];
	const char *url = url_of(base, "/lastmod/feed.xml?t=lm");

	fetch(NULL, NULL, url, &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_str_ne(g.last_modified, "<null>");
	ck_assert_str_eq(g.etag, "<null>");
	snprintf(lm, sizeof(lm), "%s", g.last_modified);

	r.last_modified = lm;
	fetch(NULL, &r, url, &g);
	ck_assert_int_eq(g.cls, HTTP_NOT_MODIFIED);
	ck_assert_int_eq(g.bodies, 0);
	/* the 304 repeats no validator: the request's come back */
	ck_assert_str_eq(g.last_modified, lm);

	r.last_modified = "Sat, 01 Jan 2000 00:00:00 GMT";
	fetch(NULL, &r, url, &g);
	ck_assert_int_eq(g.cls, HTTP_OK);
	ck_assert_str_eq(g.last_modified, lm);

	ck_assert_int_eq(log_count("?t=lm 200", "ims=0", 1), 1);
	ck_assert_int_eq(log_count("?t=lm 304", "ims=1", 1), 1);
	ck_assert_int_eq(log_count("?t=lm 200", "ims=1", 1), 1);
}
END_TEST

/* ---- content encodings */

START_TEST(test_encodings)
{
	static const char *const paths[] = { "/gzip/feed.xml",
					     "/deflate/feed.xml" };
	struct got g = { 0 };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fetch(NULL, NULL, url_of(base, paths[i]), &g);
		ck_assert_int_eq(g.cls, HTTP_OK);
		ck_assert_int_eq(g.body_bytes, (long long)feed_len);
		ck_assert_msg(!memcmp(g.body, feed, feed_len),
			      "%s: body differs", paths[i]);
	}
}
END_TEST

/* ---- Retry-After and freshness, against FEEDMAIL_NOW */

static const struct {
	const char *path;
	int64_t retry_after, fresh_until;
} time_cases[] = {
	{ "/status/429?retry=120", NOW + 120, 0 },
	{ "/status/503?retry=30", NOW + 30, 0 },
	{ "/status/429?retry=0", NOW, 0 },
	{ "/status/429?retry-date=1000000500", NOW + 500, 0 },
	{ "/status/503?retry-date=999999000", NOW - 1000, 0 },
	{ "/status/429", 0, 0 },
	{ "/status/429?retry=soon", 0, 0 },
	{ "/status/429?retry=-5", 0, 0 },
	{ "/status/500?retry=30", 0, 0 },
	{ "/feed.xml", 0, 0 },
	{ "/cache/feed.xml?max-age=300", 0, NOW + 300 },
	{ "/cache/feed.xml?max-age=0", 0, NOW },
	{ "/cache/feed.xml?max-age=300&age=100", 0, NOW + 200 },
	{ "/cache/feed.xml?expires=1000000900", 0, NOW + 900 },
	{ "/cache/feed.xml?max-age=60&expires=1000000900", 0, NOW + 60 },
	{ "/cache/feed.xml?cc=MAX-AGE=%2245%22", 0, NOW + 45 },
	{ "/cache/feed.xml?cc=no-cache&expires=1000000900", 0, 0 },
	{ "/cache/feed.xml?max-age=60&cc=no-store", 0, 0 },
	{ "/cache/feed.xml?cc=max-age=abc", 0, 0 },
	{ "/r302/1/cache/feed.xml?max-age=300", 0, NOW + 300 },
};

START_TEST(test_times)
{
	struct got g = { 0 };

	setenv("FEEDMAIL_NOW", "1000000000", 1);
	fetch(NULL, NULL, url_of(base, time_cases[_i].path), &g);
	ck_assert_msg(g.retry_after == time_cases[_i].retry_after,
		      "%s: retry_after %lld, want %lld", time_cases[_i].path,
		      (long long)g.retry_after,
		      (long long)time_cases[_i].retry_after);
	ck_assert_msg(g.fresh_until == time_cases[_i].fresh_until,
		      "%s: fresh_until %lld, want %lld", time_cases[_i].path,
		      (long long)g.fresh_until,
		      (long long)time_cases[_i].fresh_until);
}
END_TEST

/* ---- limits */

/* In the three cases below the server stalls for longer than the whole
 * test program runs: only the client's timeout can end the transfer, and
 * only a lower bound on its time depends on the clock. */

START_TEST(test_stall)
{
	struct http_options o = test_options();
	struct got g = { 0 };
	double t = testutil_now();

	/* headers, then silence past low_speed_time (2 s): it ends the
	 * transfer, not the whole-transfer timeout (60 s) */
	o.low_speed_time = 2;
	fetch(&o, NULL, url_of(base, "/stall/feed.xml?at=0&sleep=600"), &g);
	t = testutil_now() - t;
	ck_assert_msg(g.cls == HTTP_TIMEOUT, "%s", g.message);
	ck_assert_ptr_nonnull(strstr(g.message, "timed out"));
	ck_assert_int_eq(g.body_bytes, 0);
	ck_assert_msg(t > 1.5 && t < 30, "took %.1f s", t);
}
END_TEST

START_TEST(test_stall_midway)
{
	struct http_options o = test_options();
	struct got g = { 0 };

	/* half the body reaches the consumer before the timeout (the first
	 * half comes at once: 4 s is plenty even on a loaded machine) */
	o.timeout = 4;
	fetch(&o, NULL, url_of(base, "/stall/feed.xml?sleep=600"), &g);
	ck_assert_msg(g.cls == HTTP_TIMEOUT, "%s", g.message);
	ck_assert_int_eq(g.responses, 1);
	ck_assert_int_eq(g.body_bytes, (long long)feed_len / 2);
}
END_TEST

START_TEST(test_timeout)
{
	struct http_options o = test_options();
	struct got g = { 0 };
	double t = testutil_now();

	o.timeout = 1;
	fetch(&o, NULL, url_of(base, "/slow/feed.xml?delay=600"), &g);
	t = testutil_now() - t;
	ck_assert_msg(g.cls == HTTP_TIMEOUT, "%s", g.message);
	ck_assert_msg(t > 0.8 && t < 30, "took %.1f s", t);
}
END_TEST

static const struct {
	const char *path;
	long long max_size;
	enum http_class cls;
	long long body_bytes; /* -1: at most max_size */
} size_cases[] = {
	{ "/bytes/0", 1000, HTTP_OK, 0 },
	{ "/bytes/1000", 1000, HTTP_OK, 1000 },
	{ "/bytes/1000?chunked", 1000, HTTP_OK, 1000 },
	/* Content-Length past the cap: refused before any byte */
	{ "/bytes/1001", 1000, HTTP_TOO_LARGE, 0 },
	/* no length: counted as the bytes come */
	{ "/bytes/1001?chunked", 1000, HTTP_TOO_LARGE, -1 },
	{ "/big", 1024 * 1024, HTTP_TOO_LARGE, 0 },
	{ "/big?chunked", 1024 * 1024, HTTP_TOO_LARGE, -1 },
	/* 20 KiB of gzip, 20 MiB once inflated */
	{ "/bomb", 1024 * 1024, HTTP_TOO_LARGE, -1 },
	/* a redirect's body, which libcurl drops: counted all the same */
	{ "/to?url=/feed.xml&body=100000&chunked", 100000, HTTP_OK, -1 },
	{ "/to?url=/feed.xml&body=100001&chunked", 100000, HTTP_TOO_LARGE, 0 },
	{ "/to?url=/feed.xml&body=100001", 100000, HTTP_TOO_LARGE, 0 },
	{ "/gzip/feed.xml", 0 /* feed_len */, HTTP_OK, -2 },
	{ "/gzip/feed.xml", -1 /* feed_len - 1 */, HTTP_TOO_LARGE, -1 },
};

START_TEST(test_size)
{
	struct http_options o = test_options();
	struct got g = { 0 };
	long long max = size_cases[_i].max_size;

	if (max == 0)
		max = (long long)feed_len;
	else if (max == -1)
		max = (long long)feed_len - 1;
	o.max_size = max;
	fetch(&o, NULL, url_of(base, size_cases[_i].path), &g);
	ck_assert_msg(g.cls == size_cases[_i].cls, "%s: class %d (%s)",
		      size_cases[_i].path, (int)g.cls, g.message);
	if (size_cases[_i].body_bytes >= 0)
		ck_assert_int_eq(g.body_bytes, size_cases[_i].body_bytes);
	else if (size_cases[_i].body_bytes == -2)
		ck_assert_int_eq(g.body_bytes, max);
	else
		ck_assert_int_le(g.body_bytes, max);
	if (g.cls == HTTP_TOO_LARGE)
		ck_assert_ptr_nonnull(strstr(g.message, "larger than"));
	else
		ck_assert_int_eq(g.responses, 1);
}
END_TEST

/* Response headers past HTTP_MAX_HEADERS, over all hops, or a line past
 * libcurl's cap: too large, whatever the status. */
static const struct {
	const char *path;
	enum http_class cls;
	const char *message;
} header_cases[] = {
	{ "/bigheader/feed.xml?size=200000", HTTP_OK, "HTTP 200 OK" },
	{ "/bigheader/feed.xml?size=102397&line=102397", HTTP_OK,
	  "HTTP 200 OK" },
	{ "/bigheader/feed.xml?size=10485760", HTTP_TOO_LARGE,
	  "response header larger than 256 KiB" },
	{ "/bigheader/feed.xml?size=262144", HTTP_TOO_LARGE,
	  "response header larger than 256 KiB" },
	{ "/bigheader/feed.xml?size=10485760&line=10485760", HTTP_TOO_LARGE,
	  "response header line of 100 KiB or more" },
	{ "/bigheader/feed.xml?size=102400&line=102400", HTTP_TOO_LARGE,
	  "response header line of 100 KiB or more" },
	{ "/early/bigheader/feed.xml?size=10485760", HTTP_TOO_LARGE,
	  "response header larger than 256 KiB" },
	{ "/bigheader/r301/1/bigheader/feed.xml?size=100000", HTTP_OK,
	  "HTTP 200 OK" },
	{ "/bigheader/r301/1/bigheader/feed.xml?size=140000", HTTP_TOO_LARGE,
	  "response header larger than 256 KiB" },
	{ "/bigheader/status/404?size=10485760", HTTP_TOO_LARGE,
	  "response header larger than 256 KiB" },
	{ "/bigheader/status/404?size=10485760&line=10485760", HTTP_TOO_LARGE,
	  "response header line of 100 KiB or more" },
};

START_TEST(test_header_size)
{
	struct got g = { 0 };

	fetch(NULL, NULL, url_of(base, header_cases[_i].path), &g);
	ck_assert_msg(g.cls == header_cases[_i].cls, "%s: class %d (%s)",
		      header_cases[_i].path, (int)g.cls, g.message);
	ck_assert_str_eq(g.message, header_cases[_i].message);
}
END_TEST

/* ---- schemes, connections, TLS */

START_TEST(test_schemes)
{
	struct http_request r = { 0 };
	struct got g = { 0 };
	char url[STR];

	snprintf(url, sizeof(url), "ftp://%s/feed.xml", base + 7);
	fetch(NULL, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_BAD_SCHEME, "%s", g.message);

	snprintf(url, sizeof(url), "file://%s", feed_path);
	fetch(NULL, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_BAD_SCHEME, "%s", g.message);
	ck_assert_int_eq(g.bodies, 0);

	fetch(NULL, NULL, "gopher://127.0.0.1/", &g);
	ck_assert_int_eq(g.cls, HTTP_BAD_SCHEME);
	fetch(NULL, NULL, "http://[::1/", &g);
	ck_assert_int_eq(g.cls, HTTP_BAD_SCHEME);

	r.allow_file = 1;
	fetch(NULL, &r, url, &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	ck_assert_int_eq(g.responses, 1);
	ck_assert_int_eq(g.resp_status, 0);
	ck_assert_int_eq(g.body_bytes, (long long)feed_len);
	ck_assert_int_eq(memcmp(g.body, feed, feed_len), 0);

	snprintf(url, sizeof(url), "file://%s/missing.xml", www);
	fetch(NULL, &r, url, &g);
	ck_assert_msg(g.cls == HTTP_CLIENT_ERROR, "%s", g.message);
	ck_assert_int_eq(g.responses, 0);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct got g = { 0 };
	char url[STR];
	int port = testutil_closed_port();

	ck_assert_int_gt(port, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/feed.xml", port);
	fetch(NULL, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_CONNECT, "%s", g.message);
	ck_assert_int_eq(g.status, 0);
	ck_assert_msg(strstr(g.message, "connection refused"), "%s", g.message);
	/* libcurl's words are not said twice */
	ck_assert_msg(!strstr(g.message, "connect to server"), "%s", g.message);
}
END_TEST

START_TEST(test_dns)
{
	struct got g = { 0 };

	/* RFC 2606: .invalid never resolves */
	fetch(NULL, NULL, "http://feedmail-test.invalid/feed.xml", &g);
	ck_assert_msg(g.cls == HTTP_DNS, "class %d: %s", (int)g.cls, g.message);
	/* "cannot resolve host: feedmail-test.invalid", once */
	ck_assert_msg(!strncmp(g.message, "cannot resolve host", 19), "%s",
		      g.message);
	ck_assert_msg(!strstr(g.message + 19, "esolve host"), "%s", g.message);
}
END_TEST

/* Addresses that are not public: refused unless allowed, or unless the
 * request's own URL names one. feed.example.test resolves to 127.0.0.1
 * through the options' resolve, as FEEDMAIL_RESOLVE does. */
START_TEST(test_private_address)
{
	static const char refused[] =
		"refused to connect to 127.0.0.1: a "
		"loopback address (set [fetch] allow_private = yes to allow)";
	struct http_options o = test_options();
	struct got g = { 0 };
	char resolve[STR], public[STR], name_base[80], url[STR * 2];
	const char *port = strrchr(base, ':') + 1;
	int closed = testutil_closed_port();

	ck_assert_int_gt(closed, 0);
	snprintf(resolve, sizeof(resolve),
		 "other.example.test:%s:10.0.0.1,feed.example.test:%s:"
		 "127.0.0.1",
		 port, port);
	snprintf(public, sizeof(public), "127.0.0.1:%d,127.0.0.1:%s", closed,
		 port);
	snprintf(name_base, sizeof(name_base), "http://feed.example.test:%s",
		 port);
	o.resolve = resolve;

	/* a name that resolves to loopback */
	fetch(&o, NULL, url_of(name_base, "/feed.xml"), &g);
	ck_assert_msg(g.cls == HTTP_PRIVATE_ADDRESS, "class %d: %s", (int)g.cls,
		      g.message);
	ck_assert_str_eq(g.message, refused);
	ck_assert_int_eq(g.status, 0);
	ck_assert_int_eq(g.responses, 0);

	/* allowed for every request */
	o.allow_private = 1;
	fetch(&o, NULL, url_of(name_base, "/feed.xml"), &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	o.allow_private = 0;

	/* the URL given names a loopback address: its redirects may go on
	 * to a private one */
	snprintf(url, sizeof(url), "%s/to?url=%s/feed.xml", base, name_base);
	fetch(&o, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	snprintf(url, sizeof(url), "http://localhost:%s/feed.xml", port);
	fetch(&o, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);

	/* counted as public (tests): fetched; its redirect to another
	 * loopback port is refused before any connection is tried, so it is
	 * not a connection refused by that closed port */
	o.public_addrs = public + strcspn(public, ",") + 1;
	fetch(&o, NULL, url_of(name_base, "/feed.xml"), &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	snprintf(url, sizeof(url), "%s/to?url=http://0x7f000001:%d/", name_base,
		 closed);
	fetch(&o, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_PRIVATE_ADDRESS, "%s", g.message);
	ck_assert_str_eq(g.message, refused);
	ck_assert_int_eq(g.status, 302);
	o.public_addrs = public;
	fetch(&o, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_CONNECT, "%s", g.message);

	/* a private address, and the words for it */
	snprintf(url, sizeof(url), "%s/to?url=http://other.example.test:%s/",
		 name_base, port);
	fetch(&o, NULL, url, &g);
	ck_assert_msg(g.cls == HTTP_PRIVATE_ADDRESS, "%s", g.message);
	ck_assert_msg(strstr(g.message, "refused to connect to 10.0.0.1: a "
					"private address"),
		      "%s", g.message);
}
END_TEST

START_TEST(test_tls)
{
	struct http_options o = test_options();
	struct got g = { 0 };

	fetch(NULL, NULL, url_of(tls_base, "/feed.xml"), &g);
	ck_assert_msg(g.cls == HTTP_TLS, "class %d: %s", (int)g.cls, g.message);
	ck_assert_msg(strstr(g.message, "certificate"), "%s", g.message);
	ck_assert_int_eq(g.bodies, 0);

	o.ca_file = cert;
	fetch(&o, NULL, url_of(tls_base, "/gzip/feed.xml"), &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	ck_assert_int_eq(g.body_bytes, (long long)feed_len);
	ck_assert_int_eq(memcmp(g.body, feed, feed_len), 0);

	/* a redirect from https to plain http is allowed */
	fetch(&o, NULL, url_of(tls_base, "/to?url=http://127.0.0.1:1/"), &g);
	ck_assert_msg(g.cls == HTTP_CONNECT, "%s", g.message);
}
END_TEST

/* ---- HTTP/2, against nginx when it is installed */

/* Distinct connections and HTTP/2 requests in nginx's log of tag. */
static void
nginx_log(const char *tag, int *conns, int *h2, int *lines)
{
	char line[1024], path[300];
	long seen[256];
	long c;
	const char *p;
	int n = 0, i;
	FILE *f;

	*conns = *h2 = *lines = 0;
	snprintf(path, sizeof(path), "%s/ngx/access.log", tmpdir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, tag))
			continue;
		(*lines)++;
		if (strstr(line, " HTTP/2.0 "))
			(*h2)++;
		p = strstr(line, " c=");
		ck_assert_ptr_nonnull(p);
		c = strtol(p + 3, NULL, 10);
		for (i = 0; i < n && seen[i] != c; i++)
			;
		if (i == n && n < 256)
			seen[n++] = c;
	}
	fclose(f);
	*conns = n;
}

START_TEST(test_http2)
{
	static struct got many_got[20];
	struct http_options o = test_options();
	struct http_request r = { 0 };
	struct err e = ERR_INIT;
	struct got g = { 0 };
	struct http *h;
	struct testutil_watch *w;
	char etag[STR], url[STR], want[STR], ngx[300];
	int i, conns, h2, lines;
	double deadline;

	if (!h2_base[0]) {
		fprintf(stderr, "test_http: no nginx, HTTP/2 not tested\n");
		return;
	}
	o.ca_file = cert;
	fetch(&o, NULL, url_of(h2_base, "/feed.xml?t=h2"), &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	/* HTTP/2 has no reason phrase: ours */
	ck_assert_str_eq(g.message, "HTTP 200 OK");
	ck_assert_str_eq(g.content_type, "application/xml");
	ck_assert_int_eq(g.body_bytes, (long long)feed_len);
	ck_assert_int_eq(memcmp(g.body, feed, feed_len), 0);
	ck_assert_str_ne(g.etag, "<null>");
	ck_assert_str_ne(g.last_modified, "<null>");
	snprintf(etag, sizeof(etag), "%s", g.etag);

	r.etag = etag;
	fetch(&o, &r, url_of(h2_base, "/feed.xml?t=h2"), &g);
	ck_assert_msg(g.cls == HTTP_NOT_MODIFIED, "%s", g.message);
	ck_assert_int_eq(g.bodies, 0);

	fetch(&o, NULL, url_of(h2_base, "/moved?t=h2"), &g);
	ck_assert_msg(g.cls == HTTP_OK, "%s", g.message);
	snprintf(want, sizeof(want), "%s/feed.xml", h2_base);
	ck_assert_str_eq(g.permanent_url, want);

	fetch(&o, NULL, url_of(h2_base, "/missing.xml?t=h2"), &g);
	ck_assert_int_eq(g.cls, HTTP_CLIENT_ERROR);
	ck_assert_str_eq(g.message, "HTTP 404 Not Found");

	/* many transfers to one host share its connections */
	h = http_new(&o, &e);
	ck_assert_ptr_nonnull(h);
	for (i = 0; i < 20; i++) {
		snprintf(url, sizeof(url), "%s/feed.xml?t=h2many&n=%d", h2_base,
			 i);
		memset(&many_got[i], 0, sizeof(many_got[i]));
		r = (struct http_request){ .url = url,
					   .on_body = got_body,
					   .on_done = got_done,
					   .arg = &many_got[i] };
		ck_assert_int_eq(http_add(h, &r, &e), 0);
	}
	ck_assert_int_eq(http_run(h, &e), 0);
	http_free(h);
	for (i = 0; i < 20; i++)
		ck_assert_msg(many_got[i].cls == HTTP_OK, "%d: %s", i,
			      many_got[i].message);
	/* nginx writes its access log after the response */
	snprintf(ngx, sizeof(ngx), "%s/ngx", tmpdir);
	w = testutil_watch(ngx);
	ck_assert_ptr_nonnull(w);
	deadline = testutil_now() + TESTUTIL_PATIENCE;
	nginx_log("t=h2many", &conns, &h2, &lines);
	while (lines < 20 && testutil_watch_wait(w, deadline))
		nginx_log("t=h2many", &conns, &h2, &lines);
	testutil_watch_end(w);
	ck_assert_int_eq(lines, 20);
	ck_assert_int_eq(h2, 20);
	ck_assert_msg(conns >= 1 && conns <= 2, "%d connections", conns);
}
END_TEST

/* ---- many at once */

#define MANY 50

static int
many(int per_host, const char *tag, struct got *g)
{
	struct http_options o = test_options();
	struct http_request r = { 0 };
	struct err e = ERR_INIT;
	struct http *h;
	char url[STR];
	int i, n;

	o.per_host = per_host;
	h = http_new(&o, &e);
	ck_assert_ptr_nonnull(h);
	for (i = 0; i < MANY; i++) {
		snprintf(url, sizeof(url), "%s/slow/feed.xml?delay=0.05&%s=%d",
			 base, tag, i);
		memset(&g[i], 0, sizeof(g[i]));
		r.url = url;
		r.on_response = got_response;
		r.on_body = got_body;
		r.on_done = got_done;
		r.arg = &g[i];
		ck_assert_int_eq(http_add(h, &r, &e), 0);
	}
	ck_assert_int_eq(http_run(h, &e), 0);
	http_free(h);
	for (i = 0; i < MANY; i++) {
		ck_assert_int_eq(g[i].dones, 1);
		ck_assert_msg(g[i].cls == HTTP_OK, "%d: %s", i, g[i].message);
		ck_assert_int_eq(g[i].body_bytes, (long long)feed_len);
	}
	ck_assert_int_eq(log_count(tag, "=", MANY), MANY);
	i = log_overlap(tag, &n);
	ck_assert_int_eq(n, MANY);
	return i;
}

START_TEST(test_many)
{
	static struct got g[MANY];
	int most;

	most = many(2, "two", g);
	ck_assert_msg(most >= 1 && most <= 2, "%d at once", most);
	/* the measure can see more, when more are allowed */
	most = many(8, "eight", g);
	ck_assert_msg(most > 2 && most <= 8, "%d at once", most);
}
END_TEST

START_TEST(test_queue_time)
{
	static struct got g[7];
	struct http_options o = test_options();
	struct http_request r = { 0 };
	struct err e = ERR_INIT;
	struct http *h;
	char url[STR];
	int i;

	/* one at a time, the seven together far longer than the timeout,
	 * each well within it (2.5 s to spare on a loaded machine): a
	 * transfer's clock starts when it does, not when it was queued */
	o.per_host = 1;
	o.timeout = 3;
	h = http_new(&o, &e);
	ck_assert_ptr_nonnull(h);
	for (i = 0; i < 7; i++) {
		snprintf(url, sizeof(url), "%s/slow/feed.xml?delay=0.5&q=%d",
			 base, i);
		memset(&g[i], 0, sizeof(g[i]));
		r.url = url;
		r.on_done = got_done;
		r.arg = &g[i];
		ck_assert_int_eq(http_add(h, &r, &e), 0);
	}
	ck_assert_int_eq(http_run(h, &e), 0);
	http_free(h);
	for (i = 0; i < 7; i++)
		ck_assert_msg(g[i].cls == HTTP_OK, "%d: %s", i, g[i].message);
}
END_TEST

/* ---- callbacks */

struct chain {
	struct http *h;
	int done;
	struct got g;
};

static void
chain_done(const struct http_result *res, void *arg)
{
	struct chain *c = arg;
	struct http_request r = { 0 };
	struct err e = ERR_INIT;

	ck_assert_int_eq(res->cls, HTTP_OK);
	c->done++;
	/* no run inside a run */
	ck_assert_int_eq(http_run(c->h, &e), -1);
	ck_assert_int_eq(e.code, EX_SOFTWARE);
	if (c->done < 3) {
		r.url = url_of(base, "/feed.xml?t=chain");
		r.on_done = chain_done;
		r.arg = c;
		ck_assert_int_eq(http_add(c->h, &r, &e), 0);
	}
}

START_TEST(test_add_from_on_done)
{
	struct chain c = { 0 };
	struct http_request r = { 0 };
	struct err e = ERR_INIT;
	struct http_options o = test_options();

	c.h = http_new(&o, &e);
	ck_assert_ptr_nonnull(c.h);
	r.url = url_of(base, "/feed.xml?t=chain");
	r.on_done = chain_done;
	r.arg = &c;
	ck_assert_int_eq(http_add(c.h, &r, &e), 0);
	ck_assert_int_eq(http_run(c.h, &e), 0);
	ck_assert_int_eq(c.done, 3);
	/* nothing left: a second run returns at once */
	ck_assert_int_eq(http_run(c.h, &e), 0);
	http_free(c.h);
	ck_assert_int_eq(log_count("/feed.xml?t=chain 200", "", 3), 3);
}
END_TEST

START_TEST(test_abort)
{
	struct got g = { 0 };

	g.stop_in_body = 1;
	fetch(NULL, NULL, url_of(base, "/bytes/300000"), &g);
	ck_assert_int_eq(g.cls, HTTP_ABORTED);
	ck_assert_int_eq(g.bodies, 1);
	ck_assert_int_lt(g.body_bytes, 300000);

	memset(&g, 0, sizeof(g));
	g.stop_in_response = 1;
	fetch(NULL, NULL, url_of(base, "/feed.xml"), &g);
	ck_assert_int_eq(g.cls, HTTP_ABORTED);
	ck_assert_int_eq(g.responses, 1);
	ck_assert_int_eq(g.bodies, 0);
	ck_assert_str_eq(g.message, "stopped by the consumer");

	/* an empty file:// body still asks on_response */
	memset(&g, 0, sizeof(g));
	g.stop_in_response = 1;
	fetch(NULL, &(struct http_request){ .allow_file = 1 },
	      "file:///dev/null", &g);
	ck_assert_int_eq(g.cls, HTTP_ABORTED);
	ck_assert_int_eq(g.responses, 1);
}
END_TEST

/* The stop flag: once up, queued requests end HTTP_CANCELLED unstarted
 * while the running one finishes. */
static atomic_int stop_flag;

static void
stop_done(const struct http_result *res, void *arg)
{
	got_done(res, arg);
	if (res->cls == HTTP_OK)
		stop_flag = 1;
}

START_TEST(test_stop)
{
	struct http_options o = test_options();
	struct http_request r = { 0 };
	struct err e = ERR_INIT;
	struct got g[3];
	struct http *h;
	int i, round;

	o.jobs = 1;
	o.stop = &stop_flag;
	for (round = 0; round < 2; round++) {
		/* round 0: raised by the first on_done; 1: up before the run */
		stop_flag = round;
		memset(g, 0, sizeof(g));
		h = http_new(&o, &e);
		ck_assert_ptr_nonnull(h);
		for (i = 0; i < 3; i++) {
			r.url = url_of(base, round ? "/feed.xml?t=stop1" :
						     "/feed.xml?t=stop0");
			r.on_done = stop_done;
			r.arg = &g[i];
			ck_assert_int_eq(http_add(h, &r, &e), 0);
		}
		ck_assert_int_eq(http_run(h, &e), 0);
		http_free(h);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(g[i].dones, 1);
			ck_assert_int_eq(g[i].cls, i == 0 && !round ?
							   HTTP_OK :
							   HTTP_CANCELLED);
		}
		ck_assert_str_eq(g[2].message, "cancelled before it started");
	}
	ck_assert_int_eq(log_count("/feed.xml?t=stop0 200", "", 1), 1);
	ck_assert_int_eq(log_count_now("/feed.xml?t=stop1", ""), 0);
}
END_TEST

static int done_calls;

static void
count_done(const struct http_result *res, void *arg)
{
	(void)res;
	(void)arg;
	done_calls++;
}

START_TEST(test_add_rejects)
{
	static const struct http_request bad[] = {
		{ .url = NULL },
		{ .url = "" },
		{ .url = "http://x/\r\nX-Evil: 1" },
		{ .url = "http://x/", .etag = "\"a\"\r\nX-Evil: 1" },
		{ .url = "http://x/", .last_modified = "x\ny" },
		{ .url = "http://x/", .user_agent = "a\rb" },
	};
	struct http_options o = test_options();
	struct http_request r;
	struct err e = ERR_INIT;
	struct http *h = http_new(&o, &e);
	size_t i;

	ck_assert_ptr_nonnull(h);
	done_calls = 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = bad[i];
		r.on_done = count_done;
		err_clear(&e);
		ck_assert_int_eq(http_add(h, &r, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
	}
	ck_assert_int_eq(http_run(h, &e), 0);
	ck_assert_int_eq(done_calls, 0);

	/* queued but never run: dropped without on_done, nothing leaks */
	r = (struct http_request){ .url = base, .on_done = count_done };
	ck_assert_int_eq(http_add(h, &r, &e), 0);
	http_free(h);
	ck_assert_int_eq(done_calls, 0);
	http_free(NULL);

	o.user_agent = "a\nb";
	ck_assert_ptr_null(http_new(&o, &e));
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

START_TEST(test_status_names)
{
	static const struct {
		enum fetch_status st;
		const char *name;
	} names[] = {
		{ FETCH_OK, "ok" },
		{ FETCH_NOT_MODIFIED, "not_modified" },
		{ FETCH_DNS, "dns" },
		{ FETCH_CONNECT, "connect" },
		{ FETCH_TLS, "tls" },
		{ FETCH_TIMEOUT, "timeout" },
		{ FETCH_TOO_LARGE, "too_large" },
		{ FETCH_TOO_MANY_REDIRECTS, "too_many_redirects" },
		{ FETCH_BAD_SCHEME, "bad_scheme" },
		{ FETCH_PRIVATE_ADDRESS, "private_address" },
		{ FETCH_CLIENT_ERROR, "client_error" },
		{ FETCH_GONE, "gone" },
		{ FETCH_RATE_LIMITED, "rate_limited" },
		{ FETCH_SERVER_ERROR, "server_error" },
		{ FETCH_PROTOCOL, "protocol" },
		{ FETCH_ABORTED, "aborted" },
		{ FETCH_CANCELLED, "cancelled" },
		{ FETCH_NOT_A_FEED, "not_a_feed" },
		{ FETCH_PARSE, "parse" },
		{ (enum fetch_status)(FETCH_PARSE + 1), "unknown" },
		{ (enum fetch_status) - 1, "unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_str_eq(fetch_status_name(names[i].st), names[i].name);
}
END_TEST

/* ---- set-up: the feed, the servers */

/* Starts tests/httpd.py; returns its base URL in out. */
static void
start_server(int tls, pid_t *pid, char *out, size_t outlen)
{
	char script[300], port_file[300];
	char *argv[16];
	int n = 0, port;

	snprintf(script, sizeof(script), "%s/tests/httpd.py", SRCDIR);
	snprintf(port_file, sizeof(port_file), "%s/port%d", tmpdir, tls);
	argv[n++] = (char *)testutil_python();
	argv[n++] = script;
	argv[n++] = (char *)"--root";
	argv[n++] = www;
	argv[n++] = (char *)"--port-file";
	argv[n++] = port_file;
	argv[n++] = (char *)"--log";
	argv[n++] = log_path;
	if (tls) {
		argv[n++] = (char *)"--tls";
		argv[n++] = cert;
		argv[n++] = key;
	}
	argv[n] = NULL;
	if (testutil_spawn(argv, pid, 0) < 0) {
		perror("fork");
		exit(EXIT_FAILURE);
	}
	port = testutil_wait_port_file(port_file);
	if (port < 0) {
		fprintf(stderr, "test_http: %s did not start\n", script);
		exit(EXIT_FAILURE);
	}
	snprintf(out, outlen, "%s://127.0.0.1:%d", tls ? "https" : "http",
		 port);
}

/* Starts nginx, when installed, serving www over HTTPS and HTTP/2; sets
 * h2_base. Without it, test_http2 says so and passes. */
static void
start_nginx(void)
{
	char dir[300], conf[400], errlog[400], pidfile[400], *argv[8];
	struct testutil_watch *w;
	double deadline;
	FILE *f;
	int port;

	if (access(NGINX, X_OK) != 0)
		return;
	snprintf(dir, sizeof(dir), "%s/ngx", tmpdir);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", dir);
	if (mkdir(dir, 0700) < 0 || (port = testutil_closed_port()) < 0 ||
	    !(f = fopen(conf, "w")))
		return;
	fprintf(f,
		"daemon off;\n"
		"master_process off;\n"
		"pid %s/nginx.pid;\n"
		"error_log %s;\n"
		"events { worker_connections 64; }\n"
		"http {\n"
		"  log_format t '$request $status $server_protocol "
		"c=$connection';\n"
		"  access_log %s/access.log t;\n"
		"  client_body_temp_path %s;\n"
		"  proxy_temp_path %s;\n"
		"  fastcgi_temp_path %s;\n"
		"  uwsgi_temp_path %s;\n"
		"  scgi_temp_path %s;\n"
		"  types { application/xml xml; }\n"
		"  gzip on;\n"
		"  gzip_types application/xml;\n"
		"  gzip_min_length 0;\n"
		"  server {\n"
		"    listen 127.0.0.1:%d ssl http2;\n"
		"    ssl_certificate %s;\n"
		"    ssl_certificate_key %s;\n"
		"    root %s;\n"
		"    location = /moved { return 301 /feed.xml; }\n"
		"  }\n"
		"}\n",
		dir, errlog, dir, dir, dir, dir, dir, dir, port, cert, key,
		www);
	if (fclose(f) != 0)
		return;
	argv[0] = (char *)NGINX;
	argv[1] = (char *)"-p";
	argv[2] = dir;
	argv[3] = (char *)"-c";
	argv[4] = conf;
	argv[5] = (char *)"-e";
	argv[6] = errlog;
	argv[7] = NULL;
	/* nginx writes its pid file once it listens */
	snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", dir);
	w = testutil_watch(dir);
	if (!w || testutil_spawn(argv, &nginx_pid, 1) < 0) {
		testutil_watch_end(w);
		return;
	}
	deadline = testutil_now() + TESTUTIL_PATIENCE;
	while (access(pidfile, F_OK) != 0 && testutil_watch_wait(w, deadline))
		;
	testutil_watch_end(w);
	if (testutil_listening(port))
		snprintf(h2_base, sizeof(h2_base), "https://127.0.0.1:%d",
			 port);
	else
		fprintf(stderr, "test_http: nginx did not start, see %s\n",
			errlog);
}

/* A feed of a few KiB, so that gzip and half-bodies mean something. */
static void
make_feed(void)
{
	static char data[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(data + n, sizeof(data) - n,
			      "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">"
			      "<channel><title>Test</title>\n");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(data + n, sizeof(data) - n,
				      "<item><title>Item %d</title>"
				      "<link>http://example.org/%d</link>"
				      "<description>Entry number %d of the "
				      "test feed.</description></item>\n",
				      i, i, i);
	n += (size_t)snprintf(data + n, sizeof(data) - n, "</channel></rss>\n");
	feed = data;
	feed_len = n;
	if (feed_len >= 4096) { /* must fit struct got's body */
		fprintf(stderr, "test_http: feed too long\n");
		exit(EXIT_FAILURE);
	}
	if (testutil_put_file(feed_path, feed, 0644) < 0) {
		perror(feed_path);
		exit(EXIT_FAILURE);
	}
}

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	int rc;
	size_t i;
	static const char *const proxies[] = {
		"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
		"ALL_PROXY",  "no_proxy",    "NO_PROXY",
	};

	/* the tests talk to 127.0.0.1 only, never through a proxy */
	for (i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	unsetenv("FEEDMAIL_NOW");
	if (!testutil_tmpdir(tmpdir, sizeof(tmpdir), "http")) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(www, sizeof(www), "%s/www", tmpdir);
	snprintf(feed_path, sizeof(feed_path), "%s/feed.xml", www);
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
	snprintf(log_path, sizeof(log_path), "%s/http.log", tmpdir);
	if (mkdir(www, 0700) < 0) {
		perror(www);
		return EXIT_FAILURE;
	}
	make_feed();
	testutil_make_cert(cert, key, "/CN=127.0.0.1",
			   "subjectAltName=IP:127.0.0.1,DNS:localhost");
	start_server(0, &server_pid, base, sizeof(base));
	start_server(1, &tls_pid, tls_base, sizeof(tls_base));
	start_nginx();

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_status, 0,
			    sizeof(status_cases) / sizeof(status_cases[0]));
	tcase_add_test(tc, test_body_and_fields);
	tcase_add_test(tc, test_request_headers);
	tcase_add_test(tc, test_etag);
	tcase_add_test(tc, test_last_modified);
	tcase_add_test(tc, test_encodings);
	tcase_add_loop_test(tc, test_times, 0,
			    sizeof(time_cases) / sizeof(time_cases[0]));
	tcase_add_loop_test(tc, test_size, 0,
			    sizeof(size_cases) / sizeof(size_cases[0]));
	tcase_add_loop_test(tc, test_header_size, 0,
			    sizeof(header_cases) / sizeof(header_cases[0]));
	tcase_add_test(tc, test_schemes);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_dns);
	tcase_add_test(tc, test_private_address);
	tcase_add_test(tc, test_tls);
	tcase_add_test(tc, test_http2);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_queue_time);
	tcase_add_test(tc, test_add_from_on_done);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_add_rejects);
	tcase_add_test(tc, test_status_names);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_stall);
	tcase_add_test(tc, test_stall_midway);
	tcase_add_test(tc, test_timeout);
	suite_add_tcase(s, tc);
	rc = testutil_run(s);
	testutil_stop(&server_pid);
	testutil_stop(&tls_pid);
	testutil_stop(&nginx_pid);
	testutil_remove_tree(tmpdir);
	return rc;
}
