#!/usr/bin/python3
"""bench/send/sink.py: an SMTP sink for the delivery benchmark.

  sink.py --port-file F --stats F

Listens on 127.0.0.1 at a port the system chooses (written to --port-file
once listening), accepts every message and discards it: nothing is
written, so the sink costs as little as aiosmtpd allows. It counts the
connections (SMTP sessions), the messages (DATA accepted), the recipients
and the bytes. On SIGUSR1 it writes those counters as JSON to --stats
(atomically: a .tmp then a rename); on SIGTERM it exits.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Counter:
    def __init__(self):
        self.connections = 0
        self.messages = 0
        self.rcpts = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.rcpts += len(envelope.rcpt_tos)
        self.bytes += len(envelope.original_content or b"")
        return "250 OK"


def write_stats(path, c):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"connections": c.connections, "messages": c.messages,
                   "rcpts": c.rcpts, "bytes": c.bytes}, f)
    os.rename(tmp, path)


async def serve(args):
    loop = asyncio.get_running_loop()
    c = Counter()

    def factory():
        c.connections += 1
        return SMTP(c, hostname="sink.bench", ident="feedmail-bench-sink")

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGUSR1, write_stats, args.stats, c)
    await stop
    server.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--stats", required=True)
    args = p.parse_args()
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
