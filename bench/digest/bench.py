#!/usr/bin/python3
"""bench/digest/bench.py: the digest benchmark (issue 6).

  bench.py --feedmail BIN --work DIR [--feeds N] [--items N] [--subs N]
           [--small N] [--runs N] [--no-hyperfine] [--maildir DIR]
           [--rebuild] [--json FILE]

Builds one digest of exactly 30 new entries for each of --subs (10000)
subscribers, routed by tags, from a store of --feeds x --items (1000 x 200
= 200,000) entries seen before they subscribed, and times it: `feedmail
send --dry-run` (every digest built, MIME message included; nothing
recorded) and `feedmail send` to the stdout transport, sent to /dev/null
(every digest built, recorded in the outbox, written out and marked sent).
The same at --small (2000) subscribers shows whether peak RSS grows with
the number of subscribers. Prints a table of medians; see
bench/README.md.

The stores are cached in DIR (stamped with the parameters they were built
with); --rebuild builds them again.
"""

import argparse
import json
import os
import shlex
import shutil
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
import gen_feed  # noqa: E402  (bench/gen_feed.py)
from benchlib import log, rm_db  # noqa: E402

# The clock (FEEDMAIL_NOW). gen_feed dates item k of a feed 2025-09-01
# 08:00 + k x 7 min: with 200 items the newest is about 2025-09-02 07:20.
T0 = "2025-09-02T07:30:00Z"      # feeds imported and fetched: 200,000 entries
T1 = "2025-09-02T08:00:00Z"      # subscribers subscribe
T2 = "2025-09-02T12:00:00Z"      # second fetch: 300 new entries
T_SEND = "2025-09-02T12:05:00Z"  # digests built

# Ten tags, one per group of feeds (feed i has TAGS[i % 10]); subscriber j
# follows TAGS[j % 10]. NEW[g] says how the 30 new entries of group g
# are spread: (feeds, new entries in each), so that digests have from 1
# feed of 30 articles to 30 feeds of 1.
TAGS = ("Numérique", "Cybersécurité", "Énergie", "Santé", "Industrie",
        "Mobilité", "Recherche", "Emploi", "Événements", "Collectivités")
NEW = ((30, 1), (15, 2), (10, 3), (6, 5), (5, 6), (3, 10), (2, 15),
       (1, 30), (10, 3), (30, 1))
PER_DIGEST = 30
STORE_FORMAT = 2   # bump when the way the stores are built changes


def new_items(n_feeds, n_items):
    """{feed number: new entries at T2}."""
    per_group = n_feeds // len(TAGS)
    if max(each for _, each in NEW) > n_items:
        raise SystemExit("--items must be at least %d"
                         % max(each for _, each in NEW))
    out = {}
    for g, (feeds, each) in enumerate(NEW):
        if feeds > per_group:
            raise SystemExit("--feeds %d: group %d needs %d feeds"
                             % (n_feeds, g, feeds * len(TAGS)))
        for j in range(feeds):
            out[g + j * len(TAGS)] = each
    assert all(sum(v for f, v in out.items() if f % len(TAGS) == g)
               == PER_DIGEST for g in range(len(TAGS)))
    return out


def write_feeds(d, n_feeds, n_items, version):
    """Feed i as RSS (even) or Atom (odd), gen_feed's items; at version 1
    the feeds of new_items() have that many newer items (the oldest drop
    out, as in a real feed's window). Returns the paths."""
    os.makedirs(d, exist_ok=True)
    new = new_items(n_feeds, n_items) if version else {}
    paths = []
    for i in range(n_feeds):
        first = new.get(i, 0)
        site = "https://site%04d.example.org" % i
        items = [gen_feed.make_item(site, i + 1, k, 3, True)
                 for k in range(first + n_items - 1, first - 1, -1)]
        fn = gen_feed.atom if i % 2 else gen_feed.rss
        text = fn(site, "Le fil n°%d & ses « brèves »" % i, items)
        path = os.path.join(d, "f%04d.xml" % i)
        gen_feed.write_if_changed(path, text)
        paths.append(path)
    return paths


def copy_db(src, dst):
    rm_db(dst)
    shutil.copyfile(src, dst)


def checkpoint(db):
    """Folds the WAL into the file, so that the .db alone is the store."""
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def count(db, sql):
    c = sqlite3.connect(db)
    n = c.execute(sql).fetchone()[0]
    c.close()
    return n


class Feedmail(benchlib.Feedmail):
    def conf(self, name, db, transport="stdout", path=None):
        return super().conf(name, db, transport, path,
                            extra="[fetch]\njobs = 16\n")


def stamp_ok(path, want):
    try:
        with open(path) as f:
            return json.load(f) == want
    except (OSError, ValueError):
        return False


def write_stamp(path, what):
    with open(path, "w") as f:
        json.dump(what, f)


def build_news_store(fm, args):
    """WORK/news.db: the feeds fetched at T0 (feeds x items entries), then
    again at T2 (300 new entries); no subscribers. Cached."""
    db = os.path.join(args.work, "news.db")
    stamp = db + ".json"
    want = {"format": STORE_FORMAT, "feeds": args.feeds,
            "items": args.items}
    if not args.rebuild and os.path.exists(db) and stamp_ok(stamp, want):
        log("news.db: cached (%d entries)"
            % count(db, "SELECT count(*) FROM entries"))
        return db
    rm_db(db)
    feeds_dir = os.path.join(args.work, "feeds")
    t = time.monotonic()
    feeds = write_feeds(feeds_dir, args.feeds, args.items, 0)
    log("feeds: %d x %d items, %.0f MB (%.0f s)"
        % (args.feeds, args.items,
           sum(os.path.getsize(p) for p in feeds) / 1e6,
           time.monotonic() - t))
    conf = fm.conf("build", db)
    t = time.monotonic()
    # one `feedmail add` per feed: import takes http(s) URLs only
    for i, path in enumerate(feeds):
        fm.run(conf, T0, "add", path, "--tag", TAGS[i % len(TAGS)])
    log("added %d feeds (%.0f s)" % (len(feeds), time.monotonic() - t))
    t = time.monotonic()
    fm.run(conf, T0, "fetch", "--all")
    n0 = count(db, "SELECT count(*) FROM entries")
    log("fetch at T0: %d entries (%.0f s)" % (n0, time.monotonic() - t))
    if n0 != args.feeds * args.items:
        raise SystemExit("want %d entries at T0, got %d"
                         % (args.feeds * args.items, n0))
    write_feeds(feeds_dir, args.feeds, args.items, 1)
    t = time.monotonic()
    fm.run(conf, T2, "fetch", "--all")
    n2 = count(db, "SELECT count(*) FROM entries")
    log("fetch at T2: %d new entries (%.0f s)"
        % (n2 - n0, time.monotonic() - t))
    want_new = len(TAGS) * PER_DIGEST
    if n2 - n0 != want_new:
        raise SystemExit("want %d new entries at T2, got %d"
                         % (want_new, n2 - n0))
    checkpoint(db)
    write_stamp(stamp, want)
    return db


def build_sub_store(fm, args, news, n):
    """WORK/sN.db: news.db with n subscribers created at T1, subscriber j
    following TAGS[j % 10], every fifth in English. The first is added by
    feedmail, the others inserted like it."""
    db = os.path.join(args.work, "s%d.db" % n)
    stamp = db + ".json"
    want = {"format": STORE_FORMAT, "news": os.path.getmtime(news), "n": n}
    if not args.rebuild and os.path.exists(db) and stamp_ok(stamp, want):
        return db
    copy_db(news, db)
    conf = fm.conf("subs", db)
    fm.run(conf, T1, "subscriber", "add", "abonne0@bench.example",
           "--name", "Abonnée n°0", "--lang", "en", "--tag", TAGS[0])
    c = sqlite3.connect(db)
    created, = c.execute("SELECT created_at FROM subscribers").fetchone()
    position, = c.execute("SELECT position FROM subscriber_tags").fetchone()
    with c:
        # added after both fetches, they start as if between them (what
        # is new to them is the store's order, not their created_at)
        c.execute("UPDATE subscribers SET start_seq = (SELECT max(id)"
                  " FROM entries WHERE first_seen < created_at)")
        start, = c.execute("SELECT start_seq FROM subscribers").fetchone()
        for j in range(1, n):
            cur = c.execute(
                "INSERT INTO subscribers (email, name, lang, created_at,"
                " start_seq) VALUES (?, ?, ?, ?, ?)",
                ("abonne%d@bench.example" % j, "Abonné n°%d" % j,
                 "en" if j % 5 == 0 else None, created, start))
            c.execute("INSERT INTO subscriber_tags (subscriber_id, position,"
                      " tag) VALUES (?, ?, ?)",
                      (cur.lastrowid, position, TAGS[j % len(TAGS)]))
    c.close()
    checkpoint(db)
    write_stamp(stamp, want)
    return db


def measure(name, argv, env, runs, prepare=None, hyperfine=None):
    """Runs argv `runs` times (after `prepare`, a shell command, each
    time), under /usr/bin/time for the peak RSS, timed by hyperfine when
    given, else by /usr/bin/time too. Returns the lists."""
    tf = os.path.join(env["BENCH_WORK"], "time-%s.txt" % name)
    if os.path.exists(tf):
        os.unlink(tf)
    cmd = ("/usr/bin/time -a -o %s -f '%%e %%U %%S %%M' %s >/dev/null"
           % (shlex.quote(tf), shlex.join(argv)))
    if hyperfine:
        js = os.path.join(env["BENCH_WORK"], "hf-%s.json" % name)
        hf = [hyperfine, "--runs", str(runs), "--export-json", js,
              "--style", "none", "--command-name", name]
        if prepare:
            hf += ["--prepare", prepare]
        subprocess.run(hf + [cmd], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        with open(js) as f:
            r = json.load(f)["results"][0]
        wall = r["times"]
    else:
        for _ in range(runs):
            if prepare:
                subprocess.run(prepare, shell=True, env=env, check=True)
            subprocess.run(cmd, shell=True, env=env, check=True)
        wall = None
    rows = [line.split() for line in open(tf).read().splitlines()
            if line and line[0].isdigit()]
    out = {"wall": wall or [float(r[0]) for r in rows],
           "cpu": [float(r[1]) + float(r[2]) for r in rows],
           "user": [float(r[1]) for r in rows],
           "sys": [float(r[2]) for r in rows],
           "rss": [int(r[3]) for r in rows]}
    os.unlink(tf)
    return out


def check_dry_run(fm, conf, n):
    """One unmeasured dry run: every subscriber gets exactly 30 articles."""
    p = subprocess.run([fm.bin, "send", "--dry-run"],
                       env=fm.env(conf, T_SEND), check=True,
                       stdout=subprocess.PIPE, text=True)
    lines = p.stdout.splitlines()
    counts = {}
    for line in lines:
        k = line.split(": ", 2)[1]
        counts[k] = counts.get(k, 0) + 1
    if len(lines) != n or counts != {"%d articles" % PER_DIGEST: n}:
        raise SystemExit("dry run: want %d digests of %d articles, got %r"
                         % (n, PER_DIGEST, counts))
    return lines[0]


def check_sent(db, n):
    sent = count(db, "SELECT count(*) FROM outbox WHERE kind = 'digest' AND status = 'sent'")
    deliveries = count(db, "SELECT count(*) FROM deliveries")
    if sent != n or deliveries != n * PER_DIGEST:
        raise SystemExit("send: want %d sent digests and %d deliveries,"
                         " got %d and %d" % (n, n * PER_DIGEST, sent,
                                             deliveries))
    return count(db, "SELECT avg(length(message)) FROM outbox_messages")


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedmail", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--subs", type=int, default=10000)
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-hyperfine", action="store_true")
    ap.add_argument("--maildir", help="also send to a Maildir here "
                    "(a tmpfs such as /dev/shm/x; emptied before each run)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    hyperfine = None if args.no_hyperfine else shutil.which("hyperfine")

    fm = Feedmail(os.path.abspath(args.feedmail), args.work)
    news = build_news_store(fm, args)
    sizes = sorted({args.small, args.subs})
    stores = {n: build_sub_store(fm, args, news, n) for n in sizes}
    results = {"params": {"feeds": args.feeds, "items": args.items,
                          "runs": args.runs, "timer": hyperfine or "time"},
               "entries": count(news, "SELECT count(*) FROM entries"),
               "store_mb": os.path.getsize(news) / 1e6,
               "runs": []}
    env = dict(os.environ)
    env["BENCH_WORK"] = args.work
    base = measure("version", [fm.bin, "--version"], env, 3)
    results["version_rss"] = median(base["rss"])
    log("timer: %s; feedmail --version peaks at %d KiB"
        % (hyperfine or "/usr/bin/time", results["version_rss"]))

    for n in sizes:
        db = stores[n]
        conf = fm.conf("dry%d" % n, db)
        first = check_dry_run(fm, conf, n)
        log("%d subscribers: %s" % (n, first))
        env_n = fm.env(conf, T_SEND)
        env_n["BENCH_WORK"] = args.work
        r = measure("dry%d" % n, [fm.bin, "send", "--dry-run"], env_n,
                    args.runs, hyperfine=hyperfine)
        results["runs"].append(dict(r, what="send --dry-run", subs=n))
        log("  send --dry-run: %.2f s, %d KiB"
            % (median(r["wall"]), median(r["rss"])))

        run_db = os.path.join(args.work, "run.db")
        prepare = "rm -f %s-wal %s-shm && cp %s %s" % (
            run_db, run_db, shlex.quote(db), run_db)
        plan = [("stdout", fm.conf("stdout%d" % n, run_db), prepare)]
        if args.maildir:
            md = os.path.abspath(args.maildir)
            plan.append(("maildir", fm.conf("maildir%d" % n, run_db,
                                            "maildir", md),
                         prepare + " && rm -rf %s" % shlex.quote(md)))
        for what, c, prep in plan:
            env_s = fm.env(c, T_SEND)
            env_s["BENCH_WORK"] = args.work
            subprocess.run(prep, shell=True, check=True)
            subprocess.run([fm.bin, "-q", "send"], env=env_s, check=True,
                           stdout=subprocess.DEVNULL)
            size = check_sent(run_db, n)
            r = measure("%s%d" % (what, n), [fm.bin, "-q", "send"], env_s,
                        args.runs, prepare=prep, hyperfine=hyperfine)
            results["runs"].append(dict(r, what="send (%s)" % what, subs=n,
                                        message_bytes=size))
            log("  send (%s): %.2f s, %d KiB, %.1f kB a message"
                % (what, median(r["wall"]), median(r["rss"]), size / 1e3))
        rm_db(run_db)
        if args.maildir:
            shutil.rmtree(os.path.abspath(args.maildir), ignore_errors=True)

    print("\n%d entries in the store (%.0f MB), %d new at T2; %d runs each,"
          " medians; timer: %s\n" % (results["entries"],
                                     results["store_mb"],
                                     len(TAGS) * PER_DIGEST, args.runs,
                                     "hyperfine" if hyperfine
                                     else "/usr/bin/time"))
    print("| run | subscribers | wall s | ms/digest | CPU s | CPU ms/digest"
          " | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results["runs"]:
        w, c = median(r["wall"]), median(r["cpu"])
        print("| %s | %d | %.2f | %.3f | %.2f | %.3f | %.1f |"
              % (r["what"], r["subs"], w, 1000 * w / r["subs"], c,
                 1000 * c / r["subs"], median(r["rss"]) / 1024))
    print("\n`feedmail --version` alone: %.1f MiB peak RSS"
          % (results["version_rss"] / 1024))
    if len(sizes) == 2:
        for what in sorted({r["what"] for r in results["runs"]}):
            a, b = (median(r["rss"]) for s in sizes for r in results["runs"]
                    if r["what"] == what and r["subs"] == s)
            print("%s: peak RSS %d -> %d KiB from %d to %d subscribers"
                  " (%+.1f%%)" % (what, a, b, sizes[0], sizes[1],
                                 100.0 * (b - a) / a))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
