#!/bin/sh
# Commands started together on a store that is new, or of an older schema
# version, all work: one of them creates or migrates it, the others wait
# for it and find it done. (A cron run beside a user's `list`; a fleet of
# them after an upgrade.)
. "$TEST_SRCDIR/tests/lib.sh"

# at_once N DB: runs N feedmail commands on the store DB, started
# together: readers (list, status, export) and, one in four, a writer
# adding a feed of its own. Passes when every one exits 0 and none says
# anything on standard error.
at_once() {
	n=$1
	db=$2
	pids=
	i=0
	while [ $i -lt "$n" ]; do
		case $((i % 4)) in
		0) set -- list ;;
		1) set -- status ;;
		2) set -- export ;;
		3) set -- add "https://example.org/$db/$i" ;;
		esac
		"$FEEDMAIL" -d "$db" "$@" >"cmd-out.$i" 2>"cmd-err.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	failed=0
	for pid in $pids; do
		wait "$pid" || failed=$((failed + 1))
	done
	cat cmd-err.* >errors
	rm -f cmd-out.* cmd-err.*
	if [ "$failed" -ne 0 ] || [ -s errors ]; then
		echo "$failed of $n failed:" >&2
		sort errors | uniq -c >&2
		return 1
	fi
}

# feeds DB: how many feeds the store DB holds.
feeds() {
	feedmail -d "$1" list | grep -c "^ *[0-9]"
}

test_expect_success '40 commands at once on a new store' '
	at_once 40 new.db &&
	test "$(feeds new.db)" = 10
'

test_expect_success 'the same in folders not made yet' '
	at_once 40 deep/er/new.db &&
	test "$(feeds deep/er/new.db)" = 10
'

test_expect_success '40 commands at once on a store of version 1' '
	store_from_sql old.db "$FIXTURES/store/v1.sql" &&
	at_once 40 old.db &&
	test "$(feeds old.db)" = 11 &&
	feedmail -d old.db list >out &&
	contains out "https://example.org/feed.xml" &&
	feedmail -d old.db subscriber list >out &&
	contains out reader@example.org
'

test_done
