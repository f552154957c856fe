"""Repositories: the only way domain objects reach the database and come back.

This module holds what every repository shares (ids, codes, UTC times, the version conflict) and
the sellers' and their provider accounts' repositories; invoices are in storage.invoices_repo,
their events (the audit trail and the outbox) in storage.events_repo.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.tables import MerchantAccountRow, SellerRow

#: no 0/O, 1/l/I: a code a person may read aloud; 10 characters ≈ 55 bits, never enumerable
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10


class ConcurrentUpdate(Exception):
    """Raised when an invoice changed under us since it was read; the caller retries."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_id() -> str:
    return secrets.token_hex(16)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything in chatpay is aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class Seller:
    id: int
    channel: str
    external_id: str
    name: str
    phone: str | None
    country: str | None
    currency: str | None
    language: str
    subscribed: bool
    ask_buyer_name: bool = False  #: *Settings → Buyer details*
    ask_buyer_phone: bool = False
    shop_name: str | None = None  #: *Shop name* (/shop): what buyers see

    def shown_name(self, fallback: str) -> str:
        """Who the buyer is paying: the shop name, else the seller's name, else `fallback`."""
        return self.shop_name or self.name or fallback


class SellerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, seller_id: int) -> Seller | None:
        row = self.session.get(SellerRow, seller_id)
        return _seller(row) if row else None

    def by_external(self, channel: str, external_id: str) -> Seller | None:
        row = self.session.scalars(select(SellerRow).where(
            SellerRow.channel == channel, SellerRow.external_id == external_id)).first()
        return _seller(row) if row else None

    def latest(self, limit: int = 20) -> list[Seller]:
        """The newest sellers (the sandbox page says which chat on screen is one)."""
        rows = self.session.scalars(select(SellerRow).order_by(SellerRow.id.desc()).limit(limit))
        return [_seller(row) for row in rows]

    def upsert(self, channel: str, external_id: str, **fields: Any) -> Seller:
        row = self.session.scalars(select(SellerRow).where(
            SellerRow.channel == channel, SellerRow.external_id == external_id)).first()
        if row is None:
            row = SellerRow(channel=channel, external_id=external_id, created_at=datetime.now(UTC))
            self.session.add(row)
        for key, value in fields.items():
            setattr(row, key, value)
        self.session.flush()
        return _seller(row)


def _seller(row: SellerRow) -> Seller:
    return Seller(id=row.id or 0, channel=row.channel, external_id=row.external_id, name=row.name,
                  phone=row.phone, country=row.country, currency=row.currency,
                  language=row.language, subscribed=row.subscribed,
                  ask_buyer_name=row.ask_buyer_name, ask_buyer_phone=row.ask_buyer_phone,
                  shop_name=row.shop_name)


@dataclass(frozen=True)
class MerchantAccount:
    """A seller's own provider account, its private key still encrypted."""
    id: int
    seller_id: int | None
    provider: str
    public_key: str
    private_key_encrypted: str
    created_at: datetime
    disconnected_at: datetime | None


class MerchantAccountRepository:
    """Sellers' provider accounts. Keys are never changed in place: a seller who enters new
    keys gets a new account, so every invoice keeps the keys it was made with."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def connect(self, seller_id: int | None, public_key: str, private_key_encrypted: str,
                provider: str = "liqpay") -> MerchantAccount:
        """Store a checked account as the seller's current one (disconnecting the previous)."""
        moment = datetime.now(UTC)
        if seller_id is not None:
            self.disconnect(seller_id, provider, at=moment)
        row = MerchantAccountRow(seller_id=seller_id, provider=provider, public_key=public_key,
                                 private_key_encrypted=private_key_encrypted, created_at=moment)
        self.session.add(row)
        self.session.flush()
        return _account(row)

    def get(self, account_id: int) -> MerchantAccount | None:
        row = self.session.get(MerchantAccountRow, account_id)
        return _account(row) if row else None

    def connected(self, seller_id: int, provider: str = "liqpay") -> MerchantAccount | None:
        """The account the seller's new invoices are paid into, if they connected one."""
        row = self.session.scalars(select(MerchantAccountRow).where(
            MerchantAccountRow.seller_id == seller_id, MerchantAccountRow.provider == provider,
            MerchantAccountRow.disconnected_at.is_(None))
            .order_by(MerchantAccountRow.id.desc())).first()
        return _account(row) if row else None

    def disconnect(self, seller_id: int, provider: str = "liqpay",
                   at: datetime | None = None) -> int:
        """New invoices stop using the seller's account; its keys stay (encrypted) for the
        invoices already made with it. Returns how many accounts were disconnected."""
        from storage.seller_settings import mark_changed
        mark_changed(self.session, seller_id)  # a bulk UPDATE: no flush shows it
        result = self.session.execute(
            update(MerchantAccountRow).where(
                MerchantAccountRow.seller_id == seller_id,
                MerchantAccountRow.provider == provider,
                MerchantAccountRow.disconnected_at.is_(None))
            .values(disconnected_at=at or datetime.now(UTC)))
        return result.rowcount  # type: ignore[attr-defined,no-any-return]

    def connected_any(self, seller_id: int) -> MerchantAccount | None:
        """The seller's own account new invoices are paid into: of their connected accounts
        (one per provider), the one connected first."""
        row = self.session.scalars(select(MerchantAccountRow).where(
            MerchantAccountRow.seller_id == seller_id,
            MerchantAccountRow.disconnected_at.is_(None))
            .order_by(MerchantAccountRow.id)).first()
        return _account(row) if row else None

    def connected_providers(self, seller_id: int) -> list[str]:
        """The providers of the seller's own connected accounts, in the order connected."""
        rows = self.session.scalars(select(MerchantAccountRow.provider).where(
            MerchantAccountRow.seller_id == seller_id,
            MerchantAccountRow.disconnected_at.is_(None)).order_by(MerchantAccountRow.id))
        return list(dict.fromkeys(rows))

    def any_of(self, provider: str) -> MerchantAccount | None:
        """One account of this provider, a connected one first (the newest): for a call any of
        its merchants may make, like fetching monobank's webhook key."""
        row = self.session.scalars(select(MerchantAccountRow).where(
            MerchantAccountRow.provider == provider, MerchantAccountRow.seller_id.is_not(None))
            .order_by(MerchantAccountRow.disconnected_at.is_not(None),
                      MerchantAccountRow.id.desc())).first()
        return _account(row) if row else None

    def all_ids(self) -> list[int]:
        return [i for i in self.session.scalars(select(MerchantAccountRow.id)
                                                .order_by(MerchantAccountRow.id)) if i is not None]

    def replace_encrypted(self, account_id: int, private_key_encrypted: str) -> None:
        """The same key under another encryption (SECRET_KEY rotation)."""
        self.session.execute(update(MerchantAccountRow).where(
            MerchantAccountRow.id == account_id).values(
            private_key_encrypted=private_key_encrypted))


def _account(row: MerchantAccountRow) -> MerchantAccount:
    return MerchantAccount(id=row.id or 0, seller_id=row.seller_id, provider=row.provider,
                           public_key=row.public_key,
                           private_key_encrypted=row.private_key_encrypted,
                           created_at=utc(row.created_at),  # type: ignore[arg-type]
                           disconnected_at=utc(row.disconnected_at))

