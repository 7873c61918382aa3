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
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
work=${TMPDIR:-/tmp}/feedmail-bench-digest
bench_args "$@"
shift $bench_used

bench_need_cmd "$py" python3
bench_need_cmd /usr/bin/time time
bench_need_done
# hyperfine times the runs when installed (apt-get install hyperfine);
# without it, /usr/bin/time does

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" "$@"
