"""Events: facts about an invoice, in the past tense. Each transition records one."""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    invoice_id: str

    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if k != "invoice_id"}

    #: whether the seller is sent a message about it
    notifies_seller = False
    #: news of a state, not of money: once a later message about the same invoice exists, this
    #: one is no longer the latest word and is not sent (an "expired" never follows "paid late")
    superseded_by_later_news = False


@dataclass(frozen=True, slots=True)
class InvoiceCreated(Event):
    amount: str
    currency: str


@dataclass(frozen=True, slots=True)
class InvoiceLinkIssued(Event):
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class ProviderStatusRecorded(Event):
    """A provider word that tells the seller nothing: a non-final sub-status (processing,
    3ds_verify, ...), or a late decline of an attempt of a paid or closed invoice."""

    raw_status: str
    order_id: str = ""  #: the attempt's provider order id (empty in rows made before attempts)


@dataclass(frozen=True, slots=True)
class InvoicePaid(Event):
    """A verified success. `mismatch`: not the amount or currency asked for (`expected_*`)."""

    amount: str
    currency: str
    late: bool
    raw_status: str
    provider_payment_id: str | None = None
    mismatch: bool = False
    expected_amount: str | None = None
    expected_currency: str | None = None
    card_mask: str | None = None  #: as the provider shows the card, e.g. 424242*42, if it did
    manual: str | None = None  #: paid by hand: the manual method's name (domain.manual)
    auth_code: str | None = None  #: the bank's authorisation code (LiqPay: `authcode_debit`)
    rrn: str | None = None  #: the payment's retrieval reference number, when the provider gives it
    provider: str | None = None  #: which provider took the payment (the attempt's)
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class ExtraPaymentReceived(Event):
    """A second verified success, with another provider payment id: the buyer paid twice."""

    amount: str
    currency: str
    provider_payment_id: str
    raw_status: str
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class PaymentInProgress(Event):
    """At expiry the provider said a payment is still in progress: the invoice stays open."""

    raw_status: str
    notifies_seller = True
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class PollingStopped(Event):
    """The provider refuses status calls for this invoice (revoked keys, a 4xx)."""

    reason: str
    notifies_seller = True
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class AttemptStarted(Event):
    """The buyer pays again after a decline: attempt `attempt`, a new provider order id."""

    attempt: int
    order_id: str


@dataclass(frozen=True, slots=True)
class PaymentDeclined(Event):
    """A card payment attempt was declined (or its order failed); the invoice stays open and
    the buyer may try again. `code`: the provider's, mapped to words before anyone reads it."""

    attempt: int
    order_id: str
    raw_status: str
    code: str | None = None
    reason: str | None = None  #: the provider's own description (kept, never shown raw)
    notifies_seller = True
    #: a note that the buyer can try again is stale once the invoice is paid or closed
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class InvoiceFailed(Event):
    """Made before attempts: a decline ended the invoice. Kept to read old histories."""

    raw_status: str
    reason: str | None = None  #: the provider's own words, kept for support's history
    code: str | None = None  #: the provider's error code: what the seller reads is made from it
    notifies_seller = True
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class InvoiceExpired(Event):
    notifies_seller = True
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class InvoiceCancelled(Event):
    notifies_seller = True
    superseded_by_later_news = True


@dataclass(frozen=True, slots=True)
class InvoiceRefunded(Event):
    """One refund finished. `amount` is this refund's, `full`: nothing is left to refund."""

    amount: str
    currency: str
    full: bool
    raw_status: str
    refund_id: str | None = None
    refunded_total: str | None = None  #: all done refunds, in the paid currency
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class RefundRequested(Event):
    """The seller asked to refund an amount; it is held back until the provider answers."""

    refund_id: str
    amount: str
    currency: str


@dataclass(frozen=True, slots=True)
class RefundPending(Event):
    """The provider accepted a refund but has not finished it (`refund_wait`, `wait_accept`)."""

    refund_id: str
    amount: str
    currency: str
    raw_status: str
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class RefundRefused(Event):
    """The provider refused a refund; the amount is free to refund again."""

    refund_id: str
    amount: str
    currency: str
    reason: str | None
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class StatusUnchanged(Event):
    """A status check found nothing new; recorded so the seller is answered."""

    raw_status: str
    notifies_seller = True
    superseded_by_later_news = True


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (InvoiceCreated, InvoiceLinkIssued, ProviderStatusRecorded, InvoicePaid,
                ExtraPaymentReceived, PaymentInProgress, PollingStopped, InvoiceFailed,
                InvoiceExpired, InvoiceCancelled, InvoiceRefunded, StatusUnchanged,
                RefundRequested, RefundPending, RefundRefused, AttemptStarted, PaymentDeclined)
}


@dataclass(frozen=True, slots=True)
class BuyerDetailsGiven(Event):
    """The buyer filled in the pay page (kept in the history; the paid message shows it)."""

    email: str
    language: str
    buyer_name: str = ""  #: not `name`: that is the event's own
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptSent(Event):
    """The buyer's (non-fiscal) receipt e-mail went out, or why not."""

    to: str
    ok: bool
    reason: str = ""
    kind: str = "paid"  #: or "refunded": the refund notice


@dataclass(frozen=True, slots=True)
class LinkSent(Event):
    """Not a transition: the pay link went (or did not go) to the buyer by SMS or e-mail. It is
    kept in the invoice's history with its outcome; `key` is the seller's tap, sent once."""

    via: str  #: "sms" or "email"
    to: str  #: the E.164 number or the address
    key: str
    ok: bool
    reason: str = ""


# -- manual payments (domain.manual): each is a line of the invoice's history ------------------

@dataclass(frozen=True, slots=True)
class ManualPaymentOpened(Event):
    """A manual payment was declared: by the buyer on the pay page (the seller is asked to
    approve or reject it), or recorded by the seller (approved at once, see below)."""

    payment_id: str
    method: str
    amount: str
    currency: str
    paid_on: str
    comment: str
    by: str
    asks: bool = True  #: the seller is asked to approve or reject; a record approved at once not

    @property
    def notifies_seller(self) -> bool:  # type: ignore[override]
        """An open payment asks the seller to decide; the seller's own record approved at once
        does not (its paid message follows)."""
        return self.asks


@dataclass(frozen=True, slots=True)
class ManualPaymentApproved(Event):
    """The seller confirmed a manual payment; `changed`: the fields corrected, old → new."""

    payment_id: str
    amount: str
    currency: str
    paid_on: str
    by: str
    changed: dict[str, str]


@dataclass(frozen=True, slots=True)
class ManualPaymentRejected(Event):
    """The seller rejected a manual payment with a reason, or its timeout ran out."""

    payment_id: str
    by: str
    reason: str
    automatic: bool = False
    method: str = ""
    amount: str = ""
    currency: str = ""
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class ManualPaymentRefunded(Event):
    """The seller gave an approved manual payment back by hand (no provider call)."""

    payment_id: str
    amount: str
    currency: str
    by: str
    comment: str


EVENT_TYPES.update({cls.__name__: cls for cls in (
    ManualPaymentOpened, ManualPaymentApproved, ManualPaymentRejected, ManualPaymentRefunded)})


_known: tuple[int, dict[str, type[Event]]] = (-1, {})


def event_types() -> dict[str, type[Event]]:
    """Every event class by its stored name (those of modules imported so far: domain.fiscal
    adds its receipts'). `dataclass(slots=True)` leaves a first class behind among the
    subclasses until it is collected: only the class its module holds counts. Built again only
    when the subclasses change."""
    global _known
    subclasses = Event.__subclasses__()
    if len(subclasses) != _known[0]:
        _known = (len(subclasses), {
            kind.__name__: kind for kind in subclasses
            if getattr(sys.modules[kind.__module__], kind.__qualname__, None) is kind})
    return _known[1]


_fields_of: dict[str, frozenset[str]] = {}


def _field_names(kind: type[Event]) -> frozenset[str]:
    names = _fields_of.get(kind.__qualname__)
    if names is None:
        names = _fields_of[kind.__qualname__] = frozenset(f.name for f in fields(kind))
    return names


def stored_event(name: str, invoice_id: str, payload: dict[str, Any]) -> Event | None:
    """The event a history row holds, of its own class; None for a kind this code does not
    know. A field the class no longer has is left out."""
    kind = event_types().get(name)
    if kind is None:
        return None
    names = _field_names(kind)
    return kind(invoice_id=invoice_id, **{k: v for k, v in payload.items() if k in names})
