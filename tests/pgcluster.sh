#!/bin/sh
# tests/pgcluster.sh: a throwaway PostgreSQL cluster for the tests, in a
# folder of their own, on a private port and socket folder.
#
#   tests/pgcluster.sh start DIR   initdb + pg_ctl start in DIR; prints the
#                                  URL of its database "feedmail" (created)
#   tests/pgcluster.sh url DIR [DB]  the URL of database DB (default
#                                  feedmail) of the cluster in DIR, created
#                                  if missing
#   tests/pgcluster.sh sql DIR DB SQL  runs SQL on database DB (created if
#                                  missing); prints the rows, columns
#                                  separated by tabs, NULL as nothing
#   tests/pgcluster.sh stop DIR    stops it (DIR is left to its owner)
#
# Exits 77 when the server binaries are missing (Debian: postgresql), so
# that a test can skip. When PGCLUSTER_TEMPLATE names a folder, initdb (the
# slowest step: seconds on a loaded machine) runs once, into that folder,
# and every start copies its files (tests/lib.sh names one in the build
# tree, so that a `make check` runs initdb once).
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the user
# postgres (which Debian's package creates), and every client connects as
# that role over the socket, without a password; the folders above DIR are
# then made searchable by others (mktemp -d makes them 0700).
set -u

# the folder of initdb, pg_ctl, psql and createdb: Debian keeps them out of
# PATH, under the server's version (the newest wins)
bindir() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		[ -x "$d/initdb" ] && [ -x "$d/psql" ] && { echo "$d"; return; }
	done
	d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
	[ -x "$d/psql" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
	return 1
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

role() {
	if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# searchable DIR: as root, the folders above DIR (mktemp -d makes them
# 0700) let the user postgres through.
searchable() {
	[ "$(id -u)" = 0 ] || return 0
	up=$(cd "$1/.." && pwd)
	while [ "$up" != / ]; do
		chmod o+x "$up" || return 1
		up=$(dirname "$up")
	done
}

# initdb_in DATA LOG: a new cluster's files in DATA; never synced to disk,
# since the cluster lives as long as one test.
initdb_in() {
	as_owner "$bin/initdb" --no-sync --wal-segsize=1 -D "$1" -A trust \
		-U "$(role)" -E UTF8 --locale=C.UTF-8 >"$2" 2>&1 || {
		cat "$2" >&2
		return 1
	}
}

# template TMPL: TMPL/data, made once by initdb for every start to copy;
# made again when the server or the role is another. Starts at once wait
# for the first to make it (flock).
template() {
	mkdir -p "$1" && searchable "$1" || return 1
	[ "$(id -u)" != 0 ] || chown postgres "$1" || return 1
	(
		flock 9 || exit 1
		stamp="$bin $(role)"
		[ -d "$1/data" ] && [ "$(cat "$1/stamp" 2>/dev/null)" = "$stamp" ] &&
			exit 0
		rm -rf "$1/data" "$1/new" &&
			initdb_in "$1/new" "$1/initdb.log" &&
			mv "$1/new" "$1/data" &&
			echo "$stamp" >"$1/stamp"
	) 9>"$1/lock"
}

url() {
	port=$(cat "$1/port")
	echo "postgresql://$(role)@/$2?host=$1/socket&port=$port"
}

createdb_if_missing() {
	bin=$(bindir) || exit 77
	port=$(cat "$1/port")
	as_owner "$bin/psql" -h "$1/socket" -p "$port" -d postgres -Atqc \
		"SELECT 1 FROM pg_database WHERE datname = '$2'" | grep -q 1 ||
		as_owner "$bin/createdb" -h "$1/socket" -p "$port" "$2" || exit 1
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|url|sql|stop DIR [DB [SQL]]" >&2; exit 64; }

case $cmd in
start)
	bin=$(bindir) || { echo "$0: no PostgreSQL server (initdb, pg_ctl): install postgresql" >&2; exit 77; }
	mkdir -p "$dir/socket" || exit 1
	if [ "$(id -u)" = 0 ]; then
		chown -R postgres "$dir" || exit 1
	fi
	searchable "$dir" || exit 1
	if [ -n "${PGCLUSTER_TEMPLATE:-}" ]; then
		template "$PGCLUSTER_TEMPLATE" &&
			cp -a "$PGCLUSTER_TEMPLATE/data" "$dir/data" || exit 1
	else
		initdb_in "$dir/data" "$dir/initdb.log" || exit 1
	fi
	# a free port: the kernel picks one, then the server takes it (a race
	# another process could win, with no harm but a failed start)
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo "$port" >"$dir/port"
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
		-o "-p $port -k $dir/socket -c listen_addresses='' -c fsync=off -c max_connections=200" \
		start >/dev/null || {
		cat "$dir/server.log" >&2
		exit 1
	}
	createdb_if_missing "$dir" feedmail
	url "$dir" feedmail
	;;
url)
	createdb_if_missing "$dir" "${3:-feedmail}"
	url "$dir" "${3:-feedmail}"
	;;
sql)
	[ $# -eq 4 ] || { echo "usage: $0 sql DIR DB SQL" >&2; exit 64; }
	createdb_if_missing "$dir" "$3"
	port=$(cat "$dir/port")
	as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -At -F "$(printf '\t')" \
		-h "$dir/socket" -p "$port" -d "$3" -c "$4"
	;;
stop)
	bin=$(bindir) || exit 77
	[ -d "$dir/data" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	;;
*)
	echo "usage: $0 start|url|sql|stop DIR [DB [SQL]]" >&2
	exit 64
	;;
esac
