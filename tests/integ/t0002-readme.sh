#!/bin/sh
# The README's "Using it" examples run as written, in order, on a fresh
# store: the block after the marker comment is read from README.md itself,
# so an example that stops working fails here. Only the network is swapped:
# every https://HOST/PATH (in the commands and in the copy of
# etc/feeds.opml they import) is served by tests/httpd.py on 127.0.0.1,
# and mail goes to tests/smtpd.py. `daemon`, which runs until stopped,
# runs in the background until its first pass is logged, then gets SIGTERM.
. "$TEST_SRCDIR/tests/lib.sh"

# the feed every mapped URL serves, as HOST/PATH under the server's root
mkdir -p www
for url in $(sed -n 's/.*xmlUrl="\([^"]*\)".*/\1/p' \
	"$TEST_SRCDIR/etc/feeds.opml") https://www.example.org/feed/; do
	path=www/${url#https://}
	path=${path%/}
	mkdir -p "$(dirname "$path")" && cp "$FIXTURES/fetch/feed.xml" "$path" ||
		exit 99
done
start_http || exit 1
start_smtp || exit 1

# the README's block: indented lines after the marker, continuations joined
"$PYTHON3" - "$TEST_SRCDIR/README.md" >examples.sh <<'EOF' || exit 99
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if "tests/integ/t0002-readme.sh" in l)
out, cur, begun = [], "", False
for l in lines[start + 1:]:
    if not l.startswith("    "):
        if begun:
            break
        continue
    begun = True
    cur += l[4:].strip() if cur else l[4:]
    if cur.endswith("\\"):
        cur = cur[:-1].rstrip() + " "
        continue
    out.append(cur)
    cur = ""
print("\n".join(out))
EOF

# https://HOST/ -> the loopback server, in the commands and the OPML
map() {
	sed "s|https://\([^/\"]*\)/|$HTTP_URL/\1/|g"
}
mkdir -p etc
cp -R "$TEST_SRCDIR/etc/samples" "$TEST_SRCDIR/etc/members.csv" etc/
map <"$TEST_SRCDIR/etc/feeds.opml" >etc/feeds.opml
map <examples.sh >mapped.sh
cat >"$FEEDMAIL_CONFIG" <<CONF
[store]
$(store_conf demo)
[smtp]
host = 127.0.0.1
port = $SMTP_PORT
[digest]
transport = smtp
from = Veille <veille@example.org>
CONF

test_expect_success 'the README has its examples block' '
	test "$(wc -l <examples.sh)" -ge 15 &&
	grep -q "^feedmail import etc/feeds.opml" examples.sh &&
	grep -q "^feedmail -v daemon" mapped.sh
'

n=0
while IFS= read -r line; do
	n=$((n + 1))
	case $line in
	*" daemon"*)
		test_expect_success "README $n: $line" '
			# exec: the signal goes to feedmail, not a subshell
			eval "exec \"\$FEEDMAIL\" ${line#feedmail }" 2>daemon.err &
			pid=$! &&
			wait_for 60 grep -q "digests\? built" daemon.err &&
			kill -TERM $pid && wait $pid
		'
		;;
	*)
		test_expect_success "README $n: $line" '
			eval "$line" >out.$n 2>err.$n ||
				{ cat err.$n; exit 1; }
		'
		;;
	esac
done <mapped.sh

test_expect_success 'the examples did what they say' '
	test -s backup.opml && test -s d.html &&
	contains out.1 "imported 8 feeds" &&
	grep -q "\"feeds\":9" out.4 &&
	test "$(ls "$SMTP_DIR"/*.eml | wc -l)" -ge 1
'

test_done
