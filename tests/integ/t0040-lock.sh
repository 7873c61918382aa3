#!/bin/sh
# Two writing runs never work on one store at once: the second waits a
# bounded time, then exits 75 naming the holder. (The feeds added here are
# never fetched: runs use a store of their own.) FEEDMAIL_TEST_HOLD_LOCK
# keeps the first process asleep with the lock; the second starts once the
# first has written itself into the lock file as its holder (wait_lock).
# A holder that need not finish holds for long and is killed.
# All SQLite's: its lock file beside the store; PostgreSQL's workers share a
# store (tests/unit/test_store covers its leases).
. "$TEST_SRCDIR/tests/lib.sh"

STORE=$XDG_DATA_HOME/feedmail/feedmail.db
printf "[store]\nlock_timeout = 1\n" >"$FEEDMAIL_CONFIG"

test_expect_success_sqlite 'a second writer gives up after lock_timeout, naming the holder' '
	FEEDMAIL_TEST_HOLD_LOCK=600 "$FEEDMAIL" add http://example.org/a >/dev/null 2>&1 &
	holder=$! &&
	test_kill_at_end $holder &&
	wait_lock "$STORE" $holder &&
	expect_code 75 feedmail add http://example.org/b 2>err &&
	contains err "busy" &&
	contains err "pid $holder (feedmail add" &&
	alive $holder
'

test_expect_success_sqlite 'a writer that waits less than the timeout goes on' '
	printf "[store]\nlock_timeout = 60\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=1 "$FEEDMAIL" add http://example.org/c >first.out 2>&1 &
	holder=$! &&
	test_kill_at_end $holder &&
	wait_lock "$STORE" $holder &&
	feedmail add http://example.org/d >out &&
	wait $holder &&
	contains first.out "added feed 1:" &&
	contains out "added feed 2:" &&
	feedmail list --json | grep -q example.org/c
'

test_expect_success_sqlite 'readers are not blocked by a writer' '
	FEEDMAIL_TEST_HOLD_LOCK=600 "$FEEDMAIL" add http://example.org/e >/dev/null 2>&1 &
	holder=$! &&
	test_kill_at_end $holder &&
	wait_lock "$STORE" $holder &&
	feedmail list >out &&
	alive $holder &&
	contains out example.org/c
'

test_expect_success_sqlite 'a killed holder leaves no stale lock' '
	printf "[store]\nlock_timeout = 1\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=600 "$FEEDMAIL" add http://example.org/f >/dev/null 2>&1 &
	holder=$! &&
	test_kill_at_end $holder &&
	wait_lock "$STORE" $holder &&
	kill -9 $holder &&
	{ wait $holder; test $? -eq 137; } &&
	feedmail add http://example.org/g >out &&
	contains out "added feed"
'

test_expect_success_sqlite 'two runs started together: one waits, then works' '
	printf "[store]\nlock_timeout = 60\n[digest]\ntransport = stdout\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=1 "$FEEDMAIL" -d runs.db run >first.out 2>&1 &
	first=$! &&
	test_kill_at_end $first &&
	wait_lock runs.db $first &&
	feedmail -d runs.db run >second.out 2>&1 &&
	wait $first &&
	contains first.out "digests built" &&
	contains second.out "digests built"
'

test_expect_success_sqlite 'a run that cannot get the lock in time exits 75' '
	printf "[store]\nlock_timeout = 1\n[digest]\ntransport = stdout\n" >"$FEEDMAIL_CONFIG" || exit 1
	FEEDMAIL_TEST_HOLD_LOCK=600 "$FEEDMAIL" -d runs.db run >/dev/null 2>&1 &
	first=$! &&
	test_kill_at_end $first &&
	wait_lock runs.db $first &&
	expect_code 75 feedmail -d runs.db run 2>err &&
	contains err "pid $first (feedmail run" &&
	alive $first
'

test_done
