#!/bin/sh
# The subscribers' pages of feedmail serve, driven with curl as a browser
# would (GET the form, POST it with its form token and the Origin header a
# browser sends), against a real SMTP sink (tests/smtpd.py): subscribe in
# French, the confirmation mail carried at once by serve itself, a GET of
# its link that confirms nothing, the POST that does (the consent
# recorded, its address through the trusted proxy only), the next digest
# with its view and preferences links; no enumeration, a confirmation at
# most once an hour, the limit per client (429), the errors beside their
# fields in French and English, cross-site posts refused; preferences
# (tags and language followed by the next digest, pause and resume), the
# digest viewed in a browser, and one who unsubscribed coming back.
# serve runs with a fixed clock (FEEDMAIL_NOW); every wait is for a
# condition.
. "$TEST_SRCDIR/tests/lib.sh"

command -v curl >/dev/null || test_skip_all "curl is not installed"

mkdir -p www
start_http || exit 1
# a sink that holds its first message until the test makes the gate
SMTP_DIR=$TEST_DIR/held
start_smtp --hold 1 --gate "$TEST_DIR/gate" || exit 1
HELD_SMTP_PORT=$SMTP_PORT
SMTP_DIR=$TEST_DIR/smtp
start_smtp || exit 1
WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT
# when the pages are used: serve's clock
T0=2026-11-26T10:00:00Z

FEEDMAIL_CONFIG=$TEST_DIR/feedmail.conf
export FEEDMAIL_CONFIG
cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
$(smtp_conf)
language = en
timezone = Europe/Paris
[web]
base_url = $BASE/
listen = 127.0.0.1:$WEB_PORT
trusted_proxies = 127.0.0.1
CONF

# sql QUERY ARGS...: the rows of QUERY on the store, fields split by '|';
# each ? of QUERY is the next ARG as an SQL string (its quotes doubled)
sql() {
	sql_all=$1
	sql_query=$1
	sql_text=
	shift
	for sql_arg in "$@"; do
		case $sql_query in
		*'?'*) ;;
		*) echo "sql: more arguments than ? in $sql_all" >&2; return 1 ;;
		esac
		sql_arg=$(printf '%s' "$sql_arg" | sed "s/'/''/g")
		sql_text="$sql_text${sql_query%%\?*}'$sql_arg'"
		sql_query=${sql_query#*\?}
	done
	sql_rows=$(store_sql default "$sql_text$sql_query") || return 1
	[ -z "$sql_rows" ] || printf '%s\n' "$sql_rows" | tr '\t' '|'
}

# token PAGE: the form token of an HTML page
token() {
	sed -n 's/.*name="form_token" value="\([a-z0-9]*\)".*/\1/p' "$1" |
		head -n 1
}

# get URL [CURL-ARGS...]: GET into page (headers in h), the status out
get() {
	url=$1
	shift
	curl -s -D h -o page -w "%{http_code}" "$@" "$url"
}

# post URL PAGE [CURL-ARGS...]: POST as a browser would the form of PAGE
# (its token added), the other fields given as -d/--data-urlencode; the
# answer into page, the status out
post() {
	url=$1
	tok=$(token "$2")
	shift 2
	curl -s -D h -o page -w "%{http_code}" -H "Origin: $BASE" \
		-H "Sec-Fetch-Site: same-origin" \
		--data-urlencode "form_token=$tok" "$@" "$url"
}

# state EMAIL: the subscriber's state as `subscriber list` says
state() {
	feedmail subscriber list --json | "$PYTHON3" -c "
import json, sys
for s in json.load(sys.stdin):
    if s['email'] == sys.argv[1]:
        print(s['state'])" "$1"
}

# confirms EMAIL: the confirmation mails queued for EMAIL
confirms() {
	sql "SELECT count(*) FROM outbox WHERE kind = 'confirm' AND rcpt = ?" "$1"
}

# item FILE GUID: the feed FILE of www/ has one item, GUID, new
item() {
	echo "<rss version=\"2.0\"><channel><title>$1</title><item><guid>$2</guid><title>Article $2</title><link>https://example.org/$2</link></item></channel></rss>" >"www/$1.xml"
}

# serve on the test's clock
start_serve() {
	SERVE_ENV="FEEDMAIL_NOW=$T0"
	serve_start || return 1
	grep -q "listening on" serve.err
}
test_log "$TEST_DIR/serve.err"

item lyon l0
item eco e0
at 2026-11-26T08:00:00Z -q add "$HTTP_URL/lyon.xml" --tag Lyon || exit 1
at 2026-11-26T08:00:00Z -q add "$HTTP_URL/eco.xml" --tag Économie || exit 1
at 2026-11-26T08:00:00Z -q fetch || exit 1
start_serve || exit 1

test_expect_success 'the form: the feeds'"'"' tags, in the language asked' '
	test "$(get "$BASE/" -H "Accept-Language: fr-FR,fr;q=0.9,en;q=0.5")" = 200 &&
	contains page "<html lang=\"fr\">" &&
	contains page "S’abonner à la veille" &&
	contains page "id=\"email\" name=\"email\"" &&
	contains page "id=\"tag-1\" name=\"tag\" value=\"Lyon\"" &&
	contains page "id=\"tag-2\" name=\"tag\" value=\"Économie\"" &&
	contains page "<button type=\"submit\" id=\"submit\">M’abonner</button>" &&
	contains page "<option value=\"fr\" selected>" &&
	test -n "$(token page)" &&
	contains h "Cache-Control: no-store" &&
	lacks page "<script" &&
	test "$(get "$BASE/subscribe")" = 200 &&
	contains page "<html lang=\"en\">" &&
	contains page "Subscribe to the digest"
'

test_expect_success 'errors beside their fields, in French, values kept' '
	get "$BASE/" -H "Accept-Language: fr" >/dev/null &&
	cp page form.fr &&
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-d email=pas-une-adresse -d lang=fr -d schedule=daily \
		-d time=25:00 -d timezone=Mars/Olympus -d name=Zoé)" = 400 &&
	contains page "<p class=\"error\" id=\"email-error\" role=\"alert\">Cette adresse électronique n’est pas valide.</p>" &&
	contains page "id=\"time-error\"" &&
	contains page "Fuseau horaire inconnu" &&
	contains page "value=\"pas-une-adresse\"" &&
	contains page "value=\"Zoé\"" &&
	contains page "value=\"Mars/Olympus\"" &&
	test -z "$(sql "SELECT id FROM subscribers")"
'

test_expect_success 'errors in English for an English page' '
	get "$BASE/subscribe" -H "Accept-Language: en-GB" >/dev/null &&
	cp page form.en &&
	test "$(post "$BASE/subscribe" form.en -H "Accept-Language: en-GB" \
		-d email=ok@example.org -d lang=de -d schedule=weekly \
		-d time=07:00 -d day=someday)" = 400 &&
	contains page "<html lang=\"en\">" &&
	contains page "Choose French or English." &&
	contains page "Choose a day of the week." &&
	lacks page "id=\"email-error\"" &&
	test -z "$(sql "SELECT id FROM subscribers")"
'

test_expect_success 'a cross-site post, or one without our token: 403' '
	tok=$(token form.fr) &&
	test "$(curl -s -o page -w "%{http_code}" -H "Origin: https://evil.example" \
		-d "form_token=$tok" -d email=x@example.org -d lang=fr \
		-d schedule=daily -d time=07:00 "$BASE/")" = 403 &&
	test "$(curl -s -o page -w "%{http_code}" -H "Sec-Fetch-Site: cross-site" \
		-d "form_token=$tok" -d email=x@example.org -d lang=fr \
		-d schedule=daily -d time=07:00 "$BASE/")" = 403 &&
	test "$(curl -s -o page -w "%{http_code}" -H "Origin: $BASE" \
		-d email=x@example.org -d lang=fr \
		-d schedule=daily -d time=07:00 "$BASE/")" = 403 &&
	# our token, but neither Origin nor Sec-Fetch-Site: refused
	test "$(curl -s -o page -w "%{http_code}" \
		-d "form_token=$tok" -d email=x@example.org -d lang=fr \
		-d schedule=daily -d time=07:00 "$BASE/")" = 403 &&
	test -z "$(sql "SELECT id FROM subscribers")"
'

test_expect_success 'subscribe in French: pending, the confirmation mailed at once' '
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-H "X-Forwarded-For: 203.0.113.7" \
		-d email=marie@example.org --data-urlencode "name=Marie Curie" \
		-d lang=fr -d schedule=daily -d time=07:30 \
		-d timezone=Europe/Paris -d tag=Lyon -d include= -d exclude=)" = 200 &&
	cp page sent.marie &&
	contains page "Consultez votre messagerie" &&
	test "$(state marie@example.org)" = pending &&
	test "$(sql "SELECT lang, schedule, timezone FROM subscribers WHERE email = ?" marie@example.org)" = "fr|daily@07:30|Europe/Paris" &&
	wait_for 60 has_mails_to marie@example.org 1 &&
	m=$(mail_to marie@example.org) &&
	link "$m" c >url.confirm &&
	test -s url.confirm &&
	# the greeting names nobody: whoever filled the form chose the name
	part "$m" text/plain | grep -q "^Bonjour,$" &&
	! grep -q "Curie" "$m" &&
	grep -q "subscriber [0-9]* asked from 203.0.113.7, confirmation queued" serve.err
'

test_expect_success 'GET of the confirmation link confirms nothing' '
	test "$(get "$(cat url.confirm)")" = 200 &&
	contains page "<html lang=\"fr\">" &&
	contains page "marie@example.org" &&
	contains page "<button type=\"submit\" id=\"submit\">Je confirme</button>" &&
	curl -sI "$(cat url.confirm)" >/dev/null &&
	test "$(state marie@example.org)" = pending &&
	test -z "$(sql "SELECT given_at FROM consents")"
'

test_expect_success 'a forged confirmation token: 404' '
	url=$(cat url.confirm) &&
	test "$(get "${url%?}a")" = 404 || test "$(get "${url%?}b")" = 404
'

test_expect_success 'the POST confirms, the consent recorded via the proxy' '
	cp page confirm.page &&
	get "$(cat url.confirm)" >/dev/null && cp page confirm.page &&
	test "$(post "$(cat url.confirm)" confirm.page \
		-H "X-Forwarded-For: 198.51.100.9")" = 200 &&
	contains page "Abonnement confirmé" &&
	test "$(state marie@example.org)" = active &&
	test "$(sql "SELECT source, ip, wording, lang, given_at FROM consents")" = \
		"web|198.51.100.9|subscribe-2026-12|fr|$(date -u -d "$T0" +%s)" &&
	test "$(post "$(cat url.confirm)" confirm.page)" = 200 &&
	contains page "Déjà confirmé" &&
	test "$(sql "SELECT count(*) FROM consents")" = 1
'

test_expect_success 'X-Forwarded-For from a peer not trusted: ignored' '
	test "$(post "$BASE/" form.fr --interface 127.0.0.2 \
		-H "X-Forwarded-For: 198.51.100.66" -d email=jean@example.org \
		-d lang=fr -d schedule=hourly)" = 200 &&
	wait_for 60 has_mails_to jean@example.org 1 &&
	link "$(mail_to jean@example.org)" c >url.jean &&
	get "$(cat url.jean)" >/dev/null && cp page confirm.jean &&
	test "$(post "$(cat url.jean)" confirm.jean --interface 127.0.0.2 \
		-H "X-Forwarded-For: 198.51.100.66")" = 200 &&
	test "$(sql "SELECT ip FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = ?" jean@example.org)" = 127.0.0.2
'

test_expect_success 'no enumeration: a known address gets the same page, nothing more' '
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-d email=marie@example.org -d lang=en -d schedule=hourly)" = 200 &&
	cmp page sent.marie &&
	test "$(confirms marie@example.org)" = 1 &&
	test "$(sql "SELECT lang, schedule FROM subscribers WHERE email = ?" marie@example.org)" = "fr|daily@07:30"
'

test_expect_success 'a confirmation at most once an hour per address' '
	for i in 1 2; do
		test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
			-H "X-Forwarded-For: 203.0.113.8" \
			-d email=paul@example.org -d lang=fr -d schedule=daily \
			-d time=08:00)" = 200 || return 1
		cmp page sent.marie || return 1
	done &&
	# a stranger asking again for one waiting rewrites nothing of theirs
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-H "X-Forwarded-For: 203.0.113.8" \
		-d email=paul@example.org -d lang=en -d schedule=hourly \
		--data-urlencode "name=Mallory")" = 200 &&
	cmp page sent.marie &&
	test "$(sql "SELECT lang, schedule, coalesce(name, ?) FROM subscribers WHERE email = ?" - paul@example.org)" = "fr|daily@08:00|-" &&
	test "$(confirms paul@example.org)" = 1 &&
	test "$(state paul@example.org)" = pending
'

test_expect_success 'subscriptions per client: the sixth in ten minutes is 429' '
	for i in 1 2 3 4 5; do
		test "$(post "$BASE/" form.en -H "X-Forwarded-For: 192.0.2.50" \
			-d "email=rl$i@example.org" -d lang=en \
			-d schedule=hourly)" = 200 || return 1
	done &&
	test "$(post "$BASE/" form.en -H "X-Forwarded-For: 192.0.2.50" \
		-d email=rl6@example.org -d lang=en -d schedule=hourly)" = 429 &&
	contains page "Too many requests" &&
	test -z "$(state rl6@example.org)" &&
	test "$(post "$BASE/" form.en -H "X-Forwarded-For: 192.0.2.51" \
		-d email=rl6@example.org -d lang=en -d schedule=hourly)" = 200
'

test_expect_success 'the next digest arrives, with its view and preferences links' '
	item lyon l1 &&
	item eco e1 &&
	at 2026-11-27T06:00:00Z -q fetch --all &&
	at 2026-11-27T06:31:00Z -q run &&
	m=$(mail_to marie@example.org) &&
	part "$m" text/plain >digest1.txt &&
	contains digest1.txt "1 nouvel article" &&
	contains digest1.txt "Article l1" &&
	lacks digest1.txt "Article e1" &&
	link "$m" v >url.view &&
	link "$m" p >url.prefs &&
	test -s url.view && test -s url.prefs &&
	part "$m" text/html >digest1.html &&
	contains digest1.html "$(cat url.view)" &&
	contains digest1.html "$(cat url.prefs)"
'

test_expect_success 'view in a browser: the digest as sent, no script, no remote load' '
	test "$(get "$(cat url.view)")" = 200 &&
	tr -d "\r" <page >page.lf &&
	cmp page.lf digest1.html &&
	contains h "Content-Security-Policy: default-src '"'"'none'"'"'; style-src '"'"'unsafe-inline'"'"'; img-src data:" &&
	contains h "Cache-Control: no-store" &&
	url=$(cat url.view) &&
	test "$(get "${url%?????}aaaaa")" = 404
'

test_expect_success 'preferences: what was chosen, in their language' '
	test "$(get "$(cat url.prefs)" -H "Accept-Language: en")" = 200 &&
	contains page "<html lang=\"fr\">" &&
	contains page "Vos préférences" &&
	contains page "marie@example.org" &&
	contains page "value=\"Lyon\" checked" &&
	lacks page "value=\"Économie\" checked" &&
	contains page "id=\"time\" name=\"time\" value=\"07:30\"" &&
	contains page "<option value=\"daily\" selected>" &&
	contains page "id=\"unsubscribe\"" &&
	lacks page "id=\"email\""
'

test_expect_success 'preferences: errors beside the field, nothing changed' '
	cp page prefs.page &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=save -d lang=fr \
		-d schedule=daily -d time=07:30 -d timezone=Nowhere/Atlantis)" = 400 &&
	contains page "id=\"timezone-error\"" &&
	contains page "Fuseau horaire inconnu" &&
	contains page "value=\"Nowhere/Atlantis\"" &&
	test "$(sql "SELECT timezone FROM subscribers WHERE email = ?" marie@example.org)" = Europe/Paris
'

test_expect_success 'preferences: tags and language changed, the next digest follows' '
	test "$(post "$(cat url.prefs)" prefs.page -d action=save -d lang=en \
		-d schedule=daily -d time=07:30 -d timezone=Europe/Paris \
		--data-urlencode "tag=Économie")" = 200 &&
	contains page "<html lang=\"en\">" &&
	contains page "id=\"notice\">Saved" &&
	contains page "value=\"Économie\" checked" &&
	test "$(sql "SELECT lang FROM subscribers WHERE email = ?" marie@example.org)" = en &&
	item lyon l2 &&
	item eco e2 &&
	at 2026-11-28T06:00:00Z -q fetch --all &&
	at 2026-11-28T06:31:00Z -q run &&
	m=$(mail_to marie@example.org) &&
	part "$m" text/plain >digest2.txt &&
	contains digest2.txt "2 new articles" &&
	contains digest2.txt "Article e2" &&
	lacks digest2.txt "Article l2"
'

test_expect_success 'a sent digest stays viewable for keep_days, then 404' '
	at 2026-11-30T06:00:00Z -q run &&
	test "$(get "$(cat url.view)")" = 200 &&
	tr -d "\r" <page >page.lf &&
	cmp page.lf digest1.html &&
	at 2027-03-01T06:00:00Z -q run &&
	test "$(get "$(cat url.view)" -H "Accept-Language: en")" = 404 &&
	contains page "Digest no longer kept" &&
	test "$(get "$(cat url.prefs)")" = 200
'

test_expect_success 'pause until a date, then resume' '
	get "$(cat url.prefs)" >/dev/null && cp page prefs.page &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=pause \
		-d until=yesterday)" = 400 &&
	contains page "id=\"until-error\"" &&
	test "$(state marie@example.org)" = active &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=pause \
		-d until=2027-01-10)" = 200 &&
	contains page "id=\"notice\">Paused" &&
	contains page "id=\"resume\"" &&
	test "$(state marie@example.org)" = paused &&
	test "$(sql "SELECT paused_until FROM subscribers WHERE email = ?" marie@example.org)" = \
		"$(date -u -d 2027-01-09T23:00:00Z +%s)" &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=resume)" = 200 &&
	contains page "id=\"notice\">Resumed" &&
	test "$(state marie@example.org)" = active &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=pause)" = 200 &&
	test "$(state marie@example.org)" = paused &&
	test "$(post "$(cat url.prefs)" prefs.page -d action=resume)" = 200 &&
	test "$(state marie@example.org)" = active
'

test_expect_success 'unsubscribe from the preferences, then come back' '
	get "$(cat url.prefs)" >/dev/null &&
	u=$(sed -n "s|.*action=\"\\(/u/[a-z0-9]*\\)\".*|\\1|p" page) &&
	test -n "$u" &&
	test "$(curl -s -o page -w "%{http_code}" \
		-d List-Unsubscribe=One-Click "$BASE$u")" = 200 &&
	test "$(state marie@example.org)" = unsubscribed &&
	# the old confirmation link, POSTed again, brings nobody back
	test "$(post "$(cat url.confirm)" confirm.page)" = 404 &&
	test "$(state marie@example.org)" = unsubscribed &&
	test "$(sql "SELECT count(*) FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = ?" marie@example.org)" = 1 &&
	test "$(get "$(cat url.prefs)")" = 200 &&
	contains page "Unsubscribed" &&
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-d email=marie@example.org -d lang=fr \
		-d schedule=daily -d time=07:30)" = 200 &&
	cmp page sent.marie &&
	test "$(state marie@example.org)" = unsubscribed &&
	test "$(confirms marie@example.org)" = 1 &&
	# an hour later, as far as the outbox can tell
	sql "UPDATE outbox SET slot = ?, message_id = ? || message_id
	     WHERE kind = ? AND slot LIKE ?" \
		"marie@example.org@earlier" "earlier." confirm \
		"marie@example.org@%" &&
	test "$(post "$BASE/" form.fr -H "Accept-Language: fr" \
		-d email=marie@example.org -d lang=fr \
		-d schedule=daily -d time=07:30)" = 200 &&
	wait_for 60 has_mails_to marie@example.org 4 &&
	link "$(mail_to marie@example.org)" c >url.back &&
	get "$(cat url.back)" >/dev/null && cp page confirm.back &&
	test "$(post "$(cat url.back)" confirm.back)" = 200 &&
	# in the language they had chosen: the form (lang=fr) changed nothing
	contains page "Subscription confirmed" &&
	test "$(state marie@example.org)" = active &&
	test "$(sql "SELECT lang FROM subscribers WHERE email = ?" marie@example.org)" = en &&
	test "$(sql "SELECT count(*) FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = ?" marie@example.org)" = 2
'

# confirmed SLOT: the status of the confirmation mail of slot SLOT%
confirmed() {
	sql "SELECT status FROM outbox WHERE kind = ? AND slot LIKE ?" \
		confirm "$1%"
}
is_sent() {
	test "$(confirmed "$1")" = sent
}
# held_mails_to ADDR: how many mails the held sink got for ADDR
held_mails_to() {
	grep -l "\"$1\"" held/*.json 2>/dev/null | wc -l
}

test_expect_success 'a confirmation queued while send delivers: mailed once' '
	item lyon l3 &&
	item eco e3 &&
	at 2026-12-01T08:00:00Z -q fetch --all &&
	sed "s/^port = .*/port = $HELD_SMTP_PORT/" "$FEEDMAIL_CONFIG" \
		>held.conf || return 1
	at 2026-12-01T08:05:00Z -q -c held.conf send >held.out 2>&1 &
	sender=$!
	test_kill_at_end $sender &&
	wait_for 60 grep -q "^hold 1" held/log &&
	test "$(post "$BASE/" form.en -H "X-Forwarded-For: 192.0.2.60" \
		-d email=late@example.org -d lang=en -d schedule=hourly)" = 200 &&
	if [ "$TEST_STORE" = pg ]; then
		# the run lock is shared: serve sends beside the held send
		wait_for 60 has_mails_to late@example.org 1 &&
		alive $sender || return 1
	fi
	touch gate &&
	{ wait $sender || { cat held.out; false; }; } &&
	wait_for 60 is_sent late@example.org &&
	test "$(($(mails_to late@example.org) + $(held_mails_to late@example.org)))" = 1
'

test_expect_success 'SIGTERM: serve and its courier stop, exit 0' '
	kill -TERM "$serve_pid" &&
	wait_for 60 test -s serve.status &&
	test "$(cat serve.status)" = 0
'

test_done
