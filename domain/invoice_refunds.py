"""Refunds of an invoice (see domain.refunds): the part of the Invoice aggregate that holds back
what the seller asked to refund, and matches the provider's refund facts to those refunds.

Keyed by their own identity (ours, the provider's when given): the refunded total is the sum of
done refunds, never counts one refund's steps twice, and never exceeds what was paid.

One at a time: while a refund of the invoice is in flight (requested or pending), a further
one is refused (`refund_in_flight`, naming the amount in flight), so a running refund total the
provider reports is read against what was done before plus that one refund (domain.refunds.
reconcile), never guessed among several.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain import events
from domain.errors import InvalidTransition, RefundNotAllowed
from domain.money import Money
from domain.ports import ProviderStatus
from domain.refunds import Refund, reconcile, total

if TYPE_CHECKING:
    from domain.invoice import InvoiceStatus


class InvoiceRefunds:
    """Mixed into domain.invoice.Invoice, whose fields and properties these methods use."""

    if TYPE_CHECKING:
        id: str
        amount: Money
        status: InvoiceStatus
        provider_status: str | None
        paid_amount: Money | None
        manual: bool
        refunds: list[Refund]
        events: list[events.Event]

    @property
    def refunded_amount(self) -> Money | None:
        """The sum of the done refunds in the paid currency; None: nothing refunded."""
        if not any(r.is_done for r in self.refunds):
            return None
        return total(self.refunds, (self.paid_amount or self.amount).currency)

    @property
    def refundable(self) -> Money:
        """What may still be refunded: paid, less done refunds and those still open."""
        from domain.invoice import InvoiceStatus  # here: domain.invoice imports this module
        paid = self.paid_amount or self.amount
        if self.status not in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
            return Money.from_minor_units(0, paid.currency)
        left = paid - total(self.refunds, paid.currency, held=True)
        return left if left.amount > 0 else Money.from_minor_units(0, paid.currency)

    @property
    def refund_in_flight(self) -> Refund | None:
        """The one refund asked for and not yet final (requested or pending), if any."""
        return next((r for r in self.refunds if r.is_open), None)

    def refund_manually(self, refund_id: str, amount: Money, at: datetime) -> bool:
        """The seller gave a manual payment back by hand: a done refund, no provider call."""
        if not self.manual or any(r.id == refund_id for r in self.refunds):
            return False
        refund = self._hold(refund_id, amount, at)
        return self._finish(refund, "manual")

    def request_refund(self, refund_id: str, amount: Money | None, at: datetime) -> Refund:
        """Hold back `amount` (None: all that is left) for a card refund the seller asked for.

        Asking again with the same refund id returns the same refund (a double tap, a
        redelivered command). Raises RefundNotAllowed when the amount is not left to refund,
        when another refund is still in flight (one at a time), or when the invoice was paid
        by hand (it is refunded by hand, never through the provider).
        """
        for refund in self.refunds:
            if refund.id == refund_id:
                return refund
        if self.manual:
            raise RefundNotAllowed("refund_paid_by_hand", self.paid_amount or self.amount)
        return self._hold(refund_id, amount, at)

    def _hold(self, refund_id: str, amount: Money | None, at: datetime) -> Refund:
        left = self.refundable
        if left.amount <= 0:
            raise RefundNotAllowed("refund_nothing_left", left)
        wanted = left if amount is None else amount
        if wanted.currency != left.currency or wanted.amount <= 0 or wanted.amount > left.amount:
            raise RefundNotAllowed("refund_more_than_left", left)
        flying = self.refund_in_flight
        if flying is not None:
            raise RefundNotAllowed("refund_in_flight", flying.amount)
        refund = Refund(id=refund_id, invoice_id=self.id, amount=wanted, created_at=at)
        self.refunds.append(refund)
        self.events.append(events.RefundRequested(
            self.id, refund_id, str(wanted.amount), wanted.currency))
        return refund

    def refund_answered(self, refund_id: str, fact: ProviderStatus, at: datetime) -> bool:
        """The provider's answer to our refund call: done, pending or refused."""
        refund = next((r for r in self.refunds if r.id == refund_id), None)
        if refund is None:
            raise InvalidTransition(f"No refund {refund_id} on invoice {self.id}.")
        if fact.outcome == "failed":
            if not refund.refuse(fact.raw_status, fact.error_description or fact.error_code):
                return False
            self.events.append(events.RefundRefused(
                self.id, refund.id, str(refund.amount.amount), refund.amount.currency,
                refund.reason))
            return True
        refund.provider_refund_id = refund.provider_refund_id or fact.refund_id
        if fact.outcome in ("reversed", "refunded"):
            return self._finish(refund, fact.raw_status)
        return self._pend(refund, fact.raw_status)

    def _refund_fact(self, fact: ProviderStatus, at: datetime) -> bool:
        """A refund fact from a callback or a status call, matched to the refund it is about:
        by the provider's refund id, else to an open refund of that amount, else it is one we
        did not ask for. The same fact twice changes nothing."""
        from domain.invoice import InvoiceStatus  # here: domain.invoice imports this module
        if self.status not in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
            return False
        if self.needs_refund_status(fact):
            return False  # read from the provider's status instead (workers.refunds)
        paid = self.paid_amount or self.amount
        if fact.refund_total is not None and fact.refund_total.currency == paid.currency:
            return self._refund_total_seen(fact, at)
        amount = fact.refund_total or fact.amount or self.refundable
        if amount.currency != paid.currency:
            return self._foreign_refund(fact, amount, at)
        done = fact.outcome != "refund_pending"
        refund = self._match_refund(fact, amount)
        if refund is None:
            if any(r.amount == amount and r.provider_refund_id == fact.refund_id
                   and (not done or r.raw_status == fact.raw_status) for r in self.refunds):
                return False  # the same fact again, or a late "pending" of a finished one
            amount = min(amount, self.refundable, key=lambda m: m.amount)
            if amount.amount <= 0:
                return False  # never more than was paid
            refund = self._reported(amount, fact, at)
        return self._finish(refund, fact.raw_status) if done \
            else self._pend(refund, fact.raw_status)

    def _match_refund(self, fact: ProviderStatus, amount: Money) -> Refund | None:
        if fact.refund_id is not None:
            for refund in self.refunds:
                if refund.provider_refund_id == fact.refund_id:
                    return refund
        for refund in self.refunds:
            if refund.is_open and refund.amount == amount and (
                    refund.provider_refund_id in (None, fact.refund_id)):
                refund.provider_refund_id = fact.refund_id
                return refund
        return None

    def _refund_total_seen(self, fact: ProviderStatus, at: datetime) -> bool:
        """The provider states everything refunded so far: read it against what was done
        before plus the one refund in flight (domain.refunds.reconcile). It finishes that refund
        only when it adds up exactly; money nobody here asked for is recorded as a refund of
        its own, once (the same total again finds it counted)."""
        assert fact.refund_total is not None
        paid = self.paid_amount or self.amount
        flying = self.refund_in_flight
        if flying is not None and flying.amount.currency != paid.currency:
            flying = None
        before = total(self.refunds, paid.currency)
        done, reported = reconcile(fact.refund_total, before, flying.amount if flying else None)
        changed = False
        # never more than was paid, beside what is held for the refund in flight; if that one
        # no longer fits, the provider refuses it, and its status then tells the rest
        rest = min(reported, self.refundable, key=lambda m: m.amount)
        if rest.amount > 0:
            changed = self._finish(self._reported(rest, fact, at), fact.raw_status)
        if flying is not None and done:
            changed = self._finish(flying, fact.raw_status) or changed
        elif flying is not None and fact.outcome == "refund_pending" \
                and fact.amount in (None, flying.amount):
            changed = self._pend(flying, fact.raw_status) or changed
        return changed

    def needs_refund_status(self, fact: ProviderStatus) -> bool:
        """A `reversed` word without the provider's running total, after part was refunded (or
        while another amount is in flight): it does not say how much went back, so it is not
        read as "all of it"; the provider's status is asked instead (see workers.refunds)."""
        if fact.outcome != "reversed" or fact.refund_total is not None:
            return False
        paid, flying = self.paid_amount or self.amount, self.refund_in_flight
        return any(r.is_done and r.amount.currency == paid.currency for r in self.refunds) or (
            flying is not None and fact.amount not in (None, flying.amount))

    def _foreign_refund(self, fact: ProviderStatus, amount: Money, at: datetime) -> bool:
        """A refund in another currency than was paid cannot be weighed against it: it is
        recorded as it came (never dropped, never converted) and makes the invoice partly
        refunded."""
        if any(r.amount == amount and r.raw_status == fact.raw_status for r in self.refunds):
            return False
        return self._finish(self._reported(amount, fact, at), fact.raw_status)

    def _reported(self, amount: Money, fact: ProviderStatus, at: datetime) -> Refund:
        refund = Refund(id=f"{self.id}-p{len(self.refunds) + 1}", invoice_id=self.id,
                        amount=amount, created_at=at, ours=False,
                        provider_refund_id=fact.refund_id, raw_status=fact.raw_status)
        self.refunds.append(refund)
        return refund

    def _pend(self, refund: Refund, raw_status: str) -> bool:
        if not refund.pend(raw_status):
            return False
        self.events.append(events.RefundPending(
            self.id, refund.id, str(refund.amount.amount), refund.amount.currency, raw_status))
        return True

    def _finish(self, refund: Refund, raw_status: str) -> bool:
        from domain.invoice import InvoiceStatus  # here: domain.invoice imports this module
        if not refund.finish(raw_status):
            return False
        paid = self.paid_amount or self.amount
        done = total(self.refunds, paid.currency)
        full = done.amount >= paid.amount
        self.status = InvoiceStatus.REFUNDED if full else InvoiceStatus.PARTIALLY_REFUNDED
        self.provider_status = raw_status
        self.events.append(events.InvoiceRefunded(
            self.id, str(refund.amount.amount), refund.amount.currency, full, raw_status,
            refund.id, str(done.amount)))
        return True
