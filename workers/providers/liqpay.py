"""LiqPay API v3 adapter: every HTTP call chatpay makes to LiqPay lives in this module.

Protocol: `data = base64(json)`, `signature = base64(sha1(private_key + data + private_key))`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from domain.errors import AccountRefused, ForgedCallback, ProviderRejected, ProviderUnavailable
from domain.money import Money
from domain.ports import (
    LIQPAY_CURRENCIES,
    PaymentLink,
    PaymentRequest,
    ProviderStatus,
    RefundResult,
)
from storage.settings import is_sandbox_key

logger = logging.getLogger(__name__)

API_VERSION = 3
DEFAULT_TIMEOUT = 10.0  #: seconds
EXPIRED_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  #: UTC, what LiqPay expects in `expired_date`

#: "sandbox" is a test payment: paid only on a sandbox account (public key `sandbox_…`)
PAID_STATUSES = frozenset({"success", "sandbox"})
TEST_STATUS = "sandbox"
TEST_PAYMENT_CODE = "test_payment"  #: our err_code for a test payment on a live account
TEST_PAYMENT_REASON = "test payment on a live account"
FAILED_STATUSES = frozenset({"failure", "error"})
REVERSED_STATUSES = frozenset({"reversed"})
REFUNDED_STATUSES = frozenset({"refund", "refunded"})
#: a refund LiqPay accepted but has not finished; it counts only once it is done
REFUND_PENDING_STATUSES = frozenset({"refund_wait"})
#: err_code values a status call answers with when LiqPay has never seen the order.
NOT_FOUND_CODES = frozenset({"payment_not_found", "order_not_found"})
#: err_code values with which LiqPay refuses a request for the keys it is signed with, not for a
#: payment: the account's keys are revoked, or the pair does not match
KEYS_REFUSED_CODES = frozenset({"public_key_not_found", "err_auth", "invalid_signature"})
#: the largest amount the database holds (BIGINT minor units)
MAX_MINOR_UNITS = 2**63 - 1


def sign(data: str, private_key: str) -> str:
    """LiqPay's signature of an already base64-encoded `data` string."""
    digest = hashlib.sha1((private_key + data + private_key).encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_data(params: Mapping[str, Any]) -> str:
    """base64 of the compact JSON LiqPay's own SDKs produce (the docs' sample matches it byte for byte)."""
    text = json.dumps(dict(params), separators=(",", ":"), ensure_ascii=True, default=str)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_data(data: str) -> dict[str, Any]:
    """Read a `data` field; numbers become Decimal, never float. Raises ValueError on garbage."""
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=False)
        obj = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (binascii.Error, UnicodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"Not base64-encoded JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError("The decoded data is not a JSON object.")
    return obj


def outcome_of(status: str, err_code: str | None = None) -> str:
    """Our outcome for a LiqPay status word (see domain.ports.ProviderStatus)."""
    if err_code in NOT_FOUND_CODES:
        return "unknown"
    if status in PAID_STATUSES:
        return "paid"
    if status in FAILED_STATUSES:
        return "failed"
    if status in REVERSED_STATUSES:
        return "reversed"
    if status in REFUNDED_STATUSES:
        return "refunded"
    if status in REFUND_PENDING_STATUSES:
        return "refund_pending"
    return "pending"


class LiqPayClient:
    """domain.ports.PaymentProvider for LiqPay (or anything speaking its protocol, like the sandbox)."""

    name = "liqpay"
    currencies = LIQPAY_CURRENCIES

    def __init__(
        self,
        public_key: str,
        private_key: str,
        api_base: str = "https://www.liqpay.ua",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        sandbox: bool = False,
    ) -> None:
        self.public_key = public_key
        self._private_key = private_key
        self.api_base = api_base.rstrip("/")
        self.sandbox = sandbox
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    # -- signing -------------------------------------------------------------------------------

    def encode(self, params: Mapping[str, Any]) -> tuple[str, str]:
        data = encode_data(params)
        return data, sign(data, self._private_key)

    def _verify(self, data: str, signature: str) -> bool:
        expected = sign(data, self._private_key)
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))

    # -- the port ------------------------------------------------------------------------------

    def create_link(self, request: PaymentRequest) -> PaymentLink:
        params: dict[str, Any] = {
            "version": API_VERSION,
            "public_key": self.public_key,
            "action": "pay",
            "amount": str(request.amount.amount),
            "currency": request.amount.currency,
            "description": request.description,
            "order_id": request.order_id,
            "expired_date": request.expires_at.astimezone(UTC).strftime(EXPIRED_DATE_FORMAT),
            "server_url": request.server_url,
            "result_url": request.result_url,
            "language": request.language,
        }
        if self.sandbox:
            params["sandbox"] = 1
        data, signature = self.encode(params)
        query = urlencode({"data": data, "signature": signature})
        return PaymentLink(url=f"{self.api_base}/api/3/checkout?{query}", provider_ref=request.order_id)

    def fetch_status(self, order_id: str) -> ProviderStatus:
        answer = self._request({"action": "status", "order_id": order_id})
        if (
            answer.get("result") == "error"
            and answer.get("err_code") not in NOT_FOUND_CODES
            and answer.get("payment_id") is None
        ):
            # The request itself was refused (bad keys, bad signature), not the payment.
            raise ProviderRejected(self._describe_refusal("status", order_id, answer))
        return self._status_from(answer, order_id)

    def parse_callback(self, form: Mapping[str, str]) -> ProviderStatus:
        data, signature = form.get("data"), form.get("signature")
        if not isinstance(data, str) or not isinstance(signature, str) or not data or not signature:
            raise ForgedCallback("The callback has no data or no signature.")
        if not self._verify(data, signature):
            raise ForgedCallback("The callback's signature does not verify.")
        try:
            body = decode_data(data)
        except ValueError as exc:
            raise ForgedCallback(str(exc)) from exc
        if body.get("public_key") != self.public_key:
            raise ForgedCallback("The callback names another merchant's public key.")
        order_id = body.get("order_id")
        if not isinstance(order_id, str) or not isinstance(body.get("status"), str):
            raise ForgedCallback("The callback has no order_id or no status.")
        try:
            return self._status_from(body, order_id)
        except (ValueError, ArithmeticError) as exc:
            raise ForgedCallback(f"The callback's amount cannot be read: {exc}") from exc

    def refund(self, order_id: str, amount: Money, refund_id: str | None = None) -> RefundResult:
        """Refund `amount` of the order (LiqPay names no refund: `refund_id` is not sent)."""
        answer = self._request({"action": "refund", "order_id": order_id, "amount": str(amount.amount)})
        if answer.get("result") == "error" or answer.get("status") in FAILED_STATUSES:
            raise ProviderRejected(self._describe_refusal("refund", order_id, answer))
        status = str(answer.get("status", ""))
        return RefundResult(order_id=order_id, ok=True, raw_status=status, raw=answer)

    def cancel(self, order_id: str) -> None:
        answer = self._request({"action": "invoice_cancel", "order_id": order_id})
        if answer.get("result") == "error" and answer.get("err_code") not in NOT_FOUND_CODES:
            raise ProviderRejected(self._describe_refusal("invoice_cancel", order_id, answer))

    def check_keys(self) -> None:
        """Prove the keys with a harmless authenticated call: the status of an order that cannot
        exist. LiqPay answers "not found" only to a request signed with a pair it knows; a key
        or signature error raises ProviderRejected with LiqPay's reason, no answer raises
        ProviderUnavailable."""
        order_id = f"chatpay-key-check-{secrets.token_hex(8)}"
        try:
            answer = self._request({"action": "status", "order_id": order_id})
        except AccountRefused as exc:  # said to no seller: the code helps whoever reads the log
            raise AccountRefused(
                exc.reason, f"LiqPay did not accept these keys: {exc.reason}.") from exc
        if answer.get("result") == "error" and answer.get("err_code") not in NOT_FOUND_CODES:
            raise ProviderRejected(
                f"LiqPay did not accept these keys: {answer.get('err_code')} "
                f"({answer.get('err_description')}).")

    # -- plumbing ------------------------------------------------------------------------------

    def _request(self, params: dict[str, Any]) -> dict[str, Any]:
        data, signature = self.encode({"version": API_VERSION, "public_key": self.public_key, **params})
        url = f"{self.api_base}/api/request"
        try:
            response = self._http.post(url, data={"data": data, "signature": signature})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"LiqPay could not be reached: {exc!r}") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(f"LiqPay answered {response.status_code} to {params['action']}.")
        if response.status_code >= 400:
            raise ProviderRejected(f"LiqPay answered {response.status_code} to {params['action']}.")
        try:
            answer = json.loads(response.text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise ProviderUnavailable(f"LiqPay answered {params['action']} with non-JSON.") from exc
        if not isinstance(answer, dict):
            raise ProviderUnavailable(f"LiqPay answered {params['action']} with a non-object.")
        code = answer.get("err_code")
        if answer.get("result") == "error" and code in KEYS_REFUSED_CODES \
                and answer.get("payment_id") is None:
            # the message may reach a seller through a caller (a refund refused): no code in it
            raise AccountRefused(str(code), "LiqPay no longer accepts this account's keys.")
        return answer

    def _status_from(self, body: dict[str, Any], order_id: str) -> ProviderStatus:
        raw_status = str(body.get("status") or body.get("result") or "")
        err_code = _text(body.get("err_code"))
        amount = None
        if body.get("amount") is not None and isinstance(body.get("currency"), str):
            amount = Money.parse_provider(body["amount"], body["currency"])
            # a payment of nothing, of less than nothing, or of more than we can store is not one
            if not amount.amount.is_finite() or amount.amount <= 0 \
                    or amount.to_minor_units() > MAX_MINOR_UNITS:
                raise ValueError(f"Amount {body['amount']!r} is not a payable amount.")
        refund_total = None
        if body.get("refund_amount") is not None and isinstance(body.get("currency"), str):
            # everything refunded on the order so far; a partial refund keeps status `success`
            refund_total = Money.parse_provider(body["refund_amount"], body["currency"])
            if not refund_total.amount.is_finite() or refund_total.amount < 0 \
                    or refund_total.to_minor_units() > MAX_MINOR_UNITS:
                raise ValueError(f"Refund amount {body['refund_amount']!r} cannot be stored.")
            if refund_total.amount == 0:
                refund_total = None
        outcome, description = outcome_of(raw_status, err_code), _text(body.get("err_description"))
        if raw_status == TEST_STATUS and not is_sandbox_key(self.public_key):
            # A test card charged nothing, yet the answer is signed with the live key. Not
            # "paid" (no money moved) and not "pending" (polling would only hear it again):
            # "failed" tells the seller at once, and a real payment later still counts (paid
            # late beats failed).
            outcome, err_code, description = "failed", TEST_PAYMENT_CODE, TEST_PAYMENT_REASON
        return ProviderStatus(
            order_id=str(body.get("order_id") or order_id),
            outcome=outcome,
            raw_status=raw_status,
            amount=amount,
            provider_payment_id=_text(body.get("payment_id")),
            error_code=err_code,
            error_description=description,
            raw=body,
            refund_total=refund_total,
        )

    @staticmethod
    def _describe_refusal(action: str, order_id: str, answer: dict[str, Any]) -> str:
        return (
            f"LiqPay refused {action} for order {order_id}: "
            f"{answer.get('err_code')} ({answer.get('err_description')})."
        )


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
