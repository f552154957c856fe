"""A seller's settings as one cached read: their profile, the LiqPay account their new invoices
use, their shop endpoint and their Checkbox settings.

Every invoice step needs some of these, and they change seldom, so each process keeps them in
memory. A change is seen at once by every process: each cached entry carries the seller's
settings version, a counter in Redis (`chatpay:seller-settings:{id}`) that the committing unit of
work increments after any write to those rows (`storage.uow.UnitOfWork.commit`), and every read
asks Redis for it (one GET instead of the database reads). Without Redis the cache is bypassed
(read from the database); a bump lost while Redis was away is bounded by `TTL`.

Writes are noticed on their own: a flush that adds, changes or deletes a row of the four tables
marks its seller (`after_flush`), and the few bulk UPDATEs call `mark_changed`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from domain.webhooks import Endpoint
from storage.fiscal import FiscalSettings
from storage.repository import MerchantAccount, Seller
from storage.tables import FiscalSettingsRow, MerchantAccountRow, SellerRow, WebhookEndpointRow

log = logging.getLogger(__name__)

TTL = 60.0  #: seconds an entry is trusted at most (bounds a version bump lost to a Redis outage)
SIZE = 10_000  #: sellers kept per process; the least recently used go first
KEY = "chatpay:seller-settings:{}"  #: the seller's settings version
KEY_TTL = 7 * 24 * 3600  #: seconds a version outlives its last change (far longer than TTL)
CHANGED = "chatpay_settings_changed"  #: session.info: sellers whose settings this session wrote


@dataclass(frozen=True)
class SellerSettings:
    """What an invoice step reads about its seller. Treat as read-only: it is shared."""
    seller: Seller | None
    #: the account new invoices are paid into: of their own connected accounts (one per
    #: provider), the one connected first (None: the platform's)
    account: MerchantAccount | None
    endpoint: Endpoint | None  #: their shop's webhook endpoint
    fiscal: FiscalSettings | None  #: their Checkbox register

    @property
    def shop_active(self) -> bool:
        return self.endpoint is not None and self.endpoint.active

    @property
    def fiscal_automatic(self) -> bool:
        return self.fiscal is not None and self.fiscal.automatic


def load(session: Session, seller_id: int) -> SellerSettings:
    """Read them from the database (four primary or indexed look-ups)."""
    from storage.fiscal import FiscalRepository
    from storage.repository import MerchantAccountRepository, SellerRepository
    from storage.webhooks import WebhookRepository
    return SellerSettings(
        seller=SellerRepository(session).get(seller_id),
        account=MerchantAccountRepository(session).connected_any(seller_id),
        endpoint=WebhookRepository(session).endpoint(seller_id),
        fiscal=FiscalRepository(session, None).settings(seller_id))  # type: ignore[arg-type]


def mark_changed(session: Session, seller_id: int | None) -> None:
    """This session wrote the seller's settings in a way a flush does not show (a bulk UPDATE)."""
    if seller_id is not None:
        session.info.setdefault(CHANGED, set()).add(seller_id)


def changed_in(session: Session) -> set[int]:
    """The sellers whose settings the session wrote since the last call (taken, not peeked)."""
    return session.info.pop(CHANGED, None) or set()


def _seller_of(obj: object) -> int | None:
    if isinstance(obj, SellerRow):
        return obj.id
    if isinstance(obj, (MerchantAccountRow, WebhookEndpointRow, FiscalSettingsRow)):
        return obj.seller_id
    return None


@event.listens_for(Session, "after_flush")
def _noticed(session: Session, _context: Any) -> None:  # noqa: ANN401
    for obj in (*session.new, *session.dirty, *session.deleted):
        seller_id = _seller_of(obj)
        if seller_id is not None:
            mark_changed(session, seller_id)


class SettingsCache:
    """The settings of recently seen sellers in this process, checked against Redis's version on
    every read. Thread-safe."""

    def __init__(self, client: redis.Redis, ttl: float = TTL, size: int = SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, tuple[bytes | None, float, SellerSettings]] = OrderedDict()

    def get(self, seller_id: int, read: Callable[[], SellerSettings]) -> SellerSettings:
        """The seller's settings: the cached ones while their version is current, else `read()`.
        The version is read before the database, so a change committed meanwhile is seen at
        the next read rather than hidden under the old version."""
        try:
            version = self.client.get(KEY.format(seller_id))
        except (redis.RedisError, OSError):
            return read()  # nothing can say the cached entry is current
        now = self.clock()
        with self._lock:
            entry = self._entries.get(seller_id)
            if entry is not None and entry[0] == version and entry[1] > now:
                self._entries.move_to_end(seller_id)
                return entry[2]
        settings = read()
        with self._lock:
            self._entries[seller_id] = (version, now + self.ttl, settings)
            self._entries.move_to_end(seller_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return settings

    def changed(self, seller_ids: Iterable[int]) -> None:
        """After a commit that wrote these sellers' settings: every process reads them afresh."""
        ids = sorted(set(seller_ids))
        if not ids:
            return
        with self._lock:
            for seller_id in ids:
                self._entries.pop(seller_id, None)
        try:
            pipe = self.client.pipeline(transaction=False)
            for seller_id in ids:
                pipe.incr(KEY.format(seller_id)).expire(KEY.format(seller_id), KEY_TTL)
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            log.warning("Other processes may use the old settings of seller(s) %s for up to %d s: "
                        "%s.", ", ".join(map(str, ids)), self.ttl, exc)
