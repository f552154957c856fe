"""A shop's answer is read no further than what is kept (256 bytes): a shop that answers with a
gzip bomb, or with a body that never ends, costs chatpay a few kilobytes, never its memory.

The shops here are tiny local servers that stream their answer until the client hangs up."""
from __future__ import annotations

import gzip
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from domain.webhooks import RESPONSE_KEPT
from workers.webhooks import ShopClient

SECRET = "whsec_" + "A" * 44
MIB = 1 << 20
BLOCKS = 4096  #: 1 MiB of zeros each once inflated: the bomb is 4 GiB, about 4 MiB on the wire


def _bomb_blocks() -> tuple[bytes, bytes]:
    """The gzip stream's first block and a block that repeats: each inflates to 1 MiB of zeros.
    A full flush resets the compressor, so every later block is the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, again


class Streamer:
    """A shop answering `200` with headers and then whatever `chunks()` yields, until the client
    hangs up; `sent` counts the body bytes that left."""

    def __init__(self, headers: dict[str, str], chunks: Callable[[], Iterator[bytes]]) -> None:
        self.sent = 0
        streamer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection does

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks():
                        self.wfile.write(chunk)
                        streamer.sent += len(chunk)
                except OSError:  # the client hung up: what it should do
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Streamer]]:
    started: list[Streamer] = []

    def start(headers: dict[str, str], chunks: Callable[[], Iterator[bytes]]) -> Streamer:
        started.append(Streamer(headers, chunks))
        return started[-1]
    yield start
    for streamer in started:
        streamer.stop()


def client() -> ShopClient:
    return ShopClient(allow_private=True, https_only=False, timeout=10)


def test_a_gzip_bomb_answer_is_not_inflated(serve):
    first, again = _bomb_blocks()

    def bomb() -> Iterator[bytes]:
        yield first
        for _ in range(BLOCKS - 1):
            yield again
    shop = serve({"content-encoding": "gzip", "content-type": "text/plain"}, bomb)
    tracemalloc.start()
    try:
        attempt = client().post(shop.url, "msg_1", "{}", [SECRET])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert attempt.status_code == 200 and not attempt.ok
    assert len(attempt.body.encode("utf-8")) <= RESPONSE_KEPT
    # inflating even one 64 KiB read of the bomb would allocate about 64 MiB
    assert peak < 4 * MIB, f"reading the answer allocated {peak / MIB:.1f} MiB"


def test_a_gzipped_ok_is_still_an_ok(serve):
    shop = serve({"content-encoding": "gzip"}, lambda: iter([gzip.compress(b"ok")]))
    attempt = client().post(shop.url, "msg_1", "{}", [SECRET])
    assert attempt.ok, attempt


def test_an_answer_that_never_ends_is_cut_at_256_bytes(serve):
    def endless() -> Iterator[bytes]:
        for _ in range(4096):  # 256 MiB at most: bounded, though the client stops far earlier
            yield b"x" * 65536
    shop = serve({"content-type": "text/plain"}, endless)
    attempt = client().post(shop.url, "msg_1", "{}", [SECRET])
    assert attempt.status_code == 200 and attempt.body == "x" * RESPONSE_KEPT
    assert shop.sent < 64 * MIB  # the client hung up instead of reading to the end
