#!/bin/sh
# The due feeds are claimed a batch of [fetch] jobs at a time, the next
# batch when fewer than jobs are in hand (so that several workers on one
# PostgreSQL store share them): one pass still fetches every due feed,
# each once, with or without --all.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
for i in 1 2 3 4 5 6 7; do
	cp "$FIXTURES"/fetch/feed.xml www/f$i.xml
done
start_http || exit 1
cat >"$FEEDMAIL_CONFIG" <<CONF
[fetch]
jobs = 2
per_host = 2
CONF

# each of the 7 feeds requested N times
each_requested() {
	for i in 1 2 3 4 5 6 7; do
		test "$(requests f$i.xml)" = "$1" || return 1
	done
}

test_expect_success 'jobs = 2, 7 due feeds: one fetch takes them all, once each' '
	for i in 1 2 3 4 5 6 7; do
		feedmail add "$HTTP_URL/f$i.xml" >/dev/null || exit 1
	done &&
	feedmail fetch >out &&
	contains out "7 feeds: 7 fetched" &&
	each_requested 1
'

test_expect_success 'fetch --all: every feed once more, none twice' '
	feedmail fetch --all >out &&
	contains out "7 feeds: 7 fetched" &&
	each_requested 2
'

test_expect_success 'jobs = 1: still every feed, once' '
	printf "[fetch]\njobs = 1\n" >"$FEEDMAIL_CONFIG" &&
	feedmail fetch --all >/dev/null &&
	each_requested 3 &&
	feedmail fetch >out &&
	contains out "0 feeds" &&
	each_requested 3
'

test_done
