"""Orders and their life: open from a signed checkout link, charge a test card, confirm 3-D Secure,
settle to a status (which sends the callback)."""
from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.liqpay.callbacks import CallbackDelivery
from sandbox.liqpay.wire import _sign, describe

CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3DS = "4000000000003063"
THREE_DS_CODE = "111111"
CURRENCIES = frozenset({"UAH", "USD", "EUR"})
FINAL_STATUSES = frozenset({"success", "sandbox", "failure", "error", "reversed"})
PAID = frozenset({"success", "sandbox"})


def _now_ms() -> int:
    return int(time.time() * 1000)


class Orders(CallbackDelivery):
    """The orders the sandbox knows, by order_id; one lock guards them."""

    orders: dict[str, dict[str, Any]]
    _lock: threading.RLock
    _ids: itertools.count[int]  #: payment ids

    def _decode(self, data: str, signature: str) -> tuple[dict[str, Any], str] | str:
        """The params and private key of a signed request, or the err_code saying why not."""
        try:
            params = json.loads(base64.b64decode(data), parse_float=Decimal)
        except (binascii.Error, ValueError):
            return "invalid_signature"
        if not isinstance(params, dict):
            return "invalid_signature"
        private_key = self.keys.get(str(params.get("public_key")))
        if private_key is None:
            return "public_key_not_found"
        if not hmac.compare_digest(_sign(data, private_key).encode(), signature.encode()):
            return "invalid_signature"
        return params, private_key

    def _open(self, data: str, signature: str) -> dict[str, Any] | str:
        """Register (or refresh) the order a checkout link describes; an err_code if it is refused."""
        decoded = self._decode(data, signature)
        if isinstance(decoded, str):
            return decoded
        params, _ = decoded
        order_id = str(params.get("order_id") or "")
        if not order_id:
            return "order_id_empty"
        try:
            amount = Decimal(str(params["amount"]))
        except (KeyError, InvalidOperation):
            return "err_limit_amount"
        if params.get("currency") not in CURRENCIES or amount <= 0:
            return "err_limit_amount"
        with self._lock:
            state = self.orders.get(order_id)
            if state is not None and (state["status"] in PAID or state["status"] == "reversed"):
                return state
            if state is None:
                state = self.orders[order_id] = {
                    "order_id": order_id, "token": secrets.token_urlsafe(12), "status": None,
                    "payment_id": None, "liqpay_order_id": None, "refunded": Decimal(0),
                    "create_date": _now_ms(), "end_date": None, "card_mask": None,
                    "err_code": None, "cancelled": False,
                }
            state.update(
                public_key=params["public_key"], amount=amount, currency=params["currency"],
                description=str(params.get("description", "")), action=str(params.get("action", "pay")),
                expired_date=params.get("expired_date"), server_url=params.get("server_url"),
                result_url=params.get("result_url"), language=params.get("language", "uk"),
                sandbox=str(params.get("sandbox", "")) == "1",
            )
            return state

    def _expired(self, state: dict[str, Any]) -> bool:
        if not state.get("expired_date"):
            return False
        expires = datetime.strptime(state["expired_date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        return datetime.now(UTC) >= expires

    def _charge(self, state: dict[str, Any], card: str) -> str:
        card = re.sub(r"[\s-]", "", card)
        with self._lock:
            if state["status"] in PAID or state["status"] == "reversed":
                return str(state["status"])  # already paid: never charged twice
            if state["cancelled"]:
                return self._settle(state, "error", "invoice_canceled")
            if self._expired(state):
                return self._settle(state, "error", "expired")
            state.update(payment_id=next(self._ids), liqpay_order_id=f"SBX{secrets.token_hex(8).upper()}",
                         create_date=_now_ms(), end_date=None, err_code=None,
                         card_mask=f"{card[:6]}*{card[-2:]}" if len(card) >= 8 else "*")
            if card == CARD_SUCCESS:
                return self._settle(state, "sandbox" if state["sandbox"] else "success")
            if card == CARD_3DS:
                return self._settle(state, "3ds_verify")
            if card == CARD_DECLINED:
                return self._settle(state, "failure", "limit")
            return self._settle(state, "failure", "card_number_invalid")

    def _confirm(self, state: dict[str, Any], code: str) -> str:
        with self._lock:
            if state["status"] != "3ds_verify":
                return str(state["status"])
            if code.strip() == THREE_DS_CODE:
                return self._settle(state, "sandbox" if state["sandbox"] else "success")
            return self._settle(state, "failure", "err_verify_code")

    def _settle(self, state: dict[str, Any], status: str, err_code: str | None = None) -> str:
        """Move an order to a status and tell the merchant's server, as LiqPay does on every change."""
        if state["payment_id"] is None:
            state.update(payment_id=next(self._ids), liqpay_order_id=f"SBX{secrets.token_hex(8).upper()}")
        state.update(status=status, err_code=err_code, end_date=_now_ms() if status in FINAL_STATUSES else None)
        self._schedule_callback(state)
        return status

    def status_object(self, state: dict[str, Any]) -> dict[str, Any]:
        """The order as LiqPay's status answer and callbacks describe it."""
        return describe(state)
