#!/bin/sh
# What cannot be done to the store exits with a status that says so, and a
# message that says what to fix, never 70: a file or folder the user may
# not write (77, naming it, the user and the mode; list and status still
# work, read-only), a read-only mount (the same), a store that cannot be
# created (73), a full disk (74), a damaged file (65), a store another
# process holds (75, naming it).
#
# CI runs as root, whom file modes do not stop: there the permission cases
# run feedmail as the user nobody (setpriv), and the mount cases use a
# mount namespace of their own (unshare; a user namespace when not root).
# Every case is about SQLite's file: under TEST_STORE=pg each is skipped.
. "$TEST_SRCDIR/tests/lib.sh"

URL=https://example.org/feed.xml

# as_user COMMAND...: feedmail ARGS as a user whom modes stop: this one, or
# nobody when this is root.
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
			--clear-groups true 2>/dev/null; then
		as_user() {
			setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
				--clear-groups "$FEEDMAIL" "$@"
		}
		user=nobody
		# nobody must reach the store and the config
		chmod 755 "$TEST_DIR"
	else
		user=
	fi
else
	as_user() {
		"$FEEDMAIL" "$@"
	}
	user=$(id -un)
fi

# mine PATH...: makes PATH the user's (when root plays nobody)
mine() {
	[ "$(id -u)" -ne 0 ] || chown -R nobody "$@"
}

# in_mounts SCRIPT: runs sh -c SCRIPT in a mount namespace of its own,
# where it may mount; the first way that works here.
in_mounts=
mkdir -p probe
for way in "unshare -m" "unshare -rm"; do
	if $way sh -c "mount -t tmpfs -o size=64k tmpfs '$TEST_DIR/probe'" \
		2>/dev/null; then
		in_mounts=$way
		break
	fi
done
in_mounts() {
	$in_mounts sh -c "$1"
}

if [ -n "$user" ]; then
	test_expect_success_sqlite 'set up: a store of the user'\''s own' '
		mkdir ro && mine ro &&
		as_user -d ro/s.db -q add "$URL" &&
		as_user -d ro/s.db list >out &&
		contains out "$URL"
	'

	test_expect_success_sqlite 'a store file the user may not write: list, status, doctor work; add exits 77' '
		chmod 0444 ro/s.db &&
		as_user -d ro/s.db list >out &&
		contains out "$URL" &&
		as_user -d ro/s.db status >out &&
		contains out "0 subscribers" &&
		as_user -d ro/s.db doctor >out &&
		contains out "read-only for this user" &&
		as_user -d ro/s.db doctor --test-mail a@example.org >out &&
		contains out "Subject: feedmail test message" &&
		contains out "test mail to a@example.org: accepted" &&
		expect_code 77 as_user -d ro/s.db add https://example.org/b 2>err &&
		contains err "store '\''ro/s.db'\'': open: permission denied: user '\''$user'\'' cannot write the file (mode 0444" &&
		chmod 0644 ro/s.db &&
		as_user -d ro/s.db list >out &&
		lacks out example.org/b
	'

	test_expect_success_sqlite 'reading it left no file of ours beside it' '
		test ! -e ro/s.db-wal &&
		test ! -e ro/s.db-shm
	'

	test_expect_success_sqlite 'a store folder the user may not write: list and status work; add exits 77' '
		chmod 0555 ro &&
		as_user -d ro/s.db list >out &&
		contains out "$URL" &&
		as_user -d ro/s.db status >out &&
		contains out "0 subscribers" &&
		expect_code 77 as_user -d ro/s.db add https://example.org/b 2>err &&
		contains err "cannot write the folder '\''ro'\'' (mode 0555" &&
		contains err "SQLite needs to create '\''ro/s.db-wal'\''"
	'

	test_expect_success_sqlite 'without its lock file there, add says the lock cannot be made' '
		chmod 0755 ro && rm ro/s.db.lock && chmod 0555 ro &&
		expect_code 77 as_user -d ro/s.db add https://example.org/b 2>err &&
		contains err "lock '\''ro/s.db.lock'\'': permission denied: user '\''$user'\'' cannot create files in the folder '\''ro'\''"
	'

	test_expect_success_sqlite 'doctor: a lock the user may not take is a problem, 77' '
		mkdir lk && mine lk &&
		as_user -d lk/s.db -q add "$URL" &&
		chmod 0444 lk/s.db.lock &&
		expect_code 77 as_user -d lk/s.db doctor >out &&
		contains out "ok      store files:" &&
		contains out "problem lock: lk/s.db.lock: user '\''$user'\'' cannot write the file (mode 0444"
	'

	test_expect_success_sqlite 'a new store in that folder cannot be made: 73' '
		expect_code 73 as_user -d ro/new.db list 2>err &&
		contains err "cannot create files in the folder '\''ro'\''"
	'

	test_expect_success_sqlite 'an older store the user may not write cannot be migrated: 77' '
		mkdir old && store_from_sql old/s.db "$FIXTURES/store/v1.sql" &&
		mine old && chmod 0444 old/s.db &&
		expect_code 77 as_user -d old/s.db list 2>err &&
		contains err "schema version 1, older than" &&
		contains err "migrating it needs write access" &&
		contains err "cannot write the file (mode 0444"
	'
else
	test_skip 'file and folder modes' 'root without setpriv: no user whom modes stop'
fi

if [ -n "$in_mounts" ]; then
	test_expect_success_sqlite 'a read-only mount: list and status work; add exits 77' '
		mkdir rom &&
		feedmail -d rom/s.db -q add "$URL" &&
		in_mounts "
			mount --bind rom rom &&
			mount -o remount,bind,ro rom || exit 99
			\"$FEEDMAIL\" -d rom/s.db list >list.out 2>&1; echo \$? >list.rc
			\"$FEEDMAIL\" -d rom/s.db status >status.out 2>&1; echo \$? >status.rc
			\"$FEEDMAIL\" -d rom/s.db add https://example.org/b >add.out 2>&1; echo \$? >add.rc
		" &&
		test "$(cat list.rc)" = 0 && contains list.out "$URL" &&
		test "$(cat status.rc)" = 0 &&
		test "$(cat add.rc)" = 77 &&
		contains add.out "is on a read-only file system"
	'

	test_expect_success_sqlite 'a full disk: 74; once space is freed, all is well' '
		mkdir full &&
		in_mounts "
			mount -t tmpfs -o size=1m tmpfs full || exit 99
			\"$FEEDMAIL\" -d full/s.db -q add $URL || exit 98
			dd if=/dev/zero of=full/fill bs=4k 2>/dev/null
			\"$FEEDMAIL\" -d full/s.db add https://example.org/b >add.out 2>&1; echo \$? >add.rc
			rm full/fill
			\"$FEEDMAIL\" -d full/s.db add https://example.org/c >again.out 2>&1; echo \$? >again.rc
		" &&
		test "$(cat add.rc)" = 74 &&
		contains add.out "store '\''full/s.db'\'': " &&
		contains add.out "the disk is full (No space left on device)" &&
		test "$(cat again.rc)" = 0 &&
		contains again.out "added feed"
	'
else
	test_skip 'a read-only mount' 'no mount namespace (unshare -m, unshare -rm)'
	test_skip 'a full disk' 'no mount namespace to mount a small tmpfs in'
fi

test_expect_success_sqlite 'a file that is not a store, a damaged store: 65' '
	head -c 8192 /dev/urandom >noise.db &&
	expect_code 65 feedmail -d noise.db list 2>err &&
	contains err "store '\''noise.db'\'' is damaged, or not a store" &&
	feedmail -d half.db -q add "$URL" &&
	size=$(wc -c <half.db) &&
	head -c $((size / 2)) half.db >half.tmp && mv half.tmp half.db &&
	expect_code 65 feedmail -d half.db list 2>err &&
	contains err "store '\''half.db'\'' is damaged"
'

test_expect_success_sqlite 'a folder where the store should be: 73' '
	mkdir dir.db &&
	expect_code 73 feedmail -d dir.db list 2>err &&
	contains err "store '\''dir.db'\''"
'

test_expect_success_sqlite 'a store another process holds: 75, naming it; readers go on' '
	feedmail -d held.db -q add "$URL" &&
	# the holder keeps the lock until its standard input, a FIFO the case
	# holds open on fd 8, reaches its end: for as long as the case needs
	mkfifo release || exit 1
	"$PYTHON3" -c "
import os, sqlite3, sys
db = sqlite3.connect(\"held.db\", isolation_level=None)
db.execute(\"BEGIN IMMEDIATE\")
with open(\"held.tmp\", \"w\") as f:
    f.write(str(os.getpid()))
os.rename(\"held.tmp\", \"held\")
sys.stdin.read()
" <release &
	exec 8>release &&
	wait_for 120 test -e held &&
	holder=$(cat held) &&
	feedmail -d held.db list >out &&
	contains out "$URL" &&
	expect_code 75 feedmail -d held.db add https://example.org/b 2>err;
	rc=$?
	exec 8>&-
	wait
	[ $rc -eq 0 ] &&
	contains err "store '\''held.db'\'' is busy" &&
	contains err "held by pid $holder (python3)"
'

test_done
