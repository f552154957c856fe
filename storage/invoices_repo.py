"""The invoice repository: invoices (with their attempts and refunds) to rows and back, and the
scans that find invoices whose poll, expiry or link is overdue."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.attempts import Attempt, AttemptState
from domain.invoice import UNPAID_FINAL, Invoice, InvoiceStatus
from domain.money import Money
from domain.refunds import Refund, RefundState
from storage.repository import ConcurrentUpdate, utc
from storage.tables import AttemptRow, InvoiceRow, RefundRow


class InvoiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: list[tuple[Invoice, str | None]] = []  #: with the status it was read in

    def add(self, invoice: Invoice, *, next_poll_at: datetime | None = None) -> None:
        row = InvoiceRow(id=invoice.id, version=0, polls_done=0, next_poll_at=next_poll_at,
                         message_id=invoice.message_id, **_columns(invoice))
        self.session.add(row)
        self.session.flush()
        self._save_attempts(invoice, new=True)
        self._save_refunds(invoice)
        self.seen.append((invoice, None))

    def get(self, invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.id == invoice_id), for_update)

    def by_code(self, code: str, *, for_update: bool = False) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.code == code), for_update)

    def by_key(self, idempotency_key: str) -> Invoice | None:
        return self._one(select(InvoiceRow).where(InvoiceRow.idempotency_key == idempotency_key))

    def by_order_id(self, order_id: str, *, for_update: bool = False) -> Invoice | None:
        """The invoice one of whose attempts the provider knows by this order id."""
        invoice_id = self.session.scalar(
            select(AttemptRow.invoice_id).where(AttemptRow.order_id == order_id[:64]))
        return None if invoice_id is None else self.get(invoice_id, for_update=for_update)

    def account_of_order(self, order_id: str) -> tuple[int | None, str] | None:
        """The merchant account (None: the platform's) of the attempt the provider knows by this
        order id (its own, else its invoice's), and that attempt's provider; None for an order
        we do not know. One look-up, where by_order_id reads the whole invoice: a callback needs
        only the keys to verify it with before the transaction that reads the invoice for
        update."""
        row = self.session.execute(
            select(func.coalesce(AttemptRow.account_id, InvoiceRow.account_id), AttemptRow.provider)
            .select_from(AttemptRow).join(InvoiceRow, AttemptRow.invoice_id == InvoiceRow.id)
            .where(AttemptRow.order_id == order_id[:64])).first()
        return None if row is None else (row[0], row[1])

    def provider_ref(self, order_id: str) -> tuple[str | None, int | None]:
        """The provider's own id of the attempt known by this order id (None: it made none, or
        no attempt has this id), and the merchant account it was made on (None: the invoice's)."""
        row = self.session.execute(
            select(AttemptRow.provider_ref, AttemptRow.account_id)
            .where(AttemptRow.order_id == order_id[:64])).first()
        return (row[0], row[1]) if row is not None else (None, None)

    def _one(self, query: Any, for_update: bool = False) -> Invoice | None:
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        invoice = _invoice(row)
        # read after the row (and its lock, when taken): a racing refund committed first is seen
        invoice.attempts = self._attempts([invoice.id])[invoice.id] or invoice.attempts
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
        self._save_attempts(invoice)
        self._save_refunds(invoice)

    def _attempts(self, invoice_ids: list[str]) -> dict[str, list[Attempt]]:
        found: dict[str, list[Attempt]] = {i: [] for i in invoice_ids}
        for r in self.session.scalars(select(AttemptRow).where(
                AttemptRow.invoice_id.in_(invoice_ids)).order_by(AttemptRow.number)):
            created = utc(r.created_at)
            assert created is not None
            found[r.invoice_id].append(Attempt(
                number=r.number, order_id=r.order_id, created_at=created, provider=r.provider,
                state=AttemptState(r.state), pay_url=r.pay_url,
                provider_status=r.provider_status, processing=r.processing,
                decline_code=r.decline_code, decline_reason=r.decline_reason,
                provider_payment_id=r.provider_payment_id, provider_ref=r.provider_ref,
                modified_at=utc(r.provider_modified_at), account_id=r.account_id))
        return found

    def _save_attempts(self, invoice: Invoice, *, new: bool = False) -> None:
        """Write the attempts back: those read with the invoice are in the session already (an
        unchanged one writes nothing); a new invoice's are added without looking them up."""
        for a in invoice.attempts:
            (self.session.add if new else self.session.merge)(AttemptRow(
                order_id=a.order_id, invoice_id=invoice.id, number=a.number,
                provider=a.provider, state=str(a.state), pay_url=a.pay_url,
                provider_status=a.provider_status, processing=a.processing,
                decline_code=(a.decline_code or None) and a.decline_code[:64],
                decline_reason=a.decline_reason,
                provider_payment_id=a.provider_payment_id, provider_ref=a.provider_ref,
                provider_modified_at=a.modified_at, account_id=a.account_id,
                created_at=a.created_at))
        self.session.flush()

    def _save_refunds(self, invoice: Invoice) -> None:
        for refund in invoice.refunds:
            self.session.merge(RefundRow(
                id=refund.id, invoice_id=invoice.id,
                amount_minor=refund.amount.to_minor_units(), currency=refund.amount.currency,
                state=str(refund.state), ours=refund.ours,
                provider_refund_id=refund.provider_refund_id, raw_status=refund.raw_status,
                reason=refund.reason, created_at=refund.created_at,
                lease_until=refund.lease_until, leases=refund.leases))
        if invoice.refunds:
            self.session.flush()

    def refunds_to_resume(self, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
        """(order id, refund id) of refunds asked for and unanswered whose lease expired before
        `now` (the worker that held it died or could not reach the provider), and of refunds
        the provider keeps pending whose next look is due (their callback may be lost)."""
        rows = self.session.execute(
            select(RefundRow.invoice_id, RefundRow.id)
            .where(RefundRow.state.in_([RefundState.REQUESTED.value,  # type: ignore[attr-defined]
                                        RefundState.PENDING.value]),
                   RefundRow.ours.is_(True),
                   (RefundRow.lease_until.is_(None)) | (RefundRow.lease_until < now))  # type: ignore[union-attr]
            .order_by(RefundRow.created_at).limit(limit))
        resumed = []
        for invoice_id, refund_id in rows:  # the order refunds go to: the attempt that paid
            invoice = self.get(invoice_id)
            if invoice is not None:
                resumed.append((invoice.order_id, refund_id))
        return resumed

    def schedule(self, invoice_id: str, **values: Any) -> None:
        self.session.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(**values))

    def open_for_seller(self, seller_id: int, limit: int = 20) -> list[Invoice]:
        rows = self.session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.seller_id == seller_id,
                   InvoiceRow.status.in_([InvoiceStatus.CREATED, InvoiceStatus.PENDING]))
            .order_by(InvoiceRow.created_at.desc()).limit(limit))
        invoices = [_invoice(r) for r in rows]
        attempts = self._attempts([i.id for i in invoices]) if invoices else {}
        for invoice in invoices:
            invoice.attempts = attempts[invoice.id] or invoice.attempts
        return invoices

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

    def poll_state_of(self, invoice_id: str) -> tuple[int, datetime | None, int] | None:
        """poll_state, or None when there is no such invoice."""
        row = self.session.execute(
            select(InvoiceRow.polls_done, InvoiceRow.next_poll_at, InvoiceRow.poll_errors)
            .where(InvoiceRow.id == invoice_id)).first()
        return None if row is None else (row[0], utc(row[1]), row[2])

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
                  reason=row.reason, lease_until=utc(row.lease_until), leases=row.leases or 0)

