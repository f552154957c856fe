"""monobank acquiring (plata by mono) adapter: every HTTP call chatpay makes to monobank lives here.

Protocol: JSON over HTTPS with the merchant's token in `X-Token`; amounts in minor units with a
numeric ISO 4217 `ccy`. Webhooks are signed: `X-Sign` is base64 of an ECDSA P-256 signature, over
the raw body with SHA-256, by the key `/api/merchant/pubkey` serves (base64 of a PEM); verifying
and reading them needs no network and lives in `monobank_wire`, re-exported here.

How the port's words map onto monobank's: `create_link` makes an invoice (its `invoiceId` is the
link's `provider_ref`, and what `fetch_status`, `refund` and `cancel` take as `order_id`);
`refund` is monobank's `invoice/cancel` (a refund of a paid invoice, named by our `extRef`);
`cancel` is `invoice/remove` (an unpaid invoice can no longer be paid). Unlike LiqPay, monobank
is not idempotent by our reference: each `create_link` makes a new invoice, so a caller that
retries one whose answer it lost keeps the newest `provider_ref` and removes the others.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.errors import AccountRefused, ForgedCallback, ProviderRejected, ProviderUnavailable
from domain.money import Money
from domain.ports import PaymentLink, PaymentRequest, ProviderStatus, RefundResult
from storage.settings_rules import MONOBANK_API
from workers.providers.monobank_wire import (
    CCY,
    MONOBANK_CURRENCIES,
    PUBKEY_REFETCH,
    PubkeyCache,
    amount_of,
    ccy_code,
    currency_of,
    minor_units,
    parse_date,
    parse_status,
    parse_webhook_body,
    supersedes,
    text_of,
    verify_webhook,
)

__all__ = ["CCY", "MONOBANK_API", "MONOBANK_CURRENCIES", "MonobankClient", "PubkeyCache",
           "ccy_code", "currency_of", "minor_units", "parse_date", "parse_status",
           "parse_webhook_body", "supersedes", "verify_webhook"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  #: seconds


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
                    amount = amount_of(operation.get("amount"), operation.get("ccy", answer.get("ccy")))
                except ValueError as exc:
                    raise ProviderUnavailable(f"monobank's refund {ext_ref} of {order_id} cannot "
                                              f"be read: {exc}") from exc
                return ProviderStatus(
                    order_id=text_of(answer.get("reference")) or order_id, outcome=outcome,
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
        answer: dict[str, Any] = self._call("GET", "/api/merchant/details", "details")
        return answer

    def check_keys(self) -> str:
        """Prove the token with a harmless call; the merchant's name. AccountRefused if
        monobank refuses the token, ProviderUnavailable if it does not answer."""
        try:
            return str(self.details().get("merchantName") or "")
        except AccountRefused as exc:  # said to no seller: the code helps whoever reads the log
            raise AccountRefused(exc.reason, "monobank did not accept this token.") from exc

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
