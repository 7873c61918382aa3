#!/bin/sh
# What run, send and outbox say when done: the text summaries with the mail
# still pending, their --json for monitoring, "nothing to send"; and the
# site (htmlUrl) that export keeps.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/
start_http || exit 1
start_smtp || exit 1
SINK_PORT=$SMTP_PORT

# setup NAME PORT: a store NAME (store_location) with subscribers a and b and one feed,
# fetched, its entries new to both
setup() {
	cat >"$1.conf" <<CONF
[store]
$(store_conf "$1")
[smtp]
host = 127.0.0.1
port = $2
[digest]
transport = smtp
from = feedmail@example.org
CONF
	export FEEDMAIL_CONFIG="$TEST_DIR/$1.conf"
	at 2026-11-26T06:00:00Z -q subscriber add a@example.org &&
	at 2026-11-26T06:00:00Z -q subscriber add b@example.org &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch
}

# json FILE EXPR: EXPR, Python over the object j read from FILE, is true
json() {
	"$PYTHON3" -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert $2, j" "$1"
}

test_expect_success 'send --dry-run and digest with nothing new say so, exit 0' '
	printf "[store]\n%s\n" "$(store_conf empty)" >empty.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/empty.conf &&
	feedmail -q subscriber add a@example.org &&
	feedmail send --dry-run >out 2>err &&
	test ! -s out &&
	contains err "feedmail: send: nothing to send" &&
	feedmail digest --format html >d.html 2>err &&
	test ! -s d.html &&
	contains err "feedmail: digest: nothing to send to '"'a@example.org'"'"
'

test_expect_success 'server down: the summary counts what stays pending' '
	port=$(free_port) &&
	setup down "$port" &&
	expect_code 69 feedmail send >out 2>err &&
	contains out "2 digests built; 0 sent, 2 left pending, 0 failed; 2 pending in the outbox"
'

test_expect_success 'send --json: one object on stdout, the status kept' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	expect_code 69 feedmail send --json >out.json 2>err &&
	test "$(wc -l <out.json)" = 1 &&
	json out.json "j[\"digests_built\"] == 0 and j[\"held\"] == 2" &&
	json out.json "j[\"pending\"] == 2 and j[\"exit_status\"] == 69" &&
	json out.json "\"refused\" in j[\"transport_error\"]" &&
	json out.json "isinstance(j[\"duration_ms\"], int)"
'

test_expect_success 'run counts the mail waiting for its next attempt; send sends it' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	sed -i "s/^port = .*/port = $SINK_PORT/" down.conf &&
	feedmail -q run --json >out.json &&
	json out.json "j[\"completed\"] and j[\"exit_status\"] == 0" &&
	json out.json "j[\"send\"][\"digests_built\"] == 0 and j[\"pending\"] == 2" &&
	json out.json "j[\"fetch\"][\"feeds\"] == 1 and j[\"fetch\"][\"failed\"] == 0" &&
	json out.json "j[\"duration_ms\"] >= j[\"fetch\"][\"duration_ms\"]" &&
	feedmail run >out &&
	contains out "0 digests built; 0 sent, 0 left pending, 0 failed; 2 pending in the outbox" &&
	feedmail send --json >out.json &&
	json out.json "j[\"sent\"] == 2 and j[\"pending\"] == 0 and j[\"exit_status\"] == 0"
'

test_expect_success 'one of each: singular words' '
	rm -f one.db &&
	cat >one.conf <<-CONF &&
	[store]
	$(store_conf one)
	[smtp]
	host = 127.0.0.1
	port = $SINK_PORT
	[digest]
	transport = smtp
	from = feedmail@example.org
	CONF
	export FEEDMAIL_CONFIG=$TEST_DIR/one.conf &&
	printf "%s\n" "<rss version=\"2.0\"><channel><title>One</title><link>http://example.org/</link>" \
		"<item><title>Only</title><link>http://example.org/1</link><guid>1</guid></item></channel></rss>" >www/one.xml &&
	at 2026-11-26T06:00:00Z -q subscriber add a@example.org &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/one.xml" &&
	at 2026-11-26T07:00:00Z fetch >out &&
	contains out "1 feed: 1 fetched, 0 not modified, 0 failed; 1 new entry" &&
	at 2026-11-26T07:05:00Z send >out &&
	contains out "1 digest built; 1 sent, 0 left pending, 0 failed; 0 pending in the outbox" &&
	at 2026-11-26T07:05:00Z status >out &&
	contains out "1 subscriber;" &&
	! grep -q " ,\| $" out
'

test_expect_success 'outbox retry and drop --json' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	feedmail outbox retry --all --json >out.json &&
	json out.json "j == {\"action\": \"retry\", \"address\": None, \"messages\": 0, \"pending\": 0}" &&
	feedmail outbox drop a@example.org --json >out.json &&
	json out.json "j[\"action\"] == \"drop\" and j[\"address\"] == \"a@example.org\""
'

test_expect_success 'send --json and --dry-run exclude each other' '
	expect_code 64 feedmail send --json --dry-run 2>err &&
	contains err "exclude each other"
'

test_expect_success 'export keeps each feed'"'"'s site as htmlUrl, import keeps it' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	feedmail export site.opml &&
	grep -q "xmlUrl=\"$HTTP_URL/feed.xml\" htmlUrl=\"https://news.example/\"" site.opml &&
	feedmail -d "$(store_location site)" import site.opml >/dev/null &&
	feedmail -d "$(store_location site)" export >again.opml &&
	cmp site.opml again.opml
'

test_expect_success 'run --json says why when it cannot start: the config' '
	printf "[smtp]\nport = x\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf run --json >out.json 2>err &&
	contains err "port" &&
	"$PYTHON3" -c "
import json
o = json.load(open(\"out.json\"))
assert o[\"error\"] == \"config\" and o[\"exit_status\"] == 78, o
assert \"port\" in o[\"detail\"], o
"
'

test_expect_success_sqlite 'send --json says why when it cannot start: the store' '
	printf "not a store at all, but long enough to be read as one....\n" >bad.db &&
	expect_code 65 feedmail -d bad.db send --json >out.json 2>err &&
	"$PYTHON3" -c "
import json
o = json.load(open(\"out.json\"))
assert o[\"error\"] == \"store\" and o[\"exit_status\"] == 65, o
" &&
	expect_code 65 feedmail -d bad.db send >out 2>err &&
	test ! -s out &&
	contains err "bad.db"
'

test_done
