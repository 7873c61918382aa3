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
	contains out "test mail to marie@example.org: accepted: 250" &&
	contains out "doctor: all good" &&
	test -f tls/1.eml &&
	grep -q "^Subject: feedmail test message" tls/1.eml
'

# outbox KIND: "status message_id" of each outbox report of KIND
outbox() {
	"$PYTHON3" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute('SELECT status, message_id FROM outbox WHERE kind = ?', (sys.argv[2],)):
    print(*row)" "$XDG_DATA_HOME/feedmail/feedmail.db" "$1"
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
	printf "[digest]\ntransport = sendmail\nsendmail = %s/tempfail.sh\nfrom = v@cluster.example\n" "$TEST_DIR" >"$FEEDMAIL_CONFIG" &&
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

test_expect_success 'a password the server refuses: exit 78, the test mail failed' '
	printf "wrong\n" >badpw && chmod 600 badpw &&
	smtp_conf "$TLS_PORT" "ca_file = $SMTP_CERT
user = digest
password_file = $TEST_DIR/badpw" &&
	expect_code 78 feedmail doctor --test-mail marie@example.org >out &&
	contains out "test mail to marie@example.org:" &&
	lacks out "accepted" &&
	outbox test >rows &&
	test "$(grep -c "^pending " rows)" = 0
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
	printf "[digest]\ntransport = mbox\npath = %s/digests.mbox\n" "$TEST_DIR" >"$FEEDMAIL_CONFIG" &&
	feedmail doctor >out &&
	contains out "digests.mbox: can be written" &&
	printf "[digest]\ntransport = mbox\npath = /nonexistent/x.mbox\n" >"$FEEDMAIL_CONFIG" &&
	expect_code 73 feedmail doctor >out &&
	contains out "cannot be written"
'

test_done
