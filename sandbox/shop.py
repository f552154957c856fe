"""A seller's shop: a real local HTTP server receiving chatpay's webhooks.

Each hook (`/hook/<name>`) keeps what it received and answers as it is told: `ok`, fail the
next N posts (500), another body or status, hang for a while, or the whole shop is down (its
port closed). It verifies nothing itself; the tests verify signatures with `standardwebhooks`.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from sandbox.loopback import LoopbackServer, QuietHandler


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    at: float  #: time.monotonic()


@dataclass
class Hook:
    name: str
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0  #: this many posts answer 500 before the hook answers as set
    status: int = 200
    body: str = "ok"
    hang: float = 0.0  #: seconds to wait before answering

    def fail(self, times: int) -> Hook:
        self.fail_next = times
        return self

    def answer(self, body: str, status: int = 200) -> Hook:
        self.body, self.status = body, status
        return self

    def ids(self) -> list[str]:
        return [r.headers.get("webhook-id", "") for r in self.received]


class Shop(LoopbackServer):
    name = "shop"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.hooks: dict[str, Hook] = {}
        self._lock = threading.Lock()
        self.host, self.port = host, port
        self._server = None

    def hook(self, name: str = "main") -> Hook:
        with self._lock:
            return self.hooks.setdefault(name, Hook(name))

    def url(self, name: str = "main", host: str | None = None) -> str:
        self.hook(name)
        return f"http://{host or self.host}:{self.port}/hook/{name}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        shop = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                name = self.path.removeprefix("/hook/").split("?", 1)[0]
                hook = shop.hook(name)
                with shop._lock:
                    hook.received.append(Received(
                        {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()))
                    failing = hook.fail_next > 0
                    if failing:
                        hook.fail_next -= 1
                    status, answer, hang = hook.status, hook.body, hook.hang
                if hang:
                    time.sleep(hang)
                if failing:
                    status, answer = 500, "down for maintenance"
                data = answer.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("content-type", "text/plain; charset=utf-8")
                    self.send_header("content-length", str(len(data)))
                    # no keep-alive: a stopped shop must refuse the very next post
                    self.send_header("connection", "close")
                    self.close_connection = True
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

        return Handler


def dead_url(name: str = "main") -> str:
    """A URL on a local port nobody listens on: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook/{name}"
