#!/usr/bin/python3
"""bench/workers/latency.py: the feeds of the workers benchmark (issue 14),
every response held back --delay seconds (0.2) as a distant server's
would be. Not part of feedmail.

  latency.py --hosts N --feeds N --items N --port-file F --stats F
             [--delay S]

Listens on N loopback addresses, 127.1.X.Y (X = k / 250, Y = 1 + k % 250
for host k; Linux routes all of 127/8 to lo, nothing to configure), all on
one port chosen by the system, written to --port-file once every address
listens. GET /fI.xml answers feed I, an RSS 2.0 document of --items items
made from I alone (the same bytes every time), HTTP/1.1 with keep-alive.
Any host serves any feed: the benchmark decides which host names which
feed.

On SIGUSR1 it writes JSON to --stats (a .tmp, then a rename) and starts
counting afresh: requests, statuses, how many feeds were asked for once,
more than once, the most connections and requests open at once, and the
lateness of the responses (how long after their --delay they went out:
what the server's own load added, its evidence of keeping up). Exits on
SIGTERM.
"""

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import time

RSS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0"><channel>\n'
            "<title>Flux n\u00b0%d</title>\n"
            "<link>http://bench.example/f%d/</link>\n"
            "<description>Le flux %d du banc d\u2019essai</description>\n")
RSS_ITEM = ("<item><title>Article %d du flux %d : l\u2019\u00e9conomie "
            "r\u00e9gionale en %d points</title>\n"
            "<link>http://bench.example/f%d/a%d.html</link>\n"
            "<guid>http://bench.example/f%d/a%d</guid>\n"
            "<pubDate>Wed, 25 Nov 2026 %02d:%02d:00 +0000</pubDate>\n"
            "<description>&lt;p&gt;Les entreprises de la r\u00e9gion "
            "annoncent %d projets, selon le bilan publi\u00e9 ce "
            "mercredi. Le d\u00e9tail, secteur par secteur, dans "
            "l\u2019article du flux %d.&lt;/p&gt;</description></item>\n")


def feed_body(i, items):
    parts = [RSS_HEAD % (i, i, i)]
    for k in range(items):
        parts.append(RSS_ITEM % (k, i, k + 3, i, k, i, k, k % 24,
                                 (i + k) % 60, i % 97 + k, i))
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


class Stats:
    def __init__(self):
        self.reset()
        self.conns = 0
        self.inflight = 0

    def reset(self):
        self.requests = 0
        self.status = {}
        self.per_feed = {}
        self.max_conns = 0
        self.max_inflight = 0
        self.late = []
        self.first = self.last = None

    def dump(self, path):
        late = sorted(self.late)

        def q(p):
            return late[min(len(late) - 1, int(p * len(late)))] * 1000 \
                if late else 0.0
        counts = list(self.per_feed.values())
        d = {"requests": self.requests, "status": self.status,
             "feeds_once": sum(1 for c in counts if c == 1),
             "feeds_more": sum(1 for c in counts if c > 1),
             "max_conns": self.max_conns,
             "max_inflight": self.max_inflight,
             "late_ms_p50": q(0.5), "late_ms_p99": q(0.99),
             "late_ms_max": late[-1] * 1000 if late else 0.0,
             "span_s": (self.last - self.first) if self.first else 0.0}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(d, f)
        os.rename(tmp, path)
        self.reset()
        self.max_conns = self.conns
        self.max_inflight = self.inflight


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, required=True)
    ap.add_argument("--feeds", type=int, required=True)
    ap.add_argument("--items", type=int, default=3)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats", required=True)
    args = ap.parse_args()
    # thousands of connections: as many descriptors as we may have
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    bodies = [feed_body(i, args.items) for i in range(args.feeds)]
    st = Stats()

    async def handle(reader, writer):
        st.conns += 1
        st.max_conns = max(st.max_conns, st.conns)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                while True:     # the headers: none matters here
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                t0 = time.monotonic()
                st.inflight += 1
                st.max_inflight = max(st.max_inflight, st.inflight)
                st.requests += 1
                if st.first is None:
                    st.first = t0
                path = line.split(b" ")[1] if b" " in line else b""
                i = -1
                if path.startswith(b"/f") and path.endswith(b".xml"):
                    try:
                        i = int(path[2:-4])
                    except ValueError:
                        pass
                await asyncio.sleep(args.delay)
                if 0 <= i < len(bodies):
                    body, status = bodies[i], "200 OK"
                    st.per_feed[i] = st.per_feed.get(i, 0) + 1
                else:
                    body, status = b"not found\n", "404 Not Found"
                code = status[:3]
                st.status[code] = st.status.get(code, 0) + 1
                writer.write(("HTTP/1.1 %s\r\nContent-Type: application/"
                              "rss+xml; charset=utf-8\r\nContent-Length: "
                              "%d\r\n\r\n" % (status, len(body))).encode()
                             + body)
                now = time.monotonic()
                st.late.append(now - t0 - args.delay)
                st.last = now
                st.inflight -= 1
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            st.conns -= 1
            writer.close()

    def address(k):
        return "127.1.%d.%d" % (k // 250, 1 + k % 250)

    async def serve():
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
        loop.add_signal_handler(signal.SIGUSR1, st.dump, args.stats)
        for _ in range(20):
            # the first address picks the port; the others take the same
            socks = []
            try:
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((address(0), 0))
                port = s.getsockname()[1]
                socks.append(s)
                for k in range(1, args.hosts):
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((address(k), port))
                    socks.append(s)
                break
            except OSError:
                for s in socks:
                    s.close()
        else:
            raise SystemExit("latency.py: no port free on every address")
        servers = []
        for s in socks:
            s.listen(1024)
            servers.append(await asyncio.start_server(handle, sock=s,
                                                      backlog=1024))
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
        await stop
        for srv in servers:
            srv.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
