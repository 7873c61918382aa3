#!/bin/sh
# feedmail daemon wakes [fetch] lead_time before a digest slot to fetch
# the feeds the slot needs, whatever their polling interval says, so the
# digest it sends at the slot carries what they published meanwhile. The
# test clock runs 120 times too fast (two clock minutes a real second).
. "$TEST_SRCDIR/tests/lib.sh"

start_http || exit 1
mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/feed.xml
cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[fetch]
max_interval = 2880
lead_time = 15
[digest]
transport = maildir
path = $TEST_DIR/mail
timezone = UTC
time = 07:00
CONF

test_expect_success 'set up: a subscriber at 07:00, a feed fresh for 12 hours' '
	at 2026-11-26T06:00:00Z -q subscriber add a@example.org &&
	at 2026-11-26T06:00:00Z -q add "$HTTP_URL/cache/feed.xml?max-age=43200" &&
	at 2026-11-26T06:30:00Z -q run &&
	test "$(requests cache/feed.xml)" = 1 &&
	item="<item><title>Early</title><guid>early</guid></item>" &&
	sed -i "s|</description>|</description>$item|" www/feed.xml
'

# 06:40: nothing is due; the next cycle is at 06:45, the slot less
# lead_time, 2.5 real seconds later, then at the slot
background env FEEDMAIL_NOW=2026-11-26T06:40:00Z FEEDMAIL_CLOCK_SPEED=120 \
	"$FEEDMAIL" -v daemon 2>daemon.err

test_expect_success 'the 07:00 digest has the new item, fetched once before the slot' '
	wait_for 300 has_mails 1 &&
	test "$(requests cache/feed.xml)" = 2 &&
	cat mail/new/* >digest &&
	contains digest Early &&
	feedmail list --json >feeds.json &&
	"$PYTHON3" -c "
import json
f = json.load(open(\"feeds.json\"))[0]
# in the cycle of 06:45, not in the one of 07:00 that built the digest
assert \"2026-11-26T06:45:00Z\" <= f[\"last_fetch\"] < \"2026-11-26T07:00:00Z\", f
"
'

test_done
