#!/bin/sh
# Four `feedmail daemon` workers on one PostgreSQL store (a throwaway
# cluster of the test's own), 2,000 feeds on 20 hosts of a loopback HTTP
# server and 5,000 subscribers whose digests go to an SMTP sink; in at
# least 20 rounds a random worker is killed with SIGKILL at a random point
# of the work and started again (tests/workers.py). The HTTP server's log
# is the witness of the fetches, the sink's of the mail: every feed is
# fetched once per due time, a repeat allowed only when the worker that
# fetched it before was killed after asking (it may not have recorded
# it); every digest arrives, none twice but the one in flight in a killed
# worker; the store holds every entry once and gave each subscriber what
# was new to them, once.
#
# The workers share a test clock running 30 times too fast (a clock
# minute every 2 real seconds): the digests are due at 07:00, 10 clock
# minutes after the start, and what a killed worker had claimed comes
# back after its lease, [store] lease = 1200 clock seconds (40 real
# seconds), longer than a batch of fetches or mail ever takes here.
. "$TEST_SRCDIR/tests/lib.sh"

start_pg
# psql of the newest server, as tests/pgcluster.sh finds it
PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -rV | head -n 1)
[ -n "$PSQL" ] || PSQL=$(command -v psql)
sql() {
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"
}

FEEDS=2000
HOSTS=20
SUBSCRIBERS=5000
TAGS=400
SPEED=30
START=2026-11-26T06:50:00Z
MIN_INTERVAL=5
MAX_INTERVAL=40
LEASE=1200

# The servers log into events/, which tests/workers.py watches.
EV=$TEST_DIR/events
mkdir -p "$EV/sink" www
background "$PYTHON3" "$TEST_SRCDIR/tests/httpd.py" --root www \
	--port-file http.port --log "$EV/http.log"
HTTP_PORT=$(wait_port http.port tests/httpd.py "$background_pid") || exit 1
test_log "$EV/http.log"
SMTP_DIR=$EV/sink
start_smtp || exit 1
no_proxy=127.0.0.1,localhost
NO_PROXY=$no_proxy
export no_proxy NO_PROXY

# Feed j (0..1999) is on host h(j / 100) and carries tag t(j / 5): the
# five feeds of a tag share a host, and feeds of one host have
# neighbouring ids, so that workers take hosts of their own. Each feed has
# two items. Subscriber i reads tag t(i % 400).
"$PYTHON3" - "$FEEDS" "$HOSTS" "$SUBSCRIBERS" "$TAGS" "$HTTP_PORT" <<'EOF' || exit 1
import os, sys
feeds, hosts, subscribers, tags, port = map(int, sys.argv[1:])
per_host = feeds // hosts
with open("feeds.opml", "w") as opml:
    opml.write('<?xml version="1.0"?>\n<opml version="2.0"><body>\n')
    for t in range(feeds // 5):
        opml.write('<outline text="t%d">\n' % t)
        for j in range(5 * t, 5 * t + 5):
            h = j // per_host
            os.makedirs("www/h%d" % h, exist_ok=True)
            with open("www/h%d/f%d.xml" % (h, j), "w") as f:
                f.write('<?xml version="1.0"?><rss version="2.0"><channel>'
                        '<title>Feed %d</title><link>http://example.org/%d</link>' % (j, j))
                for k in (1, 2):
                    f.write('<item><title>Story %d of feed %d</title>'
                            '<link>http://example.org/%d/%d</link>'
                            '<guid>f%d-%d</guid><description>Text %d.</description>'
                            '</item>' % (k, j, j, k, j, k, k))
                f.write('</channel></rss>\n')
            opml.write('<outline type="rss" text="f%d" '
                       'xmlUrl="http://h%d.example.test:%d/etag/h%d/f%d.xml"/>\n'
                       % (j, h, port, h, j))
        opml.write('</outline>\n')
    opml.write('</body></opml>\n')
with open("members.csv", "w") as f:
    f.write("email,tags\n")
    for i in range(subscribers):
        f.write("s%d@example.org,t%d\n" % (i, i % tags))
EOF
FEEDMAIL_RESOLVE=
h=0
while [ $h -lt $HOSTS ]; do
	FEEDMAIL_RESOLVE=$FEEDMAIL_RESOLVE${FEEDMAIL_RESOLVE:+,}h$h.example.test:$HTTP_PORT:127.0.0.1
	h=$((h + 1))
done
export FEEDMAIL_RESOLVE

# The workers' config; tests/workers.py puts each one's name for @UA@.
cat >worker.conf.in <<CONF
[store]
url = $PG_URL
lease = $LEASE
[fetch]
jobs = 8
per_host = 4
min_interval = $MIN_INTERVAL
max_interval = $MAX_INTERVAL
allow_private = yes
user_agent = @UA@
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[digest]
transport = smtp
from = veille@cluster.example
timezone = UTC
time = 07:00
CONF
sed "s/@UA@/setup/" worker.conf.in >"$FEEDMAIL_CONFIG"

test_expect_success 'set up: 2,000 feeds, 5,000 subscribers, before the clock starts' '
	at 2026-11-26T06:49:00Z -q import feeds.opml &&
	at 2026-11-26T06:49:00Z -q subscriber import members.csv &&
	test "$(sql "SELECT count(*) FROM feeds")" = $FEEDS &&
	test "$(sql "SELECT count(*) FROM subscribers")" = $SUBSCRIBERS
'

# done: every subscriber's 07:00 digest is sent, nothing else left
cat >done.sh <<EOF
test "\$("$PSQL" -X -At "$PG_URL" -c "SELECT count(*) FILTER (WHERE status = 'sent') = $SUBSCRIBERS AND count(*) FILTER (WHERE status <> 'sent') = 0 FROM outbox WHERE kind = 'digest'")" = t
EOF

test_expect_success 'four workers, one killed at random and started again in 20 rounds' '
	"$PYTHON3" "$TEST_SRCDIR/tests/workers.py" run --feedmail "$FEEDMAIL" \
		--dir "$TEST_DIR" --config worker.conf.in --workers 4 \
		--start "$(date -u -d "$START" +%s)" --speed $SPEED \
		--rounds 20 --events "$EV" \
		--expected $((FEEDS + SUBSCRIBERS)) --done "sh $TEST_DIR/done.sh" \
		>workers.out 2>&1 || { cat workers.out; tail -n 5 w*g*.err; exit 1; }
	cat workers.out &&
	test "$(grep -c "^kill " workers.log)" -ge 20
'

# The fetches, by the HTTP log: the first of each feed, then one per due
# time, at least (max_interval - min_interval) clock minutes apart (the
# daemon fetches what is due within min_interval along with what is due
# now), less 5 clock minutes for the workers' clocks, which start as
# their process does: 30 minutes, still far more than the lease (a feed
# taken again because a live worker's lease ran out would be asked for
# twice within it). A feed asked again sooner is allowed only when the
# worker that asked before was killed after asking, and asked again
# after that kill.
test_expect_success 'the HTTP log: each feed fetched once per due time, or again after its worker was killed' '
	"$PYTHON3" - "$EV/http.log" workers.log $FEEDS \
		$(((MAX_INTERVAL - MIN_INTERVAL - 5) * 60)) <<-EOF
	import collections, re, sys
	log, wlog, feeds, gap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
	killed = {}
	for line in open(wlog):
	    w = line.split()
	    if w[0] == "clock":
	        speed = float(w[3])
	    elif w[0] == "kill":
	        killed[w[1]] = float(w[2])
	asks = collections.defaultdict(list)
	for line in open(log):
	    m = re.match(r"GET /etag/h\d+/(f\d+)\.xml (\d+) .* t0=([\d.]+) .* ua=(\S+)$", line)
	    assert m, line
	    feed, status, t0, ua = m.group(1), m.group(2), float(m.group(3)), m.group(4)
	    assert status in ("200", "304"), line
	    # what a worker wrote to its socket before the kill still reaches
	    # the server (the kernel sends it), which may read it a little
	    # later on a loaded machine
	    assert ua not in killed or t0 < killed[ua] + 10, ("asked after its kill", line)
	    asks[feed].append((t0, ua))
	assert len(asks) == feeds, ("feeds never fetched", feeds - len(asks))
	again = wrong = 0
	closest = None
	for feed, seq in asks.items():
	    seq.sort()
	    for (t0, ua), (t1, ub) in zip(seq, seq[1:]):
	        if (t1 - t0) * speed >= gap:
	            closest = min(closest or gap * 2, (t1 - t0) * speed)
	            continue
	        # asked by a worker killed after asking, again once it died
	        if ua in killed and t0 < killed[ua] + 10 and killed[ua] < t1:
	            again += 1
	        else:
	            wrong += 1
	            print("fetched again too soon:", feed, ua, t0, ub, t1)
	assert wrong == 0, wrong
	print("fetches", sum(map(len, asks.values())), "again after a kill", again,
	      "closest due times", closest)
	EOF
'

# The mail, by the sink: every digest the store holds arrived, nothing
# else did, and a Message-ID twice at most once per kill (the message in
# flight when its worker died).
test_expect_success 'the sink: every digest arrived, none twice but the one in flight of a killed worker' '
	sql "SELECT message_id, status FROM outbox WHERE kind = '"'"'digest'"'"'" >digests &&
	"$PYTHON3" - "$EV/sink" digests workers.log $SUBSCRIBERS <<-EOF
	import collections, os, sys
	sink, digests, wlog, subscribers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
	kills = sum(1 for line in open(wlog) if line.startswith("kill "))
	want = dict(line.rstrip("\n").split("|") for line in open(digests))
	assert len(want) == subscribers, len(want)
	assert set(want.values()) == {"sent"}, collections.Counter(want.values())
	got = collections.Counter()
	for name in os.listdir(sink):
	    if not name.endswith(".eml"):
	        continue
	    with open(os.path.join(sink, name), "rb") as f:
	        head = f.read().split(b"\r\n\r\n", 1)[0].decode("ascii")
	    ids = [l.split(":", 1)[1].strip() for l in head.split("\r\n")
	           if l.lower().startswith("message-id:")]
	    assert len(ids) == 1, name
	    got[ids[0]] += 1
	missing = set(want) - set(got)
	assert not missing, ("never arrived", len(missing), sorted(missing)[:3])
	assert set(got) <= set(want), "a message that is not a digest"
	doubled = sum(n - 1 for n in got.values() if n > 1)
	assert doubled <= kills, (doubled, kills)
	print("digests", len(want), "kills", kills, "doubled", doubled)
	EOF
'

# The store: each feed has its two entries once; each subscriber has one
# digest, and it carries exactly the entries of their tag that were there
# when it was built (up to its covered_seq), none twice (the deliveries'
# key) and none of another tag.
test_expect_success 'the store: every entry once, each subscriber given what was new to them, once' '
	test "$(sql "SELECT count(*) FROM entries")" = $((2 * FEEDS)) &&
	test "$(sql "SELECT count(DISTINCT feed_id) FROM entries")" = $FEEDS &&
	test "$(sql "SELECT count(DISTINCT subscriber_id) FROM outbox WHERE kind = '"'"'digest'"'"'")" = $SUBSCRIBERS &&
	sql "
	SELECT count(*) FROM outbox o
	 JOIN subscriber_tags st ON st.subscriber_id = o.subscriber_id
	 JOIN feed_tags ft ON ft.tag_key = st.tag_key
	 JOIN entries e ON e.feed_id = ft.feed_id AND e.id <= o.covered_seq
	 WHERE o.kind = '"'"'digest'"'"' AND NOT EXISTS (SELECT 1 FROM deliveries d
	  WHERE d.digest_id = o.id AND d.entry_id = e.id)" >lost &&
	test "$(cat lost)" = 0 &&
	sql "
	SELECT count(*) FROM deliveries d JOIN outbox o ON o.id = d.digest_id
	 JOIN entries e ON e.id = d.entry_id
	 WHERE e.id > o.covered_seq OR NOT EXISTS (SELECT 1
	  FROM subscriber_tags st JOIN feed_tags ft ON ft.tag_key = st.tag_key
	  WHERE st.subscriber_id = o.subscriber_id AND ft.feed_id = e.feed_id)" >stray &&
	test "$(cat stray)" = 0 &&
	test "$(sql "SELECT count(*) FROM deliveries")" -gt 0
'

test_done
