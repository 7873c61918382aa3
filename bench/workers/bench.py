#!/usr/bin/python3
"""bench/workers/bench.py: the workers benchmark (issue 14). Run through
bench/workers/run.sh, which checks the prerequisites; see bench/README.md.

  bench.py --feedmail BIN --work DIR --csink BIN [--sizes F:S,F:S]
           [--workers 1,2,4] [--jobs N] [--per-host N] [--items N]
           [--runs N] [--delay S] [--no-sqlite] [--json FILE]

For each size (F feeds, S subscribers): a store made once per backend
(feeds imported from OPML, subscribers from CSV; not timed), then per run
and per configuration (SQLite with one worker, PostgreSQL with each
worker count), a fresh copy of it and two timed phases:

  fetch: N `feedmail run` started together at 06:50, every feed new and
         due, served by latency.py (each response 200 ms late); no digest
         is due yet. feeds/s = feeds fetched / wall time (first start to
         last exit).
  send:  N `feedmail run` started together at 07:01, the 07:00 slot begun:
         one digest per subscriber, to the C sink (csink.c).
         digests/s = messages the sink took / wall time.

Each worker runs under /usr/bin/time (its peak RSS). Checked: every feed
asked for exactly once (the server's count), every entry stored once,
every subscriber's digest taken by the sink once, no feed asked for in
the send phase.
"""

import argparse
import json
import os
import pwd
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
from benchlib import PY, log, rm_db  # noqa: E402  (bench/benchlib.py)

T_SUBS = "2026-11-26T05:00:00Z"   # feeds and subscribers added
T_FETCH = "2026-11-26T06:50:00Z"  # the fetch phase: every feed new
T_SEND = "2026-11-26T07:01:00Z"   # the send phase: the 07:00 slot begun
FEEDS_PER_TAG = 10
FEEDS_PER_HOST = 10


def proc_cpu(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_file(path, proc, what):
    for _ in range(1200):
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise SystemExit("%s exited (%d)" % (what, proc.returncode))
        time.sleep(0.05)
    raise SystemExit("%s did not start" % what)


class Server:
    """latency.py or csink: a child writing --port-file, then --stats on
    SIGUSR1."""

    def __init__(self, work, name, argv):
        self.port_file = os.path.join(work, name + ".port")
        self.stats_file = os.path.join(work, name + ".stats")
        for p in (self.port_file, self.stats_file):
            if os.path.exists(p):
                os.unlink(p)
        self.name = name
        self.proc = subprocess.Popen(argv + ["--port-file", self.port_file,
                                             "--stats", self.stats_file])
        wait_file(self.port_file, self.proc, name)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def snapshot(self):
        if os.path.exists(self.stats_file):
            os.unlink(self.stats_file)
        self.proc.send_signal(signal.SIGUSR1)
        wait_file(self.stats_file, self.proc, self.name)
        with open(self.stats_file) as f:
            s = json.load(f)
        s["cpu"] = proc_cpu(self.proc.pid)
        return s

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


class Postgres:
    """A throwaway cluster in WORK/pg listening on 127.0.0.1 (TCP on
    loopback, as a database on another host is reached), PostgreSQL's
    default settings but max_connections. As root it runs as the user
    postgres, as tests/pgcluster.sh does."""

    def __init__(self, work, settings):
        self.dir = os.path.join(work, "pg")
        self.bin = self.bindir()
        root = os.geteuid() == 0
        self.role = "postgres" if root else pwd.getpwuid(os.geteuid())[0]
        os.makedirs(os.path.join(self.dir, "socket"))
        if root:
            subprocess.run(["chown", "-R", "postgres", self.dir],
                           check=True)
            up = os.path.dirname(self.dir)
            while up != "/":
                os.chmod(up, os.stat(up).st_mode | 0o001)
                up = os.path.dirname(up)
        self.owner(["initdb", "-D", self.data(), "-A", "trust", "-U",
                    self.role, "-E", "UTF8", "--locale=C.UTF-8"],
                   stdout=subprocess.DEVNULL)
        s = socket_free_port()
        self.port = s
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1"
                " -c max_connections=100" % (s, os.path.join(self.dir,
                                                            "socket")))
        for kv in settings:
            opts += " -c " + kv
        self.owner(["pg_ctl", "-D", self.data(), "-l",
                    os.path.join(self.dir, "server.log"), "-w", "-t",
                    "120", "-o", opts, "start"], stdout=subprocess.DEVNULL)

    @staticmethod
    def bindir():
        cands = []
        if os.path.isdir("/usr/lib/postgresql"):
            vs = sorted(os.listdir("/usr/lib/postgresql"),
                        key=lambda v: [int(x) for x in v.split(".")
                                       if x.isdigit()], reverse=True)
            cands += [os.path.join("/usr/lib/postgresql", v, "bin")
                      for v in vs]
        w = shutil.which("initdb")
        if w:
            cands.append(os.path.dirname(w))
        for d in cands:
            if all(os.access(os.path.join(d, x), os.X_OK)
                   for x in ("initdb", "pg_ctl", "psql")):
                return d
        raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl):"
                         " apt-get install postgresql")

    def data(self):
        return os.path.join(self.dir, "data")

    def owner(self, argv, **kw):
        argv = [os.path.join(self.bin, argv[0])] + argv[1:]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, **kw)

    def url(self, db):
        return "postgresql://%s@127.0.0.1:%d/%s" % (self.role, self.port, db)

    def psql(self, sql, db="postgres"):
        p = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-Atq",
                            "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                            "-p", str(self.port), "-U", self.role, "-d", db,
                            "-c", sql], check=True, stdout=subprocess.PIPE,
                           text=True, env=dict(
                               os.environ,
                               PGOPTIONS="-c client_min_messages=warning"))
        return p.stdout.strip()

    def stats_reset(self):
        self.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;"
                  " SELECT pg_stat_statements_reset()")

    def stats_dump(self, path):
        """The statements of the phase by total time: what PostgreSQL
        spent where, with the calls (round trips) of each."""
        out = self.psql(
            "SELECT round(total_exec_time::numeric, 1) || ' ms exec + ' ||"
            " round(total_plan_time::numeric, 1) || ' ms plan, ' ||"
            " calls || ' calls: ' || regexp_replace(query, '\\s+', ' ',"
            " 'g') FROM pg_stat_statements ORDER BY total_exec_time"
            " + total_plan_time DESC LIMIT 25")
        tot = self.psql(
            "SELECT round(sum(total_exec_time)::numeric, 1) || ' ms exec + '"
            " || round(sum(total_plan_time)::numeric, 1) || ' ms plan, ' ||"
            " sum(calls) || ' calls in all' FROM pg_stat_statements")
        out = tot + "\n" + out
        with open(path, "w") as f:
            f.write(out + "\n")

    def fresh(self, db, template=None):
        self.psql("DROP DATABASE IF EXISTS %s" % db)
        self.psql("CREATE DATABASE %s%s" % (
            db, " TEMPLATE %s" % template if template else ""))

    def stop(self):
        try:
            self.owner(["pg_ctl", "-D", self.data(), "-m", "fast", "-w",
                        "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            pass


def socket_free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def host_of(i, nfeeds):
    """Feed i's host: 127.1.X.Y, as latency.py numbers them; consecutive
    feeds on different hosts, FEEDS_PER_HOST feeds a host."""
    k = i % max(1, nfeeds // FEEDS_PER_HOST)
    return "127.1.%d.%d" % (k // 250, 1 + k % 250)


class Store:
    """One backend's stores: a template per size, a fresh copy per run,
    and the counts the checks need."""

    def __init__(self, kind, work, pg=None):
        self.kind = kind
        self.work = work
        self.pg = pg

    def location(self, name):
        if self.kind == "pg":
            return self.pg.url(name)
        return os.path.join(self.work, name + ".db")

    def create(self, name):
        if self.kind == "pg":
            self.pg.fresh(name)
        else:
            rm_db(self.location(name))
        return self.location(name)

    def copy(self, template, name):
        if self.kind == "pg":
            self.pg.fresh(name, template)
        else:
            dst = self.location(name)
            rm_db(dst)
            a = sqlite3.connect(self.location(template))
            b = sqlite3.connect(dst)
            a.backup(b)
            b.close()
            a.close()
        return self.location(name)

    def count(self, name, sql):
        if self.kind == "pg":
            return int(self.pg.psql(sql, name))
        c = sqlite3.connect(self.location(name))
        try:
            return c.execute(sql).fetchone()[0]
        finally:
            c.close()


def write_conf(path, location, args, smtp_port):
    key = "url" if location.startswith("postgresql:") else "path"
    with open(path, "w") as f:
        f.write("[store]\n%s = %s\n" % (key, location))
        f.write("[fetch]\njobs = %d\nper_host = %d\nallow_private = yes\n"
                % (args.jobs, args.per_host))
        f.write("[smtp]\nhost = 127.0.0.1\nport = %d\n" % smtp_port)
        f.write("[digest]\ntransport = smtp\n"
                "from = Veille R\u00e9gionale <veille@bench.example>\n"
                "name = Veille num\u00e9rique\nlanguage = fr\n")


def make_inputs(work, nfeeds, nsubs, port):
    """The OPML of nfeeds feeds (tag t: feeds t*10 .. t*10+9) and the CSV
    of nsubs subscribers (subscriber j follows tag j mod the tags)."""
    ntags = max(1, nfeeds // FEEDS_PER_TAG)
    opml = os.path.join(work, "feeds-%d.opml" % nfeeds)
    with open(opml, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<opml version='
                '"2.0"><head><title>bench</title></head><body>\n')
        for t in range(ntags):
            f.write('<outline text="Th\u00e8me %04d">\n' % t)
            for i in range(t * FEEDS_PER_TAG,
                           min(nfeeds, (t + 1) * FEEDS_PER_TAG)):
                f.write('<outline type="rss" text="Flux %d" xmlUrl='
                        '"http://%s:%d/f%d.xml"/>\n'
                        % (i, host_of(i, nfeeds), port, i))
            f.write("</outline>\n")
        f.write("</body></opml>\n")
    csv = os.path.join(work, "subs-%d.csv" % nsubs)
    with open(csv, "w") as f:
        f.write("email,name,lang,tags,schedule,timezone\n")
        for j in range(nsubs):
            f.write("abonne%d@bench.example,Abonn\u00e9 %d,fr,"
                    "Th\u00e8me %04d,daily@07:00,UTC\n" % (j, j, j % ntags))
    return opml, csv


def feedmail(args, conf, now, *argv, check=True):
    env = dict(os.environ, FEEDMAIL_CONFIG=conf, FEEDMAIL_NOW=now)
    p = subprocess.run([args.feedmail, "-q"] + list(argv), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and p.returncode != 0:
        raise SystemExit("feedmail %s: exit %d\n%s" % (
            " ".join(argv), p.returncode, p.stderr[-3000:]))
    return p


def workers(args, conf, now, n, tag):
    """n `feedmail run --json` started together; returns the wall time
    from the first start to the last exit and each worker's record."""
    env = dict(os.environ, FEEDMAIL_CONFIG=conf, FEEDMAIL_NOW=now)
    procs = []
    t0 = time.monotonic()
    for w in range(n):
        tf = os.path.join(args.work, "time-%s-%d" % (tag, w))
        out = open(os.path.join(args.work, "out-%s-%d" % (tag, w)), "w+")
        err = open(os.path.join(args.work, "err-%s-%d" % (tag, w)), "w+")
        p = subprocess.Popen(["/usr/bin/time", "-o", tf, "-f",
                              "%e %U %S %M", args.feedmail, "-q", "run",
                              "--json"], env=env, stdout=out, stderr=err)
        procs.append((p, tf, out, err))
    recs = []
    for p, tf, out, err in procs:
        p.wait()
        recs.append((p, tf, out, err, time.monotonic()))
    wall = max(r[4] for r in recs) - t0
    res = []
    for p, tf, out, err, _ in recs:
        with open(tf) as f:
            w, u, s, m = f.read().strip().splitlines()[-1].split()
        out.seek(0)
        err.seek(0)
        o, e = out.read(), err.read()
        out.close()
        err.close()
        try:
            js = json.loads(o.strip().splitlines()[-1])
        except (ValueError, IndexError):
            js = {}
        if p.returncode != 0:
            raise SystemExit("worker of %s: exit %d\n%s\n%s"
                             % (tag, p.returncode, o[-2000:], e[-3000:]))
        res.append({"wall": float(w), "cpu": float(u) + float(s),
                    "rss": int(m), "json": js})
    return wall, res


def one_config(args, store, tmpl, name, n, nfeeds, nsubs, feeds_srv, sink):
    """One run of one configuration: a fresh copy of the store, the fetch
    phase, the send phase. Returns its record."""
    loc = store.copy(tmpl, name)
    conf = os.path.join(args.work, name + ".conf")
    write_conf(conf, loc, args, sink.port)
    rec = {"backend": store.kind, "workers": n, "feeds": nfeeds,
           "subs": nsubs, "load": open("/proc/loadavg").read().split()[0]}
    # fetch
    srv0 = feeds_srv.snapshot()
    pg0 = store.pg and store.pg.cpu()
    if store.pg and args.pg_stats:
        store.pg.stats_reset()
    wall, ws = workers(args, conf, T_FETCH, n, name + "-fetch")
    if store.pg and args.pg_stats:
        store.pg.stats_dump(os.path.join(args.work, "pgstat-%s-fetch.txt"
                                         % name))
    st = feeds_srv.snapshot()
    entries = store.count(name, "SELECT count(*) FROM entries")
    st["cpu"] -= srv0["cpu"]
    rec["fetch"] = {"wall": wall, "workers": ws, "server": st,
                    "entries": entries,
                    "rate": st["status"].get("200", 0) / wall}
    if store.pg:
        rec["fetch"]["pg_cpu"] = store.pg.cpu() - pg0
    want = nfeeds * args.items
    if (st["status"].get("200", 0) != nfeeds or st["feeds_once"] != nfeeds
            or entries != want):
        raise SystemExit("%s fetch: server %r, %d entries (want %d feeds"
                         " once, %d entries)" % (name, st, entries, nfeeds,
                                                 want))
    log("  %-14s fetch %6.2f s, %6.1f feeds/s, per worker %s feeds, "
        "RSS %s MiB, CPU %s s; server late p99 %.1f ms, max %d conns" % (
            name, wall, rec["fetch"]["rate"],
            "/".join(str(w["json"].get("fetch", {}).get("feeds", "?"))
                     for w in ws),
            "/".join("%.1f" % (w["rss"] / 1024) for w in ws),
            "/".join("%.1f" % w["cpu"] for w in ws),
            st["late_ms_p99"], st["max_conns"]) +
        "; server CPU %.1f s" % st["cpu"])
    if "send" not in args.phases:
        return rec
    if store.pg and args.analyze:
        # what autovacuum does within a minute of 30,000 new entries: the
        # send phase plans with the tables' statistics, as in a store
        # that has been running (not timed)
        store.pg.psql("ANALYZE", name)
    # send
    s0 = sink.snapshot()
    pg0 = store.pg and store.pg.cpu()
    if store.pg and args.pg_stats:
        store.pg.stats_reset()
    wall, ws = workers(args, conf, T_SEND, n, name + "-send")
    if store.pg and args.pg_stats:
        store.pg.stats_dump(os.path.join(args.work, "pgstat-%s-send.txt"
                                         % name))
    s1 = sink.snapshot()
    st = feeds_srv.snapshot()
    msgs = s1["messages"] - s0["messages"]
    sent = store.count(name, "SELECT count(*) FROM outbox"
                       " WHERE status = 'sent' AND kind = 'digest'")
    rec["send"] = {"wall": wall, "workers": ws, "messages": msgs,
                   "sent": sent, "rate": msgs / wall,
                   "sink_cpu": s1["cpu"] - s0["cpu"],
                   "feed_requests": st["requests"]}
    if store.pg:
        rec["send"]["pg_cpu"] = store.pg.cpu() - pg0
    if msgs != nsubs or sent != nsubs or st["requests"]:
        raise SystemExit("%s send: the sink took %d messages, %d sent in "
                         "the store (want %d), %d feed requests"
                         % (name, msgs, sent, nsubs, st["requests"]))
    log("  %-14s send  %6.2f s, %6.1f digests/s, RSS %s MiB, CPU %s s, "
        "sink CPU %.2f s" % (
            name, wall, rec["send"]["rate"],
            "/".join("%.1f" % (w["rss"] / 1024) for w in ws),
            "/".join("%.1f" % w["cpu"] for w in ws), rec["send"]["sink_cpu"]))
    return rec


def pg_cpu_method(pg):
    """The CPU time of the cluster's processes so far (postmaster and its
    children, the backends that exited included: the postmaster's
    cutime/cstime)."""
    def cpu():
        with open(os.path.join(pg.data(), "postmaster.pid")) as f:
            pid = int(f.readline())
        total = 0.0
        tck = os.sysconf("SC_CLK_TCK")
        pids = [pid]
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
        for p in pids:
            try:
                with open("/proc/%d/stat" % p) as f:
                    fl = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fl[11]) + int(fl[12])
            if p == pid:
                total += int(fl[13]) + int(fl[14])
        return total / tck
    return cpu


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def report(args, recs):
    print("\nworkers benchmark: jobs %d and per_host %d per worker, %d "
          "items a feed, responses %d ms late, %d feeds a host, %d a tag;"
          " medians of the runs (%s)" % (
              args.jobs, args.per_host, args.items, args.delay * 1000,
              FEEDS_PER_HOST, FEEDS_PER_TAG, ", ".join(
                  "%d at %d feeds" % (len({r["run"] for r in recs
                                           if r["feeds"] == f}), f)
                  for f in sorted({r["feeds"] for r in recs}))))
    print("\n%-6s %-7s %6s %7s %8s %8s %7s %8s %9s %7s %9s %9s" % (
        "feeds", "subs", "store", "workers", "fetch s", "feeds/s",
        "ms/feed", "send s", "digests/s", "ms/dig", "RSS fetch",
        "RSS send"))
    sizes = sorted({(r["feeds"], r["subs"]) for r in recs})
    cfgs = []
    for r in recs:
        c = (r["backend"], r["workers"])
        if c not in cfgs:
            cfgs.append(c)
    table = {}
    for size in sizes:
        for c in cfgs:
            rs = [r for r in recs if (r["feeds"], r["subs"]) == size
                  and (r["backend"], r["workers"]) == c]
            if not rs:
                continue
            m = {"fetch": med([r["fetch"]["wall"] for r in rs]),
                 "frate": med([r["fetch"]["rate"] for r in rs]),
                 "frss": med([max(w["rss"] for w in r["fetch"]["workers"])
                              for r in rs]) / 1024}
            m["fcpu"] = med([1000 * (sum(w["cpu"] for w in r["fetch"]["workers"])
                                     + r["fetch"].get("pg_cpu", 0))
                             / r["feeds"] for r in rs])
            sends = [r for r in rs if "send" in r]
            m["scpu"] = med([1000 * (sum(w["cpu"] for w in r["send"]["workers"])
                                     + r["send"].get("pg_cpu", 0))
                             / r["subs"] for r in sends])
            m["send"] = med([r["send"]["wall"] for r in sends])
            m["srate"] = med([r["send"]["rate"] for r in sends])
            m["srss"] = med([max(w["rss"] for w in r["send"]["workers"])
                             for r in sends]) / 1024
            table[size + c] = m
            print("%-6d %-7d %6s %7d %8.2f %8.1f %7.2f %8.2f %9.1f %7.2f "
                  "%5.1f MiB %5.1f MiB" % (
                      size[0], size[1], c[0], c[1], m["fetch"], m["frate"],
                      m["fcpu"], m["send"], m["srate"], m["scpu"], m["frss"],
                      m["srss"]))
    print("\nms/feed, ms/dig: CPU time per feed fetched and per digest sent,"
          " of the workers and the PostgreSQL server together")
    print("\ngoals (at %d feeds, %d subscribers):" % sizes[-1])
    big = sizes[-1]

    def get(b, n):
        return table.get(big + (b, n))
    one, four, sq = get("pg", 1), get("pg", 4), get("sqlite", 1)
    if one and four:
        x = four["frate"] / one["frate"]
        print("  4 workers >= 3.5x one, feeds/s: %.2fx, %s" % (
            x, "met" if x >= 3.5 else "MISSED"))
        print("    (digests/s: %.2fx)" % (four["srate"] / one["srate"]))
    if one and sq:
        for k, what in (("frate", "feeds/s"), ("srate", "digests/s")):
            x = sq[k] / one[k]
            print("  PostgreSQL, 1 worker, within 1.5x of SQLite, %s: "
                  "SQLite/PostgreSQL %.2f, %s" % (
                      what, x, "met" if x <= 1.5 else "MISSED"))
    if len(sizes) > 1:
        small = sizes[0]
        for c in cfgs:
            a, b = table.get(small + c), table.get(big + c)
            if a and b:
                print("  RSS per worker, %s x%d: fetch %.1f -> %.1f MiB, "
                      "send %.1f -> %.1f MiB (%d -> %d feeds, %d -> %d "
                      "subscribers)" % (c[0], c[1], a["frss"], b["frss"],
                                        a["srss"], b["srss"], small[0],
                                        big[0], small[1], big[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feedmail")
    ap.add_argument("--work")
    ap.add_argument("--csink")
    ap.add_argument("--sizes", default="2500:25000,10000:100000")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--jobs", type=int, default=25)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--items", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--pg-set", action="append", default=[],
                    metavar="NAME=VALUE",
                    help="a PostgreSQL setting (e.g. synchronous_commit="
                    "off); repeatable")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--no-analyze", dest="analyze", action="store_false",
                    help="no ANALYZE of the PostgreSQL store after its "
                    "set-up and between the phases")
    ap.add_argument("--fetch-only", dest="phases", action="store_const",
                    const=("fetch",), default=("fetch", "send"),
                    help="no send phase")
    ap.add_argument("--pg-stats", action="store_true",
                    help="pg_stat_statements per phase, into WORK/pgstat-*")
    ap.add_argument("--json")
    ap.add_argument("--report", nargs="+", metavar="JSON",
                    help="only print the table of these --json files")
    args = ap.parse_args()
    if args.report:
        recs = []
        for path in args.report:
            with open(path) as f:
                recs += json.load(f)
        report(args, recs)
        return
    if not (args.feedmail and args.work and args.csink):
        ap.error("--feedmail, --work and --csink are needed")
    args.feedmail = os.path.abspath(args.feedmail)
    # F:S or F:S:RUNS (this size's own number of runs)
    sizes = []
    for sz in args.sizes.split(","):
        f = [int(x) for x in sz.split(":")]
        sizes.append((f[0], f[1], f[2] if len(f) > 2 else args.runs))
    nworkers = [int(x) for x in args.workers.split(",")]
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split()[:3]
    maxfeeds = max(sz[0] for sz in sizes)
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(143))
    servers = []
    pg = None
    recs = []
    try:
        srv = Server(args.work, "latency", [
            PY, os.path.join(HERE, "latency.py"), "--hosts",
            str(max(1, maxfeeds // FEEDS_PER_HOST)), "--feeds",
            str(maxfeeds), "--items", str(args.items), "--delay",
            str(args.delay)])
        servers.append(srv)
        sink = Server(args.work, "csink", [args.csink])
        servers.append(sink)
        if args.pg_stats:
            args.pg_set += ["shared_preload_libraries=pg_stat_statements",
                            "pg_stat_statements.track_planning=on"]
        pg = Postgres(args.work, args.pg_set)
        pg.cpu = pg_cpu_method(pg)
        stores = [Store("pg", args.work, pg)]
        if not args.no_sqlite:
            stores.insert(0, Store("sqlite", args.work))
        for nfeeds, nsubs, runs in sizes:
            opml, csv = make_inputs(args.work, nfeeds, nsubs, srv.port)
            tmpl = "tmpl_%d_%d" % (nfeeds, nsubs)
            for store in stores:
                t = time.monotonic()
                loc = store.create(tmpl)
                conf = os.path.join(args.work, tmpl + ".conf")
                write_conf(conf, loc, args, sink.port)
                feedmail(args, conf, T_SUBS, "import", opml)
                feedmail(args, conf, T_SUBS, "subscriber", "import", csv)
                if store.pg and args.analyze:
                    store.pg.psql("ANALYZE", tmpl)
                n = store.count(tmpl, "SELECT count(*) FROM subscribers")
                f = store.count(tmpl, "SELECT count(*) FROM feeds")
                if n != nsubs or f != nfeeds:
                    raise SystemExit("%s: %d feeds, %d subscribers" % (
                        tmpl, f, n))
                log("%s store: %d feeds, %d subscribers (%.1f s)"
                    % (store.kind, f, n, time.monotonic() - t))
            for run in range(runs):
                log("%d feeds, %d subscribers, run %d" % (nfeeds, nsubs,
                                                          run + 1))
                for store in stores:
                    for n in ([1] if store.kind == "sqlite" else nworkers):
                        name = "%s_w%d" % (store.kind, n)
                        r = one_config(args, store, tmpl, name, n, nfeeds,
                                       nsubs, srv, sink)
                        r["run"] = run
                        recs.append(r)
        for store in stores:
            if store.kind == "sqlite":
                for name in os.listdir(args.work):
                    if name.endswith((".db", ".db-wal", ".db-shm")):
                        os.unlink(os.path.join(args.work, name))
    finally:
        for s in servers:
            s.stop()
        if pg:
            pg.stop()
    if recs:
        report(args, recs)
    print("\ntotal bench time: %.0f s; load average at the start %s, at "
          "the end %s (%d CPUs)" % (time.monotonic() - t_start,
                                    " ".join(load0),
                                    " ".join(open("/proc/loadavg").read()
                                             .split()[:3]), os.cpu_count()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(recs, f, indent=1)


if __name__ == "__main__":
    main()
