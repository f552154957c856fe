"""Manual payments: money the seller receives outside the provider (cash, card to card, ...).

A manual method is the seller's terms for one way of being paid: its commission (percent,
decimals allowed, plus a fixed fee in its own currency), the account and accepted currencies,
the currency to charge in when the buyer's is not accepted, and how long an open payment waits.

A manual payment is `open` → `approved` | `rejected`; `approved` → `refunded`. Money-safety
rules held here:
- only an open payment can be approved or rejected, so a double approve, an approve after the
  auto-reject and a reject after an approve change nothing (InvalidTransition);
- an open payment past its timeout is rejected by the scheduler's scan (`expire`), never by a
  long-delayed message;
- every transition is recorded as an event on the invoice's history: who, when, what changed
  (with the corrected fields) and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain import events
from domain.errors import InvalidTransition
from domain.money import Money, round_money

#: how long an open manual payment waits for the seller (MANUAL_PAYMENT_TIMEOUT's default)
MANUAL_PAYMENT_TIMEOUT = timedelta(days=30)
CASH = "cash"  #: the built-in method's key: every seller has it, it cannot be removed
SYSTEM = "system"  #: who did a transition nobody tapped (the auto-reject)
BUYER = "buyer"  #: who declared a payment on the pay page


class ManualState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class ManualMethod:
    """A seller's way of being paid by hand, and its terms."""

    id: int
    seller_id: int
    name: str
    account_currency: str
    description: str = ""
    comment_hint: str = ""  #: what the buyer should write in the comment (e.g. "last 4 digits")
    commission_percent: Decimal = Decimal(0)
    fixed_fee: Decimal = Decimal(0)
    fixed_fee_currency: str | None = None  #: None: the account currency
    accepted_currencies: tuple[str, ...] = ()  #: empty: the account currency only
    charge_currency: str | None = None  #: when the buyer's is not accepted; None: account's
    timeout: timedelta = MANUAL_PAYMENT_TIMEOUT
    fiscal: bool = False  #: a fiscal receipt is registered for its payments (PRRO issue)
    builtin: bool = False  #: *Cash*: kept for every seller

    def accepts(self, currency: str) -> bool:
        return currency in (self.accepted_currencies or (self.account_currency,))

    def charge_in(self, buyer_currency: str) -> str:
        """The currency the buyer pays in: theirs when accepted, else the charge currency."""
        if self.accepts(buyer_currency):
            return buyer_currency
        return self.charge_currency or self.account_currency

    def fee(self, amount: Money) -> Money | None:
        """What this method costs on `amount`, in the amount's currency: the percent part and
        the fixed fee added, rounded once (see money.round_money). None when the fixed fee is in
        another currency: it cannot be added without a rate chatpay does not have."""
        fixed_currency = self.fixed_fee_currency or self.account_currency
        if self.fixed_fee and fixed_currency != amount.currency:
            return None
        return round_money(amount.amount * self.commission_percent / 100 + self.fixed_fee,
                           amount.currency)

    def net(self, amount: Money) -> Money | None:
        """What reaches the seller: the amount less the fee (None when the fee is not known)."""
        fee = self.fee(amount)
        return None if fee is None else amount - fee


@dataclass
class ManualPayment:
    id: str
    invoice_id: str
    seller_id: int
    method_id: int
    method_name: str
    amount: Money
    paid_on: date  #: the day the buyer says (or the seller records) the money was paid
    comment: str
    created_at: datetime
    expires_at: datetime  #: an open payment is rejected by itself after this
    created_by: str  #: "buyer", or the seller ("seller:{id}")
    state: ManualState = ManualState.OPEN
    reason: str | None = None  #: why it was rejected or refunded
    decided_at: datetime | None = None
    decided_by: str | None = None
    version: int = 0
    events: list[events.Event] = field(default_factory=list)

    @classmethod
    def open(cls, *, asks: bool = True, **kwargs: object) -> ManualPayment:
        """A declared payment, open until the seller decides (`asks`: they are asked to)."""
        payment = cls(**kwargs)  # type: ignore[arg-type]
        payment.events.append(events.ManualPaymentOpened(
            payment.invoice_id, payment.id, payment.method_name, str(payment.amount.amount),
            payment.amount.currency, payment.paid_on.isoformat(), payment.comment,
            payment.created_by, asks))
        return payment

    @classmethod
    def recorded(cls, by: str, at: datetime, **kwargs: object) -> ManualPayment:
        """A payment the seller records without the buyer: created approved ("completed")."""
        payment = cls.open(asks=False, created_by=by, created_at=at, **kwargs)
        payment.approve(by, at)
        return payment

    @property
    def is_open(self) -> bool:
        return self.state is ManualState.OPEN

    def _must_be(self, state: ManualState, doing: str) -> None:
        if self.state is not state:
            raise InvalidTransition(f"A manual payment that is {self.state} cannot be {doing}.")

    def approve(self, by: str, at: datetime, *, amount: Money | None = None,
                paid_on: date | None = None, comment: str | None = None) -> dict[str, str]:
        """The seller confirms the money came, correcting what the buyer said if need be.
        Returns the corrected fields (old → new), as the history records them."""
        self._must_be(ManualState.OPEN, "approved")
        changed: dict[str, str] = {}
        if amount is not None and amount != self.amount:
            changed["amount"] = f"{self.amount} → {amount}"
            self.amount = amount
        if paid_on is not None and paid_on != self.paid_on:
            changed["date"] = f"{self.paid_on.isoformat()} → {paid_on.isoformat()}"
            self.paid_on = paid_on
        if comment is not None and comment != self.comment:
            changed["comment"] = f"{self.comment} → {comment}"
            self.comment = comment
        self.state, self.decided_at, self.decided_by = ManualState.APPROVED, at, by
        self.events.append(events.ManualPaymentApproved(
            self.invoice_id, self.id, str(self.amount.amount), self.amount.currency,
            self.paid_on.isoformat(), by, changed))
        return changed

    def reject(self, by: str, at: datetime, reason: str) -> None:
        self._must_be(ManualState.OPEN, "rejected")
        self.state, self.decided_at, self.decided_by = ManualState.REJECTED, at, by
        self.reason = reason
        self.events.append(events.ManualPaymentRejected(
            self.invoice_id, self.id, by, reason, False, *self._what()))

    def expire(self, at: datetime) -> bool:
        """The auto-reject: an open payment nobody decided on within its timeout. Returns
        whether it was rejected (not yet due, or decided already: nothing happens)."""
        if not self.is_open or at < self.expires_at:
            return False
        self.state, self.decided_at, self.decided_by = ManualState.REJECTED, at, SYSTEM
        self.reason = "timeout"
        self.events.append(events.ManualPaymentRejected(
            self.invoice_id, self.id, SYSTEM, "timeout", True, *self._what()))
        return True

    def _what(self) -> tuple[str, str, str]:
        return self.method_name, str(self.amount.amount), self.amount.currency

    def refund(self, by: str, at: datetime, comment: str) -> None:
        """The seller gave the money back by hand: no provider is called."""
        self._must_be(ManualState.APPROVED, "refunded")
        self.state, self.reason = ManualState.REFUNDED, comment
        self.events.append(events.ManualPaymentRefunded(
            self.invoice_id, self.id, str(self.amount.amount), self.amount.currency, by,
            comment))


def builtin_cash(seller_id: int, currency: str) -> ManualMethod:
    """The *Cash* method every seller has, in their own currency, without a commission."""
    return ManualMethod(id=0, seller_id=seller_id, name="Cash", account_currency=currency,
                        accepted_currencies=(currency,), builtin=True)
