#!/bin/sh
# One bad thing never stops everyone: each kind of single failure (an
# address the transport refuses, a recipient's 550, a subscriber whose
# schedule cannot be read, a feed that is gone, a feed of megabyte titles)
# happens in one run beside healthy subscribers, who all get their digest;
# the failures are recorded on their digests and listed by `outbox`; a
# failed digest's articles come back in the subscriber's next digest.
. "$TEST_SRCDIR/tests/lib.sh"

SMTP_DIR=$TEST_DIR/reject; start_smtp --reject c@example.org=550 || exit 1
REJECT_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
SINK_PORT=$SMTP_PORT

config() {
	cat >"$FEEDMAIL_CONFIG" <<-CONF
	$(store_section default)
	[smtp]
	host = 127.0.0.1
	port = $1
	timeout = 30
	[digest]
	transport = smtp
	from = veille@cluster.example
	time = 07:00
	timezone = UTC
	language = en
	CONF
}

# sql STATEMENT: runs it on the test's store
sql() {
	store_sql default "$1"
}

# mail_to DIR ADDRESS: how many messages DIR's sink received for ADDRESS
mail_to() {
	grep -l "^To: .*$2" "$1"/*.eml 2>/dev/null | wc -l
}

cp "$FIXTURES/fetch/feed.xml" feed.xml
# a hostile feed: 14 titles of about 1 MB each
"$PYTHON3" - <<-'EOF'
big = "A" * 900000
items = "".join(
    f"<item><title>{i} {big}</title><guid>big-{i}</guid>"
    f"<link>https://big.example/{i}</link></item>" for i in range(14))
open("huge.xml", "w").write(
    f"<rss version='2.0'><channel><title>Huge</title>{items}</channel></rss>")
EOF
cp feed.xml gone.xml

test_expect_success 'set up: healthy and broken subscribers, feeds' '
	config "$REJECT_PORT" &&
	for who in a b c; do
		at 2026-11-26T05:00:00Z -q subscriber add "$who@example.org" \
			--tag news || exit 1
	done &&
	at 2026-11-26T05:00:00Z -q subscriber add h@example.org --tag huge &&
	at 2026-11-26T05:00:00Z -q subscriber add z@example.org --tag news &&
	at 2026-11-26T05:00:00Z -q add "$TEST_DIR/feed.xml" --tag news &&
	at 2026-11-26T05:00:00Z -q add "$TEST_DIR/gone.xml" --tag news &&
	at 2026-11-26T05:00:00Z -q add "$TEST_DIR/huge.xml" --tag huge &&
	rm gone.xml &&
	# what add refuses, but a store written by another version, or by
	# hand, may hold
	sql "INSERT INTO subscribers (email, created_at)
	     SELECT '"'bob smith@example.org'"', created_at FROM subscribers
	     WHERE email = '"'a@example.org'"'" &&
	# (edit takes an address as stored, so its tag goes in as any does)
	feedmail -q subscriber edit "bob smith@example.org" --tag news &&
	sql "UPDATE subscribers SET timezone = '"'Mars/Olympus_Mons'"'
	     WHERE email = '"'z@example.org'"'"
'

test_expect_success 'one run: the healthy get their digest, the rest fail alone' '
	expect_code 65 at 2026-11-26T07:05:00Z run >out 2>err &&
	contains out "3 feeds: 2 fetched, 0 not modified, 1 failed" &&
	contains out "3 sent, 0 left pending, 3 failed" &&
	test "$(mail_to reject a@example.org)" = 1 &&
	test "$(mail_to reject b@example.org)" = 1 &&
	test "$(mail_to reject h@example.org)" = 1 &&
	test "$(mail_to reject c@example.org)" = 0 &&
	contains err "bob smith@example.org" &&
	contains err "Mars/Olympus_Mons" &&
	contains err "550"
'

test_expect_success 'the megabyte titles arrive cut, the message bounded' '
	f=$(grep -l "^To: .*h@example.org" reject/*.eml) &&
	size=$(wc -c <"$f") &&
	test "$size" -lt 4000000 &&
	grep -q "big.example/13" "$f"
'

test_expect_success 'outbox lists each failure with its reason' '
	feedmail outbox >out &&
	contains out "bob smith@example.org" &&
	contains out "c@example.org" &&
	contains out "z@example.org" &&
	contains out "550" &&
	contains out "failed to build" &&
	contains out "articles back in the next digest" &&
	feedmail outbox list c@example.org --json >out.json &&
	"$PYTHON3" -c "
import json
rows = json.load(open(\"out.json\"))
assert len(rows) == 1 and rows[0][\"status\"] == \"failed\", rows
assert rows[0][\"entries\"] == 3 and rows[0][\"built\"], rows"
'

test_expect_success 'the next digest gives the failed articles back, marked delayed' '
	config "$SINK_PORT" &&
	sed -i "s|<channel>|<channel><item><title>Fourth</title><guid>news-4</guid></item>|" feed.xml &&
	expect_code 65 at 2026-11-27T07:05:00Z run >out 2>err &&
	test "$(mail_to sink c@example.org)" = 1 &&
	f=$(grep -l "^To: .*c@example.org" sink/*.eml) &&
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" sink >mails.json &&
	"$PYTHON3" -c "
import json
m = [m for m in json.load(open(\"mails.json\")) if m[\"rcpts\"] == [\"c@example.org\"]][0]
for t in [\"First\", \"Second\", \"Third\", \"Fourth\"]:
    assert t in m[\"text\"], t
assert m[\"text\"].count(\"(delayed)\") == 3, m[\"text\"]
assert \"(delayed)\" in m[\"html\"]" &&
	test "$(mail_to sink a@example.org)" = 1 &&
	feedmail outbox list c@example.org >out &&
	contains out "articles sent in a later digest"
'

test_expect_success 'drop: the articles of a failed digest do not come back' '
	config "$REJECT_PORT" &&
	sed -i "s|<channel>|<channel><item><title>Fifth</title><guid>news-5</guid></item>|" feed.xml &&
	expect_code 65 at 2026-11-28T07:05:00Z run >out 2>err &&
	feedmail outbox drop c@example.org >out &&
	contains out "the articles of 1 failed digest dropped" &&
	feedmail outbox list c@example.org >out &&
	contains out "failed, articles dropped" &&
	config "$SINK_PORT" &&
	expect_code 65 at 2026-11-29T07:05:00Z run >out 2>err &&
	test "$(mail_to sink c@example.org)" = 1
'

test_expect_success 'retry: a failed digest goes again; one never built is rebuilt' '
	feedmail outbox retry c@example.org >out &&
	contains out "1 failed digest queued again" &&
	feedmail outbox retry --all >out &&
	contains out "queued again" &&
	feedmail outbox >out &&
	! grep -q "z@example.org" out &&
	contains out "c@example.org	pending, 0 attempts" &&
	contains out "c@example.org	failed, articles sent in a later digest" &&
	at 2026-11-29T07:10:00Z send >out 2>err;
	test "$(mail_to sink c@example.org)" = 2 &&
	grep -l "^To: .*c@example.org" sink/*.eml | xargs grep -l Fifth >/dev/null &&
	expect_code 64 feedmail outbox retry 2>err &&
	contains err "name one ADDRESS, or --all"
'

test_expect_success 'past its byte budget a digest defers the rest to the next' '
	"$PYTHON3" -c "
t = \"x\" * 600
items = \"\".join(
    f\"<item><title>{i} {t}</title><guid>m-{i}</guid>\"
    f\"<link>https://many.example/{i}</link></item>\" for i in range(3000))
open(\"many.xml\", \"w\").write(
    f\"<rss version=\x272.0\x27><channel><title>Many</title>{items}</channel></rss>\")" &&
	at 2026-11-29T05:00:00Z -q subscriber add m@example.org --tag many &&
	at 2026-11-29T05:00:00Z -q add "$TEST_DIR/many.xml" --tag many &&
	at 2026-11-29T06:00:00Z -q fetch &&
	at 2026-11-29T06:00:00Z send >out 2>err;
	f=$(grep -l "^To: .*m@example.org" sink/*.eml) &&
	test "$(echo "$f" | wc -l)" = 1 &&
	deferred=$(sed -n "s/^+\([0-9]*\) more articles in your next digest.*/\1/p" "$f") &&
	test "$deferred" -gt 0 &&
	test "$(wc -c <"$f")" -lt 8000000 &&
	at 2026-11-29T06:10:00Z send >out 2>err;
	test "$(grep -l "^To: .*m@example.org" sink/*.eml | wc -l)" = 2 &&
	covered=$(sql "SELECT count(*) FROM deliveries d JOIN subscribers s
	     ON s.id = d.subscriber_id WHERE s.email = '"'m@example.org'"'") &&
	test "$covered" -gt 1500
'

test_expect_success 'an outage: loud, uncharged, and the admin hears when it ends' '
	port=$(free_port) &&
	config "$port" &&
	printf "admin = admin@cluster.example\n" >>"$FEEDMAIL_CONFIG" &&
	sed -i "s|<channel>|<channel><item><title>Sixth</title><guid>news-6</guid></item>|" feed.xml &&
	expect_code 69 at 2026-11-30T07:05:00Z run >out 2>err &&
	contains out "mail transport down" &&
	contains err "connection refused" &&
	test "$(sql "SELECT count(*) FROM outages WHERE ended_at IS NULL")" = 1 &&
	config "$SINK_PORT" &&
	printf "admin = admin@cluster.example\n" >>"$FEEDMAIL_CONFIG" &&
	at 2026-11-30T08:05:00Z run >out 2>err;
	test "$(sql "SELECT count(*) FROM outages WHERE ended_at IS NULL")" = 0 &&
	f=$(grep -l "^To: admin@cluster.example" sink/*.eml) &&
	grep -q "the mail transport works again" $f &&
	grep -q "connection refused" $f &&
	grep -l "^To: a@example.org" sink/*.eml | xargs grep -l Sixth >/dev/null
'

test_done
