#!/bin/sh
# feedmail store copy: a SQLite store with fetched feeds, members in
# every state, digests sent and pending and an outage, moved into
# PostgreSQL and back; counts, the token secret and every table equal;
# the moved store sends only what was pending; a second copy refused.
# Skipped without the PostgreSQL server's programs.
. "$TEST_SRCDIR/tests/lib.sh"

start_pg
mkdir -p www
cp "$FIXTURES/fetch/feed.xml" "$FIXTURES/send/echo.xml" www/
start_http || exit 1
SMTP_DIR=$TEST_DIR/sink; start_smtp || exit 1
DOWN_PORT=$(free_port)
cat >copy.conf <<CONF
[store]
path = $TEST_DIR/src.db
$(smtp_conf)
[web]
base_url = https://veille.example.org/lettre
CONF
export FEEDMAIL_CONFIG=$TEST_DIR/copy.conf
TABLES="feeds feed_tags entries subscribers subscriber_tags outbox
outbox_messages deliveries outages secrets consents"

# sq FILE SQL: SQL's rows on the SQLite file FILE
sq() {
	"$PYTHON3" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print("\t".join("" if v is None else str(v) for v in row))' "$1" "$2"
}
# pg SQL: SQL's rows on the PostgreSQL store
pg() {
	sh "$TEST_SRCDIR/tests/pgcluster.sh" sql "$TEST_DIR/pg" feedmail "$1"
}
# counts: each table's rows in the SQLite store FILE, or with pg on
# PostgreSQL, one line each
counts() {
	for t in $TABLES; do
		if [ "$1" = pg ]; then
			echo "$t $(pg "SELECT count(*) FROM $t")"
		else
			echo "$t $(sq "$1" "SELECT count(*) FROM $t")"
		fi
	done
}

test_expect_success 'a store with every kind of row' '
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" --tag Région &&
	at 2026-11-26T06:00:00Z -q subscriber add a@example.org --tag region &&
	at 2026-11-26T06:00:00Z -q subscriber add b@example.org &&
	at 2026-11-26T06:00:00Z -q subscriber pause b@example.org &&
	at 2026-11-26T06:00:00Z -q subscriber add c@example.org --pending &&
	at 2026-11-26T06:00:00Z -q subscriber add d@example.org &&
	store_sql src "UPDATE subscribers SET unsubscribed_at = 1764136800
		WHERE email = '\''d@example.org'\''" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:00:00Z -q send &&
	test "$(sunk)" = 2 &&
	at 2026-11-26T07:10:00Z -q subscriber add e@example.org &&
	at 2026-11-26T07:10:00Z -q add "$HTTP_URL/echo.xml" &&
	at 2026-11-26T07:15:00Z -q fetch &&
	sed -i "s/^port = .*/port = $DOWN_PORT/" copy.conf &&
	expect_code 69 at 2026-11-26T07:20:00Z send >out 2>err &&
	contains out "mail transport down" &&
	sed -i "s/^port = .*/port = $SMTP_PORT/" copy.conf &&
	test "$(store_sql src "SELECT count(*) FROM outbox
		WHERE status = '\''pending'\''")" = 1 &&
	counts src.db >src.counts &&
	! grep -q " 0$" src.counts
'

test_expect_success 'copied into PostgreSQL: every table, counted' '
	feedmail store copy --to "$PG_URL" --json >copy.json &&
	"$PYTHON3" -c "
import json, sys
r = json.load(open(\"copy.json\"))
assert r[\"exit_status\"] == 0, r
for name, n in r[\"tables\"].items():
    assert n[\"source\"] == n[\"target\"] > 0, (name, n)
assert len(r[\"tables\"]) == 11, r
" &&
	counts pg >pg.counts &&
	test_cmp_counts=$(diff src.counts pg.counts) &&
	test -z "$test_cmp_counts" &&
	feedmail store copy --help >help &&
	contains help "--to LOCATION"
'

test_expect_success 'the same token secret: links in mails sent keep working' '
	sq src.db "SELECT name, lower(hex(value)) FROM secrets" >src.secret &&
	pg "SELECT name, encode(value, '\''hex'\'') FROM secrets" >pg.secret &&
	test -s src.secret &&
	cmp src.secret pg.secret &&
	sq src.db "SELECT email, token FROM subscribers ORDER BY id" >src.tok &&
	pg "SELECT email, token FROM subscribers ORDER BY id" >pg.tok &&
	cmp src.tok pg.tok
'

test_expect_success 'a second copy into it is refused, naming what it holds' '
	expect_code 73 feedmail store copy --to "$PG_URL" >out 2>err &&
	contains err "not empty" &&
	contains err "feeds (2), feed_tags (1), entries (6)" &&
	counts pg >pg.again &&
	cmp pg.counts pg.again
'

test_expect_success 'a password in the URL is never shown' '
	expect_code 75 feedmail store copy \
		--to "postgresql://u:s3cretpw@127.0.0.1:$DOWN_PORT/x" >out 2>err &&
	lacks err s3cretpw &&
	contains err "u:***@"
'

test_expect_success 'a row the target refuses: nothing is left in it' '
	cp src.db bad.db &&
	store_sql bad "UPDATE entries SET title = CAST(X'\''C328'\'' AS TEXT)
		WHERE id = (SELECT max(id) FROM entries)" >/dev/null &&
	bad=$(pg_url bad) &&
	expect_code 65 feedmail -d "$TEST_DIR/bad.db" store copy --to "$bad" \
		>out 2>err &&
	contains err "copy '\''entries'\''" &&
	contains err "invalid byte sequence" &&
	for t in $TABLES; do
		n=$(sh "$TEST_SRCDIR/tests/pgcluster.sh" sql "$TEST_DIR/pg" bad \
			"SELECT count(*) FROM $t") &&
		case $t in secrets) test "$n" = 1 ;; *) test "$n" = 0 ;; esac ||
			return 1
	done
'

test_expect_success 'copied back into a new SQLite file: every table the same' '
	feedmail -d "$PG_URL" -q store copy --to "$TEST_DIR/back.db" &&
	for t in $TABLES sqlite_sequence; do
		sq src.db "SELECT * FROM $t ORDER BY 1, 2" >"src.$t" &&
		sq back.db "SELECT * FROM $t ORDER BY 1, 2" >"back.$t" &&
		cmp "src.$t" "back.$t" || return 1
	done &&
	sq src.db "SELECT typeof(message) FROM outbox_messages" >src.types &&
	sq back.db "SELECT typeof(message) FROM outbox_messages" >back.types &&
	cmp src.types back.types
'

test_expect_success 'on PostgreSQL, send sends only what was pending, run fetches nothing new' '
	at 2026-11-26T07:30:00Z -d "$PG_URL" send >out 2>err &&
	contains out "0 digests built; 1 sent" &&
	test "$(sunk)" = 3 &&
	at 2026-11-26T08:30:00Z -d "$PG_URL" fetch --all >out &&
	contains out "0 new entries" &&
	at 2026-11-26T08:30:00Z -d "$PG_URL" send >out 2>err &&
	contains out "0 digests built; 0 sent" &&
	test "$(sunk)" = 3 &&
	at 2026-11-26T08:30:00Z -d "$PG_URL" -q add "$HTTP_URL/other.xml" &&
	test "$(pg "SELECT max(id) FROM feeds")" = 3
'

test_done
