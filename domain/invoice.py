"""The Invoice aggregate: what may happen to an invoice, and the money-safety rules.

It checks preconditions, changes itself and records what happened in `self.events`; it never
calls anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain import events
from domain.errors import InvalidTransition
from domain.money import Money
from domain.ports import ProviderStatus


class InvoiceStatus(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


OPEN = frozenset({InvoiceStatus.CREATED, InvoiceStatus.PENDING})
#: final states a later verified success still overrides (paid late)
UNPAID_FINAL = frozenset({InvoiceStatus.FAILED, InvoiceStatus.EXPIRED, InvoiceStatus.CANCELLED})
SETTLED = frozenset({InvoiceStatus.PAID, InvoiceStatus.REFUNDED, InvoiceStatus.PARTIALLY_REFUNDED})


@dataclass(eq=False)
class Invoice:
    id: str
    code: str
    seller_id: int
    amount: Money
    description: str
    provider: str
    idempotency_key: str
    created_at: datetime
    expires_at: datetime
    channel: str
    chat_id: str
    status: InvoiceStatus = InvoiceStatus.CREATED
    pay_url: str | None = None
    provider_status: str | None = None
    provider_payment_id: str | None = None
    paid_amount: Money | None = None
    paid_at: datetime | None = None
    paid_late: bool = False
    failure_reason: str | None = None
    refunded_amount: Money | None = None
    message_id: str | None = None  #: the seller's invoice message, replied to on news
    version: int = 0
    events: list[events.Event] = field(default_factory=list)

    @classmethod
    def create(cls, **kwargs: object) -> Invoice:
        invoice = cls(**kwargs)  # type: ignore[arg-type]
        invoice.events.append(
            events.InvoiceCreated(invoice.id, str(invoice.amount.amount), invoice.amount.currency)
        )
        return invoice

    @property
    def order_id(self) -> str:
        """The id the provider knows this invoice by (idempotent creation at the provider)."""
        return f"cp-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def issue_link(self, pay_url: str) -> None:
        if self.status is not InvoiceStatus.CREATED:
            return  # the link was issued already: nothing changes, nothing is sent twice
        self.pay_url = pay_url
        self.status = InvoiceStatus.PENDING
        self.events.append(events.InvoiceLinkIssued(self.id))

    def apply(self, fact: ProviderStatus, at: datetime) -> bool:
        """Apply one fact from the provider. Returns whether anything changed.

        The same fact applied twice changes nothing; a verified success is never dropped.
        """
        if fact.order_id != self.order_id:
            raise InvalidTransition(f"Fact for {fact.order_id} applied to {self.order_id}.")
        if fact.outcome == "paid":
            return self._pay(fact, at)
        if fact.outcome == "failed":
            if not self.is_open:
                return False
            self.status = InvoiceStatus.FAILED
            self.provider_status = fact.raw_status
            self.failure_reason = fact.error_description or fact.error_code
            self.events.append(events.InvoiceFailed(self.id, fact.raw_status, self.failure_reason))
            return True
        if fact.outcome in ("reversed", "refunded"):
            return self._refunded(fact, fact.amount or self.paid_amount or self.amount)
        if fact.outcome == "pending":
            if not self.is_open or fact.raw_status == self.provider_status:
                return False
            self.provider_status = fact.raw_status
            self.events.append(events.ProviderStatusRecorded(self.id, fact.raw_status))
            return True
        return False  # "unknown": the provider has not seen the order yet

    def _pay(self, fact: ProviderStatus, at: datetime) -> bool:
        if self.status in SETTLED:
            return False
        late = self.status in UNPAID_FINAL
        received = fact.amount or self.amount
        self.status = InvoiceStatus.PAID
        self.paid_late = late
        self.paid_amount = received
        self.paid_at = at
        self.provider_status = fact.raw_status
        self.provider_payment_id = fact.provider_payment_id
        self.events.append(events.InvoicePaid(
            self.id, str(received.amount), received.currency, late, fact.raw_status,
            fact.provider_payment_id,
        ))
        return True

    def _refunded(self, fact: ProviderStatus, amount: Money) -> bool:
        if self.status not in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
            return False
        paid = self.paid_amount or self.amount
        total = amount if self.refunded_amount is None else self.refunded_amount + amount
        if self.refunded_amount is not None and fact.raw_status == self.provider_status:
            return False
        full = total.amount >= paid.amount
        self.refunded_amount = paid if full else total
        self.status = InvoiceStatus.REFUNDED if full else InvoiceStatus.PARTIALLY_REFUNDED
        self.provider_status = fact.raw_status
        self.events.append(events.InvoiceRefunded(
            self.id, str(amount.amount), amount.currency, full, fact.raw_status))
        return True

    def expire(self, now: datetime) -> bool:
        if not self.is_open or now < self.expires_at:
            return False
        self.status = InvoiceStatus.EXPIRED
        self.events.append(events.InvoiceExpired(self.id))
        return True

    def cancel(self) -> None:
        if not self.is_open:
            raise InvalidTransition(f"An invoice that is {self.status} cannot be cancelled.")
        self.status = InvoiceStatus.CANCELLED
        self.events.append(events.InvoiceCancelled(self.id))

    def note_unchanged(self) -> None:
        """Record that a check the seller asked for found nothing new (so they get an answer)."""
        self.events.append(events.StatusUnchanged(self.id, self.provider_status or self.status))
