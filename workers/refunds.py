"""Refunding a paid invoice: hold the amount back under the invoice's row lock, then ask the
provider (with the invoice's own account), then record its answer and tell the seller.

Never more than was paid: the amount is reserved in the database (SELECT … FOR UPDATE on the
invoice, and the version check besides) before the provider is called, so two taps or two
workers racing cannot both take the same money. Idempotent by our refund id: a redelivered
command whose refund the provider already answered calls nobody.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from domain import commands
from domain.errors import ProviderRejected, RefundNotAllowed
from domain.i18n import format_money, t
from domain.invoice import Invoice
from domain.money import Money
from domain.ports import PaymentProvider, ProviderStatus
from domain.refunds import RefundState
from storage.uow import UnitOfWork
from workers.notify import deliver, tell
from workers.runtime import Deps
from workers.txn import _retrying

log = logging.getLogger(__name__)


def reserve(uow_factory: Callable[[], UnitOfWork], cmd: commands.RefundInvoice
            ) -> tuple[Invoice | None, RefundState | None, RefundNotAllowed | None]:
    """Hold the refund's amount back on the invoice (under its row lock). Returns the invoice,
    the refund's state before this call (None: new), or why it may not be refunded."""
    def attempt() -> tuple[Invoice | None, RefundState | None, RefundNotAllowed | None]:
        with uow_factory() as uow:
            invoice = uow.invoices.by_code(cmd.code, for_update=True)
            if invoice is None or invoice.seller_id != cmd.seller_id:
                return None, None, None
            before = next((r.state for r in invoice.refunds if r.id == cmd.refund_id), None)
            if before is not None:
                return invoice, before, None
            amount = None if cmd.amount is None else Money(Decimal(cmd.amount),
                                                           invoice.refundable.currency)
            try:
                invoice.request_refund(cmd.refund_id, amount, datetime.now(UTC))
            except RefundNotAllowed as refused:
                return invoice, None, refused
            uow.invoices.save(invoice)
            uow.commit()
            return invoice, None, None
    return _retrying(attempt)


def refund_invoice(cmd: commands.RefundInvoice, d: Deps) -> None:
    invoice, before, refused = reserve(d.uow, cmd)
    if invoice is None:
        return
    if refused is not None:
        with d.uow().readonly() as uow:
            seller = uow.sellers.get(invoice.seller_id)
        lang = seller.language if seller else "uk"
        tell(d, invoice.channel, invoice.chat_id, t(
            lang, refused.reason, left=format_money(refused.left, lang)))  # type: ignore[arg-type]
        return
    if before is not None and before is not RefundState.REQUESTED:
        return  # answered already: a redelivered command calls nobody
    refund = next(r for r in invoice.refunds if r.id == cmd.refund_id)
    provider = d.accounts.for_invoice(invoice)
    if before is RefundState.REQUESTED:
        done = _reached_provider(provider, invoice, refund.amount)
        if done is not None:  # an earlier try refunded it: record what LiqPay says, once
            deliver(_record(d, invoice.id, cmd.refund_id, done, answer=False), d)
            return
    try:
        result = provider.refund(invoice.order_id, refund.amount)
        fact = ProviderStatus(invoice.order_id, _outcome(result.raw_status), result.raw_status,
                              refund.amount, raw=result.raw)
    except ProviderRejected as exc:  # ProviderUnavailable propagates: the actor retries
        reason = str(exc)
        fact = ProviderStatus(invoice.order_id, "failed", "error", refund.amount,
                              error_description=_reason(reason))
    deliver(_record(d, invoice.id, cmd.refund_id, fact), d)


def _reached_provider(provider: PaymentProvider, invoice: Invoice,
                      amount: Money) -> ProviderStatus | None:
    """A retried refund whose first try may have reached LiqPay (it timed out, or the worker
    died after the call): LiqPay's refund has no id of ours, so ask what it has refunded on the
    order. If that covers this refund too, it was done (the status fact says so); never call
    refund twice for it."""
    fact = provider.fetch_status(invoice.order_id)
    total, done = fact.refund_total, invoice.refunded_amount
    if total is None or total.currency != amount.currency:
        return None
    covered = total.amount >= (done.amount if done else 0) + amount.amount
    return fact if covered else None


def _record(d: Deps, invoice_id: str, refund_id: str, fact: ProviderStatus, *,
            answer: bool = True) -> list[int]:
    """Record the provider's answer to our refund call (`answer`), or a status fact about the
    order (its running refund total finishes the open refunds it covers)."""
    def attempt() -> list[int]:
        with d.uow() as uow:
            invoice = uow.invoices.get(invoice_id, for_update=True)
            if invoice is None:
                return []
            at = datetime.now(UTC)
            changed = (invoice.refund_answered(refund_id, fact, at) if answer
                       else invoice.apply(fact, at))
            if not changed:
                return []
            uow.invoices.save(invoice)
            uow.commit()
            return uow.notify_ids
    return _retrying(attempt)


def _outcome(raw_status: str) -> str:
    """LiqPay answers a refund with `reversed` (all of it) or `success` (part of it) when it is
    done; anything else (`refund_wait`, `wait_accept`, ...) is still pending."""
    return "refunded" if raw_status in ("reversed", "success", "sandbox", "refund") \
        else "refund_pending"


def _reason(message: str) -> str:
    """The provider's own words from a refusal ("... refused refund for order X: code (why).")."""
    return message.split(": ", 1)[-1].rstrip(".") if ": " in message else message
