"""Payment attempts: each card payment of an invoice is an attempt with its own provider order id.

The invoice's pay link and QR never change; behind them, attempt n is known to the provider as
`{code}-{n}` (invoices made before attempts existed keep their one order id, `cp-{id}`, as
attempt 1). A declined attempt does not end the invoice: the buyer may start another until it
expires. Each attempt keeps the provider's last word about it, so callbacks, polls and expiry
work per attempt; what that word means for the invoice is decided in domain.invoice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain import events
from domain.declines import code_in, decline_text

if TYPE_CHECKING:
    from domain.invoice import InvoiceStatus


class AttemptState(StrEnum):
    IN_FLIGHT = "in_flight"  #: issued: the provider may still take, or settle, a payment on it
    DECLINED = "declined"  #: the bank or the card refused (LiqPay `failure`)
    FAILED = "failed"  #: the provider's order itself failed (LiqPay `error`)
    PAID = "paid"


#: the provider's words for an order that failed as an order, not as a card payment
ORDER_FAILED_STATUSES = frozenset({"error"})


def order_id_for(code: str, number: int) -> str:
    """The provider order id of an invoice's attempt `number` (from 1)."""
    return f"{code}-{number}"


@dataclass
class Attempt:
    """One attempt to pay an invoice by card. Only the Invoice aggregate changes it."""

    number: int
    order_id: str
    created_at: datetime
    provider: str = "liqpay"
    state: AttemptState = AttemptState.IN_FLIGHT
    pay_url: str | None = None  #: the provider's checkout link for this attempt
    provider_status: str | None = None  #: the provider's last word about this order
    #: the provider's last word is a payment still in progress (processing, 3ds_verify, ...)
    processing: bool = False
    decline_code: str | None = None  #: the provider's code (LiqPay `err_code`); never shown raw
    decline_reason: str | None = None  #: the provider's own description, kept for support
    provider_payment_id: str | None = None
    #: the provider's own id of this order, when it makes one (given back with its link)
    provider_ref: str | None = None
    #: when the provider dated its last word about this order, if it dates them
    modified_at: datetime | None = None
    #: the merchant account this attempt is paid into, when the buyer chose its provider
    account_id: int | None = None

    def older_than_known(self, modified_at: datetime | None) -> bool:
        """Whether a fact dated `modified_at` is older than the last word already taken: the
        provider delivered it late, and it never overwrites a newer state."""
        return (modified_at is not None and self.modified_at is not None
                and modified_at < self.modified_at)

    def dated(self, modified_at: datetime | None) -> None:
        if modified_at is not None and (self.modified_at is None or modified_at > self.modified_at):
            self.modified_at = modified_at

    @property
    def in_flight(self) -> bool:
        return self.state is AttemptState.IN_FLIGHT

    @property
    def declined(self) -> bool:
        """Declined or failed: this attempt will not pay, the buyer may start another."""
        return self.state in (AttemptState.DECLINED, AttemptState.FAILED)

    def paid(self, raw_status: str, payment_id: str | None) -> bool:
        """A verified success on this order (also after a decline: a success is never dropped)."""
        if self.state is AttemptState.PAID and self.provider_payment_id in (None, payment_id):
            changed = self.provider_payment_id is None and payment_id is not None
            self.provider_payment_id = self.provider_payment_id or payment_id
            return changed
        if self.state is AttemptState.PAID:
            return False  # a second payment on the same order: the invoice records it
        self.state, self.processing, self.provider_status = AttemptState.PAID, False, raw_status
        self.provider_payment_id = payment_id
        return True

    def refused(self, raw_status: str, code: str | None, reason: str | None) -> bool:
        """The provider says this order was declined or failed. A paid attempt stays paid."""
        state = (AttemptState.FAILED if raw_status in ORDER_FAILED_STATUSES
                 else AttemptState.DECLINED)
        if self.state is AttemptState.PAID:
            return False
        if (self.state, self.provider_status, self.decline_code) == (state, raw_status, code):
            return False  # the same word again
        self.state, self.processing, self.provider_status = state, False, raw_status
        self.decline_code, self.decline_reason = code, reason
        return True

    def in_progress(self, raw_status: str) -> bool:
        """The provider says a payment on this order is under way (the buyer may have retried
        on a declined order's own checkout page: it is in flight again)."""
        if self.state is AttemptState.PAID:
            return False
        if self.in_flight and self.processing and self.provider_status == raw_status:
            return False
        self.state, self.processing, self.provider_status = (
            AttemptState.IN_FLIGHT, True, raw_status)
        self.decline_code = self.decline_reason = None
        return True



class InvoiceAttempts:
    """Mixed into domain.invoice.Invoice: its attempts, and starting a new one after a decline.
    What a provider's fact about an attempt means for the invoice stays in Invoice.apply."""

    if TYPE_CHECKING:
        id: str
        code: str
        provider: str
        account_id: int | None
        status: InvoiceStatus
        settling: bool
        expires_at: datetime
        attempts: list[Attempt]
        events: list[events.Event]

    @property
    def latest_attempt(self) -> Attempt:
        """The buyer's latest card payment attempt: its `state` (in flight, declined, failed,
        paid) and `decline_code` tell the pay page whether to offer *Try again*."""
        return self.attempts[-1]

    @property
    def attempts_in_flight(self) -> list[Attempt]:
        """The attempts the provider may still settle: polls and expiry ask about each."""
        return [a for a in self.attempts if a.in_flight]

    @property
    def attempts_unpaid(self) -> list[Attempt]:
        """Every attempt that has not paid, newest first: expiry and the seller's *Check
        status* ask about each (a declined order may still be paid on its own checkout page,
        and its callback lost)."""
        return [a for a in reversed(self.attempts) if a.state is not AttemptState.PAID]

    def attempt_for(self, order_id: str) -> Attempt | None:
        return next((a for a in self.attempts if a.order_id == order_id), None)

    def start_attempt(self, at: datetime, provider: str | None = None,
                      account_id: int | None = None) -> Attempt | None:
        """The buyer pays again after a decline, or chose another provider (`provider` and its
        `account_id`): a new attempt with the next order id, whose link is then issued
        (Invoice.issue_link). None while the latest attempt, on the provider chosen, is still in
        flight (its link is the one to use) or when the invoice cannot be paid any more. An
        attempt left in flight on another provider stays watched: it may still pay."""
        from domain.invoice import InvoiceStatus  # here: domain.invoice imports this module
        if self.status is not InvoiceStatus.PENDING or self.settling or at >= self.expires_at:
            return None
        latest = self.latest_attempt
        # an attempt without its own account is on the one the invoice was made with
        current = (latest.provider,
                   latest.account_id if latest.account_id is not None else self.account_id)
        wanted = current if provider is None else (provider, account_id)
        if not latest.declined and wanted == current:
            return None
        number = latest.number + 1
        own = None if wanted == (self.provider, self.account_id) else wanted[1]
        attempt = Attempt(number, order_id_for(self.code, number), at, wanted[0], account_id=own)
        self.attempts.append(attempt)
        self.events.append(events.AttemptStarted(self.id, number, attempt.order_id))
        return attempt

    def _processing(self) -> bool:
        """Whether the provider's last word on some attempt is a payment still in progress."""
        return any(a.in_flight and a.processing for a in self.attempts)

def decline_reason(code: str | None, description: str | None, lang: str) -> str:
    """Why an attempt was declined, in words a person reads in `lang` (the seller's note, the
    buyer's page). The one place a provider's decline becomes words: a table of LiqPay's
    err_codes (domain.declines) sorts it into a kind with its own words; a code it does not know
    reads as a generic refusal. The provider's description (English) is never shown: it stays in
    the event for support's history."""
    return decline_text(code or code_in(description), lang, description)
