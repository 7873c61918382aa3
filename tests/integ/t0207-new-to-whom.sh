#!/bin/sh
# What is new to a subscriber is decided by the store's order of entries,
# not by a second of the clock: one added in the second of a fetch gets
# none of it; an entry stored just after a subscription reaches them, in
# the same second or from a clock a second behind; and so with the test
# clock standing still across fetch, subscribe, fetch, send.
. "$TEST_SRCDIR/tests/lib.sh"

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = maildir
path = $TEST_DIR/maildir
language = en
CONF

cp "$FIXTURES/fetch/feed.xml" feed.xml

test_expect_success 'a subscriber added in the second of a fetch gets none of it' '
	at 2026-11-26T06:00:00Z -q subscriber add early@example.org &&
	at 2026-11-26T06:00:00Z -q add "$TEST_DIR/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:00:00Z -q subscriber add same@example.org &&
	at 2026-11-26T07:00:00Z send >out &&
	contains out "1 digest built" &&
	test "$(maildir_got)" = "early@example.org 3"
'

test_expect_success 'an entry stored just after a subscription reaches them' '
	at 2026-11-26T08:00:00Z -q subscriber add now@example.org &&
	at 2026-11-26T08:00:01Z -q subscriber add ahead@example.org &&
	fixture_fourth feed.xml &&
	at 2026-11-26T08:00:00Z -q fetch --all &&
	at 2026-11-26T08:00:00Z send >out &&
	contains out "4 digests built" &&
	printf "%s\n" "ahead@example.org 1" "early@example.org 1" \
		"now@example.org 1" "same@example.org 1" >want &&
	maildir_got >have &&
	diff want have
'

test_expect_success 'the clock standing still: fetch, subscribe, fetch, send' '
	export FEEDMAIL_NOW=2026-11-26T09:00:00Z &&
	printf "[store]\n%s\n[digest]\ntransport = maildir\npath = %s/maildir\nlanguage = en\n" \
		"$(store_conf still)" "$TEST_DIR" >still.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/still.conf &&
	cp "$FIXTURES/fetch/feed.xml" still.xml &&
	feedmail -q subscriber add first@example.org &&
	feedmail -q add "$TEST_DIR/still.xml" &&
	feedmail -q fetch &&
	feedmail -q subscriber add second@example.org &&
	fixture_fourth still.xml &&
	feedmail -q fetch --all &&
	feedmail send >out &&
	contains out "2 digests built" &&
	printf "%s\n" "first@example.org 4" "second@example.org 1" >want &&
	maildir_got >have &&
	diff want have &&
	feedmail send >out &&
	contains out "0 digests built"
'

test_done
