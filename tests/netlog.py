#!/usr/bin/python3
"""A listener that records every TCP connection made to it (stdlib only).

Given to a browser as its HTTP proxy, it shows whether the browser tried to
reach the network at all. --log gets, flushed at once, "N: connected" as
soon as connection N is accepted, then "N: " and the first line the client
sent (an absolute-URI request, a CONNECT HOST:PORT), or "N: (nothing
sent)" when it sent no line within 5 seconds. Every request is answered 403
and the connection closed, so nothing is fetched through it and nobody
waits.

Listens on 127.0.0.1, port 0, and writes the port it got to --port-file
(atomically, so a waiting reader never sees half a number).
"""

import argparse
import os
import socket
import threading

ANSWER = (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
          b"Connection: close\r\n\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    log = open(args.log, "a", encoding="utf-8")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.replace(tmp, args.port_file)

    lock = threading.Lock()

    def note(text):
        with lock:
            log.write(text + "\n")
            log.flush()

    def serve(n, conn):
        conn.settimeout(5)
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
    while True:
        conn, _ = srv.accept()
        n += 1
        note("%d: connected" % n)
        threading.Thread(target=serve, args=(n, conn), daemon=True).start()


if __name__ == "__main__":
    main()
