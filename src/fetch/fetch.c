#include "config.h"

#include "fetch/fetch.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fetch/http.h"
#include "fetch/ident.h"
#include "fetch/polling.h"
#include "lib/clock.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/url.h"
#include "parse/parse.h"
#include "store/store.h"

/* A document with more entries than this keeps the first ones. */
#define FETCH_MAX_ENTRIES 10000
/* A permanent redirect seen on this many fetches in a row moves the feed. */
#define FETCH_REDIRECT_THRESHOLD 3

struct run {
	struct store *store;
	struct http *http;
	const struct conf *cfg;
	struct fetch_report *report;
	int64_t now;
	size_t total, done;
	fetch_progress_fn progress;
	void *progress_arg;
	struct err fatal; /* the store failed: stop saving */
	/* claiming the due feeds as the transfers go (claim_more) */
	const atomic_int *stop;
	int64_t due_by;
	int all;
	int claiming; /* more may be due: claim again when low */
	int64_t kept; /* when the leases were last renewed */
};

/* One feed's transfer. */
struct job {
	struct run *run;
	struct store_fetch feed;
	struct parser *parser;
	struct err parse_err;
	int parse_failed;
	struct entry **entries;
	size_t n, cap;
	int truncated;
};

static const char *const status_names[] = {
	[FETCH_OK] = "ok",
	[FETCH_NOT_MODIFIED] = "not_modified",
	[FETCH_DNS] = "dns",
	[FETCH_CONNECT] = "connect",
	[FETCH_TLS] = "tls",
	[FETCH_TIMEOUT] = "timeout",
	[FETCH_TOO_LARGE] = "too_large",
	[FETCH_TOO_MANY_REDIRECTS] = "too_many_redirects",
	[FETCH_BAD_SCHEME] = "bad_scheme",
	[FETCH_PRIVATE_ADDRESS] = "private_address",
	[FETCH_CLIENT_ERROR] = "client_error",
	[FETCH_GONE] = "gone",
	[FETCH_RATE_LIMITED] = "rate_limited",
	[FETCH_SERVER_ERROR] = "server_error",
	[FETCH_PROTOCOL] = "protocol",
	[FETCH_ABORTED] = "aborted",
	[FETCH_CANCELLED] = "cancelled",
	[FETCH_NOT_A_FEED] = "not_a_feed",
	[FETCH_PARSE] = "parse",
};

const char *
fetch_status_name(enum fetch_status st)
{
	if ((unsigned)st >= sizeof(status_names) / sizeof(status_names[0]) ||
	    !status_names[st])
		return "unknown";
	return status_names[st];
}

/* The status of a transfer that ended with class c (no default: a class
 * added to http.h must be given a status here). */
static enum fetch_status
status_of(enum http_class c)
{
	switch (c) {
	case HTTP_OK:
		return FETCH_OK;
	case HTTP_NOT_MODIFIED:
		return FETCH_NOT_MODIFIED;
	case HTTP_DNS:
		return FETCH_DNS;
	case HTTP_CONNECT:
		return FETCH_CONNECT;
	case HTTP_TLS:
		return FETCH_TLS;
	case HTTP_TIMEOUT:
		return FETCH_TIMEOUT;
	case HTTP_TOO_LARGE:
		return FETCH_TOO_LARGE;
	case HTTP_TOO_MANY_REDIRECTS:
		return FETCH_TOO_MANY_REDIRECTS;
	case HTTP_BAD_SCHEME:
		return FETCH_BAD_SCHEME;
	case HTTP_PRIVATE_ADDRESS:
		return FETCH_PRIVATE_ADDRESS;
	case HTTP_CLIENT_ERROR:
		return FETCH_CLIENT_ERROR;
	case HTTP_GONE:
		return FETCH_GONE;
	case HTTP_RATE_LIMITED:
		return FETCH_RATE_LIMITED;
	case HTTP_SERVER_ERROR:
		return FETCH_SERVER_ERROR;
	case HTTP_PROTOCOL:
		return FETCH_PROTOCOL;
	case HTTP_ABORTED:
		return FETCH_ABORTED;
	case HTTP_CANCELLED:
		return FETCH_CANCELLED;
	}
	return FETCH_PROTOCOL;
}

void
fetch_report_release(struct fetch_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nerrors; i++) {
		free(r->errors[i].url);
		free(r->errors[i].message);
	}
	free(r->errors);
	memset(r, 0, sizeof(*r));
}

static void
job_free(struct job *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++)
		entry_free(j->entries[i]);
	free(j->entries);
	parser_free(j->parser);
	store_fetch_release(&j->feed);
	free(j);
}

/* The parser lends each entry for the duration of the callback; the
 * document's entries are kept until its end (identities need them all). */
static struct entry *
entry_copy(const struct entry *src)
{
	struct entry *en = entry_new();
	size_t i;
	int oom = !en;

	if (oom)
		return NULL;
	en->id = str_dup(src->id, &oom);
	en->title = str_dup(src->title, &oom);
	en->link = str_dup(src->link, &oom);
	en->author = str_dup(src->author, &oom);
	en->summary = str_dup(src->summary, &oom);
	en->content = str_dup(src->content, &oom);
	en->published = src->published;
	en->updated = src->updated;
	for (i = 0; i < src->ncategories && !oom; i++)
		oom = entry_add_category(en, src->categories[i]) < 0;
	for (i = 0; i < src->nenclosures && !oom; i++) {
		const struct enclosure *x = &src->enclosures[i];
		int o2 = 0;
		char *url = str_dup(x->url, &o2);
		char *type = str_dup(x->type, &o2);

		if (o2) {
			free(url);
			free(type);
			oom = 1;
		} else {
			oom = entry_add_enclosure(en, url, type, x->length) < 0;
		}
	}
	if (oom) {
		entry_free(en);
		return NULL;
	}
	return en;
}

static int
on_entry(const struct feed *feed, const struct entry *en, void *arg,
	 struct err *e)
{
	struct job *j = arg;
	struct entry **grown;

	(void)feed;
	if (j->n == FETCH_MAX_ENTRIES) {
		j->truncated = 1;
		return 0;
	}
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 32;

		grown = realloc(j->entries, cap * sizeof(*grown));
		if (!grown)
			return err_set(e, EX_OSERR, "out of memory");
		j->entries = grown;
		j->cap = cap;
	}
	j->entries[j->n] = entry_copy(en);
	if (!j->entries[j->n])
		return err_set(e, EX_OSERR, "out of memory");
	j->n++;
	return 0;
}

static int
on_response(const struct http_response *r, void *arg)
{
	struct job *j = arg;
	struct parse_callbacks cb = { on_entry, j };

	j->parser = parser_new(r->effective_url, r->content_type,
			       r->content_location, &cb, &j->parse_err);
	if (!j->parser) {
		j->parse_failed = 1;
		return 1;
	}
	return 0;
}

static int
on_body(const char *data, size_t len, void *arg)
{
	struct job *j = arg;

	if (parser_push(j->parser, data, len, &j->parse_err) < 0) {
		j->parse_failed = 1;
		return 1;
	}
	return 0;
}

/* Whether a later run may succeed where this one failed. */
static int
is_temporary(enum http_class c)
{
	switch (c) {
	case HTTP_DNS:
	case HTTP_CONNECT:
	case HTTP_TIMEOUT:
	case HTTP_RATE_LIMITED:
	case HTTP_SERVER_ERROR:
	case HTTP_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

static void
record_error(struct run *run, const struct job *j, enum fetch_status st,
	     const char *message, int temporary)
{
	struct fetch_report *r = run->report;
	struct fetch_error *grown, *fe;
	int oom = 0;

	r->failed++;
	log_debug("fetch '%s': %s: %s", j->feed.url, fetch_status_name(st),
		  message);
	grown = realloc(r->errors, (r->nerrors + 1) * sizeof(*grown));
	if (!grown)
		return;
	r->errors = grown;
	fe = &r->errors[r->nerrors];
	fe->feed_id = j->feed.id;
	fe->url = str_dup(j->feed.url, &oom);
	fe->status = st;
	fe->message = str_dup(message, &oom);
	fe->temporary = temporary;
	if (oom) {
		free(fe->url);
		free(fe->message);
		return;
	}
	r->nerrors++;
}

/* Parses what the transfer delivered and saves its entries. Returns 0, or
 * -1 with j->parse_err (the document is not a readable feed) or run->fatal
 * (the store failed). */
static int
save_document(struct job *j, struct store_fetch_outcome *o, struct feed **feed)
{
	struct run *run = j->run;
	struct store_entries entries;
	size_t added = 0, updated = 0;
	size_t i;

	if (!j->parser)
		return err_set(&j->parse_err, EX_DATAERR, "empty response");
	if (parser_finish(j->parser, feed, &j->parse_err) < 0)
		return -1;
	for (i = 0; i < parser_warning_count(j->parser); i++)
		log_info("fetch '%s': %s", j->feed.url,
			 parser_warning(j->parser, i, NULL, NULL));
	if (j->truncated)
		log_warn("fetch '%s': more than %d entries; the rest were "
			 "ignored",
			 j->feed.url, FETCH_MAX_ENTRIES);
	if (ident_entries((const struct entry *const *)j->entries, j->n,
			  &entries) < 0)
		return err_set(&run->fatal, EX_OSERR, "out of memory");
	if (store_entries_save(run->store, j->feed.id, &entries, o->now, &added,
			       &updated, &run->fatal) < 0) {
		ident_entries_release(&entries);
		return -1;
	}
	ident_entries_release(&entries);
	run->report->new_entries += added;
	run->report->updated_entries += updated;
	o->new_entries = added;
	o->title = (*feed)->title;
	o->site_link = (*feed)->link;
	o->ttl_minutes = (*feed)->ttl_minutes;
	return 0;
}

static void claim_more(struct run *run);

static void
on_done(const struct http_result *res, void *arg)
{
	struct job *j = arg;
	struct run *run = j->run;
	struct store_fetch_outcome o = { 0 };
	struct polling_input when = { 0 };
	struct feed *feed = NULL;
	char *redirect = NULL;
	enum fetch_status st = status_of(res->cls);
	const char *message = res->message;
	int temporary = is_temporary(res->cls), ok, moved = 0;
	struct err ignored = ERR_INIT;

	if (run->fatal.code)
		goto out;
	if (res->cls == HTTP_CANCELLED) {
		/* never asked: the feed stays due for the next run */
		run->report->cancelled++;
		goto out;
	}
	o.feed_id = j->feed.id;
	/* when this transfer ended, not when the pass began: a pass claims
	 * feeds for as long as some are due, and the next fetch counts
	 * from this one */
	o.now = clock_now();
	if (res->cls == HTTP_OK ||
	    (res->cls == HTTP_ABORTED && j->parse_failed)) {
		if (!j->parse_failed && save_document(j, &o, &feed) == 0) {
			st = FETCH_OK;
			run->report->fetched++;
		} else if (run->fatal.code) {
			goto out;
		} else if (j->parse_err.code == EX_OSERR) {
			/* memory ran out, not the feed's fault: nothing
			 * is recorded against it, and the run stops */
			run->fatal = j->parse_err;
			goto out;
		} else {
			/* an HTML login page, a truncated or broken document */
			st = j->parser && parser_not_a_feed(j->parser) ?
				     FETCH_NOT_A_FEED :
				     FETCH_PARSE;
			message = j->parse_err.msg;
			temporary = 0;
		}
	} else if (res->cls == HTTP_NOT_MODIFIED) {
		run->report->not_modified++;
	}
	ok = st == FETCH_OK || st == FETCH_NOT_MODIFIED;
	o.status = fetch_status_name(st);
	o.succeeded = ok;
	o.not_modified = st == FETCH_NOT_MODIFIED;
	o.error = ok ? NULL : message;
	o.disable = res->cls == HTTP_GONE;
	if (ok) {
		o.etag = res->etag;
		o.last_modified = res->last_modified;
	} else {
		record_error(run, j, st, message, temporary);
	}
	/* a feed moves only to a URL that works */
	if (ok && res->permanent_url) {
		redirect = url_normalize(res->permanent_url, &ignored);
		o.redirect_url = redirect;
		o.redirect_threshold = FETCH_REDIRECT_THRESHOLD;
	}
	when.now = o.now;
	when.min_interval = run->cfg->min_interval * 60;
	when.max_interval = run->cfg->max_interval * 60;
	/* a 304 parsed nothing: the ttl stored from the last 200 holds */
	when.ttl_minutes = !ok           ? 0 :
			   o.ttl_minutes ? o.ttl_minutes :
					   j->feed.ttl_minutes;
	when.fresh_until = res->fresh_until;
	when.retry_after = res->retry_after;
	when.failures = ok ? 0 : j->feed.failures + 1;
	when.jitter_seed = (uint64_t)j->feed.id;
	if (store_entries_last_week(run->store, j->feed.id, o.now,
				    &when.entries_last_week, &run->fatal) < 0)
		goto out;
	o.next_fetch_at = polling_next_fetch(&when);
	if (store_fetch_record(run->store, &o, &moved, &run->fatal) < 0)
		goto out;
	if (moved) {
		run->report->moved++;
		log_info("feed %lld moved permanently: '%s' is now '%s'",
			 (long long)j->feed.id, j->feed.url, redirect);
	}
	if (o.disable)
		log_warn("feed %lld '%s' is gone (HTTP 410): disabled",
			 (long long)j->feed.id, j->feed.url);
out:
	run->done++;
	if (run->progress)
		run->progress(run->done, run->total, run->progress_arg);
	free(redirect);
	feed_free(feed);
	job_free(j);
	claim_more(run);
}

static int
add_job(const struct store_fetch *feed, void *arg)
{
	struct run *run = arg;
	struct http_request req = { 0 };
	struct job *j = calloc(1, sizeof(*j));
	int oom = 0;

	if (!j)
		return err_set(&run->fatal, EX_OSERR, "out of memory"), 1;
	j->run = run;
	j->feed = *feed;
	/* the walk lends feed: keep copies */
	j->feed.url = str_dup(feed->url, &oom);
	j->feed.etag = str_dup(feed->etag, &oom);
	j->feed.last_modified = str_dup(feed->last_modified, &oom);
	j->feed.user_agent = str_dup(feed->user_agent, &oom);
	j->feed.redirect_url = str_dup(feed->redirect_url, &oom);
	if (oom) {
		job_free(j);
		return err_set(&run->fatal, EX_OSERR, "out of memory"), 1;
	}
	req.url = j->feed.url;
	req.etag = j->feed.etag;
	req.last_modified = j->feed.last_modified;
	req.user_agent = j->feed.user_agent;
	/* file:// feeds were added by hand with an explicit path */
	req.allow_file = !strncmp(j->feed.url, "file:", 5);
	req.on_response = on_response;
	req.on_body = on_body;
	req.on_done = on_done;
	req.arg = j;
	if (http_add(run->http, &req, &run->fatal) < 0) {
		job_free(j);
		return 1;
	}
	run->total++;
	run->report->feeds++;
	return 0;
}

/* The due feeds are claimed a batch at a time as the transfers go: a
 * batch when the pass starts, the next one when fewer than half a batch
 * are left queued or running. Each is leased for [store] lease seconds
 * from its claim, so the lease need only outlast one batch's transfers,
 * not the pass; and with several workers on one store each takes a
 * share of the due feeds rather than the first one taking them all. */
static size_t
claim_batch(const struct conf *cfg)
{
	size_t n = (size_t)cfg->jobs * 4;

	return n < 16 ? 16 : n > 256 ? 256 : n;
}

/* Renews the leases of the feeds claimed and not yet recorded: those
 * waiting behind [fetch] per_host may wait longer than a lease. 0, or -1
 * with run->fatal. */
static int
keep_leases(struct run *run)
{
	int64_t now = clock_now();

	run->kept = now;
	return store_fetch_keep(run->store, now, now + run->cfg->lease,
				&run->fatal);
}

/* Claims the next batch of due feeds and queues their transfers (nothing
 * once the store has failed, the stop flag is set or the last claim came
 * back short). A failure is run->fatal's. */
static void
claim_next(struct run *run)
{
	size_t max = claim_batch(run->cfg), n = 0, i;
	struct store_fetch *feeds;
	int full = 0;

	if (!run->claiming || run->fatal.code || (run->stop && *run->stop))
		return;
	feeds = calloc(max, sizeof(*feeds));
	if (!feeds) {
		err_set(&run->fatal, EX_OSERR, "out of memory");
		return;
	}
	/* the feeds still queued first, or the claim could take them again */
	if (keep_leases(run) < 0) {
		free(feeds);
		return;
	}
	if (store_fetch_claim(run->store, clock_now(), run->due_by, run->all,
			      clock_now() + run->cfg->lease, feeds, max, &n,
			      &run->fatal) == 0) {
		full = n == max;
		for (i = 0; i < n; i++) {
			if (!run->fatal.code)
				add_job(&feeds[i], run);
			store_fetch_release(&feeds[i]);
		}
	}
	run->claiming = full && !run->fatal.code;
	free(feeds);
}

static void
claim_more(struct run *run)
{
	if (run->claiming && run->total - run->done < claim_batch(run->cfg) / 2)
		claim_next(run);
	/* and every third of a lease, as each transfer ends */
	else if (!run->fatal.code && run->done < run->total &&
		 clock_now() - run->kept >= run->cfg->lease / 3)
		keep_leases(run);
}

/* Entries gone from their feed for keep_days lose their content; their
 * identities stay FETCH_FORGET_FACTOR times longer, so that a feed
 * re-publishing an old window does not bring them back as new. */
#define FETCH_FORGET_FACTOR 10
#define DAY (24 * 3600)

static int
prune(struct store *s, int keep_days, int64_t now, struct err *e)
{
	size_t pruned = 0;

	if (store_prune(s, now - (int64_t)keep_days * DAY,
			now - (int64_t)keep_days * DAY * FETCH_FORGET_FACTOR,
			&pruned, e) < 0)
		return -1;
	if (pruned)
		log_info("pruned %zu old %s", pruned,
			 str_plural(pruned, "entry", "entries"));
	return 0;
}

/* The [fetch] settings one transfer needs, and the test hooks: names
 * that resolve to 127.0.0.1 without /etc/hosts, and addresses on
 * 127.0.0.1 that play public servers (read here, before any thread). */
static void
options_from_config(const struct conf *cfg, struct http_options *ho)
{
	ho->connect_timeout = cfg->connect_timeout;
	ho->timeout = cfg->timeout;
	ho->low_speed_time = cfg->low_speed_time;
	ho->max_size = cfg->max_size;
	ho->user_agent = cfg->user_agent;
	ho->allow_private = cfg->allow_private;
	ho->resolve = getenv("FEEDMAIL_RESOLVE");
	ho->public_addrs = getenv("FEEDMAIL_TEST_PUBLIC");
}

int
fetch_run(struct store *s, const struct conf *cfg,
	  const struct fetch_selection *sel, fetch_progress_fn progress,
	  void *progress_arg, struct fetch_report *r, struct err *e)
{
	struct http_options ho = HTTP_OPTIONS_INIT;
	struct run run = { 0 };
	struct store_fetch one;
	size_t i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	run.store = s;
	run.cfg = cfg;
	run.report = r;
	run.now = clock_now();
	run.progress = progress;
	run.progress_arg = progress_arg;
	options_from_config(cfg, &ho);
	ho.jobs = cfg->jobs;
	ho.per_host = cfg->per_host;
	ho.stop = sel->stop;
	run.http = http_new(&ho, e);
	if (!run.http)
		return -1;
	if (sel->nids) {
		for (i = 0; i < sel->nids && !rc; i++) {
			rc = store_fetch_get(s, sel->ids[i], &one, e);
			if (rc == 0)
				rc = add_job(&one, &run);
			store_fetch_release(&one);
		}
	} else {
		/* due within min_interval counts as due: a daily cron run
		 * must not find yesterday's feeds a few seconds early (the
		 * jitter, the run's own length) and skip them for a day */
		run.due_by = run.now + (int64_t)cfg->min_interval * 60;
		run.all = sel->all;
		run.stop = sel->stop;
		run.claiming = 1;
		claim_next(&run);
	}
	/* transfers already added finish (and free their state) either way */
	if (http_run(run.http, e) < 0)
		rc = -1;
	http_free(run.http);
	if (run.fatal.code) {
		*e = run.fatal;
		rc = -1;
	}
	if (rc == 0)
		rc = prune(s, cfg->keep_days, run.now, e);
	return rc ? -1 : 0;
}

/* One document fetched outside the store. */
struct single {
	const struct parse_callbacks *cb;
	struct parser *parser;
	struct err parse_err;
	struct http_result result;
	int parse_failed;
};

static int
single_response(const struct http_response *r, void *arg)
{
	struct single *one = arg;

	one->parser = parser_new(r->effective_url, r->content_type,
				 r->content_location, one->cb, &one->parse_err);
	one->parse_failed = !one->parser;
	return one->parse_failed;
}

static int
single_body(const char *data, size_t len, void *arg)
{
	struct single *one = arg;

	if (parser_push(one->parser, data, len, &one->parse_err) < 0)
		one->parse_failed = 1;
	return one->parse_failed;
}

static void
single_done(const struct http_result *res, void *arg)
{
	struct single *one = arg;

	one->result = *res;
	/* the strings are only lent; only the class and message are kept */
	one->result.etag = one->result.last_modified = NULL;
	one->result.effective_url = one->result.permanent_url = NULL;
}

int
fetch_document(const struct conf *cfg, const char *url, int allow_file,
	       const struct parse_callbacks *cb, struct parser **parser,
	       struct err *e)
{
	struct http_options ho = HTTP_OPTIONS_INIT;
	struct http_request req = { 0 };
	struct single one = { 0 };
	struct http *http;
	int rc = -1;

	*parser = NULL;
	one.cb = cb;
	options_from_config(cfg, &ho);
	http = http_new(&ho, e);
	if (!http)
		return -1;
	req.url = url;
	req.allow_file = allow_file;
	req.on_response = single_response;
	req.on_body = single_body;
	req.on_done = single_done;
	req.arg = &one;
	if (http_add(http, &req, e) < 0 || http_run(http, e) < 0)
		goto out;
	if (one.parse_failed) {
		*e = one.parse_err;
	} else if (one.result.cls != HTTP_OK) {
		err_set(e,
			is_temporary(one.result.cls) ? EX_TEMPFAIL :
						       EX_UNAVAILABLE,
			"%s", one.result.message);
	} else if (!one.parser) {
		err_set(e, EX_DATAERR, "empty response");
	} else {
		*parser = one.parser;
		one.parser = NULL;
		rc = 0;
	}
out:
	parser_free(one.parser);
	http_free(http);
	return rc;
}

int
fetch_report_log(const struct fetch_report *r)
{
	int temporary = 0;
	size_t i;

	for (i = 0; i < r->nerrors; i++) {
		log_error("fetch '%s': %s: %s", r->errors[i].url,
			  fetch_status_name(r->errors[i].status),
			  r->errors[i].message);
		temporary |= r->errors[i].temporary;
	}
	return temporary;
}
