"""The one HTTP server every stand-in runs on loopback: a thread per request, each handed to the
stand-in's `respond()`; `stop()` closes the port (the party is down), `start()` reopens it."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], bytes]  #: status, headers, body


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
