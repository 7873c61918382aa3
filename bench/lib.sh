# Sourced by bench/*/run.sh: finding the feedmail binary and checking the
# prerequisites. A run.sh sets its default work dir, then
#
#	bench_args "$@"; shift $bench_used	# -w WORKDIR, FEEDMAIL, --
#	bench_need_cmd sfeed sfeed		# one line per prerequisite
#	bench_need_py feedparser python3-feedparser
#	bench_need_done
#
# (parse/run.sh, whose options differ, parses its own and calls
# bench_feedmail.) Missing prerequisites are listed with the apt-get line
# that installs them, and the script exits 69 (EX_UNAVAILABLE), as it does
# without a feedmail binary.

py=/usr/bin/python3
missing=

# bench_args ARGS...: parses "[-w WORKDIR] [FEEDMAIL] [-- OPTIONS]"; sets
# work (when -w is given), feedmail (see bench_feedmail), and bench_used
# to the number of arguments taken, which the caller shifts.
bench_args() {
	OPTIND=1
	bench_used=0
	while getopts w: opt; do
		case $opt in
		w) work=$OPTARG ;;
		*) echo "usage: $0 [-w WORKDIR] [FEEDMAIL] [-- OPTIONS]" >&2
		   exit 64 ;;
		esac
		bench_used=$((OPTIND - 1))
	done
	# getopts takes a "--" itself: then no FEEDMAIL follows, only OPTIONS
	if [ $((OPTIND - 1)) -gt $bench_used ]; then
		bench_used=$((OPTIND - 1))
		bench_feedmail ""
		return
	fi
	shift $bench_used
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		bench_feedmail "$1"
		bench_used=$((bench_used + 1))
		shift
	else
		bench_feedmail ""
	fi
	if [ $# -gt 0 ] && [ "$1" = -- ]; then
		bench_used=$((bench_used + 1))
	fi
}

# bench_feedmail [PATH]: sets feedmail to PATH, else $FEEDMAIL, else
# ./src/feedmail, else feedmail on PATH, made absolute (the benchmarks
# change directory); empty when there is none.
bench_feedmail() {
	feedmail=${1:-${FEEDMAIL:-}}
	if [ -z "$feedmail" ]; then
		if [ -x ./src/feedmail ]; then
			feedmail=./src/feedmail
		else
			feedmail=$(command -v feedmail || true)
		fi
	fi
	case $feedmail in
	/*) ;;
	?*) feedmail=$(pwd)/$feedmail ;;
	esac
}

# bench_need_cmd NAME PACKAGE: NAME (a command, or an absolute path) must
# be executable, else PACKAGE is missing.
bench_need_cmd() {
	case $1 in
	/*) [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac || missing="$missing $2"
}

# bench_need_py MODULE PACKAGE: $py must import MODULE (checked only when
# $py itself is there: its own bench_need_cmd reports it).
bench_need_py() {
	if [ -x "$py" ] && ! "$py" -c "import $1" 2>/dev/null; then
		missing="$missing $2"
	fi
}

# bench_need_done: exits 69 if anything is missing, the binary included.
bench_need_done() {
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
}
