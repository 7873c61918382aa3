#!/bin/sh
# feedmail doctor: what it says about the config, the store and the mail
# transport, against real SMTP servers on 127.0.0.1.
. "$TEST_SRCDIR/tests/lib.sh"

SMTP_DIR=$TEST_DIR/tls; start_smtp --tls --auth digest:s3cret || exit 1
TLS_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/plain; start_smtp || exit 1
PLAIN_PORT=$SMTP_PORT
printf "s3cret\n" >pw && chmod 600 pw

# smtp_conf PORT [EXTRA-LINES]: an smtp config in the default config file
smtp_conf() {
	cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[smtp]
host = 127.0.0.1
port = $1
${2:-}
[digest]
transport = smtp
from = Veille <veille@cluster.example>
CONF
}

test_expect_success 'STARTTLS, AUTH, SIZE shown; the test mail arrives' '
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/pw" &&
	feedmail doctor --test-mail marie@example.org >out &&
	grep -q "schema version [0-9]" out &&
	contains out "STARTTLS: TLSv1." &&
	contains out "certificate verified" &&
	contains out "AUTH LOGIN PLAIN" &&
	contains out "SIZE" &&
	contains out "ok      login: AUTH PLAIN accepted: 235" &&
	contains out "ok      store integrity:" &&
	contains out "ok      password file:" &&
	contains out "test mail to marie@example.org: accepted: 250" &&
	contains out "doctor: all good" &&
	test -f tls/1.eml &&
	grep -q "^Subject: feedmail test message" tls/1.eml
'

# outbox KIND: "status message_id" of each outbox report of KIND
outbox() {
	store_sql default "SELECT status, message_id FROM outbox
		WHERE kind = '$1'" | tr "\t" " "
}

test_expect_success 'the test mail leaves through the outbox, marked sent' '
	outbox test >rows &&
	test "$(wc -l <rows)" = 1 &&
	contains rows "sent <" &&
	id=$(cut -d" " -f2 rows) &&
	grep -q "^Message-ID: $id" tls/1.eml
'

test_expect_success 'a test mail refused for now fails at once; no run tries it again' '
	cat >tempfail.sh <<-\EOS &&
	#!/bin/sh
	echo called >>"${0%/*}/calls"
	cat >/dev/null
	echo "mail queue full" >&2
	exit 75
	EOS
	chmod +x tempfail.sh &&
	{
		printf "[digest]\ntransport = sendmail\nsendmail = %s/tempfail.sh\nfrom = v@cluster.example\n" "$TEST_DIR" &&
		store_section default
	} >"$FEEDMAIL_CONFIG" &&
	expect_code 75 feedmail doctor --test-mail marie@example.org >out &&
	contains out "test mail to marie@example.org: refused" &&
	test "$(wc -l <calls)" = 1 &&
	outbox test >rows &&
	test "$(grep -c "^failed " rows)" = 1 &&
	feedmail -q run &&
	feedmail -q outbox retry --all &&
	feedmail -q run &&
	test "$(wc -l <calls)" = 1
'

test_expect_success 'a password the server refuses: exit 78, no test mail' '
	printf "wrong\n" >badpw && chmod 600 badpw &&
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/badpw" &&
	outbox test >before &&
	expect_code 78 feedmail doctor --test-mail marie@example.org >out &&
	contains out "problem login: AUTH PLAIN refused: 535" &&
	contains out "warning test mail: not sent to marie@example.org" &&
	contains out "doctor: 1 problem found" &&
	lacks out "accepted" &&
	outbox test >rows &&
	cmp before rows
'

test_expect_success 'a password file others may read: a warning naming the fix' '
	chmod 644 pw &&
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/pw" &&
	feedmail doctor >out 2>err &&
	contains out "warning password file: $TEST_DIR/pw: others may read it (mode 0644): chmod 600 $TEST_DIR/pw" &&
	contains out "doctor: no problems, 1 warning" &&
	chmod 600 pw
'

test_expect_success '--json: one object per check, for monitoring' '
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/badpw" &&
	expect_code 78 feedmail doctor --json >out.json &&
	"$PYTHON3" - <<-\EOF
	import json
	checks = json.load(open("out.json"))
	assert isinstance(checks, list) and checks, checks
	for c in checks:
	    assert sorted(c) == ["check", "detail", "status"], c
	    assert c["status"] in ("ok", "warning", "problem"), c
	login = [c for c in checks if c["check"] == "login"]
	assert login[0]["status"] == "problem", login
	assert "535" in login[0]["detail"], login
	assert [c for c in checks if c["check"] == "store integrity"][0]["status"] == "ok"
	EOF
'

test_expect_success 'the test mail follows [digest] language' '
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/pw" &&
	sed -i "s/^\[digest\]$/[digest]\nlanguage = fr/" "$FEEDMAIL_CONFIG" &&
	feedmail doctor --test-mail marie@example.org >out &&
	contains out "test mail to marie@example.org: accepted: 250" &&
	last=$(ls tls/*.eml | sort -t/ -k2 -n | tail -n 1) &&
	grep -q "^Subject: Message de test de feedmail" "$last"
'

test_expect_success 'tags nobody follows, tags no feed carries: warnings' '
	printf "[store]\n%s\n[digest]\ntransport = stdout\n" "$(store_conf tags)" >"$FEEDMAIL_CONFIG" &&
	feedmail -q add --tag Isère https://example.org/a.xml &&
	feedmail -q add --tag Savoie https://example.org/b.xml &&
	feedmail -q subscriber add a@example.org --tag isere &&
	feedmail -q subscriber add b@example.org --tag Drôme &&
	feedmail doctor >out &&
	contains out "warning tags: no subscriber follows the tag '\''Savoie'\'' (1 feed)" &&
	contains out "warning tags: no feed is tagged '\''Drôme'\'' (followed by 1 subscriber)" &&
	lacks out "Isère" &&
	feedmail -q subscriber add c@example.org &&
	feedmail doctor >out &&
	lacks out "follows the tag" &&
	contains out "no feed is tagged"
'

test_expect_success_sqlite 'a corrupted page of the store: a problem, exit 65' '
	cp tags.db bad.db &&
	page=$("$PYTHON3" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute(\"SELECT rootpage FROM sqlite_master WHERE name = \x27sqlite_autoindex_feeds_1\x27\").fetchone()[0])" bad.db) &&
	size=$("$PYTHON3" -c "
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(\"PRAGMA page_size\").fetchone()[0])" bad.db) &&
	dd if=/dev/zero of=bad.db bs="$size" seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null &&
	expect_code 65 feedmail -d bad.db doctor >out &&
	contains out "problem store integrity: Page $page:" &&
	lacks out "all good" &&
	feedmail -d tags.db doctor >out &&
	contains out "ok      store integrity:"
'

test_expect_success 'an untrusted certificate: exit 78, and why' '
	smtp_conf "$TLS_PORT" "user = digest
password_file = $TEST_DIR/pw" &&
	expect_code 78 feedmail doctor >out &&
	contains out "server certificate not trusted" &&
	contains out "ca_file"
'

test_expect_success 'STARTTLS required but not offered: exit 78' '
	smtp_conf "$PLAIN_PORT" "starttls = required" &&
	expect_code 78 feedmail doctor >out &&
	contains out "required but the server does not offer it"
'

test_expect_success 'a user set but no AUTH offered: exit 78' '
	smtp_conf "$PLAIN_PORT" "user = digest
password_file = $TEST_DIR/pw" &&
	expect_code 78 feedmail doctor >out &&
	contains out "offers no AUTH"
'

test_expect_success 'a server that is down: exit 69, connection refused' '
	smtp_conf "$(free_port)" &&
	expect_code 69 feedmail doctor >out &&
	contains out "connection refused"
'

test_expect_success 'file transports: whether the path can be written' '
	{
		printf "[digest]\ntransport = mbox\npath = %s/digests.mbox\n" "$TEST_DIR" &&
		store_section default
	} >"$FEEDMAIL_CONFIG" &&
	feedmail doctor >out &&
	contains out "digests.mbox: can be written" &&
	{
		printf "[digest]\ntransport = mbox\npath = /nonexistent/x.mbox\n" &&
		store_section default
	} >"$FEEDMAIL_CONFIG" &&
	expect_code 73 feedmail doctor >out &&
	contains out "cannot be written"
'

test_expect_success 'doctor --json: a path that is not UTF-8 loses no check' '
	dir=$(printf "caf\351") &&
	mkdir "$dir" &&
	{
		printf "[digest]\ntransport = mbox\npath = %s/digests.mbox\n" "$TEST_DIR" &&
		store_section default
	} >"$dir/feedmail.conf" &&
	feedmail -c "$dir/feedmail.conf" doctor --json >out.json &&
	"$PYTHON3" -c "
import json, sys
checks = {c[\"check\"]: c for c in json.load(open(\"out.json\"))}
assert \"config\" in checks, checks
assert \"caf\\ufffd\" in checks[\"config\"][\"detail\"], checks[\"config\"]
"
'

test_expect_success 'doctor --json says so when the config cannot be had' '
	printf "[smtp]\nport = x\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf doctor --json >out.json &&
	"$PYTHON3" -c "
import json
c = json.load(open(\"out.json\"))
assert [x[\"check\"] for x in c] == [\"config\"], c
assert c[0][\"status\"] == \"problem\" and \"port\" in c[0][\"detail\"], c
"
'

test_expect_success_sqlite 'doctor --json says so when the store cannot be had' '
	printf "not a store at all, but long enough to be read as one....\n" >bad.db &&
	expect_code 65 feedmail -d bad.db doctor --json >out.json &&
	"$PYTHON3" -c "
import json
c = json.load(open(\"out.json\"))
assert [x[\"check\"] for x in c] == [\"store\"], c
" &&
	expect_code 65 feedmail -d bad.db doctor >out &&
	contains out "problem store:" &&
	contains out "doctor: 1 problem found"
'

test_done
