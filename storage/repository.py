"""Repositories: the only way domain objects reach the database and come back."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.events import Event
from domain.invoice import UNPAID_FINAL, Invoice, InvoiceStatus
from domain.money import Money
from domain.refunds import Refund, RefundState
from storage.tables import (
    InvoiceEventRow,
    InvoiceRow,
    MerchantAccountRow,
    RefundRow,
    SellerRow,
)

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
                  ask_buyer_name=row.ask_buyer_name, ask_buyer_phone=row.ask_buyer_phone)


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
        result = self.session.execute(
            update(MerchantAccountRow).where(
                MerchantAccountRow.seller_id == seller_id,
                MerchantAccountRow.provider == provider,
                MerchantAccountRow.disconnected_at.is_(None))
            .values(disconnected_at=at or datetime.now(UTC)))
        return result.rowcount  # type: ignore[attr-defined,no-any-return]

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


class InvoiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: list[tuple[Invoice, str | None]] = []  #: with the status it was read in

    def add(self, invoice: Invoice, *, next_poll_at: datetime | None = None) -> None:
        row = InvoiceRow(id=invoice.id, version=0, polls_done=0, next_poll_at=next_poll_at,
                         message_id=invoice.message_id, **_columns(invoice))
        self.session.add(row)
        self.session.flush()
        self._save_refunds(invoice)
        self.seen.append((invoice, None))

    def get(self, invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.id == invoice_id), for_update)

    def by_code(self, code: str, *, for_update: bool = False) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.code == code), for_update)

    def by_key(self, idempotency_key: str) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.idempotency_key == idempotency_key))

    def by_order_id(self, order_id: str, *, for_update: bool = False) -> Invoice | None:
        if not order_id.startswith("cp-"):
            return None
        return self.get(order_id[3:], for_update=for_update)

    def _one(self, query: Any, for_update: bool = False) -> Invoice | None:
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        invoice = _invoice(row)
        # read after the row (and its lock, when taken): a racing refund committed first is seen
        invoice.refunds = [_refund(r) for r in self.session.scalars(
            select(RefundRow).where(RefundRow.invoice_id == invoice.id)
            .order_by(RefundRow.created_at, RefundRow.id))]
        self.seen.append((invoice, str(invoice.status)))
        return invoice

    def save(self, invoice: Invoice, **schedule: Any) -> None:
        """Write the invoice back if nobody changed it since it was read (version check).

        `schedule` may set next_poll_at / polls_done alongside.
        """
        result = self.session.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == invoice.id, InvoiceRow.version == invoice.version)
            .values(version=invoice.version + 1, **_columns(invoice), **schedule)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(f"Invoice {invoice.id} changed concurrently.")
        invoice.version += 1
        self._save_refunds(invoice)

    def _save_refunds(self, invoice: Invoice) -> None:
        for refund in invoice.refunds:
            self.session.merge(RefundRow(
                id=refund.id, invoice_id=invoice.id,
                amount_minor=refund.amount.to_minor_units(), currency=refund.amount.currency,
                state=str(refund.state), ours=refund.ours,
                provider_refund_id=refund.provider_refund_id, raw_status=refund.raw_status,
                reason=refund.reason, created_at=refund.created_at))
        if invoice.refunds:
            self.session.flush()

    def schedule(self, invoice_id: str, **values: Any) -> None:
        self.session.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(**values))

    def open_for_seller(self, seller_id: int, limit: int = 20) -> list[Invoice]:
        rows = self.session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.seller_id == seller_id,
                   InvoiceRow.status.in_([InvoiceStatus.CREATED, InvoiceStatus.PENDING]))
            .order_by(InvoiceRow.created_at.desc()).limit(limit))
        return [_invoice(r) for r in rows]

    def due_for_poll(self, now: datetime, requeued_before: datetime,
                     limit: int = 500) -> list[str]:
        """Invoices whose poll is overdue (its message was lost, or waits in a long queue) and
        was not re-queued since `requeued_before`: pending ones, and closed ones whose payment
        is still in flight."""
        return list(self.session.scalars(
            select(InvoiceRow.id).where(
                InvoiceRow.status.in_([InvoiceStatus.PENDING, *UNPAID_FINAL]),
                InvoiceRow.next_poll_at <= now,
                (InvoiceRow.poll_requeued_at.is_(None))
                | (InvoiceRow.poll_requeued_at < requeued_before))
            .order_by(InvoiceRow.next_poll_at).limit(limit)))

    def mark_requeued(self, invoice_ids: list[str], at: datetime) -> None:
        """These invoices' polls or expiries were re-queued (see due_for_poll, due_for_expiry)."""
        if invoice_ids:
            self.session.execute(update(InvoiceRow).where(InvoiceRow.id.in_(invoice_ids))
                                 .values(poll_requeued_at=at))

    def due_for_expiry(self, now: datetime, requeued_before: datetime,
                       limit: int = 500) -> list[str]:
        """Open invoices past their expiry and not re-queued since `requeued_before`, except
        those settling (their polls decide). Expiry asks the provider first, so a hanging one
        must not have every expiry re-queued on every scan."""
        return list(self.session.scalars(
            select(InvoiceRow.id).where(
                InvoiceRow.status.in_([InvoiceStatus.CREATED, InvoiceStatus.PENDING]),
                InvoiceRow.settling.is_(False), InvoiceRow.expires_at <= now,
                (InvoiceRow.poll_requeued_at.is_(None))
                | (InvoiceRow.poll_requeued_at < requeued_before)).limit(limit)))

    def stuck_created(self, before: datetime, limit: int = 500) -> list[str]:
        return list(self.session.scalars(
            select(InvoiceRow.id).where(InvoiceRow.status == InvoiceStatus.CREATED,
                                        InvoiceRow.created_at <= before).limit(limit)))

    def poll_state(self, invoice_id: str) -> tuple[int, datetime | None, int]:
        """How many polls were done, when the next one is due, and how many failed in a row."""
        polls, due, errors = self.session.execute(
            select(InvoiceRow.polls_done, InvoiceRow.next_poll_at, InvoiceRow.poll_errors)
            .where(InvoiceRow.id == invoice_id)).one()
        return polls, utc(due), errors


def _columns(invoice: Invoice) -> dict[str, Any]:
    """The columns a transition may change (message_id is set once, by the sender)."""
    paid = invoice.paid_amount
    return dict(
        code=invoice.code, seller_id=invoice.seller_id,
        amount_minor=invoice.amount.to_minor_units(), currency=invoice.amount.currency,
        description=invoice.description, provider=invoice.provider,
        idempotency_key=invoice.idempotency_key, status=str(invoice.status),
        pay_url=invoice.pay_url, provider_status=invoice.provider_status,
        provider_payment_id=invoice.provider_payment_id,
        paid_amount_minor=paid.to_minor_units() if paid else None,
        paid_currency=paid.currency if paid else None, paid_at=invoice.paid_at,
        paid_late=invoice.paid_late, failure_reason=invoice.failure_reason,
        refunded_minor=(invoice.refunded_amount.to_minor_units()
                        if invoice.refunded_amount else None),
        amount_mismatch=invoice.amount_mismatch, in_flight=invoice.in_flight,
        settling=invoice.settling, extra_payment_ids=",".join(invoice.extra_payment_ids),
        channel=invoice.channel, chat_id=invoice.chat_id,
        created_at=invoice.created_at, expires_at=invoice.expires_at,
        account_id=invoice.account_id, buyer_email=invoice.buyer_email,
        buyer_language=invoice.buyer_language, buyer_name=invoice.buyer_name,
        buyer_phone=invoice.buyer_phone, ask_name=invoice.ask_name, ask_phone=invoice.ask_phone,
        manual=invoice.manual,
    )


def _invoice(row: InvoiceRow) -> Invoice:
    return Invoice(
        id=row.id, code=row.code, seller_id=row.seller_id,
        amount=Money.from_minor_units(row.amount_minor, row.currency),
        description=row.description, provider=row.provider,
        idempotency_key=row.idempotency_key, status=InvoiceStatus(row.status),
        pay_url=row.pay_url, provider_status=row.provider_status,
        provider_payment_id=row.provider_payment_id,
        paid_amount=(Money.from_minor_units(row.paid_amount_minor, row.paid_currency)
                     if row.paid_amount_minor is not None and row.paid_currency else None),
        paid_at=utc(row.paid_at), paid_late=row.paid_late, failure_reason=row.failure_reason,
        amount_mismatch=row.amount_mismatch, in_flight=row.in_flight, settling=row.settling,
        extra_payment_ids=tuple(x for x in (row.extra_payment_ids or "").split(",") if x),
        channel=row.channel, chat_id=row.chat_id, message_id=row.message_id,
        created_at=utc(row.created_at), expires_at=utc(row.expires_at),  # type: ignore[arg-type]
        account_id=row.account_id, version=row.version, buyer_email=row.buyer_email,
        buyer_language=row.buyer_language, buyer_name=row.buyer_name,
        buyer_phone=row.buyer_phone, ask_name=row.ask_name, ask_phone=row.ask_phone,
        manual=row.manual,
    )


def _refund(row: RefundRow) -> Refund:
    return Refund(id=row.id, invoice_id=row.invoice_id,
                  amount=Money.from_minor_units(row.amount_minor, row.currency),
                  created_at=utc(row.created_at),  # type: ignore[arg-type]
                  state=RefundState(row.state), ours=row.ours,
                  provider_refund_id=row.provider_refund_id, raw_status=row.raw_status,
                  reason=row.reason)


class EventRepository:
    """The audit trail and the seller-notification outbox."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, event: Event, status_from: str | None, status_to: str,
               at: datetime) -> InvoiceEventRow:
        row = InvoiceEventRow(invoice_id=event.invoice_id, name=event.name,
                              payload=json.dumps(event.payload(), default=str),
                              status_from=status_from, status_to=status_to, created_at=at,
                              notify=event.notifies_seller)
        self.session.add(row)
        return row

    def get(self, event_id: int) -> InvoiceEventRow | None:
        return self.session.get(InvoiceEventRow, event_id)

    def for_invoice(self, invoice_id: str) -> list[InvoiceEventRow]:
        return list(self.session.scalars(select(InvoiceEventRow).where(
            InvoiceEventRow.invoice_id == invoice_id).order_by(InvoiceEventRow.id)))

    def claim(self, event_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take the right to send this event's message, counting the attempt; False if it was
        sent, is being sent, or has failed for good."""
        result = self.session.execute(
            update(InvoiceEventRow)
            .where(InvoiceEventRow.id == event_id, InvoiceEventRow.notify.is_(True),
                   InvoiceEventRow.notified_at.is_(None),
                   InvoiceEventRow.notify_failed_at.is_(None),
                   (InvoiceEventRow.notify_claimed_at.is_(None))
                   | (InvoiceEventRow.notify_claimed_at < stale_before))
            .values(notify_claimed_at=now,
                    notify_attempts=InvoiceEventRow.notify_attempts + 1))
        return result.rowcount == 1  # type: ignore[attr-defined]

    def mark_failed(self, event_id: int, now: datetime, reason: str) -> None:
        """Give up on this event's message: it is never retried again."""
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notify_failed_at=now, notify_error=reason[:1000],
                                     notify_claimed_at=None))

    def later_news(self, event: InvoiceEventRow) -> bool:
        """Whether a later event of the same invoice tells the seller something."""
        return self.session.scalar(
            select(InvoiceEventRow.id).where(
                InvoiceEventRow.invoice_id == event.invoice_id,
                InvoiceEventRow.id > event.id, InvoiceEventRow.notify.is_(True)).limit(1)
        ) is not None

    def failed_count(self) -> int:
        """Messages given up on after their bounded attempts (for /metrics)."""
        return self.session.scalar(select(func.count()).select_from(InvoiceEventRow).where(
            InvoiceEventRow.notify_failed_at.is_not(None))) or 0

    def mark_notified(self, event_id: int, now: datetime, message_id: str | None) -> None:
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notified_at=now, reply_message_id=message_id))

    def release(self, event_id: int) -> None:
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notify_claimed_at=None))

    def unnotified(self, before: datetime, limit: int = 500) -> list[int]:
        """Events whose message was never sent (queue message lost) or whose sender died."""
        return [i for i in self.session.scalars(
            select(InvoiceEventRow.id).where(
                InvoiceEventRow.notify.is_(True), InvoiceEventRow.notified_at.is_(None),
                InvoiceEventRow.notify_failed_at.is_(None), InvoiceEventRow.created_at <= before,
                (InvoiceEventRow.notify_claimed_at.is_(None))
                | (InvoiceEventRow.notify_claimed_at <= before))
            .order_by(InvoiceEventRow.id).limit(limit)) if i is not None]
