#!/bin/sh
# Fetch benchmark (issue 4): feedmail against sfeed_update, newsboat and
# rss2email (r2e) on 1000 feeds served by a private nginx on 127.0.0.1.
#
#   bench/fetch/run.sh [-w WORKDIR] [FEEDMAIL] [-- BENCH.PY OPTIONS]
#
# FEEDMAIL is the feedmail binary (default: $FEEDMAIL, else ./src/feedmail,
# else feedmail on PATH). WORKDIR (default ${TMPDIR:-/tmp}/feedmail-bench-
# fetch) is wiped and filled with the feeds, nginx's files and each tool's
# store. Options after -- go to bench.py: --runs N (3), --store-runs N (5),
# --feeds N (1000), --items N (20), --jobs N (16), --tools a,b,...,
# --no-store, --json FILE. See bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${TMPDIR:-/tmp}/feedmail-bench-fetch
while getopts w: opt; do
	case $opt in
	w) work=$OPTARG ;;
	*) echo "usage: $0 [-w WORKDIR] [FEEDMAIL] [-- OPTIONS]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
feedmail=
if [ $# -gt 0 ] && [ "$1" != -- ]; then
	feedmail=$1
	shift
fi
[ $# -gt 0 ] && [ "$1" = -- ] && shift
feedmail=${feedmail:-${FEEDMAIL:-}}
if [ -z "$feedmail" ]; then
	if [ -x ./src/feedmail ]; then
		feedmail=./src/feedmail
	else
		feedmail=$(command -v feedmail || true)
	fi
fi
py=/usr/bin/python3

missing=
[ -x "$py" ] || missing="$missing python3"
[ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v sfeed_update >/dev/null 2>&1 || missing="$missing sfeed"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v newsboat >/dev/null 2>&1 || missing="$missing newsboat"
command -v r2e >/dev/null 2>&1 || missing="$missing rss2email"
if [ -n "$missing" ]; then
	echo "missing:$missing" >&2
	echo "install with: sudo apt-get install$missing" >&2
	exit 69
fi
if [ -z "$feedmail" ] || [ ! -x "$feedmail" ]; then
	echo "no feedmail binary: build it (make src/feedmail) and pass its" \
	     "path, or set FEEDMAIL" >&2
	exit 69
fi

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" "$@"
