#!/bin/sh
# Parser benchmark (issue 3): CPU time and peak RSS of feedmail, sfeed and
# Python feedparser on a 20+ MB RSS 2.0 and a 20+ MB Atom document.
#
#   bench/parse/run.sh [-n RUNS] [-w WORKDIR] [FEEDMAIL]
#
# FEEDMAIL is the feedmail binary (default: $FEEDMAIL, else ./src/feedmail,
# else feedmail on PATH). The documents are generated once into WORKDIR
# (default ${TMPDIR:-/tmp}/feedmail-bench-parse) by bench/gen_feed.py.
# Each parser runs RUNS times (default 5) on each document under
# /usr/bin/time; the medians of user+sys CPU time and of peak RSS are
# printed side by side, with ratios against feedmail. feedmail's memory
# goal is a difference: its peak RSS on each big document minus its peak
# RSS on a one-entry document of the same format (both from
# /usr/bin/time -v), so what the shared libraries map at start cancels out
# and what is left is what grows with the feed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
runs=5
work=${TMPDIR:-/tmp}/feedmail-bench-parse
while getopts n:w: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	w) work=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-w WORKDIR] [FEEDMAIL]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
bench_feedmail "${1:-}"

# --- prerequisites -----------------------------------------------------
bench_need_cmd "$py" python3
bench_need_cmd /usr/bin/time time
bench_need_cmd sfeed sfeed
bench_need_py feedparser python3-feedparser
bench_need_done

# --- documents ---------------------------------------------------------
mkdir -p "$work"
if [ ! -s "$work/big-rss.xml" ] || [ ! -s "$work/big-atom.xml" ] ||
   [ "$here/../gen_feed.py" -nt "$work/big-rss.xml" ]; then
	"$py" "$here/../gen_feed.py" big "$work" >/dev/null
fi
# the same formats with one entry: the base of the memory goal
if [ ! -s "$work/one/big-rss.xml" ] || [ ! -s "$work/one/big-atom.xml" ] ||
   [ "$here/../gen_feed.py" -nt "$work/one/big-rss.xml" ]; then
	"$py" "$here/../gen_feed.py" big "$work/one" --items 1 >/dev/null
fi

# the documents are past the default [fetch] max_size, which parse applies
# to files too
printf '[fetch]\nmax_size = 1G\n' >"$work/feedmail.conf"
FEEDMAIL_CONFIG=$work/feedmail.conf
export FEEDMAIL_CONFIG

# --- sanity: every parser sees all the items ---------------------------
for doc in big-rss.xml big-atom.xml; do
	f=$work/$doc
	n_fm=$("$feedmail" -q parse "$f" --json 2>/dev/null |
	       "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
	n_sf=$(sfeed <"$f" | wc -l)
	n_fp=$("$py" -c 'import feedparser,sys
print(len(feedparser.parse(sys.argv[1]).entries))' "$f")
	echo "$doc: $(wc -c <"$f") bytes; entries: feedmail $n_fm," \
	     "sfeed $n_sf, feedparser $n_fp"
done

# --- timing ------------------------------------------------------------
load0=$(cut -d' ' -f1 /proc/loadavg)
results=$work/results.txt
: >"$results"
measure() { # label doc command...
	label=$1 doc=$2
	shift 2
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -o "$work/time.out" -f '%U %S %M' "$@" \
			>/dev/null 2>"$work/stderr.out" ||
			{ echo "$label failed on $doc:" >&2;
			  cat "$work/stderr.out" >&2; exit 70; }
		echo "$label $doc $(tail -n 1 "$work/time.out")" >>"$results"
		i=$((i + 1))
	done
}

# feedmail's peak RSS: `time -v`'s "Maximum resident set size", in KiB
measure_v() { # label doc command...
	label=$1 doc=$2
	shift 2
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -v -o "$work/time.out" "$@" \
			>/dev/null 2>"$work/stderr.out" ||
			{ echo "$label failed on $doc:" >&2;
			  cat "$work/stderr.out" >&2; exit 70; }
		echo "$label $doc $(awk -F': ' '
			/User time/ { u = $2 } /System time/ { s = $2 }
			/Maximum resident set size/ { m = $2 }
			END { print u, s, m }' "$work/time.out")" >>"$results"
		i=$((i + 1))
	done
}

for doc in big-rss.xml big-atom.xml; do
	f=$work/$doc
	measure_v feedmail-one "$doc" "$feedmail" -q parse "$work/one/$doc" \
		--json
	measure_v feedmail "$doc" "$feedmail" -q parse "$f" --json
	measure sfeed "$doc" sh -c 'exec sfeed <"$1"' sh "$f"
	measure feedparser "$doc" "$py" -c \
		'import feedparser,sys; feedparser.parse(sys.argv[1])' "$f"
done

"$py" - "$results" "$runs" "$load0" <<'EOF'
import os, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, doc, u, s, m = line.split()
    rows.setdefault((doc, label), []).append((float(u) + float(s), int(m)))
print("\nmedians of %s runs (CPU = user+sys seconds, RSS = peak KiB)"
      % sys.argv[2])
print("%-13s %-11s %9s %9s %10s %9s" % ("document", "parser", "CPU s",
      "x feedm.", "RSS KiB", "x feedm."))
for doc in ("big-rss.xml", "big-atom.xml"):
    print("%-13s %-11s %9s %9s %10d %9s" % ("(1 entry)", "feedmail", "", "",
          statistics.median(x[1] for x in rows[(doc, "feedmail-one")]), ""))
    base = None
    for label in ("feedmail", "sfeed", "feedparser"):
        r = rows[(doc, label)]
        cpu = statistics.median(x[0] for x in r)
        rss = statistics.median(x[1] for x in r)
        if base is None:
            base = (cpu, rss)
        print("%-13s %-11s %9.2f %9.2f %10d %9.2f" % (
            doc, label, cpu, cpu / base[0] if base[0] else float("nan"),
            rss, rss / base[1]))
    fm = statistics.median(x[0] for x in rows[(doc, "feedmail")])
    sf = statistics.median(x[0] for x in rows[(doc, "sfeed")])
    rss = statistics.median(x[1] for x in rows[(doc, "feedmail")])
    one = statistics.median(x[1] for x in rows[(doc, "feedmail-one")])
    print("  goals: feedmail CPU <= sfeed: %s (%.2f s vs %.2f s);"
          " peak RSS on it minus on one entry < 2 MiB: %s (%d - %d ="
          " %d KiB)" % (
              "met" if fm <= sf else "MISSED", fm, sf,
              "met" if rss - one < 2 * 1024 else "MISSED", rss, one,
              rss - one))
print("load average at the start %s, at the end %.2f (%d CPUs)" % (
    sys.argv[3], os.getloadavg()[0], os.cpu_count()))
EOF
