"""Serving a stand-in on loopback, in a thread of the calling process.

`serve_in_thread` runs any ASGI app under uvicorn in a daemon thread, so a test can talk real HTTP
to it over loopback while the test itself stays synchronous. `LoopbackServer` is the base of the
small `http.server` stand-ins (the shop, TurboSMS): start on a free port, stop closes the port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import uvicorn

__all__ = ["LoopbackServer", "QuietHandler", "serve_in_thread"]

STARTUP_TIMEOUT = 10.0  #: seconds


def serve_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve `app` on `host:port` (0 = any free port) in a daemon thread; return (base_url, stop)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"The ASGI app did not start on {host}:{port}.")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)

    return f"http://{host}:{bound_port}", stop


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output clean (no access log)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass


class LoopbackServer:
    """A `ThreadingHTTPServer` stand-in on `host:port` (0: a free port, kept across restarts).

    Subclasses set `name` and give `handler()`, the request handler class bound to themselves.
    """

    name = "stand-in"
    host: str
    port: int
    _server: ThreadingHTTPServer | None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._server = ThreadingHTTPServer((self.host, self.port), self.handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name=f"{self.name}-{self.port}",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """The stand-in is down: its port refuses connections (start() brings it back there)."""
        if getattr(self, "_server", None) is not None:
            assert self._server is not None
            self._server.shutdown()
            self._server.server_close()
            self._server = None
