#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests (aiosmtpd): every message it accepts is
written to OUT as one JSON line — envelope sender and recipients, the decoded subject,
and the plain-text and HTML parts — so that a test can read what arrived.

    python3 tests/it/smtp_sink.py 127.0.0.1 2525 /tmp/mail.jsonl [starttls|tls CERT KEY]

With `starttls` the server requires STARTTLS before mail; with `tls` it speaks TLS from
the first byte; both with the given certificate and key (PEM).
"""
import json
import ssl
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with self.lock, open(self.out, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"


host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
options = {}
if len(sys.argv) > 4:
    mode, cert, key = sys.argv[4:7]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if mode == "starttls":
        options = {"tls_context": context, "require_starttls": True}
    else:
        options = {"ssl_context": context}
controller = Controller(Sink(out), hostname=host, port=port, **options)
controller.start()
print("ready", flush=True)
threading.Event().wait()
