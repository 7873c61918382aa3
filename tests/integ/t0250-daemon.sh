#!/bin/sh
# feedmail daemon under a test clock that runs 60 times too fast (a clock
# minute per real second): it fetches a feed when due, sends a digest at
# the subscriber's slot, leaves the store's lock free while it sleeps,
# reloads its config on SIGHUP (keeping the old one when the new one is
# broken), and exits 0 promptly on SIGTERM and SIGINT, letting the
# transfer under way finish and leaving the feeds not yet started due.
# Each case waits for what the daemon does (a request, a mail, a log line)
# rather than for a time; a deadline is only a bound for when it never
# comes.
. "$TEST_SRCDIR/tests/lib.sh"

start_http || exit 1
mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/feed.xml
cp "$FIXTURES/fetch/feed.xml" www/second.xml

# write_config USER_AGENT [INTERVAL]: feeds fetched every 1 to 2 clock
# minutes, or every INTERVAL minutes.
write_config() {
	cat >"$FEEDMAIL_CONFIG" <<-CONF
	$(store_section default)
	[store]
	lock_timeout = 60
	[fetch]
	jobs = 1
	min_interval = ${2:-1}
	max_interval = ${2:-2}
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
	wait_for 60 test -s daemon.pid || return 1
	daemon_pid=$(cat daemon.pid)
	test_pids="$test_pids $daemon_pid"
}
test_log "$TEST_DIR/daemon.err"
# dated FROM TO: every mail's Date is in [FROM, TO) (clock times, HH:MM
# on 26 Nov 2026, UTC); shows the dates otherwise.
dated() {
	"$PYTHON3" - "$1" "$2" <<-'EOF'
	import email.utils, glob, sys
	start, end = ("2026-11-26T%s:00+00:00" % t for t in sys.argv[1:3])
	for path in glob.glob("mail/new/*"):
	    with open(path, "rb") as f:
	        head = f.read().split(b"\n\n")[0].decode("ascii", "replace")
	    date = [l[5:].strip() for l in head.splitlines() if l.startswith("Date:")]
	    when = email.utils.parsedate_to_datetime(date[0]).isoformat()
	    assert start <= when < end, "%s: dated %s, not in [%s, %s)" % (path, when, start, end)
	EOF
}
# exits_within SECONDS: the daemon ends within SECONDS, its exit status
# then in $exit_status.
exits_within() {
	wait_for "$1" test -s daemon.status || return 1
	exit_status=$(cat daemon.status)
}
# add_nowait URL: `feedmail add URL` with a lock_timeout of 0: it fails
# (75) unless the store's lock is free at that instant.
{ printf "[store]\nlock_timeout = 0\n" && store_section default; } >"$TEST_DIR/nowait.conf"
add_nowait() {
	FEEDMAIL_CONFIG=$TEST_DIR/nowait.conf "$FEEDMAIL" -q add "$1"
}

test_expect_success 'usage errors stop it at once' '
	expect_code 64 feedmail daemon extra 2>err &&
	contains err "unexpected argument" &&
	expect_code 64 feedmail daemon --syslg 2>err &&
	contains err "did you mean '"'"'--syslog'"'"'"
'

test_expect_success_sqlite 'a store it cannot open stops it at once' '
	expect_code 73 feedmail -d "$FEEDMAIL_CONFIG/x.db" daemon 2>err &&
	contains err "Not a directory"
'

test_expect_success 'set up: a subscriber since 05:00, a feed' '
	FEEDMAIL_NOW=2026-11-26T05:00:00Z feedmail -q subscriber add a@example.org &&
	FEEDMAIL_NOW=2026-11-26T05:00:00Z feedmail -q add "$HTTP_URL/feed.xml"
'

start_daemon || exit 1

# A digest that a loaded machine sends late is still dated after 07:00,
# never before.
test_expect_success 'the due feed is fetched at once, no digest before 07:00' '
	wait_for 60 has_requests feed.xml 1 &&
	dated 07:00 23:59 &&
	alive $daemon_pid
'

test_expect_success 'the digest goes at its slot, dated 07:00' '
	wait_for 60 has_mails 1 &&
	dated 07:00 07:30 &&
	grep -l "^To: a@example.org" mail/new/* >/dev/null
'

test_expect_success 'the feed is fetched again when due (1 to 2 clock minutes)' '
	wait_for 60 has_requests feed.xml 2 &&
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

# Were the lock held while the daemon sleeps, an add that does not wait
# for it would never get through.
test_expect_success 'the lock is free while it sleeps: add works' '
	wait_for 60 add_nowait "$HTTP_URL/second.xml" &&
	feedmail -q subscriber add b@example.org &&
	feedmail list --json >out &&
	contains out second.xml
'

test_expect_success 'a feed added meanwhile is fetched by a later cycle' '
	wait_for 60 has_requests second.xml 1
'

test_expect_success 'SIGHUP: the changed config takes effect' '
	write_config feedmail-reloaded &&
	kill -HUP $daemon_pid &&
	wait_for 60 grep -q "ua=feedmail-reloaded" "$HTTP_LOG" &&
	alive $daemon_pid
'

test_expect_success 'SIGHUP with a broken config: logged, old config kept' '
	{
		printf "[fetch]\nmin_interval = soon\n" && store_section default
	} >"$FEEDMAIL_CONFIG" &&
	kill -HUP $daemon_pid &&
	wait_for 60 grep -q "feedmail.conf:2:.*keeping the previous configuration" daemon.err &&
	before=$(grep -c "ua=feedmail-reloaded" "$HTTP_LOG") &&
	wait_for 60 sh -c "test \$(grep -c ua=feedmail-reloaded \"$HTTP_LOG\") -gt $before" &&
	alive $daemon_pid
'

# Once both feeds are fetched every hour, the daemon sleeps a clock hour
# (a real minute) at a time: it must not wait for the end of it.
test_expect_success 'SIGTERM: exit 0 at once, even from a long sleep' '
	write_config feedmail-hourly 60 &&
	kill -HUP $daemon_pid &&
	wait_for 60 grep -q "^GET /feed.xml .* ua=feedmail-hourly$" "$HTTP_LOG" &&
	wait_for 60 grep -q "^GET /second.xml .* ua=feedmail-hourly$" "$HTTP_LOG" &&
	kill -TERM $daemon_pid &&
	exits_within 30 &&
	test "$exit_status" = 0 &&
	contains daemon.err "daemon stopping (SIGTERM)" &&
	write_config feedmail-first
'

# The held feed's transfer lasts until the case releases it (tests/httpd.py
# /hold): the daemon gets SIGTERM while it is surely under way.
test_expect_success 'set up: a held feed, then another, one at a time' '
	feedmail -q remove "$HTTP_URL/feed.xml" &&
	feedmail -q remove "$HTTP_URL/second.xml" &&
	feedmail -q add "$HTTP_URL/hold/feed.xml?release=go" &&
	feedmail -q add "$HTTP_URL/second.xml" &&
	: >"$HTTP_LOG"
'

start_daemon || exit 1

test_expect_success 'SIGTERM during a transfer: it finishes and is recorded, exit 0' '
	wait_for 60 test -e "$HTTP_ROOT/go.held" &&
	kill -TERM $daemon_pid &&
	: >"$HTTP_ROOT/go" &&
	exits_within 60 &&
	test "$exit_status" = 0 &&
	feedmail status --json >s.json &&
	"$PYTHON3" -c "
import json
held, other = json.load(open(\"s.json\"))[\"feeds\"]
assert held[\"last_success\"] is not None and held[\"failures\"] == 0, held
# never started: not fetched, not counted as a failure, still due
assert other[\"last_success\"] is None and other[\"failures\"] == 0, other
" &&
	test "$(requests second.xml)" = 0
'

# stderr as the journal: systemd names it in JOURNAL_STREAM (device:inode)
: >daemon.err
JOURNAL_STREAM=$(stat -c %d:%i daemon.err)
export JOURNAL_STREAM
start_daemon || exit 1
unset JOURNAL_STREAM

test_expect_success 'SIGINT: exit 0 too; lines carry their level for the journal' '
	wait_for 60 grep -q "^<6>feedmail: daemon started" daemon.err &&
	kill -INT $daemon_pid &&
	exits_within 60 &&
	test "$exit_status" = 0 &&
	contains daemon.err "<6>feedmail: daemon stopping (SIGINT)"
'

test_done
