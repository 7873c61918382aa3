#!/bin/sh
# feedmail run sends each subscriber's digest once per schedule slot, in
# their time zone: not before their hour, not twice in one slot, and a
# machine that was off sends one digest, not one per missed day.
. "$TEST_SRCDIR/tests/lib.sh"

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = maildir
path = $TEST_DIR/mail
timezone = Europe/Paris
time = 07:00
CONF
cp "$FIXTURES/fetch/feed.xml" feed.xml
add_item() {
	sed -i "s|<channel>|<channel><item><title>$1</title><guid>$1</guid></item>|" feed.xml
}

test_expect_success 'set up: a daily subscriber and one in New York at 08:00' '
	at 2026-11-26T04:00:00Z -q subscriber add paris@example.org &&
	at 2026-11-26T04:00:00Z -q subscriber add ny@example.org \
		--schedule daily@08:00 --timezone America/New_York &&
	at 2026-11-26T04:00:00Z -q add "$TEST_DIR/feed.xml"
'

test_expect_success 'before 07:00 in Paris: nothing is sent' '
	at 2026-11-26T05:30:00Z -q run &&
	test "$(mails)" = 0
'

test_expect_success 'after 07:00 in Paris: one digest, for Paris only' '
	at 2026-11-26T06:10:00Z -q run &&
	test "$(mails)" = 1 &&
	grep -l "^To: paris@example.org" mail/new/* >/dev/null
'

test_expect_success 'again in the same slot, even with news: nothing' '
	add_item Later &&
	at 2026-11-26T09:00:00Z -q run &&
	test "$(mails)" = 1
'

test_expect_success '08:00 in New York (13:00Z): its digest' '
	at 2026-11-26T13:05:00Z -q run &&
	test "$(mails)" = 2 &&
	grep -l "^To: ny@example.org" mail/new/* >/dev/null
'

test_expect_success 'two runs started together in a new slot: one digest each' '
	add_item Friday || exit 1
	FEEDMAIL_NOW=2026-11-27T06:05:00Z FEEDMAIL_TEST_HOLD_LOCK=1 "$FEEDMAIL" -q run &
	first=$! &&
	# SQLite: the second waits for the first (its lock file says when the
	# first has it); PostgreSQL: both work at once, a unique key decides
	if [ "$TEST_STORE" = sqlite ]; then
		wait_lock "$(store_location default)" $first
	fi &&
	at 2026-11-27T06:05:00Z -q run &&
	wait $first &&
	test "$(mails)" = 3
'

test_expect_success 'a machine off for three days sends one digest each, not three' '
	add_item Weekend &&
	at 2026-11-30T06:30:00Z -q run &&
	test "$(mails)" = 5 &&
	at 2026-11-30T06:40:00Z -q run &&
	test "$(mails)" = 5 &&
	test "$(grep -l "^To: ny@example.org" mail/new/* | wc -l)" = 2
'

test_expect_success 'a bad schedule or zone is refused when the subscriber is added' '
	expect_code 65 feedmail subscriber add x@example.org --schedule daily@25:00 2>err &&
	contains err "25:00" &&
	expect_code 65 feedmail subscriber add y@example.org --timezone Mars/Olympus 2>err &&
	contains err "Mars/Olympus"
'

test_done
