#!/bin/sh
# Two writing runs never work on one store at once: the second waits a
# bounded time, then exits 75 naming the holder.
. "$TEST_SRCDIR/tests/lib.sh"

printf "[store]\nlock_timeout = 1\n" >"$FEEDMAIL_CONFIG"

test_expect_success 'a second writer gives up after lock_timeout, naming the holder' '
	FEEDMAIL_TEST_HOLD_LOCK=4 "$FEEDMAIL" add http://example.org/a >first.out 2>&1 &
	holder=$! &&
	sleep 1 &&
	expect_code 75 feedmail add http://example.org/b 2>err &&
	contains err "busy" &&
	contains err "pid $holder (feedmail add" &&
	wait $holder &&
	contains first.out "added feed 1"
'

test_expect_success 'a writer that waits less than the timeout goes on' '
	printf "[store]\nlock_timeout = 20\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=2 "$FEEDMAIL" add http://example.org/c >/dev/null 2>&1 &
	holder=$! &&
	sleep 0.5 &&
	feedmail add http://example.org/d >out &&
	wait $holder &&
	contains out "added feed" &&
	feedmail list --json | grep -q example.org/c
'

test_expect_success 'readers are not blocked by a writer' '
	FEEDMAIL_TEST_HOLD_LOCK=3 "$FEEDMAIL" add http://example.org/e >/dev/null 2>&1 &
	holder=$! &&
	sleep 0.5 &&
	feedmail list >out &&
	wait $holder &&
	contains out example.org/a
'

test_expect_success 'a killed holder leaves no stale lock' '
	printf "[store]\nlock_timeout = 1\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=30 "$FEEDMAIL" add http://example.org/f >/dev/null 2>&1 &
	holder=$! &&
	sleep 0.5 &&
	kill -9 $holder &&
	{ wait $holder; test $? -eq 137; } &&
	feedmail add http://example.org/g >out &&
	contains out "added feed"
'

test_done
