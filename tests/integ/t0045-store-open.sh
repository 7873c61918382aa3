#!/bin/sh
# Commands started together on a store that is new, or of an older schema
# version, all work: one of them creates or migrates it, the others wait
# for it and find it done. (A cron run beside a user's `list`; a fleet of
# them after an upgrade.)
. "$TEST_SRCDIR/tests/lib.sh"

# at_once N NAME: runs N feedmail commands on the store NAME, started
# together: readers (list, status, export) and, one in four, a writer
# adding a feed of its own. Passes when every one exits 0 and none says
# anything on standard error.
at_once() {
	n=$1
	name=$2
	db=$(store_location "$name") || return 1
	pids=
	i=0
	while [ $i -lt "$n" ]; do
		case $((i % 4)) in
		0) set -- list ;;
		1) set -- status ;;
		2) set -- export ;;
		3) set -- add "https://example.org/$name/$i" ;;
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

# feeds NAME: how many feeds the store NAME holds.
feeds() {
	feedmail -d "$(store_location "$1")" list | grep -c "^ *[0-9]"
}

test_expect_success '40 commands at once on a new store' '
	at_once 40 new &&
	test "$(feeds new)" = 10
'

test_expect_success_sqlite 'the same in folders not made yet' '
	at_once 40 deep/er/new &&
	test "$(feeds deep/er/new)" = 10
'

test_expect_success_sqlite '40 commands at once on a store of version 1' '
	store_from_sql old.db "$FIXTURES/store/v1.sql" &&
	at_once 40 old &&
	test "$(feeds old)" = 11 &&
	feedmail -d old.db list >out &&
	contains out "https://example.org/feed.xml" &&
	feedmail -d old.db subscriber list >out &&
	contains out reader@example.org
'

test_done
