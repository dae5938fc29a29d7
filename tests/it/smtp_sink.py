#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests (aiosmtpd): every message it accepts is
written to OUT as one JSON line — envelope sender and recipients, the decoded subject,
and the plain-text and HTML parts — so that a test can read what arrived.

    python3 tests/it/smtp_sink.py [--wait] 127.0.0.1 /tmp/mail.jsonl [starttls|tls CERT KEY]

It binds a port the system chooses and prints `port N`; then it listens and prints
`ready`. With `--wait` it keeps the port but refuses connections (a mail server that is
down) until it reads a line on its standard input. With `starttls` the server requires
STARTTLS before mail; with `tls` it speaks TLS from the first byte; both with the given
certificate and key (PEM).
"""
import json
import socket
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


class BoundController(Controller):
    """Serves on a socket bound beforehand, so the port is never free for another."""

    def __init__(self, handler, sock, **kwargs):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self.sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


args = sys.argv[1:]
wait = args[:1] == ["--wait"]
if wait:
    args = args[1:]
host, out = args[0], args[1]
options = {}
if len(args) > 2:
    mode, cert, key = args[2:5]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if mode == "starttls":
        options = {"tls_context": context, "require_starttls": True}
    else:
        options = {"ssl_context": context}
# Bound, not listening: connections are refused until the server starts.
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind((host, 0))
print("port", sock.getsockname()[1], flush=True)
if wait:
    sys.stdin.readline()
controller = BoundController(Sink(out), sock, **options)
controller.start()
print("ready", flush=True)
threading.Event().wait()
