"""Invoices and their life, as monobank acquiring keeps them: created, paid with a test card
(processing, then success or failure), refunded in parts by cancel operations named by extRef
(reversed once nothing is left), removed, or expired when their validity runs out. Every change
stamps a later `modifiedDate` and sends a webhook."""
from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sandbox.liqpay.orders import CARD_3DS, CARD_DECLINED, CARD_SUCCESS
from sandbox.monobank.webhooks import WebhookDelivery

#: ISO 4217 numeric codes monobank acquiring takes
CCY = frozenset({980, 840, 978})
DEFAULT_VALIDITY = 24 * 3600  #: seconds, monobank's default
#: the stand-in's decline (its own code and words; monobank's reasons are Ukrainian text)
DECLINES = {
    CARD_DECLINED: ("59", "Недостатньо коштів"),
    "": ("1003", "Невірний номер картки"),
}
REFUND_MODES = ("", "pending", "fail")


class Refused(Exception):
    """Raised when a request is refused: (HTTP status, errCode, errText)."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


def iso_date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{ms % 1000:03d}Z"


class Invoices(WebhookDelivery):
    """The invoices the stand-in knows, by invoiceId; one lock guards them."""

    invoices: dict[str, dict[str, Any]]
    refund_mode: str  #: "" (refunds succeed at once) | "pending" (until finish_refunds) | "fail"
    _lock: threading.RLock

    def _stamp(self, invoice: dict[str, Any]) -> None:
        """A later modifiedDate than the last, even within one millisecond."""
        invoice["modified_ms"] = max(int(time.time() * 1000), invoice.get("modified_ms", 0) + 1)

    def create_invoice(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        amount, ccy = body.get("amount"), body.get("ccy", 980)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise Refused(400, "BAD_REQUEST", "amount must be a positive number of minor units")
        if ccy not in CCY:
            raise Refused(400, "BAD_REQUEST", "ccy is not supported")
        validity = body.get("validity", DEFAULT_VALIDITY)
        if isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0:
            raise Refused(400, "BAD_REQUEST", "validity must be a positive number of seconds")
        given = body.get("merchantPaymInfo")
        info: dict[str, Any] = given if isinstance(given, dict) else {}
        invoice_id = f"{time.strftime('%y%m%d')}{secrets.token_urlsafe(9)}"
        invoice = {
            "invoiceId": invoice_id, "token": token, "status": "created", "amount": amount,
            "ccy": ccy, "refunded": 0, "reference": str(info.get("reference") or ""),
            "destination": str(info.get("destination") or ""),
            "redirectUrl": body.get("redirectUrl"), "webHookUrl": body.get("webHookUrl"),
            "expires": time.time() + validity, "created_ms": int(time.time() * 1000),
            "failureReason": None, "errCode": None, "cancelList": [], "paymentInfo": None,
        }
        self._stamp(invoice)
        with self._lock:
            self.invoices[invoice_id] = invoice
        return invoice

    def invoice_of(self, token: str, invoice_id: str) -> dict[str, Any]:
        with self._lock:
            invoice = self.invoices.get(invoice_id)
            if invoice is None or invoice["token"] != token:
                raise Refused(404, "NOT_FOUND", "invoice not found")
            self._expire_if_due(invoice)
            return invoice

    def _expire_if_due(self, invoice: dict[str, Any]) -> None:
        if invoice["status"] == "created" and time.time() >= invoice["expires"]:
            self._change(invoice, "expired")

    def _change(self, invoice: dict[str, Any], status: str, **fields: Any) -> None:
        invoice.update(status=status, **fields)
        self._stamp(invoice)
        self._send_webhook(self.describe(invoice, with_hook=True))

    def charge(self, invoice: dict[str, Any], card: str) -> str:
        """Pay with a test card: processing, then success or failure (a webhook each)."""
        card = re.sub(r"[\s-]", "", card)
        with self._lock:
            self._expire_if_due(invoice)
            if invoice["status"] != "created":
                return str(invoice["status"])  # paid, failed, expired or removed: never again
            masked = f"{card[:6]}******{card[-4:]}" if len(card) >= 10 else "*"
            self._change(invoice, "processing")
            info = {"maskedPan": masked, "paymentSystem": "visa", "paymentMethod": "pan",
                    "tranId": secrets.token_hex(6)}
            if card in (CARD_SUCCESS, CARD_3DS):
                info.update(approvalCode=f"{secrets.randbelow(10**6):06d}",
                            rrn=f"{secrets.randbelow(10**12):012d}")
                self._change(invoice, "success", paymentInfo=info)
            else:
                code, reason = DECLINES.get(card, DECLINES[""])
                self._change(invoice, "failure", paymentInfo=info, errCode=code,
                             failureReason=reason)
            return str(invoice["status"])

    def cancel_payment(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """A refund of a paid invoice (all that is left, or `amount`), made once per extRef."""
        with self._lock:
            invoice = self.invoice_of(token, str(body.get("invoiceId") or ""))
            ext_ref = body.get("extRef")
            made: list[dict[str, Any]] = invoice["cancelList"]
            for operation in made:
                if ext_ref and operation["extRef"] == ext_ref:
                    return operation  # asked again: the same refund, never a second one
            if invoice["status"] != "success":
                raise Refused(400, "BAD_REQUEST", f"invoice is {invoice['status']}, not paid")
            left = invoice["amount"] - sum(op["amount"] for op in invoice["cancelList"]
                                           if op["status"] != "failure")
            amount = body.get("amount", left)
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise Refused(400, "BAD_REQUEST", "amount must be a positive number of minor units")
            if amount > left:
                raise Refused(400, "BAD_REQUEST", f"amount exceeds what is left to refund ({left})")
            now = int(time.time() * 1000)
            operation = {"extRef": ext_ref or secrets.token_hex(6), "amount": amount,
                         "ccy": invoice["ccy"], "created_ms": now, "modified_ms": now,
                         "status": "processing", "approvalCode": f"{secrets.randbelow(10**6):06d}",
                         "rrn": f"{secrets.randbelow(10**12):012d}"}
            invoice["cancelList"].append(operation)
            if self.refund_mode == "pending":
                self._stamp(invoice)
            else:
                self._finish(invoice, operation, "failure" if self.refund_mode == "fail"
                             else "success")
            return operation

    def _finish(self, invoice: dict[str, Any], operation: dict[str, Any], status: str) -> None:
        operation.update(status=status, modified_ms=int(time.time() * 1000))
        if status == "success":
            invoice["refunded"] += operation["amount"]
        self._change(invoice, "reversed" if invoice["refunded"] >= invoice["amount"]
                     else invoice["status"])

    def finish_refunds(self) -> int:
        """Finish every refund still processing, successfully; how many."""
        with self._lock:
            waiting = [(inv, op) for inv in self.invoices.values() for op in inv["cancelList"]
                       if op["status"] == "processing"]
            for invoice, operation in waiting:
                self._finish(invoice, operation, "success")
            return len(waiting)

    def remove(self, token: str, invoice_id: str) -> None:
        """Invalidate an unpaid invoice: it can no longer be paid (it stands expired)."""
        with self._lock:
            invoice = self.invoice_of(token, invoice_id)
            if invoice["status"] in ("success", "reversed", "processing", "hold"):
                raise Refused(400, "BAD_REQUEST", f"invoice is {invoice['status']}")
            if invoice["status"] == "created":
                self._change(invoice, "expired")

    @staticmethod
    def describe(invoice: dict[str, Any], *, with_hook: bool = False) -> dict[str, Any]:
        """The invoice as monobank's status answer (and its webhooks) tell it."""
        answer: dict[str, Any] = {
            "invoiceId": invoice["invoiceId"], "status": invoice["status"],
            "amount": invoice["amount"], "ccy": invoice["ccy"],
            "finalAmount": invoice["amount"] - invoice["refunded"]
            if invoice["status"] in ("success", "reversed") else 0,
            "createdDate": iso_date(invoice["created_ms"]),
            "modifiedDate": iso_date(invoice["modified_ms"]),
            "reference": invoice["reference"], "destination": invoice["destination"],
        }
        if invoice["failureReason"]:
            answer.update(failureReason=invoice["failureReason"], errCode=invoice["errCode"])
        if invoice["paymentInfo"]:
            answer["paymentInfo"] = dict(invoice["paymentInfo"])
        if invoice["cancelList"]:
            answer["cancelList"] = [
                {"status": op["status"], "amount": op["amount"], "ccy": op["ccy"],
                 "createdDate": iso_date(op["created_ms"]), "modifiedDate": iso_date(op["modified_ms"]),
                 "approvalCode": op["approvalCode"], "rrn": op["rrn"], "extRef": op["extRef"]}
                for op in invoice["cancelList"]]
        if with_hook:
            answer["webHookUrl"] = invoice["webHookUrl"]
        return answer
