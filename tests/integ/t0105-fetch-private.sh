#!/bin/sh
# What a feed can make feedmail reach: no connection to a loopback, private
# or link-local address unless the feed's own URL names one (the
# administrator chose it) or [fetch] allow_private = yes; checked on the
# address connected to, so a public name that resolves to 127.0.0.1 or a
# redirect to one in any spelling is refused, and never moves the feed.
#
# Two servers on 127.0.0.1: INTERNAL_URL plays a service on the local
# network; the other, PUBLIC_PORT, plays a public site, counted as public
# through the test hook FEEDMAIL_TEST_PUBLIC. FEEDMAIL_RESOLVE gives names
# that resolve to 127.0.0.1 without /etc/hosts.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www
cp "$FIXTURES"/fetch/feed.xml www/
start_http || exit 1
INTERNAL_URL=$HTTP_URL
INTERNAL_PORT=$HTTP_PORT
start_http || exit 1
PUBLIC_PORT=$HTTP_PORT
PUBLIC_URL=http://news.example.test:$PUBLIC_PORT
FEEDMAIL_RESOLVE=news.example.test:$PUBLIC_PORT:127.0.0.1
FEEDMAIL_RESOLVE=$FEEDMAIL_RESOLVE,intranet.example.test:$INTERNAL_PORT:127.0.0.1
FEEDMAIL_TEST_PUBLIC=127.0.0.1:$PUBLIC_PORT
# the names must never go to a proxy the environment may name
no_proxy=$no_proxy,.example.test
NO_PROXY=$no_proxy
export FEEDMAIL_RESOLVE FEEDMAIL_TEST_PUBLIC no_proxy NO_PROXY
cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[fetch]
connect_timeout = 10
timeout = 60
CONF

HINT="(set [fetch] allow_private = yes to allow)"

# how many requests the servers answered for PATH
served() {
	awk -v p="$1" '$2 == p' "$HTTP_LOG" | wc -l
}

feed_field() {
	feedmail list --json | "$PYTHON3" -c "
import json, sys
f = [f for f in json.load(sys.stdin) if f['id'] == $1][0]
v = f['$2']
print('null' if v is None else v)"
}

entries_of() {
	store_sql default "SELECT count(*) FROM entries WHERE feed_id = $1"
}

# add URL: adds the feed, prints its id
add() {
	feedmail add "$1" >add.out &&
	sed -n "s/^added feed \([0-9]*\):.*/\1/p" add.out
}

test_expect_success 'a public name that resolves to 127.0.0.1 is refused' '
	id=$(add "http://intranet.example.test:$INTERNAL_PORT/feed.xml") &&
	expect_code 65 feedmail fetch $id >out 2>err &&
	contains err "private_address: refused to connect to 127.0.0.1: a loopback address $HINT" &&
	contains out "1 failed" &&
	test "$(served /feed.xml)" = 0 &&
	test "$(entries_of $id)" = 0 &&
	feedmail list >list &&
	contains list "failing (1 in a row): private_address"
'

test_expect_success 'allow_private = yes lets every feed through' '
	cp "$FEEDMAIL_CONFIG" strict.conf &&
	printf "allow_private = yes\n" >>"$FEEDMAIL_CONFIG" &&
	feedmail fetch 1 >out &&
	contains out "3 new entries" &&
	test "$(served /feed.xml)" = 1 &&
	cp strict.conf "$FEEDMAIL_CONFIG"
'

test_expect_success 'a feed added with a loopback address or name may reach it' '
	for host in 127.0.0.1 0x7f000001 2130706433 localhost feeds.localhost; do
		id=$(add "http://$host:$INTERNAL_PORT/feed.xml?$host") &&
		feedmail fetch $id >out &&
		contains out "1 fetched" || exit 1
	done
'

test_expect_success 'a public feed is fetched' '
	id=$(add "$PUBLIC_URL/feed.xml") &&
	feedmail fetch $id >out &&
	contains out "3 new entries"
'

test_expect_success 'a public feed that redirects to 127.0.0.1 is refused' '
	id=$(add "$PUBLIC_URL/to?url=$INTERNAL_URL/etag/feed.xml") &&
	expect_code 65 feedmail fetch $id 2>err &&
	contains err "refused to connect to 127.0.0.1: a loopback address $HINT" &&
	test "$(served /to?url=$INTERNAL_URL/etag/feed.xml)" = 1 &&
	test "$(served /etag/feed.xml)" = 0 &&
	test "$(entries_of $id)" = 0
'

test_expect_success 'every spelling of 127.0.0.1 as a redirect target is refused' '
	for target in "http://0x7f000001:$INTERNAL_PORT" \
		"http://2130706433:$INTERNAL_PORT" \
		"http://127.1:$INTERNAL_PORT" \
		"http://0177.0.0.1:$INTERNAL_PORT" \
		"http://intranet.example.test:$INTERNAL_PORT"; do
		expect_code 69 feedmail parse "$PUBLIC_URL/to?url=$target/lastmod/feed.xml" 2>err &&
		contains err "refused to connect to 127.0.0.1: a loopback address" || exit 1
	done &&
	# ::1 or 127.0.0.1, whichever libcurl tries last
	expect_code 69 feedmail parse "$PUBLIC_URL/to?url=http://localhost:$INTERNAL_PORT/lastmod/feed.xml" 2>err &&
	contains err ": a loopback address $HINT" &&
	expect_code 69 feedmail parse "$PUBLIC_URL/to?url=http://[::ffff:127.0.0.1]:$INTERNAL_PORT/lastmod/feed.xml" 2>err &&
	contains err "refused to connect to ::ffff:127.0.0.1: a loopback address" &&
	test "$(served /lastmod/feed.xml)" = 0
'

test_expect_success 'private, link-local and other targets too, before any connection' '
	while read -r addr words; do
		expect_code 69 feedmail parse "$PUBLIC_URL/to?url=http://$addr/latest/meta-data/" 2>err &&
		contains err "refused to connect to $addr: $words $HINT" || exit 1
	done <<-EOF
	10.1.2.3 a private address
	172.16.0.1 a private address
	192.168.0.1 a private address
	169.254.169.254 a link-local address
	100.64.0.1 a shared (carrier-grade NAT) address
	0.0.0.0 an unspecified address
	224.0.0.1 a multicast address
	255.255.255.255 the broadcast address
	EOF
'

test_expect_success 'a 301 to 127.0.0.1 on 3 fetches in a row never moves the feed' '
	path="/to?code=301&url=$INTERNAL_URL/gzip/feed.xml" &&
	id=$(add "$PUBLIC_URL$path") &&
	for i in 1 2 3 4; do
		expect_code 65 feedmail fetch $id 2>err || exit 1
	done &&
	contains err "private_address" &&
	test "$(served "$path")" = 4 &&
	test "$(served /gzip/feed.xml)" = 0 &&
	test "$(feed_field $id url)" = "$PUBLIC_URL$path" &&
	test "$(feed_field $id failures)" = 4
'

test_expect_success 'a connection an allowed feed left in the pool is not reused' '
	# the public feed redirects only once the allowed one has been
	# served, so that its connection to the internal server is open and
	# idle in the pool when the redirect is followed
	allowed=$(add "$INTERNAL_URL/cache/feed.xml") &&
	path="/wait/to?for=GET%20/cache/feed.xml%20200&url=$INTERNAL_URL/deflate/feed.xml" &&
	public=$(add "$PUBLIC_URL$path") &&
	expect_code 65 feedmail fetch $allowed $public >out 2>err &&
	contains out "1 fetched" &&
	contains err "refused to connect to 127.0.0.1: a loopback address" &&
	test "$(served /cache/feed.xml)" = 1 &&
	test "$(served /deflate/feed.xml)" = 0
'

test_expect_success 'fetch URL and parse URL: the URL given is the one chosen' '
	expect_code 69 feedmail fetch "http://intranet.example.test:$INTERNAL_PORT/feed.xml?once" 2>err &&
	contains err "refused to connect to 127.0.0.1" &&
	feedmail parse "$INTERNAL_URL/to?url=http://intranet.example.test:$INTERNAL_PORT/feed.xml?redirected" >out &&
	contains out "Fetch test feed" &&
	test "$(served /feed.xml?redirected)" = 1
'

test_done
