#!/bin/sh
# Subscriber management.
. "$TEST_SRCDIR/tests/lib.sh"

test_expect_success 'add and list subscribers' '
	feedmail subscriber add marie@example.org --name "Marie Curie" --tag tech --lang fr >out &&
	contains out "added subscriber 1: marie@example.org" &&
	feedmail subscriber add "jo@bücher.example" >/dev/null &&
	feedmail subscriber list >list &&
	contains list "marie@example.org (Marie Curie)" &&
	contains list "language fr, daily, tags: tech" &&
	contains list "jo@bücher.example" &&
	contains list "(all feeds)"
'

test_expect_success 'list --json' '
	feedmail subscriber list --json >out.json &&
	"$PYTHON3" -c "
import json
s = json.load(open(\"out.json\"))
assert [x[\"email\"] for x in s] == [\"marie@example.org\", \"jo@bücher.example\"], s
assert s[0][\"name\"] == \"Marie Curie\" and s[0][\"lang\"] == \"fr\" and s[0][\"tags\"] == [\"tech\"]
assert s[1][\"name\"] is None and s[1][\"lang\"] is None
"
'

test_expect_success 'duplicates are refused, whatever the case' '
	expect_code 65 feedmail subscriber add MARIE@example.org 2>err &&
	contains err "already exists"
'

test_expect_success 'invalid addresses are refused with the reason' '
	expect_code 65 feedmail subscriber add "bob@" 2>err &&
	contains err "bob@" &&
	expect_code 65 feedmail subscriber add "no-at-sign" 2>err &&
	expect_code 65 feedmail subscriber add "a b@example.org" 2>err &&
	expect_code 65 feedmail subscriber add "$(printf "x@example.org\r\nBcc: y@evil.example")" 2>err
'

test_expect_success 'what no transport can carry is refused at add, with why' '
	expect_code 65 feedmail subscriber add "\"bob smith\"@example.org" 2>err &&
	contains err "subscriber add: '"'"'\"bob smith\"@example.org'"'"': quoted local parts are not supported" &&
	expect_code 65 feedmail subscriber add "élise@société.fr" 2>err &&
	contains err "non-ASCII local parts are not supported: they need SMTPUTF8" &&
	expect_code 65 feedmail subscriber add "bob@☃.example" 2>err &&
	contains err "not a valid international domain name" &&
	feedmail subscriber list >list &&
	lacks list "bob smith" &&
	lacks list "élise" &&
	lacks list "☃"
'

test_expect_success 'an international domain is stored as given' '
	feedmail -q subscriber add "contact@société.fr" &&
	feedmail subscriber list >list &&
	contains list "contact@société.fr"
'

test_expect_success 'a bad --lang is a usage error' '
	expect_code 64 feedmail subscriber add z@example.org --lang de 2>err &&
	contains err "use fr or en"
'

test_expect_success 'remove' '
	feedmail subscriber remove marie@example.org &&
	expect_code 65 feedmail subscriber remove marie@example.org 2>err &&
	contains err "no subscriber" &&
	feedmail subscriber list >list &&
	lacks list marie
'

test_expect_success 'help and usage errors name "subscriber VERB"' '
	feedmail subscriber list --help >out &&
	head -n 1 out >first &&
	printf "usage: feedmail subscriber list [--tag TAG] [--state active|paused|pending|unsubscribed] [--json]\n" >want &&
	diff want first &&
	expect_code 64 feedmail subscriber remove 2>err &&
	contains err "feedmail subscriber remove: one address" &&
	contains err "usage: feedmail subscriber remove EMAIL" &&
	expect_code 64 feedmail subscriber list --jsn 2>err &&
	contains err "did you mean '"'"'--json'"'"'?" &&
	contains err "usage: feedmail subscriber list [--tag TAG] [--state" &&
	feedmail run --help >out &&
	head -n 1 out >first &&
	printf "usage: feedmail run [--json]\n" >want &&
	diff want first
'

test_done
