"""Every error the domain and its ports raise, in one tree."""
from __future__ import annotations


class ChatpayError(Exception):
    """Base class for every error chatpay raises on purpose."""


class AmountError(ChatpayError, ValueError):
    """Raised when what a person typed is not an acceptable amount.

    `reason` is a message key (see domain.i18n) saying what to type instead.
    """

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


class CurrencyNotSupported(ChatpayError):
    """Raised when the provider cannot take the seller's currency."""

    def __init__(self, currency: str, supported: frozenset[str]) -> None:
        super().__init__(f"{currency} is not supported; supported: {', '.join(sorted(supported))}")
        self.currency = currency
        self.supported = supported


class InvalidTransition(ChatpayError):
    """Raised when an invoice or manual payment is asked to do what its state forbids."""


class RefundNotAllowed(ChatpayError):
    """Raised when a refund is asked for that the invoice cannot give (nothing or less left).

    `reason` is a message key (see domain.i18n); `left` is what may still be refunded.
    """

    def __init__(self, reason: str, left: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.left = left


class ProviderError(ChatpayError):
    """Base class for payment provider failures."""


class ProviderUnavailable(ProviderError):
    """Raised when the provider could not be reached or answered with a server error: retry."""


class ProviderRejected(ProviderError):
    """Raised when the provider refused the request: retrying will not help."""


class AccountRefused(ProviderRejected):
    """Raised when the provider refuses the merchant account's keys themselves (revoked, a wrong
    pair), not one payment: nothing signed with them is accepted. `reason` is the provider's
    code, for the log and support only; a seller or buyer reads words (domain.i18n)."""

    def __init__(self, reason: str, message: str = "", *, platform: bool = False) -> None:
        super().__init__(message or f"The provider refused the account's keys: {reason}.")
        self.reason = reason
        self.platform = platform  #: the platform's own account, not a seller's


class NoPaymentAccount(ProviderRejected):
    """Raised when a seller has no connected account and the platform has no keys to lend."""


class SecretUnreadable(ChatpayError):
    """Raised when a stored secret decrypts with neither SECRET_KEY nor SECRET_KEY_PREVIOUS."""


class ForgedCallback(ProviderError):
    """Raised when a callback's signature does not verify or its body cannot be parsed."""


class MessengerError(ChatpayError):
    """Base class for outbound messenger failures."""


class RecipientUnreachable(MessengerError):
    """Raised when the chat is gone (blocked bot, unsubscribed): do not retry."""


class MessengerRateLimited(MessengerError):
    """Raised when the messenger asked us to slow down; `retry_after` is in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


class MessengerUnavailable(MessengerError):
    """Raised when the messenger API could not be reached or failed: retry."""


class ServiceUnavailable(ChatpayError):
    """Raised when Redis or the database is down: the person is told to try again."""


class WebhookUrlRefused(ChatpayError):
    """Raised when a shop URL is not one chatpay may post to (scheme, or a private address)."""


class DeliveryError(ChatpayError):
    """Base class for failures to send a buyer an SMS or an e-mail."""


class DeliveryRefused(DeliveryError):
    """Raised when the gateway or mail server refused the message for good (bad recipient...)."""


class DeliveryUnavailable(DeliveryError):
    """Raised when the gateway or mail server could not be reached or failed for now: retry."""


class FiscalError(ChatpayError):
    """Base class for failures of the seller's PRRO (Checkbox)."""


class FiscalUnavailable(FiscalError):
    """Raised when the PRRO cannot be reached or answers 5xx: the receipt is tried again later."""


class FiscalRejected(FiscalError):
    """Raised when the PRRO refuses for good (licence, PIN, shift, validation); says why."""
