#!/bin/sh
# The systemd units as `make install` installs them: `systemd-analyze
# verify` has nothing to say about them, nor about the drop-ins that
# feedmail(1) (SYSTEMD) gives for each transport. Installed into a DESTDIR
# here; verify checks that ExecStart= is executable and that the man pages
# of Documentation= exist, so both are looked for under that DESTDIR.
. "$TEST_SRCDIR/tests/lib.sh"

: "${SYSTEMD_ANALYZE:=systemd-analyze}"
command -v "$SYSTEMD_ANALYZE" >/dev/null 2>&1 ||
	test_skip_all "no $SYSTEMD_ANALYZE"
: "${TEST_BUILDDIR:?TEST_BUILDDIR must name the build tree (make check sets it)}"

dest=$TEST_DIR/dest
# a make of our own: the jobserver of the make running the tests is not
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s \
	-C "$TEST_BUILDDIR" install DESTDIR="$dest" >install.log 2>&1; then
	echo "Bail out! make install DESTDIR=$dest failed:"
	sed 's/^/# /' install.log
	exit 1
fi
timer=$(find "$dest" -name feedmail.timer)
[ -n "$timer" ] ||
	test_skip_all 'no units installed (configure --with-systemdsystemunitdir=no)'
unitdir=$(dirname "$timer")
page=$(find "$dest" -name feedmail.1)
mandir=$(dirname "$(dirname "$page")")
# without man(1), verify cannot look the pages of Documentation= up
man_opt=
command -v man >/dev/null 2>&1 || man_opt=--man=no

# verify_quiet FILE...: systemd-analyze verify passes on FILE... and prints
# nothing (a warning does not change its exit status).
verify_quiet() {
	MANPATH=$mandir "$SYSTEMD_ANALYZE" verify $man_opt "$@" >verify.out 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s verify.out ]; then
		echo "systemd-analyze verify exited $rc:" >&2
		sed 's/^/    /' verify.out >&2
		return 1
	fi
}

# The units as installed, ExecStart= under DESTDIR, in folder v/.
mkdir v
for unit in feedmail.service feedmail-daemon.service feedmail.timer \
	feedmail-serve.service feedmail-serve.socket; do
	[ -f "$unitdir/$unit" ] || continue
	sed "s|^ExecStart=/|ExecStart=$dest/|" "$unitdir/$unit" >"v/$unit"
done

test_expect_success 'make install installs the five units' '
	test -f "$unitdir/feedmail.service" &&
	test -f "$unitdir/feedmail-daemon.service" &&
	test -f "$unitdir/feedmail.timer" &&
	test -f "$unitdir/feedmail-serve.service" &&
	test -f "$unitdir/feedmail-serve.socket"
'

test_expect_success 'their ExecStart= is the program make install installed' '
	for unit in feedmail.service feedmail-daemon.service \
		feedmail-serve.service; do
		bin=$(sed -n "s/^ExecStart=\([^ ]*\).*/\1/p" "$unitdir/$unit") &&
		test -x "$dest$bin" &&
		cmp "$dest$bin" "$FEEDMAIL" || exit 1
	done
'

test_expect_success 'systemd-analyze verify passes on them without a word' '
	verify_quiet v/feedmail.service v/feedmail.timer \
		v/feedmail-daemon.service v/feedmail-serve.service \
		v/feedmail-serve.socket
'

test_expect_success 'and finds the mistakes it should (the check above checks)' '
	sed "s/^ProtectSystem=/ProtectSytem=/" v/feedmail.service \
		>typo.service &&
	! verify_quiet typo.service 2>err &&
	contains err ProtectSytem
'

# The drop-ins of feedmail(1), SYSTEMD, in the folder systemctl edit uses.
test_expect_success 'the drop-in for sendmail through Postfix' '
	mkdir -p v/feedmail.service.d &&
	cat >v/feedmail.service.d/sendmail.conf <<-EOF &&
	[Service]
	SupplementaryGroups=postdrop
	ReadWritePaths=/var/spool/postfix/maildrop
	EOF
	verify_quiet v/feedmail.service
'

test_expect_success 'the drop-in for an mbox or a Maildir under /home' '
	mkdir -p v/feedmail-daemon.service.d &&
	cat >v/feedmail-daemon.service.d/maildir.conf <<-EOF &&
	[Service]
	ProtectHome=read-only
	ReadWritePaths=/home/news/Maildir
	EOF
	verify_quiet v/feedmail-daemon.service
'

test_expect_success 'the drop-in for the password as a credential' '
	cat >v/feedmail.service.d/password.conf <<-EOF &&
	[Service]
	LoadCredential=smtp-password:/etc/feedmail/smtp-password
	EOF
	verify_quiet v/feedmail.service
'

test_done
