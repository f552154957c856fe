"""The seller's shop: all of chatpay's HTTP to it, signed the Standard Webhooks way.

Every attempt resolves the shop's name, vets each address (only globally routable ones, no 6to4,
Teredo or NAT64, unless WEBHOOK_ALLOW_PRIVATE), and connects to the vetted address itself, sending the name as Host
and TLS server name: a name that resolves elsewhere a moment later (DNS rebinding) changes
nothing. Redirects are not followed; success is `200` with the body `ok`, nothing else.
"""
from __future__ import annotations

import secrets
import socket
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from domain.errors import WebhookUrlRefused
from domain.webhooks import RESPONSE_KEPT, Attempt, is_public_address

TIMEOUT = 15.0  #: seconds for the whole attempt: connect, send, answer
USER_AGENT = "chatpay-webhooks/1"
Resolver = Callable[[str, int], Sequence[str]]


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: `whsec_` + base64 of 32 random bytes."""
    import base64
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to now (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def sign(message_id: str, body: str, secrets_: Sequence[str], at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers; one signature per secret, space-separated (a rotated
    secret's overlap). `at` is made UTC first: the library signs a non-UTC time wrongly."""
    at = at.astimezone(UTC)
    signatures = " ".join(Webhook(s).sign(message_id, at, body) for s in secrets_)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures}


#: content-encodings whose first bytes we inflate ourselves, bounded (zlib's wbits for each)
_INFLATE = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
MAX_RAW_READ = 64 * 1024  #: bytes of a shop's (encoded) answer read at most


def _first_bytes(response: httpx.Response) -> bytes:
    """The answer's first RESPONSE_KEPT bytes, read raw off the wire and stopping there.

    httpx would inflate a whole network read at once (a 64 KiB read of a gzip bomb is 64 MiB),
    so the body is read undecoded and a gzip or deflate answer is inflated here with a bound on
    the output. An encoding we do not inflate is kept as it came."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater = zlib.decompressobj(_INFLATE[encoding]) if encoding in _INFLATE else None
    kept, read = b"", 0
    for chunk in response.iter_raw(1024):
        read += len(chunk)
        if inflater is None:
            kept += chunk
        else:
            try:
                kept += inflater.decompress(chunk, RESPONSE_KEPT - len(kept))
            except zlib.error:
                break
        if len(kept) >= RESPONSE_KEPT or read >= MAX_RAW_READ:
            break
    return kept[:RESPONSE_KEPT]


class ShopClient:
    """Posts events to shops. `allow_private`: WEBHOOK_ALLOW_PRIVATE; `https_only`: production."""

    def __init__(self, *, allow_private: bool, https_only: bool, timeout: float = TIMEOUT,
                 resolver: Resolver = resolve) -> None:
        self.allow_private = allow_private
        self.https_only = https_only
        self.timeout = timeout
        self.resolver = resolver
        self._http = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def check_url(self, url: str) -> tuple[str, str]:
        """The URL's host and the vetted address to connect to; WebhookUrlRefused otherwise."""
        parts = urlsplit(url.strip())
        allowed = ("https",) if self.https_only else ("https", "http")
        if parts.scheme not in allowed:
            raise WebhookUrlRefused(f"only {' or '.join(s + '://' for s in allowed)} URLs")
        if not parts.hostname or parts.username or parts.password:
            raise WebhookUrlRefused("the URL needs a host name and no user or password")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self.resolver(parts.hostname, port)
        except (OSError, UnicodeError) as exc:
            raise WebhookUrlRefused(f"{parts.hostname} does not resolve ({exc})") from None
        if not addresses:
            raise WebhookUrlRefused(f"{parts.hostname} does not resolve")
        if not self.allow_private:
            refused = [a for a in addresses if not is_public_address(a)]
            if refused:  # one bad answer is enough: a resolver may pick any of them
                raise WebhookUrlRefused(
                    f"{parts.hostname} resolves to a non-public address ({refused[0]})")
        return parts.hostname, addresses[0]

    def post(self, url: str, message_id: str, body: str, secrets_: Sequence[str],
             at: datetime | None = None) -> Attempt:
        """One attempt: never raises; what happened is in the Attempt."""
        at = at or datetime.now(UTC)
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)
        try:
            host, address = self.check_url(url)
        except WebhookUrlRefused as exc:
            return Attempt(at, None, "", took(), f"refused: {exc}")
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        headers = {"content-type": "application/json", "user-agent": USER_AGENT,
                   "accept-encoding": "identity",
                   "host": parts.netloc.rsplit("@", 1)[-1],
                   **sign(message_id, body, secrets_, at)}
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            with self._http.stream("POST", target, content=body.encode("utf-8"),
                                   headers=headers, extensions=extensions) as response:
                kept = _first_bytes(response)
            text = kept.decode("utf-8", errors="replace")
            return Attempt(at, response.status_code, text, took())
        except httpx.TimeoutException:
            return Attempt(at, None, "", took(), f"timed out after {self.timeout:g} s")
        except httpx.HTTPError as exc:
            return Attempt(at, None, "", took(), f"{type(exc).__name__}: {exc}"[:RESPONSE_KEPT])
