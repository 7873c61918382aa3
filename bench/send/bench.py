#!/usr/bin/python3
"""bench/send/bench.py: the delivery benchmark (issue 5).

  bench.py --feedmail BIN --work DIR [--runs N] [--subs N] [--small N]
           [--items N] [--no-r2e] [--csink BIN] [--json FILE]

feedmail send of one digest per subscriber (--subs, 10000) carrying the
same --items (30) new entries, to a counting SMTP sink (sink.py, aiosmtpd)
and to a Maildir; the same with --small (1000) subscribers for peak RSS;
rss2email delivering the same entries (one mail per entry, one address) to
the same sink. With --csink, the SMTP runs again through csink.c, a sink
in C speaking the same protocol, to see feedmail's own rate apart from
the Python sink's CPU. Prints a table of medians. See bench/README.md.
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# no __pycache__ in the source tree: make dist copies bench/ whole
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py)
from benchlib import PY, log, rm_db  # noqa: E402
T_SUBS = "2026-11-26T06:00:00Z"   # subscribers created, feed added
T_FETCH = "2026-11-26T07:00:00Z"  # entries first seen: new to everyone
T_SEND = "2026-11-26T07:05:00Z"


def proc_cpu(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_timed(argv, env=None, cwd=None):
    """Runs argv under /usr/bin/time; returns wall, user, sys, maxrss (KiB)
    and stdout."""
    tf = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                      "bench-send-time.%d" % os.getpid())
    p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%e %U %S %M"]
                       + argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    with open(tf) as f:
        last = f.read().strip().splitlines()[-1]
    os.unlink(tf)
    if p.returncode != 0:
        raise SystemExit("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                              p.stderr[-2000:]))
    wall, user, sys_, rss = last.split()
    return {"wall": float(wall), "user": float(user), "sys": float(sys_),
            "rss": int(rss), "out": p.stdout, "err": p.stderr}


class Sink:
    def __init__(self, work, argv=None, name="sink"):
        """sink.py (aiosmtpd), or argv: another sink taking the same
        --port-file and --stats options."""
        self.port_file = os.path.join(work, name + ".port")
        self.stats_file = os.path.join(work, name + ".stats")
        for p in (self.port_file, self.stats_file):
            if os.path.exists(p):
                os.unlink(p)
        argv = argv or [PY, os.path.join(HERE, "sink.py")]
        self.proc = subprocess.Popen(
            argv + ["--port-file", self.port_file, "--stats",
                    self.stats_file])
        for _ in range(200):
            if os.path.exists(self.port_file):
                break
            time.sleep(0.05)
        else:
            raise SystemExit("the sink did not start")
        with open(self.port_file) as f:
            self.port = int(f.read())

    def snapshot(self):
        """The sink's counters and CPU time so far."""
        if os.path.exists(self.stats_file):
            os.unlink(self.stats_file)
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(400):
            if os.path.exists(self.stats_file):
                break
            time.sleep(0.01)
        with open(self.stats_file) as f:
            s = json.load(f)
        s["cpu"] = proc_cpu(self.proc.pid)
        return s

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


class Feedmail(benchlib.Feedmail):
    def __init__(self, binary, work, feed, sink_port):
        super().__init__(binary, work)
        self.feed = feed
        self.port = sink_port

    def conf(self, name, db, transport, path=None, port=None):
        return super().conf(name, db, transport, path,
                            extra="[smtp]\nhost = 127.0.0.1\nport = %d\n"
                            % (port or self.port))

    def make_store(self, n):
        """A store with n subscribers, all created at T_SUBS, and the feed
        fetched at T_FETCH. The first subscriber is added by feedmail
        (which creates the schema), the others are inserted directly in
        the subscribers table with the same created_at."""
        db = os.path.join(self.work, "s%d.db" % n)
        rm_db(db)
        conf = self.conf("make%d" % n, db, "smtp")
        self.run(conf, T_SUBS, "subscriber", "add", "abonne0@bench.example",
                 "--name", "Abonnée n°0")
        c = sqlite3.connect(db)
        created = c.execute("SELECT created_at FROM subscribers").fetchone()
        with c:
            c.executemany(
                "INSERT INTO subscribers (email, name, lang, created_at)"
                " VALUES (?, ?, NULL, ?)",
                (("abonne%d@bench.example" % i, "Abonné n°%d" % i,
                  created[0]) for i in range(1, n)))
        c.close()
        self.run(conf, T_SUBS, "add", self.feed)
        self.run(conf, T_FETCH, "fetch")
        c = sqlite3.connect(db)
        subs = c.execute("SELECT count(*) FROM subscribers").fetchone()[0]
        entries = c.execute("SELECT count(*) FROM entries").fetchone()[0]
        c.close()
        return db, subs, entries

    def fresh_copy(self, template):
        db = template.replace(".db", "-run.db")
        rm_db(db)
        for suf in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(template + suf):
                shutil.copyfile(template + suf, db + suf)
        return db

    def send(self, conf, preload=None):
        env = self.env(conf, T_SEND)
        if preload:
            env["LD_PRELOAD"] = preload
        return run_timed([self.bin, "send"], env=env)


def median(rs, key):
    return statistics.median(r[key] for r in rs)


def bench_feedmail(fm, sink, csink, args, results):
    stores = {}
    for n in sorted({args.subs, args.small}):
        t = time.time()
        stores[n] = fm.make_store(n)
        log("store: %d subscribers, %d entries (%.1f s)"
            % (stores[n][1], stores[n][2], time.time() - t))
    base = run_timed([fm.bin, "--version"])
    results["feedmail_version_rss"] = base["rss"]

    plan = [("smtp", args.subs, args.slow_runs, None, sink),
            ("smtp", args.small, args.runs, None, sink)]
    if args.nodelay:
        plan += [("smtp-nodelay", args.subs, args.runs, args.nodelay, sink),
                 ("smtp-nodelay", args.small, args.runs, args.nodelay,
                  sink)]
    if csink:
        plan += [("smtp-csink", args.subs, args.runs, None, csink),
                 ("smtp-csink", args.small, args.runs, None, csink)]
    for what, n, runs, preload, sk in plan:
        for i in range(runs):
            db = fm.fresh_copy(stores[n][0])
            conf = fm.conf("smtp", db, "smtp", port=sk.port)
            s0 = sk.snapshot()
            r = fm.send(conf, preload)
            s1 = sk.snapshot()
            d = delta(s0, s1)
            r.update(sink=d, subs=n, what=what)
            expect = "%d digests built; %d sent, 0 left pending, 0 failed" \
                % (n, n)
            if expect not in r["out"] or d["messages"] != n:
                raise SystemExit("smtp run: %r, sink got %d"
                                 % (r["out"], d["messages"]))
            results["runs"].append(r)
            log("%s %5d subs run %d: %.2f s wall, %.2f+%.2f s cpu, "
                "%d KiB; sink %.2f s cpu, %d sessions, %d msgs, %.1f MB"
                % (what, n, i + 1, r["wall"], r["user"], r["sys"], r["rss"],
                   d["cpu"], d["connections"], d["messages"],
                   d["bytes"] / 1e6))
    for n in (args.subs, args.small):
        for i in range(args.runs):
            db = fm.fresh_copy(stores[n][0])
            md = os.path.join(args.work, "maildir")
            shutil.rmtree(md, ignore_errors=True)
            conf = fm.conf("maildir", db, "maildir", md)
            r = fm.send(conf)
            files = len(os.listdir(os.path.join(md, "new")))
            size = sum(os.path.getsize(os.path.join(md, "new", x))
                       for x in os.listdir(os.path.join(md, "new")))
            if files != n:
                raise SystemExit("maildir run: %r, %d files"
                                 % (r["out"], files))
            r.update(subs=n, what="maildir", bytes=size)
            results["runs"].append(r)
            log("mdir  %5d subs run %d: %.2f s wall, %.2f+%.2f s cpu, "
                "%d KiB, %.1f MB" % (n, i + 1, r["wall"], r["user"],
                                     r["sys"], r["rss"], size / 1e6))
        shutil.rmtree(os.path.join(args.work, "maildir"),
                      ignore_errors=True)


def bench_r2e(sink, feed, args, results):
    d = os.path.join(args.work, "r2e")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cfg, data = os.path.join(d, "r2e.cfg"), os.path.join(d, "r2e.json")
    base = ["r2e", "-c", cfg, "-d", data]
    subprocess.run(base + ["new", "bench@example.org"], check=True,
                   stderr=subprocess.DEVNULL)
    want = {"email-protocol": "smtp",
            "smtp-server": "127.0.0.1:%d" % sink.port,
            "smtp-auth": "False", "smtp-ssl": "False",
            "from": "veille@bench.example"}
    with open(cfg) as f:
        lines = f.read().splitlines()
    with open(cfg, "w") as f:
        for line in lines:
            key = line.split("=", 1)[0].strip()
            if key in want:
                line = "%s = %s" % (key, want.pop(key))
            f.write(line + "\n")
    if want:
        raise SystemExit("r2e.cfg lacks %s" % ", ".join(want))
    subprocess.run(base + ["add", "bench", feed], check=True,
                   stderr=subprocess.DEVNULL)
    shutil.copyfile(data, data + ".subscribed")
    for mode in ("send", "no-send"):
        for i in range(args.runs):
            shutil.copyfile(data + ".subscribed", data)
            argv = base + ["run"] + (["--no-send"] if mode == "no-send"
                                     else [])
            s0 = sink.snapshot()
            r = run_timed(argv)
            s1 = sink.snapshot()
            dd = delta(s0, s1)
            want_n = args.items if mode == "send" else 0
            if dd["messages"] != want_n:
                raise SystemExit("r2e %s: sink got %d messages, not %d\n%s"
                                 % (mode, dd["messages"], want_n, r["err"]))
            r.update(sink=dd, what="r2e-" + mode)
            results["runs"].append(r)
            log("r2e %-7s run %d: %.2f s wall, %.2f+%.2f s cpu, %d KiB; "
                "sink %.2f s cpu, %d sessions, %d msgs, %.1f kB"
                % (mode, i + 1, r["wall"], r["user"], r["sys"], r["rss"],
                   dd["cpu"], dd["connections"], dd["messages"],
                   dd["bytes"] / 1e3))


def report(results, args):
    runs = results["runs"]

    def sel(what, subs=None):
        return [r for r in runs if r["what"] == what
                and (subs is None or r.get("subs") == subs)]

    print()
    print("feedmail send: one digest of %d entries per subscriber; "
          "medians of %d runs (plain SMTP at %d subscribers: %d)"
          % (args.items, args.runs, args.subs, args.slow_runs))
    print("load average before: %s" % results["load_before"])
    print()
    hdr = ("%-26s %7s %8s %9s %8s %9s %9s %8s"
           % ("run", "msgs", "wall s", "msgs/s", "cpu s", "peak RSS",
              "sink cpu", "sessions"))
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for what, n, label in (
            ("smtp", args.subs, "feedmail smtp %d subs" % args.subs),
            ("smtp", args.small, "feedmail smtp %d subs" % args.small),
            ("smtp-nodelay", args.subs,
             "  + TCP_NODELAY %d subs" % args.subs),
            ("smtp-nodelay", args.small,
             "  + TCP_NODELAY %d subs" % args.small),
            ("smtp-csink", args.subs, "  C sink %d subs" % args.subs),
            ("smtp-csink", args.small, "  C sink %d subs" % args.small),
            ("maildir", args.subs, "feedmail maildir %d subs" % args.subs),
            ("maildir", args.small,
             "feedmail maildir %d subs" % args.small),
            ("r2e-send", None, "r2e run (1 address)"),
            ("r2e-no-send", None, "r2e run --no-send")):
        rs = sel(what, n)
        if not rs:
            continue
        msgs = n if n else (args.items if what == "r2e-send" else 0)
        wall = median(rs, "wall")
        cpu = statistics.median(r["user"] + r["sys"] for r in rs)
        rss = median(rs, "rss")
        if "sink" in rs[0]:
            scpu = "%.2f" % statistics.median(r["sink"]["cpu"] for r in rs)
            sess = "%d" % statistics.median(r["sink"]["connections"]
                                            for r in rs)
        else:
            scpu = sess = "-"
        rate = msgs / wall if msgs and wall else 0
        row = {"label": label, "msgs": msgs, "wall": wall, "rate": rate,
               "cpu": cpu, "rss": rss}
        rows.append(row)
        print("%-26s %7d %8.2f %9s %8.2f %6.1f MiB %9s %8s"
              % (label, msgs, wall, "%.0f" % rate if msgs else "-", cpu,
                 rss / 1024, scpu, sess))
    print()
    nd = sel("smtp-nodelay", args.subs)
    if nd:
        print("  + TCP_NODELAY: the same send with LD_PRELOAD=nodelay.so, "
              "a diagnostic shim (feedmail sets TCP_NODELAY itself since b2de13b)")
    print("feedmail --version peak RSS: %.1f MiB"
          % (results["feedmail_version_rss"] / 1024))
    sm = sel("smtp", args.subs)
    if sm:
        b = statistics.median(r["sink"]["bytes"] / r["sink"]["messages"]
                              for r in sm)
        print("feedmail digest size: %.1f kB (one message, %d entries)"
              % (b / 1e3, args.items))
    rs = sel("r2e-send")
    if rs:
        b = statistics.median(r["sink"]["bytes"] / max(r["sink"]["messages"],
                                                       1) for r in rs)
        print("r2e message size: %.1f kB (one message, one entry)"
              % (b / 1e3))
        ns = sel("r2e-no-send")
        if ns:
            extra = median(rs, "wall") - median(ns, "wall")
            if extra > 0:
                print("r2e delivery alone (run minus run --no-send): "
                      "%.2f s for %d messages, %.0f msgs/s"
                      % (extra, args.items, args.items / extra))
    big, small = sel("smtp", args.subs), sel("smtp", args.small)
    if big:
        rate = args.subs / median(big, "wall")
        print()
        print("goal: >= 500 msgs/s over SMTP: %.0f msgs/s, %s"
              % (rate, "met" if rate >= 500 else
                 "MISSED by %.0f %%" % (100 * (1 - rate / 500))))
    if nd:
        print("  with TCP_NODELAY (shim): %.0f msgs/s"
              % (args.subs / median(nd, "wall")))
    cs = sel("smtp-csink", args.subs)
    if cs:
        print("  through the C sink (csink.c, same protocol): %.0f msgs/s"
              % (args.subs / median(cs, "wall")))
    if big and small:
        rb, rsm = median(big, "rss"), median(small, "rss")
        print("goal: RSS not growing with subscribers: %.1f MiB at %d, "
              "%.1f MiB at %d (%+.1f MiB, %+.0f %%)"
              % (rsm / 1024, args.small, rb / 1024, args.subs,
                 (rb - rsm) / 1024, 100 * (rb - rsm) / rsm))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--feedmail", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--subs", type=int, default=10000)
    p.add_argument("--small", type=int, default=1000)
    p.add_argument("--items", type=int, default=30)
    p.add_argument("--slow-runs", type=int, default=None,
                   help="runs of plain SMTP (aiosmtpd) at --subs: --runs")
    p.add_argument("--nodelay", metavar="SHIM.so")
    p.add_argument("--csink", metavar="BIN",
                   help="csink.c built: SMTP runs through it too")
    p.add_argument("--no-r2e", action="store_true")
    p.add_argument("--json")
    args = p.parse_args()
    if args.slow_runs is None:
        args.slow_runs = args.runs
    args.feedmail = os.path.abspath(args.feedmail)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    subprocess.run([PY, os.path.join(HERE, "..", "gen_feed.py"), "many",
                    os.path.join(args.work, "feed"), "--feeds", "1",
                    "--items", str(args.items)], check=True,
                   stdout=subprocess.DEVNULL)
    feed = os.path.join(args.work, "feed", "f0000.xml")
    results = {"runs": [], "load_before": " ".join(
        open("/proc/loadavg").read().split()[:3])}
    sink = Sink(args.work)
    csink = None
    try:
        if args.csink:
            csink = Sink(args.work, [args.csink], "csink")
        fm = Feedmail(args.feedmail, args.work, feed, sink.port)
        bench_feedmail(fm, sink, csink, args, results)
        if not args.no_r2e:
            bench_r2e(sink, feed, args, results)
    finally:
        sink.stop()
        if csink:
            csink.stop()
    results["load_after"] = " ".join(
        open("/proc/loadavg").read().split()[:3])
    report(results, args)
    print("load average after: %s" % results["load_after"])
    if args.json:
        for r in results["runs"]:
            r.pop("out", None)
            r.pop("err", None)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
