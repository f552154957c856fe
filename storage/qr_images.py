"""Each invoice's QR picture, drawn once and kept in Redis for the web edge's `/qr/{code}.png`
(Viber's picture messages, the cabinet's list of invoices, every web process alike).

Drawing one is about 1.5 ms of pure Python and the picture of a pay link never changes, so the
first request draws it and the next ones, in any web process, send the kept bytes without drawing
it or reading the invoice. A Redis outage only means drawing it again.
"""
from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)

KEY = "chatpay:qr:{}"
KEEP_S = 24 * 3600  #: as long as browsers are told to cache it (Cache-Control max-age)


class QrImages:
    def __init__(self, client: redis.Redis, keep_s: int = KEEP_S) -> None:
        self.client = client
        self.keep_s = keep_s

    def get(self, code: str) -> bytes | None:
        try:
            png = self.client.get(KEY.format(code))
        except (redis.RedisError, OSError) as exc:
            log.info("The QR of %s is drawn again: %s.", code, exc)
            return None
        return png if isinstance(png, bytes) else None

    def keep(self, code: str, png: bytes) -> None:
        try:
            self.client.set(KEY.format(code), png, ex=self.keep_s)
        except (redis.RedisError, OSError) as exc:
            log.info("The QR of %s was not kept: %s.", code, exc)
