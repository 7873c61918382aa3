#!/bin/sh
# feedmail daemon under a test clock that runs 60 times too fast (a clock
# minute per real second): it fetches a feed when due, sends a digest at
# the subscriber's slot, leaves the store's lock free while it sleeps,
# reloads its config on SIGHUP (keeping the old one when the new one is
# broken), and exits 0 promptly on SIGTERM and SIGINT, letting the
# transfer under way finish and leaving the feeds not yet started due.
. "$TEST_SRCDIR/tests/lib.sh"

start_http || exit 1
mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/feed.xml
cp "$FIXTURES/fetch/feed.xml" www/second.xml

write_config() {
	cat >"$FEEDMAIL_CONFIG" <<-CONF
	[store]
	lock_timeout = 3
	[fetch]
	jobs = 1
	min_interval = 1
	max_interval = 2
	user_agent = $1
	[digest]
	transport = maildir
	path = $TEST_DIR/mail
	timezone = UTC
	time = 07:00
	CONF
}
write_config feedmail-first

# 06:57 UTC: the digest slot (07:00) is three real seconds away.
START=2026-11-26T06:57:00Z
# start_daemon: the daemon in the background, its pid in $daemon_pid, its
# exit status in daemon.status once it ends (a subshell of ours waits for
# it: test_expect_success runs its script in a subshell that cannot).
start_daemon() {
	rm -f daemon.pid daemon.status
	(
		FEEDMAIL_NOW=$START FEEDMAIL_CLOCK_SPEED=60 \
			"$FEEDMAIL" -v daemon 2>"$TEST_DIR/daemon.err" &
		echo $! >"$TEST_DIR/daemon.pid"
		wait $!
		echo $? >"$TEST_DIR/daemon.status"
	) &
	test_pids="$test_pids $!"
	until [ -s daemon.pid ]; do sleep 0.05; done
	daemon_pid=$(cat daemon.pid)
	test_pids="$test_pids $daemon_pid"
}
# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it passes.
wait_for() {
	wait_limit=$(($1 * 10))
	shift
	wait_n=0
	until "$@"; do
		wait_n=$((wait_n + 1))
		if [ "$wait_n" -ge "$wait_limit" ]; then
			echo "gave up waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}
requests() {
	n=$(grep -c "^GET /$1 " "$HTTP_LOG" 2>/dev/null)
	echo "${n:-0}"
}
has_requests() {
	[ "$(requests "$1")" -ge "$2" ]
}
mails() {
	ls mail/new 2>/dev/null | wc -l
}
has_mails() {
	[ "$(mails)" -ge "$1" ]
}
# connected: a TCP connection to the HTTP server is open (its request
# under way: the server logs a request once answered).
connected() {
	"$PYTHON3" - "$HTTP_PORT" <<-'EOF'
	import sys
	port = "%04X" % int(sys.argv[1])
	for name in ("/proc/net/tcp", "/proc/net/tcp6"):
	    try:
	        rows = open(name).read().splitlines()[1:]
	    except OSError:
	        continue
	    for row in rows:
	        f = row.split()
	        if f[2].endswith(":" + port) and f[3] == "01":
	            sys.exit(0)
	sys.exit(1)
	EOF
}
# exits_within SECONDS: the daemon ends within SECONDS, its exit status
# then in $exit_status.
exits_within() {
	wait_for "$1" test -s daemon.status || return 1
	exit_status=$(cat daemon.status)
}

test_expect_success 'usage errors; a store it cannot open stops it at once' '
	expect_code 64 feedmail daemon extra 2>err &&
	contains err "unexpected argument" &&
	expect_code 64 feedmail daemon --syslg 2>err &&
	contains err "did you mean '"'"'--syslog'"'"'" &&
	expect_code 73 feedmail -d "$FEEDMAIL_CONFIG/x.db" daemon 2>err &&
	contains err "Not a directory"
'

test_expect_success 'set up: a subscriber since 05:00, a feed' '
	FEEDMAIL_NOW=2026-11-26T05:00:00Z feedmail -q subscriber add a@example.org &&
	FEEDMAIL_NOW=2026-11-26T05:00:00Z feedmail -q add "$HTTP_URL/feed.xml"
'

start_daemon

test_expect_success 'the due feed is fetched at once, no digest before 07:00' '
	wait_for 10 has_requests feed.xml 1 &&
	test "$(mails)" = 0 &&
	kill -0 $daemon_pid
'

test_expect_success 'the digest goes at its slot, dated 07:00' '
	wait_for 15 has_mails 1 &&
	grep -h "^Date:" mail/new/* >date &&
	contains date "26 Nov 2026 07:0" &&
	grep -l "^To: a@example.org" mail/new/* >/dev/null
'

test_expect_success 'the feed is fetched again when due (1 to 2 clock minutes)' '
	wait_for 10 has_requests feed.xml 2 &&
	grep "^GET /feed.xml " "$HTTP_LOG" | sed -n "1p;2p" |
		sed "s/.* t0=\([0-9.]*\) .*/\1/" >times &&
	"$PYTHON3" -c "
import sys
a, b = [float(x) for x in open(\"times\")]
# due after max_interval (2 clock min = 2 real s); any cycle fetches it
# from min_interval (1 s) before that on
assert b - a >= 0.9, (a, b)
"
'

test_expect_success 'the lock is free while it sleeps: add works' '
	start=$(date +%s) &&
	feedmail -q add "$HTTP_URL/second.xml" &&
	test $(($(date +%s) - start)) -lt 3 &&
	feedmail -q subscriber add b@example.org &&
	feedmail status >out &&
	contains out second.xml
'

test_expect_success 'a feed added meanwhile is fetched by a later cycle' '
	wait_for 10 has_requests second.xml 1
'

test_expect_success 'SIGHUP: the changed config takes effect' '
	write_config feedmail-reloaded &&
	kill -HUP $daemon_pid &&
	wait_for 10 grep -q "ua=feedmail-reloaded" "$HTTP_LOG" &&
	kill -0 $daemon_pid
'

test_expect_success 'SIGHUP with a broken config: logged, old config kept' '
	printf "[fetch]\nmin_interval = soon\n" >"$FEEDMAIL_CONFIG" &&
	kill -HUP $daemon_pid &&
	wait_for 10 grep -q "feedmail.conf:2:.*keeping the previous configuration" daemon.err &&
	before=$(grep -c "ua=feedmail-reloaded" "$HTTP_LOG") &&
	wait_for 10 sh -c "test \$(grep -c ua=feedmail-reloaded \"$HTTP_LOG\") -gt $before" &&
	kill -0 $daemon_pid
'

test_expect_success 'SIGTERM: exit 0 within a few seconds' '
	write_config feedmail-first &&
	kill -TERM $daemon_pid &&
	exits_within 5 &&
	test "$exit_status" = 0 &&
	contains daemon.err "daemon stopping (SIGTERM)"
'

test_expect_success 'set up: a slow feed (2 s), then another, one at a time' '
	feedmail -q remove "$HTTP_URL/feed.xml" &&
	feedmail -q remove "$HTTP_URL/second.xml" &&
	feedmail -q add "$HTTP_URL/slow/feed.xml?delay=2" &&
	feedmail -q add "$HTTP_URL/second.xml" &&
	: >"$HTTP_LOG"
'

start_daemon

test_expect_success 'SIGTERM during a transfer: it finishes and is recorded, exit 0' '
	wait_for 10 connected &&
	kill -TERM $daemon_pid &&
	exits_within 8 &&
	test "$exit_status" = 0 &&
	feedmail status --json >s.json &&
	"$PYTHON3" -c "
import json
slow, other = json.load(open(\"s.json\"))[\"feeds\"]
assert slow[\"last_success\"] is not None and slow[\"failures\"] == 0, slow
# never started: not fetched, not counted as a failure, still due
assert other[\"last_success\"] is None and other[\"failures\"] == 0, other
" &&
	test "$(requests second.xml)" = 0
'

# stderr as the journal: systemd names it in JOURNAL_STREAM (device:inode)
: >daemon.err
JOURNAL_STREAM=$(stat -c %d:%i daemon.err)
export JOURNAL_STREAM
start_daemon
unset JOURNAL_STREAM

test_expect_success 'SIGINT: exit 0 too; lines carry their level for the journal' '
	wait_for 10 grep -q "^<6>feedmail: daemon started" daemon.err &&
	kill -INT $daemon_pid &&
	exits_within 5 &&
	test "$exit_status" = 0 &&
	contains daemon.err "<6>feedmail: daemon stopping (SIGINT)"
'

test_done
