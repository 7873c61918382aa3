#!/bin/sh
# Generates configure and the Makefile.in files from configure.ac and
# Makefile.am; none of them is tracked in git.
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf --install --force
