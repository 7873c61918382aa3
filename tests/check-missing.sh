#!/bin/sh
# Run by make check in place of the unit tests when configure did not find
# Check: says what is missing, and fails.
echo "not ok 1 - the unit tests need Check (>= 0.13), which configure did not find: install the Debian package check (apt-get install check, or scripts/setup), then run configure again"
echo "1..1"
exit 1
