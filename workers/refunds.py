"""Refunding a paid invoice, one refund at a time: hold the amount back and take the refund's
lease under the invoice's row lock, then ask the provider (with the invoice's own account), then
record its answer and tell the seller.

Never more than was paid, never one refund sent twice:
- the amount is reserved in the database (SELECT … FOR UPDATE on the invoice, and the version
  check besides) before the provider is called, and while a refund of the invoice is in flight
  a further one is refused (domain.invoice_refunds), so two Confirm taps racing make one refund;
- only the worker holding the refund's lease (domain.refunds.REFUND_LEASE, 60 s, claimed in
  the database) calls LiqPay's `refund`; a second worker or a redelivered command while it is
  held calls nobody and leaves it to the holder;
- a lease that expired unanswered (the holder died, or LiqPay did not answer) is taken over by
  the next command or by the reconciler (`reconcile_refunds`), which FIRST asks LiqPay's status
  what was refunded and sends the refund only if LiqPay has not done it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from domain import commands
from domain.errors import (
    ProviderRejected,
    ProviderUnavailable,
    RefundNotAllowed,
    ServiceUnavailable,
)
from domain.i18n_refunds import refusal_text
from domain.invoice import Invoice
from domain.money import Money
from domain.ports import PaymentProvider, ProviderStatus
from domain.refunds import Refund, RefundState
from storage.uow import UnitOfWork
from workers.notify import deliver, tell
from workers.runtime import Deps
from workers.txn import retrying

log = logging.getLogger(__name__)


@dataclass
class Reserved:
    """What `reserve` found: the invoice and its refund, whether this worker holds the refund's
    lease (and so may call the provider for it), or why it may not be refunded."""

    invoice: Invoice | None = None
    refund: Refund | None = None
    claimed: bool = False
    refused: RefundNotAllowed | None = None


def reserve(uow_factory: Callable[[], UnitOfWork], cmd: commands.RefundInvoice) -> Reserved:
    """Hold the refund's amount back on the invoice and take its lease (under the invoice's
    row lock). A refund asked for again (a double tap, a redelivered command) is the same
    refund; its lease is taken only if nobody holds it and the provider has not answered."""
    def attempt() -> Reserved:
        with uow_factory() as uow:
            invoice = uow.invoices.by_code(cmd.code, for_update=True)
            if invoice is None or invoice.seller_id != cmd.seller_id:
                return Reserved()
            now = datetime.now(UTC)
            refund = next((r for r in invoice.refunds if r.id == cmd.refund_id), None)
            if refund is None:
                amount = None if cmd.amount is None else Money(Decimal(cmd.amount),
                                                               invoice.refundable.currency)
                try:
                    refund = invoice.request_refund(cmd.refund_id, amount, now)
                except RefundNotAllowed as refused:
                    return Reserved(invoice, refused=refused)
            claimed = refund.claim(now)
            if claimed:
                uow.invoices.save(invoice)
                uow.commit()
            return Reserved(invoice, refund, claimed)
    return retrying(attempt)


def refund_invoice(cmd: commands.RefundInvoice, d: Deps) -> None:
    got = reserve(d.uow, cmd)
    if got.refused is not None and got.invoice is not None:
        _tell_refused(d, got.invoice, got.refused)
        return
    if got.invoice is None or got.refund is None:
        return
    if not got.claimed:  # answered already, or another worker holds the lease: it finishes
        log.info("Refund %s is answered or being sent by another worker; nothing sent.",
                 got.refund.id)
        return
    provider = d.accounts.for_invoice(got.invoice)
    if got.refund.ask_first and not _not_refunded_yet(d, provider, got.invoice, got.refund.id):
        return
    _send(d, provider, got.invoice, got.refund)


def reconcile_refunds(order_id: str, d: Deps) -> None:
    """Ask LiqPay what it refunded on the order and read that against what we know: a
    `reversed` word without the running total, a refused refund, a refund whose lease expired
    unanswered, or one LiqPay keeps pending (every PENDING_LOOK, in case its callback is lost).
    A refund in flight whose lease this takes over is sent only if LiqPay has not done it."""
    def claim() -> tuple[Invoice | None, Refund | None]:
        with d.uow() as uow:
            invoice = uow.invoices.by_order_id(order_id, for_update=True)
            if invoice is None:
                return None, None
            flying, now = invoice.refund_in_flight, datetime.now(UTC)
            if flying is not None and flying.look_due(now):  # pending: the next look planned
                uow.invoices.save(invoice)
                uow.commit()
                return invoice, None
            if flying is None or not flying.claim(now):
                return invoice, None
            uow.invoices.save(invoice)
            uow.commit()
            return invoice, flying
    invoice, claimed = retrying(claim)
    if invoice is None:
        return
    provider = d.accounts.for_invoice(invoice)
    if _not_refunded_yet(d, provider, invoice, claimed.id if claimed else None) and claimed:
        _send(d, provider, invoice, claimed)


def _not_refunded_yet(d: Deps, provider: PaymentProvider, invoice: Invoice,
                      refund_id: str | None) -> bool:
    """Ask LiqPay's status first and record what it says (its running refund total read
    against what was done before plus the refund in flight). True: the refund `refund_id` is
    still not done, so it may be sent; False: done, or LiqPay could not be asked (the lease
    stays until it expires, then the reconciler asks again)."""
    try:
        fact = provider.fetch_status(invoice.order_id)
    except (ProviderUnavailable, ProviderRejected) as exc:
        log.warning("Could not ask LiqPay what was refunded on %s: %s. Asked again once the "
                    "refund's lease expires.", invoice.order_id, exc)
        return False
    notified, state = _record(d, invoice.id, refund_id, fact, answer=False)
    deliver(notified, d)
    return state is RefundState.REQUESTED


def _send(d: Deps, provider: PaymentProvider, invoice: Invoice, refund: Refund) -> None:
    """Call the provider's refund, holding the refund's lease, and record its answer."""
    try:
        result = provider.refund(invoice.order_id, refund.amount, refund.id)
        fact = ProviderStatus(invoice.order_id, _outcome(result.raw_status), result.raw_status,
                              refund.amount, raw=result.raw)
    except ProviderUnavailable as exc:
        # it may have reached LiqPay: the lease is kept, and whoever takes it over once it
        # expires asks LiqPay's status before sending anything again
        log.warning("Refund %s of %s got no answer (%s); LiqPay is asked what it refunded "
                    "once the lease expires.", refund.id, invoice.order_id, exc)
        return
    except ProviderRejected as exc:
        fact = ProviderStatus(invoice.order_id, "failed", "error", refund.amount,
                              error_description=_reason(str(exc)))
    deliver(_record(d, invoice.id, refund.id, fact)[0], d)
    if fact.outcome == "failed":
        # refused: maybe LiqPay refunded more than we know of (in its cabinet, its callback
        # lost, or told while ours held its amount back): a worker reads what it refunded
        try:
            d.bus.publish(commands.ReconcileRefunds(invoice.order_id))
        except ServiceUnavailable:
            log.warning("Queue down; the refunds of %s are read at the next refusal or "
                        "callback.", invoice.order_id)


def _tell_refused(d: Deps, invoice: Invoice, refused: RefundNotAllowed) -> None:
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(invoice.seller_id)
    lang = seller.language if seller else "uk"
    tell(d, invoice.channel, invoice.chat_id, refusal_text(refused.reason, refused.left, lang))


def _record(d: Deps, invoice_id: str, refund_id: str | None, fact: ProviderStatus, *,
            answer: bool = True) -> tuple[list[int], RefundState | None]:
    """Record the provider's answer to our refund call (`answer`), or a status fact about the
    order. Returns the events to tell and the refund's state after it."""
    def attempt() -> tuple[list[int], RefundState | None]:
        with d.uow() as uow:
            invoice = uow.invoices.get(invoice_id, for_update=True)
            if invoice is None:
                return [], None
            at = datetime.now(UTC)
            assert refund_id is not None or not answer
            changed = (invoice.refund_answered(refund_id, fact, at)  # type: ignore[arg-type]
                       if answer else invoice.apply(fact, at))
            state = next((r.state for r in invoice.refunds if r.id == refund_id), None)
            if not changed:
                return [], state
            uow.invoices.save(invoice)
            uow.commit()
            return uow.notify_ids, state
    return retrying(attempt)


def _outcome(raw_status: str) -> str:
    """LiqPay answers a refund with `reversed` (all of it) or `success` (part of it) when it is
    done; anything else (`refund_wait`, `wait_accept`, ...) is still pending."""
    return "refunded" if raw_status in ("reversed", "success", "sandbox", "refund") \
        else "refund_pending"


def _reason(message: str) -> str:
    """The provider's own words from a refusal ("... refused refund for order X: code (why).")."""
    return message.split(": ", 1)[-1].rstrip(".") if ": " in message else message
