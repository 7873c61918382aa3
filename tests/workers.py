#!/usr/bin/python3
"""tests/workers.py: several `feedmail daemon` workers on one store, killed
with SIGKILL at random moments and started again, for
tests/integ/t0610-workers-kill.sh.

    workers.py run --feedmail BIN --dir DIR --config TEMPLATE --workers N
                   --start EPOCH --speed S --rounds R --events FOLDER
                   --expected EXPECTED --done COMMAND [--seed N]

Each worker is `BIN daemon` with the config TEMPLATE in which @UA@ becomes
its name, wNgG (worker N, generation G: the User-Agent of its requests,
so that the HTTP server's log says which process asked). All share one
test clock: a worker started T real seconds after the first is given
FEEDMAIL_NOW = EPOCH + T * S and FEEDMAIL_CLOCK_SPEED = S.

The kills come at random points of the work, not of the real time (a
fixed delay could land before anything happened on a slow machine): after
a random number (1 to 2 * EXPECTED / R, EXPECTED being about how many
events the whole work makes) of events since the last kill, an event
being a line in FOLDER/http.log (a request answered) or a "data" line in
FOLDER/sink/log (a message accepted), a random worker is killed and at
once started again, R times. Then COMMAND is run each time FOLDER
changes, and at least once a second, until it succeeds (the work is
done); then every worker gets SIGTERM and must exit 0.

DIR/workers.log gets "clock EPOCH MONO S" first, then each start and kill
as "start NAME MONO" and "kill NAME MONO" (MONO: time.monotonic(), the
clock of tests/httpd.py's t0 and t1), which the checks use to tell a
fetch repeated because its worker died from one repeated for no reason.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wait_change import Watch  # noqa: E402

# nothing in a healthy run comes near these; they only end a run that
# went wrong
STALL = 300     # seconds without any event while kills are due
DONE_WAIT = 900  # seconds for the work to be done after the last kill
EXIT_WAIT = 120  # seconds for the workers to exit on SIGTERM


class Workers:
    def __init__(self, a):
        self.a = a
        self.mono0 = time.monotonic()
        self.procs = {}   # worker number -> Popen
        self.gens = {}    # worker number -> generation
        self.log = open(os.path.join(a.dir, "workers.log"), "a")
        with open(a.config) as f:
            self.template = f.read()
        # the test clock: EPOCH at mono0, S clock seconds a real second
        self.log.write("clock %d %.6f %g\n" % (a.start, self.mono0, a.speed))
        self.log.flush()

    def note(self, what, name):
        self.log.write("%s %s %.6f\n" % (what, name, time.monotonic()))
        self.log.flush()

    def start(self, n):
        g = self.gens.get(n, -1) + 1
        self.gens[n] = g
        name = "w%dg%d" % (n, g)
        conf = os.path.join(self.a.dir, name + ".conf")
        with open(conf, "w") as f:
            f.write(self.template.replace("@UA@", name))
        now = self.a.start + int((time.monotonic() - self.mono0) *
                                 self.a.speed)
        env = dict(os.environ, FEEDMAIL_CONFIG=conf,
                   FEEDMAIL_NOW=str(now),
                   FEEDMAIL_CLOCK_SPEED=str(self.a.speed))
        err = open(os.path.join(self.a.dir, name + ".err"), "w")
        self.note("start", name)
        self.procs[n] = subprocess.Popen([self.a.feedmail, "daemon"],
                                         env=env, stdout=err, stderr=err)
        err.close()

    def kill(self, n):
        p = self.procs[n]
        if p.poll() is not None:
            sys.exit("worker w%dg%d had ended by itself (exit %d): see "
                     "its .err" % (n, self.gens[n], p.returncode))
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.note("kill", "w%dg%d" % (n, self.gens[n]))

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + EXIT_WAIT
        bad = []
        for n, p in sorted(self.procs.items()):
            try:
                rc = p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "not within %d s" % EXIT_WAIT
            if rc != 0:
                bad.append("w%dg%d: %s" % (n, self.gens[n], rc))
        return bad


class Events:
    """Counts the events of FOLDER's logs as they grow."""

    def __init__(self, folder):
        self.files = [os.path.join(folder, "http.log"),
                      os.path.join(folder, "sink", "log")]
        self.pos = [0, 0]
        self.rest = [b"", b""]

    def read(self):
        n = 0
        for i, path in enumerate(self.files):
            try:
                with open(path, "rb") as f:
                    f.seek(self.pos[i])
                    data = f.read()
            except FileNotFoundError:
                continue
            self.pos[i] += len(data)
            *lines, self.rest[i] = (self.rest[i] + data).split(b"\n")
            if i == 0:
                n += sum(1 for line in lines if line.startswith(b"GET "))
            else:
                n += sum(1 for line in lines if line.startswith(b"data "))
        return n


def run(a):
    rnd = random.Random(a.seed)
    print("seed", a.seed, flush=True)
    w = Workers(a)
    watch = Watch(a.events)
    events = Events(a.events)
    most = max(2, 2 * a.expected // a.rounds)
    try:
        for n in range(a.workers):
            w.start(n)
        for r in range(a.rounds):
            want, seen = rnd.randint(1, most), 0
            last = time.monotonic()
            while seen < want:
                got = events.read()
                seen += got
                if got:
                    last = time.monotonic()
                elif time.monotonic() - last > STALL:
                    sys.exit("round %d: no event for %d s" % (r, STALL))
                if seen < want:
                    watch.wait(1.0)
            n = rnd.randrange(a.workers)
            w.kill(n)
            w.start(n)
        deadline = time.monotonic() + DONE_WAIT
        while subprocess.call(a.done, shell=True) != 0:
            if time.monotonic() > deadline:
                sys.exit("the work was not done %d s after the last kill"
                         % DONE_WAIT)
            watch.wait(1.0)
    finally:
        bad = w.stop_all()
    if bad:
        sys.exit("workers that did not exit 0 on SIGTERM: " + ", ".join(bad))
    print("rounds", a.rounds, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["run"])
    ap.add_argument("--feedmail", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--speed", type=float, required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--events", required=True)
    ap.add_argument("--expected", type=int, required=True,
                    help="about how many events the whole work makes")
    ap.add_argument("--done", required=True)
    ap.add_argument("--seed", type=int,
                    default=int.from_bytes(os.urandom(4), "big"))
    run(ap.parse_args())


if __name__ == "__main__":
    main()
