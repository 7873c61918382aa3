#!/bin/sh
# The command line itself: help, version, usage errors, "did you mean".
. "$TEST_SRCDIR/tests/lib.sh"

test_expect_success 'help lists the commands' '
	feedmail help >out &&
	contains out "usage: feedmail" &&
	contains out "subscriber" &&
	feedmail --help >out2 &&
	cmp out out2
'

test_expect_success '--version prints the version' '
	feedmail --version >out &&
	grep -q "^feedmail [0-9]" out
'

test_expect_success 'no command is a usage error' '
	expect_code 64 feedmail 2>err &&
	contains err "feedmail: a command is required" &&
	contains err "usage: feedmail"
'

test_expect_success 'an unknown command exits 64 and suggests a near miss' '
	expect_code 64 feedmail lsit 2>err &&
	contains err "'"'lsit'"' is not a feedmail command" &&
	contains err "did you mean '"'list'"'?" &&
	contains err "usage: feedmail"
'

test_expect_success 'a far miss gets no suggestion' '
	expect_code 64 feedmail xyzzyplugh 2>err &&
	lacks err "did you mean"
'

test_expect_success 'an unknown global option exits 64' '
	expect_code 64 feedmail --bogus list 2>err &&
	contains err "feedmail: unknown option '"'--bogus'"'" &&
	contains err "usage: feedmail"
'

test_expect_success 'an unknown command option exits 64 and suggests' '
	expect_code 64 feedmail add --tilte X http://example.org/ 2>err &&
	head -n 1 err >first &&
	contains first "feedmail add: unknown option '"'--tilte'"'" &&
	contains err "did you mean '"'--title'"'?" &&
	contains err "usage: feedmail add"
'

test_expect_success 'only the command'"'"'s own options are suggested' '
	expect_code 64 feedmail list --verbos 2>err &&
	contains err "unknown option '"'--verbos'"'" &&
	lacks err "did you mean"
'

test_expect_success 'a global option after the command: where it goes' '
	expect_code 64 feedmail list -q 2>err &&
	contains err "feedmail list: unknown option '"'-q'"'" &&
	contains err "give it before the command (feedmail -q list)" &&
	expect_code 64 feedmail list --db x.db 2>err &&
	contains err "(feedmail --db DBFILE list)"
'

test_expect_success 'an option without its value says so' '
	expect_code 64 feedmail add --title 2>err &&
	contains err "feedmail add: option '"'--title'"' needs a value"
'

test_expect_success 'help --help is help' '
	feedmail help --help >out &&
	feedmail help >out2 &&
	cmp out out2
'

test_expect_success 'COMMAND --help and help COMMAND agree' '
	feedmail add --help >a &&
	feedmail help add >b &&
	cmp a b &&
	contains a "usage: feedmail add URL"
'

test_expect_success 'every command has --help' '
	for c in add config digest doctor export fetch import list parse remove run send subscriber; do
		feedmail $c --help >h || { echo "$c --help failed"; exit 1; }
		grep -q "usage: feedmail $c" h || { echo "$c: no usage"; exit 1; }
	done
'

test_expect_success 'subscriber verbs: unknown verb suggests' '
	expect_code 64 feedmail subscriber ad x@example.org 2>err &&
	contains err "did you mean '"'add'"'?"
'

test_expect_success 'a command with verbs and none given says so' '
	expect_code 64 feedmail subscriber 2>err &&
	contains err "feedmail subscriber: a verb is required" &&
	contains err "usage: feedmail subscriber"
'

test_expect_success 'a config file named but missing: what and where' '
	expect_code 78 feedmail -c "$TEST_DIR/nope.conf" list 2>err &&
	contains err "feedmail: config file '"'$TEST_DIR/nope.conf'"': No such file"
'

test_done
