#!/bin/sh
# feedmail parse against the golden feeds in tests/fixtures/parse: each
# NAME.xml / NAME.json / NAME.html has NAME.expected.json (the --json
# output, compared as JSON) or NAME.expected.err (exit 65 and this text on
# stderr); NAME.headers, when present, is passed with --headers. The base
# URL is always http://example.test/feeds/FILE. crash-* files (inputs
# that once crashed fuzz_parse) need no expectation.
. "$TEST_SRCDIR/tests/lib.sh"

GOLDEN=$FIXTURES/parse

# same_json GOT WANT: equal as JSON values (key order does not matter).
same_json() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
want = json.load(open(sys.argv[2], encoding="utf-8"))
if got != want:
    for k in sorted(set(got) | set(want)):
        if k != "entries" and got.get(k) != want.get(k):
            print("feed.%s: got %r, want %r" % (k, got.get(k), want.get(k)))
    ge, we = got.get("entries", []), want.get("entries", [])
    if len(ge) != len(we):
        print("entries: got %d, want %d" % (len(ge), len(we)))
    for i, (g, w) in enumerate(zip(ge, we)):
        for k in sorted(set(g) | set(w)):
            if g.get(k) != w.get(k):
                print("entries[%d].%s: got %r, want %r"
                      % (i, k, g.get(k), w.get(k)))
    sys.exit(1)
PY
}

golden_one() {
	file=$1
	name=$(basename "$file")
	stem=${name%.*}
	set -- "$file" --json --base "http://example.test/feeds/$name"
	if [ -f "$GOLDEN/$stem.headers" ]; then
		set -- "$@" --headers "$GOLDEN/$stem.headers"
	fi
	if [ -f "$GOLDEN/$stem.expected.err" ]; then
		expect_code 65 feedmail parse "$@" >out 2>err &&
		contains err "$(cat "$GOLDEN/$stem.expected.err")" &&
		contains err "feedmail: $file:" &&
		test ! -s out
	else
		feedmail parse "$@" >out 2>err &&
		same_json out "$GOLDEN/$stem.expected.json"
	fi
}

for f in "$GOLDEN"/*; do
	case $f in
	*.expected.json|*.expected.err|*.headers) continue ;;
	*/crash-*)
		# found by fuzz_parse; replayed by t0390, golden if expected
		[ -f "${f%.*}.expected.json" ] || continue ;;
	esac
	test_expect_success "golden $(basename "$f")" "golden_one '$f'"
done

test_expect_success 'every fixture has an expectation' '
	for f in "$GOLDEN"/*.expected.*; do
		stem=$(basename "$f"); stem=${stem%.expected.*}
		ls "$GOLDEN/$stem".xml "$GOLDEN/$stem".json \
			"$GOLDEN/$stem".html 2>/dev/null | grep -q . || {
			echo "no feed for $f"; exit 1; }
	done
'

test_expect_success 'standard input, in one-byte writes, gives the same JSON' '
	"$PYTHON3" -c "
import sys, time
data = open(sys.argv[1], \"rb\").read()
for i in range(len(data)):
    sys.stdout.buffer.write(data[i:i + 1]); sys.stdout.flush()
" "$GOLDEN/atom10.xml" |
	feedmail parse - --json \
		--base http://example.test/feeds/atom10.xml >out &&
	same_json out "$GOLDEN/atom10.expected.json"
'

test_expect_success 'warnings go to stderr once per kind, with file and line' '
	feedmail parse "$GOLDEN/malformed-unclosed.xml" --json >out 2>err &&
	contains err "feedmail: $GOLDEN/malformed-unclosed.xml:8: warning:" &&
	contains err "warning: malformed XML" &&
	test "$(grep -c "warning: malformed" err)" -eq 1 &&
	feedmail parse "$GOLDEN/french-dates.xml" --json >out 2>err &&
	contains err "warning: unparseable date" &&
	contains err "Saint-Glinglin"
'

# Expanded, the entities would make gigabytes: the small output shows they
# were not. The wall time says nothing on a loaded machine; timeout(1) only
# stops a parser that would expand them anyway.
test_expect_success 'billion laughs is quick and small' '
	timeout 120 "$FEEDMAIL" parse "$GOLDEN/billion-laughs.xml" --json >out 2>err &&
	test "$(wc -c <out)" -lt 2000 &&
	lacks out "lollollol" &&
	lacks out "root:"
'

# make_feed N: an RSS feed of N items of about 1.9 kB each.
make_feed() {
	"$PYTHON3" - "$1" <<'PY'
import sys
out = sys.stdout
out.write('<rss version="2.0"><channel><title>big</title>')
item = ('<item><title>t%d</title><link>http://x/%d</link><description>'
        + 'lorem ipsum ' * 150 + '</description></item>')
for i in range(int(sys.argv[1])):
    out.write(item % (i, i))
out.write('</channel></rss>')
PY
}

# count_entries FILE: the number of entries in a --json output.
count_entries() {
	"$PYTHON3" -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["entries"]))' "$1"
}

# max_rss FILE: peak kB of parsing FILE (ASan's quarantine kept small so
# that a sanitizer build measures the parser, not the allocator).
max_rss() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" \
		/usr/bin/time -f "%M" -o rss "$FEEDMAIL" parse "$1" --json >out &&
	cat rss
}

test_expect_success 'a 20 MB feed parses in the memory of a 1 MB one' '
	# past the default max_size (exported in this test only)
	printf "[fetch]\nmax_size = 64M\n" >big.conf &&
	export FEEDMAIL_CONFIG="$TEST_DIR/big.conf" &&
	make_feed 500 >small.xml &&
	make_feed 12000 >big.xml &&
	test "$(wc -c <big.xml)" -gt 20000000 &&
	if [ -x /usr/bin/time ]; then
		small=$(max_rss small.xml) &&
		big=$(max_rss big.xml) &&
		echo "peak RSS: 1 MB feed $small kB, 20 MB feed $big kB" &&
		test $((big - small)) -lt 16384
	else
		feedmail parse big.xml --json >out
	fi &&
	test "$(count_entries out)" -eq 12000
'

# feed_of_size N: an RSS feed of exactly N bytes, padded with spaces.
feed_of_size() {
	"$PYTHON3" - "$1" <<'PY'
import sys
head = b'<rss version="2.0"><channel><title>cap</title>'
tail = b'</channel></rss>'
pad = b' ' * (int(sys.argv[1]) - len(head) - len(tail))
sys.stdout.buffer.write(head + pad + tail)
PY
}

test_expect_success 'a file is bounded as a fetch is: [fetch] max_size' '
	expect_code 65 timeout 60 "$FEEDMAIL" parse /dev/zero >out 2>err &&
	contains err "feedmail: /dev/zero: document larger than 16777216 bytes ([fetch] max_size)" &&
	expect_code 65 timeout 60 "$FEEDMAIL" parse - </dev/zero >out 2>err &&
	contains err "feedmail: <stdin>: document larger than 16777216 bytes" &&
	printf "[fetch]\nmax_size = 1k\n" >1k.conf &&
	export FEEDMAIL_CONFIG="$TEST_DIR/1k.conf" &&
	# exactly at the cap: parsed; one byte more: refused
	feed_of_size 1024 >at-cap.xml &&
	feed_of_size 1025 >past-cap.xml &&
	test "$(wc -c <at-cap.xml)" = 1024 &&
	feedmail parse at-cap.xml >out &&
	contains out "cap" &&
	expect_code 65 feedmail parse past-cap.xml >out 2>err &&
	contains err "feedmail: past-cap.xml: document larger than 1024 bytes ([fetch] max_size)" &&
	test ! -s out
'

test_expect_success 'entries out before the cap: the JSON is still closed' '
	printf "[fetch]\nmax_size = 64k\n" >64k.conf &&
	export FEEDMAIL_CONFIG="$TEST_DIR/64k.conf" &&
	make_feed 100 >over.xml &&
	expect_code 65 feedmail parse over.xml --json >out 2>err &&
	contains err "document larger than 65536 bytes" &&
	test "$(count_entries out)" -gt 0
'

test_expect_success '--headers is bounded as response headers are' '
	expect_code 65 timeout 60 "$FEEDMAIL" parse "$GOLDEN/rss093.xml" \
		--headers /dev/zero >out 2>err &&
	contains err "feedmail: /dev/zero: headers larger than 256 KiB" &&
	printf "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n" >h &&
	feedmail parse "$GOLDEN/rss093.xml" --headers h >out &&
	contains out "Only item"
'

test_expect_success 'plain listing shows the feed title, dates and links' '
	feedmail parse "$GOLDEN/rss093.xml" >out &&
	contains out "Version 0.93" &&
	contains out "2002-09-07T00:00:01Z  Only item" &&
	contains out "http://example.com/093/1"
'

test_expect_success 'nothing readable exits 65 with FILE: what' '
	: >empty.xml &&
	expect_code 65 feedmail parse empty.xml --json >out 2>err &&
	contains err "feedmail: empty.xml: not a feed" &&
	test ! -s out
'

test_expect_success 'a missing file exits 66' '
	expect_code 66 feedmail parse no-such-file.xml 2>err &&
	contains err "feedmail: parse: '"'no-such-file.xml'"': not a URL and not a local file: No such file"
'

test_expect_success 'parse explains a URL it cannot read as add does' '
	expect_code 65 feedmail parse ftp://example.org/feed.xml 2>err &&
	contains err "feedmail: parse: '"'ftp://example.org/feed.xml'"': scheme '"'ftp'"' is not supported; use http, https or a local file" &&
	expect_code 66 feedmail parse www.example.org 2>err &&
	contains err "feedmail: parse: '"'www.example.org'"': not a URL and not a local file"
'

test_expect_success 'usage: --help, no argument, a bad option' '
	feedmail parse --help >out &&
	contains out "usage: feedmail parse" &&
	contains out "--headers FILE" &&
	expect_code 64 feedmail parse 2>err &&
	contains err "usage: feedmail parse" &&
	expect_code 64 feedmail parse --jsno x.xml 2>err &&
	contains err "json" &&
	expect_code 64 feedmail parse a.xml b.xml 2>err &&
	contains err "unexpected argument"
'

test_expect_success '--base-url is --base' '
	feedmail parse "$GOLDEN/content-location.xml" --json \
		--base-url http://a.example/b/c.xml >out &&
	contains out "\"link\":\"http://a.example/index.html\""
'

test_done
