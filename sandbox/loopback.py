"""Serving stand-ins on loopback, in a thread of the calling process.

`serve_in_thread` runs any ASGI app (the emulators, the LiqPay sandbox) under uvicorn in a daemon
thread, so a test can talk real HTTP to it over loopback while the test itself stays synchronous.
`LoopbackServer` is the one small HTTP server the other stand-ins (the shop, TurboSMS, Checkbox)
run on: a thread per request, each handed to the stand-in's `respond()`; `stop()` closes the port
(the party is down), `start()` reopens it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn

__all__ = ["Answer", "LoopbackServer", "serve_in_thread"]

STARTUP_TIMEOUT = 10.0  #: seconds
Answer = tuple[int, dict[str, str], bytes]  #: status, headers, body


def serve_in_thread(app: Any, host: str = "127.0.0.1",
                    port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve `app` on `host:port` (0 = any free port) in a daemon thread; return (base_url, stop)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=1)
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


class LoopbackServer:
    """Mixed into a stand-in that sets `host`, `port` and `_server` and answers `respond()`."""

    host: str
    port: int
    _server: ThreadingHTTPServer | None
    #: answer each request with `connection: close`: a stopped party refuses the very next one
    close_connections = False

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self):  # type: ignore[no-untyped-def]
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, data = stand_in.respond(self.command, self.path, headers, body)
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    if stand_in.close_connections:
                        self.send_header("connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever,
                         name=f"{type(self).__name__.lower()}-{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        """The party is down: its port refuses connections (start() brings it back there)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
