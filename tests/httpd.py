#!/usr/bin/python3
"""Scripted HTTP/1.1 test server for feedmail (stdlib only).

Listens on 127.0.0.1, port 0 unless --port, and writes the port it got to
--port-file (atomically, so a waiting reader never sees half a number).
Files come from --root; the first path segment chooses a behaviour:

  /NAME                 the file (404 when missing)
  /etag/NAME            ETag, 304 when If-None-Match matches
  /lastmod/NAME         Last-Modified (file mtime), 304 when
                        If-Modified-Since is at or after it
  /gzip/NAME            Content-Encoding: gzip
  /deflate/NAME         Content-Encoding: deflate
  /r301/N/REST          301 to /r301/N-1/REST, then to /REST (also r302,
                        r303, r307, r308); the query string is kept
  /to?url=URL           302 (or ?code=CODE) to URL (any scheme: for
                        redirect-scheme tests; any host: for tests of
                        redirects to a private address); ?body=N: with a
                        body of N bytes of 'x' (?chunked as for /big)
  /loop                 302 to itself
  /status/CODE          that status with a short body;
                        ?retry=SECONDS        Retry-After: SECONDS
                        ?retry-date=EPOCH     Retry-After as an HTTP-date
  /stall/NAME           Content-Length of the whole file, half of it (or
                        ?at=BYTES), then sleeps ?sleep=SECONDS (10) before
                        the rest
  /truncated/NAME       Content-Length of the whole file, half, then closes
  /slow/NAME            sleeps ?delay=SECONDS (0.05) before answering
  /hold/REST?release=F  makes F in the root a FIFO, creates F.held as soon
                        as the request arrives, then blocks reading F until
                        the test opens it for writing (`: >F`), and answers
                        what /REST gives: a transfer that lasts exactly
                        until the test says
  /early/REST           103 Early Hints (with an ETag that must not count),
                        then what /REST gives
  /bigheader/REST       what /REST gives, its header grown by ?size=BYTES
                        (64 KiB) of X-Filler-N lines of at most ?line=BYTES
                        (1000) each, CRLF included
  /wait/REST?for=TEXT   waits (120 s at most) until the --log file, which
                        the other servers of a test may share, has a line
                        with TEXT in it, then what /REST gives
  /cache/NAME           ?max-age=N Cache-Control, ?expires=EPOCH Expires,
                        ?age=N Age, ?cc=VALUE any Cache-Control
  /big                  20 MiB of 'x' with Content-Length;
                        ?chunked: no Content-Length (chunked)
  /bomb                 20 MiB of zeros gzip-compressed (about 20 KiB)
  /bytes/N              N bytes of 'x'; ?chunked as for /big
  /html                 an HTML page
  /headers              the request headers, as text/plain

Any file-serving path also takes ?h=Name:Value (repeatable) to add response
headers, e.g. ?h=Content-Location:/canonical.xml.

--tls CERT KEY serves HTTPS instead (ALPN http/1.1 only).

--log FILE gets one line per request, flushed at once:
  METHOD PATH STATUS inm=0|1 ims=0|1 active=N conns=N t0=SECS t1=SECS ua=UA
(UA with its spaces as underscores),
where inm/ims say whether If-None-Match/If-Modified-Since came, active is
how many requests were being answered at once when this one started (itself
included), conns how many connections were open, and t0/t1 when answering
began and ended (a monotonic clock), so a test can work out how many of its
own requests overlapped whatever else the server was doing.
"""

import argparse
import email.utils
import gzip
import hashlib
import http.server
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import zlib

BIG = 20 * 1024 * 1024
CHUNK = 64 * 1024
NO_BODY = object()

HTML = b"""<!DOCTYPE html>
<html><head><title>Not a feed</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
</head><body><p>This is a web page.</p></body></html>
"""

TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

lock = threading.Lock()
state = {"active": 0, "conns": 0}
log_file = None
root = "."


def log_line(line):
    if log_file is None:
        return
    with lock:
        log_file.write(line + "\n")
        log_file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedmail-httpd/1"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # the handshake happens here, in this connection's thread, so
            # a client that rejects the certificate blocks no one else
            self.request.settimeout(60)
            self.request.do_handshake()
        super().setup()
        with lock:
            state["conns"] += 1

    def finish(self):
        with lock:
            state["conns"] -= 1
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, fmt, *args):
        pass

    # -- plumbing

    def do_HEAD(self):
        self.dispatch(head=True)

    def do_GET(self):
        self.dispatch(head=False)

    def dispatch(self, head):
        with lock:
            state["active"] += 1
            active = state["active"]
            conns = state["conns"]
        self.head = head
        self.code = 0
        self.filler = None
        t0 = time.monotonic()
        try:
            url = urllib.parse.urlsplit(self.path)
            self.query = urllib.parse.parse_qs(url.query,
                                               keep_blank_values=True)
            self.route(urllib.parse.unquote(url.path), url.query)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        finally:
            with lock:
                state["active"] -= 1
            log_line("%s %s %d inm=%d ims=%d active=%d conns=%d "
                     "t0=%.6f t1=%.6f ua=%s" % (
                         self.command, self.path, self.code,
                         "If-None-Match" in self.headers,
                         "If-Modified-Since" in self.headers, active,
                         conns, t0, time.monotonic(),
                         (self.headers.get("User-Agent") or "-")
                         .replace(" ", "_")))

    def arg(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def start(self, code, headers=(), length=None, ctype=None):
        """Sends the status line and headers: length is the body's
        Content-Length, None for chunked, NO_BODY for a 304."""
        self.code = code
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers:
            self.send_header(name, value)
        for extra in self.query.get("h", []):
            name, _, value = extra.partition(":")
            self.send_header(name, value)
        if self.filler:
            self.send_filler(*self.filler)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not NO_BODY:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def send_filler(self, size, line):
        n = 0
        while size > 0:
            name = "X-Filler-%d" % n
            # "NAME: VALUE\r\n"
            room = min(size, line) - len(name) - 4
            if room < 0:
                break
            self.send_header(name, "a" * room)
            size -= len(name) + 4 + room
            n += 1

    def send_body(self, body, headers=(), code=200, ctype=None):
        self.start(code, headers, len(body), ctype)
        if not self.head:
            self.wfile.write(body)

    def send_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")

    def status(self, code, headers=()):
        body = b"status %d\n" % code
        self.send_body(body, headers, code, "text/plain")

    def redirect(self, code, location):
        self.send_body(b"moved\n", [("Location", location)], code,
                       "text/plain")

    def read_file(self, name):
        """The file's bytes, its type and mtime, or None after a 404."""
        parts = [p for p in name.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            self.status(404)
            return None
        path = os.path.join(root, *parts)
        try:
            with open(path, "rb") as f:
                data = f.read()
            mtime = os.stat(path).st_mtime
        except OSError:
            self.status(404)
            return None
        ext = os.path.splitext(path)[1]
        return data, TYPES.get(ext, "application/octet-stream"), mtime

    # -- behaviours

    def route(self, path, query):
        parts = path.split("/")[1:]
        first = parts[0] if parts else ""
        rest = "/".join(parts[1:])
        handler = getattr(self, "do_" + first.replace("-", "_"), None)
        if first in ("r301", "r302", "r303", "r307", "r308"):
            self.hop(int(first[1:]), parts[1:], query)
        elif handler is not None and first not in ("GET", "HEAD"):
            handler(rest)
        else:
            self.do_file(path)

    def do_file(self, name):
        got = self.read_file(name)
        if got:
            self.send_body(got[0], ctype=got[1])

    def hop(self, code, parts, query):
        try:
            n = int(parts[0])
        except (IndexError, ValueError):
            self.status(400)
            return
        rest = "/".join(parts[1:])
        if n > 1:
            target = "/r%d/%d/%s" % (code, n - 1, rest)
        else:
            target = "/" + rest
        if query:
            target += "?" + query
        self.redirect(code, target)

    def do_to(self, _):
        code = int(self.arg("code", "302"))
        if self.arg("body") is not None:
            self.stream(int(self.arg("body")), code,
                        [("Location", self.arg("url", "/"))])
        else:
            self.redirect(code, self.arg("url", "/"))

    def do_loop(self, _):
        self.redirect(302, "/loop")

    def do_status(self, rest):
        try:
            code = int(rest)
        except ValueError:
            self.status(400)
            return
        headers = []
        if self.arg("retry") is not None:
            headers.append(("Retry-After", self.arg("retry")))
        if self.arg("retry-date") is not None:
            when = float(self.arg("retry-date"))
            headers.append(("Retry-After",
                            email.utils.formatdate(when, usegmt=True)))
        self.status(code, headers)

    def do_etag(self, name):
        got = self.read_file(name)
        if not got:
            return
        tag = '"%s"' % hashlib.sha1(got[0]).hexdigest()[:16]
        inm = self.headers.get("If-None-Match")
        if inm is not None and (inm.strip() == "*" or tag in
                                [t.strip() for t in inm.split(",")]):
            self.start(304, [("ETag", tag)], NO_BODY)
            return
        self.send_body(got[0], [("ETag", tag)], ctype=got[1])

    def do_lastmod(self, name):
        got = self.read_file(name)
        if not got:
            return
        mtime = int(got[2])
        ims = self.headers.get("If-Modified-Since")
        if ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and since >= mtime:
                self.start(304, [], NO_BODY)
                return
        self.send_body(got[0], [("Last-Modified",
                                 email.utils.formatdate(mtime,
                                                        usegmt=True))],
                       ctype=got[1])

    def do_gzip(self, name):
        got = self.read_file(name)
        if got:
            self.send_body(gzip.compress(got[0]),
                           [("Content-Encoding", "gzip")], ctype=got[1])

    def do_deflate(self, name):
        got = self.read_file(name)
        if got:
            self.send_body(zlib.compress(got[0]),
                           [("Content-Encoding", "deflate")], ctype=got[1])

    def do_stall(self, name):
        got = self.read_file(name)
        if not got:
            return
        data = got[0]
        half = int(self.arg("at", len(data) // 2))
        self.start(200, [], len(data), got[1])
        self.wfile.write(data[:half])
        self.wfile.flush()
        time.sleep(float(self.arg("sleep", "10")))
        self.wfile.write(data[half:])

    def do_truncated(self, name):
        got = self.read_file(name)
        if not got:
            return
        data = got[0]
        self.start(200, [], len(data), got[1])
        self.wfile.write(data[:len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def do_slow(self, name):
        time.sleep(float(self.arg("delay", "0.05")))
        self.do_file(name)

    def do_hold(self, rest):
        flag = self.arg("release", "")
        if not flag or "/" in flag or flag in (".", ".."):
            self.status(400)
            return
        flag = os.path.join(root, flag)
        # a FIFO: opening it blocks until the test opens it to write, no
        # polling; made before F.held, so the test never writes a file
        try:
            os.mkfifo(flag)
        except FileExistsError:
            pass
        with open(flag + ".held", "w"):
            pass
        with open(flag, "rb") as f:
            f.read()
        self.route("/" + rest, urllib.parse.urlsplit(self.path).query)

    def do_early(self, name):
        self.send_response_only(103)
        self.send_header("Link", "</style.css>; rel=preload")
        self.send_header("ETag", '"interim"')
        self.end_headers()
        self.route("/" + name, urllib.parse.urlsplit(self.path).query)

    def do_bigheader(self, name):
        self.filler = (int(self.arg("size", "65536")),
                       int(self.arg("line", "1000")))
        self.route("/" + name, urllib.parse.urlsplit(self.path).query)

    def do_wait(self, name):
        text = self.arg("for", "")
        # another process (a second server of the test) writes the line:
        # the file is read again until it has it; the deadline only stops
        # a test that went wrong, a loaded machine never reaches it
        deadline = time.monotonic() + 120
        while log_file is not None and time.monotonic() < deadline:
            with open(log_file.name, encoding="utf-8") as f:
                if any(text in line for line in f):
                    break
            time.sleep(0.01)
        self.route("/" + name, urllib.parse.urlsplit(self.path).query)

    def do_cache(self, name):
        got = self.read_file(name)
        if not got:
            return
        headers = []
        if self.arg("max-age") is not None:
            headers.append(("Cache-Control",
                            "public, max-age=" + self.arg("max-age")))
        if self.arg("cc") is not None:
            headers.append(("Cache-Control", self.arg("cc")))
        if self.arg("expires") is not None:
            headers.append(("Expires", email.utils.formatdate(
                float(self.arg("expires")), usegmt=True)))
        if self.arg("age") is not None:
            headers.append(("Age", self.arg("age")))
        self.send_body(got[0], headers, ctype=got[1])

    def stream(self, total, code=200, headers=()):
        chunked = self.arg("chunked") is not None
        self.start(code, headers, None if chunked else total,
                   "application/octet-stream")
        if self.head:
            return
        block = b"x" * CHUNK
        left = total
        while left > 0:
            piece = block[:min(left, CHUNK)]
            if chunked:
                self.send_chunk(piece)
            else:
                self.wfile.write(piece)
            left -= len(piece)
        if chunked:
            self.end_chunks()

    def do_big(self, _):
        self.stream(BIG)

    def do_bytes(self, rest):
        try:
            n = int(rest)
        except ValueError:
            self.status(400)
            return
        self.stream(n)

    def do_bomb(self, _):
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        body = comp.compress(bytes(BIG)) + comp.flush()
        self.send_body(body, [("Content-Encoding", "gzip")],
                       ctype="application/xml")

    def do_html(self, _):
        self.send_body(HTML, ctype="text/html; charset=utf-8")

    def do_headers(self, _):
        self.send_body(bytes(self.headers), ctype="text/plain")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client closing early or rejecting our certificate is part of
        # the tests, not an error worth a traceback
        pass


def main():
    global log_file, root
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=".")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    root = args.root
    if args.log:
        log_file = open(args.log, "a", encoding="utf-8")
    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        ctx.set_alpn_protocols(["http/1.1"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
