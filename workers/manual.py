"""Manual payments (domain.manual) in the database: opened by the buyer on the pay page or by
the seller (the first of two steps for a card invoice), approved or rejected by the seller,
rejected by the scheduler's scan after their timeout, recorded by the seller at once, refunded
by hand.

Each runs in one transaction under the invoice's row lock, and the payment is written back with
a version check: of two approves racing exactly one is written, the other is told it was
decided already. A payment's transitions go into its invoice's history (invoice_events) with
the invoice's own, so the seller's messages, the receipt and the shop webhook follow the paths
a card payment takes.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from domain import commands
from domain.errors import InvalidTransition, RefundNotAllowed
from domain.i18n import t
from domain.invoice import SETTLED, Invoice, InvoiceStatus
from domain.manual import ManualMethod, ManualPayment, ManualState
from domain.money import Money
from storage.repository import new_code, new_id
from storage.uow import UnitOfWork
from storage.wiring import Wired
from workers.notify import deliver, tell
from workers.runtime import Deps
from workers.txn import retrying

log = logging.getLogger(__name__)


def seller_by(seller_id: int) -> str:
    """Who a seller is in a payment's history."""
    return f"seller:{seller_id}"


def _history(invoice: Invoice, payment: ManualPayment) -> None:
    """The payment's transitions become lines of its invoice's history."""
    invoice.events.extend(payment.events)
    payment.events.clear()


def _timeout(method: ManualMethod, default: timedelta) -> timedelta:
    """A stored method's own timeout; the built-in *Cash* nobody edited: the setting's."""
    return method.timeout if method.id else default


def open_payment(uow_factory: Callable[[], UnitOfWork], default_timeout: timedelta, *,
                 code: str, method_id: int, paid_on: date, comment: str, by: str,
                 payment_id: str, seller_id: int | None = None, email: str | None = None,
                 language: str = "uk") -> tuple[str, list[int]]:
    """Open a manual payment on an invoice. `seller_id`: the seller's own step (their invoice
    only, payable or closed unpaid); else the buyer's, on a payable invoice. One open payment
    per invoice at a time; a buyer's `email` gets the receipt once it is approved. Returns the
    outcome ("opened", "duplicate", "exists": another is open, "not_found", "not_payable",
    "no_method") and the events to notify."""
    def attempt() -> tuple[str, list[int]]:
        with uow_factory() as uow:
            invoice = uow.invoices.by_code(code, for_update=True)
            if invoice is None or (seller_id is not None and invoice.seller_id != seller_id):
                return "not_found", []
            payable = invoice.status is InvoiceStatus.PENDING if seller_id is None \
                else invoice.status not in SETTLED
            if uow.manual.get(payment_id) is not None:
                return "duplicate", []  # a redelivered command, a double submit
            if any(p.is_open for p in uow.manual.for_invoice(invoice.id)):
                return "exists", []
            if not payable:
                return "not_payable", []
            method = uow.manual.method(invoice.seller_id, method_id, invoice.amount.currency)
            if method is None:
                return "no_method", []
            at = datetime.now(UTC)
            # paid in the method's charge currency when it does not take the invoice's: the
            # declaration names the invoice's amount, and the seller corrects it on approval
            charged = method.charge_in(invoice.amount.currency)
            said = comment if charged == invoice.amount.currency \
                else f"[{charged}] {comment}".strip()
            payment = ManualPayment.open(
                id=payment_id, invoice_id=invoice.id, seller_id=invoice.seller_id,
                method_id=method.id, method_name=method.name, amount=invoice.amount,
                paid_on=paid_on, comment=said, created_at=at,
                expires_at=at + _timeout(method, default_timeout), created_by=by)
            if email:  # the receipt follows the approval, as it follows a card payment
                invoice.give_buyer_details(email, language, invoice.buyer_name,
                                           invoice.buyer_phone)
            _history(invoice, payment)
            uow.manual.add(payment)
            uow.invoices.save(invoice)
            uow.commit()
            return "opened", uow.notify_ids
    return retrying(attempt)


def open_by_seller(cmd: commands.OpenManualPayment, d: Deps) -> None:
    outcome, notify = open_payment(
        d.uow, d.settings.manual_payment_timeout, code=cmd.code, method_id=cmd.method_id,
        paid_on=date.fromisoformat(cmd.paid_on), comment=cmd.comment,
        by=seller_by(cmd.seller_id), payment_id=cmd.payment_id, seller_id=cmd.seller_id)
    # the seller's own step asks them to approve, as a buyer's would; else they hear why not
    deliver(notify, d)
    if outcome in ("not_payable", "no_method", "exists"):
        _tell(d, cmd.seller_id, f"manual_{outcome}")


def _tell(d: Deps, seller_id: int, key: str, state: str | None = None) -> None:
    """Tell the seller, in their language, why nothing happened (`state`: the payment's)."""
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(seller_id)
    if seller is not None:
        lang = seller.language
        tell(d, seller.channel, seller.external_id, t(
            lang, key, state=t(lang, f"manual_state_{state}") if state else ""))


def decide(cmd: commands.DecideManualPayment, d: Deps) -> None:
    """The seller approved or rejected: the payment changes once, and the invoice with it."""
    outcome, notify, payment = retrying(lambda: _decide(d.uow, cmd))
    deliver(notify, d)
    if outcome in ("decided", "already_paid") and payment is not None:
        _tell(d, cmd.seller_id, f"manual_{outcome}", str(payment.state))


def _decide(uow_factory: Callable[[], UnitOfWork], cmd: commands.DecideManualPayment,
            ) -> tuple[str, list[int], ManualPayment | None]:
    with uow_factory() as uow:
        payment = uow.manual.get(cmd.payment_id)
        if payment is None or payment.seller_id != cmd.seller_id:
            return "not_found", [], None  # never another seller's payment
        invoice = uow.invoices.get(payment.invoice_id, for_update=True)
        payment = uow.manual.get(cmd.payment_id)  # as it is under the invoice's lock
        assert invoice is not None and payment is not None
        at, by = datetime.now(UTC), seller_by(cmd.seller_id)
        outcome = "approved" if cmd.approve else "rejected"
        try:
            if cmd.approve:
                payment.approve(by, at, amount=_corrected(payment.amount, cmd),
                                paid_on=date.fromisoformat(cmd.paid_on) if cmd.paid_on else None,
                                comment=cmd.comment)
            else:
                payment.reject(by, at, cmd.reason)
        except InvalidTransition:
            return "decided", [], payment
        _history(invoice, payment)
        if cmd.approve and not invoice.pay_manually(payment.amount, payment.method_name, at):
            outcome = "already_paid"  # paid by card meanwhile: the approval stays on record
        uow.manual.save(payment)
        uow.invoices.save(invoice)
        uow.commit()
        return outcome, uow.notify_ids, payment


def _corrected(declared: Money, cmd: commands.DecideManualPayment) -> Money | None:
    if cmd.amount is None and cmd.currency is None:
        return None
    currency = cmd.currency or declared.currency
    value = Decimal(cmd.amount) if cmd.amount is not None else declared.amount
    return Money(value.quantize(Money.from_minor_units(0, currency).amount), currency)


def auto_reject(d: Wired, moment: datetime) -> int:
    """The scheduler's scan: open payments past their timeout are rejected, the seller told
    (through the outbox). Returns how many."""
    with d.uow().readonly() as uow:
        due = uow.manual.due_for_auto_reject(moment)
    for payment_id in due:
        def attempt(payment_id: str = payment_id) -> list[int]:
            with d.uow() as uow:
                payment = uow.manual.get(payment_id)
                if payment is None:
                    return []
                invoice = uow.invoices.get(payment.invoice_id, for_update=True)
                payment = uow.manual.get(payment_id)
                assert invoice is not None and payment is not None
                if not payment.expire(moment):
                    return []  # decided meanwhile
                _history(invoice, payment)
                uow.manual.save(payment)
                uow.invoices.save(invoice)
                uow.commit()
                return uow.notify_ids
        for event_id in retrying(attempt):
            d.bus.publish(commands.NotifySeller(event_id))
    if due:
        log.info("Auto-rejected %d manual payment(s) past their timeout.", len(due))
    return len(due)


def record(cmd: commands.RecordManualPayment, d: Deps) -> None:
    """*Record payment*: an approved manual payment and its invoice, paid, flagged manual, in
    one transaction, once per key; the seller gets the usual paid message."""
    with d.uow() as uow:
        if uow.invoices.by_key(cmd.idempotency_key) is not None:
            return
        seller = uow.sellers.get(cmd.seller_id)
        method = uow.manual.method(cmd.seller_id, cmd.method_id, cmd.currency)
        if seller is None or method is None:
            return
        at = datetime.now(UTC)
        amount = Money(Decimal(cmd.amount), cmd.currency)
        invoice = Invoice.create(
            id=new_id(), code=new_code(), seller_id=cmd.seller_id, amount=amount,
            description=cmd.comment, provider="manual", idempotency_key=cmd.idempotency_key,
            created_at=at, expires_at=at, channel=cmd.channel, chat_id=cmd.chat_id)
        payment = ManualPayment.recorded(
            seller_by(cmd.seller_id), at, id=f"rec-{invoice.id}", invoice_id=invoice.id,
            seller_id=cmd.seller_id, method_id=method.id, method_name=method.name,
            amount=amount, paid_on=date.fromisoformat(cmd.paid_on), comment=cmd.comment,
            expires_at=at)
        _history(invoice, payment)
        invoice.pay_manually(amount, method.name, at)
        try:
            uow.invoices.add(invoice)  # a duplicate key fails here
            uow.manual.add(payment)
            uow.commit()
        except IntegrityError:
            log.info("Payment for key %s was recorded concurrently.", cmd.idempotency_key)
            return
        notify = uow.notify_ids
    deliver(notify, d)


def refund(cmd: commands.RefundManualPayment, d: Deps) -> None:
    """*Refund* on an invoice paid by hand: its approved payment is marked refunded, with the
    seller's comment, and the invoice refunded; no provider is called."""
    def attempt() -> tuple[bool, list[int], str]:
        with d.uow() as uow:
            invoice = uow.invoices.by_code(cmd.code, for_update=True)
            if invoice is None or invoice.seller_id != cmd.seller_id:
                return False, [], ""
            approved = [p for p in uow.manual.for_invoice(invoice.id)
                        if p.state is ManualState.APPROVED]
            if not approved:
                return False, [], invoice.channel
            payment, at = approved[-1], datetime.now(UTC)
            payment.refund(seller_by(cmd.seller_id), at, cmd.comment)
            _history(invoice, payment)
            try:
                invoice.refund_manually(f"{payment.id}-refund", payment.amount, at)
            except RefundNotAllowed:
                log.info("Invoice %s has nothing left to refund; payment marked only.",
                         invoice.id)
            uow.manual.save(payment)
            uow.invoices.save(invoice)
            uow.commit()
            return True, uow.notify_ids, invoice.channel
    done, notify, _ = retrying(attempt)
    deliver(notify, d)
    if not done:
        _tell(d, cmd.seller_id, "refund_nothing_left")
