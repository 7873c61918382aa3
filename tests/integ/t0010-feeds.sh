#!/bin/sh
# Feed management: add, list, remove, import, export, against a real store.
. "$TEST_SRCDIR/tests/lib.sh"

test_expect_success 'add normalizes the URL and stores tags' '
	feedmail add "HTTP://WWW.Example.ORG:80/a/../feed.xml#top" --tag tech --tag lyon >out &&
	contains out "added feed 1: http://www.example.org/feed.xml" &&
	feedmail list >list &&
	contains list "http://www.example.org/feed.xml" &&
	contains list "tags: tech lyon" &&
	contains list "not fetched yet"
'

test_expect_success_sqlite 'the store is where XDG_DATA_HOME says' '
	test -f "$XDG_DATA_HOME/feedmail/feedmail.db"
'

test_expect_success 'a duplicate, even spelled differently, is refused' '
	expect_code 65 feedmail add http://www.example.org/feed.xml 2>err &&
	contains err "already subscribed (id 1)" &&
	expect_code 65 feedmail add "http://www.EXAMPLE.org/./feed.xml" 2>err
'

test_expect_success 'unsupported schemes are refused with a clear error' '
	expect_code 65 feedmail add ftp://example.org/feed 2>err &&
	contains err "ftp" &&
	expect_code 65 feedmail add "javascript:alert(1)" 2>err
'

test_expect_success 'an explicit local file is accepted' '
	echo "<rss/>" >local.xml &&
	feedmail add ./local.xml >out &&
	contains out "file://$TEST_DIR/local.xml"
'

test_expect_success 'list --json is valid JSON with the fields' '
	feedmail list --json >out.json &&
	"$PYTHON3" -c "
import json, sys
feeds = json.load(open(\"out.json\"))
assert len(feeds) == 2, feeds
f = feeds[0]
assert f[\"id\"] == 1 and f[\"url\"] == \"http://www.example.org/feed.xml\", f
assert f[\"tags\"] == [\"tech\", \"lyon\"], f
assert f[\"last_status\"] is None and f[\"failures\"] == 0, f
"
'

test_expect_success 'remove by URL, by id; unknown feed is an error' '
	feedmail add --title Two http://example.com/two >/dev/null &&
	feedmail remove http://example.com/two >out &&
	contains out "removed feed" &&
	# the id of the local file: 2 on SQLite; on PostgreSQL, ids may skip the
	# numbers of the adds refused above
	id=$(feedmail list --json | "$PYTHON3" -c "
import json, sys
print([f[\"id\"] for f in json.load(sys.stdin) if f[\"url\"].startswith(\"file:\")][0])") &&
	feedmail remove "$id" &&
	expect_code 65 feedmail remove 42 2>err &&
	contains err "no feed '"'42'"'" &&
	feedmail list --json >out.json &&
	test "$("$PYTHON3" -c "import json; print(len(json.load(open(\"out.json\"))))")" = 1
'

test_expect_success 'remove of several feeds is all or nothing' '
	expect_code 65 feedmail remove 1 999 2>err &&
	contains err "nothing removed" &&
	feedmail list | grep -q example.org
'

test_expect_success 'import nested OPML: tags from outlines, duplicates counted' '
	feedmail import "$FIXTURES/cli/nested.opml" >out &&
	cat out &&
	contains out "imported 5 feeds, skipped 0" &&
	feedmail import "$FIXTURES/cli/nested.opml" >out2 &&
	contains out2 "imported 0 feeds, skipped 5" &&
	feedmail list --json >out.json &&
	"$PYTHON3" -c "
import json
feeds = {f[\"url\"]: f for f in json.load(open(\"out.json\"))}
assert feeds[\"https://www.lyoncapitale.fr/feed/\"][\"tags\"] == [\"Presse\", \"Lyon\"]
assert feeds[\"https://www.lyoncapitale.fr/feed/\"][\"title\"] == \"Lyon Capitale\"
assert feeds[\"https://www.eco01.fr/feed\"][\"title\"] == \"Éco de l\\u0027Ain & co\"
assert feeds[\"http://example.org/feed.xml\"][\"tags\"] == []
"
'

test_expect_success 'malformed OPML gives the line, exit 65, imports nothing' '
	feedmail list --json >before &&
	expect_code 65 feedmail import "$FIXTURES/cli/malformed.opml" 2>err &&
	grep -q "malformed.opml:[0-9]*: " err &&
	feedmail list --json >after &&
	cmp before after
'

test_expect_success 'OPML cannot subscribe to local files' '
	feedmail list --json >before &&
	expect_code 65 feedmail import "$FIXTURES/cli/local-file.opml" 2>err &&
	contains err "file:///etc/passwd" &&
	contains err "nothing imported" &&
	feedmail list --json >after &&
	cmp before after
'

test_expect_success 'export re-imports identically' '
	feedmail export exported.opml &&
	feedmail export >stdout.opml &&
	cmp exported.opml stdout.opml &&
	feedmail list --json >orig.json &&
	feedmail -d "$(store_location other)" import exported.opml >/dev/null &&
	feedmail -d "$(store_location other)" export >again.opml &&
	cmp exported.opml again.opml &&
	feedmail -d "$(store_location other)" list --json >copy.json &&
	"$PYTHON3" -c "
import json
a = json.load(open(\"orig.json\")); b = json.load(open(\"copy.json\"))
key = lambda f: (f[\"url\"], f[\"title\"], f[\"tags\"])
assert sorted(map(key, a)) == sorted(map(key, b)), (a, b)
"
'

test_expect_success 'the sample OPML in etc/ imports' '
	feedmail -d "$(store_location sample)" import "$TEST_SRCDIR/etc/feeds.opml" >out &&
	grep -q "imported [1-9]" out &&
	feedmail -d "$(store_location sample)" list | grep -q lyoncapitale
'

test_done
