#!/bin/sh
# The admin's members: edit and pause them in place, list them by tag and
# state, import many from CSV; warnings for tags no feed carries and for
# addresses that look mistyped. Their lifecycle: a row without consent gets
# a confirmation mail (at most one an hour) and nothing else until it
# confirms; one who unsubscribed is kept and never added again; export |
# import gives the same members back; run forgets who never confirmed.
. "$TEST_SRCDIR/tests/lib.sh"

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = maildir
path = $TEST_DIR/maildir
language = en
CONF

# json EXPR: EXPR, Python, true of `subscriber list --json` as s
json() {
	feedmail subscriber list --json >list.json &&
	"$PYTHON3" -c "
import json, sys
s = {x[\"email\"]: x for x in json.load(open(\"list.json\"))}
sys.exit(0 if ($1) else 1)
"
}

cp "$FIXTURES/fetch/feed.xml" feed.xml

test_expect_success 'setup: a feed tagged Isère, two members, one digest each' '
	at 2026-11-26T06:00:00Z -q add "$TEST_DIR/feed.xml" --tag Isère &&
	at 2026-11-26T06:00:00Z -q subscriber add ann@example.org --tag news &&
	at 2026-11-26T06:00:00Z -q subscriber add bob@example.org &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:00:00Z -q send &&
	printf "%s\n" "bob@example.org 3" >want &&
	maildir_got >have &&
	diff want have
'

test_expect_success 'edit keeps the start and what was sent' '
	json "s[\"ann@example.org\"][\"since\"] == \"2026-11-26T06:00:00Z\"" &&
	at 2026-11-26T08:00:00Z subscriber edit ann@example.org --tag isere \
		--untag NEWS --name "Ann Lee" --lang fr >out 2>err &&
	contains out "updated subscriber 1: ann@example.org" &&
	test ! -s err &&
	json "s[\"ann@example.org\"][\"tags\"] == [\"isere\"]" &&
	json "s[\"ann@example.org\"][\"since\"] == \"2026-11-26T06:00:00Z\"" &&
	json "s[\"ann@example.org\"][\"id\"] == 1" &&
	json "s[\"ann@example.org\"][\"name\"] == \"Ann Lee\"" &&
	at 2026-11-26T08:00:00Z -q subscriber edit bob@example.org --lang fr &&
	at 2026-11-26T08:00:00Z -q send &&
	printf "%s\n" "ann@example.org 3" >want &&
	maildir_got >have &&
	diff want have
'

test_expect_success 'edit: back to the defaults, and words replaced' '
	feedmail -q subscriber edit ann@example.org --lang default --name "" \
		--exclude foo --exclude bar --schedule hourly &&
	json "s[\"ann@example.org\"][\"lang\"] is None" &&
	json "s[\"ann@example.org\"][\"name\"] is None" &&
	json "s[\"ann@example.org\"][\"exclude\"] == [\"foo\", \"bar\"]" &&
	json "s[\"ann@example.org\"][\"schedule\"] == \"hourly\"" &&
	feedmail -q subscriber edit ann@example.org --exclude "" --schedule "" &&
	json "s[\"ann@example.org\"][\"exclude\"] == []" &&
	json "s[\"ann@example.org\"][\"schedule\"] is None"
'

test_expect_success 'edit: mistakes change nothing' '
	expect_code 65 feedmail subscriber edit nobody@example.org --lang fr 2>err &&
	contains err "no subscriber '"'"'nobody@example.org'"'"'" &&
	expect_code 65 feedmail subscriber edit ann@example.org --untag sport 2>err &&
	contains err "has no tag '"'"'sport'"'"'" &&
	expect_code 65 feedmail subscriber edit ann@example.org --schedule weekly@Funday 2>err &&
	expect_code 64 feedmail subscriber edit ann@example.org --lang de 2>err &&
	json "s[\"ann@example.org\"][\"tags\"] == [\"isere\"]" &&
	json "s[\"ann@example.org\"][\"schedule\"] is None"
'

test_expect_success 'a paused member gets nothing, then all of it after' '
	at 2026-11-26T09:00:00Z subscriber pause bob@example.org \
		--until 2026-11-27T00:00:00Z >out &&
	contains out "paused subscriber bob@example.org until 2026-11-27T00:00:00Z" &&
	fixture_fourth feed.xml &&
	at 2026-11-26T09:00:00Z -q fetch --all &&
	at 2026-11-26T09:00:00Z -q send &&
	printf "%s\n" "ann@example.org 1" >want &&
	maildir_got >have &&
	diff want have &&
	at 2026-11-26T10:00:00Z subscriber list --state paused >out &&
	contains out "bob@example.org" &&
	! contains out "ann@example.org" &&
	contains out "paused since 2026-11-26T09:00:00Z, until 2026-11-27T00:00:00Z" &&
	at 2026-11-27T00:00:00Z subscriber list --state active >out &&
	contains out "bob@example.org" &&
	at 2026-11-27T00:00:00Z -q send &&
	printf "%s\n" "bob@example.org 1" >want &&
	maildir_got >have &&
	diff want have
'

test_expect_success 'pause until resumed, then resume' '
	at 2026-11-27T01:00:00Z subscriber pause ann@example.org >out &&
	contains out "paused subscriber ann@example.org until resumed" &&
	json "s[\"ann@example.org\"][\"state\"] == \"paused\"" &&
	json "s[\"ann@example.org\"][\"paused_until\"] is None" &&
	feedmail subscriber resume ann@example.org >out &&
	contains out "resumed subscriber ann@example.org" &&
	json "s[\"ann@example.org\"][\"state\"] == \"active\"" &&
	feedmail subscriber resume ann@example.org >out &&
	contains out "was not paused" &&
	expect_code 64 feedmail subscriber pause ann@example.org --until yesterday 2>err &&
	contains err "give a date" &&
	expect_code 64 feedmail subscriber pause ann@example.org --until 2001-01-01 2>err &&
	contains err "past" &&
	feedmail -q subscriber pause ann@example.org --until 2w &&
	json "s[\"ann@example.org\"][\"state\"] == \"paused\""
'

test_expect_success 'list by tag, any case or accents; tags with spaces quoted' '
	feedmail -q subscriber edit bob@example.org --tag "Haute Savoie" &&
	feedmail subscriber list --tag ISÈRE >out &&
	contains out "ann@example.org" &&
	! contains out "bob@example.org" &&
	feedmail subscriber list --tag "haute savoie" >out &&
	contains out "tags: '"'"'Haute Savoie'"'"'" &&
	! contains out "ann@example.org" &&
	expect_code 64 feedmail subscriber list --state asleep 2>err
'

test_expect_success 'a tag no feed carries is a warning naming the nearest' '
	feedmail subscriber add cy@example.org --tag Isre 2>err >out &&
	contains out "added subscriber" &&
	contains err "warning: no feed is tagged '"'"'Isre'"'"'; did you mean '"'"'Isère'"'"'?" &&
	feedmail subscriber edit cy@example.org --tag Lyon 2>err >out &&
	contains err "warning: no feed is tagged '"'"'Lyon'"'"'" &&
	! contains err "did you mean" &&
	feedmail subscriber add dee@example.org --tag ISERE 2>err >out &&
	test ! -s err
'

test_expect_success 'an address that looks mistyped is a warning' '
	feedmail subscriber add eve@gmail.con 2>err >out &&
	contains out "added subscriber" &&
	contains err "warning: '"'"'eve@gmail.con'"'"' looks mistyped: did you mean '"'"'gmail.com'"'"'" &&
	feedmail subscriber add fay@hotmial.com 2>err >out &&
	contains err "hotmail.com" &&
	feedmail subscriber add gus@intranet 2>err >out &&
	contains err "the domain '"'"'intranet'"'"' has no dot"
'

test_expect_success 'import: all checked, all added, in one go' '
	cat >members.csv <<-\CSV &&
	email,name,lang,tags,schedule,timezone
	m1@example.org,"Lee, Ann",fr,Isère;news,daily@07:00,Europe/Paris
	m2@example.org,,en,Isère | Haute Savoie,,
	ann@example.org,Ann,,,,
	CSV
	feedmail subscriber import members.csv >out 2>err &&
	contains out "imported: 2 added, 0 pending confirmation (0 mails queued), 0 updated, 0 suppressed (unsubscribed), 1 refused (already there)" &&
	contains err "line 2: no feed is tagged '"'"'news'"'"'" &&
	json "s[\"m1@example.org\"][\"name\"] == \"Lee, Ann\"" &&
	json "s[\"m1@example.org\"][\"tags\"] == [\"Isère\", \"news\"]" &&
	json "s[\"m1@example.org\"][\"timezone\"] == \"Europe/Paris\"" &&
	json "s[\"m2@example.org\"][\"tags\"] == [\"Isère\", \"Haute Savoie\"]" &&
	json "s[\"ann@example.org\"][\"name\"] is None"
'

test_expect_success 'import --update, from standard input' '
	printf "email,name\nann@example.org,Ann B\nnew@example.org,New\n" |
		feedmail subscriber import --update - >out &&
	contains out "imported: 1 added, 0 pending confirmation (0 mails queued), 1 updated," &&
	json "s[\"ann@example.org\"][\"name\"] == \"Ann B\"" &&
	json "s[\"ann@example.org\"][\"tags\"] == [\"isere\"]" &&
	json "s[\"ann@example.org\"][\"since\"] == \"2026-11-26T06:00:00Z\""
'

test_expect_success 'import: a mistake names its line and field, nothing is added' '
	feedmail subscriber list --json >before.json &&
	cat >bad.csv <<-\CSV &&
	email,lang,schedule
	ok@example.org,fr,
	bad@,fr,
	ok2@example.org,de,
	ok3@example.org,,weekly@Funday
	ok@EXAMPLE.org,,
	CSV
	expect_code 65 feedmail subscriber import bad.csv 2>err &&
	contains err "line 3: email: " &&
	contains err "line 4: lang: '"'"'de'"'"'" &&
	contains err "line 5: schedule: " &&
	contains err "line 6: email: '"'"'ok@EXAMPLE.org'"'"' is on line 2 already" &&
	contains err "nothing imported" &&
	feedmail subscriber list --json >after.json &&
	cmp before.json after.json &&
	printf "mail,name\nx@example.org,X\n" >cols.csv &&
	expect_code 65 feedmail subscriber import cols.csv 2>err &&
	contains err "line 1: unknown column '"'"'mail'"'"'" &&
	printf "email,name\nx@example.org,\"two\nlines\"\n" >name.csv &&
	expect_code 65 feedmail subscriber import name.csv 2>err &&
	contains err "line 2: name: a name cannot contain a line break" &&
	printf "email\n\"x@example.org\n" >open.csv &&
	expect_code 65 feedmail subscriber import open.csv 2>err &&
	contains err "line 2: a quoted field is not closed" &&
	expect_code 66 feedmail subscriber import missing.csv 2>err &&
	contains err "missing.csv"
'

test_expect_success 'import warns of addresses that look mistyped' '
	printf "email\nzed@gmial.com\n" | feedmail subscriber import - 2>err >out &&
	contains err "line 2: '"'"'zed@gmial.com'"'"' looks mistyped" &&
	contains out "imported: 1 added,"
'

test_expect_success 'a digest waiting when its member paused waits for the pause' '
	cat >flaky.sh <<-\EOS &&
	#!/bin/sh
	cat >/dev/null
	test -e "${0%/*}/ok" || exit 75
	echo sent >>"${0%/*}/sent"
	EOS
	chmod +x flaky.sh &&
	printf "[digest]\ntransport = sendmail\nsendmail = %s/flaky.sh\n" \
		"$TEST_DIR" >flaky.conf &&
	flaky=$(store_location flaky) &&
	at 2026-11-26T06:00:00Z -c flaky.conf -d "$flaky" -q add "$TEST_DIR/feed.xml" &&
	at 2026-11-26T06:00:00Z -c flaky.conf -d "$flaky" -q subscriber add cy@example.org &&
	at 2026-11-26T07:00:00Z -c flaky.conf -d "$flaky" -q fetch &&
	expect_code 75 at 2026-11-26T07:00:00Z -c flaky.conf -d "$flaky" -q send &&
	at 2026-11-26T07:30:00Z -c flaky.conf -d "$flaky" -q subscriber pause \
		cy@example.org --until 2026-11-27T00:00:00Z &&
	touch ok &&
	at 2026-11-26T12:00:00Z -c flaky.conf -d "$flaky" -q send &&
	test ! -e sent &&
	at 2026-11-27T00:00:01Z -c flaky.conf -d "$flaky" -q send &&
	test "$(wc -l <sent)" = 1
'

SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
cat >life.conf <<CONF
$(smtp_conf)
name = Veille
[web]
base_url = https://veille.example.org/lettre
CONF
# life ARGS: feedmail on the lifecycle's config and store
LIFE=$(store_location life) || exit 1
life() {
	feedmail -c life.conf -d "$LIFE" "$@"
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

test_expect_success 'import: a row without consent gets a confirmation mail, in its language' '
	cat >life.csv <<-\CSV &&
	email,name,lang,consent
	yes@example.org,Yes,,yes
	ask@example.org,"Ask, Me",fr,
	no@example.org,,en,no
	then@example.org,,,2026-05-04T09:30:00Z
	CSV
	FEEDMAIL_NOW=2026-12-01T10:00:00Z life subscriber import life.csv >out &&
	contains out "imported: 2 added, 2 pending confirmation (2 mails queued), 0 updated, 0 suppressed (unsubscribed), 0 refused (already there)" &&
	FEEDMAIL_NOW=2026-12-01T10:00:00Z life outbox >out &&
	contains out "ask@example.org	confirmation, pending" &&
	at 2026-12-01T10:01:00Z -c life.conf -d "$LIFE" -q send &&
	test "$(sunk)" = 2 &&
	sink "sorted(x[\"rcpts\"][0] for x in m) == [\"ask@example.org\", \"no@example.org\"]" &&
	sink "[x[\"subject\"] for x in m if x[\"rcpts\"] == [\"ask@example.org\"]] == [\"Confirmez votre abonnement à Veille\"]" &&
	sink "[x[\"subject\"] for x in m if x[\"rcpts\"] == [\"no@example.org\"]] == [\"Confirm your subscription to Veille\"]" &&
	sink "all(\"https://veille.example.org/lettre/c/\" in x[\"text\"] and \"href=\\\"https://veille.example.org/lettre/c/\" in x[\"html\"] for x in m)" &&
	sink "all(\"List-Unsubscribe\" not in x[\"header_names\"] for x in m)"
'

test_expect_success 'imported twice within the hour: no second mail; an hour on, one more each' '
	FEEDMAIL_NOW=2026-12-01T10:30:00Z life subscriber import life.csv >out &&
	contains out "imported: 0 added, 2 pending confirmation (0 mails queued), 0 updated, 0 suppressed (unsubscribed), 2 refused (already there)" &&
	at 2026-12-01T10:31:00Z -c life.conf -d "$LIFE" -q send &&
	test "$(sunk)" = 2 &&
	FEEDMAIL_NOW=2026-12-01T11:00:00Z life subscriber import life.csv >out &&
	contains out "(2 mails queued)" &&
	at 2026-12-01T11:01:00Z -c life.conf -d "$LIFE" -q send &&
	test "$(sunk)" = 4
'

test_expect_success 'no [web] base_url: a confirmation is a configuration error, nothing added' '
	printf "[digest]\ntransport = maildir\npath = %s/nobase\n" "$TEST_DIR" >nobase.conf &&
	printf "email,consent\nfine@example.org,yes\nasks@example.org,\n" >nobase.csv &&
	nobase=$(store_location nobase) &&
	expect_code 78 feedmail -c nobase.conf -d "$nobase" subscriber import nobase.csv 2>err &&
	contains err "line 3: confirmation to '"'"'asks@example.org'"'"': [web] base_url is not set" &&
	expect_code 78 feedmail -c nobase.conf -d "$nobase" subscriber add p@example.org --pending 2>err &&
	feedmail -c nobase.conf -d "$nobase" subscriber export >out &&
	test "$(wc -l <out)" = 1
'

test_expect_success 'a pending subscriber receives no digest' '
	at 2026-12-01T11:10:00Z -c life.conf -d "$LIFE" -q add "$TEST_DIR/feed.xml" &&
	at 2026-12-01T11:10:00Z -c life.conf -d "$LIFE" -q fetch &&
	at 2026-12-01T11:20:00Z -c life.conf -d "$LIFE" -q send &&
	test "$(sunk)" = 6 &&
	sink "sorted(x[\"rcpts\"][0] for x in m[4:]) == [\"then@example.org\", \"yes@example.org\"]" &&
	sink "all(x[\"entries\"] != \"0\" for x in m[4:])"
'

test_expect_success 'an address that unsubscribed is skipped by import, refused by add' '
	printf "email,state\ngone@example.org,unsubscribed\n" >gone.csv &&
	FEEDMAIL_NOW=2026-12-01T12:00:00Z life subscriber import gone.csv >out &&
	contains out "0 added, 0 pending confirmation (0 mails queued), 0 updated, 1 suppressed" &&
	printf "email,consent\ngone@example.org,yes\nnew@example.org,yes\n" >back.csv &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life subscriber import back.csv >out 2>err &&
	contains out "1 added, 0 pending confirmation (0 mails queued), 0 updated, 1 suppressed" &&
	contains err "line 2: '"'"'gone@example.org'"'"' unsubscribed on 2026-12-01: skipped" &&
	expect_code 65 life subscriber add GONE@example.org 2>err &&
	contains err "'"'"'GONE@example.org'"'"' unsubscribed on 2026-12-01; kept so that nobody adds them again" &&
	contains err "--resubscribe" &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life subscriber list --state unsubscribed >out &&
	contains out "gone@example.org" &&
	contains out "unsubscribed on 2026-12-01T12:00:00Z"
'

test_expect_success 'list and status show the states' '
	at 2026-12-02T12:00:00Z -c life.conf -d "$LIFE" -q subscriber pause then@example.org &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life subscriber list --state pending --json >list.json &&
	"$PYTHON3" -c "
import json
l = json.load(open(\"list.json\"))
assert sorted(x[\"email\"] for x in l) == [\"ask@example.org\", \"no@example.org\"], l
assert all(x[\"state\"] == \"pending\" and x[\"pending_since\"] == \"2026-12-01T10:00:00Z\" for x in l), l
" &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life status >out &&
	contains out "5 subscribers;" &&
	contains out "subscribers by state: 2 active, 1 paused, 2 pending (waiting for their confirmation), 1 unsubscribed" &&
	FEEDMAIL_NOW=2026-12-02T12:00:00Z life status --json >st.json &&
	"$PYTHON3" -c "
import json
s = json.load(open(\"st.json\"))
assert s[\"subscriber_states\"] == {\"active\": 2, \"paused\": 1, \"pending\": 2, \"unsubscribed\": 1}, s
"
'

test_expect_success 'add --resubscribe brings back one who unsubscribed; --pending asks first' '
	FEEDMAIL_NOW=2026-12-02T13:00:00Z life subscriber add gone@example.org --resubscribe --pending >out &&
	contains out "subscribed again, waiting for their confirmation" &&
	expect_code 65 life subscriber add yes@example.org --resubscribe 2>err &&
	contains err "already exists"
'

test_expect_success 'export | import gives the same members back' '
	FEEDMAIL_NOW=2026-12-02T14:00:00Z life subscriber export >exp.csv &&
	head -n 1 exp.csv >first &&
	printf "email,name,lang,tags,schedule,timezone,consent,state\n" >want &&
	diff want first &&
	contains exp.csv "\"Ask, Me\",fr,,,,,pending" &&
	contains exp.csv "then@example.org,,,,,,2026-05-04T09:30:00Z,paused" &&
	fresh=$(store_location fresh) &&
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
	at 2026-12-08T10:00:01Z -c life.conf -d "$LIFE" -v run >out 2>err &&
	contains err "forgot 2 subscribers who never confirmed in 7 days" &&
	FEEDMAIL_NOW=2026-12-08T10:00:01Z life subscriber list --state pending >out &&
	contains out "gone@example.org" &&
	lacks out "ask@example.org"
'

test_done
