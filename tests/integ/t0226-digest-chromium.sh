#!/bin/sh
# The HTML part of a digest in a real browser: headless Chromium renders
# `feedmail digest --format html` to a PNG. The feeds behind it carry
# remote images, a tracking pixel, scripts, frames, remote style sheets,
# CSS url() and @import, srcset, a refresh... (tests/fixtures/digest/).
# The page must render, and the browser must not try to reach the network:
# neither the loopback server the feeds point at nor the logging proxy
# every request of the browser is sent through (tests/netlog.py) may see a
# single connection. A control page with remote images, rendered the same
# way first, shows that the watch does catch requests.
. "$TEST_SRCDIR/tests/lib.sh"

# Debian's chromium (scripts/setup installs it), or the one $CHROMIUM names.
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] ||
	test_skip_all "no chromium to render the digest (apt-get install chromium, or scripts/setup)"


# start_netlog NAME: a tests/netlog.py listener logging to $TEST_DIR/NAME.log;
# sets NETLOG_PORT. Call it outside test_expect_success and outside $(...),
# so that the listener is killed on exit.
start_netlog() {
	rm -f "$TEST_DIR/$1.port" "$TEST_DIR/$1.sync"
	background "$PYTHON3" "$TEST_SRCDIR/tests/netlog.py" \
		--port-file "$TEST_DIR/$1.port" --log "$TEST_DIR/$1.log" \
		--sync-port-file "$TEST_DIR/$1.sync"
	NETLOG_PORT=$(wait_port "$TEST_DIR/$1.port" tests/netlog.py \
		"$background_pid") &&
	wait_port "$TEST_DIR/$1.sync" tests/netlog.py "$background_pid" \
		>/dev/null
}

# netlog_synced PORT: every connection made to the listener on PORT so far
# is in its log (tests/netlog.py --sync-port-file).
netlog_synced() {
	for netlog_sync in "$TEST_DIR"/*.sync; do
		[ "$(cat "${netlog_sync%.sync}.port")" = "$1" ] || continue
		"$PYTHON3" - "$(cat "$netlog_sync")" <<-'EOF'
		import socket, sys
		with socket.create_connection(("127.0.0.1", int(sys.argv[1])),
		                              timeout=300) as s:
		    assert s.makefile().readline() == "synced\n", "no sync"
		EOF
		return
	done
	echo "netlog_synced: no listener on port $1" >&2
	return 1
}

# render PAGE PNG PROXY_PORT: PAGE (a file) to PNG, 400x1200 CSS pixels at
# scale 1, every request through the proxy, loopback included ("<-loopback>"
# undoes Chromium's implicit bypass of localhost). The budget of virtual
# time lets timers and a refresh fire before the screenshot. The flags after
# it keep Chromium's own traffic (updates, time queries, Google account
# probes) off the wire so that the proxy sees only what the page asks for;
# port 1 is one Chromium refuses to connect to (ERR_UNSAFE_PORT). Its
# stderr (dbus noise) goes to chromium.log, shown when a case fails.
render() {
	rm -rf "$TEST_DIR/profile" "$2"
	timeout 300 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--screenshot="$2" --window-size=400,1200 \
		--force-device-scale-factor=1 --hide-scrollbars \
		--virtual-time-budget=3000 \
		--proxy-server="http://127.0.0.1:$3" \
		--proxy-bypass-list='<-loopback>' \
		--user-data-dir="$TEST_DIR/profile" \
		--disable-background-networking --disable-component-update \
		--no-first-run --disable-sync --disable-default-apps \
		--no-default-browser-check --metrics-recording-only \
		--disable-domain-reliability --disable-extensions \
		--disable-breakpad \
		--disable-features=NetworkTimeServiceQuerying,OptimizationGuideModelDownloading,OptimizationHints,OptimizationHintsFetching,OptimizationTargetPrediction,MediaRouter \
		--component-updater=url-source=http://127.0.0.1:1/ \
		--gaia-url=http://127.0.0.1:1/ \
		"file://$1" >"$TEST_DIR/chromium.log" 2>&1
	render_rc=$?
	# connections still in the listener's backlog are logged on accept
	netlog_synced "$3" || return 1
	if [ "$render_rc" -ne 0 ]; then
		echo "chromium exited $render_rc (124: timed out); its output:" >&2
		tail -n 20 "$TEST_DIR/chromium.log" >&2
		return 1
	fi
}

# nothing_in LOG WHAT: LOG is missing or empty, else (its start) is shown.
nothing_in() {
	if [ -s "$1" ]; then
		echo "$2 ($(wc -l <"$1") lines):" >&2
		head -n 60 "$1" | sed 's/^/    /' >&2
		return 1
	fi
}

# The loopback server the feeds point at (its www/ is empty: every request
# would be a 404, and a line in $HTTP_LOG), and two watching proxies: one
# for the control page, one for the digest, so that a late line about the
# control page cannot land in the digest's log.
start_http || exit 1
start_netlog control-proxy || exit 1
CONTROL_PROXY=$NETLOG_PORT
start_netlog proxy || exit 1
PROXY=$NETLOG_PORT

mkdir -p feeds
for f in remote remote-atom; do
	sed "s|@HTTP@|$HTTP_URL|g" "$FIXTURES/digest/$f.xml" >"feeds/$f.xml" ||
		exit 1
done
cat >"$FEEDMAIL_CONFIG" <<CONF
$(store_section default)
[digest]
language = en
CONF
at 2026-11-26T06:00:00Z -q subscriber add reader@example.org &&
at 2026-11-26T06:00:00Z -q add "$TEST_DIR/feeds/remote.xml" &&
at 2026-11-26T06:00:00Z -q add "$TEST_DIR/feeds/remote-atom.xml" &&
at 2026-11-26T07:00:00Z -q fetch || exit 1

test_expect_success 'the watch works: a control page reaching out is caught' '
	cat >control.html <<-EOF &&
	<!DOCTYPE html><html><body><h1>Control</h1>
	<img src="$HTTP_URL/control.png" alt="loopback">
	<img src="https://tracker.example/control.gif" alt="remote">
	</body></html>
	EOF
	render "$TEST_DIR/control.html" control.png "$CONTROL_PROXY" &&
	test -s control.png &&
	contains control-proxy.log "GET $HTTP_URL/control.png " &&
	contains control-proxy.log "CONNECT tracker.example:443 " &&
	nothing_in "$HTTP_LOG" "the loopback server was reached directly"
'

test_expect_success 'the digest holds the hostile articles' '
	at 2026-11-26T08:00:00Z digest --format html >digest.html &&
	head -n 1 digest.html | grep -q "^<!DOCTYPE html>" &&
	contains digest.html "Images partout" &&
	contains digest.html "Scripts, frames and style sheets" &&
	contains digest.html "An XHTML entry"
'

test_expect_success 'chromium renders it: a 400x1200 PNG, not blank' '
	render "$TEST_DIR/digest.html" digest.png "$PROXY" &&
	"$PYTHON3" "$TEST_SRCDIR/tests/png_check.py" digest.png \
		--size 400x1200 --min-colours 16 --min-dark 2
'

# Chromium ran (digest.png), else empty logs would prove nothing.
test_expect_success 'no request reached the loopback server' '
	nothing_in "$HTTP_LOG" "requests the loopback server saw" &&
	test -s digest.png
'

test_expect_success 'no connection reached the proxy' '
	nothing_in proxy.log "connections the proxy saw" &&
	test -s digest.png
'

test_done
