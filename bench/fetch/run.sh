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
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
work=${TMPDIR:-/tmp}/feedmail-bench-fetch
bench_args "$@"
shift $bench_used

bench_need_cmd "$py" python3
bench_need_cmd /usr/sbin/nginx nginx-light
bench_need_cmd sfeed_update sfeed
bench_need_cmd curl curl
bench_need_cmd newsboat newsboat
bench_need_cmd r2e rss2email
bench_need_done

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" "$@"
