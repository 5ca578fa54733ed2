"""Real receivers for alert deliveries, on 127.0.0.1: an HTTP server that keeps each request (and
can be told to fail), and an SMTP server (aiosmtpd) that keeps each message."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.support.processes import free_port

__all__ = ["HttpReceiver", "SmtpSink"]


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class HttpReceiver:
    """POSTs to http://127.0.0.1:<port>/…, kept in `requests`; answers `status` (a list pops one per request)."""

    statuses: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    delay: float = 0.0

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(Received(self.path, dict(self.headers), body, time.time()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Keep:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        self.sink.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default), time.time())
        )
        return "250 OK"


class SmtpSink:
    """aiosmtpd on 127.0.0.1:<port>: each message kept in `messages` as (recipients, message, time)."""

    def __init__(self):
        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self):
        self.controller.stop()
