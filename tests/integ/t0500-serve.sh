#!/bin/sh
# feedmail serve on loopback, with digests caught by a real SMTP sink
# (tests/smtpd.py): the List-Unsubscribe link read from a received digest,
# RFC 8058's one-click POST exactly as a mailbox provider sends it (both
# encodings), a GET that changes nothing, tokens forged, altered, cut or
# revoked by --rotate-secret (404, nothing changed), the security headers,
# the limits (413, 405, a slow client dropped while others are served),
# SIGHUP reloading, SIGTERM finishing the request under way, systemd
# socket activation, and an unsubscription while send delivers to a slow
# sink. Every wait is for a condition: a port, a log line, a file.
. "$TEST_SRCDIR/tests/lib.sh"

command -v curl >/dev/null || test_skip_all "curl is not installed"

mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/
start_http || exit 1
start_smtp || exit 1
MAIN_SMTP_DIR=$SMTP_DIR MAIN_SMTP_PORT=$SMTP_PORT
# a sink that holds its first message until the test makes the gate
SMTP_DIR=$TEST_DIR/held
start_smtp --hold 1 --gate "$TEST_DIR/gate" || exit 1
HELD_SMTP_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/held2
start_smtp --hold 1 --gate "$TEST_DIR/gate2" || exit 1
HELD2_SMTP_PORT=$SMTP_PORT
SMTP_DIR=$MAIN_SMTP_DIR SMTP_PORT=$MAIN_SMTP_PORT
WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT

# write_config [EXTRA-WEB-LINES]
write_config() {
	cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
$(smtp_conf)
language = fr
[web]
base_url = $BASE/
listen = 127.0.0.1:$WEB_PORT
timeout = 2
${1:-}
CONF
}
FEEDMAIL_CONFIG=$TEST_DIR/feedmail.conf
export FEEDMAIL_CONFIG
write_config

# state EMAIL: "unsubscribed" or "subscribed", from the store itself
state() {
	state_at=$(store_sql default "SELECT coalesce(unsubscribed_at, 0)
		FROM subscribers WHERE email = '$1'") || return 1
	case $state_at in
	'') echo "no subscriber $1" >&2; return 1 ;;
	0) echo subscribed ;;
	*) echo unsubscribed ;;
	esac
}

# last_outbox EMAIL: "STATUS REPLY" of the newest digest row for EMAIL
last_outbox() {
	store_sql default "SELECT o.status || ' ' || o.reply FROM outbox o
		JOIN subscribers s ON s.id = o.subscriber_id
		WHERE s.email = '$1' ORDER BY o.id DESC LIMIT 1"
}

# feed_item GUID: the test feed has one item, GUID, new
feed_item() {
	echo "<rss version=\"2.0\"><channel><title>t</title><item><guid>$1</guid><title>Article $1</title><link>https://example.org/$1</link></item></channel></rss>" >www/feed.xml
}

test_log "$TEST_DIR/serve.err"

test_expect_success 'serve without [web] base_url: a config error' '
	sed "/^base_url/d" "$FEEDMAIL_CONFIG" >nobase.conf &&
	expect_code 78 feedmail -c nobase.conf serve 2>err &&
	contains err "base_url"
'

test_expect_success 'a bad [web] listen or trusted_proxies is FILE:LINE' '
	write_config "trusted_proxies = 10.0.0.0/33" &&
	expect_code 78 feedmail config 2>err &&
	contains err "trusted_proxies" &&
	sed "s/^listen = .*/listen = localhost:80/" "$FEEDMAIL_CONFIG" >l.conf &&
	expect_code 78 feedmail -c l.conf config 2>err &&
	contains err "listen" &&
	write_config
'

test_expect_success 'digests carry the one-click link and its Post header' '
	for who in a b c d; do
		at 2026-11-26T06:00:00Z -q subscriber add "$who@example.org" ||
			return 1
	done &&
	at 2026-11-26T06:00:00Z -q subscriber add e@example.org --lang fr &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/feed.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:00:00Z -q send &&
	for who in a b c d e; do
		m=$(mail_to "$who@example.org") && test -n "$m" || return 1
		header "$m" List-Unsubscribe >"lu.$who" &&
		header "$m" List-Unsubscribe-Post >"lup.$who" || return 1
		sed -n "s|^<\\($BASE/u/[a-z0-9]*\\)>.*|\\1|p; s|.*, <\\($BASE/u/[a-z0-9]*\\)>.*|\\1|p" \
			"lu.$who" | head -n 1 >"url.$who"
		test -s "url.$who" || { cat "lu.$who"; return 1; }
		contains "lu.$who" "mailto:veille@cluster.example" &&
		contains "lup.$who" "List-Unsubscribe=One-Click" || return 1
	done &&
	test "$(cat url.a)" != "$(cat url.b)"
'

test_expect_success 'doctor warns about an http base_url, not an https one' '
	feedmail doctor >out 2>&1
	contains out "warning web: [web] base_url $BASE/ is not https" &&
	sed "s|^base_url = .*|base_url = https://veille.example.org/|" \
		"$FEEDMAIL_CONFIG" >https.conf &&
	feedmail -c https.conf doctor >out 2>&1
	contains out "ok      web: base_url https://veille.example.org/"
'

# outside a case: its pid is for the later ones
serve_start
test_expect_success 'serve starts on [web] listen' '
	grep -q "listening on 127.0.0.1:$WEB_PORT" serve.err &&
	test ! -s serve.status
'

test_expect_success 'every response carries the security headers' '
	for path in /style.css /nowhere "$(sed "s|^$BASE||" url.a)"; do
		curl -sS -D h -o /dev/null "$BASE$path" || return 1
		contains h "Content-Security-Policy: default-src '"'"'none'"'"'; style-src '"'"'self'"'"'; img-src '"'"'self'"'"'; form-action '"'"'self'"'"'; frame-ancestors '"'"'none'"'"'; base-uri '"'"'none'"'"'" &&
		contains h "X-Content-Type-Options: nosniff" &&
		contains h "Referrer-Policy: no-referrer" &&
		contains h "X-Frame-Options: DENY" || return 1
	done &&
	curl -sS -D h -o /dev/null "$(cat url.a)" &&
	contains h "Cache-Control: no-store"
'

test_expect_success 'an unknown path: the 404 page' '
	test "$(curl -s -o page -w "%{http_code}" "$BASE/nowhere")" = 404 &&
	contains page "<html lang=\"fr\">"
'

test_expect_success 'GET shows a button and changes nothing' '
	test "$(curl -s -o page -w "%{http_code}" "$(cat url.a)")" = 200 &&
	contains page "<form method=\"post\">" &&
	contains page "name=\"List-Unsubscribe\" value=\"One-Click\"" &&
	contains page "lang=\"fr\"" &&
	test "$(curl -s -o page -w "%{http_code}" \
		-H "Accept-Language: en-GB,en;q=0.9,fr;q=0.5" \
		"$(cat url.a)")" = 200 &&
	contains page "lang=\"en\"" &&
	contains page "<button type=\"submit\" id=\"submit\">Unsubscribe</button>" &&
	test "$(curl -s -o page -w "%{http_code}" \
		-H "Accept-Language: en-GB,en;q=0.9,fr;q=0.5" \
		"$(cat url.e)")" = 200 &&
	contains page "lang=\"fr\"" &&
	contains page "Me désabonner" &&
	curl -sI "$(cat url.a)" >h && contains h "200" &&
	test "$(state a@example.org)" = subscribed
'

test_expect_success 'forged, altered and cut tokens: 404, nothing changed' '
	url=$(cat url.a) &&
	tok=${url##*/} &&
	last=$(printf %s "$tok" | tail -c 1) &&
	if [ "$last" = a ]; then other=b; else other=a; fi &&
	altered="${tok%?}$other" &&
	cut=$(printf %s "$tok" | cut -c 1-20) &&
	for bad in "$altered" "$cut" "${tok}a" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
		"$(sed "s|.*/||" url.b | cut -c 1-5)${tok#?????}"; do
		code=$(curl -s -o page -w "%{http_code}" \
			-d List-Unsubscribe=One-Click "$BASE/u/$bad") &&
		test "$code" = 404 || { echo "$bad: $code"; return 1; }
		contains page "<h1>Page introuvable</h1>" || return 1
	done &&
	test "$(state a@example.org)" = subscribed
'

test_expect_success 'wrong method: 405 with Allow' '
	test "$(curl -s -D h -o /dev/null -w "%{http_code}" -X PUT \
		"$(cat url.a)")" = 405 &&
	contains h "Allow: GET, HEAD, POST" &&
	test "$(curl -s -D h -o /dev/null -w "%{http_code}" -X POST \
		"$BASE/style.css")" = 405 &&
	contains h "Allow: GET, HEAD"
'

test_expect_success 'a body over 16 KiB: 413, nothing changed' '
	{ printf "List-Unsubscribe=One-Click&pad=" &&
	  head -c 20000 /dev/zero | tr "\\0" x; } >big &&
	test "$(curl -s -o /dev/null -w "%{http_code}" --data-binary @big \
		"$(cat url.a)")" = 413 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" \
		-H "Transfer-Encoding: chunked" --data-binary @big \
		"$(cat url.a)")" = 413 &&
	test "$(state a@example.org)" = subscribed
'

test_expect_success 'a POST without List-Unsubscribe=One-Click: 400' '
	test "$(curl -s -o /dev/null -w "%{http_code}" -d "List-Unsubscribe=No" \
		"$(cat url.a)")" = 400 &&
	test "$(state a@example.org)" = subscribed
'

test_expect_success 'one-click POST, urlencoded as a provider sends it: 200' '
	test "$(curl -s -D h -o page -w "%{http_code}" \
		-H "Content-Type: application/x-www-form-urlencoded" \
		--data-raw "List-Unsubscribe=One-Click" "$(cat url.a)")" = 200 &&
	lacks h "Location:" &&
	lacks h "Set-Cookie" &&
	contains page "Désabonnement confirmé" &&
	test "$(state a@example.org)" = unsubscribed &&
	test "$(state b@example.org)" = subscribed &&
	grep -q "POST /u/… 200" serve.err &&
	lacks serve.err "$(sed "s|.*/||" url.a)"
'

test_expect_success 'the same POST again: 200 the same' '
	test "$(curl -s -o page2 -w "%{http_code}" \
		-d "List-Unsubscribe=One-Click" "$(cat url.a)")" = 200 &&
	cmp page page2
'

test_expect_success 'one-click POST as multipart/form-data: 200' '
	test "$(curl -s -o page -w "%{http_code}" \
		-F "List-Unsubscribe=One-Click" "$(cat url.b)")" = 200 &&
	test "$(state b@example.org)" = unsubscribed
'

test_expect_success 'the next send mails neither of them' '
	feed_item new-1 &&
	before=$(sink_numbered | wc -l) &&
	at 2026-11-27T07:00:00Z -q fetch --all &&
	at 2026-11-27T07:00:00Z -q send &&
	test "$(sink_numbered | wc -l)" -eq $((before + 3)) &&
	for n in $(sink_numbered | tail -n 3); do
		lacks "$SMTP_DIR/$n.json" a@example.org &&
		lacks "$SMTP_DIR/$n.json" b@example.org || return 1
	done
'

test_expect_success 'unsubscribed while the session carries their digest' '
	feed_item many-3 &&
	at 2026-11-27T11:00:00Z -q fetch --all &&
	sed "s/^port = .*/port = $HELD2_SMTP_PORT/" "$FEEDMAIL_CONFIG" \
		>held2.conf || return 1
	# c first, held at its DATA; d next in the same session, kept
	# back at its DATA; e in a new session
	at 2026-11-27T11:00:00Z -q -c held2.conf send >held2.out 2>&1 &
	sender=$!
	test_kill_at_end $sender &&
	wait_for 60 grep -q "^hold 1" held2/log &&
	grep -q "^rcpt c@example.org" held2/log &&
	test "$(curl -s -o /dev/null -w "%{http_code}" \
		-d List-Unsubscribe=One-Click "$(cat url.d)")" = 200 &&
	touch gate2 &&
	{ wait $sender || { cat held2.out; false; }; } &&
	test "$(state d@example.org)" = unsubscribed &&
	# its envelope may have gone (pipelined), never its data
	! grep -l "\"d@example.org\"" held2/*.json &&
	grep -l "\"c@example.org\"" held2/*.json >/dev/null &&
	grep -l "\"e@example.org\"" held2/*.json >/dev/null &&
	test "$(grep -c "^connect" held2/log)" = 2 &&
	last_outbox d@example.org >row &&
	contains row "failed unsubscribed"
'

test_expect_success 'a slow client is dropped; the others are served' '
	"$PYTHON3" -c "
import socket, sys
s = socket.create_connection((\"127.0.0.1\", int(sys.argv[1])))
s.sendall(b\"GET /style.css HTTP/1.1\\r\\nHost: x\\r\\n\")
open(\"slow.open\", \"w\").close()
s.settimeout(120)
data = s.recv(4096)
open(\"slow.done\", \"w\").write(\"closed\" if not data else \"answered\")
" "$WEB_PORT" &
	slow=$! &&
	test_kill_at_end $slow &&
	wait_for 60 test -f slow.open &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$BASE/style.css")" = 200 &&
	wait_for 60 test -s slow.done &&
	contains slow.done closed
'

# others: how many other connections the store's database has
others() {
	store_sql default "SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()"
}
no_others() {
	test "$(others)" = 0
}

# as after a restart of the database server; the reload after it (the
# SIGHUP cases below) reads the secret anew too
if [ "$TEST_STORE" = pg ]; then
	test_expect_success 'connections the server dropped: at most one 503' '
		test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat url.c)")" = 200 &&
		test "$(others)" -ge 1 &&
		store_sql default "SELECT pg_terminate_backend(pid)
			FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid()" >/dev/null &&
		wait_for 60 no_others &&
		codes= &&
		for i in 1 2 3 4; do
			codes="$codes $(curl -s -o /dev/null -w "%{http_code}" \
				"$(cat url.c)")"
		done &&
		case $codes in
		" 503 200 200 200") grep -q "connection was lost" serve.err ;;
		" 200 200 200 200") ;;
		*) echo "got$codes" >&2; false ;;
		esac
	'
else
	test_skip 'connections the server dropped: at most one 503' \
		"PostgreSQL only"
fi

test_expect_success 'SIGHUP with a broken config keeps the old one' '
	cp "$FEEDMAIL_CONFIG" good.conf &&
	echo "bogus = 1" >>"$FEEDMAIL_CONFIG" &&
	kill -HUP "$serve_pid" &&
	wait_for 60 grep -q "keeping the previous configuration" serve.err &&
	cp good.conf "$FEEDMAIL_CONFIG" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat url.c)")" = 200
'

test_expect_success '--rotate-secret while serve runs: old links are 404 at once' '
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat url.c)")" = 200 &&
	feedmail serve --rotate-secret >out &&
	contains out "rotated" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat url.c)")" = 404 &&
	test "$(curl -s -o /dev/null -w "%{http_code}" \
		-d List-Unsubscribe=One-Click "$(cat url.c)")" = 404 &&
	test "$(state c@example.org)" = subscribed &&
	kill -HUP "$serve_pid" &&
	wait_for 60 grep -q "reloaded the configuration" serve.err &&
	test "$(curl -s -o /dev/null -w "%{http_code}" "$(cat url.c)")" = 404
'

test_expect_success 'unsubscribed while send delivers: nothing more goes' '
	i=1 &&
	{ echo "email,name,lang,tags,schedule,timezone" &&
	  while [ $i -le 101 ]; do
		printf "s%03d@example.org,,,,,\n" $i; i=$((i + 1))
	  done; } >many.csv &&
	at 2026-11-27T08:00:00Z -q subscriber import many.csv &&
	feed_item many-1 &&
	at 2026-11-27T09:00:00Z -q fetch --all &&
	at 2026-11-27T09:00:00Z -q send &&
	m=$(mail_to s101@example.org) && test -n "$m" &&
	header "$m" List-Unsubscribe >lu.s101 &&
	sed -n "s|.*<\\($BASE/u/[a-z0-9]*\\)>.*|\\1|p" lu.s101 >url.s101 &&
	test -s url.s101 &&
	feed_item many-2 &&
	at 2026-11-27T10:00:00Z -q fetch --all &&
	sed "s/^port = .*/port = $HELD_SMTP_PORT/" "$FEEDMAIL_CONFIG" \
		>held.conf || return 1
	# 104 digests: 100 in the first SMTP session, held at its first
	# message, and s098 to s101 in the next
	at 2026-11-27T10:00:00Z -q -c held.conf send >held.out 2>&1 &
	sender=$!
	test_kill_at_end $sender &&
	wait_for 60 grep -q "^hold 1" held/log &&
	test "$(curl -s -o /dev/null -w "%{http_code}" \
		-d List-Unsubscribe=One-Click "$(cat url.s101)")" = 200 &&
	touch gate &&
	wait $sender &&
	test "$(state s101@example.org)" = unsubscribed &&
	grep -l "s100@example.org" held/*.json >/dev/null &&
	! grep -l "s101@example.org" held/*.json
'

test_expect_success 'SIGTERM during a request: it finishes, exit 0' '
	feed_item new-2 &&
	at 2026-11-28T07:00:00Z -q fetch --all &&
	at 2026-11-28T07:00:00Z -q send &&
	m=$(mail_to c@example.org) &&
	header "$m" List-Unsubscribe >lu.c2 &&
	sed -n "s|.*<\\($BASE/u/[a-z0-9]*\\)>.*|\\1|p" lu.c2 >url.c2 &&
	test -s url.c2 &&
	path=$(sed "s|^$BASE||" url.c2) &&
	rm -f half.sent || return 1
	"$PYTHON3" -c "
import os, socket, sys, time
body = b\"List-Unsubscribe=One-Click\"
s = socket.create_connection((\"127.0.0.1\", int(sys.argv[1])))
s.sendall(b\"POST \" + sys.argv[2].encode() + b\" HTTP/1.1\\r\\nHost: x\\r\\n\"
          b\"Content-Type: application/x-www-form-urlencoded\\r\\n\"
          b\"Content-Length: %d\\r\\n\\r\\n\" % len(body) + body[:10])
open(\"half.sent\", \"w\").close()
while not os.path.exists(\"term.sent\"):
    time.sleep(0.01)
s.sendall(body[10:])
s.settimeout(60)
got = b\"\"
while b\"</html>\" not in got:
    d = s.recv(65536)
    if not d:
        break
    got += d
open(\"half.reply\", \"wb\").write(got)
" "$WEB_PORT" "$path" &
	client=$! &&
	test_kill_at_end $client &&
	wait_for 60 test -f half.sent &&
	wait_for 60 grep -q "POST /u/…: begun" serve.err &&
	kill -TERM "$serve_pid" &&
	wait_for 60 grep -q "stopping (SIGTERM)" serve.err &&
	touch term.sent &&
	wait_for 60 test -s serve.status &&
	test "$(cat serve.status)" = 0 &&
	wait $client &&
	head -n 1 half.reply | grep -q "^HTTP/1.1 200" &&
	test "$(state c@example.org)" = unsubscribed
'

if command -v systemd-socket-activate >/dev/null; then
	test_expect_success 'systemd socket activation: serve takes fd 3' '
		port=$(free_port) &&
		sed "s/^listen = .*/listen = 127.0.0.1:1/" "$FEEDMAIL_CONFIG" \
			>sa.conf &&
		rm -f sa.err || return 1
		systemd-socket-activate -l "127.0.0.1:$port" \
			"$FEEDMAIL" -v -c "$TEST_DIR/sa.conf" serve 2>sa.err &
		sa=$! &&
		test_kill_at_end $sa &&
		wait_for 60 grep -q "Listening on" sa.err &&
		test "$(curl -s -o /dev/null -w "%{http_code}" \
			"http://127.0.0.1:$port/style.css")" = 200 &&
		wait_for 60 grep -q "listening on the socket systemd passed" \
			sa.err
	'
else
	test_skip 'systemd socket activation: serve takes fd 3' \
		"systemd-socket-activate is not installed"
fi

test_done
