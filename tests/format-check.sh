#!/bin/sh
# tests/format-check.sh: the C code of src/, tests/unit/ and fuzz/ follows
# .clang-format (scripts/format -i applies it), one TAP case a folder.
# Another clang-format than the one the file was tuned with (Debian 12's,
# 14) may lay some lines out otherwise: then the check skips.
set -u

top=${TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
: "${CLANG_FORMAT:=clang-format}"
version=$("$CLANG_FORMAT" --version 2>/dev/null |
	sed -n 's/.*clang-format version \([0-9]*\)\..*/\1/p')
if [ "$version" != 14 ]; then
	echo "1..0 # SKIP clang-format 14 not found (scripts/setup installs it)"
	exit 77
fi

n=0
failed=0
for dir in src tests/unit fuzz; do
	n=$((n + 1))
	files=$(cd "$top" && find "$dir" -name '*.[ch]' | LC_ALL=C sort)
	out=$(cd "$top" && CLANG_FORMAT=$CLANG_FORMAT scripts/format $files 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok $n - $dir/ follows .clang-format"
	else
		echo "not ok $n - $dir/ follows .clang-format"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
