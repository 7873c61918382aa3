#!/bin/sh
# The parser against the external conformance corpus (feedparser's test
# feeds, ../shared/conformance next to the source tree; not part of the
# repository). Fails when fewer checks pass than tests/conformance-floor
# says: raise the floor when the parser gets better, never lower it.
. "$TEST_SRCDIR/tests/lib.sh"

CONFORMANCE=$TEST_SRCDIR/../shared/conformance
FLOOR_FILE=$TEST_SRCDIR/tests/conformance-floor

if [ ! -f "$CONFORMANCE/check.py" ]; then
	test_skip_all "no conformance corpus at $CONFORMANCE"
fi

test_expect_success 'conformance pass count does not drop below the floor' '
	floor=$(cat "$FLOOR_FILE") &&
	"$PYTHON3" "$CONFORMANCE/check.py" --report --verbose \
		--parser "$FEEDMAIL parse {file} --json --base {url} \
			--headers {headers}" \
		>report 2>&1 &&
	last=$(tail -n 1 report) &&
	echo "$last (floor $floor)" &&
	passed=${last%% passed*} &&
	case $passed in ""|*[!0-9]*) echo "bad report: $last"; exit 1 ;; esac &&
	if [ "$passed" -lt "$floor" ]; then
		grep -A1 "^FAIL" report
		echo "conformance fell to $passed, floor is $floor"
		exit 1
	fi
'

test_done
