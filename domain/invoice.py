"""The Invoice aggregate: what may happen to an invoice, and the money-safety rules.

It checks preconditions, changes itself and records what happened in `self.events`; it never
calls anything.

Money-safety rules held here:
- a verified success is never dropped: an expired, failed or cancelled invoice that later gets
  one becomes `paid`, flagged *paid late*;
- a success is compared with the invoice: another amount or currency is recorded as paid with a
  mismatch flag (the seller is told both amounts), and a second success with another provider
  payment id (the buyer paid twice) is recorded and told, never merged into the first;
- each card payment is an attempt with its own provider order id (domain.attempts); a declined
  attempt leaves the invoice open, the seller told once, and the invoice ends unpaid only by
  expiring (or being cancelled); a success on any attempt pays it, a success on another attempt
  after that is a second payment;
- expiry never closes an invoice blind: it takes the provider's answers of that moment about
  every attempt in flight, and a payment still in flight keeps the invoice open (settling) until
  the settle window ends;
- an unpaid invoice whose last provider word is a payment still in flight stays watched, and
  checkable, for the settle window;
- the same fact applied twice changes nothing and records nothing twice;
- refunds are keyed by their own identity (ours, the provider's when given; see
  domain.refunds): the refunded total is the sum of done refunds, never counts one refund's
  steps twice, and never exceeds what was paid; a refund the seller asks for holds its amount
  back until the provider answers, so two requests cannot refund the same money.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain import events
from domain.attempts import Attempt, AttemptState, InvoiceAttempts, order_id_for
from domain.errors import InvalidTransition
from domain.invoice_refunds import InvoiceRefunds
from domain.money import Money
from domain.ports import ProviderStatus
from domain.refunds import Refund


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
class Invoice(InvoiceAttempts, InvoiceRefunds):
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
    amount_mismatch: bool = False  #: paid, but not the amount or currency asked for
    #: the provider's last word is a payment still in progress (processing, 3ds_verify, ...)
    in_flight: bool = False
    #: past its expiry with a payment in flight: open until the provider settles or the window ends
    settling: bool = False
    #: provider payment ids of further successes after the first (the buyer paid twice)
    extra_payment_ids: tuple[str, ...] = ()
    message_id: str | None = None  #: the seller's invoice message, replied to on news
    #: the merchant account paid into (its keys sign the link, polls and callbacks); None: the
    #: platform's account
    account_id: int | None = None
    buyer_email: str | None = None  #: given on the pay page, for the receipt
    buyer_language: str | None = None  #: the pay page's language: the receipt's
    buyer_name: str | None = None
    buyer_phone: str | None = None  #: E.164
    ask_name: bool = False  #: the pay page asks for the buyer's name (the seller's choice)
    ask_phone: bool = False
    refunds: list[Refund] = field(default_factory=list)
    manual: bool = False  #: paid by a manual payment the seller approved (domain.manual)
    #: the card payment attempts, oldest first; there is always one (made with the invoice)
    attempts: list[Attempt] = field(default_factory=list)
    version: int = 0
    events: list[events.Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.attempts:  # a new invoice: its first attempt's order id is known at once
            self.attempts.append(Attempt(1, order_id_for(self.code, 1), self.created_at,
                                         self.provider, pay_url=self.pay_url))

    @classmethod
    def create(cls, **kwargs: object) -> Invoice:
        invoice = cls(**kwargs)  # type: ignore[arg-type]
        invoice.events.append(
            events.InvoiceCreated(invoice.id, str(invoice.amount.amount), invoice.amount.currency)
        )
        return invoice

    @property
    def order_id(self) -> str:
        """The provider order id of the payment: the attempt that paid it (refunds go there;
        after a second payment on another attempt, still the first payment's), else the latest
        attempt."""
        paid = [a for a in self.attempts if a.state is AttemptState.PAID]
        first = next((a for a in paid if a.provider_payment_id == self.provider_payment_id),
                     paid[0] if paid else None)
        return (first or self.latest_attempt).order_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def issue_link(self, pay_url: str, provider_ref: str | None = None) -> None:
        """The latest attempt's checkout link (and the provider's own id of its order, when it
        makes one). The first makes the invoice payable (the seller is shown it); a later
        attempt's only changes where the pay page sends the buyer."""
        latest = self.latest_attempt
        ref = provider_ref if provider_ref != latest.order_id else None
        if self.status is InvoiceStatus.PENDING and latest.pay_url is None:
            latest.pay_url = self.pay_url = pay_url
            latest.provider_ref = ref
            return
        if self.status is not InvoiceStatus.CREATED:
            return  # the link was issued already: nothing changes, nothing is sent twice
        latest.pay_url = self.pay_url = pay_url
        latest.provider_ref = ref
        self.status = InvoiceStatus.PENDING
        self.events.append(events.InvoiceLinkIssued(self.id))

    def give_buyer_details(self, email: str | None, language: str, name: str | None = None,
                           phone: str | None = None) -> bool:
        """The buyer filled in the pay page. Only an unpaid open invoice takes them; returns
        whether anything changed (the same details twice change nothing)."""
        if self.status is not InvoiceStatus.PENDING:
            return False
        given = (email, language, name, phone)
        if (self.buyer_email, self.buyer_language, self.buyer_name, self.buyer_phone) == given:
            return False
        self.buyer_email, self.buyer_language, self.buyer_name, self.buyer_phone = given
        self.events.append(events.BuyerDetailsGiven(self.id, email or "", language, name or "",
                                                    phone or ""))
        return True

    @property
    def buyer_details(self) -> str:
        """What the buyer entered, as the seller reads it: name, phone, e-mail."""
        return ", ".join(x for x in (self.buyer_name, self.buyer_phone, self.buyer_email) if x)

    def watch_until(self, settle_window: timedelta) -> datetime | None:
        """Until when the provider is polled about this invoice; None: not any more.

        Open invoices are polled until they expire (expiry then asks once more); a settling one,
        or a closed unpaid one whose payment is still in flight, until the settle window ends.
        """
        settle_end = self.created_at + settle_window
        if self.status is InvoiceStatus.PENDING:
            return settle_end if self.settling else self.expires_at
        if self.status in UNPAID_FINAL and self.in_flight:
            return settle_end
        return None

    def checkable(self, now: datetime, settle_window: timedelta) -> bool:
        """Whether asking the provider may still change it (the seller's *Check status*)."""
        if self.status is InvoiceStatus.PENDING:
            return True
        return self.status in UNPAID_FINAL and now < self.created_at + settle_window

    def apply(self, fact: ProviderStatus, at: datetime, *, tell_decline: bool = True) -> bool:
        """Apply one fact from the provider about one of the attempts. Returns whether anything
        changed.

        The same fact applied twice changes nothing; a verified success is never dropped. A
        decline leaves the invoice open: the seller is told once (`tell_decline`), and the
        buyer may try again.
        """
        attempt = self.attempt_for(fact.order_id)
        if attempt is None:
            raise InvalidTransition(f"Fact for {fact.order_id} applied to invoice {self.id}.")
        if fact.outcome != "paid" and attempt.older_than_known(fact.modified_at):
            return False  # delivered late: an older word never overwrites a newer one
        attempt.dated(fact.modified_at)
        if fact.outcome == "paid":
            moved = attempt.paid(fact.raw_status, fact.provider_payment_id)
            paid = self._pay(fact, at) or moved
            self.in_flight = self._processing()
            if fact.refund_total is not None:  # LiqPay keeps `success` after a partial refund
                return self._refund_fact(fact, at) or paid
            return paid
        if fact.outcome == "failed":
            reason = fact.error_description or fact.error_code
            if not attempt.refused(fact.raw_status, fact.error_code, reason):
                return False
            if not self.is_open or not tell_decline or at >= self.expires_at:
                # settled (a late word about an older attempt), closed, or past its time: the
                # buyer cannot try again, so there is nothing to tell
                self._record_quietly(fact)
                if self.settling and not self._processing():  # the payment it waited for
                    self._expire()
                return True
            self.provider_status = fact.raw_status
            self.in_flight = self._processing()
            self.events.append(events.PaymentDeclined(
                self.id, attempt.number, attempt.order_id, fact.raw_status, fact.error_code,
                reason))
            return True
        if fact.outcome in ("reversed", "refunded", "refund_pending"):
            return self._refund_fact(fact, at)
        if fact.outcome == "pending":
            if self.status in SETTLED or not attempt.in_progress(fact.raw_status):
                return False
            return self._record_quietly(fact)
        return False  # "unknown": the provider has not seen the order yet

    def _record_quietly(self, fact: ProviderStatus) -> bool:
        """Record an attempt's new word that tells the seller nothing (a payment in progress, a
        late decline): it changes what is watched. The attempt has changed already."""
        if self.status not in SETTLED:
            self.provider_status = fact.raw_status
        self.in_flight = self._processing()
        self.events.append(events.ProviderStatusRecorded(self.id, fact.raw_status,
                                                         fact.order_id))
        return True

    def _pay(self, fact: ProviderStatus, at: datetime) -> bool:
        if self.status in SETTLED:
            return self._paid_again(fact)
        late = self.status in UNPAID_FINAL
        received = fact.amount or self.amount
        self.status = InvoiceStatus.PAID
        self.paid_late = late
        self.paid_amount = received
        self.amount_mismatch = received != self.amount
        self.paid_at = at
        self.in_flight = self.settling = False
        self.provider_status = fact.raw_status
        self.provider_payment_id = fact.provider_payment_id
        self.events.append(events.InvoicePaid(
            self.id, str(received.amount), received.currency, late, fact.raw_status,
            fact.provider_payment_id, mismatch=self.amount_mismatch,
            expected_amount=str(self.amount.amount), expected_currency=self.amount.currency,
            card_mask=_card_mask(fact),
            auth_code=_text(fact.auth_code or fact.raw.get("authcode_debit"), 32),
            rrn=_text(fact.rrn, 32), provider=self._provider_of(fact),
        ))
        return True

    def pay_manually(self, amount: Money, method: str, at: datetime) -> bool:
        """A manual payment the seller approved pays the invoice, flagged manual (another
        amount or currency is a mismatch, as for the provider). An invoice already paid is not
        paid again: returns False, and the approval stays in its history."""
        if self.status in SETTLED:
            return False
        self.paid_late = self.status in UNPAID_FINAL
        self.status, self.manual, self.paid_amount, self.paid_at = (
            InvoiceStatus.PAID, True, amount, at)
        self.amount_mismatch = amount != self.amount
        self.in_flight = self.settling = False
        self.events.append(events.InvoicePaid(
            self.id, str(amount.amount), amount.currency, self.paid_late, "manual",
            mismatch=self.amount_mismatch, expected_amount=str(self.amount.amount),
            expected_currency=self.amount.currency, manual=method))
        return True

    def _provider_of(self, fact: ProviderStatus) -> str:
        attempt = self.attempt_for(fact.order_id)
        return attempt.provider if attempt is not None else self.provider

    def _paid_again(self, fact: ProviderStatus) -> bool:
        """A success for an invoice already paid: the same payment changes nothing; another
        payment (another provider payment id) is recorded and told, so it can be refunded."""
        payment_id = fact.provider_payment_id
        # paid by hand, a card payment is always another payment (the buyer paid twice)
        if (payment_id is None or (self.provider_payment_id is None and not self.manual)
                or payment_id == self.provider_payment_id or payment_id in self.extra_payment_ids):
            return False
        received = fact.amount or self.amount
        self.extra_payment_ids = (*self.extra_payment_ids, payment_id)
        self.events.append(events.ExtraPaymentReceived(
            self.id, str(received.amount), received.currency, payment_id, fact.raw_status))
        return True

    def expire(self, now: datetime,
               answer: ProviderStatus | Sequence[ProviderStatus] | None,
               settle_window: timedelta) -> bool:
        """Close an open invoice whose time has come, given the provider's answers asked for at
        this moment about each attempt in flight (None: the provider refused to be asked, e.g.
        revoked keys).

        The answers are applied first, so a success found at expiry pays the invoice (a
        decline found then is recorded, not told: the buyer cannot try again). A payment
        still in flight keeps it open, settling, with one message to the seller, until the
        settle window ends; only then, or on any other answers, does it expire.
        """
        if not self.is_open or now < self.expires_at:
            return False
        answers = ([] if answer is None else [answer] if isinstance(answer, ProviderStatus)
                   else list(answer))
        for fact in answers:
            self.apply(fact, now, tell_decline=False)
        if not self.is_open:
            return True  # paid at the last moment
        pending = [f for f in answers if f.outcome == "pending"]
        if pending and now < self.created_at + settle_window:
            if self.settling:
                return False
            self.settling = True
            self.events.append(events.PaymentInProgress(self.id, pending[0].raw_status))
            return True
        self._expire()
        return True

    def _expire(self) -> None:
        self.status = InvoiceStatus.EXPIRED
        self.settling = False
        self.events.append(events.InvoiceExpired(self.id))

    def stop_watching(self, reason: str) -> None:
        """The provider refuses to be asked about this invoice (revoked keys, a 4xx): polling
        stops and the seller is told why; a callback still applies if one comes."""
        self.in_flight = False
        self.events.append(events.PollingStopped(self.id, reason))

    def cancel(self) -> None:
        if not self.is_open:
            raise InvalidTransition(f"An invoice that is {self.status} cannot be cancelled.")
        self.status = InvoiceStatus.CANCELLED
        self.settling = False  # a payment in flight stays watched (see watch_until)
        self.events.append(events.InvoiceCancelled(self.id))

    def note_unchanged(self) -> None:
        """Record that a check the seller asked for found nothing new (so they get an answer)."""
        self.events.append(events.StatusUnchanged(self.id, self.provider_status or self.status))


def _text(value: object, limit: int) -> str | None:
    return str(value)[:limit] if value not in (None, "") else None


def _card_mask(fact: ProviderStatus) -> str | None:
    """The paying card as the provider masked it (LiqPay: `sender_card_mask2`), if it said."""
    mask = fact.card_mask or fact.raw.get("sender_card_mask2") or fact.raw.get("card_mask")
    return str(mask)[:32] if mask else None
