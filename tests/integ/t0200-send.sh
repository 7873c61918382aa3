#!/bin/sh
# feedmail send against real SMTP servers on 127.0.0.1 (tests/smtpd.py, on
# Debian's python3-aiosmtpd): what arrives, read back with Python's email
# package; failures of the server, of one recipient, of TLS and AUTH; and
# the outbox's promise across killed runs.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
cp "$FIXTURES/fetch/feed.xml" "$FIXTURES/send/hostile.xml" \
	"$FIXTURES/send/echo.xml" www/
start_http || exit 1

# one sink per behaviour, each in its own folder
SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
SINK_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/reject; start_smtp --reject c@example.org=550 || exit 1
REJECT_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/tempfail; start_smtp --tempfail 1 || exit 1
TEMPFAIL_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/auth; start_smtp --auth digest:s3cret || exit 1
AUTH_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/idn; start_smtp || exit 1
IDN_PORT=$SMTP_PORT


# setup NAME PORT [EXTRA-SMTP-LINES]: a config NAME.conf and a store
# NAME (store_location) with subscribers a, b and c (and those named in
# $MORE_SUBSCRIBERS; added at 06:00) and the feeds
# fetched at 07:00, so that every entry is new to every subscriber.
setup() {
	cat >"$1.conf" <<CONF
[store]
$(store_conf "$1")
[smtp]
host = 127.0.0.1
port = $2
${3:-}
[digest]
transport = smtp
from = Veille Régionale <veille@cluster.example>
name = Cluster numérique
language = fr
CONF
	export FEEDMAIL_CONFIG="$TEST_DIR/$1.conf"
	for who in a b c ${MORE_SUBSCRIBERS:-}; do
		at 2026-11-26T06:00:00Z -q subscriber add "$who@example.org" \
			--name "Abonné $who" || return 1
	done
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/hostile.xml" &&
	at 2026-11-26T07:00:00Z -q fetch
}

# the current store: the one of $FEEDMAIL_CONFIG, NAME.conf naming store NAME
current_store() {
	basename "$FEEDMAIL_CONFIG" .conf
}

# digests STATUS: how many digests of the current store have STATUS
digests() {
	store_sql "$(current_store)" "SELECT count(*) FROM outbox
		WHERE subscriber_id IS NOT NULL AND status = '$1'"
}

# max_attempts: the most attempts any digest of the current store has had
max_attempts() {
	store_sql "$(current_store)" "SELECT coalesce(max(attempts), 0)
		FROM outbox WHERE subscriber_id IS NOT NULL"
}

test_expect_success 'digests arrive whole, readable, one per subscriber' '
	setup plain "$SINK_PORT" &&
	at 2026-11-26T07:05:00Z send >out &&
	contains out "3 digests built; 3 sent, 0 left pending, 0 failed" &&
	test "$(digests sent)" = 3 &&
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" sink >mails.json &&
	"$PYTHON3" - <<-EOF
	import json
	mails = json.load(open("mails.json"))
	assert len(mails) == 3, len(mails)
	assert sorted(m["rcpts"][0] for m in mails) == ["a@example.org", "b@example.org", "c@example.org"]
	for m in mails:
	    assert not m["defects"], m["defects"]
	    assert not m["bare_lf"] and m["longest_line"] <= 998
	    assert m["subject"] == "Votre veille du jeudi 26 novembre 2026 — 5 articles", m["subject"]
	    assert m["from"] == "Veille Régionale <veille@cluster.example>", m["from"]
	    assert m["to"].startswith("Abonné "), m["to"]
	    assert m["entries"] == "5"
	    assert m["text"] and m["html"]
	    for title in ["First", "Second", "Third", "Réunion à Lyon"]:
	        assert title in m["text"] and title in m["html"], title
	    for h in ["Date", "Message-ID", "List-Id", "List-Unsubscribe", "Auto-Submitted", "MIME-Version"]:
	        assert h in m["header_names"], h
	assert len({m["message_id"] for m in mails}) == 3
	EOF
'

test_expect_success 'a title with CRLF and Bcc: injects no header, no script' '
	"$PYTHON3" - <<-EOF
	import json
	for m in json.load(open("mails.json")):
	    names = [n.lower() for n in m["header_names"]]
	    assert "bcc" not in names, names
	    assert names.count("to") == 1, names
	    assert "<script>" not in m["html"], m["html"]
	    assert "javascript:" not in m["html"], m["html"]
	    assert "Éloge de l" in m["html"], m["html"]
	EOF
'

test_expect_success 'nothing new: no mail, nothing recorded' '
	FEEDMAIL_CONFIG=$TEST_DIR/plain.conf feedmail send >out &&
	contains out "0 digests built; 0 sent" &&
	test "$(ls sink/*.eml | wc -l)" = 3
'

test_expect_success 'server down: exit 69, every digest stays pending' '
	port=$(free_port) &&
	setup down "$port" &&
	expect_code 69 feedmail send >out 2>err &&
	contains err "mail transport down" &&
	contains err "connection refused" &&
	contains out "3 left pending, 0 failed" &&
	contains out "mail transport down, 3 digests held back" &&
	test "$(digests pending)" = 3 &&
	test "$(digests sent)" = 0
'

test_expect_success 'ten runs against a server that is down charge no digest' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		expect_code 69 feedmail send >out 2>err || exit 1
	done &&
	test "$(digests pending)" = 3 &&
	test "$(digests failed)" = 0 &&
	test "$(max_attempts)" = 0 &&
	store_sql down "SELECT failures, held, ended_at FROM outages" >outages &&
	printf "11\t3\t\n" >want &&
	cmp want outages
'

test_expect_success 'the pending digests go out once the server is back' '
	export FEEDMAIL_CONFIG=$TEST_DIR/down.conf &&
	sed -i "s/^port = .*/port = $SINK_PORT/" down.conf &&
	ids=$(store_sql down "SELECT message_id FROM outbox
		WHERE subscriber_id IS NOT NULL" | sort | tr "\n" " ") &&
	feedmail send >out 2>err &&
	contains out "0 digests built; 3 sent" &&
	test "$(digests sent)" = 3 &&
	test "$(store_sql down "SELECT count(*) FROM outages
		WHERE ended_at IS NOT NULL")" = 1 &&
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" sink >mails.json &&
	"$PYTHON3" -c "
import json, sys
got = sorted(m[\"message_id\"] for m in json.load(open(\"mails.json\")))[-6:]
want = sys.argv[1].split()
assert all(w in got for w in want), (want, got)
" "$ids"
'

test_expect_success '451 leaves the digest pending; the next run sends it' '
	setup tempfail "$TEMPFAIL_PORT" &&
	expect_code 75 feedmail send >out 2>err &&
	contains err "451" &&
	test "$(digests pending)" -ge 1 &&
	feedmail send >out &&
	test "$(digests sent)" = 3 &&
	test "$(ls tempfail/*.eml | wc -l)" = 3
'

test_expect_success '550 for one of three recipients: the others go on' '
	setup reject "$REJECT_PORT" &&
	expect_code 65 feedmail send >out 2>err &&
	contains out "2 sent, 0 left pending, 1 failed" &&
	contains err "c@example.org" &&
	contains err "550" &&
	test "$(digests failed)" = 1 &&
	test "$(digests sent)" = 2 &&
	expect_code 65 feedmail send >out 2>err &&
	contains out "1 digest built; 0 sent, 0 left pending, 1 failed" &&
	test "$(digests failed)" = 2
'

test_expect_success 'STARTTLS required but not offered: a clear error' '
	setup notls "$SINK_PORT" "starttls = required" &&
	expect_code 78 feedmail send 2>err &&
	contains err "TLS required but the server does not offer STARTTLS" &&
	test "$(digests pending)" = 3 &&
	test "$(digests sent)" = 0 &&
	test "$(max_attempts)" = 0
'

test_expect_success 'AUTH: a bad password is refused, the right one works' '
	printf "wrong\n" >badpw && chmod 600 badpw &&
	setup authbad "$AUTH_PORT" "user = digest
password_file = $TEST_DIR/badpw" &&
	expect_code 78 feedmail send 2>err &&
	contains err "authentication failed" &&
	test "$(digests pending)" = 3 &&
	test "$(digests sent)" = 0 &&
	test "$(max_attempts)" = 0 &&
	printf "s3cret\n" >goodpw && chmod 600 goodpw &&
	sed -i "s|badpw|goodpw|" authbad.conf &&
	feedmail send >out &&
	test "$(digests sent)" = 3
'

# s1 .. s17: twenty subscribers with a, b and c
twenty="s1 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 s12 s13 s14 s15 s16 s17"

test_expect_success 'a refused password ends the session: one line, nothing charged' '
	MORE_SUBSCRIBERS=$twenty setup authbad20 "$AUTH_PORT" "user = digest
password_file = $TEST_DIR/badpw" &&
	expect_code 78 at 2026-11-26T07:05:00Z send 2>err &&
	test "$(wc -l <err)" = 1 &&
	contains err "authentication failed: 535" &&
	test "$(digests pending)" = 20 &&
	test "$(max_attempts)" = 0
'

test_expect_success 'AUTH required and no user set: one line, nothing charged' '
	MORE_SUBSCRIBERS=$twenty setup noauth20 "$AUTH_PORT" &&
	expect_code 78 at 2026-11-26T07:05:00Z send 2>err &&
	test "$(wc -l <err)" = 1 &&
	contains err "the server requires authentication: 530" &&
	contains err "set [smtp] user and password_file" &&
	test "$(digests pending)" = 20 &&
	test "$(digests failed)" = 0 &&
	test "$(max_attempts)" = 0
'

test_expect_success 'dry run: lists, records and sends nothing' '
	port=$(free_port) &&
	setup dry "$port" &&
	feedmail send --dry-run >out &&
	contains out "a@example.org: 5 articles" &&
	test "$(digests pending)" = 0
'

test_expect_success 'an international domain goes out as A-labels: RCPT TO and To:' '
	cat >idn.conf <<-CONF &&
	[store]
	$(store_conf idn)
	[smtp]
	host = 127.0.0.1
	port = $IDN_PORT
	timeout = 10
	[digest]
	transport = smtp
	from = veille@cluster.example
	CONF
	export FEEDMAIL_CONFIG=$TEST_DIR/idn.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add "contact@société.fr" \
		--name "Société Générale" &&
	feedmail subscriber list >list &&
	contains list "contact@société.fr (Société Générale)" &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	feedmail send >out &&
	contains out "1 digest built; 1 sent, 0 left pending, 0 failed" &&
	test "$(digests sent)" = 1 &&
	contains idn/log "rcpt contact@xn--socit-esab.fr" &&
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" idn >idn.json &&
	"$PYTHON3" - <<-EOF
	import json
	m, = json.load(open("idn.json"))
	assert m["rcpts"] == ["contact@xn--socit-esab.fr"], m["rcpts"]
	assert m["to"] == "Société Générale <contact@xn--socit-esab.fr>", m["to"]
	assert not m["defects"], m["defects"]
	assert "First" in m["text"], m["text"]
	EOF
'

# An address stored before addr.c refused it (another version, or by
# hand): its digest fails alone, the reason naming it; the others go.
# (A feed added after they subscribed brings them news: what was fetched
# before is not new to them.)
test_expect_success 'a stored address no transport can carry fails alone, with why' '
	export FEEDMAIL_CONFIG=$TEST_DIR/idn.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add "info@société.fr" &&
	store_sql idn "INSERT INTO subscribers (email, created_at)
		VALUES ('"'élise@example.org'"', 1795586400)" &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/echo.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	expect_code 65 feedmail send >out 2>err &&
	contains out "2 sent, 0 left pending, 1 failed" &&
	contains err "'"'"'élise@example.org'"'"': non-ASCII local parts are not supported: they need SMTPUTF8" &&
	contains idn/log "rcpt info@xn--socit-esab.fr" &&
	lacks idn/log "rcpt élise" &&
	feedmail outbox >outbox &&
	contains outbox "non-ASCII local parts are not supported"
'

# The same, for a digest built while the address was still another one:
# deliver refuses the envelope for that message alone, with the reason.
test_expect_success 'a pending digest whose address no transport can carry fails alone' '
	export FEEDMAIL_CONFIG=$TEST_DIR/idn.conf &&
	feedmail -q subscriber remove "élise@example.org" &&
	at 2026-11-26T06:00:00Z -q subscriber add later@example.org &&
	at 2026-11-26T06:00:00Z -q subscriber add other@example.org &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/hostile.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	sed "s/^port = .*/port = $(free_port)/" idn.conf >idn-down.conf &&
	{ feedmail -c "$TEST_DIR/idn-down.conf" send >out 2>err; true; } &&
	test "$(digests pending)" = 4 &&
	store_sql idn "UPDATE subscribers SET email = '"'émile@example.org'"'
		WHERE email = '"'later@example.org'"'" &&
	expect_code 65 feedmail send >out 2>err &&
	contains out "3 sent, 0 left pending, 1 failed" &&
	contains err "recipient: '"'"'émile@example.org'"'"': non-ASCII local parts are not supported: they need SMTPUTF8" &&
	contains idn/log "rcpt other@example.org" &&
	test "$(digests pending)" = 0
'

test_expect_success 'outbox prints a stored address as it may be printed' '
	export FEEDMAIL_CONFIG=$TEST_DIR/idn.conf &&
	rlo=$(printf "\342\200\256") &&
	store_sql idn "INSERT INTO subscribers (email, created_at)
		VALUES ('\''x@ab${rlo}cd.example'\'', 1795586400)" &&
	expect_code 65 feedmail send >out 2>err &&
	contains err "not a valid international domain name" &&
	feedmail outbox >outbox &&
	"$PYTHON3" - <<-EOF
	text = open("outbox", encoding="utf-8").read()
	assert "\u202e" not in text, text
	assert "x@abcd.example" in text, text
	EOF
'

test_expect_success 'the same story from two feeds appears once; the rest as +N more' '
	cat >merge.conf <<-CONF &&
	[store]
	$(store_conf merge)
	[digest]
	transport = maildir
	path = $TEST_DIR/merge.maildir
	from = veille@cluster.example
	max_entries = 3
	language = en
	CONF
	export FEEDMAIL_CONFIG=$TEST_DIR/merge.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add m@example.org &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/echo.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	feedmail send >out &&
	"$PYTHON3" - <<-EOF
	import email, email.policy, glob
	path, = glob.glob("merge.maildir/new/*")
	m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
	text = m.get_body(("plain",)).get_content()
	html = m.get_body(("html",)).get_content()
	# 6 entries, 4 stories: First and Second merged
	assert m["X-Feedmail-Entries"] == "4", m["X-Feedmail-Entries"]
	assert "— 4 articles" in str(m["Subject"]), m["Subject"]
	head, tail = text.split("+1 more:")
	assert "Second!" in head and "also in: Fetch test feed" in head, head
	assert "+1 more:" in html, html
	# 3 in full, the oldest story listed after "+1 more", with its link
	assert "First" in tail and "news.example/1" in tail, tail
	EOF
'

test_expect_success 'more subscribers than a page: each gets one digest' '
	cat >pages.conf <<-CONF &&
	[store]
	$(store_conf pages)
	[digest]
	transport = maildir
	path = $TEST_DIR/pages.maildir
	CONF
	export FEEDMAIL_CONFIG=$TEST_DIR/pages.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add first@example.org &&
	store_sql pages "INSERT INTO subscribers (email, created_at)
		WITH RECURSIVE n(i) AS
			(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1099)
		SELECT '"'p'"' || i || '"'@example.org'"', 1795586400 FROM n" &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	feedmail send --dry-run >list &&
	test "$(wc -l <list)" = 1101 &&
	test "$(sort -u list | wc -l)" = 1101 &&
	feedmail send >out &&
	contains out "1101 digests built; 1101 sent" &&
	test "$(ls pages.maildir/new | wc -l)" = 1101
'

# kill_after N PID FROM: kills PID (SIGKILL) as soon as the sink has
# accepted N messages more than it had when its log was FROM bytes long,
# reading the log each time it changes (tests/wait_change.py); sooner, were
# PID done first (its pidfd says so). Prints "killed" or "done".
kill_after() {
	"$PYTHON3" - "$1" "$2" "$3" "$TEST_DIR/sink" "$TEST_SRCDIR/tests" <<-'EOF'
	import os, signal, sys, time
	more, pid, pos, sink = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
	sys.path.insert(0, sys.argv[5])
	from wait_change import Watch
	watch = Watch(sink)  # before the first read: no line is missed
	try:
	    gone = os.pidfd_open(pid)
	except ProcessLookupError:
	    print("done")
	    sys.exit(0)
	def running():
	    try:
	        with open("/proc/%d/stat" % pid, "rb") as f:
	            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
	    except OSError:
	        return False
	seen, rest = 0, b""
	deadline = time.monotonic() + 300
	with open(os.path.join(sink, "log"), "rb") as f:
	    f.seek(pos)
	    while True:
	        rest += f.read()
	        *lines, rest = rest.split(b"\n")
	        seen += sum(1 for l in lines if l.startswith(b"data "))
	        if seen >= more or not running():
	            break
	        left = deadline - time.monotonic()
	        if left <= 0:
	            sys.exit("kill_after: %d of %d messages in 300 s" % (seen, more))
	        watch.wait(left, [gone])
	try:
	    if seen < more:
	        raise ProcessLookupError
	    os.kill(pid, signal.SIGKILL)
	    print("killed")
	except ProcessLookupError:
	    print("done")
	EOF
}

# Crash safety: 100 subscribers, a feed that gains items every round, and
# `feedmail send` killed with SIGKILL in each of 20 rounds, at a random
# point of its progress: once the sink has accepted 0 to 9 more messages,
# however long they take (a fixed delay would land before the first
# message on a slow machine); then one clean run (on PostgreSQL once the
# killed runs' leases have ended). Every digest arrives, and
# a Message-ID arrives twice at most once per kill (the message in flight).
test_expect_success 'killed at random during send: nothing lost, nothing doubled' '
	cat >crash.conf <<-CONF &&
	[store]
	$(store_conf crash)
	[smtp]
	host = 127.0.0.1
	port = $SINK_PORT
	[digest]
	transport = smtp
	from = veille@cluster.example
	CONF
	export FEEDMAIL_CONFIG=$TEST_DIR/crash.conf &&
	before=$(ls sink/*.eml | wc -l) &&
	cp www/feed.xml www/grow.xml &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/grow.xml" &&
	store_sql crash "INSERT INTO subscribers (email, created_at)
		WITH RECURSIVE n(i) AS
			(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
		SELECT '"'s'"' || i || '"'@example.org'"', 1795672800 FROM n" &&
	round=0 kills=0 &&
	while [ $round -lt 20 ]; do
		sed -i "s|<channel>|<channel><item><title>Round $round</title><guid>r$round</guid></item>|" www/grow.xml &&
		at 2026-11-26T07:00:00Z -q fetch || exit 1
		more=$("$PYTHON3" -c "import random; print(random.randrange(10))")
		from=$(test_size sink/log)
		"$FEEDMAIL" -q send >/dev/null 2>&1 &
		pid=$!
		got=$(kill_after $more $pid $from) || exit 1
		[ "$got" = done ] || kills=$((kills + 1))
		wait $pid 2>/dev/null
		round=$((round + 1))
	done &&
	# the last run comes after the leases of the killed ones end
	# ([store] lease, 15 minutes; on SQLite they ended with them)
	at "$(date -u -d "+20 minutes" +%Y-%m-%dT%H:%M:%SZ)" send >/dev/null &&
	test "$(digests pending)" = 0 &&
	test "$(digests failed)" = 0 &&
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" sink >mails.json &&
	store_sql crash "SELECT g.message_id, s.email FROM outbox g
		JOIN subscribers s ON s.id = g.subscriber_id" >digests.tsv &&
	entries=$(store_sql crash "SELECT count(*) FROM entries") &&
	store_sql crash "SELECT count(*) FROM deliveries
		GROUP BY subscriber_id" >per_sub &&
	"$PYTHON3" - "$before" "$kills" "$entries" <<-EOF
	import collections, json, sys
	before, kills, entries = map(int, sys.argv[1:4])
	mails = json.load(open("mails.json"))[before:]
	digests = dict(l.rstrip("\n").split("\t") for l in open("digests.tsv"))
	got = collections.Counter(m["message_id"] for m in mails)
	missing = set(digests) - set(got)
	assert not missing, ("never arrived", sorted(missing)[:5])
	assert set(got) <= set(digests), "a message that is not a digest"
	doubled = sum(n - 1 for n in got.values() if n > 1)
	assert doubled <= kills, (doubled, kills)
	# every subscriber got every entry, each in exactly one digest
	per_sub = [int(l) for l in open("per_sub")]
	assert len(per_sub) == 100 and all(n == entries for n in per_sub), (entries, per_sub[:3])
	print("kills", kills, "doubled", doubled, "digests", len(digests))
	EOF
'

test_done
