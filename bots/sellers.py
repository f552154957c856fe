"""What both bots do with a seller's profile: register their phone, pick currency and language."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.phone import read_phone
from domain.i18n import t
from storage.repository import Seller
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class PhoneOutcome:
    seller: Seller | None
    text: str
    choose_from: tuple[str, ...] = ()  #: currencies to offer when the country's is not supported


def register_phone(uow_factory: Callable[[], UnitOfWork], channel: str, external_id: str,
                   phone: str, name: str, lang: str,
                   supported: frozenset[str]) -> PhoneOutcome:
    info = read_phone(phone)
    if info is None:
        return PhoneOutcome(None, t(lang, "phone_invalid"))
    currency = info.currency if info.currency in supported else None
    with uow_factory() as uow:
        seller = uow.sellers.upsert(channel, external_id, phone=info.e164, country=info.country,
                                    currency=currency, name=name[:128], language=lang)
        uow.commit()
    if currency is None:
        text = t(lang, "currency_not_supported", currency=info.currency or "?",
                 supported=", ".join(sorted(supported)))
        return PhoneOutcome(seller, text, tuple(sorted(supported)))
    return PhoneOutcome(seller, t(lang, "currency_set", currency=currency))


def set_currency(uow_factory: Callable[[], UnitOfWork], channel: str, external_id: str,
                 currency: str, supported: frozenset[str]) -> Seller | None:
    if currency not in supported:
        return None
    with uow_factory() as uow:
        if uow.sellers.by_external(channel, external_id) is None:
            return None
        seller = uow.sellers.upsert(channel, external_id, currency=currency)
        uow.commit()
    return seller


def set_language(uow_factory: Callable[[], UnitOfWork], channel: str, external_id: str,
                 lang: str) -> Seller:
    with uow_factory() as uow:
        seller = uow.sellers.upsert(channel, external_id, language=lang)
        uow.commit()
    return seller
