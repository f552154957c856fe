"""Who is asking: a Telegram Mini App's `Authorization: tma <initData>` (the bot token's HMAC over
the raw string, no older than 24 hours), or the session cookie a Viber one-time link became (its
writes also carry the session's CSRF token). Anyone else, or a person who is not a seller, is
refused."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiogram.utils.web_app import safe_parse_webapp_init_data
from fastapi import HTTPException, Request

from domain import cabinet
from storage.repository import Seller
from storage.settings import Settings
from storage.uow import UnitOfWork

COOKIE = "chatpay_cabinet"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Visitor:
    seller: Seller
    nonce: str = ""  #: the cookie session's; "" for Telegram init data (no cookie, no CSRF)

    @property
    def by_cookie(self) -> bool:
        return bool(self.nonce)


def telegram_user(bot_token: str, init_data: str, now: datetime) -> str | None:
    """The Telegram user id in init data the bot's token signed, no older than 24 hours."""
    try:
        data = safe_parse_webapp_init_data(bot_token, init_data)
    except ValueError:
        return None
    if data.user is None or now - data.auth_date.astimezone(UTC) > cabinet.INIT_DATA_MAX_AGE:
        return None
    return str(data.user.id)


def visitor(request: Request, settings: Settings, uow: Callable[[], UnitOfWork],
            *, write: bool = False) -> Visitor:
    """The seller behind this request; 401 without valid credentials, 403 for a non-seller,
    and 403 for a cookie write without its CSRF token."""
    now = datetime.now(UTC)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "tma" and credential:
        user = telegram_user(settings.telegram_bot_token, credential.strip(), now)
        if user is None:
            raise HTTPException(401, "init data refused")
        return Visitor(_seller(uow, "telegram", user))
    session = cabinet.read_session(settings.secret_key, request.cookies.get(COOKIE, ""), now)
    if session is None:
        raise HTTPException(401, "sign in from the chat")
    seller_id, nonce = session
    if write and not cabinet.csrf_matches(settings.secret_key, nonce,
                                          request.headers.get(CSRF_HEADER, "")):
        raise HTTPException(403, "CSRF token missing or wrong")
    with uow().readonly() as unit:
        seller = unit.sellers.get(seller_id)
    if seller is None or not seller.currency:
        raise HTTPException(403, "not a seller")
    return Visitor(seller, nonce)


def _seller(uow: Callable[[], UnitOfWork], channel: str, external_id: str) -> Seller:
    with uow().readonly() as unit:
        seller = unit.sellers.by_external(channel, external_id)
    if seller is None or not seller.currency:
        raise HTTPException(403, "not a seller")
    return seller


def redeem(settings: Settings, uow: Callable[[], UnitOfWork], token: str) -> str | None:
    """A session cookie's value for a one-time link, once; None when forged, expired or used."""
    now = datetime.now(UTC)
    link = cabinet.read_link(settings.secret_key, token, now)
    if link is None:
        return None
    link_id, seller_id = link
    with uow() as unit:
        if unit.cabinet.redeem_link(link_id, now) != seller_id:
            return None
        unit.commit()
    return cabinet.new_session(settings.secret_key, seller_id, now)
