#!/bin/sh
# Replays the fuzz corpora and the parser fixtures through the fuzz targets
# with fuzz/replay.c's plain main(), so every build (gcc, --enable-sanitizers)
# runs what the fuzzers found: a crash, an abort on a broken invariant or an
# unreadable input fails the case.
. "$TEST_SRCDIR/tests/lib.sh"

: "${TEST_BUILDDIR:?TEST_BUILDDIR must name the build tree}"

# replay NAME DIR...: runs fuzz/replay_NAME over the DIRs that exist.
replay() {
	name=$1
	shift
	dirs=
	for dir in "$@"; do
		[ -d "$dir" ] && dirs="$dirs $dir"
	done
	# shellcheck disable=SC2086 # the directories are split on purpose
	"$TEST_BUILDDIR/fuzz/replay_$name" $dirs >"replay_$name.out" &&
	cat "replay_$name.out" &&
	! grep -q '^replay: 0 inputs' "replay_$name.out"
}

test_expect_success 'the date corpus replays through fuzz_date' '
	replay date "$TEST_SRCDIR/fuzz/corpus/date"
'

test_expect_success 'the parse corpus and fixtures replay through fuzz_parse' '
	replay parse "$TEST_SRCDIR/fuzz/corpus/parse" \
		"$TEST_SRCDIR/tests/fixtures/parse"
'

test_expect_success 'replay fails on an unreadable input' '
	expect_code 1 "$TEST_BUILDDIR/fuzz/replay_date" "$TEST_DIR/missing"
'

test_done
