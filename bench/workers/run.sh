#!/bin/sh
# Workers benchmark (issue 14): 1, 2 and 4 `feedmail run` workers on one
# PostgreSQL (a throwaway cluster on 127.0.0.1), beside SQLite with one
# worker: feeds served 200 ms late by latency.py on many loopback
# addresses, digests to the C sink of bench/send (csink.c).
#
#   bench/workers/run.sh [-w WORKDIR] [FEEDMAIL] [-- BENCH.PY OPTIONS]
#
# FEEDMAIL is the feedmail binary, built with the PostgreSQL store
# (default: $FEEDMAIL, else ./src/feedmail, else feedmail on PATH). WORKDIR
# (default ${TMPDIR:-/tmp}/feedmail-bench-workers) is wiped and filled with
# the cluster, the stores and the logs. Options after -- go to bench.py:
# --sizes F:S,F:S (2500:25000,10000:100000), --workers 1,2,4, --jobs N
# (25), --per-host N (2), --items N (3), --runs N (3), --delay S (0.2),
# --pg-set NAME=VALUE (repeatable), --no-sqlite, --json FILE. See
# bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
work=${TMPDIR:-/tmp}/feedmail-bench-workers
bench_args "$@"
shift $bench_used

bench_need_cmd "$py" python3
bench_need_cmd /usr/bin/time time
bench_need_cmd cc gcc
pgbin=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV) \
	"$(dirname "$(command -v initdb 2>/dev/null || echo /none/initdb)")"; do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ]; then
		pgbin=$d
		break
	fi
done
[ -n "$pgbin" ] || missing="$missing postgresql"
bench_need_done
# a binary with the PostgreSQL store tries the server (port 1 refuses);
# one without it would take the URL for a path: in a folder of its own
probe_dir=$(mktemp -d)
probe=$(cd "$probe_dir" && "$feedmail" -q -d \
	postgresql://nobody@127.0.0.1:1/none list 2>&1 || true)
rm -rf "$probe_dir"
case $probe in
*"cannot connect"*) ;;
*)	echo "$feedmail was not built with the PostgreSQL store: install" \
	     "libpq-dev and run configure again" >&2
	exit 69 ;;
esac

# the SMTP sink in C of the delivery benchmark
csink=${TMPDIR:-/tmp}/feedmail-bench-workers-csink
cc -O2 -o "$csink" "$here/../send/csink.c"

exec "$py" "$here/bench.py" --feedmail "$feedmail" --work "$work" \
	--csink "$csink" "$@"
