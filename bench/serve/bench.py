#!/usr/bin/python3
"""bench/serve/bench.py: the one-click benchmark (issue 12).

  bench.py --feedmail BIN --work DIR --csink BIN --mktokens BIN
           [--runs N] [--readers N]
           [--leavers N] [--duration S] [--threads N] [--connections N]
           [--items N] [--json FILE]

One store holds --readers (10000) subscribers with a digest due and
--leavers (300000) with none due, whose one-click links are made by
mktokens.c with feedmail's own src/lib/token.c (as send makes them): so
many that each request unsubscribes someone new, the costly case (the
share is printed: unsubscribed / requests). Three measures, each --runs
(3) times on a fresh copy of that store, medians printed:

- alone: wrk POSTs List-Unsubscribe=One-Click to the leavers' links,
  each thread through its own slice of them, --duration (10) s,
  --threads (2) threads, --connections (16) connections; serve's CPU
  time per request;
- send alone: `feedmail send` delivers the readers' digests to the C sink
  (bench/send/csink.c), timed;
- both: the same send with wrk running beside it, from before send starts
  until it ends (wrk stops on SIGINT and reports then).

The goal (issue 12): at least 5,000 requests/s with p99 under 20 ms on 2
cores, and send's rate not down by more than 10 % beside the load.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "send"))
import benchlib  # noqa: E402  (bench/benchlib.py)
from benchlib import PY, log, rm_db  # noqa: E402
from bench import Sink, proc_cpu, run_timed  # noqa: E402  (send/bench.py)

T_SUBS = "2026-11-26T06:00:00Z"    # everyone subscribed, feed added
T_FETCH = "2026-11-26T07:00:00Z"   # entries first seen
T_SEND = "2026-11-26T08:05:00Z"    # the readers' digests, to the sink
T_SERVE = "2026-11-26T09:00:00Z"


class Bench(benchlib.Feedmail):
    def __init__(self, args, sink_port):
        super().__init__(args.feedmail, args.work)
        self.args = args
        self.sink_port = sink_port
        # the bench holds serve's socket and hands it over as systemd
        # does (LISTEN_FDS): connections made before serve is up wait in
        # its backlog, so nothing has to wait for serve to listen
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.web_port = self.listener.getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.web_port

    def conf(self, name, db, transport, path=None):
        return super().conf(
            name, db, transport, path,
            extra="[smtp]\nhost = 127.0.0.1\nport = %d\n"
            "[web]\nbase_url = %s/\nlisten = 127.0.0.1:%d\n"
            % (self.sink_port, self.base, self.web_port))

    def insert(self, c, prefix, n, created, start_seq):
        c.executemany(
            "INSERT INTO subscribers (email, name, lang, created_at,"
            " start_seq, token)"
            " VALUES (?, ?, NULL, ?, ?, lower(hex(randomblob(16))))",
            (("%s%d@bench.example" % (prefix, i), "%s n°%d" % (prefix, i),
              created, start_seq) for i in range(n)))

    def make_store(self, feed):
        """The template store, and the file of the leavers' paths."""
        a = self.args
        db = os.path.join(a.work, "template.db")
        rm_db(db)
        conf = self.conf("make", db, "smtp")
        self.run(conf, T_SUBS, "subscriber", "add", "premier@bench.example")
        c = sqlite3.connect(db)
        created = c.execute("SELECT created_at FROM subscribers").fetchone()[0]
        with c:
            self.insert(c, "lecteur", a.readers - 1, created, 0)
        c.close()
        self.run(conf, T_SUBS, "add", feed)
        self.run(conf, T_FETCH, "fetch")
        c = sqlite3.connect(db)
        with c:
            # they start after what was fetched: no digest due to them
            last = c.execute("SELECT max(id) FROM entries").fetchone()[0]
            self.insert(c, "partant", a.leavers, created, last)
        secret = c.execute("SELECT hex(value) FROM secrets"
                           " WHERE name = 'token'").fetchone()[0]
        rows = "".join("%d %s\n" % r for r in c.execute(
            "SELECT id, token FROM subscribers WHERE email LIKE 'partant%'"
            " ORDER BY id"))
        c.close()
        tokens = os.path.join(a.work, "paths.txt")
        with open(tokens, "w") as f:
            subprocess.run([a.mktokens, secret], input=rows.encode(),
                           stdout=f, check=True)
        n = sum(1 for _ in open(tokens))
        if n != a.leavers:
            raise SystemExit("%d paths for %d leavers" % (n, a.leavers))
        return db, tokens, n

    def fresh(self, template):
        db = template.replace("template", "run")
        rm_db(db)
        for suf in ("", "-wal", "-shm"):
            if os.path.exists(template + suf):
                shutil.copyfile(template + suf, db + suf)
        return db

    def start_serve(self, conf):
        err = open(os.path.join(self.args.work, "serve.err"), "w")
        fd = self.listener.fileno()
        # LISTEN_PID must be serve's own pid: the shell's, kept by exec
        return subprocess.Popen(
            ["sh", "-c", 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" serve',
             self.bin], env=self.env(conf, T_SERVE), stderr=err,
            stdout=subprocess.DEVNULL, pass_fds=(fd,),
            preexec_fn=lambda: os.dup2(fd, 3) if fd != 3 else None)

    def answered(self, tokens):
        """Blocks until serve has answered one one-click POST."""
        with open(tokens) as f:
            path = f.readline().strip()
        c = http.client.HTTPConnection("127.0.0.1", self.web_port,
                                       timeout=60)
        c.request("POST", path, "List-Unsubscribe=One-Click",
                  {"Content-Type": "application/x-www-form-urlencoded"})
        status = c.getresponse().status
        c.close()
        if status != 200:
            raise SystemExit("serve answered a one-click with %d" % status)

    def stop(self, p):
        """Stops serve; the CPU seconds it used."""
        cpu = proc_cpu(p.pid)
        p.send_signal(signal.SIGTERM)
        if p.wait(timeout=60) != 0:
            raise SystemExit("serve exited %d" % p.returncode)
        return cpu

    def wrk(self, tokens, duration):
        a = self.args
        env = dict(os.environ, TOKENS=tokens, THREADS=str(a.threads))
        return subprocess.Popen(
            [a.wrk, "-t", str(a.threads), "-c", str(a.connections),
             "-d", "%ds" % duration, "--timeout", "10s",
             "-s", os.path.join(HERE, "oneclick.lua"), self.base + "/"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)

    def wrk_result(self, p):
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit("wrk exited %d:\n%s" % (p.returncode, out))
        for line in out.splitlines():
            if line.startswith("JSON "):
                r = json.loads(line[5:])
                r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
                r["errors"] = sum(r[k] for k in ("connect", "read", "write",
                                                 "status", "timeout"))
                return r
        raise SystemExit("no JSON line from wrk:\n%s" % out)

    def unsubscribed(self, db):
        c = sqlite3.connect(db)
        n = c.execute("SELECT count(*) FROM subscribers WHERE"
                      " unsubscribed_at IS NOT NULL").fetchone()[0]
        c.close()
        return n


def run_alone(b, template, tokens):
    db = b.fresh(template)
    conf = b.conf("run", db, "smtp")
    serve = b.start_serve(conf)
    try:
        w = b.wrk(tokens, b.args.duration)
        r = b.wrk_result(w)
    finally:
        cpu = b.stop(serve)
    r["unsubscribed"] = b.unsubscribed(db)
    r["serve_cpu"] = cpu
    return r


def run_send(b, template, sink, tokens=None):
    """send to the sink, alone or (tokens) beside wrk; its rate."""
    db = b.fresh(template)
    conf = b.conf("run", db, "smtp")
    serve = w = None
    try:
        if tokens:
            serve = b.start_serve(conf)
            # far longer than send: wrk is stopped when send ends
            w = b.wrk(tokens, 3600)
            # serve answers before send starts
            b.answered(tokens)
        before = sink.snapshot()
        t = run_timed([b.bin, "send"], env=b.env(conf, T_SEND))
        after = sink.snapshot()
        r = None
        if w:
            w.send_signal(signal.SIGINT)
            r = b.wrk_result(w)
    finally:
        if w and w.poll() is None:
            w.kill()
        if serve:
            b.stop(serve)
    msgs = after["messages"] - before["messages"]
    if msgs != b.args.readers:
        raise SystemExit("send delivered %d digests, want %d"
                         % (msgs, b.args.readers))
    return {"msgs": msgs, "wall": t["wall"], "rate": msgs / t["wall"],
            "cpu": t["user"] + t["sys"], "wrk": r}


def med(xs):
    return statistics.median(xs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--feedmail", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--csink", required=True)
    p.add_argument("--mktokens", required=True)
    p.add_argument("--wrk", default="wrk")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--readers", type=int, default=10000)
    p.add_argument("--leavers", type=int, default=300000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--items", type=int, default=30)
    p.add_argument("--json")
    a = p.parse_args()
    a.feedmail = os.path.abspath(a.feedmail)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    subprocess.run([PY, os.path.join(HERE, "..", "gen_feed.py"), "many",
                    os.path.join(a.work, "feed"), "--feeds", "1",
                    "--items", str(a.items)], check=True,
                   stdout=subprocess.DEVNULL)
    feed = os.path.join(a.work, "feed", "f0000.xml")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    sink = Sink(a.work, [a.csink], "csink")
    results = {"alone": [], "send": [], "both": [], "load_before": load}
    try:
        b = Bench(a, sink.port)
        template, tokens, n = b.make_store(feed)
        log("serve bench: %d one-click links, %d readers" % (n, a.readers))
        for i in range(a.runs):
            log("run %d/%d: one-click alone" % (i + 1, a.runs))
            results["alone"].append(run_alone(b, template, tokens))
            log("run %d/%d: send alone" % (i + 1, a.runs))
            results["send"].append(run_send(b, template, sink))
            log("run %d/%d: send beside one-click" % (i + 1, a.runs))
            results["both"].append(run_send(b, template, sink, tokens))
    finally:
        sink.stop()
    results["load_after"] = " ".join(
        open("/proc/loadavg").read().split()[:3])
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)

    al, se, bo = results["alone"], results["send"], results["both"]
    bw = [r["wrk"] for r in bo]
    print("one-click POST (wrk -t%d -c%d), medians of %d runs; load"
          " average %s before, %s after"
          % (a.threads, a.connections, a.runs, load, results["load_after"]))
    print("| what | requests/s | p50 | p99 | errors | send msgs/s |")
    print("|------|-----------:|----:|----:|-------:|------------:|")
    print("serve's CPU per one-click request, alone: %.0f us; requests that"
          " unsubscribed someone: %.0f %%"
          % (med([1e6 * r["serve_cpu"] / r["requests"] for r in al]),
             med([100.0 * r["unsubscribed"] / r["requests"] for r in al])))
    print("| one-click alone (%d s) | %.0f | %.1f ms | %.1f ms | %d | - |"
          % (a.duration, med([r["rps"] for r in al]),
             med([r["p50_us"] for r in al]) / 1000,
             med([r["p99_us"] for r in al]) / 1000,
             med([r["errors"] for r in al])))
    print("| send alone (%d digests) | - | - | - | - | %.0f |"
          % (a.readers, med([r["rate"] for r in se])))
    print("| one-click beside send | %.0f | %.1f ms | %.1f ms | %d | %.0f |"
          % (med([r["rps"] for r in bw]), med([r["p50_us"] for r in bw]) /
             1000, med([r["p99_us"] for r in bw]) / 1000,
             med([r["errors"] for r in bw]), med([r["rate"] for r in bo])))
    drop = 100 * (1 - med([r["rate"] for r in bo]) /
                  med([r["rate"] for r in se]))
    rps = med([r["rps"] for r in al])
    p99 = med([r["p99_us"] for r in al]) / 1000
    print("goal: >= 5000 requests/s (%s), p99 < 20 ms (%s), send's rate"
          " down <= 10 %% (%.1f %%: %s)"
          % ("met" if rps >= 5000 else "missed",
             "met" if p99 < 20 else "missed", drop,
             "met" if drop <= 10 else "missed"))


if __name__ == "__main__":
    main()
