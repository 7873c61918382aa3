#!/bin/sh
# The members' lifecycle (t0021's) on a PostgreSQL store: confirmation
# mails for rows without consent, sent with the digests and at most one an
# hour; pending members sent nothing; an address that unsubscribed kept
# and refused; states counted; --resubscribe; consents exported; run
# forgets who never confirmed. Skipped without the server's programs.
. "$TEST_SRCDIR/tests/lib.sh"

start_pg
SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
cat >life.conf <<CONF
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[digest]
transport = smtp
from = Veille <veille@cluster.example>
name = Veille
[web]
base_url = https://veille.example.org/lettre
CONF
# life ARGS: feedmail on the lifecycle's config and PostgreSQL store
life() {
	feedmail -c life.conf -d "$PG_URL" "$@"
}
# sunk: how many messages the SMTP sink holds
sunk() {
	ls "$SMTP_DIR" | grep -c "\.eml$"
}
# sink EXPR: EXPR, Python, true of the sink's messages as m (read_mail.py)
sink() {
	"$PYTHON3" "$TEST_SRCDIR/tests/read_mail.py" "$SMTP_DIR" >sink.json &&
	"$PYTHON3" -c "
import json, sys
m = json.load(open(\"sink.json\"))
sys.exit(0 if ($1) else 1)
"
}
cp "$FIXTURES/fetch/feed.xml" feed.xml

test_expect_success 'import: a row without consent gets a confirmation mail, sent with the digests' '
	cat >life.csv <<-\CSV &&
	email,name,lang,consent
	yes@example.org,Yes,,yes
	ask@example.org,"Ask, Me",fr,
	no@example.org,,en,no
	then@example.org,,,2026-05-04T09:30:00Z
	CSV
	FEEDMAIL_NOW=2026-12-01T10:00:00Z life subscriber import life.csv >out &&
	contains out "imported: 2 added, 2 pending confirmation (2 mails queued), 0 updated, 0 suppressed (unsubscribed), 0 refused (already there)" &&
	FEEDMAIL_NOW=2026-12-01T10:01:00Z life -q send &&
	test "$(sunk)" = 2 &&
	sink "sorted(x[\"rcpts\"][0] for x in m) == [\"ask@example.org\", \"no@example.org\"]" &&
	sink "all(\"https://veille.example.org/lettre/c/\" in x[\"text\"] for x in m)"
'

test_expect_success 'imported twice within the hour: no second mail; an hour on, one more each' '
	FEEDMAIL_NOW=2026-12-01T10:30:00Z life subscriber import life.csv >out &&
	contains out "imported: 0 added, 2 pending confirmation (0 mails queued), 0 updated, 0 suppressed (unsubscribed), 2 refused (already there)" &&
	FEEDMAIL_NOW=2026-12-01T11:00:00Z life subscriber import life.csv >out &&
	contains out "(2 mails queued)" &&
	FEEDMAIL_NOW=2026-12-01T11:01:00Z life -q send &&
	test "$(sunk)" = 4
'

test_expect_success 'a pending subscriber receives no digest' '
	FEEDMAIL_NOW=2026-12-01T11:10:00Z life -q add "$TEST_DIR/feed.xml" &&
	FEEDMAIL_NOW=2026-12-01T11:10:00Z life -q fetch &&
	FEEDMAIL_NOW=2026-12-01T11:20:00Z life -q send &&
	test "$(sunk)" = 6 &&
	sink "sorted(x[\"rcpts\"][0] for x in m[4:]) == [\"then@example.org\", \"yes@example.org\"]"
'

test_expect_success 'an address that unsubscribed is skipped by import, refused by add' '
	printf "email,state\ngone@example.org,unsubscribed\n" >gone.csv &&
	FEEDMAIL_NOW=2026-12-01T12:00:00Z life subscriber import gone.csv >out &&
	contains out "0 added, 0 pending confirmation (0 mails queued), 0 updated, 1 suppressed" &&
	expect_code 65 life subscriber add GONE@example.org 2>err &&
	contains err "'"'"'GONE@example.org'"'"' unsubscribed on 2026-12-01; kept so that nobody adds them again" &&
	contains err "--resubscribe"
'

test_expect_success 'status counts the states' '
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life -q subscriber pause then@example.org &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life status --json >st.json &&
	"$PYTHON3" -c "
import json
s = json.load(open(\"st.json\"))
assert s[\"subscriber_states\"] == {\"active\": 1, \"paused\": 1, \"pending\": 2, \"unsubscribed\": 1}, s
"
'

test_expect_success 'add --resubscribe brings back one who unsubscribed; --pending asks first' '
	FEEDMAIL_NOW=2026-12-02T13:00:00Z life subscriber add gone@example.org --resubscribe --pending >out &&
	contains out "subscribed again, waiting for their confirmation" &&
	expect_code 65 life subscriber add yes@example.org --resubscribe 2>err &&
	contains err "already exists"
'

test_expect_success 'export | import gives the same members back, consents kept' '
	FEEDMAIL_NOW=2026-12-02T14:00:00Z life subscriber export >exp.csv &&
	fresh=$(pg_url fresh) &&
	FEEDMAIL_NOW=2026-12-02T14:00:00Z feedmail -c life.conf -d "$fresh" subscriber import exp.csv >out &&
	FEEDMAIL_NOW=2026-12-02T14:00:00Z feedmail -c life.conf -d "$fresh" subscriber export >exp2.csv &&
	diff exp.csv exp2.csv &&
	FEEDMAIL_NOW=2026-12-02T14:00:00Z life subscriber export --json >exp.json &&
	"$PYTHON3" -c "
import json
l = {x[\"email\"]: x for x in json.load(open(\"exp.json\"))}
assert [c[\"source\"] for c in l[\"yes@example.org\"][\"consents\"]] == [\"import\"], l
assert l[\"then@example.org\"][\"consent\"] == \"2026-05-04T09:30:00Z\", l
assert l[\"ask@example.org\"][\"consent\"] is None, l
"
'

test_expect_success 'run forgets who never confirmed within 7 days' '
	FEEDMAIL_NOW=2026-12-08T10:00:01Z life -v run >out 2>err &&
	contains err "forgot 2 subscribers who never confirmed in 7 days" &&
	FEEDMAIL_NOW=2026-12-08T10:00:01Z life subscriber list --state pending >out &&
	contains out "gone@example.org" &&
	lacks out "ask@example.org"
'

test_done
