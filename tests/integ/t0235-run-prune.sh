#!/bin/sh
# A run that fetches then sends works through two store connections (the
# builder's, which fetched, and the courier's, which marks digests sent):
# neither may keep a read open that makes its next write fail with
# "database is locked" once the other has written. So a run that sends
# still prunes the messages of the digests sent over a day ago. (The
# unit test test_no_read_outlives_its_call checks every read of the two
# paths.)
. "$TEST_SRCDIR/tests/lib.sh"

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = maildir
path = $TEST_DIR/mail
time = 07:00
CONF
cp "$FIXTURES/fetch/feed.xml" feed.xml
add_item() {
	sed -i "s|<channel>|<channel><item><title>$1</title><guid>$1</guid></item>|" feed.xml
}
# messages: how many digests still hold their message
messages() {
	store_sql default "SELECT count(*) FROM outbox_messages"
}

test_expect_success 'set up: a subscriber and a feed; a first run sends' '
	at 2026-11-26T04:00:00Z -q subscriber add a@example.org &&
	at 2026-11-26T04:00:00Z -q add "$TEST_DIR/feed.xml" &&
	add_item Monday &&
	at 2026-11-26T07:30:00Z -v run >out 2>err &&
	test "$(mails)" = 1 &&
	lacks err "locked" &&
	test "$(messages)" = 1
'

test_expect_success 'two days on, a run that fetches and sends prunes the first message' '
	add_item Wednesday &&
	at 2026-11-28T07:30:00Z -v run >out 2>err &&
	test "$(mails)" = 2 &&
	lacks err "locked" &&
	contains err "deleted the messages of 1 digest sent over a day ago" &&
	test "$(messages)" = 1
'

test_done
