"""monobank acquiring (plata by mono) adapter: every HTTP call chatpay makes to monobank lives here.

Protocol: JSON over HTTPS with the merchant's token in `X-Token`; amounts in minor units with a
numeric ISO 4217 `ccy`. Webhooks are signed: `X-Sign` is base64 of an ECDSA P-256 signature, over
the raw body with SHA-256, by the key `/api/merchant/pubkey` serves (base64 of a PEM).

How the port's words map onto monobank's: `create_link` makes an invoice (its `invoiceId` is the
link's `provider_ref`, and what `fetch_status`, `refund` and `cancel` take as `order_id`);
`refund` is monobank's `invoice/cancel` (a refund of a paid invoice, named by our `extRef`);
`cancel` is `invoice/remove` (an unpaid invoice can no longer be paid). Unlike LiqPay, monobank
is not idempotent by our reference: each `create_link` makes a new invoice, so a caller that
retries one whose answer it lost keeps the newest `provider_ref` and removes the others.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain.errors import AccountRefused, ForgedCallback, ProviderRejected, ProviderUnavailable
from domain.money import Money
from domain.ports import PaymentLink, PaymentRequest, ProviderStatus, RefundResult
from storage.settings import MONOBANK_API

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  #: seconds
#: ISO 4217 numeric codes of the currencies monobank acquiring takes
CCY = {"UAH": 980, "USD": 840, "EUR": 978}
MONOBANK_CURRENCIES = frozenset(CCY)
IN_FLIGHT = frozenset({"created", "processing", "hold"})
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


def _money(minor: object, ccy: object, *, positive: bool = True) -> Money:
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
    amount = _money(body.get("amount"), ccy)
    refunded = 0
    for operation in body.get("cancelList") or []:
        if isinstance(operation, dict) and operation.get("status") == "success":
            refunded += _money(operation.get("amount"), operation.get("ccy", ccy)).to_minor_units()
    error_code = _text(body.get("errCode"))
    if raw_status == "expired":
        error_code = error_code or EXPIRED_CODE
    info = body.get("paymentInfo") if isinstance(body.get("paymentInfo"), dict) else {}
    invoice_id = _text(body.get("invoiceId"))
    return ProviderStatus(
        order_id=_text(body.get("reference")) or invoice_id or "",
        outcome="pending" if raw_status in IN_FLIGHT else OUTCOMES.get(raw_status, "pending"),
        raw_status=raw_status,
        amount=amount,
        provider_payment_id=invoice_id,
        error_code=error_code if raw_status in ("failure", "expired") else None,
        error_description=_text(body.get("failureReason")),
        raw={**body, "paymentInfo": info},
        refund_total=Money.from_minor_units(refunded, amount.currency) if refunded else None,
        modified_at=parse_date(body.get("modifiedDate")),
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


class MonobankClient:
    """domain.ports.PaymentProvider for one monobank merchant (its token), or the stand-in."""

    name = "monobank"
    currencies = MONOBANK_CURRENCIES

    def __init__(self, token: str, api_base: str = MONOBANK_API, *,
                 timeout: float = DEFAULT_TIMEOUT, http: httpx.Client | None = None,
                 pubkeys: PubkeyCache | None = None,
                 pubkey_refetch: float = PUBKEY_REFETCH) -> None:
        self._token = token
        self.api_base = api_base.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout)
        #: share one cache between the clients of one API base: the key is monobank's, not a merchant's
        self.pubkeys = pubkeys or PubkeyCache(self.pubkey, refetch_every=pubkey_refetch)

    def close(self) -> None:
        self._http.close()

    # -- the port ------------------------------------------------------------------------------

    def create_link(self, request: PaymentRequest) -> PaymentLink:
        validity = int((request.expires_at - datetime.now(UTC)).total_seconds())
        answer = self._call("POST", "/api/merchant/invoice/create", "invoice/create", json={
            "amount": minor_units(request.amount),
            "ccy": ccy_code(request.amount.currency),
            "merchantPaymInfo": {"reference": request.order_id,
                                 "destination": request.description},
            "redirectUrl": request.result_url,
            "webHookUrl": request.server_url,
            "validity": max(validity, 1),
        })
        page, invoice_id = answer.get("pageUrl"), answer.get("invoiceId")
        if not isinstance(page, str) or not isinstance(invoice_id, str):
            raise ProviderUnavailable("monobank answered invoice/create without a page or an id.")
        return PaymentLink(url=page, provider_ref=invoice_id)

    def fetch_status(self, order_id: str) -> ProviderStatus:
        """The invoice's status; `order_id` is its invoiceId. "unknown" if monobank has none."""
        answer = self._call("GET", "/api/merchant/invoice/status", "invoice/status",
                            params={"invoiceId": order_id}, missing_ok=True)
        if answer is None:
            return ProviderStatus(order_id=order_id, outcome="unknown", raw_status="not_found")
        try:
            return parse_status(answer)
        except ValueError as exc:
            raise ProviderUnavailable(f"monobank's status of {order_id} cannot be read: {exc}") \
                from exc

    def refund(self, order_id: str, amount: Money, ext_ref: str | None = None) -> RefundResult:
        """Refund `amount` of a paid invoice. `ext_ref` names this refund (our refund id):
        monobank makes it once however often it is asked, and reports it by this name."""
        body: dict[str, Any] = {"invoiceId": order_id, "amount": minor_units(amount)}
        if ext_ref:
            body["extRef"] = ext_ref
        answer = self._call("POST", "/api/merchant/invoice/cancel", "invoice/cancel", json=body)
        status = str(answer.get("status") or "")
        if status == "failure":
            raise ProviderRejected(f"monobank refused the refund {ext_ref} of {order_id}.")
        return RefundResult(order_id=order_id, ok=True, raw_status=status, raw=answer)

    def refund_status(self, order_id: str, ext_ref: str) -> ProviderStatus:
        """One refund's own fact, found by its extRef in the invoice's cancel operations:
        "refunded", "refund_pending", "failed", or "unknown" if monobank never made it."""
        answer = self._call("GET", "/api/merchant/invoice/status", "invoice/status",
                            params={"invoiceId": order_id}, missing_ok=True) or {}
        for operation in answer.get("cancelList") or []:
            if isinstance(operation, dict) and operation.get("extRef") == ext_ref:
                status = str(operation.get("status") or "")
                outcome = {"success": "refunded", "failure": "failed"}.get(status, "refund_pending")
                try:
                    amount = _money(operation.get("amount"), operation.get("ccy", answer.get("ccy")))
                except ValueError as exc:
                    raise ProviderUnavailable(f"monobank's refund {ext_ref} of {order_id} cannot "
                                              f"be read: {exc}") from exc
                return ProviderStatus(
                    order_id=_text(answer.get("reference")) or order_id, outcome=outcome,
                    raw_status=status, refund_id=ext_ref, amount=amount, raw=operation,
                    modified_at=parse_date(operation.get("modifiedDate")))
        return ProviderStatus(order_id=order_id, outcome="unknown", raw_status="not_found",
                              refund_id=ext_ref)

    def cancel(self, order_id: str) -> None:
        """Invalidate an unpaid invoice (monobank's `remove`); one monobank has not is gone."""
        self._call("POST", "/api/merchant/invoice/remove", "invoice/remove",
                   json={"invoiceId": order_id}, missing_ok=True)

    def parse_webhook(self, raw_body: bytes, x_sign: str) -> ProviderStatus:
        """Verify (before reading a byte of it) and parse a webhook; ForgedCallback if it does
        not verify with monobank's key, even after fetching the key again."""
        if not x_sign or not self.pubkeys.verify(raw_body, x_sign):
            raise ForgedCallback("The webhook's X-Sign does not verify.")
        try:
            return parse_status(parse_webhook_body(raw_body))
        except ValueError as exc:
            raise ForgedCallback(f"The webhook's amount cannot be read: {exc}") from exc

    def parse_callback(self, form: Mapping[str, str]) -> ProviderStatus:
        """The port's form: `body` (the raw body, as text) and `x_sign` (the header)."""
        return self.parse_webhook(form.get("body", "").encode("utf-8"), form.get("x_sign", ""))

    # -- the merchant --------------------------------------------------------------------------

    def details(self) -> dict[str, Any]:
        return self._call("GET", "/api/merchant/details", "details")

    def check_keys(self) -> str:
        """Prove the token with a harmless call; the merchant's name. AccountRefused if
        monobank refuses the token, ProviderUnavailable if it does not answer."""
        return str(self.details().get("merchantName") or "")

    def pubkey(self) -> str:
        key = self._call("GET", "/api/merchant/pubkey", "pubkey").get("key")
        if not isinstance(key, str) or not key:
            raise ProviderUnavailable("monobank answered pubkey without a key.")
        return key

    # -- plumbing ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, what: str, *, missing_ok: bool = False,
              **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, f"{self.api_base}{path}",
                                          headers={"X-Token": self._token}, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"monobank could not be reached: {exc!r}") from exc
        code = response.status_code
        if code == 404 and missing_ok:
            return None
        if code in (401, 403):
            # the message may reach a seller through a caller: no code or token in it
            raise AccountRefused(_error_code(response) or str(code),
                                 "monobank no longer accepts this account's token.")
        if code == 429 or code >= 500:
            raise ProviderUnavailable(f"monobank answered {code} to {what}.")
        if code >= 400:
            raise ProviderRejected(f"monobank refused {what}: {code} {_error_code(response)}.")
        try:
            answer = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"monobank answered {what} with non-JSON.") from exc
        if not isinstance(answer, dict):
            raise ProviderUnavailable(f"monobank answered {what} with a non-object.")
        return answer


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("errCode") or "") if isinstance(body, dict) else ""


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
