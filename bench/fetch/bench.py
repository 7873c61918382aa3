#!/usr/bin/python3
"""Fetch benchmark (issue 4): feedmail against sfeed_update, newsboat and
rss2email on 1000 local feeds served by nginx. Run through bench/fetch/run.sh,
which checks the prerequisites first; see bench/README.md.

Steps, each tool in turn on the same nginx and the same feeds:
  1. cold: empty store, every feed fetched (RUNS runs, store wiped before
     each one);
  2. warm: nothing changed (RUNS runs), with nginx's 200 and 304 counted;
  3. change: 3 items added to every 10th feed (300 new items); RUNS runs,
     each from the state before the change, counting the new entries;
  4. feedmail only: warm and change runs over a store of ~20,000 entries
     and over the same store grown to ~200,000 entries.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "gen_feed.py")
# no __pycache__ in the source tree: make dist copies bench/ whole
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(HERE))
from benchlib import PY, log  # noqa: E402  (bench/benchlib.py)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_timed(argv, env=None, cwd=None, stdout=None):
    """Runs argv; returns (wall seconds, user+sys CPU seconds of it and its
    waited-for children, exit status, stdout bytes)."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out,
                         stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if stdout:
        out.close()
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, err


class Nginx:
    def __init__(self, work, root):
        self.dir = os.path.join(work, "nginx")
        self.port = free_port()
        self.log = os.path.join(self.dir, "access.log")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        user = ""
        if os.geteuid() == 0:
            # workers would otherwise switch to "nobody"
            import pwd
            user = "user %s;\n" % pwd.getpwuid(0).pw_name
        d = self.dir
        conf = (
            "%sworker_processes 1;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "  log_format bench '$status $request_method $request_uri "
            "\"$http_user_agent\" inm=\"$http_if_none_match\" "
            "ims=\"$http_if_modified_since\"';\n"
            "  access_log %s bench;\n"
            "  client_body_temp_path %s/tmp/body;\n"
            "  proxy_temp_path %s/tmp/proxy;\n"
            "  fastcgi_temp_path %s/tmp/fastcgi;\n"
            "  uwsgi_temp_path %s/tmp/uwsgi;\n"
            "  scgi_temp_path %s/tmp/scgi;\n"
            "  types { application/xml xml; }\n"
            "  default_type application/octet-stream;\n"
            "  keepalive_requests 100000;\n"
            "  server {\n"
            "    listen 127.0.0.1:%d;\n"
            "    root %s;\n"
            "    etag on;\n"
            "    if_modified_since exact;\n"
            "  }\n"
            "}\n" % (user, d, d, self.log, d, d, d, d, d, self.port, root))
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(
            ["/usr/sbin/nginx", "-p", d, "-e", os.path.join(d, "error.log"),
             "-c", self.conf, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit("nginx did not start: see %s/error.log"
                                     % d)
                time.sleep(0.05)

    def url(self, name):
        return "http://127.0.0.1:%d/%s" % (self.port, name)

    def reset_log(self):
        # nginx appends (O_APPEND): after truncation it writes at the start
        open(self.log, "w").close()

    def statuses(self):
        counts = {}
        with open(self.log) as f:
            for line in f:
                st = line.split(" ", 1)[0]
                counts[st] = counts.get(st, 0) + 1
        return counts

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Tool:
    """A fetcher: its own directory under the work dir, a way to wipe its
    store, to run it, to count the entries it stores, and to snapshot."""
    name = ""
    state = ()          # files and directories that make up its store

    def __init__(self, work, feeds, args):
        self.dir = os.path.join(work, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.feeds = feeds      # [(name, url)]
        self.args = args
        self.env = dict(os.environ)
        self.last_out = None

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def wipe(self):
        for s in self.state:
            p = self.path(s)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.unlink(p)

    def snapshot(self, tag):
        dst = self.path("snap-" + tag)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        os.makedirs(dst)
        for s in self.state:
            p = self.path(s)
            if os.path.isdir(p):
                shutil.copytree(p, os.path.join(dst, s))
            elif os.path.exists(p):
                shutil.copy2(p, os.path.join(dst, s))

    def restore(self, tag):
        Tool.wipe(self)
        src = self.path("snap-" + tag)
        for s in os.listdir(src):
            p = os.path.join(src, s)
            if os.path.isdir(p):
                shutil.copytree(p, self.path(s))
            else:
                shutil.copy2(p, self.path(s))

    def run(self, cold):
        argv = self.argv(cold)
        self.last_out = self.path("stdout.txt")
        wall, cpu, rc, err = run_timed(argv, self.env, self.dir,
                                       self.last_out)
        if rc != 0:
            log("%s: exit status %d: %s\n%s" % (self.name, rc,
                " ".join(argv), err.decode(errors="replace")[-2000:]))
            raise SystemExit(70)
        return wall, cpu


class Feedmail(Tool):
    name = "feedmail"
    state = ("store",)

    def __init__(self, work, feeds, args):
        super().__init__(work, feeds, args)
        self.bin = args.feedmail
        self.db = self.path("store", "feedmail.db")
        self.conf = self.path("feedmail.conf")
        with open(self.conf, "w") as f:
            f.write("[store]\npath = %s\n[fetch]\njobs = %d\n"
                    "per_host = %d\n" % (self.db, args.jobs, args.jobs))
        self.opml = self.path("feeds.opml")
        with open(self.opml, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<opml version="2.0"><head><title>bench</title></head>'
                    "<body>\n")
            for name, url in feeds:
                f.write('<outline type="rss" text="%s" xmlUrl="%s"/>\n'
                        % (name, url))
            f.write("</body></opml>\n")

    def wipe(self):
        super().wipe()
        os.makedirs(self.path("store"))

    def prepare_cold(self):
        self.wipe()
        subprocess.run([self.bin, "-q", "-c", self.conf, "import",
                        self.opml], check=True)

    def argv(self, cold, db=None):
        a = [self.bin, "-q", "-c", self.conf]
        if db:
            a += ["-d", db]
        return a + ["fetch", "--all", "--json"]

    def count(self, db=None):
        con = sqlite3.connect(db or self.db)
        try:
            return con.execute("SELECT count(*) FROM entries").fetchone()[0]
        finally:
            con.close()

    def reported_new(self):
        with open(self.last_out) as f:
            return json.load(f)["new_entries"]


class Sfeed(Tool):
    name = "sfeed"
    state = ("feeds",)

    def __init__(self, work, feeds, args):
        super().__init__(work, feeds, args)
        self.rc = self.path("sfeedrc")
        with open(self.rc, "w") as f:
            f.write('sfeedpath="%s"\nmaxjobs=%d\nfeeds() {\n'
                    % (self.path("feeds"), args.jobs))
            for name, url in feeds:
                f.write('\tfeed "%s" "%s"\n' % (name, url))
            f.write("}\n")

    def prepare_cold(self):
        self.wipe()
        os.makedirs(self.path("feeds"))

    def argv(self, cold):
        return ["sfeed_update", self.rc]

    def count(self):
        n = 0
        d = self.path("feeds")
        for f in os.listdir(d):
            with open(os.path.join(d, f), "rb") as fh:
                n += sum(1 for _ in fh)
        return n


class Newsboat(Tool):
    name = "newsboat"
    state = ("cache.db",)

    def __init__(self, work, feeds, args):
        super().__init__(work, feeds, args)
        self.urls = self.path("urls")
        with open(self.urls, "w") as f:
            for _, url in feeds:
                f.write(url + "\n")
        self.conf = self.path("config")
        with open(self.conf, "w") as f:
            f.write("reload-threads %d\n" % args.jobs)
        home = self.path("home")
        os.makedirs(home, exist_ok=True)
        self.env["HOME"] = home
        self.env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
        self.env["XDG_DATA_HOME"] = os.path.join(home, ".local", "share")

    def prepare_cold(self):
        self.wipe()

    def argv(self, cold):
        return ["newsboat", "-x", "reload", "-u", self.urls, "-c",
                self.path("cache.db"), "-C", self.conf]

    def count(self):
        con = sqlite3.connect(self.path("cache.db"))
        try:
            return con.execute("SELECT count(*) FROM rss_item").fetchone()[0]
        finally:
            con.close()


class R2e(Tool):
    name = "r2e"
    state = ("r2e.json", "sent")

    def __init__(self, work, feeds, args):
        super().__init__(work, feeds, args)
        self.cfg = self.path("r2e.cfg")
        self.data = self.path("r2e.json")
        sendmail = self.path("sendmail.sh")
        with open(sendmail, "w") as f:
            # the sink: one line per message handed over
            f.write("#!/bin/sh\ncat >/dev/null\necho x >>'%s'\n"
                    % self.path("sent"))
        os.chmod(sendmail, 0o755)
        for p in (self.cfg, self.data):
            if os.path.exists(p):
                os.unlink(p)
        base = ["r2e", "-c", self.cfg, "-d", self.data]
        subprocess.run(base + ["new", "x@example.org"], check=True,
                       stderr=subprocess.DEVNULL)
        with open(self.cfg) as f:
            cfg = f.read().splitlines()
        with open(self.cfg, "w") as f:
            for line in cfg:
                if line.startswith("email-protocol ="):
                    line = "email-protocol = sendmail"
                elif line.startswith("sendmail ="):
                    line = "sendmail = " + sendmail
                f.write(line + "\n")
        opml = self.path("feeds.opml")
        with open(opml, "w") as f:
            f.write('<?xml version="1.0"?>\n<opml version="1.0"><body>\n')
            for name, url in feeds:
                f.write('<outline type="rss" text="%s" xmlUrl="%s"/>\n'
                        % (name, url))
            f.write("</body></opml>\n")
        subprocess.run(base + ["opmlimport", opml], check=True,
                       stderr=subprocess.DEVNULL)
        shutil.copy2(self.data, self.path("r2e.json.subscribed"))

    def prepare_cold(self):
        self.wipe()
        shutil.copy2(self.path("r2e.json.subscribed"), self.data)

    def argv(self, cold):
        a = ["r2e", "-c", self.cfg, "-d", self.data, "run"]
        # the cold run only records the entries, as a first run would
        return a + ["--no-send"] if cold else a

    def count(self):
        with open(self.data) as f:
            d = json.load(f)
        return sum(len(x.get("seen") or {}) for x in d["feeds"])

    def sent(self):
        try:
            with open(self.path("sent")) as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0


TOOLS = {"feedmail": Feedmail, "sfeed": Sfeed, "newsboat": Newsboat,
         "r2e": R2e}


def fmt_st(c):
    return "/".join("%d" % c.get(k, 0) for k in ("200", "304")) + (
        " +%d other" % sum(v for k, v in c.items() if k not in ("200", "304"))
        if set(c) - {"200", "304"} else "")


def measure(tool, ngx, step, runs, results, prepare=None, cold=False):
    for i in range(runs):
        if prepare:
            prepare()
        before = tool.count() if not cold else 0
        sent0 = tool.sent() if isinstance(tool, R2e) else 0
        ngx.reset_log()
        wall, cpu = tool.run(cold)
        st = ngx.statuses()
        new = tool.count() - before
        r = {"tool": tool.name, "step": step, "wall": wall, "cpu": cpu,
             "200": st.get("200", 0), "304": st.get("304", 0),
             "other": sum(v for k, v in st.items()
                          if k not in ("200", "304")),
             "new": new}
        if isinstance(tool, Feedmail):
            r["reported_new"] = tool.reported_new()
        if isinstance(tool, R2e):
            r["sent"] = tool.sent() - sent0
        results.append(r)
        log("  %-8s %-7s run %d: %6.2f s wall, %6.2f s CPU, 200/304 %s,"
            " new %d%s" % (tool.name, step, i + 1, wall, cpu, fmt_st(st),
                           new, " (reported %d)" % r["reported_new"]
                           if "reported_new" in r else
                           " (mails %d)" % r["sent"] if "sent" in r else ""))


def grow_store(src, dst, copies):
    """dst = src plus `copies` older generations of every entry: the same
    feeds, other identities and links, first/last seen one week earlier
    per generation (inside keep_days, so nothing is pruned)."""
    shutil.copy2(src, dst)
    con = sqlite3.connect(dst)
    cols = [r[1] for r in con.execute("PRAGMA table_info(entries)")
            if r[1] != "id"]
    week = 7 * 24 * 3600
    for k in range(1, copies + 1):
        sel = []
        for c in cols:
            if c in ("ident", "link", "link_key"):
                sel.append("CASE WHEN %s IS NULL THEN NULL ELSE %s || "
                           "'#old%d' END" % (c, c, k))
            elif c in ("first_seen", "last_seen", "published", "updated"):
                sel.append("CASE WHEN %s IS NULL THEN NULL ELSE %s - %d END"
                           % (c, c, k * week))
            else:
                sel.append(c)
        con.execute("INSERT INTO entries (%s) SELECT %s FROM entries"
                    " WHERE ident NOT LIKE '%%#old%%'"
                    % (", ".join(cols), ", ".join(sel)))
    con.commit()
    n = con.execute("SELECT count(*) FROM entries").fetchone()[0]
    con.close()
    return n


def copy_db(src, dst):
    for ext in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(dst + ext):
            os.unlink(dst + ext)
    # the backup API copies a consistent state, WAL or not
    a = sqlite3.connect(src)
    b = sqlite3.connect(dst)
    a.backup(b)
    b.close()
    a.close()


# Step 4: (label, file name, an index to add or None)
STORES = (("20k", "s20k.db", None), ("200k", "s200k.db", None))


def store_step(fm, ngx, root, args, results):
    """feedmail's warm and change runs over ~20k entries and over the same
    store grown to ~200k."""
    log("4. feedmail: warm and change runs over ~20k and ~200k entries")
    # the state after the last change run: all validators current
    paths = {}
    for label, name, index in STORES:
        paths[label] = fm.path(name)
    copy_db(fm.db, paths["20k"])
    n = grow_store(paths["20k"], paths["200k"], 9)
    for label, name, index in STORES:
        if index:
            con = sqlite3.connect(paths[label])
            con.execute(index)
            con.commit()
            con.close()
        copy_db(paths[label], paths[label] + ".orig")
    log("  stores: %d and %d entries" % (fm.count(paths["20k"]), n))
    os.sync()   # no writeback of the copies during the timed runs

    def one(label, what, db, i, measured=True):
        before = fm.count(db)
        ngx.reset_log()
        wall, cpu, rc, err = run_timed(fm.argv(False, db), None, fm.dir,
                                       fm.path("stdout.txt"))
        if rc != 0:
            log(err.decode(errors="replace"))
            raise SystemExit(70)
        st = ngx.statuses()
        new = fm.count(db) - before
        if measured:
            results.append({"tool": "feedmail",
                            "step": "store-%s-%s" % (label, what),
                            "wall": wall, "cpu": cpu,
                            "200": st.get("200", 0),
                            "304": st.get("304", 0), "new": new,
                            "entries": before})
        log("  %-8s %-6s run %s: %6.3f s wall, %6.3f s CPU, 200/304 %s,"
            " new %d" % (label, what, i if measured else "-", wall, cpu,
                         fmt_st(st), new))

    # warm: the same files run after run (a warm run changes little); one
    # unmeasured run first, as the copies' pages may not all be cached
    for label, name, index in STORES:
        one(label, "warm", paths[label], 0, measured=False)
    for i in range(args.store_runs):
        for label, name, index in STORES:
            one(label, "warm", paths[label], i + 1)
    # change: 300 more items; each run from a fresh copy of the store
    subprocess.run([PY, GEN, "many", root, "--feeds", str(args.feeds),
                    "--items", str(args.items), "--version", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    run_db = fm.path("run.db")
    for i in range(args.store_runs):
        for label, name, index in STORES:
            copy_db(paths[label] + ".orig", run_db)
            os.sync()
            one(label, "change", run_db, i + 1)
    # keep the 20k and 200k stores for inspection, drop the rest (~1.5 GB)
    for p in (run_db,) + tuple(
            paths[label] + ".orig" for label, name, index in STORES):
        for ext in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(p + ext):
                os.unlink(p + ext)


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def report(results, tools, args):
    steps = (("cold", "cold fetch, empty store"),
             ("warm", "warm re-run, nothing changed"),
             ("change", "+3 items in 100 feeds (300 new)"))
    print("\nfetch benchmark: %d feeds x %d items, jobs %d (feedmail "
          "per_host = jobs: all feeds are on one host), medians of %d runs"
          % (args.feeds, args.items, args.jobs, args.runs))
    print("\n%-8s %-9s %9s %8s %9s %11s %9s" % (
        "step", "tool", "wall s", "CPU s", "200/304", "new entries",
        "x fastest"))
    goals = []
    for step, title in steps:
        rows = [(t, [r for r in results if r["tool"] == t
                     and r["step"] == step]) for t in tools]
        rows = [(t, rs) for t, rs in rows if rs]
        if not rows:
            continue
        peers = [med(rs, "wall") for t, rs in rows if t != "feedmail"]
        fastest = min(peers) if peers else None
        for t, rs in rows:
            w = med(rs, "wall")
            news = sorted(set(r["new"] for r in rs))
            print("%-8s %-9s %9.2f %8.2f %9s %11s %9s" % (
                step, t, w, med(rs, "cpu"),
                "%d/%d" % (med(rs, "200"), med(rs, "304")),
                ",".join(str(n) for n in news),
                "%.3f" % (w / fastest) if fastest else "-"))
        fm = dict(rows).get("feedmail")
        if fm and fastest:
            w = med(fm, "wall")
            if step == "cold":
                goals.append("cold <= 1/5 of the fastest peer: %s (%.3f)"
                             % ("met" if w * 5 <= fastest else "MISSED",
                                w / fastest))
            elif step == "warm":
                goals.append("warm <= 1/10 of the fastest peer: %s (%.3f)"
                             % ("met" if w * 10 <= fastest else "MISSED",
                                w / fastest))
                cond = sum(r["304"] for r in fm)
                total = sum(r["200"] + r["304"] + r["other"] for r in fm)
                goals.append("100%% conditional (304) on the warm run: %s "
                             "(%d of %d)" % ("met" if cond == total
                                             else "MISSED", cond, total))
            elif step == "change":
                news = [r["new"] for r in fm]
                want = 3 * len(range(0, args.feeds, 10))
                goals.append("exactly %d new: %s (%s)" % (
                    want, "met" if all(n == want for n in news)
                    else "MISSED", ", ".join(map(str, news))))
    big = [r for r in results if r["step"].startswith("store-")]
    if big:
        print("\nfeedmail over a small and a big store (medians of %d runs)"
              % args.store_runs)
        print("%-7s %-5s %8s %8s %11s" % (
            "run", "", "20k", "200k", "200k / 20k"))
        for what in ("warm", "change"):
            for key in ("wall", "cpu"):
                m = {}
                for label, name, index in STORES:
                    rs = [r for r in big
                          if r["step"] == "store-%s-%s" % (label, what)]
                    if rs:
                        m[label] = med(rs, key)
                if len(m) != len(STORES):
                    continue
                print("%-7s %-5s %8.3f %8.3f %11.2f" % (
                    what, key, m["20k"], m["200k"], m["200k"] / m["20k"]))
                if key == "wall":
                    ratio = m["200k"] / m["20k"]
            if what == "warm" and len(m) == len(STORES):
                goals.append("warm over 200k entries within 1.2x of 20k: %s"
                             " (%.2f)" % ("met" if ratio <= 1.2
                                          else "MISSED", ratio))
    if goals:
        print("\ngoals:")
        for g in goals:
            print("  " + g)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feedmail", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store-runs", type=int, default=5)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=16)
    ap.add_argument("--tools", default="feedmail,sfeed,newsboat,r2e")
    ap.add_argument("--no-store", action="store_true",
                    help="skip step 4 (feedmail over a 200k-entry store)")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()
    args.feedmail = os.path.abspath(args.feedmail)
    tools = args.tools.split(",")
    for t in tools:
        if t not in TOOLS:
            ap.error("unknown tool %s" % t)

    work = args.work
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    root = os.path.join(work, "feeds")
    t0 = time.monotonic()
    load0 = os.getloadavg()[0]
    log("generating %d feeds in %s" % (args.feeds, root))
    subprocess.run([PY, GEN, "many", root, "--feeds", str(args.feeds),
                    "--items", str(args.items)], check=True,
                   stdout=subprocess.DEVNULL)
    # a SIGTERM, like ^C, goes through the finally below: nginx stops
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(143))
    ngx = Nginx(work, root)
    results = []
    try:
        feeds = [("f%04d" % i, ngx.url("f%04d.xml" % i))
                 for i in range(args.feeds)]
        objs = [TOOLS[t](work, feeds, args) for t in tools]

        log("1. cold fetch")
        for t in objs:
            measure(t, ngx, "cold", args.runs, results,
                    prepare=t.prepare_cold, cold=True)
        log("2. warm re-run, nothing changed")
        for t in objs:
            if isinstance(t, Newsboat):
                # newsboat keeps no validators from a feed's first fetch:
                # its second run is still all 200s. One unmeasured run.
                measure(t, ngx, "settle", 1, results)
            measure(t, ngx, "warm", args.runs, results)
            t.snapshot("warm")

        log("3. +3 items in every 10th feed")
        subprocess.run([PY, GEN, "many", root, "--feeds", str(args.feeds),
                        "--items", str(args.items), "--version", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        for t in objs:
            measure(t, ngx, "change", args.runs, results,
                    prepare=lambda t=t: t.restore("warm"))

        fm = [t for t in objs if isinstance(t, Feedmail)]
        if fm and not args.no_store:
            store_step(fm[0], ngx, root, args, results)
    finally:
        ngx.stop()
    report(results, tools, args)
    print("\ntotal bench time: %.0f s; load average at the start %.2f,"
          " at the end %.2f (%d CPUs)" % (time.monotonic() - t0, load0,
                                         os.getloadavg()[0],
                                         os.cpu_count()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
