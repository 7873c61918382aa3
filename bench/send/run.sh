#!/bin/sh
# Delivery benchmark (issue 5): feedmail send of one digest per subscriber
# to a counting SMTP sink (aiosmtpd) and to a Maildir, at 10,000 and 1,000
# subscribers, beside rss2email (r2e) sending the same entries to the sink;
# the SMTP runs again through a sink in C (csink.c), whose CPU is small
# enough to show feedmail's own rate.
#
#   bench/send/run.sh [-w WORKDIR] [FEEDMAIL] [-- BENCH.PY OPTIONS]
#
# FEEDMAIL is the feedmail binary (default: $FEEDMAIL, else ./src/feedmail,
# else feedmail on PATH). WORKDIR (default ${TMPDIR:-/tmp}/feedmail-bench-
# send) is wiped and filled with the feed, the stores and the shim. Options
# after -- go to bench.py: --runs N (3), --slow-runs N (--runs: aiosmtpd
# SMTP at --subs), --subs N (10000), --small N (1000), --items N (30),
# --no-r2e, --json FILE. See bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${TMPDIR:-/tmp}/feedmail-bench-send
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
[ -x "$py" ] && ! "$py" -c 'import aiosmtpd' 2>/dev/null &&
	missing="$missing python3-aiosmtpd"
[ -x /usr/bin/time ] || missing="$missing time"
command -v r2e >/dev/null 2>&1 || missing="$missing rss2email"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
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

# the sink in C, for the second figure (see csink.c). The TCP_NODELAY
# shim (nodelay.c) is no longer run by default: feedmail sets the option
# itself since b2de13b; bench/README.md says how to run it.
csink=${TMPDIR:-/tmp}/feedmail-bench-send-csink
cc -O2 -o "$csink" "$here/csink.c"

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" \
	--csink "$csink" "$@"
