"""The sellers' manual payment methods and the manual payments of invoices (domain.manual).

Every seller has the built-in *Cash*: it is shown from their currency until they edit it (then
it has a row of its own, still built in) and it cannot be removed. Payments are written back
with a version check, so of two approves racing exactly one is written.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.manual import ManualMethod, ManualPayment, ManualState, builtin_cash
from domain.money import Money
from storage.repository import ConcurrentUpdate, utc
from storage.tables import ManualMethodRow, ManualPaymentRow


class ManualRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- methods -----------------------------------------------------------------------------

    def methods(self, seller_id: int, currency: str) -> list[ManualMethod]:
        """The seller's methods, *Cash* first (in `currency`, their own, until edited)."""
        rows = self.session.scalars(select(ManualMethodRow).where(
            ManualMethodRow.seller_id == seller_id, ManualMethodRow.removed_at.is_(None))
            .order_by(ManualMethodRow.builtin.desc(), ManualMethodRow.id))
        found = [_method(r) for r in rows]
        if not any(m.builtin for m in found):
            found.insert(0, builtin_cash(seller_id, currency))
        return found

    def method(self, seller_id: int, method_id: int, currency: str) -> ManualMethod | None:
        """One of the seller's own methods (never another seller's), or None."""
        return next((m for m in self.methods(seller_id, currency) if m.id == method_id), None)

    def save_method(self, method: ManualMethod) -> ManualMethod:
        """Add a method (id 0 and not built in), or change one of the seller's own."""
        row = None
        if method.id:
            row = self.session.scalars(select(ManualMethodRow).where(
                ManualMethodRow.id == method.id,
                ManualMethodRow.seller_id == method.seller_id)).first()
        if row is None:
            row = ManualMethodRow(seller_id=method.seller_id, created_at=datetime.now(UTC),
                                  account_currency=method.account_currency, name=method.name)
            self.session.add(row)
        fixed = Money.from_minor_units(0, method.fixed_fee_currency or method.account_currency)
        fixed = Money(method.fixed_fee.quantize(fixed.amount), fixed.currency)
        for key, value in dict(
                name=method.name, description=method.description,
                comment_hint=method.comment_hint,
                commission_percent=str(method.commission_percent),
                fixed_fee_minor=fixed.to_minor_units(),
                fixed_fee_currency=method.fixed_fee_currency,
                account_currency=method.account_currency,
                accepted_currencies=",".join(method.accepted_currencies),
                charge_currency=method.charge_currency,
                timeout_seconds=int(method.timeout.total_seconds()), fiscal=method.fiscal,
                builtin=method.builtin).items():
            setattr(row, key, value)
        self.session.flush()
        return _method(row)

    def remove_method(self, seller_id: int, method_id: int) -> bool:
        """Remove one of the seller's own methods; *Cash* stays. Returns whether one went."""
        result = self.session.execute(update(ManualMethodRow).where(
            ManualMethodRow.id == method_id, ManualMethodRow.seller_id == seller_id,
            ManualMethodRow.builtin.is_(False), ManualMethodRow.removed_at.is_(None))
            .values(removed_at=datetime.now(UTC)))
        return result.rowcount == 1  # type: ignore[attr-defined]

    # -- payments ----------------------------------------------------------------------------

    def add(self, payment: ManualPayment) -> None:
        self.session.add(ManualPaymentRow(id=payment.id, version=0, **_columns(payment)))
        self.session.flush()

    def get(self, payment_id: str) -> ManualPayment | None:
        row = self.session.get(ManualPaymentRow, payment_id)
        return _payment(row) if row else None

    def for_invoice(self, invoice_id: str) -> list[ManualPayment]:
        return [_payment(r) for r in self.session.scalars(select(ManualPaymentRow).where(
            ManualPaymentRow.invoice_id == invoice_id).order_by(ManualPaymentRow.created_at))]

    def save(self, payment: ManualPayment) -> None:
        """Write the payment back if nobody changed it since it was read (version check)."""
        result = self.session.execute(
            update(ManualPaymentRow)
            .where(ManualPaymentRow.id == payment.id,
                   ManualPaymentRow.version == payment.version)
            .values(version=payment.version + 1, **_columns(payment)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate(f"Manual payment {payment.id} changed concurrently.")
        payment.version += 1

    def due_for_auto_reject(self, now: datetime, limit: int = 500) -> list[str]:
        """Open payments past their timeout (the scheduler rejects them)."""
        return list(self.session.scalars(select(ManualPaymentRow.id).where(
            ManualPaymentRow.state == ManualState.OPEN.value,
            ManualPaymentRow.expires_at <= now).limit(limit)))


def _columns(payment: ManualPayment) -> dict[str, Any]:
    return dict(
        invoice_id=payment.invoice_id, seller_id=payment.seller_id,
        method_id=payment.method_id, method_name=payment.method_name,
        amount_minor=payment.amount.to_minor_units(), currency=payment.amount.currency,
        paid_on=payment.paid_on.isoformat(), comment=payment.comment, state=str(payment.state),
        reason=payment.reason, created_by=payment.created_by, created_at=payment.created_at,
        expires_at=payment.expires_at, decided_at=payment.decided_at,
        decided_by=payment.decided_by)


def _payment(row: ManualPaymentRow) -> ManualPayment:
    return ManualPayment(
        id=row.id, invoice_id=row.invoice_id, seller_id=row.seller_id, method_id=row.method_id,
        method_name=row.method_name,
        amount=Money.from_minor_units(row.amount_minor, row.currency),
        paid_on=date.fromisoformat(row.paid_on), comment=row.comment,
        created_at=utc(row.created_at), expires_at=utc(row.expires_at),  # type: ignore[arg-type]
        created_by=row.created_by, state=ManualState(row.state), reason=row.reason,
        decided_at=utc(row.decided_at), decided_by=row.decided_by, version=row.version)


def _method(row: ManualMethodRow) -> ManualMethod:
    fee_currency = row.fixed_fee_currency or row.account_currency
    return ManualMethod(
        id=row.id or 0, seller_id=row.seller_id, name=row.name,
        account_currency=row.account_currency, description=row.description,
        comment_hint=row.comment_hint, commission_percent=Decimal(row.commission_percent),
        fixed_fee=Money.from_minor_units(row.fixed_fee_minor, fee_currency).amount,
        fixed_fee_currency=row.fixed_fee_currency,
        accepted_currencies=tuple(c for c in row.accepted_currencies.split(",") if c),
        charge_currency=row.charge_currency, timeout=timedelta(seconds=row.timeout_seconds),
        fiscal=row.fiscal, builtin=row.builtin)
