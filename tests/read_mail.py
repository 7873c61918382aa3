#!/usr/bin/python3
"""tests/read_mail.py DIR: reads every N.eml an SMTP sink saved (and its
N.json envelope) with Python's email package and prints one JSON object per
message: the decoded headers the tests look at, both parts decoded, the
header lines as received, and the envelope recipients."""

import email
import email.policy
import json
import os
import sys


def main():
    d = sys.argv[1]
    out = []
    names = sorted((f for f in os.listdir(d) if f.endswith(".eml")),
                   key=lambda f: int(f.split(".")[0]))
    for name in names:
        raw = open(os.path.join(d, name), "rb").read()
        env = json.load(open(os.path.join(d, name[:-4] + ".json")))
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        out.append({
            "file": name,
            "rcpts": env.get("rcpt_tos"),
            "message_id": str(msg["Message-ID"]),
            "subject": str(msg["Subject"]),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "entries": str(msg["X-Feedmail-Entries"]),
            "header_names": [l.split(":", 1)[0] for l in head.split("\r\n")
                             if l and l[0] not in " \t"],
            "defects": [str(x) for x in msg.defects],
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
            "longest_line": max(len(l) for l in raw.split(b"\r\n")),
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
