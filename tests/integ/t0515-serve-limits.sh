#!/bin/sh
# feedmail serve's limit of connections per client address (32), which
# t0500-serve.sh does not reach: 32 kept-alive connections from 127.0.0.1,
# each answered, hold the address's share; a 33rd is closed unanswered;
# once one of them closes, a new one is served again. Behind a trusted
# proxy every connection comes from the proxy's address, so the limit is
# not applied there (the proxy limits its clients). The idle time-out is
# an hour here, so that no connection is dropped while the test holds it.
. "$TEST_SRCDIR/tests/lib.sh"

WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT

# write_config [EXTRA-WEB-LINES]
write_config() {
	cat >"$FEEDMAIL_CONFIG" <<CONF
[store]
path = $TEST_DIR/feedmail.db
[web]
base_url = $BASE/
listen = 127.0.0.1:$WEB_PORT
timeout = 3600
${1:-}
CONF
}

# start_serve: serve in the background, its log in serve.err, killed
# when the case ends however it ends
start_serve() {
	: >serve.err
	background "$FEEDMAIL" -v serve 2>>"$TEST_DIR/serve.err"
	serve_pid=$background_pid
	test_kill_at_end "$serve_pid"
	wait_for 60 serve_listening || { cat serve.err >&2; return 1; }
}
serve_listening() {
	grep -q "listening on" serve.err || ! kill -0 "$serve_pid" 2>/dev/null
}
stop_serve() {
	kill -TERM "$serve_pid" && wait "$serve_pid"
}
test_log "$TEST_DIR/serve.err"

# hold N: opens N connections, each answered once (so serve has taken
# it) and kept open; then a last one, whose fate goes to last.out
# ("answered" or "closed"); then closes the first and opens new ones until
# one is answered ("freed" in freed.out). The deadline is far beyond need.
hold() {
	"$PYTHON3" - "$WEB_PORT" "$1" <<-'EOF'
	import socket, sys, time
	port, n = int(sys.argv[1]), int(sys.argv[2])
	req = b"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n"

	def ask(s):
	    """'answered' or 'closed': what serve does with a request on s"""
	    s.settimeout(120)
	    try:
	        s.sendall(req)
	        got = b""
	        while b"\r\n\r\n" not in got:
	            d = s.recv(65536)
	            if not d:
	                return "closed"
	            got += d
	    except (ConnectionResetError, BrokenPipeError):
	        return "closed"
	    head, _, body = got.partition(b"\r\n\r\n")
	    assert head.startswith(b"HTTP/1.1 200"), head
	    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
	              if l.lower().startswith(b"content-length:")][0]
	    while len(body) < length:
	        body += s.recv(65536)
	    return "answered"

	held = []
	for i in range(n):
	    s = socket.create_connection(("127.0.0.1", port))
	    assert ask(s) == "answered", "connection %d refused" % (i + 1)
	    held.append(s)
	last = socket.create_connection(("127.0.0.1", port))
	open("last.out", "w").write(ask(last) + "\n")
	last.close()
	held.pop(0).close()
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
	    s = socket.create_connection(("127.0.0.1", port))
	    if ask(s) == "answered":
	        open("freed.out", "w").write("freed\n")
	        break
	    s.close()
	EOF
}

# each case has a serve of its own: the connections of the one before
# are gone with it
test_expect_success 'under the limit, a 32nd connection is served' '
	write_config &&
	start_serve &&
	rm -f last.out &&
	hold 31 &&
	test "$(cat last.out)" = answered &&
	stop_serve
'

test_expect_success '32 connections from one address: the 33rd is closed' '
	start_serve &&
	rm -f last.out freed.out &&
	hold 32 &&
	test "$(cat last.out)" = closed &&
	test "$(cat freed.out)" = freed &&
	stop_serve
'

test_expect_success 'behind a trusted proxy the limit is the proxy'"'"'s' '
	write_config "trusted_proxies = 127.0.0.1" &&
	start_serve &&
	rm -f last.out &&
	hold 40 &&
	test "$(cat last.out)" = answered &&
	stop_serve
'

test_expect_success 'trusted proxies set, a peer that is not one keeps its limit' '
	write_config "trusted_proxies = 127.0.0.2" &&
	start_serve &&
	rm -f last.out freed.out &&
	hold 32 &&
	test "$(cat last.out)" = closed &&
	test "$(cat freed.out)" = freed &&
	stop_serve
'

# slow_body: a POST whose body comes a byte a second (each within the
# idle time-out); "closed" or "answered" in slow.out, whichever serve
# does first (the deadline is far beyond need)
slow_body() {
	"$PYTHON3" - "$WEB_PORT" <<-'EOF'
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"POST /u/x HTTP/1.1\r\nHost: x\r\n"
	          b"Content-Type: application/x-www-form-urlencoded\r\n"
	          b"Content-Length: 120\r\n\r\n")
	s.settimeout(1)
	out = "unfinished"
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
	    try:
	        s.sendall(b"a")
	        d = s.recv(65536)
	        out = "answered" if d else "closed"
	        break
	    except socket.timeout:
	        continue
	    except (ConnectionResetError, BrokenPipeError):
	        out = "closed"
	        break
	open("slow.out", "w").write(out + "\n")
	EOF
}

test_expect_success 'a body sent a byte at a time is closed past twice the time-out' '
	sed -i "s/^timeout = .*/timeout = 2/" "$FEEDMAIL_CONFIG" &&
	start_serve &&
	rm -f slow.out &&
	slow_body &&
	test "$(cat slow.out)" = closed &&
	wait_for 60 grep -q "body too slow, closed" serve.err &&
	stop_serve
'

test_done
