#!/usr/bin/python3
"""Reads mails rendered by feedmail's mime module (the files named on the
command line) with Python's own email package, as an independent reader, and
prints what it decoded, one "KEY HEX" line per field: HEX is the UTF-8 of
the value in hex, so any byte survives the trip back to the C test.

Used by tests/unit/test_mime.c, which reads all its mails with one run.
Each file's fields follow a "file" line (its name); a file that cannot be
read gets an "error" line instead, and the others are still read. Fields:
subject, from_name, from_addr, to_name, to_addr, message_id, date (ISO
8601), list_id, list_unsubscribe, list_unsubscribe_post, auto_submitted,
entries, content_type, parts (leaf parts), text, html (bodies decoded, CRLF
read as LF), defects (how many the parser found, then one "defect" line
each)."""

import email
import email.policy
import sys


def out(key, value):
    if value is None:
        value = ""
    data = str(value).encode("utf-8", "surrogateescape")
    sys.stdout.write("%s %s\n" % (key, data.hex()))


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)

    defects = []
    for part in msg.walk():
        defects.extend(part.defects)
        for _, value in part.items():
            defects.extend(getattr(value, "defects", ()))

    out("subject", msg["Subject"])
    for field in ("From", "To"):
        header = msg[field]
        addrs = header.addresses if header is not None else ()
        if len(addrs) != 1:
            defects.append("%s holds %d addresses" % (field, len(addrs)))
            continue
        out(field.lower() + "_name", addrs[0].display_name)
        out(field.lower() + "_addr", addrs[0].addr_spec)
    out("message_id", msg["Message-ID"])
    date = msg["Date"]
    out("date", date.datetime.isoformat() if date is not None else None)
    out("list_id", msg["List-Id"])
    out("list_unsubscribe", msg["List-Unsubscribe"])
    out("list_unsubscribe_post", msg["List-Unsubscribe-Post"])
    out("auto_submitted", msg["Auto-Submitted"])
    out("entries", msg["X-Feedmail-Entries"])
    out("content_type", msg.get_content_type())
    out("parts", sum(1 for p in msg.walk() if not p.is_multipart()))
    for kind in ("plain", "html"):
        part = msg.get_body(preferencelist=(kind,))
        if part is None:
            continue
        body = part.get_content().replace("\r\n", "\n")
        out("text" if kind == "plain" else "html", body)
    out("defects", len(defects))
    for d in defects:
        out("defect", repr(d))


def main():
    for path in sys.argv[1:]:
        out("file", path)
        try:
            read(path)
        except Exception as e:  # the C test shows it for this file
            out("error", "%s: %r" % (path, e))


if __name__ == "__main__":
    main()
