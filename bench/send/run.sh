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
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
work=${TMPDIR:-/tmp}/feedmail-bench-send
bench_args "$@"
shift $bench_used

bench_need_cmd "$py" python3
bench_need_py aiosmtpd python3-aiosmtpd
bench_need_cmd /usr/bin/time time
bench_need_cmd r2e rss2email
bench_need_cmd cc gcc
bench_need_done

# the sink in C, for the second figure (see csink.c). The TCP_NODELAY
# shim (nodelay.c) is no longer run by default: feedmail sets the option
# itself since b2de13b; bench/README.md says how to run it.
csink=${TMPDIR:-/tmp}/feedmail-bench-send-csink
cc -O2 -o "$csink" "$here/csink.c"

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" \
	--csink "$csink" "$@"
