"""The fiscal repository: sellers' PRRO settings (secrets in, secrets out, encrypted: only
workers/fiscal decrypts them) and the receipts, which the scheduler finds due here."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from domain.fiscal import (
    CASH,
    CASHLESS,
    OPEN_STATES,
    RETURN,
    SALE,
    FiscalMode,
    FiscalReceipt,
    FiscalReceiptQueued,
    ReceiptState,
)
from domain.events import Event, ExtraPaymentReceived, InvoicePaid, InvoiceRefunded
from domain.invoice import Invoice
from domain.manual import ManualState
from domain.money import Money
from storage.events_repo import EventRepository
from storage.manual import ManualRepository
from storage.repository import utc
from storage.tables import FiscalReceiptRow, FiscalSettingsRow


@dataclass(frozen=True)
class FiscalSettings:
    seller_id: int
    mode: FiscalMode
    goods_name: str
    license_key_encrypted: str | None
    pin_encrypted: str | None
    shift_opened_at: datetime | None

    @property
    def connected(self) -> bool:
        return bool(self.license_key_encrypted and self.pin_encrypted)

    @property
    def automatic(self) -> bool:
        return self.connected and self.mode is FiscalMode.AUTOMATIC


class FiscalRepository:
    def __init__(self, session: Session, events: EventRepository) -> None:
        self.session = session
        self.events = events
        #: the seller's settings as the unit of work caches them (queue_for, on every payment)

    # -- the seller's settings ---------------------------------------------------------------------

    def settings(self, seller_id: int) -> FiscalSettings | None:
        row = self.session.get(FiscalSettingsRow, seller_id)
        return _settings(row) if row else None

    def connect(self, seller_id: int, license_key_encrypted: str, pin_encrypted: str,
                now: datetime) -> None:
        """Store a checked register; receipts become automatic (the point of connecting)."""
        row = self._row(seller_id)
        row.license_key_encrypted, row.pin_encrypted = license_key_encrypted, pin_encrypted
        row.connected_at, row.mode = now, FiscalMode.AUTOMATIC.value

    def set_mode(self, seller_id: int, mode: FiscalMode) -> None:
        self._row(seller_id).mode = mode.value

    def set_goods_name(self, seller_id: int, name: str) -> None:
        self._row(seller_id).goods_name = name

    def shift_opened(self, seller_id: int, at: datetime) -> None:
        row = self._row(seller_id)
        if row.shift_opened_at is None:
            row.shift_opened_at = at

    def shift_closed(self, seller_id: int, at: datetime) -> None:
        row = self._row(seller_id)
        row.shift_opened_at, row.shift_closed_at = None, at

    def open_shifts(self) -> list[tuple[int, datetime]]:
        """(seller, when chatpay opened or first used the shift) for every shift left open."""
        rows = self.session.execute(select(FiscalSettingsRow.seller_id,
                                           FiscalSettingsRow.shift_opened_at).where(
            FiscalSettingsRow.shift_opened_at.is_not(None))).all()
        return [(seller_id, utc(at)) for seller_id, at in rows]  # type: ignore[misc]

    def rotate_secrets(self, rotate: Callable[[str], str]) -> int:
        """The same licence keys and PINs under another encryption (SECRET_KEY rotation)."""
        rows = list(self.session.scalars(select(FiscalSettingsRow).where(
            FiscalSettingsRow.license_key_encrypted.is_not(None))))
        for row in rows:
            row.license_key_encrypted = rotate(row.license_key_encrypted or "")
            row.pin_encrypted = rotate(row.pin_encrypted or "")
        return len(rows)

    def _row(self, seller_id: int) -> FiscalSettingsRow:
        row = self.session.get(FiscalSettingsRow, seller_id)
        if row is None:
            row = FiscalSettingsRow(seller_id=seller_id)
            self.session.add(row)
        return row

    # -- receipts ----------------------------------------------------------------------------------

    def queue_for(self, invoice: Invoice, events: list[Event], status: str,
                  now: datetime) -> list[str]:
        """The receipts for these events of the invoice (those domain.reactions gives a fiscal
        receipt; the unit of work asks only when the seller's receipts are automatic): a sale
        for a payment, a return for a refund. Once per payment: a payment already queued is
        not queued again. Returns the new receipts' ids."""
        made = []
        for event in events:
            payload = event.payload()
            if isinstance(event, InvoicePaid) and not self._exists(invoice.id, SALE, ""):
                paid_by = self._paid_by(invoice, payload)
                if paid_by is None:
                    continue  # paid by hand with a method the seller did not mark fiscal
                made.append(self._add(invoice, SALE, "", payload, now, payment_type=paid_by,
                                      card_mask=payload.get("card_mask"),
                                      auth_code=payload.get("auth_code"),
                                      rrn=payload.get("rrn")))
            elif isinstance(event, ExtraPaymentReceived):
                # the buyer paid twice: the second payment is a sale of its own, keyed by the
                # provider's payment id (so a repeated callback queues nothing more)
                key = f"payment:{payload['provider_payment_id']}"
                if not self._exists(invoice.id, SALE, key):
                    made.append(self._add(invoice, SALE, key, payload, now,
                                          payment_type=CASHLESS))
            elif isinstance(event, InvoiceRefunded):
                currency = str(payload["currency"])
                sale = self._sale_to_return(invoice.id, Money.parse_provider(
                    payload["amount"], currency).to_minor_units())
                key = str(payload.get("refund_id")
                          or f"refund-{payload.get('refunded_total') or payload['amount']}")
                if sale is not None and not self._exists(invoice.id, RETURN, key):
                    made.append(self._add(invoice, RETURN, key, payload, now,
                                          related_id=sale.id, card_mask=sale.card_mask,
                                          auth_code=sale.auth_code, rrn=sale.rrn,
                                          payment_type=sale.payment_type))
        for receipt in made:
            self.events.record(FiscalReceiptQueued(invoice.id, receipt.id, receipt.kind,
                                                   receipt.amount_minor, receipt.currency),
                               status, status, now)
        return [r.id for r in made]

    def _paid_by(self, invoice: Invoice, paid: dict[str, Any]) -> str | None:
        """How a payment reaches the PRRO: a card payment as CASHLESS; one paid by hand only
        when its method is marked fiscal, as CASH for the built-in *Cash* and CASHLESS for a
        transfer; None: no receipt."""
        if not paid.get("manual"):
            return CASHLESS
        manual = ManualRepository(self.session)
        approved = [p for p in manual.for_invoice(invoice.id) if p.state is ManualState.APPROVED]
        if not approved:
            return None
        payment = approved[-1]
        method = manual.method(invoice.seller_id, payment.method_id, payment.amount.currency)
        if method is None or not method.fiscal:
            return None
        return CASH if method.builtin else CASHLESS

    def _exists(self, invoice_id: str, kind: str, refund_key: str) -> bool:
        return self.session.scalars(select(FiscalReceiptRow.id).where(
            FiscalReceiptRow.invoice_id == invoice_id, FiscalReceiptRow.kind == kind,
            FiscalReceiptRow.refund_key == refund_key)).first() is not None

    def _add(self, invoice: Invoice, kind: str, refund_key: str, payload: dict[str, Any],
             now: datetime, **extra: Any) -> FiscalReceiptRow:
        currency = str(payload["currency"])
        row = FiscalReceiptRow(
            id=str(uuid.uuid4()), invoice_id=invoice.id, seller_id=invoice.seller_id,
            kind=kind, refund_key=refund_key, currency=currency,
            amount_minor=Money.parse_provider(payload["amount"], currency).to_minor_units(),
            state=ReceiptState.QUEUED.value, next_try_at=now, created_at=now, **extra)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, receipt_id: str) -> FiscalReceipt | None:
        row = self.session.get(FiscalReceiptRow, receipt_id)
        return _receipt(row) if row else None

    def for_invoice(self, invoice_id: str) -> list[FiscalReceipt]:
        rows = self.session.scalars(select(FiscalReceiptRow).where(
            FiscalReceiptRow.invoice_id == invoice_id).order_by(FiscalReceiptRow.created_at))
        return [_receipt(r) for r in rows]

    def refused_for_seller(self, seller_id: int) -> list[FiscalReceipt]:
        rows = self.session.scalars(select(FiscalReceiptRow).where(
            FiscalReceiptRow.seller_id == seller_id,
            FiscalReceiptRow.state == ReceiptState.REFUSED.value)
            .order_by(FiscalReceiptRow.created_at))
        return [_receipt(r) for r in rows]

    def sale_of(self, invoice_id: str) -> FiscalReceipt | None:
        return next((r for r in self.for_invoice(invoice_id) if r.kind == SALE), None)

    def _sale_to_return(self, invoice_id: str, amount_minor: int) -> FiscalReceipt | None:
        """The sale a return refers to: the newest with room left for it (a buyer who paid
        twice is refunded the second payment, the one the seller was told can be refunded),
        else the first sale."""
        receipts = self.for_invoice(invoice_id)
        sales = [r for r in receipts if r.kind == SALE]
        for sale in reversed(sales):
            returned = sum(r.amount_minor for r in receipts
                           if r.kind == RETURN and r.related_id == sale.id)
            if sale.amount_minor - returned >= amount_minor:
                return sale
        return sales[0] if sales else None

    def claim(self, receipt_id: str, now: datetime, until: datetime) -> FiscalReceipt | None:
        """Take the receipt for one worker until `until`, if it is due and nobody holds it."""
        result = self.session.execute(update(FiscalReceiptRow).where(
            FiscalReceiptRow.id == receipt_id,
            FiscalReceiptRow.state.in_([s.value for s in OPEN_STATES]),
            or_(FiscalReceiptRow.next_try_at.is_(None), FiscalReceiptRow.next_try_at <= now),
            or_(FiscalReceiptRow.claimed_until.is_(None), FiscalReceiptRow.claimed_until < now))
            .values(claimed_until=until, attempts=FiscalReceiptRow.attempts + 1))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.get(receipt_id)

    def save(self, receipt: FiscalReceipt, *, previous_id: str | None = None) -> None:
        """Write what the worker learnt and let the receipt go (the claim ends). `previous_id`:
        the receipt had that id before a retry gave it a new one."""
        values = {f: getattr(receipt, f) for f in ("id", "state", "fiscal_code", "link", "reason",
                                                    "next_try_at", "told_pending", "created_at",
                                                    "errored")}
        values["state"] = str(receipt.state)
        self.session.execute(update(FiscalReceiptRow).where(
            FiscalReceiptRow.id == (previous_id or receipt.id))
            .values(claimed_until=None, **values))
        if previous_id and previous_id != receipt.id:  # its returns refer to it by the new id
            self.session.execute(update(FiscalReceiptRow).where(
                FiscalReceiptRow.related_id == previous_id).values(related_id=receipt.id))

    def stuck_count(self) -> int:
        """Receipts the PRRO kept CREATED for the whole 36-hour window (shown in /metrics)."""
        return int(self.session.scalar(select(func.count()).select_from(FiscalReceiptRow).where(
            FiscalReceiptRow.state == ReceiptState.STUCK.value)) or 0)

    def due(self, now: datetime, limit: int = 500) -> list[str]:
        return list(self.session.scalars(select(FiscalReceiptRow.id).where(
            FiscalReceiptRow.state.in_([s.value for s in OPEN_STATES]),
            FiscalReceiptRow.next_try_at <= now,
            or_(FiscalReceiptRow.claimed_until.is_(None), FiscalReceiptRow.claimed_until < now))
            .order_by(FiscalReceiptRow.next_try_at).limit(limit)))


def _settings(row: FiscalSettingsRow) -> FiscalSettings:
    return FiscalSettings(seller_id=row.seller_id, mode=FiscalMode(row.mode),
                          goods_name=row.goods_name,
                          license_key_encrypted=row.license_key_encrypted,
                          pin_encrypted=row.pin_encrypted,
                          shift_opened_at=utc(row.shift_opened_at))


def _receipt(row: FiscalReceiptRow) -> FiscalReceipt:
    names = {f.name for f in fields(FiscalReceipt)}
    values = {n: getattr(row, n) for n in names}
    values["state"] = ReceiptState(row.state)
    values["created_at"] = utc(row.created_at)
    values["next_try_at"] = utc(row.next_try_at)
    return FiscalReceipt(**values)
