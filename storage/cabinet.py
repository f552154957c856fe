"""The seller's cabinet's read model: totals of a period, a page of invoices, one invoice in full,
the rows of an export, and the one-time sign-in links. Every query is bounded by the seller's id
(ix_invoices_seller_created / ix_invoices_seller_paid), so a seller never reads another's rows."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.invoice import InvoiceStatus
from domain.money import Money
from storage.repository import utc
from storage.tables import (
    AttemptRow,
    CabinetLinkRow,
    DigestClaimRow,
    FiscalReceiptRow,
    InvoiceEventRow,
    InvoiceRow,
    ManualMethodRow,
    ManualPaymentRow,
    RefundRow,
    ReportSettingsRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
)

PAGE_SIZE = 50
PAID_STATES = (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED, InvoiceStatus.REFUNDED)
OPEN_STATES = (InvoiceStatus.CREATED, InvoiceStatus.PENDING)
TAKEN_MANUAL = ("approved", "refunded")  #: manual payments that paid their invoice
CARD = "card"


@dataclass
class Totals:
    currency: str
    paid_count: int = 0
    gross: int = 0  #: minor units
    refunded: int = 0
    unpaid_count: int = 0
    expired_unpaid_count: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    @property
    def net(self) -> int:
        return self.gross - self.refunded

    def as_json(self) -> dict[str, Any]:
        """Amounts as decimal strings ("12.50"), never floats."""
        def money(minor: int) -> str:
            return str(Money.from_minor_units(minor, self.currency).amount)
        return {"currency": self.currency, "paid_count": self.paid_count,
                "gross": money(self.gross), "refunded": money(self.refunded),
                "net": money(self.net), "unpaid_count": self.unpaid_count,
                "expired_unpaid_count": self.expired_unpaid_count,
                "by_method": {k: money(v) for k, v in sorted(self.by_method.items())}}


class CabinetQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def totals(self, seller_id: int, currency: str, start: datetime, end: datetime) -> Totals:
        """Paid in [start, end) (by when it was paid), refunds finished in it, and the invoices
        made in it that are still open or expired unpaid."""
        totals = Totals(currency)
        paid_in = (InvoiceRow.seller_id == seller_id, InvoiceRow.paid_at >= start,
                   InvoiceRow.paid_at < end, InvoiceRow.status.in_(PAID_STATES),
                   InvoiceRow.paid_currency == currency)
        for is_manual, count, amount in self.session.execute(
                select(InvoiceRow.manual, func.count(),
                       func.coalesce(func.sum(InvoiceRow.paid_amount_minor), 0))
                .where(*paid_in).group_by(InvoiceRow.manual)):
            totals.paid_count += count
            totals.gross += int(amount)
            if not is_manual:
                totals.by_method[CARD] = int(amount)
        # a manual payment names its method; an invoice it paid is paid in the same range
        for method, amount in self.session.execute(
                select(ManualPaymentRow.method_name,
                       func.coalesce(func.sum(InvoiceRow.paid_amount_minor), 0))
                .join(InvoiceRow, InvoiceRow.id == ManualPaymentRow.invoice_id)
                .where(*paid_in, InvoiceRow.manual.is_(True),
                       ManualPaymentRow.state.in_(TAKEN_MANUAL))
                .group_by(ManualPaymentRow.method_name)):
            totals.by_method[method] = totals.by_method.get(method, 0) + int(amount)
        totals.refunded = int(self.session.scalar(
            select(func.coalesce(func.sum(RefundRow.amount_minor), 0))
            .join(InvoiceRow, InvoiceRow.id == RefundRow.invoice_id)
            .where(InvoiceRow.seller_id == seller_id, RefundRow.state == "done",
                   RefundRow.currency == currency, RefundRow.created_at >= start,
                   RefundRow.created_at < end)) or 0)
        made = self.session.execute(
            select(InvoiceRow.status, func.count())
            .where(InvoiceRow.seller_id == seller_id, InvoiceRow.created_at >= start,
                   InvoiceRow.created_at < end,
                   InvoiceRow.status.in_([*OPEN_STATES, InvoiceStatus.EXPIRED]))
            .group_by(InvoiceRow.status))
        for status, count in made:
            if status == InvoiceStatus.EXPIRED:
                totals.expired_unpaid_count += count
            else:
                totals.unpaid_count += count
        return totals

    def paid_moments(self, seller_id: int, currency: str, start: datetime,
                     end: datetime) -> list[tuple[datetime, int]]:
        """(when, amount) of each payment in [start, end): the chart buckets them by local day."""
        rows = self.session.execute(
            select(InvoiceRow.paid_at, InvoiceRow.paid_amount_minor)
            .where(InvoiceRow.seller_id == seller_id, InvoiceRow.paid_at >= start,
                   InvoiceRow.paid_at < end, InvoiceRow.status.in_(PAID_STATES),
                   InvoiceRow.paid_currency == currency))
        return [(utc(at), int(amount or 0)) for at, amount in rows]  # type: ignore[misc]

    def invoices(self, seller_id: int, *, state: str = "", start: datetime | None = None,
                 end: datetime | None = None, method: str = "", text: str = "",
                 page: int = 1, limit: int | None = PAGE_SIZE) -> tuple[list[InvoiceRow], bool]:
        """One page, newest first, and whether another follows (`limit` None: every row)."""
        query = self._filtered(seller_id, state, start, end, method, text)
        query = query.order_by(InvoiceRow.created_at.desc(), InvoiceRow.id.desc())
        if limit is None:
            return list(self.session.scalars(query)), False
        rows = list(self.session.scalars(query.offset((max(page, 1) - 1) * limit)
                                         .limit(limit + 1)))
        return rows[:limit], len(rows) > limit

    def _filtered(self, seller_id: int, state: str, start: datetime | None,
                  end: datetime | None, method: str, text: str) -> Select[Any]:
        query = select(InvoiceRow).where(InvoiceRow.seller_id == seller_id)
        if state == "unpaid":
            query = query.where(InvoiceRow.status.in_(OPEN_STATES))
        elif state == "paid":
            query = query.where(InvoiceRow.status.in_(PAID_STATES))
        elif state:
            query = query.where(InvoiceRow.status == state)
        if start is not None:
            query = query.where(InvoiceRow.created_at >= start)
        if end is not None:
            query = query.where(InvoiceRow.created_at < end)
        if method == CARD:
            query = query.where(InvoiceRow.manual.is_(False), InvoiceRow.paid_at.is_not(None))
        elif method:
            query = query.where(InvoiceRow.manual.is_(True), InvoiceRow.id.in_(
                select(ManualPaymentRow.invoice_id).where(
                    ManualPaymentRow.seller_id == seller_id,
                    func.lower(ManualPaymentRow.method_name) == method.lower(),
                    ManualPaymentRow.state.in_(TAKEN_MANUAL))))
        if text:
            like = f"%{_escape_like(text.strip().lower())}%"
            query = query.where(or_(*(func.lower(column).like(like, escape="\\") for column in (
                InvoiceRow.code, InvoiceRow.description, InvoiceRow.buyer_name,
                InvoiceRow.buyer_phone, InvoiceRow.buyer_email))))
        return query

    def row(self, seller_id: int, code: str) -> InvoiceRow | None:
        """The seller's own invoice by code; another seller's is None, as a made-up code is."""
        return self.session.scalars(select(InvoiceRow).where(
            InvoiceRow.code == code, InvoiceRow.seller_id == seller_id)).first()

    def refunds(self, invoice_ids: list[str]) -> dict[str, list[RefundRow]]:
        return _by_invoice(self._in(RefundRow, invoice_ids, RefundRow.created_at))

    def manual_payments(self, invoice_ids: list[str]) -> dict[str, list[ManualPaymentRow]]:
        return _by_invoice(self._in(ManualPaymentRow, invoice_ids, ManualPaymentRow.created_at))

    def receipts(self, invoice_ids: list[str]) -> dict[str, list[FiscalReceiptRow]]:
        return _by_invoice(self._in(FiscalReceiptRow, invoice_ids, FiscalReceiptRow.created_at))

    def methods(self, seller_id: int) -> dict[int, ManualMethodRow]:
        return {m.id: m for m in self.session.scalars(select(ManualMethodRow).where(
            ManualMethodRow.seller_id == seller_id)) if m.id is not None}

    def method_names(self, seller_id: int) -> list[str]:
        """The manual methods the seller was ever paid by (the list's method filter)."""
        return sorted(self.session.scalars(select(ManualPaymentRow.method_name).where(
            ManualPaymentRow.seller_id == seller_id).distinct()))

    def _in(self, table: Any, invoice_ids: list[str], order: Any) -> list[Any]:
        rows: list[Any] = []
        for i in range(0, len(invoice_ids), 500):  # bounded IN lists
            rows += self.session.scalars(select(table).where(
                table.invoice_id.in_(invoice_ids[i:i + 500])).order_by(order))
        return rows

    def card_attempts(self, invoice_id: str) -> list[AttemptRow]:
        """The invoice's card attempts at the provider, oldest first."""
        return list(self.session.scalars(select(AttemptRow).where(
            AttemptRow.invoice_id == invoice_id).order_by(AttemptRow.number)))

    def history(self, invoice_id: str) -> list[InvoiceEventRow]:
        return list(self.session.scalars(select(InvoiceEventRow).where(
            InvoiceEventRow.invoice_id == invoice_id).order_by(InvoiceEventRow.id)))

    def deliveries(self, invoice_id: str) -> list[tuple[WebhookDeliveryRow,
                                                        list[WebhookAttemptRow]]]:
        rows = list(self.session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.invoice_id == invoice_id).order_by(WebhookDeliveryRow.id)))
        attempts = _group(self.session.scalars(select(WebhookAttemptRow).where(
            WebhookAttemptRow.delivery_id.in_([r.id for r in rows]))
            .order_by(WebhookAttemptRow.id)), "delivery_id") if rows else {}
        return [(r, attempts.get(r.id, [])) for r in rows]

    # --- one-time links (Viber) ---

    def add_link(self, link_id: str, seller_id: int, expires_at: datetime) -> None:
        self.session.add(CabinetLinkRow(id=link_id, seller_id=seller_id, expires_at=expires_at))
        self.session.flush()

    def redeem_link(self, link_id: str, now: datetime) -> int | None:
        """The seller the link signs in, once: the first request marks it used."""
        seller_id = self.session.scalar(select(CabinetLinkRow.seller_id).where(
            CabinetLinkRow.id == link_id))
        result = self.session.execute(update(CabinetLinkRow).where(
            CabinetLinkRow.id == link_id, CabinetLinkRow.used_at.is_(None),
            CabinetLinkRow.expires_at > now).values(used_at=now))
        return seller_id if result.rowcount == 1 else None  # type: ignore[attr-defined]

    # --- the daily report ---

    def digest_hour(self, seller_id: int) -> int | None:
        row = self.session.get(ReportSettingsRow, seller_id)
        return row.digest_hour if row else None

    def set_digest_hour(self, seller_id: int, hour: int | None) -> None:
        row = self.session.get(ReportSettingsRow, seller_id)
        if row is None:
            self.session.add(ReportSettingsRow(seller_id=seller_id, digest_hour=hour))
        else:
            row.digest_hour = hour
        self.session.flush()

    def digest_sellers(self) -> list[tuple[int, int]]:
        """(seller, hour) of every seller who turned the daily report on."""
        return [(s, h) for s, h in self.session.execute(select(
            ReportSettingsRow.seller_id, ReportSettingsRow.digest_hour).where(
            ReportSettingsRow.digest_hour.is_not(None)))]

    def claim_digest(self, seller_id: int, day: str, now: datetime) -> bool:
        """Whether this caller sends the seller's digest of `day` (the first insert wins)."""
        try:  # the caller commits; on False it leaves its unit of work (rolled back)
            self.session.execute(insert(DigestClaimRow).values(
                seller_id=seller_id, day=day, claimed_at=now))
        except IntegrityError:
            return False
        return True


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _group(rows: Any, key: str) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    for row in rows:
        out.setdefault(getattr(row, key), []).append(row)
    return out


def _by_invoice(rows: list[Any]) -> dict[str, list[Any]]:
    return _group(rows, "invoice_id")


def fee_minor(method: ManualMethodRow | None, amount_minor: int, currency: str) -> int:
    """A manual method's fee on a payment: its percent, plus its fixed fee in the same currency."""
    if method is None:
        return 0
    fee = Decimal(amount_minor) * Decimal(method.commission_percent or "0") / 100
    if method.fixed_fee_minor and (method.fixed_fee_currency or currency) == currency:
        fee += method.fixed_fee_minor
    return int(fee.quantize(Decimal(1)))


def payload(row: InvoiceEventRow) -> dict[str, Any]:
    try:
        data = json.loads(row.payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

