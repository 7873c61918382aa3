#!/bin/sh
# tests/include-check.sh: reads every #include line under src/ and checks
# the two rules of README.md's "Layout", one TAP case each:
#
# - layers, dependencies pointing down only: cli -> app -> fetch, mail, web
#   -> parse, store -> lib. A folder includes its own headers ("lib/buf.h",
#   or "x.h" beside the file) and those of strictly lower layers; never one
#   above it or beside it, never by a relative path ("../").
# - each third-party library is included from its own place only (the
#   table below).
#
#   tests/include-check.sh               src/ of this tree, then self-tests
#   tests/include-check.sh --root DIR    DIR/src only
#
# A violation names the file, the line and the rule.
set -u
# the patterns below are words to match, never to expand here
set -f

top=$(cd "$(dirname "$0")/.." && pwd)
root=${TEST_SRCDIR:-$top}
self_test=yes
case ${1:-} in
--root)
	[ $# -eq 2 ] || { echo "usage: $0 [--root DIR]" >&2; exit 64; }
	root=$2
	self_test=no
	;;
'') ;;
*) echo "usage: $0 [--root DIR]" >&2; exit 64 ;;
esac

# The layers, lowest first: a folder's rank is its place in this list.
LAYERS="lib parse:store fetch:mail:web app cli"

# LIBRARY HEADERS PLACES: each third-party library, the headers that are
# its (shell patterns), and the only files that may include them (shell
# patterns, where * also matches /).
LIBRARIES='
sqlite3|sqlite3.h|src/store/sqlite.c
libpq|libpq-fe.h|src/store/pg.c
libcurl|curl/*|src/fetch/http.c
libesmtp|libesmtp.h auth-client.h|src/mail/smtp.c
openssl|openssl/*|src/mail/smtp*.c src/lib/token.c
libxml2|libxml/*|src/parse/* src/lib/html.c
libinih|ini.h|src/lib/conf.c
libidn2|idn2.h|src/lib/addr.c
jansson|jansson.h|src/parse/* src/store/* src/cli/*
libmicrohttpd|microhttpd.h|src/web/*
'


# rank FOLDER: its layer's rank (0 is lib), or nothing when it is none.
rank() {
	r=0
	for l in $LAYERS; do
		case ":$l:" in
		*":$1:"*) echo $r; return ;;
		esac
		r=$((r + 1))
	done
}

# below RANK: the folders of the layers under RANK.
below() {
	r=0
	out=
	for l in $LAYERS; do
		[ $r -lt "$1" ] && out="$out $(echo "$l" | tr : ' ')"
		r=$((r + 1))
	done
	echo "${out# }"
}

# matches WORD PATTERNS: WORD matches one of the shell PATTERNS.
matches() {
	w=$1
	shift
	for p in $*; do
		# shellcheck disable=SC2254
		case $w in
		$p) return 0 ;;
		esac
	done
	return 1
}

# violations DIR: every violation under DIR/src, one line each:
# "RULE<TAB>FILE:LINE: WHAT", RULE being "layer FOLDER" or "library NAME",
# FILE relative to DIR.
violations() {
	(
		cd "$1" || exit 2
		# FILE:LINE:<name.h> or FILE:LINE:"name.h"
		find src -name '*.[ch]' | LC_ALL=C sort |
			xargs grep -nE '^[[:space:]]*#[[:space:]]*include' /dev/null |
			sed -n 's/^\([^:]*:[0-9]*:\)[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1\2/p'
	) | while IFS= read -r line; do
		file=${line%%:*}
		rest=${line#*:}
		num=${rest%%:*}
		name=${rest#*:}
		where="$file:$num"
		sub=${file#src/}
		folder=${sub%%/*}
		[ "$folder" = "$sub" ] && folder=
		case $name in
		\"*)
			header=${name#?}
			header=${header%?}
			case $header in
			*../*|./*|/*)
				printf 'layer %s\t%s: includes %s by a relative path: include by layer, "store/store.h"\n' \
					"${folder:-src}" "$where" "$name"
				continue ;;
			*/*) ;;
			*) continue ;; # config.h, or a header beside the file
			esac
			to=${header%%/*}
			fr=$(rank "$folder")
			tr_=$(rank "$to")
			if [ -z "$fr" ]; then
				printf 'layer %s\t%s: %s is in no layer folder (%s)\n' \
					"${folder:-src}" "$where" "$file" "$LAYERS"
			elif [ "$to" = "$folder" ]; then
				:
			elif [ -z "$tr_" ]; then
				printf 'layer %s\t%s: includes %s, of no layer\n' \
					"$folder" "$where" "$name"
			elif [ "$tr_" -gt "$fr" ]; then
				printf 'layer %s\t%s: includes %s, of the layer above (%s may include %s)\n' \
					"$folder" "$where" "$name" "$folder" "$(below "$fr")"
			elif [ "$tr_" -eq "$fr" ]; then
				printf 'layer %s\t%s: includes %s, of the layer beside it (%s may include %s)\n' \
					"$folder" "$where" "$name" "$folder" "$(below "$fr")"
			fi
			;;
		\<*)
			header=${name#?}
			header=${header%?}
			echo "$LIBRARIES" | while IFS='|' read -r lib headers places; do
				[ -n "$lib" ] || continue
				matches "$header" "$headers" || continue
				matches "$file" "$places" && continue
				printf 'library %s\t%s: includes %s, which only %s may include\n' \
					"$lib" "$where" "$name" "$places"
			done
			;;
		esac
	done
}

n=0
failed=0
# tap OK DESCRIPTION: one TAP line
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# check DIR: the cases for the tree DIR.
check() {
	if [ ! -d "$1/src" ]; then
		tap "not ok" "$1/src is there to check"
		return
	fi
	found=$(violations "$1")
	for l in $LAYERS; do
		for f in $(echo "$l" | tr : ' '); do
			case $f in web) [ -d "$1/src/web" ] || continue ;; esac
			rule="layer $f"
			bad=$(printf '%s\n' "$found" | grep -F -- "$rule	" | cut -f2-)
			if [ -z "$bad" ]; then
				tap ok "src/$f/ includes only from ${f} and the layers below"
			else
				tap "not ok" "src/$f/ includes only from ${f} and the layers below"
				printf '%s\n' "$bad" | sed 's/^/#   /'
			fi
		done
	done
	bad=$(printf '%s\n' "$found" | grep '^layer src	' | cut -f2-)
	if [ -n "$bad" ]; then
		tap "not ok" "every file under src/ is in a layer folder"
		printf '%s\n' "$bad" | sed 's/^/#   /'
	fi
	echo "$LIBRARIES" | while IFS='|' read -r lib headers places; do
		[ -n "$lib" ] || continue
		bad=$(printf '%s\n' "$found" | grep -F -- "library $lib	" | cut -f2-)
		if [ -z "$bad" ]; then
			echo "ok - <$headers> only in $places"
		else
			echo "not ok - <$headers> only in $places"
			printf '%s\n' "$bad" | sed 's/^/#   /'
		fi
	done | {
		# the pipe runs in a subshell: renumber and count here
		while IFS= read -r l; do
			case $l in
			"ok - "*) tap ok "${l#ok - }" ;;
			"not ok - "*) tap "not ok" "${l#not ok - }" ;;
			*) echo "$l" ;;
			esac
		done
		echo "$n $failed" >"$tmp/count"
	}
	read -r n failed <"$tmp/count"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/include-check.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

if [ "$self_test" = no ]; then
	check "$root"
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
fi

check "$root"

# Self-tests: the check must be able to fail. tests/fixtures/include-check/
# holds a tree that follows the rules and one that breaks each.
fixtures=$root/tests/fixtures/include-check
if sh "$0" --root "$fixtures/good" >"$tmp/good" 2>&1; then
	tap ok "self-test: a tree that follows the rules passes"
else
	tap "not ok" "self-test: a tree that follows the rules passes"
	sed 's/^/#   /' "$tmp/good"
fi
sh "$0" --root "$fixtures/bad" >"$tmp/bad" 2>&1
rc=$?
# what the bad tree breaks, as the check must say it
while IFS= read -r want; do
	[ -n "$want" ] || continue
	if [ $rc -ne 0 ] && grep -qF -- "$want" "$tmp/bad"; then
		tap ok "self-test: finds $want"
	else
		tap "not ok" "self-test: finds $want"
		sed 's/^/#   /' "$tmp/bad"
	fi
done <<'EOF'
src/lib/up.c:3: includes "store/store.h", of the layer above
src/parse/beside.c:4: includes "store/store.h", of the layer beside it
src/fetch/beside.h:2: includes "mail/mail.h", of the layer beside it
src/app/rel.c:2: includes "../lib/buf.h" by a relative path
src/stray.c:1: src/stray.c is in no layer folder
src/store/lock.c:3: includes <curl/curl.h>, which only
src/cli/main.c:5: includes <sqlite3.h>, which only
src/mail/digest.c:2: includes <libxml/tree.h>, which only
src/lib/str.c:3: includes <jansson.h>, which only
EOF
echo "1..$n"
[ "$failed" -eq 0 ]
