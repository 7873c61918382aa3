#!/bin/sh
# One-click benchmark (issue 12): wrk POSTs RFC 8058 one-click requests to
# feedmail serve on loopback, alone and while `feedmail send` delivers
# 10,000 digests to the C sink (bench/send/csink.c); send's rate with and
# without the load.
#
#   bench/serve/run.sh [-w WORKDIR] [FEEDMAIL] [-- BENCH.PY OPTIONS]
#
# FEEDMAIL is the feedmail binary (default: $FEEDMAIL, else ./src/feedmail,
# else feedmail on PATH). WORKDIR (default ${TMPDIR:-/tmp}/feedmail-bench-
# serve) is wiped and filled with the feed and the stores. Options after
# -- go to bench.py: --runs N (3), --readers N (10000), --leavers N
# (300000), --duration S (10), --threads N (2), --connections N (16),
# --json FILE. See bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
work=${TMPDIR:-/tmp}/feedmail-bench-serve
bench_args "$@"
shift $bench_used

bench_need_cmd "$py" python3
bench_need_cmd wrk wrk
bench_need_cmd /usr/bin/time time
bench_need_cmd cc gcc
[ -f /usr/include/openssl/hmac.h ] || missing="$missing libssl-dev"
bench_need_done

# the C sink (bench/send/csink.c), and mktokens.c built with feedmail's
# own src/lib/token.c (and the hash.c it uses) (an empty config.h stands for the build's)
bin=${TMPDIR:-/tmp}/feedmail-bench-serve-bin
mkdir -p "$bin"
: >"$bin/config.h"
cc -O2 -o "$bin/csink" "$here/../send/csink.c"
cc -O2 -I "$bin" -I "$here/../../src" -o "$bin/mktokens" \
	"$here/mktokens.c" "$here/../../src/lib/token.c" \
	"$here/../../src/lib/hash.c" -lcrypto

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" \
	--csink "$bin/csink" --mktokens "$bin/mktokens" "$@"
