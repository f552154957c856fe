"""Ports: what the domain needs from the outside world, as Protocols the adapters implement."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.money import Money


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What goes into a provider to get a payable link (saleor's PaymentData)."""

    order_id: str  #: our invoice's provider order id; the provider is idempotent by it
    amount: Money
    description: str
    expires_at: datetime  #: aware UTC datetime
    server_url: str  #: where the provider posts its server callback
    result_url: str  #: where the buyer is sent back after paying
    language: str = "uk"


@dataclass(frozen=True, slots=True)
class PaymentLink:
    url: str  #: the provider's checkout URL the buyer is sent to
    provider_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """One fact the provider told us about an order (from a callback or a status call).

    `outcome` is ours: "paid", "failed", "pending", "refunded", "reversed", "refund_pending",
    "unknown" ("unknown" means the provider has no such order). `raw_status` is the provider's
    own word. On a refund fact `amount` is that refund's amount; `refund_total`, when the
    provider states it, is everything refunded on the order so far (it may come with a "paid"
    outcome: LiqPay keeps `success` after a partial refund). `refund_id` is the provider's id of
    the refund, when it gives one. `modified_at`, when the provider dates its facts (monobank's
    `modifiedDate`), lets a caller refuse an older fact delivered after a newer one.
    """

    order_id: str
    outcome: str
    raw_status: str
    amount: Money | None = None
    provider_payment_id: str | None = None
    error_code: str | None = None
    error_description: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    refund_total: Money | None = None
    refund_id: str | None = None
    modified_at: datetime | None = None
    #: what the provider said of the paying card, when it did: the masked number, the bank's
    #: authorisation code, the retrieval reference number (for the fiscal receipt)
    card_mask: str | None = None
    auth_code: str | None = None
    rrn: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    order_id: str
    ok: bool
    raw_status: str
    raw: dict[str, Any] = field(default_factory=dict)


class CallbackVerifier(Protocol):
    """What the web edge needs of a provider: its name, and verifying a callback (with the keys
    of the account the callback's invoice belongs to)."""

    name: str

    def parse_callback(self, form: dict[str, str]) -> ProviderStatus:
        """Verify and parse a server callback; raise ForgedCallback if it does not verify."""
        ...


#: what LiqPay, chatpay's provider, takes; the bots offer a seller only these (no client needed)
LIQPAY_CURRENCIES = frozenset({"UAH", "USD", "EUR"})


class PaymentProvider(Protocol):
    """A payment provider. Errors: ProviderUnavailable (retry) or ProviderRejected (permanent)."""

    name: str
    currencies: frozenset[str]

    def create_link(self, request: PaymentRequest) -> PaymentLink: ...

    def fetch_status(self, order_id: str) -> ProviderStatus: ...

    def parse_callback(self, form: dict[str, str]) -> ProviderStatus:
        """Verify and parse a server callback; raise ForgedCallback if it does not verify."""
        ...

    def refund(self, order_id: str, amount: Money, refund_id: str | None = None) -> RefundResult:
        """Refund `amount` of the order; `refund_id` (ours) names the refund to a provider that
        takes one, so asking twice refunds once."""
        ...

    def cancel(self, order_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Email:
    """An e-mail to a buyer: a text part, an HTML part, and images the HTML shows by `cid:`."""

    to: str
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  #: content id -> PNG


class Mailer(Protocol):
    """Sends e-mail. Errors: DeliveryUnavailable (retry) or DeliveryRefused (permanent)."""

    def send(self, email: Email) -> None: ...


class SmsGateway(Protocol):
    """Sends an SMS; `sequence_id` makes a retry of the same message a no-op at the gateway.
    Errors: DeliveryUnavailable (retry) or DeliveryRefused (permanent)."""

    def send(self, phone: str, text: str, sequence_id: str) -> None: ...
