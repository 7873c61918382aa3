#!/bin/sh
# Several workers on one PostgreSQL store (a throwaway cluster of the
# test's own, tests/pgcluster.sh): a sleeping daemon is woken at once by a
# feed or a subscriber added (LISTEN/NOTIFY); four workers together never
# ask one host more than [fetch] per_host requests at once; and one
# worker stuck in a long fetch does not keep another from sending the due
# digests. Each case has a database of its own in the cluster.
. "$TEST_SRCDIR/tests/lib.sh"

start_pg

start_http || exit 1
cp "$FIXTURES/fetch/feed.xml" "$HTTP_ROOT/feed.xml"
cp "$FIXTURES/fetch/feed.xml" "$HTTP_ROOT/second.xml"
cp "$FIXTURES/fetch/feed.xml" "$HTTP_ROOT/third.xml"

# --- wake-ups

cat >wake.conf <<CONF
[store]
url = $(pg_url wake)
[fetch]
min_interval = 60
max_interval = 60
[digest]
transport = maildir
path = $TEST_DIR/wake-mail
CONF

# The daemon with its exit status in wake.status once it ends.
(
	FEEDMAIL_CONFIG=$TEST_DIR/wake.conf "$FEEDMAIL" -vv daemon \
		2>"$TEST_DIR/wake.err" &
	echo $! >"$TEST_DIR/wake.pid"
	wait $!
	echo $? >"$TEST_DIR/wake.status"
) &
test_pids="$test_pids $!"
test_log "$TEST_DIR/wake.err"
wait_for 60 test -s wake.pid || exit 1
wake_pid=$(cat wake.pid)
test_pids="$test_pids $wake_pid"

# asleep: the daemon's last word is a sleep of more than ten minutes
asleep() {
	tail -n 1 wake.err | grep -q "next cycle in [0-9]\{4,\} s"
}

test_expect_success 'a daemon on PostgreSQL fetches its feed, then sleeps an hour' '
	FEEDMAIL_CONFIG=$TEST_DIR/wake.conf feedmail -q add "$HTTP_URL/feed.xml" &&
	wait_for 60 has_requests feed.xml 1 &&
	wait_for 60 asleep
'

# Without a wake-up the daemon would sleep on for an hour.
test_expect_success 'a feed added meanwhile is fetched at once' '
	FEEDMAIL_CONFIG=$TEST_DIR/wake.conf feedmail -q add "$HTTP_URL/second.xml" &&
	wait_for 60 has_requests second.xml 1 &&
	test "$(requests feed.xml)" = 1 &&
	wait_for 60 asleep
'

test_expect_success 'a subscriber added wakes it too' '
	woken=$(grep -c "woken: another process gave work" wake.err) &&
	FEEDMAIL_CONFIG=$TEST_DIR/wake.conf feedmail -q subscriber add w@example.org &&
	wait_for 60 sh -c "test \$(grep -c \"woken: another process gave work\" wake.err) -gt $woken" &&
	wait_for 60 asleep &&
	alive $wake_pid
'

test_expect_success 'SIGTERM ends it from its sleep, exit 0' '
	kill -TERM $wake_pid &&
	wait_for 30 test -s wake.status &&
	test "$(cat wake.status)" = 0
'

# --- per-host politeness across workers

# Four hosts (names that resolve to 127.0.0.1), 40 feeds each, answered
# after 0.2 s (/slow), added host by host: four workers started together
# each take hosts of their own. With per_host = 2, no host ever has a
# third request in its 0.2 s of waiting, whichever worker asks.
HOSTS="h1 h2 h3 h4"
FEEDMAIL_RESOLVE=
for h in $HOSTS; do
	FEEDMAIL_RESOLVE=$FEEDMAIL_RESOLVE${FEEDMAIL_RESOLVE:+,}$h.example.test:$HTTP_PORT:127.0.0.1
	mkdir -p "$HTTP_ROOT/$h"
	for i in $(seq 1 40); do
		cp "$FIXTURES/fetch/feed.xml" "$HTTP_ROOT/$h/f$i.xml"
	done
done
export FEEDMAIL_RESOLVE
POLITE_URL=$(pg_url polite)

# polite_config N: worker N's config, its User-Agent naming it
polite_config() {
	cat >"polite$1.conf" <<-CONF
	[store]
	url = $POLITE_URL
	[fetch]
	jobs = 8
	per_host = 2
	allow_private = yes
	user_agent = worker-$1
	[digest]
	transport = maildir
	path = $TEST_DIR/polite-mail
	CONF
}

test_expect_success 'set up: 160 feeds on four hosts' '
	for n in 1 2 3 4; do polite_config $n || exit 1; done &&
	for h in $HOSTS; do
		for i in $(seq 1 40); do
			echo "http://$h.example.test:$HTTP_PORT/slow/$h/f$i.xml?delay=0.2"
		done
	done >urls &&
	while read -r u; do
		FEEDMAIL_CONFIG=$TEST_DIR/polite1.conf feedmail -q add "$u" || exit 1
	done <urls &&
	: >"$HTTP_LOG"
'

test_expect_success 'four workers at once: each feed once, at most 2 at a time per host' '
	pids= &&
	for n in 1 2 3 4; do
		FEEDMAIL_CONFIG=$TEST_DIR/polite$n.conf "$FEEDMAIL" -q run \
			>"run$n.out" 2>&1 &
		pids="$pids $!"
	done &&
	for p in $pids; do wait $p || { cat run*.out; exit 1; }; done &&
	"$PYTHON3" - "$HTTP_LOG" <<-EOF
	import collections, re, sys
	got = collections.Counter()
	waits = collections.defaultdict(list)
	workers = set()
	for line in open(sys.argv[1]):
	    m = re.match(r"GET /slow/(h\d)/(f\d+)\.xml\S* (\d+) .* t0=([\d.]+) .* ua=(\S+)", line)
	    assert m, line
	    host, feed, status, t0, ua = m.groups()
	    assert status == "200", line
	    got[host, feed] += 1
	    # the 0.2 s the server waits before answering: the request is
	    # surely outstanding at the client all that time
	    waits[host].append((float(t0), float(t0) + 0.2))
	    workers.add(ua)
	assert len(got) == 160 and set(got.values()) == {1}, got.most_common(3)
	for host, spans in waits.items():
	    events = sorted([(a, 1) for a, b in spans] + [(b, -1) for a, b in spans])
	    now = most = 0
	    for _, d in events:
	        now += d
	        most = max(most, now)
	    assert most <= 2, (host, most)
	# the hosts were shared out: more than one worker took part
	assert len(workers) >= 2, workers
	print("workers", sorted(workers))
	EOF
'

# --- a long fetch does not block sending

SLOW_URL=$(pg_url slow)
cat >slow.conf <<CONF
[store]
url = $SLOW_URL
[digest]
transport = maildir
path = $TEST_DIR/slow-mail
timezone = UTC
time = 07:00
CONF

slow_mails() {
	ls slow-mail/new 2>/dev/null | wc -l
}

# Worker A's pass is stuck in a transfer that lasts until the case says
# (tests/httpd.py /hold); meanwhile worker B's pass builds and sends the
# 07:00 digests.
test_expect_success 'one worker stuck in a fetch, another sends the digests' '
	export FEEDMAIL_CONFIG=$TEST_DIR/slow.conf &&
	for who in a b c; do
		at 2026-11-26T06:00:00Z -q subscriber add $who@example.org || exit 1
	done &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/third.xml" &&
	at 2026-11-26T06:30:00Z -q fetch &&
	at 2026-11-26T06:40:00Z -q add "$HTTP_URL/hold/feed.xml?release=go" ||
		exit 1
	(
		FEEDMAIL_NOW=2026-11-26T07:05:00Z "$FEEDMAIL" run >a.out 2>&1
		echo $? >a.status
	) &
	test_kill_at_end $! &&
	wait_for 60 test -e "$HTTP_ROOT/go.held" &&
	at 2026-11-26T07:05:00Z run >b.out 2>&1 &&
	contains b.out "3 digests built; 3 sent" &&
	test "$(slow_mails)" = 3 &&
	test ! -e a.status &&
	: >"$HTTP_ROOT/go" &&
	wait_for 60 test -s a.status &&
	test "$(cat a.status)" = 0 &&
	contains a.out "0 digests built; 0 sent" &&
	test "$(slow_mails)" = 3
'

# --- a slow relay does not let a batch be sent twice

# Worker A's batch of 20 digests is leased for 10 s; the sink holds the
# answer to its 5th DATA until the case says. Worker B, its clock an hour
# on (A's leases over for it), claims the rest and sends them. Released,
# A renews each lease before DATA, finds the message B's, and leaves it:
# every digest arrives once, but for the 5th, whose DATA was under way
# (what no lease can take back).
SMTP_DIR=$TEST_DIR/relay; start_smtp --hold 5 --gate "$TEST_DIR/relay.go" ||
	exit 1
cat >relay.conf <<CONF
[store]
url = $(pg_url relay)
lease = 10
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[digest]
transport = smtp
from = veille@example.org
CONF

# relay TIME ARGS...: feedmail on relay.conf, its clock at TIME
relay() {
	when=$1
	shift
	env FEEDMAIL_CONFIG="$TEST_DIR/relay.conf" FEEDMAIL_NOW="$when" \
		"$FEEDMAIL" "$@"
}

test_expect_success 'a batch held by a slow relay: each digest sent once' '
	for i in $(seq 1 20); do
		relay 2026-11-26T06:00:00Z -q subscriber add r$i@example.org ||
			exit 1
	done &&
	relay 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	relay 2026-11-26T07:00:00Z -q fetch &&
	(
		relay 2026-11-26T07:05:00Z -v send >relay-a.out 2>&1
		echo $? >relay-a.status
	) &
	test_kill_at_end $! &&
	wait_for 60 grep -q "^hold 5" relay/log &&
	relay 2026-11-26T08:05:00Z -v send >relay-b.out 2>&1 &&
	contains relay-b.out "0 digests built; 16 sent" &&
	: >relay.go &&
	wait_for 60 test -s relay-a.status &&
	test "$(cat relay-a.status)" = 0 &&
	"$PYTHON3" - relay <<-EOF &&
	import collections, email, glob, json, sys
	ids = collections.Counter()
	to = {}
	for f in glob.glob(sys.argv[1] + "/*.eml"):
	    with open(f, "rb") as fh:
	        mid = email.message_from_binary_file(fh)["Message-ID"]
	    ids[mid] += 1
	    with open(f[:-4] + ".json") as fh:
	        to[mid] = json.load(fh)["rcpt_tos"]
	twice = [to[m] for m, k in ids.items() if k > 1]
	# the 5th was being transmitted, past its lease, when B took it:
	# that one alone can leave twice
	assert len(ids) == 20 and twice in ([], [["r5@example.org"]]), twice
	assert max(ids.values()) <= 2, ids.most_common(3)
	EOF
	contains relay-a.out "leased by another worker"
'

# --- feeds queued behind per_host keep their leases

# 20 feeds on one host answered after 1.2 s each, per_host = 1, a lease of
# 10 s: the first batch (16) waits longer than its lease. The pass renews
# the leases of its queued feeds, so its next claim does not take them
# again: each is fetched once. The clock is the real one: leases end.
mkdir -p "$HTTP_ROOT/queued"
for i in $(seq 1 20); do
	cp "$FIXTURES/fetch/feed.xml" "$HTTP_ROOT/queued/f$i.xml"
done
cat >queued.conf <<CONF
[store]
url = $(pg_url queued)
lease = 10
[fetch]
jobs = 4
per_host = 1
allow_private = yes
[digest]
transport = maildir
path = $TEST_DIR/queued-mail
CONF

test_expect_success 'feeds queued behind per_host past their lease: each fetched once' '
	for i in $(seq 1 20); do
		FEEDMAIL_CONFIG=$TEST_DIR/queued.conf feedmail -q add \
			"http://h1.example.test:$HTTP_PORT/slow/queued/f$i.xml?delay=1.2" ||
			exit 1
	done &&
	: >"$HTTP_LOG" &&
	FEEDMAIL_CONFIG=$TEST_DIR/queued.conf feedmail -q fetch &&
	"$PYTHON3" - "$HTTP_LOG" <<-EOF
	import collections, re, sys
	got = collections.Counter()
	for line in open(sys.argv[1]):
	    m = re.match(r"GET /slow/queued/(f\d+)\.xml", line)
	    if m:
	        got[m.group(1)] += 1
	assert len(got) == 20 and set(got.values()) == {1}, got.most_common(3)
	EOF
'

test_done
