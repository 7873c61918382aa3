#!/bin/sh
# feedmail run fetches, ahead of each digest slot, the feeds its
# subscribers read, whatever their polling interval says ([fetch]
# lead_time): the 07:00 digest carries what a feed that said it was fresh
# for twelve hours published at 21:00. Not before the lead time, once per
# slot, not the feeds only other subscribers read, and never against a
# server's Retry-After.
. "$TEST_SRCDIR/tests/lib.sh"

start_http || exit 1
# max_interval 2 days: left to their polling policy, the feeds (a few
# entries a week) are fetched every two days at most
write_config() {
	cat >"$FEEDMAIL_CONFIG" <<-CONF
	$(store_section default)
	[fetch]
	max_interval = 2880
	$1
	[digest]
	transport = maildir
	path = $TEST_DIR/mail
	timezone = UTC
	time = 07:00
	CONF
}
write_config ""

mkdir -p www
cp "$FIXTURES/fetch/feed.xml" www/news.xml
cp "$FIXTURES/fetch/feed.xml" www/sports.xml
sed "s|<channel>|<channel><ttl>720</ttl>|" "$FIXTURES/fetch/feed.xml" \
	>www/ttl.xml
# add_item FILE TITLE: a new item on top of www/FILE
add_item() {
	item="<item><title>$2</title><link>https://news.example/$2</link>"
	item="$item<guid>$2</guid></item>"
	sed -i "s|</description>|</description>$item|" "www/$1"
}
# requests PATH: how many times the server answered GET /PATH
# digests_to ADDRESS: the text of the digests sent to ADDRESS
digests_to() {
	"$PYTHON3" - "$1" <<-'EOF'
	import email, email.policy, os, sys
	for name in sorted(os.listdir("mail/new")):
	    with open(os.path.join("mail/new", name), "rb") as f:
	        msg = email.message_from_binary_file(f, policy=email.policy.default)
	    if sys.argv[1] in str(msg["To"]):
	        print(msg.get_body(("plain",)).get_content())
	EOF
}

test_expect_success 'set up at 19:00: subscribers of news at 07:00, sports at 18:00' '
	at 2026-11-25T19:00:00Z -q subscriber add news@example.org --tag news &&
	at 2026-11-25T19:00:00Z -q subscriber add sports@example.org \
		--tag sports --schedule daily@18:00 &&
	fresh="?max-age=43200" &&
	at 2026-11-25T19:00:00Z -q add "$HTTP_URL/cache/news.xml$fresh" --tag news &&
	at 2026-11-25T19:00:00Z -q add "$HTTP_URL/ttl.xml" --tag News &&
	at 2026-11-25T19:00:00Z -q add "$HTTP_URL/cache/sports.xml$fresh" \
		--tag sports &&
	at 2026-11-25T19:00:00Z -q add "$HTTP_URL/status/429?retry=43200" \
		--tag news
'

test_expect_success '20:00: every feed fetched once (fresh for 12 hours), no digest' '
	expect_code 75 at 2026-11-25T20:00:00Z -q run 2>err &&
	contains err "HTTP 429" &&
	test "$(requests cache/news.xml)" = 1 &&
	test "$(requests ttl.xml)" = 1 &&
	test "$(requests cache/sports.xml)" = 1 &&
	test "$(requests status/429)" = 1 &&
	test "$(mails)" = 0
'

test_expect_success '03:00, four hours before the slot: nothing fetched' '
	add_item news.xml Evening &&
	add_item ttl.xml Evening &&
	add_item sports.xml Evening &&
	at 2026-11-26T03:00:00Z -q run &&
	test "$(requests cache/news.xml)" = 1 &&
	test "$(requests ttl.xml)" = 1 &&
	test "$(requests cache/sports.xml)" = 1 &&
	test "$(mails)" = 0
'

test_expect_success '07:00: the news feeds are fetched first; the digest has 21:00 news' '
	at 2026-11-26T07:00:00Z -v run 2>err &&
	contains err "2 feeds due early: a digest slot needs them" &&
	test "$(requests cache/news.xml)" = 2 &&
	test "$(requests ttl.xml)" = 2 &&
	test "$(mails)" = 1 &&
	digests_to news@example.org >digest &&
	contains digest Evening
'

test_expect_success 'not the feeds only another slot needs, nor a server that said wait' '
	test "$(requests cache/sports.xml)" = 1 &&
	test "$(requests status/429)" = 1
'

test_expect_success 'a run again within the slot fetches nothing more' '
	at 2026-11-26T07:30:00Z -q run &&
	test "$(requests cache/news.xml)" = 2 &&
	test "$(requests ttl.xml)" = 2 &&
	test "$(mails)" = 1
'

test_expect_success '17:50, ten minutes before the sports slot: its feed only' '
	add_item sports.xml Afternoon &&
	expect_code 75 at 2026-11-26T17:50:00Z -q run 2>err &&
	test "$(requests cache/sports.xml)" = 2 &&
	test "$(requests cache/news.xml)" = 2 &&
	test "$(mails)" = 1
'

test_expect_success '18:00: the sports digest, with no second fetch' '
	at 2026-11-26T18:00:30Z -q run &&
	test "$(requests cache/sports.xml)" = 2 &&
	test "$(mails)" = 2 &&
	digests_to sports@example.org >digest &&
	contains digest Evening &&
	contains digest Afternoon
'

test_expect_success 'lead_time = 0: only what the polling policy says is due' '
	write_config "lead_time = 0" &&
	add_item news.xml Thursday &&
	expect_code 75 at 2026-11-27T07:00:30Z -q run 2>err &&
	test "$(requests cache/news.xml)" = 2 &&
	test "$(requests ttl.xml)" = 2 &&
	test "$(mails)" = 2
'

test_done
