#!/bin/sh
# The config file: where it is read from, and its errors (exit 78, FILE:LINE).
. "$TEST_SRCDIR/tests/lib.sh"

test_expect_success 'no config file at all: defaults apply' '
	rm -f "$FEEDMAIL_CONFIG" &&
	unset FEEDMAIL_CONFIG &&
	feedmail config >out &&
	contains out "[fetch]" &&
	contains out "jobs = 16"
'

test_expect_success 'the XDG config file is read' '
	unset FEEDMAIL_CONFIG &&
	mkdir -p "$XDG_CONFIG_HOME/feedmail" &&
	printf "[fetch]\njobs = 4\n" >"$XDG_CONFIG_HOME/feedmail/config" &&
	feedmail config >out &&
	contains out "jobs = 4"
'

test_expect_success '-c FILE wins over FEEDMAIL_CONFIG' '
	printf "[fetch]\njobs = 5\n" >"$FEEDMAIL_CONFIG" &&
	printf "[fetch]\njobs = 6\n" >other.conf &&
	feedmail -c other.conf config >out &&
	contains out "jobs = 6" &&
	feedmail config >out &&
	contains out "jobs = 5"
'

test_expect_success 'a missing explicit file is an error' '
	expect_code 78 feedmail -c nowhere.conf list 2>err &&
	contains err "nowhere.conf"
'

test_expect_success 'an unknown key: FILE:LINE, exit 78, suggestion' '
	printf "[fetch]\n\njbos = 4\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf list 2>err &&
	contains err "bad.conf:3" &&
	contains err "jbos" &&
	contains err "jobs"
'

test_expect_success 'a bad value: FILE:LINE, exit 78' '
	printf "[smtp]\nport = 70000\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf list 2>err &&
	contains err "bad.conf:2" &&
	contains err "port"
'

test_expect_success 'an unknown section: exit 78' '
	printf "[fetchh]\njobs = 4\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf list 2>err &&
	grep -q "bad.conf:[12]: unknown section" err &&
	contains err "[fetch]"
'

test_expect_success 'the password comes from a file or the environment' '
	printf "secret\n" >pw && chmod 600 pw &&
	printf "[smtp]\nhost = mail.example.org\nuser = u\npassword_file = %s/pw\n" "$TEST_DIR" >ok.conf &&
	feedmail -c ok.conf config >out &&
	contains out "***" &&
	lacks out secret &&
	printf "[smtp]\nhost = mail.example.org\nuser = u\npassword_env = FM_TEST_PW\n" >env.conf &&
	expect_code 78 feedmail -c env.conf list 2>err &&
	contains err FM_TEST_PW &&
	FM_TEST_PW=x feedmail -c env.conf list
'

test_expect_success 'a password in the file itself is refused' '
	printf "[smtp]\npassword = hunter2\n" >bad.conf &&
	expect_code 78 feedmail -c bad.conf list 2>err &&
	contains err "bad.conf:2"
'

test_expect_success 'the sample etc/feedmail.conf loads' '
	feedmail -c "$TEST_SRCDIR/etc/feedmail.conf" config >/dev/null
'

test_done
