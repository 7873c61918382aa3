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
#
# The store: TEST_STORE=sqlite (the default) or TEST_STORE=pg runs the same
# script on a SQLite file or on a throwaway PostgreSQL cluster of its own
# (tests/pgcluster.sh, started when this file is sourced, in $TEST_DIR/pg,
# stopped on exit; the script is skipped, exit 77, when the server binaries
# are missing or feedmail was built without libpq). A script names stores,
# never files or URLs:
#
#   store_location NAME   where store NAME is, for -d: $TEST_DIR/NAME.db, or
#                         the URL of database NAME in the cluster (created)
#   store_conf NAME       its line in a [store] section: path = ... or url = ...
#   store_section NAME    a whole [store] section with that line
#   store_sql NAME SQL    runs SQL (valid on both engines) on it; prints each
#                         row, columns separated by tabs, NULL as nothing
#
# A script that needs PostgreSQL whatever TEST_STORE says (several
# workers on one store, a store copied across) calls start_pg, outside a
# case: the same cluster in $PG_DIR (started now under TEST_STORE=sqlite,
# stopped on exit), the URL of its database "feedmail" in $PG_URL; the
# script is skipped as above. pg_url NAME: the URL of database NAME in it,
# created if missing.
#
# NAME "default" is the store feedmail opens when neither -d nor [store]
# says: $XDG_DATA_HOME/feedmail/feedmail.db on SQLite; on PostgreSQL there
# is no such default, so $FEEDMAIL_CONFIG starts with a [store] section
# naming database "feedmail", and a script that writes $FEEDMAIL_CONFIG
# anew puts `store_section default` (nothing on SQLite) in it: first, when
# lines are appended to its last section later.
# A case that tests what only SQLite has (its file, its lock file, a fixture
# of an old schema) is declared with test_expect_success_sqlite: under
# TEST_STORE=pg it is reported as "ok N - ... # SKIP sqlite only".
#
# Nothing here waits a fixed time: a test waits for a condition (wait_for,
# wait_port, wait_lock) with a deadline far beyond what a loaded machine
# running a sanitizer build needs, since a deadline only costs time when the
# test fails anyway. A failing case shows its commands as run, with their
# arguments expanded (under bash), and what the servers logged meanwhile.

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
test_logs=
TEST_STORE=${TEST_STORE:-sqlite}
PG_DIR=$TEST_DIR/pg
# one initdb for all the scripts of a make check (tests/pgcluster.sh)
if [ -z "${PGCLUSTER_TEMPLATE:-}" ] && [ -n "${TEST_BUILDDIR:-}" ]; then
	PGCLUSTER_TEMPLATE=$TEST_BUILDDIR/tests/pg-template
	export PGCLUSTER_TEMPLATE
fi

test_cleanup() {
	# the cluster first: its files are the server's until it stops
	if [ -d "$PG_DIR/data" ]; then
		"$TEST_SRCDIR/tests/pgcluster.sh" stop "$PG_DIR"
	fi
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

case $TEST_STORE in
sqlite) ;;
pg)
	# a build without libpq refuses every URL, naming what it lacks
	if "$FEEDMAIL" -d "postgresql:///none?host=$TEST_DIR/none" list 2>&1 |
		grep -q "built without the PostgreSQL store"; then
		echo "1..0 # SKIP feedmail was built without libpq (Debian: libpq-dev)"
		exit 77
	fi
	pg_url=$("$TEST_SRCDIR/tests/pgcluster.sh" start "$PG_DIR")
	case $? in
	0) ;;
	77)
		echo "1..0 # SKIP no PostgreSQL server binaries (Debian: postgresql)"
		exit 77
		;;
	*)
		echo "Bail out! the PostgreSQL cluster in $PG_DIR did not start"
		exit 99
		;;
	esac
	printf "[store]\nurl = %s\n" "$pg_url" >"$FEEDMAIL_CONFIG"
	;;
*)
	echo "Bail out! TEST_STORE=$TEST_STORE: sqlite or pg"
	exit 99
	;;
esac

# store_location NAME: where store NAME is (see the header), as -d takes it.
store_location() {
	case $TEST_STORE:$1 in
	sqlite:default) echo "$XDG_DATA_HOME/feedmail/feedmail.db" ;;
	sqlite:*) echo "$TEST_DIR/$1.db" ;;
	pg:default) "$TEST_SRCDIR/tests/pgcluster.sh" url "$PG_DIR" feedmail ;;
	pg:*) "$TEST_SRCDIR/tests/pgcluster.sh" url "$PG_DIR" "$1" ;;
	esac
}

# store_conf NAME: the line of a [store] section that names store NAME.
store_conf() {
	store_conf_at=$(store_location "$1") || return 1
	if [ "$TEST_STORE" = pg ]; then
		echo "url = $store_conf_at"
	else
		echo "path = $store_conf_at"
	fi
}

# store_section NAME: "[store]" and store_conf NAME; nothing for the
# default store on SQLite, which needs no line.
store_section() {
	[ "$TEST_STORE:$1" != sqlite:default ] || return 0
	echo "[store]"
	store_conf "$1"
}

# store_sql NAME SQL: runs SQL on store NAME, outside feedmail; prints the
# rows it returns, columns separated by tabs, NULL as an empty string (as
# sqlite3 -separator '\t' and psql -At -F '\t' do).
store_sql() {
	if [ "$TEST_STORE" = pg ]; then
		if [ "$1" = default ]; then
			set -- feedmail "$2"
		fi
		"$TEST_SRCDIR/tests/pgcluster.sh" sql "$PG_DIR" "$1" "$2"
		return
	fi
	"$PYTHON3" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
for row in db.execute(sys.argv[2]):
    print("\t".join("" if v is None else str(v) for v in row))
db.close()' "$(store_location "$1")" "$2"
}

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

# test_expect_success DESCRIPTION SCRIPT: runs SCRIPT in an eval in a
# subshell; it passes when SCRIPT exits 0. When it fails, its output is
# shown, with (under bash) each command traced after expansion, so that
# `test "$(count)" = 3` shows what count gave; then what each log named by
# test_log got during the case.
test_expect_success() {
	test_count=$((test_count + 1))
	test_log_sizes=
	for test_log_file in $test_logs; do
		test_log_sizes="$test_log_sizes $(test_size "$test_log_file")"
	done
	if (
		# the trace goes to fd 9, never into a file the test
		# redirects stderr to
		if [ -n "${BASH_VERSION:-}" ]; then
			BASH_XTRACEFD=9
			set -x
		fi
		eval "$2"
	) >"$TEST_DIR/out.$test_count" 2>&1 9>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TEST_DIR/out.$test_count"
		test_show_logs $test_log_sizes
	fi
}

# test_skip DESCRIPTION REASON: one case is skipped (what it needs cannot
# be had here), counted as SKIP.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# test_expect_success_sqlite DESCRIPTION SCRIPT: a case about what only
# SQLite has; skipped under TEST_STORE=pg.
test_expect_success_sqlite() {
	if [ "$TEST_STORE" = sqlite ]; then
		test_expect_success "$@"
	else
		test_skip "$1" "sqlite only"
	fi
}

# test_kill_at_end PID...: inside a case, the processes PID (started in the
# background by the case) are killed when the case ends, however it ends.
test_kill_at_end() {
	test_case_pids="${test_case_pids:-} $*"
	trap 'kill $test_case_pids 2>/dev/null' EXIT
}

# test_size FILE: its size in bytes, 0 when missing.
test_size() {
	if [ -f "$1" ]; then
		wc -c <"$1"
	else
		echo 0
	fi
}

# test_log FILE...: when a case fails, the lines FILE got during it are
# shown (the last 40). start_http and start_smtp name their servers' logs.
test_log() {
	test_logs="$test_logs $*"
}

# test_show_logs SIZE...: the new lines of each of $test_logs, which had
# SIZE bytes before the case.
test_show_logs() {
	for test_log_file in $test_logs; do
		test_log_size=$1
		shift
		[ "$(test_size "$test_log_file")" -gt "$test_log_size" ] ||
			continue
		echo "#   --- $test_log_file, during this case (last 40 lines):"
		tail -c +"$((test_log_size + 1))" "$test_log_file" |
			tail -n 40 | sed 's/^/#   /'
	done
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

# background COMMAND...: runs COMMAND in the background, killed on exit;
# its pid in $background_pid.
background() {
	"$@" &
	background_pid=$!
	test_pids="$test_pids $background_pid"
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

# maildir_got: "ADDRESS N" for each digest delivered to maildir/ (in the
# test's folder) since the last call, N its X-Feedmail-Entries, sorted;
# the digests then move to maildir/cur.
maildir_got() {
	"$PYTHON3" - <<-'PY'
	import email, email.policy, glob, os
	os.makedirs("maildir/cur", exist_ok=True)
	seen = []
	for path in glob.glob("maildir/new/*"):
	    with open(path, "rb") as f:
	        msg = email.message_from_binary_file(f, policy=email.policy.default)
	    seen.append("%s %s" % (msg["To"].addresses[0].addr_spec,
	                           msg["X-Feedmail-Entries"]))
	    os.rename(path, os.path.join("maildir/cur", os.path.basename(path)))
	print("\n".join(sorted(seen)))
	PY
}

# fixture_fourth FILE: the fetch fixture feed with its first item replaced
# by a new one (news-4, "Fourth")
fixture_fourth() {
	sed "s|news-1<|news-4<|; s|>First<|>Fourth<|; s|example/1<|example/4<|" \
		"$FIXTURES/fetch/feed.xml" >"$1"
}

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds, again each
# time something changes under $TEST_DIR but the cluster's $PG_DIR
# (tests/wait_change.py: inotify, no polling; at least once a second, for
# what no file shows, such as a process gone or a row in PostgreSQL); fails, saying what it waited for, when SECONDS have passed
# first. Give a deadline that a loaded machine running a sanitizer build
# never reaches: it costs nothing when COMMAND succeeds.
wait_for() {
	# the trace of a waiting loop would bury the rest
	case $- in
	*x*) set +x; wait_trace=1 ;;
	*) wait_trace= ;;
	esac
	wait_limit=$1
	wait_until=$(($(date +%s) + $1))
	shift
	wait_rc=0
	wait_fifo=$(mktemp -u "${TMPDIR:-/tmp}/feedmail-wait.XXXXXX")
	mkfifo "$wait_fifo" || return 1
	until "$@"; do
		if [ "$(date +%s)" -ge "$wait_until" ]; then
			echo "wait_for: gave up after $wait_limit s waiting for: $*" >&2
			wait_rc=1
			break
		fi
		# watch first, then look again: no change between is missed
		"$PYTHON3" "$TEST_SRCDIR/tests/wait_change.py" "$TEST_DIR" 1 \
			--except "$PG_DIR" >"$wait_fifo" &
		wait_pid=$!
		read -r wait_line <"$wait_fifo" || wait_line=
		if [ "$wait_line" != ready ]; then
			echo "wait_for: tests/wait_change.py could not watch $TEST_DIR" >&2
			wait_rc=1
			break
		fi
		if "$@"; then
			kill "$wait_pid" 2>/dev/null
			wait "$wait_pid" 2>/dev/null
			break
		fi
		wait "$wait_pid"
	done
	rm -f "$wait_fifo"
	[ -z "$wait_trace" ] || set -x
	return $wait_rc
}

# alive PID: process PID runs (it exists and is not a zombie waiting for
# its parent to collect its status).
alive() {
	alive_state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$alive_state" ] && [ "$alive_state" != Z ]
}

# written_or_gone FILE PID: FILE is not empty, or PID (when given) ended.
written_or_gone() {
	[ -s "$1" ] || { [ -n "${2:-}" ] && ! alive "$2"; }
}

# wait_port FILE WHAT [PID]: waits for a server started in the background
# (as process PID) to write its port to FILE, then prints the port; fails
# when PID ends first, or after 60 s.
wait_port() {
	wait_for 60 written_or_gone "$1" "${3:-}" || {
		echo "$2 did not start" >&2
		return 1
	}
	if [ ! -s "$1" ]; then
		echo "$2 exited before it listened" >&2
		return 1
	fi
	cat "$1"
}

# holds_lock STORE PID: PID wrote itself as the holder of STORE's lock.
holds_lock() {
	grep -q "^pid $2 (" "$1.lock" 2>/dev/null
}

# lock_taken_or_gone STORE PID: PID holds STORE's lock, or it ended.
lock_taken_or_gone() {
	holds_lock "$1" "$2" || ! alive "$2"
}

# wait_lock STORE PID: waits until process PID (a feedmail command started
# in the background) holds the lock of the store STORE, as the holder's
# line in STORE.lock says ("pid PID (feedmail COMMAND, since TIME)"), which
# it writes once it has the lock. Fails when PID ends first, or after 60 s.
wait_lock() {
	wait_for 60 lock_taken_or_gone "$1" "$2" || return 1
	holds_lock "$1" "$2" && return 0
	echo "wait_lock: process $2 ended without taking the lock of $1" >&2
	return 1
}

# requests PATH: how many requests for /PATH (any query string) the
# test's HTTP server (start_http) logged; has_requests PATH N: at least N.
requests() {
	n=$(grep -c "^GET /$1[ ?]" "$HTTP_LOG" 2>/dev/null)
	echo "${n:-0}"
}
has_requests() {
	[ "$(requests "$1")" -ge "$2" ]
}

# mails: how many messages the Maildir mail/ holds in new/ (the tests'
# [digest] path); has_mails N: at least N.
mails() {
	ls mail/new 2>/dev/null | wc -l
}
has_mails() {
	[ "$(mails)" -ge "$1" ]
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
	HTTP_PORT=$(wait_port "$http_port_file" tests/httpd.py \
		"$background_pid") || return 1
	case " $test_logs " in
	*" $HTTP_LOG "*) ;;
	*) test_log "$HTTP_LOG" ;;
	esac
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
	SMTP_PORT=$(wait_port "$smtp_port_file" tests/smtpd.py \
		"$background_pid") || return 1
	test_log "$SMTP_DIR/log"
	export SMTP_PORT SMTP_DIR
}

# smtp_conf: the [smtp] and [digest] lines of a config that sends through
# tests/smtpd.py (start_smtp first), for a heredoc: $(smtp_conf), more
# [digest] lines after it.
smtp_conf() {
	cat <<-CONF
	[smtp]
	host = 127.0.0.1
	port = $SMTP_PORT
	[digest]
	transport = smtp
	from = Veille <veille@cluster.example>
	CONF
}

# Reading what tests/smtpd.py received (in $SMTP_DIR), for the scripts of
# `feedmail serve` and its pages, whose links come by mail:
#   sunk                 how many messages it holds
#   sink_numbered        the numbers N of the messages N.eml, in order
#   mail_to ADDR         the newest message (its .eml) for ADDR, or nothing
#   mails_to ADDR        how many messages ADDR got; has_mails_to ADDR N: >= N
#   header FILE NAME     the value of header NAME of mail FILE, unfolded
#   part FILE TYPE       the decoded part of type TYPE of mail FILE
#   link FILE KIND       the first $BASE/KIND/TOKEN link of FILE's text part
sunk() {
	ls "$SMTP_DIR" | grep -c "\.eml$"
}
sink_numbered() {
	ls "$SMTP_DIR" | sed -n 's/\.json$//p' | sort -n
}
mail_to() {
	for n in $(sink_numbered); do
		grep -q "\"$1\"" "$SMTP_DIR/$n.json" && echo "$SMTP_DIR/$n.eml"
	done | tail -n 1
}
mails_to() {
	for n in $(sink_numbered); do
		grep -q "\"$1\"" "$SMTP_DIR/$n.json" && echo "$n"
	done | wc -l
}
has_mails_to() {
	[ "$(mails_to "$1")" -ge "$2" ]
}
header() {
	"$PYTHON3" -c "
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
v = m.get(sys.argv[2])
print(' '.join(str(v).split()) if v is not None else '')" "$1" "$2"
}
part() {
	"$PYTHON3" -c "
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() == sys.argv[2]:
        sys.stdout.write(p.get_content())" "$1" "$2"
}
link() {
	part "$1" text/plain | grep -o "$BASE/$2/[a-z0-9]*" | head -n 1
}

# start_pg, pg_url NAME: see the header.
start_pg() {
	if "$FEEDMAIL" -d "postgresql:///none?host=$TEST_DIR/none" list 2>&1 |
		grep -q "built without the PostgreSQL store"; then
		test_skip_all "feedmail was built without libpq (Debian: libpq-dev)"
	fi
	if [ -d "$PG_DIR/data" ]; then
		# TEST_STORE=pg started it
		PG_URL=$(pg_url feedmail) || exit 99
		return
	fi
	PG_URL=$("$TEST_SRCDIR/tests/pgcluster.sh" start "$PG_DIR")
	case $? in
	0) ;;
	77) test_skip_all "no PostgreSQL server binaries (Debian: postgresql)" ;;
	*)
		echo "Bail out! the PostgreSQL cluster in $PG_DIR did not start"
		exit 99
		;;
	esac
	test_log "$PG_DIR/server.log"
}
pg_url() {
	"$TEST_SRCDIR/tests/pgcluster.sh" url "$PG_DIR" "$1"
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

# serve_start [ARGS...]: `feedmail -vv serve ARGS` in the background, with
# the variables SERVE_ENV names (e.g. SERVE_ENV="FEEDMAIL_NOW=..."), pid
# in serve_pid, its log in serve.err, its exit status in serve.status once
# it ends; returns once it listens (or has ended).
serve_start() {
	rm -f serve.pid serve.status
	: >serve.err
	(
		env ${SERVE_ENV:-} "$FEEDMAIL" -vv serve "$@" 2>>"$TEST_DIR/serve.err" &
		echo $! >"$TEST_DIR/serve.pid"
		wait $!
		echo $? >"$TEST_DIR/serve.status"
	) &
	test_pids="$test_pids $!"
	wait_for 60 test -s serve.pid || return 1
	serve_pid=$(cat serve.pid)
	test_pids="$test_pids $serve_pid"
	wait_for 60 serve_listening || {
		cat serve.err >&2
		return 1
	}
}
serve_listening() {
	grep -q "listening on" serve.err || test -s serve.status
}
