#!/bin/sh
# Digest benchmark (issue 6): digests for 10,000 subscribers with 30 new
# entries each, routed by tags, from a store of 200,000 entries; time per
# digest and peak RSS, and the same at 2,000 subscribers to see whether
# memory grows with them.
#
#   bench/digest/run.sh [-w WORKDIR] [FEEDMAIL] [-- BENCH.PY OPTIONS]
#
# FEEDMAIL is the feedmail binary (default: $FEEDMAIL, else ./src/feedmail,
# else feedmail on PATH). WORKDIR (default ${TMPDIR:-/tmp}/feedmail-bench-
# digest) keeps the feeds and the stores between runs (about 3 GB at the
# peak); they are built again only when their parameters change or with
# --rebuild. Options after -- go to bench.py: --feeds N (1000), --items N
# (200), --subs N (10000), --small N (2000), --runs N (3), --no-hyperfine,
# --maildir DIR, --rebuild, --json FILE. See bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${TMPDIR:-/tmp}/feedmail-bench-digest
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
[ -x /usr/bin/time ] || missing="$missing time"
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
# hyperfine times the runs when installed (apt-get install hyperfine);
# without it, /usr/bin/time does

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" "$@"
