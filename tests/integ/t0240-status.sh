#!/bin/sh
# feedmail status: per-feed health, flags, and the outbox, in text and JSON.
. "$TEST_SRCDIR/tests/lib.sh"

cp "$FIXTURES/fetch/feed.xml" good.xml
cp "$FIXTURES/fetch/feed.xml" gone.xml

test_expect_success 'set up: a good feed, one that breaks, a subscriber' '
	at 2026-11-01T08:00:00Z -q add "$TEST_DIR/good.xml" &&
	at 2026-11-01T08:00:00Z -q add "$TEST_DIR/gone.xml" &&
	at 2026-11-01T08:00:00Z -q subscriber add a@example.org &&
	at 2026-11-01T09:00:00Z -q fetch --all &&
	rm gone.xml &&
	for day in 02 03 04; do
		at 2026-11-${day}T09:00:00Z -q fetch --all 2>/dev/null
	done;
	true
'

test_expect_success 'text: a failing feed is flagged with its error' '
	at 2026-11-05T09:00:00Z status >out &&
	contains out "[FAILING]" &&
	contains out "3 failures in a row" &&
	contains out "1 subscriber;" &&
	contains out "1 feed needs a look"
'

test_expect_success 'JSON: the fields of the issue, times in RFC 3339 UTC' '
	at 2026-11-05T09:00:00Z status --json >s.json &&
	"$PYTHON3" - <<-EOF
	import json
	s = json.load(open("s.json"))
	assert s["subscribers"] == 1 and s["pending_digests"] == 0 and s["failed_digests"] == 0, s
	good, gone = s["feeds"]
	for k in ["id", "title", "url", "last_success", "last_new_entry", "entries_per_week", "failures", "last_error"]:
	    assert k in good, k
	assert good["last_success"] == "2026-11-04T09:00:00Z", good
	assert good["last_new_entry"] == "2026-11-01T09:00:00Z", good
	assert good["entries_per_week"] == 3 and good["failures"] == 0 and good["last_error"] is None, good
	assert gone["failures"] == 3 and gone["last_error"] == "client_error", gone
	assert gone["flags"] == ["failing"], gone
	EOF
'

test_expect_success 'a feed without a new entry for sick_days is flagged silent' '
	at 2026-11-20T09:00:00Z -q fetch 1 &&
	at 2026-11-20T09:00:00Z status --json >s.json &&
	"$PYTHON3" -c "
import json
good = json.load(open(\"s.json\"))[\"feeds\"][0]
assert good[\"flags\"] == [\"silent\"] and good[\"entries_per_week\"] == 0, good
" &&
	{ printf "[fetch]\nsick_days = 30\n" && store_section default; } >"$FEEDMAIL_CONFIG" &&
	at 2026-11-20T09:00:00Z status --json >s.json &&
	"$PYTHON3" -c "
import json
assert json.load(open(\"s.json\"))[\"feeds\"][0][\"flags\"] == []
"
'

test_done
