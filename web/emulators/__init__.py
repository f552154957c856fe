"""Local stand-ins for the messengers' HTTP APIs, used by tests, benchmarks and the sandbox.

`serve_in_thread` runs any ASGI app under uvicorn in a daemon thread, so a test can talk real HTTP
to it over loopback while the test itself stays synchronous.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["serve_in_thread"]

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
