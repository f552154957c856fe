"""What the buyer's pay page says, decided in one place: from the invoice, its latest card
attempt, the buyer's open manual payment and the merchant account's standing, one `PageState`.

The page, its live status endpoint and the page the provider returns the buyer to all show this
state; the templates only draw it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.declines import GENERIC, decline_kind, decline_text
from domain.i18n import t
from domain.invoice import SETTLED, Invoice, InvoiceStatus

#: the states of the latest card attempt the page understands (domain attempts speak these)
ATTEMPT_IN_FLIGHT, ATTEMPT_DECLINED, ATTEMPT_FAILED, ATTEMPT_PAID = (
    "in_flight", "declined", "failed", "paid")

#: the kinds of decline (domain.declines) whose words are written for the seller, not for the
#: buyer ("your account's keys", "the buyer may try another"): the buyer reads a plain "the bank
#: declined the payment" instead. Every other kind reads as the seller reads it, so the two
#: never disagree about one decline.
SELLER_ONLY_KINDS = frozenset({"account", "card_not_accepted", GENERIC})
DECLINE_OTHER = "decline_other"


class Kind(StrEnum):
    OPEN = "open"  #: payable: the card (and the seller's manual methods)
    PROCESSING = "processing"  #: a card payment is under way: neutral, a spinner
    CHECKING = "checking"  #: the buyer declared a manual payment; the seller is checking it
    PAID = "paid"  #: green: a check mark, the amount, who, when, the receipts
    DECLINED = "declined"  #: the last card attempt was declined: why, and *Try again*
    UNAVAILABLE = "unavailable"  #: the merchant account was refused: ask the seller
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"  #: closed unpaid by a provider's final answer


@dataclass(frozen=True)
class LatestAttempt:
    """The invoice's latest card attempt, as far as the page needs it."""
    state: str  #: ATTEMPT_IN_FLIGHT | ATTEMPT_DECLINED | ATTEMPT_FAILED | ATTEMPT_PAID
    decline_code: str | None = None  #: the provider's code for a declined or failed attempt


@dataclass(frozen=True)
class PageState:
    kind: Kind
    card: bool = False  #: the card form is offered (*Pay by card*, or *Try again*)
    manual: bool = False  #: the manual methods' form is offered
    decline_code: str | None = None  #: declined: the provider's code (never shown raw)
    refunded: bool = False  #: paid, and the money went back (in part or in full)

    @property
    def final(self) -> bool:
        """Nothing the page shows can change any more: it stops following the invoice."""
        return self.kind in (Kind.PAID, Kind.EXPIRED, Kind.CANCELLED, Kind.FAILED)


def page_state(invoice: Invoice, *, returning: bool = False, manual_open: bool = False,
               manual_methods: bool = False, latest_attempt: LatestAttempt | None = None,
               account_refused: bool = False) -> PageState:
    """The page's state.

    `returning`: the provider sent the buyer back here (`?back=1`). `manual_open`: a manual
    payment the buyer declared waits for the seller. `manual_methods`: the seller has manual
    methods in the invoice's currency. `latest_attempt`: the latest card attempt, when the
    invoice keeps attempts (None: only the invoice's own provider status is known).
    `account_refused`: the invoice's merchant account was refused by the provider.
    """
    if invoice.status in SETTLED:
        return PageState(Kind.PAID, refunded=invoice.status is not InvoiceStatus.PAID)
    if invoice.status is InvoiceStatus.CANCELLED:
        return PageState(Kind.CANCELLED)
    if invoice.status is InvoiceStatus.EXPIRED:
        # a payment in flight at expiry keeps the invoice settling: it may still be paid
        return PageState(Kind.PROCESSING if invoice.settling else Kind.EXPIRED)
    if invoice.status is InvoiceStatus.FAILED:
        return PageState(Kind.FAILED)
    if manual_open:  # the card is not offered: paying both ways could pay twice
        return PageState(Kind.CHECKING)
    if latest_attempt is not None:
        # paid, but the invoice does not know it yet: its success is being applied
        in_flight = latest_attempt.state in (ATTEMPT_IN_FLIGHT, ATTEMPT_PAID)
    else:
        in_flight = returning or invoice.in_flight
    if in_flight:  # nor the manual form: the card payment may yet go through
        return PageState(Kind.PROCESSING)
    if account_refused:
        return PageState(Kind.UNAVAILABLE)
    card = invoice.pay_url is not None
    if latest_attempt is not None and latest_attempt.state in (ATTEMPT_DECLINED, ATTEMPT_FAILED):
        return PageState(Kind.DECLINED, card=card, manual=manual_methods,
                         decline_code=latest_attempt.decline_code)
    return PageState(Kind.OPEN, card=card, manual=manual_methods)


def decline_words(code: str | None, lang: str) -> str:
    """Why the card was declined, in the buyer's language: the same words the seller reads
    (domain.declines), but plain for a kind written for the seller; never the code itself."""
    if decline_kind(code) in SELLER_ONLY_KINDS:
        return t(lang, DECLINE_OTHER)
    return decline_text(code, lang)


def masked_email(address: str) -> str:
    """buyer@example.com → "b…@example.com": the buyer recognises it, a passer-by learns little."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if at else "…"
