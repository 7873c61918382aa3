#!/usr/bin/python3
"""A listener that records every TCP connection made to it (stdlib only).

Given to a browser as its HTTP proxy, it shows whether the browser tried to
reach the network at all. --log gets, flushed at once, "N: connected" as
soon as connection N is accepted, then "N: " and the first line the client
sent (an absolute-URI request, a CONNECT HOST:PORT), or "N: (nothing
sent)" when it sent no line within 60 seconds. Every request is answered
403 and the connection closed, so nothing is fetched through it and nobody
waits.

Listens on 127.0.0.1, port 0, and writes the port it got to --port-file
(atomically, so a waiting reader never sees half a number). With
--sync-port-file it listens on a second port, written there: a connection
to it is answered "synced" once every connection already made to the
first port has been accepted and its line logged, so that a test knows
the log is complete once the client it watched has exited.
"""

import argparse
import os
import select
import socket
import threading

ANSWER = (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
          b"Connection: close\r\n\r\n")


def listen(port_file):
    """A socket listening on 127.0.0.1, its port written to port_file."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.replace(tmp, port_file)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--sync-port-file")
    args = ap.parse_args()

    log = open(args.log, "a", encoding="utf-8")
    srv = listen(args.port_file)
    sync = listen(args.sync_port_file) if args.sync_port_file else None
    threads = []

    lock = threading.Lock()

    def note(text):
        with lock:
            log.write(text + "\n")
            log.flush()

    def serve(n, conn):
        conn.settimeout(60)
        data = b""
        try:
            while b"\n" not in data and len(data) < 8192:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        line = data.split(b"\n", 1)[0].strip().decode("latin-1")
        note("%d: %s" % (n, line or "(nothing sent)"))
        try:
            conn.sendall(ANSWER)
        except OSError:
            pass
        conn.close()

    n = 0

    def accept():
        nonlocal n
        conn, _ = srv.accept()
        n += 1
        note("%d: connected" % n)
        t = threading.Thread(target=serve, args=(n, conn), daemon=True)
        t.start()
        threads.append(t)

    while True:
        ready, _, _ = select.select([srv] + ([sync] if sync else []), [],
                                    [])
        if srv in ready:
            accept()
            continue
        # a sync: first whatever waits on the watched port, then every
        # line
        conn, _ = sync.accept()
        srv.setblocking(False)
        try:
            while True:
                accept()
        except BlockingIOError:
            pass
        srv.setblocking(True)
        for t in threads:
            t.join()
        threads.clear()
        try:
            conn.sendall(b"synced\n")
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
