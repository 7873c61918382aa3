#!/bin/sh
# feedmail digest: previews a digest in each format and records nothing.
. "$TEST_SRCDIR/tests/lib.sh"

cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
transport = maildir
path = $TEST_DIR/maildir
language = fr
CONF
at 2026-11-26T06:00:00Z -q subscriber add a@example.org --lang en &&
at 2026-11-26T06:00:00Z -q add "$FIXTURES/fetch/feed.xml" &&
at 2026-11-26T07:00:00Z -q fetch || exit 1

test_expect_success 'text preview in the subscriber language' '
	at 2026-11-26T08:00:00Z digest >out &&
	contains out "3 new articles" &&
	contains out "1. Third" &&
	contains out "   Three." &&
	contains out "https://news.example/3"
'

test_expect_success 'html preview is a page; eml a whole message' '
	at 2026-11-26T08:00:00Z digest --format html >out.html &&
	head -n 1 out.html | grep -q "^<!DOCTYPE html>" &&
	contains out.html "Your digest for Thursday 26 November 2026" &&
	at 2026-11-26T08:00:00Z digest --format eml >out.eml &&
	grep -q "^Message-ID: <" out.eml &&
	grep -q "^Content-Type: multipart/alternative" out.eml
'

test_expect_success 'a preview records nothing: send still sends it all' '
	at 2026-11-26T08:00:00Z send >out &&
	contains out "1 digest built; 1 sent" &&
	test "$(ls maildir/new | wc -l)" = 1
'

test_expect_success 'after sending: nothing new, but --since shows them' '
	at 2026-11-26T08:30:00Z digest 2>err >out &&
	test ! -s out &&
	contains err "nothing to send" &&
	contains err "no new entry" &&
	at 2026-11-26T08:30:00Z digest --since 2h >out &&
	contains out "3 new articles"
'

test_expect_success 'keyword filters: whole words, case and accents aside' '
	printf "[store]\n%s\n" "$(store_conf words)" >words.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/words.conf &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/fetch/feed.xml" &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/send/hostile.xml" &&
	at 2026-11-26T06:00:00Z -q subscriber add only@example.org --include SECOND --include ete &&
	at 2026-11-26T06:00:00Z -q subscriber add not@example.org --exclude third &&
	at 2026-11-26T06:00:00Z -q subscriber add part@example.org --include ir &&
	at 2026-11-26T07:30:00Z -q fetch --all &&
	at 2026-11-26T08:00:00Z digest --to only@example.org >out &&
	contains out "Second" && contains out "Éloge de l" &&
	lacks out "First" && lacks out "Third" && lacks out "Réunion" &&
	at 2026-11-26T08:00:00Z digest --to not@example.org >out &&
	contains out "First" && contains out "Second" && lacks out "Third" &&
	at 2026-11-26T08:00:00Z digest --to part@example.org >out 2>err &&
	test ! -s out &&
	feedmail subscriber list --json >s.json &&
	"$PYTHON3" -c "
import json
s = {x[\"email\"]: x for x in json.load(open(\"s.json\"))}
assert s[\"only@example.org\"][\"include\"] == [\"SECOND\", \"ete\"], s
assert s[\"not@example.org\"][\"exclude\"] == [\"third\"], s
"
'

test_expect_success 'articles grouped by tag, then feed, newest first' '
	printf "[store]\n%s\n[digest]\nlanguage = en\n" "$(store_conf groups)" >groups.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/groups.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add g@example.org &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/fetch/feed.xml" --tag Zeta &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/send/echo.xml" --tag Alpha &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/fetch/no-guid.xml" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T08:00:00Z digest >out &&
	contains out "feedmail: 7 new articles from 3 sources" &&
	grep -n "^== \|^-- [^ ]" out >headings &&
	cut -d: -f2- headings >order &&
	printf "== Alpha ==\n-- Echo --\n== Zeta ==\n-- Fetch test feed --\n== Other news ==\n-- No guids --\n" >want &&
	diff want order &&
	grep -A1 "^-- Fetch test feed --" out | tail -n 1 | grep -q "^$" &&
	grep "Only in Echo\|Second!" out | head -n 1 | grep -q "Only in Echo"
'

test_expect_success 'tags route feeds to several subscribers; no backlog for a newcomer' '
	printf "[store]\n%s\n[digest]\nlanguage = en\n" "$(store_conf route)" >route.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/route.conf &&
	cp "$FIXTURES/fetch/feed.xml" route-tech.xml &&
	at 2026-11-26T06:00:00Z -q add "$TEST_DIR/route-tech.xml" --tag tech &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/send/hostile.xml" --tag eco &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/fetch/no-guid.xml" &&
	at 2026-11-26T06:00:00Z -q subscriber add tech@example.org --tag tech &&
	at 2026-11-26T06:00:00Z -q subscriber add eco@example.org --tag ECO &&
	at 2026-11-26T06:00:00Z -q subscriber add both@example.org --tag tech --tag eco &&
	at 2026-11-26T06:00:00Z -q subscriber add all@example.org &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T07:30:00Z -q subscriber add late@example.org &&
	for who in tech eco both all late; do
		at 2026-11-26T08:00:00Z digest --to $who@example.org >$who.out 2>$who.err || return 1
	done &&
	contains tech.out "3 new articles" && contains tech.out "Fetch test feed" &&
	lacks tech.out "Hostile" && lacks tech.out "No guids" &&
	contains eco.out "2 new articles" && contains eco.out "Hostile" &&
	lacks eco.out "Fetch test feed" &&
	contains both.out "5 new articles from 2 sources" && lacks both.out "No guids" &&
	contains all.out "8 new articles from 3 sources" &&
	test ! -s late.out && contains late.err "nothing to send" &&
	sed "s|<guid>news-1</guid>|<guid>news-4</guid>|; s|<title>First</title>|<title>Fourth</title>|" \
		"$FIXTURES/fetch/feed.xml" >route-tech.xml &&
	at 2026-11-26T09:00:00Z -q fetch --all &&
	at 2026-11-26T09:30:00Z digest --to late@example.org >late.out &&
	contains late.out "1 new article" && contains late.out "Fourth" &&
	lacks late.out "Second"
'

test_expect_success 'a merged story names feeds whose titles contain each other' '
	printf "[store]\n%s\n[digest]\nlanguage = en\n" "$(store_conf merge)" >merge.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/merge.conf &&
	at 2026-11-26T05:00:00Z -q subscriber add m@example.org &&
	for feed in "AI Weekly:02" "AI:01" "Main:03"; do
		title=${feed%:*} hour=${feed#*:} &&
		file=$(echo "$title" | tr " " _).xml &&
		printf "<rss version=\"2.0\"><channel><title>%s</title><item><title>Same story</title><link>https://news.example/story</link><guid>%s</guid><pubDate>Thu, 26 Nov 2026 %s:00:00 +0000</pubDate></item></channel></rss>\n" \
			"$title" "$file" "$hour" >"$file" &&
		at 2026-11-26T05:00:00Z -q add "$TEST_DIR/$file" || return 1
	done &&
	at 2026-11-26T06:00:00Z -q fetch &&
	at 2026-11-26T08:00:00Z digest >out &&
	contains out "1 new article" &&
	contains out "   Main, " &&
	contains out "also in: AI Weekly, AI"
'

# tests/fixtures/send/controls.json: titles with U+202E, ANSI colours, DEL
# and C1, links with %0D%0A, a raw CR LF, a tab and a space, one that is no
# web link once its line break is gone.
test_expect_success 'control characters: none reaches a digest or a terminal' '
	printf "[store]\n%s\n[digest]\nlanguage = en\n" "$(store_conf ctl)" >ctl.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/ctl.conf &&
	at 2026-11-26T06:00:00Z -q subscriber add c@example.org \
		--name "$(printf "Eve \342\200\256gpj.exe\033[31m")" &&
	at 2026-11-26T06:00:00Z -q add "$FIXTURES/send/controls.json" &&
	at 2026-11-26T07:00:00Z -q fetch &&
	at 2026-11-26T08:00:00Z digest >ctl.txt &&
	at 2026-11-26T08:00:00Z digest --format html >ctl.html &&
	at 2026-11-26T08:00:00Z digest --format eml >ctl.eml &&
	feedmail list >ctl.list &&
	feedmail status >ctl.status &&
	feedmail subscriber list >ctl.subs &&
	feedmail parse "$FIXTURES/send/controls.json" >ctl.parse &&
	"$PYTHON3" - <<-EOF
	import email, email.policy
	bad = ["\x1b", "\r", "\t", "\x7f", "\x85", "\x9b", "\u202e", "\u2066"]
	def clean(name, text):
	    for c in bad:
	        assert c not in text, (name, repr(c), text)
	for name in ["ctl.txt", "ctl.html", "ctl.list", "ctl.status", "ctl.subs", "ctl.parse"]:
	    clean(name, open(name, encoding="utf-8", newline="").read())
	text = open("ctl.txt", encoding="utf-8").read()
	html = open("ctl.html", encoding="utf-8").read()
	for t in (text, html):
	    assert "evil Red title" in t and "Raw Break" in t, t
	    assert "Ctrl Feed  News" in t, t
	    # links percent-encoded, or dropped when no web link is left
	    assert "https://ctrl.example/a%0D%0Ab" in t, t
	    assert "https://ctrl.example/raw%0D%0AX-Injected:%201" in t, t
	    assert "https://ctrl.example/t%09ab%20c" in t, t
	    assert "script" not in t, t
	assert not any(l.startswith("X-Injected") for l in text.splitlines()), text
	assert "href=\"https://ctrl.example/raw%0D%0AX-Injected:%201\"" in html, html
	m = email.message_from_bytes(open("ctl.eml", "rb").read(), policy=email.policy.default)
	to, = m["To"].addresses
	assert (to.display_name, to.addr_spec) == ("Eve gpj.exe", "c@example.org"), str(m["To"])
	for part in ("plain", "html"):
	    # the line breaks of the mail are CRLF; any other CR is bad
	    clean(part, m.get_body((part,)).get_content().replace("\r\n", "\n"))
	for name in ["ctl.list", "ctl.status"]:
	    assert "   1  Ctrl Feed  News" in open(name, encoding="utf-8").read(), name
	assert "evil Red title" in open("ctl.parse", encoding="utf-8").read()
	assert "(Eve gpj.exe)" in open("ctl.subs", encoding="utf-8").read()
	EOF
'

test_expect_success 'parse --json still gives the titles and links as the feed had them' '
	feedmail parse "$FIXTURES/send/controls.json" --json >ctl.json &&
	"$PYTHON3" - <<-EOF
	import json
	f = json.load(open("ctl.json"))
	assert f["title"] == "Ctrl\x1b[1m Feed\u202e \x85News", repr(f["title"])
	e = {x["id"]: x for x in f["entries"]}
	assert e["c1"]["title"] == "\u202eevil \x1b[31mRed\x1b[0m title\u2066", repr(e["c1"]["title"])
	assert e["c2"]["link"] == "https://ctrl.example/raw\r\nX-Injected: 1", repr(e["c2"]["link"])
	EOF
'

test_expect_success 'a tag with a line break or another control character is refused' '
	printf "[store]\n%s\n" "$(store_conf tags)" >tags.conf &&
	export FEEDMAIL_CONFIG=$TEST_DIR/tags.conf &&
	expect_code 64 feedmail add "$FIXTURES/fetch/feed.xml" --tag "$(printf "a\nb")" 2>err &&
	contains err "a tag cannot contain line breaks, tabs or other control or formatting characters" &&
	expect_code 64 feedmail add "$FIXTURES/fetch/feed.xml" --tag "$(printf "a\033[31m")" 2>err &&
	contains err "a tag cannot contain" &&
	expect_code 64 feedmail subscriber add t@example.org --tag "$(printf "a\tb")" 2>err &&
	contains err "a tag cannot contain line breaks" &&
	expect_code 64 feedmail subscriber add t@example.org --tag "$(printf "x\342\200\256y")" 2>err &&
	contains err "a tag cannot contain" &&
	feedmail list >list &&
	test ! -s list &&
	feedmail subscriber list >subs &&
	test ! -s subs &&
	feedmail -q add "$FIXTURES/fetch/feed.xml" --tag "Économie & société" &&
	feedmail list >list &&
	contains list "tags: Économie & société"
'

test_expect_success 'bad arguments: exit 64; an unknown subscriber: 65' '
	expect_code 64 feedmail digest --format pdf 2>err &&
	contains err "use text, html or eml" &&
	expect_code 64 feedmail digest --since soon 2>err &&
	expect_code 65 feedmail digest --to nobody@example.org 2>err &&
	contains err "no subscriber"
'

test_done
