#!/bin/sh
# feedmail fetch against a real HTTP server on 127.0.0.1 (tests/httpd.py):
# conditional requests, redirects, failures with their classes, limits, and
# the identity rules that keep entries from being stored twice or lost.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
cp "$FIXTURES"/fetch/* www/
start_http --tls || exit 1
HTTPS_URL=$HTTP_URL
start_http || exit 1
# The default timeouts, which a loaded machine never reaches on loopback;
# the stall case has its own short one.
cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[fetch]
max_size = 1M
CONF

# requests the server answered for PATH, as "STATUS inm ims" lines
served() {
	awk -v p="$1" '$2 == p { print $3, $4, $5 }' "$HTTP_LOG"
}

# the JSON of feed ID in `feedmail list --json`, field FIELD
feed_field() {
	feedmail list --json | "$PYTHON3" -c "
import json, sys
f = [f for f in json.load(sys.stdin) if f['id'] == $1][0]
v = f['$2']
print('null' if v is None else v)"
}

entries_of() {
	store_count "SELECT count(*) FROM entries WHERE feed_id = $1"
}

# store_count SQL: what the query SQL counts in the store
store_count() {
	store_sql default "$1"
}

test_expect_success '200, then 304 with the ETag; the 304 parses nothing' '
	feedmail add "$HTTP_URL/etag/feed.xml" >/dev/null &&
	feedmail fetch --all >out &&
	contains out "1 feed: 1 fetched, 0 not modified, 0 failed; 3 new entries" &&
	feedmail fetch --all >out &&
	contains out "0 fetched, 1 not modified, 0 failed; 0 new entries" &&
	served /etag/feed.xml >log &&
	test "$(sed -n 1p log)" = "200 inm=0 ims=0" &&
	test "$(sed -n 2p log)" = "304 inm=1 ims=0" &&
	test "$(entries_of 1)" = 3
'

test_expect_success 'Last-Modified is sent back too' '
	feedmail add "$HTTP_URL/lastmod/feed.xml" >/dev/null &&
	feedmail fetch 2 >/dev/null &&
	feedmail fetch 2 >out &&
	contains out "1 not modified" &&
	served /lastmod/feed.xml | tail -n 1 | grep -q "^304 inm=0 ims=1"
'

test_expect_success 'a gzip body is decompressed' '
	feedmail add "$HTTP_URL/gzip/feed.xml" >/dev/null &&
	feedmail fetch 3 >out &&
	contains out "3 new entries"
'

test_expect_success 'an unchanged feed stores nothing new, entry by entry' '
	feedmail fetch --all >out &&
	contains out "0 new entries" &&
	test "$(store_count "SELECT count(*) FROM entries")" = 9
'

test_expect_success '301 seen on 3 fetches in a row moves the feed' '
	feedmail add "$HTTP_URL/r301/1/feed.xml" >/dev/null &&
	feedmail fetch 4 >/dev/null &&
	feedmail fetch 4 >/dev/null &&
	test "$(feed_field 4 url)" = "$HTTP_URL/r301/1/feed.xml" &&
	feedmail -v fetch 4 >/dev/null 2>err &&
	test "$(feed_field 4 url)" = "$HTTP_URL/feed.xml" &&
	contains err "moved permanently"
'

test_expect_success '302 never moves the feed' '
	feedmail add "$HTTP_URL/r302/1/feed.xml" >/dev/null &&
	for i in 1 2 3 4; do feedmail fetch 5 >/dev/null || exit 1; done &&
	test "$(feed_field 5 url)" = "$HTTP_URL/r302/1/feed.xml"
'

test_expect_success 'a redirect loop fails with its class' '
	feedmail add "$HTTP_URL/loop" >/dev/null &&
	expect_code 65 feedmail fetch 6 >out 2>err &&
	contains err "too_many_redirects" &&
	contains out "1 failed" &&
	test "$(feed_field 6 last_status)" = too_many_redirects &&
	test "$(feed_field 6 failures)" = 1
'

test_expect_success '404 is a permanent failure, listed with its message' '
	feedmail add "$HTTP_URL/status/404" >/dev/null &&
	expect_code 65 feedmail fetch 7 2>err &&
	contains err "404" &&
	feedmail list >list &&
	contains list "failing (1 in a row): client_error"
'

test_expect_success '410 Gone disables the feed' '
	feedmail add "$HTTP_URL/status/410" >/dev/null &&
	expect_code 65 feedmail fetch 8 2>err &&
	test "$(feed_field 8 enabled)" = False &&
	feedmail fetch --all >out 2>/dev/null;
	test "$(served /status/410 | wc -l)" = 1
'

test_expect_success '500: temporary (exit 75), backs off' '
	feedmail add "$HTTP_URL/status/500" >/dev/null &&
	expect_code 75 feedmail fetch 9 2>err &&
	contains err "server_error" &&
	first=$(feed_field 9 next_fetch) &&
	test "$first" != null &&
	expect_code 75 feedmail fetch 9 2>/dev/null &&
	test "$(feed_field 9 failures)" = 2 &&
	feedmail fetch >/dev/null 2>&1;
	test "$(served /status/500 | wc -l)" = 2
'

test_expect_success '429 with Retry-After postpones the next fetch' '
	feedmail add "$HTTP_URL/status/429?retry=7200" >/dev/null &&
	expect_code 75 env FEEDMAIL_NOW=2026-11-26T10:00:00Z "$FEEDMAIL" fetch 10 2>err &&
	contains err "rate_limited" &&
	next=$(feed_field 10 next_fetch) &&
	test "$(printf "%s\n" "$next" "2026-11-26T12:00:00Z" | sort | head -n 1)" = "2026-11-26T12:00:00Z"
'

# The server stalls for longer than the whole test: only the client's
# timeout (2 s here) can end the transfer, however loaded the machine.
test_expect_success 'a server that stalls mid-body times out' '
	feedmail add "$HTTP_URL/stall/feed.xml?sleep=600" >/dev/null &&
	{ printf "[fetch]\ntimeout = 2\n" && store_section default; } >stall.conf &&
	expect_code 75 feedmail -c stall.conf fetch 11 2>err &&
	contains err "timeout"
'

test_expect_success 'an oversized body is cut off' '
	feedmail add "$HTTP_URL/big" >/dev/null &&
	expect_code 65 feedmail fetch 12 2>err &&
	contains err "too_large"
'

test_expect_success 'an HTML page is "not a feed"' '
	feedmail add "$HTTP_URL/page.html" >/dev/null &&
	expect_code 65 feedmail fetch 13 2>err &&
	contains err "not_a_feed" &&
	contains err "HTML"
'

test_expect_success 'a connection cut mid-body is temporary and stores nothing' '
	feedmail add "$HTTP_URL/truncated/feed.xml" >/dev/null &&
	expect_code 75 feedmail fetch 14 2>err &&
	test "$(entries_of 14)" = 0
'

test_expect_success 'a truncated document keeps its readable entries' '
	feedmail add "$HTTP_URL/truncated.xml" >/dev/null &&
	feedmail fetch 15 >out &&
	test "$(entries_of 15)" -ge 2
'

test_expect_success 'a closed port: connect, temporary' '
	port=$(free_port) &&
	feedmail add "http://127.0.0.1:$port/feed.xml" >/dev/null &&
	expect_code 75 feedmail fetch 16 2>err &&
	contains err "connect"
'

test_expect_success 'a guid reused by every item loses nothing' '
	feedmail add "$HTTP_URL/reused-guid.xml" >/dev/null &&
	feedmail fetch 17 >out &&
	contains out "3 new entries" &&
	feedmail fetch 17 >out &&
	contains out "0 new entries"
'

test_expect_success 'items without guid, and the same link twice' '
	feedmail add "$HTTP_URL/no-guid.xml" >/dev/null &&
	feedmail add "$HTTP_URL/same-link.xml" >/dev/null &&
	feedmail fetch 18 19 >out &&
	contains out "5 new entries" &&
	feedmail fetch 18 19 >out &&
	contains out "0 new entries"
'

test_expect_success 'an edited entry is updated in place, not new' '
	test "$(feed_field 4 url)" = "$HTTP_URL/feed.xml" &&
	sed -i "s|<description>Two.</description>|<description>Two, corrected.</description>|" www/feed.xml &&
	feedmail fetch 4 >out &&
	contains out "0 new entries" &&
	test "$(store_count "SELECT count(*) FROM entries WHERE feed_id = 4 AND summary = '"'Two, corrected.'"'")" = 1 &&
	test "$(entries_of 4)" = 3
'

test_expect_success 'fetch --json' '
	feedmail fetch 1 >/dev/null &&
	feedmail fetch --json 1 >out.json &&
	"$PYTHON3" -c "
import json
r = json.load(open(\"out.json\"))
assert r == {\"feeds\": 1, \"fetched\": 0, \"not_modified\": 1, \"failed\": 0, \"new_entries\": 0, \"errors\": []}, r
" &&
	expect_code 75 feedmail fetch --json 9 >out.json 2>/dev/null &&
	"$PYTHON3" -c "
import json
r = json.load(open(\"out.json\"))
assert r[\"failed\"] == 1 and r[\"errors\"][0][\"class\"] == \"server_error\", r
assert r[\"errors\"][0][\"feed\"] == 9 and r[\"errors\"][0][\"url\"].endswith(\"/status/500\"), r
"
'

test_expect_success 'fetch URL of a feed not subscribed prints it, stores nothing' '
	before=$(store_count "SELECT count(*) FROM entries") &&
	feedmail fetch "$HTTP_URL/gzip/reused-guid.xml" >out &&
	contains out "Reused guid" &&
	contains out "https://cms.example/b" &&
	test "$(store_count "SELECT count(*) FROM entries")" = "$before" &&
	test "$(store_count "SELECT count(*) FROM feeds WHERE url LIKE '"'%gzip/reused%'"'")" = 0
'

test_expect_success 'the User-Agent: feedmail/VERSION, or the feed'"'"'s own' '
	served_ua() { awk -v p="$1" '"'"'$2 == p { sub(/^ua=/, "", $NF); print $NF }'"'"' "$HTTP_LOG" | tail -n 1; }
	test "$(served_ua /etag/feed.xml | cut -d_ -f1)" = "feedmail/$(feedmail --version | cut -d" " -f2)" &&
	cp www/feed.xml www/ua.xml &&
	feedmail add "$HTTP_URL/ua.xml" --user-agent "Veille/2.0 (+https://cluster.example)" >out &&
	id=$(sed -n "s/^added feed \([0-9]*\):.*/\1/p" out) &&
	feedmail fetch $id >/dev/null &&
	test "$(served_ua /ua.xml)" = "Veille/2.0_(+https://cluster.example)" &&
	expect_code 64 feedmail add "$HTTP_URL/x.xml" --user-agent "$(printf "a\r\nX-Evil: 1")" 2>err
'

test_expect_success 'a daily cron run a little early still fetches' '
	cp www/feed.xml www/daily.xml &&
	feedmail add "$HTTP_URL/daily.xml" >out &&
	id=$(sed -n "s/^added feed \([0-9]*\):.*/\1/p" out) &&
	env FEEDMAIL_NOW=2026-11-26T06:30:05Z "$FEEDMAIL" fetch $id >/dev/null &&
	env FEEDMAIL_NOW=2026-11-27T06:30:00Z "$FEEDMAIL" fetch >/dev/null 2>&1;
	test "$(served /daily.xml | wc -l)" = 2 &&
	env FEEDMAIL_NOW=2026-11-27T07:00:00Z "$FEEDMAIL" fetch >/dev/null 2>&1;
	test "$(served /daily.xml | wc -l)" = 2
'

test_expect_success 'a 10 MB response header is a permanent too_large failure' '
	feedmail add "$HTTP_URL/bigheader/feed.xml?size=10485760" >out &&
	id=$(sed -n "s/^added feed \([0-9]*\):.*/\1/p" out) &&
	expect_code 65 feedmail fetch $id 2>err &&
	contains err "too_large: response header larger than 256 KiB" &&
	feedmail add "$HTTP_URL/bigheader/feed.xml?size=10485760&line=10485760" >out &&
	id=$(sed -n "s/^added feed \([0-9]*\):.*/\1/p" out) &&
	expect_code 65 feedmail fetch $id 2>err &&
	contains err "too_large: response header line of 100 KiB or more" &&
	test "$(entries_of $id)" = 0
'

test_expect_success 'a self-signed HTTPS server is a clear TLS error' '
	feedmail add "$HTTPS_URL/feed.xml" >out &&
	id=$(sed -n "s/^added feed \([0-9]*\):.*/\1/p" out) &&
	expect_code 65 feedmail fetch $id 2>err &&
	contains err "tls"
'

test_done
