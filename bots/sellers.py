"""What both bots do with a seller's profile: find it, register their phone, pick currency and
language. Reads go through a short-lived in-process cache, because every update of a chat needs
the seller and the database look-up was the bot's largest cost (bench/telegram_updates.py)."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bots.phone import read_phone
from domain.i18n import t
from storage.repository import Seller
from storage.uow import UnitOfWork

#: seconds a cached seller is trusted. Only registered sellers are cached, and the process that
#: changes one refreshes its own entry; the bound covers a language changed through another process
CACHE_TTL = 60.0
CACHE_SIZE = 10_000  #: sellers kept; the least recently used go first
MISSING = object()  #: `SellerBook.cached` found nothing fresh: look it up


@dataclass(frozen=True)
class PhoneOutcome:
    seller: Seller | None
    text: str
    choose_from: tuple[str, ...] = ()  #: currencies to offer when the country's is not supported


class SellerBook:
    """The sellers of one channel, as one bot process sees them. Thread-safe: the blocking methods
    run in worker threads, `cached` on the event loop."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], channel: str,
                 supported: frozenset[str], ttl: float = CACHE_TTL, size: int = CACHE_SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.uow_factory = uow_factory
        self.channel = channel
        self.supported = supported
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Seller | None]] = OrderedDict()

    # -- reading ------------------------------------------------------------------------------

    def cached(self, external_id: str) -> Seller | None | object:
        """The cached seller, or `MISSING` if a look-up is due."""
        with self._lock:
            entry = self._entries.get(external_id)
            if entry is None or entry[0] <= self.clock():
                return MISSING
            self._entries.move_to_end(external_id)
            return entry[1]

    def find(self, external_id: str) -> Seller | None:
        hit = self.cached(external_id)
        if hit is not MISSING:
            return hit  # type: ignore[return-value]
        with self.uow_factory().readonly() as uow:
            seller = uow.sellers.by_external(self.channel, external_id)
        self._remember(external_id, seller)
        return seller

    def _remember(self, external_id: str, seller: Seller | None) -> None:
        if seller is None or not seller.currency:
            # a stranger or a half-registered seller is not cached: with several web processes
            # (the Viber webhook), another one may be completing the registration right now
            self.forget(external_id)
            return
        with self._lock:
            self._entries[external_id] = (self.clock() + self.ttl, seller)
            self._entries.move_to_end(external_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, external_id: str) -> None:
        with self._lock:
            self._entries.pop(external_id, None)

    # -- writing (each refreshes the cache, or drops it when the outcome is unknown) ----------

    def _write(self, external_id: str, **fields: object) -> Seller:
        try:
            with self.uow_factory() as uow:
                seller = uow.sellers.upsert(self.channel, external_id, **fields)
                uow.commit()
        except BaseException:
            self.forget(external_id)
            raise
        self._remember(external_id, seller)
        return seller

    def register_phone(self, external_id: str, phone: str, name: str,
                       lang: str) -> PhoneOutcome:
        info = read_phone(phone)
        if info is None:
            return PhoneOutcome(None, t(lang, "phone_invalid"))
        currency = info.currency if info.currency in self.supported else None
        seller = self._write(external_id, phone=info.e164, country=info.country,
                             currency=currency, name=name[:128], language=lang)
        if currency is None:
            text = t(lang, "currency_not_supported", currency=info.currency or "?",
                     supported=", ".join(sorted(self.supported)))
            return PhoneOutcome(seller, text, tuple(sorted(self.supported)))
        return PhoneOutcome(seller, t(lang, "currency_set", currency=currency))

    def set_currency(self, external_id: str, currency: str) -> Seller | None:
        """None when the currency is not taken or the person has not shared a phone yet."""
        if currency not in self.supported:
            return None
        self.forget(external_id)
        if self.find(external_id) is None:
            return None
        return self._write(external_id, currency=currency)

    def toggle_buyer_field(self, external_id: str, field: str) -> Seller | None:
        """*Settings → Buyer details*: switch asking for the buyer's "name" or "phone" on the
        pay page of new invoices. None for someone who has not registered."""
        self.forget(external_id)
        seller = self.find(external_id)
        if seller is None or field not in ("name", "phone"):
            return seller
        column = f"ask_buyer_{field}"
        return self._write(external_id, **{column: not getattr(seller, column)})

    def set_shop_name(self, external_id: str, name: str) -> Seller | None:
        """*Shop name* (/shop): what buyers see; "" removes it. None for someone unregistered."""
        self.forget(external_id)
        if self.find(external_id) is None:
            return None
        return self._write(external_id, shop_name=name or None)

    def set_language(self, external_id: str, lang: str) -> Seller:
        return self._write(external_id, language=lang)

    def set_subscribed(self, external_id: str, subscribed: bool) -> None:
        """Remember whether a known seller may be written to (a stranger is not recorded)."""
        self.forget(external_id)
        if self.find(external_id) is not None:
            self._write(external_id, subscribed=subscribed)

