"""bench/benchlib.py: what the bench/*/bench.py scripts share: the Python
they run helpers with, their progress log, removing a SQLite store, and
running feedmail on a config of its own under a test clock."""

import os
import subprocess
import sys

PY = "/usr/bin/python3"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def rm_db(db):
    """Removes the store db and its -wal, -shm and -journal files."""
    for suf in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suf):
            os.unlink(db + suf)


class Feedmail:
    """The feedmail binary, with its configs written in the work dir."""

    def __init__(self, binary, work):
        self.bin = binary
        self.work = work

    def conf(self, name, db, transport, path=None, extra=""):
        """Writes WORK/NAME.conf: the store db, then `extra` (more
        sections, as text), then the digest sent by transport (to path,
        for maildir or mbox) from the same sender. Returns its path."""
        c = os.path.join(self.work, name + ".conf")
        with open(c, "w") as f:
            f.write("[store]\npath = %s\n" % db)
            f.write(extra)
            f.write("[digest]\ntransport = %s\n" % transport)
            if path:
                f.write("path = %s\n" % path)
            f.write("from = Veille Régionale <veille@bench.example>\n"
                    "name = Veille numérique\nlanguage = fr\n")
        return c

    def env(self, conf, now):
        """The environment to run with conf at the clock now."""
        e = dict(os.environ)
        e["FEEDMAIL_CONFIG"] = conf
        e["FEEDMAIL_NOW"] = now
        return e

    def run(self, conf, now, *args):
        """Runs `feedmail -q ARGS...`, its output discarded; raises if it
        fails."""
        subprocess.run([self.bin, "-q"] + list(args),
                       env=self.env(conf, now), check=True,
                       stdout=subprocess.DEVNULL)
