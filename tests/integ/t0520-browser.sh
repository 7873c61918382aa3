#!/bin/sh
# feedmail serve's pages in a real browser: Debian's headless Chromium
# driven through chromedriver by python3-selenium (tests/browser.py),
# against serve on loopback, with the mail caught by a real SMTP sink
# (tests/smtpd.py). A reader subscribes in French by filling the form,
# opens the confirmation link from the mail serve sent and presses its
# button, receives the next digest, follows its preferences link, changes
# tags and language there (the next digest follows them) and leaves with
# the page's button; another leaves through a digest's one-click link and
# its page's button (the next send leaves them out). Each page
# (subscribe, confirm, preferences, unsubscribe, a 404) is photographed at
# phone (390 px) and desktop (1280 px) width and checked as the digest's
# pictures are (tests/png_check.py: the size, not blank, text on it), the
# browser measuring that nothing is wider than the viewport (document
# scrollWidth <= innerWidth, the viewport being the phone's own width)
# and that the page loaded nothing from another site. serve runs with a
# fixed clock (FEEDMAIL_NOW); every wait is for a condition.
. "$TEST_SRCDIR/tests/lib.sh"

command -v curl >/dev/null || test_skip_all "curl is not installed"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
[ -x "$CHROMIUM" ] ||
	test_skip_all "no chromium (apt-get install chromium, or scripts/setup)"
[ -x "$CHROMEDRIVER" ] ||
	test_skip_all "no chromedriver (apt-get install chromium-driver)"
"$PYTHON3" -c "import selenium" 2>/dev/null ||
	test_skip_all "no selenium for $PYTHON3 (apt-get install python3-selenium)"
export CHROMIUM CHROMEDRIVER

mkdir -p www
start_http || exit 1
start_smtp || exit 1
WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT
# serve's clock
T0=2026-11-26T10:00:00Z
cat >"$FEEDMAIL_CONFIG" <<CONF
[store]
path = $TEST_DIR/feedmail.db
$(smtp_conf)
language = fr
timezone = Europe/Paris
[web]
base_url = $BASE/
listen = 127.0.0.1:$WEB_PORT
CONF

# item FEED GUID...: www/FEED.xml holds these items
item() {
	item_feed=$1
	shift
	{
		echo "<rss version=\"2.0\"><channel><title>$item_feed</title>"
		for i in "$@"; do
			echo "<item><guid>$i</guid><title>Article $i</title><link>https://example.org/$i</link><description>Texte de $i.</description></item>"
		done
		echo '</channel></rss>'
	} >"www/$item_feed.xml"
}

# state EMAIL: active, pending, paused or unsubscribed (subscriber list)
state() {
	feedmail subscriber list --json | "$PYTHON3" -c "
import json, sys
for s in json.load(sys.stdin):
    if s['email'] == sys.argv[1]:
        print(s['state'])" "$1"
}

# unsub_url ADDR: the one-click link of the newest digest ADDR got
unsub_url() {
	m=$(mail_to "$1") && test -n "$m" || return 1
	header "$m" List-Unsubscribe | grep -o "<$BASE/u/[a-z0-9]*>" |
		tr -d "<>" | head -n 1
}

# browse ACTION URL ARGS...: tests/browser.py, its report in ACTION.json
# (or --json's), its stderr in browser.err, shown when it fails
browse() {
	"$PYTHON3" "$TEST_SRCDIR/tests/browser.py" "$@" 2>browser.err ||
		{ cat browser.err >&2; return 1; }
}

# js FILE KEY: a value of a browser.py report
js() {
	"$PYTHON3" -c "
import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(json.dumps(v) if isinstance(v, list) else v)" "$1" "$2"
}

# page_ok JSON WIDTH LANG H1: the report says the page is in LANG, its
# <h1> holds H1, its viewport is WIDTH CSS pixels (a phone's width is its
# own: the page has its viewport meta tag), nothing overflows it, and
# everything it loaded came from $BASE
page_ok() {
	test "$(js "$1" inner_width)" = "$2" &&
	test "$(js "$1" scroll_width)" -le "$(js "$1" inner_width)" &&
	test "$(js "$1" lang)" = "$3" &&
	js "$1" h1 | grep -qF "$4" &&
	"$PYTHON3" -c "
import json, sys
bad = [u for u in json.load(open(sys.argv[1]))['loaded']
       if not u.startswith(sys.argv[2] + '/')]
sys.exit('loaded from elsewhere: %r' % bad if bad else 0)" "$1" "$BASE" ||
	{ cat "$1" >&2; return 1; }
}

# shots NAME URL LANG H1: NAME-390.png and NAME-1280.png of URL, each
# checked (png_check.py, page_ok), the browser asking for $LANGUAGES
# (Accept-Language); kept in $SHOTS_DIR when it is set
shots() {
	for w in 390 1280; do
		browse shot "$2" "$1-$w.png" --width "$w" --height 844 \
			--languages "${LANGUAGES:-fr-FR,fr}" \
			--json "$1-$w.json" >/dev/null &&
		"$PYTHON3" "$TEST_SRCDIR/tests/png_check.py" "$1-$w.png" \
			--size "${w}x844" --min-colours 16 --min-dark 2 &&
		page_ok "$1-$w.json" "$w" "$3" "$4" || return 1
		if [ -n "${SHOTS_DIR:-}" ]; then
			mkdir -p "$SHOTS_DIR" &&
			cp "$1-$w.png" "$SHOTS_DIR/" || return 1
		fi
	done
}

# start_serve: serve in the background, its log in serve.err
start_serve() {
	: >serve.err
	background env FEEDMAIL_NOW=$T0 "$FEEDMAIL" -v serve \
		2>>"$TEST_DIR/serve.err"
	serve_pid=$background_pid
	wait_for 60 serve_listening || { cat serve.err >&2; return 1; }
}
serve_listening() {
	grep -q "listening on" serve.err || ! kill -0 "$serve_pid" 2>/dev/null
}
test_log "$TEST_DIR/serve.err"

item lyon l0
item eco e0
at 2026-11-26T06:00:00Z -q subscriber add anne@example.org --lang fr &&
at 2026-11-26T06:00:00Z -q subscriber add bob@example.org --lang en &&
at 2026-11-26T06:00:00Z -q subscriber add chloe@example.org --lang fr &&
at 2026-11-26T06:00:00Z -q add "$HTTP_URL/lyon.xml" --tag Lyon &&
at 2026-11-26T06:00:00Z -q add "$HTTP_URL/eco.xml" --tag Économie || exit 1
start_serve || exit 1

test_expect_success 'the digests arrive, each with its one-click link' '
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:00:00Z -q send &&
	wait_for 60 has_mails_to chloe@example.org 1 &&
	for who in anne bob chloe; do
		unsub_url "$who@example.org" >"url.$who" &&
		test -s "url.$who" || return 1
	done
'

test_expect_success 'the unsubscribe page: phone and desktop, French' '
	shots unsubscribe "$(cat url.anne)" fr "Se désabonner" &&
	js unsubscribe-390.json text | grep -q "Me désabonner" &&
	test "$(state anne@example.org)" = active
'

test_expect_success 'the unsubscribe page in English for an English reader' '
	shots unsubscribe-en "$(cat url.bob)" en "Unsubscribe" &&
	test "$(state bob@example.org)" = active
'

test_expect_success 'a 404: phone and desktop, in the browser'"'"'s language' '
	shots not-found "$BASE/u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" fr \
		"Page introuvable" &&
	LANGUAGES=en-GB,en shots not-found-en "$BASE/nowhere" en \
		"Page not found"
'

test_expect_success 'the button unsubscribes, at once and only them' '
	browse press "$(cat url.anne)" --button "Me désabonner" \
		--expect "Désabonnement confirmé" --json pressed.json \
		>/dev/null &&
	test "$(js pressed.json url)" = "$(cat url.anne)" &&
	js pressed.json text | grep -q "Vous ne recevrez plus" &&
	test "$(state anne@example.org)" = unsubscribed &&
	test "$(state chloe@example.org)" = active
'

test_expect_success 'the page of one who left: phone and desktop' '
	shots unsubscribed "$(cat url.anne)" fr "Désabonnement confirmé"
'

test_expect_success 'the next digest goes to the others, not to them' '
	before=$(mails_to anne@example.org) &&
	item eco e0 e1 &&
	at 2026-11-27T07:00:00Z -q fetch --all &&
	at 2026-11-27T07:00:00Z -q send &&
	wait_for 60 has_mails_to chloe@example.org 2 &&
	test "$(mails_to bob@example.org)" -ge 2 &&
	test "$(mails_to anne@example.org)" = "$before"
'

test_expect_success 'the subscription form: phone and desktop, French' '
	shots subscribe "$BASE/" fr "S’abonner à la veille" &&
	js subscribe-390.json text | grep -q "Économie" &&
	LANGUAGES=en-GB,en shots subscribe-en "$BASE/subscribe" en \
		"Subscribe to the digest"
'

test_expect_success 'subscribe in French: the form filled and sent' '
	browse fill "$BASE/" email=denise@example.org "name=Denise Dupont" \
		lang=fr schedule=daily time=07:30 timezone=Europe/Paris \
		tag=Lyon --button "M’abonner" --expect "Consultez votre messagerie" \
		--json sent.json >/dev/null &&
	test "$(js sent.json lang)" = fr &&
	test "$(state denise@example.org)" = pending &&
	wait_for 60 has_mails_to denise@example.org 1 &&
	link "$(mail_to denise@example.org)" c >url.confirm &&
	test -s url.confirm
'

test_expect_success 'the confirmation page: phone and desktop, nothing confirmed' '
	shots confirm "$(cat url.confirm)" fr "Confirm" &&
	js confirm-390.json text | grep -q "denise@example.org" &&
	test "$(state denise@example.org)" = pending
'

test_expect_success 'its button confirms' '
	browse press "$(cat url.confirm)" --button "Je confirme" \
		--expect "Abonnement confirmé" --json confirmed.json >/dev/null &&
	test "$(state denise@example.org)" = active
'

test_expect_success 'the next digest: the tag chosen, a preferences link' '
	item lyon l0 l1 &&
	item eco e0 e1 e2 &&
	at 2026-11-28T06:00:00Z -q fetch --all &&
	at 2026-11-28T06:31:00Z -q run &&
	wait_for 60 has_mails_to denise@example.org 2 &&
	m=$(mail_to denise@example.org) &&
	part "$m" text/plain >digest1.txt &&
	contains digest1.txt "Article l1" &&
	lacks digest1.txt "Article e2" &&
	link "$m" p >url.prefs &&
	test -s url.prefs
'

test_expect_success 'the preferences page: phone and desktop' '
	shots preferences "$(cat url.prefs)" fr "Vos préférences" &&
	js preferences-390.json text | grep -q "denise@example.org"
'

test_expect_success 'preferences: tags and language changed, the next digest follows' '
	browse fill "$(cat url.prefs)" lang=en tag=-Lyon tag=Économie \
		--button Enregistrer --expect "Your preferences" \
		--json saved.json >/dev/null &&
	test "$(js saved.json lang)" = en &&
	js saved.json text | grep -q "^Saved" &&
	item lyon l0 l1 l2 &&
	item eco e0 e1 e2 e3 &&
	at 2026-11-29T06:00:00Z -q fetch --all &&
	at 2026-11-29T06:31:00Z -q run &&
	wait_for 60 has_mails_to denise@example.org 3 &&
	m=$(mail_to denise@example.org) &&
	part "$m" text/plain >digest2.txt &&
	contains digest2.txt "Article e3" &&
	lacks digest2.txt "Article l2" &&
	contains digest2.txt "new article"
'

test_expect_success 'unsubscribe from the preferences page' '
	browse press "$(cat url.prefs)" --button Unsubscribe \
		--expect Unsubscribed --json left.json >/dev/null &&
	test "$(js left.json lang)" = en &&
	test "$(state denise@example.org)" = unsubscribed
'

test_done
