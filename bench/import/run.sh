#!/bin/sh
# Import benchmark (issue 17): `feedmail subscriber import` of a CSV of
# members into a fresh store, as an admin setting up a list does.
#
#   bench/import/run.sh [-n RUNS] [-m MEMBERS] [-w WORKDIR] [FEEDMAIL]
#
# MEMBERS rows (default 600: name, language, three tags, a schedule and a
# zone each) are written once into WORKDIR (default
# ${TMPDIR:-/tmp}/feedmail-bench-import). Each of RUNS runs (default 11)
# starts from an empty store (made and migrated beforehand, not timed)
# and times the import under /usr/bin/time; the median wall-clock and
# CPU (user+sys) seconds are printed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
runs=11
members=600
work=${TMPDIR:-/tmp}/feedmail-bench-import
while getopts n:m:w: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	m) members=$OPTARG ;;
	w) work=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-m MEMBERS] [-w WORKDIR] [FEEDMAIL]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
bench_feedmail "${1:-}"

bench_need_cmd "$py" python3
bench_need_cmd /usr/bin/time time
bench_need_done

mkdir -p "$work"
cd "$work"
"$py" - "$members" >members.csv <<'PY'
import sys
tags = ["Isère", "Drôme", "Savoie", "Haute Savoie", "news", "sport"]
print("email,name,lang,tags,schedule,timezone")
for i in range(int(sys.argv[1])):
    t = ";".join(tags[(i + k) % len(tags)] for k in range(3))
    print('member%d@example.org,"Member %d, Jr",%s,%s,daily@07:00,'
          'Europe/Paris' % (i, i, "fr" if i % 2 else "en", t))
PY
printf '[store]\npath = %s/import.db\n' "$work" >feedmail.conf
export FEEDMAIL_CONFIG="$work/feedmail.conf"

i=0
: >times
while [ "$i" -lt "$runs" ]; do
	rm -f import.db import.db-wal import.db-shm import.db.lock
	"$feedmail" -q subscriber list >/dev/null
	/usr/bin/time -f '%e %U %S' -o time.1 \
		"$feedmail" -q subscriber import members.csv 2>/dev/null
	cat time.1 >>times
	i=$((i + 1))
done
test "$("$feedmail" subscriber list --json | "$py" -c \
	'import json, sys; print(len(json.load(sys.stdin)))')" = "$members"
"$py" - "$members" "$runs" times <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[3]) if line.strip()]
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
print("subscriber import of %s members, %s runs: median %.3f s wall, "
      "%.3f s CPU" % (sys.argv[1], sys.argv[2], wall, cpu))
PY
