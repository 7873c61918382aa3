#!/bin/sh
# Sending within quota: [smtp] max_per_minute, max_per_hour, max_per_day
# against a real SMTP server (tests/smtpd.py) under the test clock, once
# by `send`, by `run` across days and by a daemon that must wake when the
# window reopens; and several relays in [smtp] host, with failover when
# one is down (nobody listening, or a 421 greeting).
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/
start_http || exit 1

SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
SINK_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/daemon-sink; start_smtp || exit 1
DAEMON_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/second; start_smtp || exit 1
SECOND_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/busy; start_smtp --busy || exit 1
BUSY_PORT=$SMTP_PORT
DOWN_PORT=$(free_port)

# setup NAME HOST [LINES [TRANSPORT]]: a config NAME.conf ([smtp] host =
# HOST, LINES after it; transport smtp unless TRANSPORT says) and a store
# NAME (store_location) with 10 subscribers (added at 06:00) and a feed
# fetched at 07:00: ten digests to send.
setup() {
	cat >"$1.conf" <<CONF
[store]
$(store_conf "$1")
[smtp]
host = $2
${3:-}
[digest]
${4:-transport = smtp}
from = veille@cluster.example
timezone = UTC
time = 07:00
CONF
	export FEEDMAIL_CONFIG="$TEST_DIR/$1.conf"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		at 2026-11-26T06:00:00Z -q subscriber add "s$i@example.org" ||
			return 1
	done
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch
}

# sql QUERY: the first column of the first row of QUERY on the store of
# the current config (NAME.conf names store NAME).
sql() {
	store_sql "$(basename "$FEEDMAIL_CONFIG" .conf)" "$1" | head -n 1 |
		cut -f 1
}
# digests STATUS: how many digests have STATUS
digests() {
	sql "SELECT count(*) FROM outbox WHERE subscriber_id IS NOT NULL AND status = '$1'"
}
# attempts [STATUS]: the attempts counted on all the mail (on the mail
# with STATUS), added up
attempts() {
	sql "SELECT coalesce(sum(attempts), 0) FROM outbox WHERE '${1:-}' IN ('', status)"
}
# received DIR: how many messages the sink in DIR received
received() {
	ls "$1" | grep -c "\.eml$"
}

test_expect_success 'max_per_minute = 4: 4 sent, 6 held uncharged, exit 0' '
	setup minute "127.0.0.1:$SINK_PORT" "max_per_minute = 4" &&
	at 2026-11-26T07:05:00Z -v send >out 2>err &&
	contains out "10 digests built; 4 sent, 6 left pending, 0 failed" &&
	contains out "6 digests held back by the quota ([smtp] max_per_minute = 4) until 2026-11-26T07:06:00Z" &&
	contains err "max_per_minute = 4 reached" &&
	test "$(digests sent)" = 4 &&
	test "$(digests pending)" = 6 &&
	test "$(attempts pending)" = 0 &&
	test "$(received sink)" = 4
'

FEEDMAIL_CONFIG=$TEST_DIR/minute.conf
test_expect_success 'within the same minute nothing more goes, exit 0' '
	at 2026-11-26T07:05:59Z send >out &&
	contains out "0 digests built; 0 sent, 6 left pending, 0 failed" &&
	contains out "6 digests held back by the quota" &&
	test "$(received sink)" = 4
'

test_expect_success 'a minute later, 4 more; then the last 2' '
	at 2026-11-26T07:06:00Z send >out &&
	contains out "0 digests built; 4 sent, 2 left pending, 0 failed" &&
	contains out "2 digests held back by the quota" &&
	at 2026-11-26T07:07:00Z send >out &&
	contains out "0 digests built; 2 sent, 0 left pending, 0 failed" &&
	lacks out "quota" &&
	test "$(digests sent)" = 10 &&
	test "$(attempts)" = 10 &&
	test "$(received sink)" = 10
'

test_expect_success 'max_per_day holds across runs until 24 hours later' '
	setup day "127.0.0.1:$SINK_PORT" "max_per_day = 6" &&
	at 2026-11-26T07:05:00Z run >out &&
	contains out "10 digests built; 6 sent, 4 left pending, 0 failed" &&
	contains out "4 digests held back by the quota ([smtp] max_per_day = 6) until 2026-11-27T07:05:00Z" &&
	at 2026-11-26T19:00:00Z run >out &&
	contains out "0 sent, 4 left pending" &&
	test "$(digests sent)" = 6 &&
	test "$(attempts pending)" = 0 &&
	at 2026-11-27T07:05:00Z run >out &&
	contains out "4 sent, 0 left pending" &&
	test "$(digests sent)" = 10 &&
	test "$(attempts)" = 10
'

test_expect_success 'sendmail, a relay too: max_per_hour = 3' '
	mkdir -p sent &&
	printf "#!/bin/sh\ncat >\"%s/sent/\$\$\"\n" "$TEST_DIR" >sendmail.sh &&
	chmod +x sendmail.sh &&
	setup sendmail "127.0.0.1:$SINK_PORT" "max_per_hour = 3" \
		"transport = sendmail
sendmail = $TEST_DIR/sendmail.sh" &&
	at 2026-11-26T07:05:00Z send >out &&
	contains out "10 digests built; 3 sent, 7 left pending, 0 failed" &&
	contains out "7 digests held back by the quota ([smtp] max_per_hour = 3) until 2026-11-26T08:05:00Z" &&
	test "$(ls sent | wc -l)" = 3 &&
	at 2026-11-26T08:04:59Z send >out &&
	contains out "0 sent, 7 left pending" &&
	at 2026-11-26T08:05:00Z send >out &&
	contains out "3 sent, 4 left pending" &&
	test "$(ls sent | wc -l)" = 6
'

test_expect_success 'the files and stdout have no quota' '
	setup maildir "127.0.0.1:$SINK_PORT" "max_per_minute = 1" \
		"transport = maildir
path = $TEST_DIR/mail" &&
	at 2026-11-26T07:05:00Z send >out &&
	contains out "10 digests built; 10 sent, 0 left pending, 0 failed" &&
	test "$(ls mail/new | wc -l)" = 10
'

test_expect_success 'a bad relay list is a configuration error' '
	printf "[smtp]\nhost = a.example, b.example:99999\n" >bad.conf &&
	expect_code 78 env FEEDMAIL_CONFIG=bad.conf "$FEEDMAIL" status 2>err &&
	contains err "whose port is not a number from 1 to 65535" &&
	printf "[smtp]\nhost = a.example,,b.example\n" >bad.conf &&
	expect_code 78 env FEEDMAIL_CONFIG=bad.conf "$FEEDMAIL" status 2>err &&
	contains err "has an empty relay"
'

test_expect_success 'the first relay down, the next busy: all through the third' '
	setup relays "127.0.0.1:$DOWN_PORT, 127.0.0.1:$BUSY_PORT , 127.0.0.1:$SECOND_PORT" &&
	at 2026-11-26T07:05:00Z send >out 2>err &&
	contains out "10 digests built; 10 sent, 0 left pending, 0 failed" &&
	contains err "relay down: cannot connect to '"'"'127.0.0.1:$DOWN_PORT'"'"'" &&
	contains err "relay down: '"'"'127.0.0.1:$BUSY_PORT'"'"': the server refused the session: 421" &&
	test "$(received second)" = 10 &&
	test "$(received busy)" = 0 &&
	grep -q connect busy/log
'

test_expect_success 'every relay down: held, uncharged, exit 69' '
	setup alldown "127.0.0.1:$DOWN_PORT,127.0.0.1:$BUSY_PORT" &&
	expect_code 69 at 2026-11-26T07:05:00Z send >out 2>err &&
	contains out "mail transport down, 10 digests held back" &&
	contains out "127.0.0.1:$BUSY_PORT" &&
	test "$(digests pending)" = 10 &&
	test "$(attempts)" = 0
'

test_expect_success 'doctor probes the first relay' '
	printf "[store]\n%s\n[smtp]\nhost = 127.0.0.1:%s, 127.0.0.1:%s\n[digest]\nfrom = v@cluster.example\n" \
		"$(store_conf probe)" "$SECOND_PORT" "$DOWN_PORT" >probe.conf &&
	FEEDMAIL_CONFIG=probe.conf feedmail doctor >out 2>&1 &&
	lacks out "cannot reach" &&
	printf "[store]\n%s\n[smtp]\nhost = 127.0.0.1:%s, 127.0.0.1:%s\n[digest]\nfrom = v@cluster.example\n" \
		"$(store_conf probe)" "$DOWN_PORT" "$SECOND_PORT" >probe.conf &&
	expect_code 69 env FEEDMAIL_CONFIG=probe.conf "$FEEDMAIL" doctor >out 2>&1 &&
	contains out "cannot connect to '"'"'127.0.0.1:$DOWN_PORT'"'"'"
'

# The daemon under a clock 60 times too fast (a clock minute per real
# second), from 06:59: the 07:00 slot's ten digests leave 4 a minute.
start_daemon() {
	rm -f daemon.pid daemon.status
	(
		FEEDMAIL_NOW=2026-11-26T06:59:00Z FEEDMAIL_CLOCK_SPEED=60 \
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
sent_digests() {
	[ "$(digests sent)" -ge "$1" ]
}

test_expect_success 'set up the daemon: max_per_minute = 4' '
	setup daemon "127.0.0.1:$DAEMON_PORT" "max_per_minute = 4"
'
FEEDMAIL_CONFIG=$TEST_DIR/daemon.conf
export FEEDMAIL_CONFIG
start_daemon || exit 1

test_expect_success 'the daemon wakes when the window reopens: 4, 4, then 2' '
	wait_for 60 sent_digests 10 &&
	test "$(received daemon-sink)" = 10 &&
	test "$(attempts)" = 10 &&
	test "$(sql "SELECT count(DISTINCT sent_at) FROM outbox")" -ge 3 &&
	test "$(sql "SELECT count(*) FROM outbox a WHERE (SELECT count(*) FROM outbox b WHERE b.sent_at > a.sent_at - 60 AND b.sent_at <= a.sent_at) > 4")" = 0 &&
	n=$(grep -c "max_per_minute = 4 reached" daemon.err) &&
	test "$n" -ge 1 && test "$n" -le 3
'

test_expect_success 'the daemon ends on SIGTERM' '
	kill -TERM $daemon_pid &&
	wait_for 60 test -s daemon.status &&
	test "$(cat daemon.status)" = 0
'

test_done
