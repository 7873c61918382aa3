#!/bin/sh
# The weekly health report to [digest] admin: the feeds `status` flags,
# once per ISO week (from Monday at [digest] time), nothing in a week
# without a sick feed, and kept pending when it cannot leave.
. "$TEST_SRCDIR/tests/lib.sh"

write_config() {
	cat >"$FEEDMAIL_CONFIG" <<-CONF
	$(store_section default)
	[fetch]
	sick_days = 30
	[digest]
	transport = $1
	path = $TEST_DIR/mail
	timezone = UTC
	time = 07:00
	admin = Ops <ops@example.org>
	CONF
}
write_config maildir
# run_at WHEN: `run` at WHEN; the failing feed may make it exit 65, and
# nothing else may fail.
run_at() {
	at "$1" -q run 2>/dev/null
	run_status=$?
	[ "$run_status" = 0 ] || [ "$run_status" = 65 ] || {
		echo "run at $1 exited $run_status" >&2
		return 1
	}
}
# decode FILE: the headers and the decoded text of a message.
decode() {
	"$PYTHON3" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
for k in ("From", "To", "Subject", "Auto-Submitted"):
    print("%s: %s" % (k, m[k]))
print()
print(m.get_body(("plain",)).get_content())
' "$1"
}
reports() {
	ls mail/new 2>/dev/null | wc -l
}
cp "$FIXTURES/fetch/feed.xml" good.xml
cp "$FIXTURES/fetch/feed.xml" gone.xml

test_expect_success 'set up: a good feed and one failing three days running' '
	at 2026-11-02T08:00:00Z -q add "$TEST_DIR/good.xml" &&
	at 2026-11-02T08:00:00Z -q add "$TEST_DIR/gone.xml" &&
	at 2026-11-02T09:00:00Z -q fetch --all &&
	rm gone.xml &&
	for day in 03 04 05; do
		at 2026-11-${day}T09:00:00Z -q fetch --all 2>/dev/null
	done;
	at 2026-11-05T09:00:00Z status >status &&
	contains status "[FAILING]"
'

test_expect_success 'run sends one report listing the flagged feed only' '
	expect_code 65 at 2026-11-05T10:00:00Z run >out 2>err &&
	contains out "health report sent" &&
	test "$(reports)" = 1 &&
	decode mail/new/* >mail.txt &&
	contains mail.txt "To: Ops <ops@example.org>" &&
	contains mail.txt "Auto-Submitted: auto-generated" &&
	contains mail.txt "1 of 2 feeds need a look (2026-W45)" &&
	contains mail.txt "gone.xml" &&
	contains mail.txt "FAILING: 4 failures in a row" &&
	contains mail.txt "last success: 2026-11-02T09:00:00Z" &&
	contains mail.txt "last error: client_error:" &&
	lacks mail.txt "good.xml"
'

test_expect_success 'another run that week, even on Monday before 07:00: none' '
	run_at 2026-11-06T10:00:00Z &&
	run_at 2026-11-09T06:59:00Z &&
	test "$(reports)" = 1
'

test_expect_success 'the next week from Monday 07:00: a new one' '
	run_at 2026-11-09T07:00:00Z &&
	test "$(reports)" = 2 &&
	grep -l "2026-W46" mail/new/* >/dev/null
'

test_expect_success 'a week without a sick feed: nothing' '
	cp good.xml gone.xml &&
	at 2026-11-16T08:00:00Z -q run &&
	at 2026-11-16T09:00:00Z status >status &&
	lacks status "need a look" &&
	test "$(reports)" = 2
'

test_expect_success 'a transport that fails: pending, sent by a later run' '
	rm gone.xml &&
	for day in 17 18 19; do
		at 2026-11-${day}T09:00:00Z -q fetch --all 2>/dev/null
	done
	port=$(free_port) &&
	write_config smtp &&
	printf "[smtp]\nhost = 127.0.0.1\nport = %s\n" "$port" >>"$FEEDMAIL_CONFIG" &&
	expect_code 75 at 2026-11-19T10:00:00Z run 2>err &&
	contains err "health report to" &&
	test "$(reports)" = 2 &&
	at 2026-11-19T10:10:00Z outbox list >out &&
	contains out "ops@example.org	health report, pending, 0 attempts" &&
	at 2026-11-19T10:10:00Z outbox list ops@example.org --json >out &&
	contains out "\"kind\":\"health\"" &&
	write_config maildir &&
	run_at 2026-11-19T10:30:00Z &&
	test "$(reports)" = 2 &&
	run_at 2026-11-19T11:30:00Z &&
	test "$(reports)" = 3 &&
	grep -l "2026-W47" mail/new/* >/dev/null
'

test_expect_success 'no admin: no report' '
	sed -i "/^admin/d" "$FEEDMAIL_CONFIG" &&
	run_at 2026-11-30T08:00:00Z &&
	test "$(reports)" = 3
'

test_done
