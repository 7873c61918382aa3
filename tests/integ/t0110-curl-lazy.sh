#!/bin/sh
# libcurl is opened on the first fetch (src/fetch/curl_lazy.c), not linked: a
# command that never fetches runs without it, and a fetch without a usable
# libcurl.so.4 fails with a message naming it, never a crash. A stand-in
# "libcurl.so.4" found first through LD_LIBRARY_PATH plays the broken or
# missing library.
. "$TEST_SRCDIR/tests/lib.sh"

mkdir -p www broken empty
cp "$FIXTURES/fetch/feed.xml" www/
start_http || exit 1
# not an ELF file: dlopen fails
echo 'not a shared library' >broken/libcurl.so.4
# a real library that is not libcurl: dlopen works, dlsym does not
other=$(ldd "$FEEDMAIL" | awk '$1 ~ /^libinih\.so/ { print $3 }')
[ -n "$other" ] && [ -f "$other" ] && cp "$other" empty/libcurl.so.4

test_expect_success 'parse FILE never loads libcurl' '
	env LD_LIBRARY_PATH="$TEST_DIR/broken" "$FEEDMAIL" parse www/feed.xml \
		--json >out 2>err &&
	contains out "\"entries\":" &&
	lacks err libcurl
'

test_expect_success 'a fetch loads libcurl and works through it' '
	feedmail parse "$HTTP_URL/etag/feed.xml" --json >out 2>err &&
	contains out "\"entries\":" &&
	feedmail add "$HTTP_URL/etag/feed.xml" >/dev/null &&
	feedmail fetch --all >out &&
	contains out "1 fetched, 0 not modified, 0 failed" &&
	feedmail fetch --all >out &&
	contains out "0 fetched, 1 not modified, 0 failed"
'

# 69 (EX_UNAVAILABLE): the system lacks a library
test_expect_success 'no loadable libcurl.so.4: a clear error, no crash' '
	expect_code 69 env LD_LIBRARY_PATH="$TEST_DIR/broken" \
		"$FEEDMAIL" parse "$HTTP_URL/etag/feed.xml" >out 2>err &&
	contains err "cannot load libcurl.so.4" &&
	contains err "install the Debian package libcurl4" &&
	expect_code 69 env LD_LIBRARY_PATH="$TEST_DIR/broken" \
		"$FEEDMAIL" fetch --all >out 2>err &&
	contains err "cannot load libcurl.so.4" &&
	test "$(grep -c "cannot load libcurl.so.4" err)" = 1
'

if [ -f empty/libcurl.so.4 ]; then
	test_expect_success 'a libcurl.so.4 without the functions: same' '
		expect_code 69 env LD_LIBRARY_PATH="$TEST_DIR/empty" \
			"$FEEDMAIL" parse "$HTTP_URL/etag/feed.xml" >out 2>err &&
		contains err "libcurl.so.4 has no curl_" &&
		contains err "install the Debian package libcurl4"
	'
fi

test_done
