# tests/lib.sh: a small git-t/-style library for the integration scripts.
#
#   . "$TEST_SRCDIR/tests/lib.sh"
#   test_expect_success 'what it checks' '
#           feedmail add http://x/feed &&
#           feedmail list | grep -q x
#   '
#   test_done
#
# Each script runs in its own temporary folder ($TEST_DIR) with its own HOME,
# XDG folders, config ($TEST_DIR/feedmail.conf) and store; background
# servers started with start_* are killed on exit. Results are TAP, which
# automake's harness (tap-driver.sh) counts case by case.

set -u

: "${FEEDMAIL:?FEEDMAIL must name the binary under test (make check sets it)}"
: "${TEST_SRCDIR:?TEST_SRCDIR must name the source tree}"
: "${PYTHON3:=/usr/bin/python3}"

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/feedmail-$TEST_NAME.XXXXXX")
FIXTURES=$TEST_SRCDIR/tests/fixtures
test_count=0
test_failed=0
test_pids=

test_cleanup() {
	for pid in $test_pids; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$test_failed" -eq 0 ] || [ -z "${KEEP_TEST_DIR:-}" ]; then
		rm -rf "$TEST_DIR"
	else
		echo "# kept $TEST_DIR"
	fi
}
trap test_cleanup EXIT
trap 'exit 1' INT TERM

export HOME="$TEST_DIR/home"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_DATA_HOME="$HOME/.local/share"
export FEEDMAIL_CONFIG="$TEST_DIR/feedmail.conf"
unset FEEDMAIL_NOW
mkdir -p "$HOME"
: >"$FEEDMAIL_CONFIG"
cd "$TEST_DIR" || exit 99

# The binary under test, by the name a user types.
feedmail() {
	"$FEEDMAIL" "$@"
}

# at TIME ARGS...: feedmail with its clock set to TIME (FEEDMAIL_NOW)
at() {
	when=$1
	shift
	env FEEDMAIL_NOW="$when" "$FEEDMAIL" "$@"
}

# test_expect_success DESCRIPTION SCRIPT: runs SCRIPT in a subshell-free
# eval; it passes when SCRIPT exits 0.
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TEST_DIR/out.$test_count" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TEST_DIR/out.$test_count"
	fi
}

# test_skip DESCRIPTION REASON: one case is skipped (what it needs cannot
# be had here), counted as SKIP.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_skip_all REASON: the whole script is skipped.
test_skip_all() {
	echo "1..0 # SKIP $1"
	exit 77
}

# expect_code CODE COMMAND...: runs COMMAND, passes when it exits CODE.
expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

# contains FILE STRING: FILE contains STRING (fixed string), else shows it.
contains() {
	if ! grep -qF -- "$2" "$1"; then
		echo "'$1' does not contain '$2'; it has:" >&2
		sed 's/^/    /' "$1" >&2
		return 1
	fi
}

# lacks FILE STRING: the opposite.
lacks() {
	if grep -qF -- "$2" "$1"; then
		echo "'$1' contains '$2':" >&2
		sed 's/^/    /' "$1" >&2
		return 1
	fi
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# background COMMAND...: runs COMMAND in the background, killed on exit.
background() {
	"$@" &
	test_pids="$test_pids $!"
}

test_done() {
	echo "1..$test_count"
	echo "# $test_count tests, $test_failed failed"
	[ "$test_failed" -eq 0 ] && exit 0
	exit 1
}

# make_cert NAME CN: a self-signed certificate for 127.0.0.1 and localhost,
# made now: $TEST_DIR/NAME-cert.pem and its key $TEST_DIR/NAME-key.pem.
make_cert() {
	openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$2" \
		-addext subjectAltName=IP:127.0.0.1,DNS:localhost \
		-keyout "$TEST_DIR/$1-key.pem" -out "$TEST_DIR/$1-cert.pem" \
		>/dev/null 2>&1 || {
		echo "make_cert: openssl req failed" >&2
		return 1
	}
}

# wait_port FILE WHAT: waits (10 s at most) for a server started in the
# background to write its port to FILE, then prints the port.
wait_port() {
	port_wait=0
	while [ ! -s "$1" ]; do
		port_wait=$((port_wait + 1))
		if [ "$port_wait" -gt 100 ]; then
			echo "$2 did not start" >&2
			return 1
		fi
		sleep 0.1
	done
	cat "$1"
}

# start_http [--tls]: starts tests/httpd.py, the scripted HTTP server (its
# header lists the paths it serves: /etag/NAME, /r301/N/NAME, /status/503...)
# on a port chosen at run time, serving the files in $HTTP_ROOT
# ($TEST_DIR/www unless set) and logging one line per request to $HTTP_LOG.
# Sets and exports HTTP_PORT and HTTP_URL (http://127.0.0.1:PORT, no slash at
# the end). With --tls it serves HTTPS with a self-signed certificate made
# now for 127.0.0.1 and localhost, $HTTP_CERT (give it as the CA file to
# trust it); a script may start one of each, keeping HTTP_URL in between.
# Call it outside test_expect_success, so that the server is killed on exit.
start_http() {
	HTTP_ROOT=${HTTP_ROOT:-$TEST_DIR/www}
	HTTP_LOG=$TEST_DIR/http.log
	http_scheme=http
	set -- "${1:-}"
	if [ "$1" = --tls ]; then
		http_scheme=https
		HTTP_CERT=$TEST_DIR/http-cert.pem
		make_cert http 127.0.0.1 || return 1
		set -- --tls "$HTTP_CERT" "$TEST_DIR/http-key.pem"
	else
		set --
	fi
	http_port_file=$TEST_DIR/$http_scheme.port
	mkdir -p "$HTTP_ROOT" && rm -f "$http_port_file" || return 1
	background "$PYTHON3" "$TEST_SRCDIR/tests/httpd.py" \
		--root "$HTTP_ROOT" --port-file "$http_port_file" \
		--log "$HTTP_LOG" "$@"
	HTTP_PORT=$(wait_port "$http_port_file" tests/httpd.py) || return 1
	HTTP_URL=$http_scheme://127.0.0.1:$HTTP_PORT
	# never through a proxy the environment may name
	no_proxy=127.0.0.1,localhost
	NO_PROXY=$no_proxy
	export HTTP_ROOT HTTP_LOG HTTP_PORT HTTP_URL no_proxy NO_PROXY
	[ -z "${HTTP_CERT:-}" ] || export HTTP_CERT
}

# start_smtp [--tls] [OPTION...]: starts tests/smtpd.py (a real SMTP server,
# Debian's python3-aiosmtpd) in the background on 127.0.0.1 at a port chosen
# at run time. It accepts every message and saves it in $SMTP_DIR
# ($TEST_DIR/smtp unless set) as N.eml, the bytes received, with N.json
# (envelope, "tls", "auth"), and logs a line per event to $SMTP_DIR/log.
# --tls offers STARTTLS with a certificate made now for 127.0.0.1 and
# localhost, $SMTP_CERT (give it as [smtp] ca_file); the other options go to
# smtpd.py: --require-starttls, --auth USER:PASSWORD, --reject ADDR=CODE,
# --tempfail N [--tempfail-code 421], --garbage, --silent. Sets and exports
# SMTP_PORT and SMTP_DIR. Call it outside test_expect_success, so that the
# server is killed on exit.
start_smtp() {
	SMTP_DIR=${SMTP_DIR:-$TEST_DIR/smtp}
	smtp_port_file=$TEST_DIR/smtp.port
	if [ "${1:-}" = --tls ]; then
		shift
		SMTP_CERT=$TEST_DIR/smtp-cert.pem
		make_cert smtp localhost || return 1
		export SMTP_CERT
		set -- --tls "$SMTP_CERT" "$TEST_DIR/smtp-key.pem" "$@"
	fi
	mkdir -p "$SMTP_DIR" && rm -f "$smtp_port_file" || return 1
	background "$PYTHON3" "$TEST_SRCDIR/tests/smtpd.py" \
		--port-file "$smtp_port_file" --dir "$SMTP_DIR" "$@"
	SMTP_PORT=$(wait_port "$smtp_port_file" tests/smtpd.py) || return 1
	export SMTP_PORT SMTP_DIR
}

# store_from_sql FILE SQL: makes the store FILE from the SQL script SQL (a
# store of an older schema version, say: tests/fixtures/store/), through
# Python's sqlite3, not feedmail.
store_from_sql() {
	"$PYTHON3" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.executescript(open(sys.argv[2]).read())
db.close()' "$1" "$2"
}
