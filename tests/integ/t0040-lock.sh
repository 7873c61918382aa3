#!/bin/sh
# Two writing runs never work on one store at once: the second waits a
# bounded time, then exits 75 naming the holder. (The feeds added here are
# never fetched: runs use a store of their own.)
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

test_expect_success 'two runs started together: one waits, then works' '
	printf "[store]\nlock_timeout = 20\n[digest]\ntransport = stdout\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=2 "$FEEDMAIL" -d runs.db run >first.out 2>&1 &
	first=$! &&
	sleep 0.5 &&
	feedmail -d runs.db run >second.out 2>&1 &&
	wait $first &&
	contains first.out "digests built" &&
	contains second.out "digests built"
'

test_expect_success 'a run that cannot get the lock in time exits 75' '
	printf "[store]\nlock_timeout = 1\n[digest]\ntransport = stdout\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=4 "$FEEDMAIL" -d runs.db run >/dev/null 2>&1 &
	first=$! &&
	sleep 0.5 &&
	expect_code 75 feedmail -d runs.db run 2>err &&
	contains err "pid $first (feedmail run" &&
	wait $first
'

test_done
