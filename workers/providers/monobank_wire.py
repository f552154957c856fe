"""monobank acquiring's wire, without the network: amounts in minor units with numeric `ccy`,
`X-Sign` verification (ECDSA P-256 over the raw body with SHA-256, by the key monobank serves as
base64 of a PEM), its statuses as the port's facts, and which of two facts is the newer."""
from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain.errors import ForgedCallback
from domain.money import Money
from domain.ports import ProviderStatus

#: ISO 4217 numeric codes of the currencies monobank acquiring takes
CCY = {"UAH": 980, "USD": 840, "EUR": 978}
MONOBANK_CURRENCIES = frozenset(CCY)
IN_FLIGHT = frozenset({"processing", "hold"})
#: an invoice nobody has begun to pay: no payment is in flight (as LiqPay's order it has not
#: seen), so expiry closes it and the pay page does not say "being processed"
NOT_BEGUN = "created"
OUTCOMES = {"success": "paid", "failure": "failed", "expired": "failed", "reversed": "reversed"}
EXPIRED_CODE = "expired"  #: our error code for an invoice nobody paid in time
#: an invoice's life in order; of two facts dated the same, the later in this order is newer
STATUS_RANK = {"created": 0, "processing": 1, "hold": 2, "success": 3, "failure": 3,
               "expired": 3, "reversed": 4}
MAX_MINOR_UNITS = 2**63 - 1  #: the largest amount the database holds (BIGINT minor units)
#: seconds a failed check waits before the key is fetched again: forged webhooks cannot make us
#: hammer monobank's API; a genuine one refused meanwhile is found by polling
PUBKEY_REFETCH = 10.0


def ccy_code(currency: str) -> int:
    if currency not in CCY:
        raise ValueError(f"monobank does not take {currency!r}.")
    return CCY[currency]


def currency_of(ccy: object) -> str:
    for currency, code in CCY.items():
        if ccy == code:
            return currency
    raise ValueError(f"{ccy!r} is not a currency code monobank uses.")


def minor_units(money: Money) -> int:
    return money.to_minor_units()


def amount_of(minor: object, ccy: object, *, positive: bool = True) -> Money:
    """An amount monobank sent, in minor units; never a float, never past what we can store."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise ValueError(f"Amount {minor!r} is not a whole number of minor units.")
    if minor > MAX_MINOR_UNITS or minor < (1 if positive else 0):
        raise ValueError(f"Amount {minor!r} is not a payable amount.")
    return Money.from_minor_units(minor, currency_of(ccy))


# -- webhook signatures -----------------------------------------------------------------------

def verify_webhook(raw_body: bytes, x_sign_b64: str, pubkey_b64: str) -> bool:
    """Whether `X-Sign` is monobank's signature of exactly these bytes. Never raises."""
    try:
        pem = base64.b64decode(pubkey_b64, validate=True)
        key = serialization.load_pem_public_key(pem)
        signature = base64.b64decode(x_sign_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey) or not signature:
        return False
    try:
        key.verify(signature, raw_body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


class PubkeyCache:
    """monobank's webhook key, fetched on first use and kept; when a check fails it is fetched
    again once (monobank may have rotated it) and the check made again with the new key, at most
    once every `refetch_every` seconds."""

    def __init__(self, fetch: Callable[[], str], *, refetch_every: float = PUBKEY_REFETCH) -> None:
        self._fetch = fetch
        self._refetch_every = refetch_every
        self._key: str | None = None
        self._fetched_at = float("-inf")  #: time.monotonic() of the last fetch
        self._lock = threading.Lock()

    def verify(self, raw_body: bytes, x_sign_b64: str) -> bool:
        with self._lock:
            key = self._key
            if key is not None and time.monotonic() - self._fetched_at < self._refetch_every:
                return verify_webhook(raw_body, x_sign_b64, key)
        if key is not None and verify_webhook(raw_body, x_sign_b64, key):
            return True
        fresh = self._fetch()  # ProviderUnavailable propagates: unverifiable is not forged
        with self._lock:
            self._key, self._fetched_at = fresh, time.monotonic()
        return fresh != key and verify_webhook(raw_body, x_sign_b64, fresh)


# -- reading monobank's facts -----------------------------------------------------------------

def parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_status(body: Mapping[str, Any]) -> ProviderStatus:
    """An invoice's status answer or webhook as one fact. Raises ValueError on amounts that
    cannot be read. A refund counts once its own cancel operation succeeded."""
    raw_status = str(body.get("status") or "")
    ccy = body.get("ccy")
    amount = amount_of(body.get("amount"), ccy)
    refunded = 0
    for operation in body.get("cancelList") or []:
        if isinstance(operation, dict) and operation.get("status") == "success":
            refunded += amount_of(operation.get("amount"), operation.get("ccy", ccy)).to_minor_units()
    error_code = text_of(body.get("errCode"))
    if raw_status == "expired":
        error_code = error_code or EXPIRED_CODE
    info = body.get("paymentInfo") if isinstance(body.get("paymentInfo"), dict) else {}
    invoice_id = text_of(body.get("invoiceId"))
    return ProviderStatus(
        order_id=text_of(body.get("reference")) or invoice_id or "",
        outcome=("pending" if raw_status in IN_FLIGHT else "unknown" if raw_status == NOT_BEGUN
                 else OUTCOMES.get(raw_status, "pending")),
        raw_status=raw_status,
        amount=amount,
        provider_payment_id=invoice_id,
        error_code=error_code if raw_status in ("failure", "expired") else None,
        error_description=text_of(body.get("failureReason")),
        raw={**body, "paymentInfo": info},
        refund_total=Money.from_minor_units(refunded, amount.currency) if refunded else None,
        modified_at=parse_date(body.get("modifiedDate")),
        card_mask=text_of(info.get("maskedPan")), auth_code=text_of(info.get("approvalCode")),
        rrn=text_of(info.get("rrn")),
    )


def supersedes(new: ProviderStatus, old: ProviderStatus) -> bool:
    """Whether `new` is a later fact about the invoice than `old` (monobank may deliver webhooks
    out of order): by `modifiedDate`, then by the status's place in an invoice's life, then by
    how much was refunded."""
    def key(fact: ProviderStatus) -> tuple[datetime, int, int]:
        refunded = fact.refund_total.to_minor_units() if fact.refund_total else 0
        return (fact.modified_at or datetime.min.replace(tzinfo=UTC),
                STATUS_RANK.get(fact.raw_status, -1), refunded)
    return key(new) > key(old)


def parse_webhook_body(raw_body: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeError, json.JSONDecodeError) as exc:
        raise ForgedCallback(f"The webhook is not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("invoiceId"), str):
        raise ForgedCallback("The webhook is not an invoice.")
    return body


def text_of(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
