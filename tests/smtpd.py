#!/usr/bin/python3
"""tests/smtpd.py: a real SMTP server (Debian's python3-aiosmtpd) for tests.

A sink: every message accepted is saved in DIR as N.eml (the bytes
received, after the server's dot-unstuffing) with N.json beside it (the
envelope: mail_from, rcpt_tos, and whether TLS and AUTH were in use),
N counting from 1. One line per event goes to DIR/log ("connect", "tls",
"auth USER ok", "mail FROM", "rcpt TO", "data N" ...), so a test can count
connections.

  smtpd.py --port-file F --dir DIR [--tls CERT KEY [--require-starttls]]
           [--auth USER:PASSWORD] [--reject ADDR=CODE ...]
           [--tempfail N [--tempfail-code 451|421]] [--no-starttls]
           [--garbage | --silent | --busy] [--hold N --gate FILE]

--port-file is written (port number and a newline) once the server listens
on 127.0.0.1 at a port the system chose. --tls offers STARTTLS with that
certificate; --no-starttls withdraws it again. --auth offers AUTH PLAIN and
LOGIN (over plain text too: the tests run on loopback) and requires it
before MAIL. --reject answers RCPT for ADDR with CODE. --tempfail answers
the first N DATA commands with 451 (or 421, closing the connection).
--garbage answers every connection with a TLS alert record (a server that
speaks implicit TLS), --silent with nothing at all (the connection stays
open until the client closes it), --busy with "421 too busy" and
a close, as a relay over its load. --hold N with --gate FILE: the Nth
message's DATA, once received, is answered only when FILE exists (the
log says "hold N" when it starts waiting): a slow server, held for as
long as a test needs, never for a fixed time. The server runs until SIGTERM (the test
is done with it) or until its parent dies; never for a fixed time, which a
slow test on a loaded machine could outlast.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def log(args, line):
    with open(os.path.join(args.dir, "log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.datas = 0
        self.reject = {}
        for item in args.reject:
            addr, _, code = item.rpartition("=")
            self.reject[addr.lower()] = int(code)

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        log(self.args, "mail " + address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        code = self.reject.get(address.lower())
        if code:
            log(self.args, "reject %s %d" % (address, code))
            cls = code // 100
            return "%d %d.1.1 <%s>: recipient rejected" % (code, cls,
                                                            address)
        log(self.args, "rcpt " + address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.args.hold and self.datas == self.args.hold:
            log(self.args, "hold %d" % self.datas)
            # the test makes the file when it is done: look every 20 ms
            while not os.path.exists(self.args.gate):
                await asyncio.sleep(0.02)
            log(self.args, "released %d" % self.datas)
        if self.datas <= self.args.tempfail:
            code = self.args.tempfail_code
            log(self.args, "tempfail %d" % code)
            if code == 421:
                # closed once the reply is written (transports flush)
                asyncio.get_running_loop().call_soon(server.transport.close)
                return "421 4.3.2 service shutting down"
            return "451 4.3.0 temporary failure, try again later"
        self.count += 1
        n = self.count
        base = os.path.join(self.args.dir, str(n))
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "tls": session.ssl is not None,
            "auth": bool(session.authenticated),
            "helo": session.host_name,
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".json.tmp", base + ".json")
        os.rename(base + ".eml.tmp", base + ".eml")
        log(self.args, "data %d" % n)
        return "250 2.0.0 OK queued as %d" % n


def authenticator_for(args):
    user, _, password = args.auth.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        log(args, "auth %s %s %s" % (auth_data.login.decode()
                                     if isinstance(auth_data, LoginPassword)
                                     else "?", "ok" if ok else "failed",
                                     mechanism))
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(args):
    loop = asyncio.get_running_loop()
    handler = Handler(args)
    tls = None
    if args.tls and not args.no_starttls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls[0], args.tls[1])

        def sni(sslobj, name, ctx):
            if name is not None:
                log(args, "sni %s" % name)

        tls.sni_callback = sni
    kwargs = dict(hostname="smtpd.test", ident="feedmail-test-smtpd",
                  tls_context=tls,
                  require_starttls=bool(tls and args.require_starttls))
    if args.auth:
        kwargs.update(authenticator=authenticator_for(args),
                      auth_required=True, auth_require_tls=False)

    def factory():
        log(args, "connect")
        return SMTP(handler, **kwargs)

    async def raw(reader, writer):
        log(args, "connect")
        if args.busy:
            writer.write(b"421 4.3.2 too busy, try later\r\n")
            await writer.drain()
            writer.close()
            return
        if args.garbage:
            # a TLS alert record, as an implicit-TLS server might send
            writer.write(b"\x15\x03\x03\x00\x02\x02\x46")
            await writer.drain()
            writer.close()
            return
        # silent until the client gives up
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        writer.close()

    if args.garbage or args.silent or args.busy:
        server = await asyncio.start_server(raw, "127.0.0.1", 0)
    else:
        server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    parent = os.getppid()

    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        stop.done() or stop.set_result(None)

    watcher = loop.create_task(watch_parent())
    await stop
    watcher.cancel()
    server.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--dir", "--maildir", dest="dir", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--no-starttls", action="store_true")
    p.add_argument("--auth", metavar="USER:PASSWORD")
    p.add_argument("--reject", action="append", default=[],
                   metavar="ADDR=CODE")
    p.add_argument("--tempfail", type=int, default=0, metavar="N")
    p.add_argument("--tempfail-code", type=int, default=451,
                   choices=(451, 421))
    p.add_argument("--garbage", action="store_true")
    p.add_argument("--silent", action="store_true")
    p.add_argument("--busy", action="store_true")
    p.add_argument("--hold", type=int, default=0, metavar="N")
    p.add_argument("--gate", metavar="FILE")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # AUTH without TLS is what the tests want (loopback): no warnings
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
