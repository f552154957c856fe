"""LiqPay's wire format: the signature, JSON with exact amounts, an order's status object and the
error answer.

Implemented here again on purpose, not imported from the adapter, so a bug there is not mirrored.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from decimal import Decimal
from typing import Any

ERRORS = {  # err_code -> err_description, LiqPay's wording where LiqPay has one
    "invalid_signature": "Wrong payment signature",
    "public_key_not_found": "Public_key is not found",
    "payment_not_found": "payment_not_found",
    "order_id_empty": "Order_id is empty",
    "payment_err_status": "Wrong payment status",
    "err_limit_amount": "Amount of payment is more or less than the limit",
    "err_verify_code": "Wrong verification code",
    "err_path": "Wrong request url",
    "limit": "Insufficient funds",
    "card_number_invalid": "card number invalid",
    "expired": "The payment time has expired",
    "invoice_canceled": "The invoice was cancelled",
}

ACQ_ID = 414963

_DECIMAL_MARK = re.compile(r'"\\u0000(-?[0-9.]+)\\u0000"')


def _sign(data: str, private_key: str) -> str:
    return base64.b64encode(hashlib.sha1((private_key + data + private_key).encode()).digest()).decode()


def _dumps(obj: dict[str, Any]) -> str:
    """JSON with Decimal amounts written as JSON numbers (like LiqPay), never through float."""
    marked = {k: f"\0{v}\0" if isinstance(v, Decimal) else v for k, v in obj.items()}
    return _DECIMAL_MARK.sub(r"\1", json.dumps(marked, separators=(",", ":")))


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"result": "error", "status": "error", "err_code": code, "err_description": ERRORS[code], **extra}


def describe(state: dict[str, Any]) -> dict[str, Any]:
    """The order as LiqPay's status answer and callbacks describe it."""
    obj: dict[str, Any] = {
        "action": state["action"], "payment_id": state["payment_id"], "status": state["status"],
        "version": 3, "type": "buy", "paytype": "card", "public_key": state["public_key"],
        "acq_id": ACQ_ID, "order_id": state["order_id"], "liqpay_order_id": state["liqpay_order_id"],
        "description": state["description"], "sender_card_mask2": state["card_mask"],
        "sender_card_bank": "Sandbox Bank", "sender_card_type": "visa", "sender_card_country": 804,
        "ip": "127.0.0.1", "amount": state["amount"], "currency": state["currency"],
        "sender_commission": Decimal("0.0"), "receiver_commission": Decimal("0.0"),
        "agent_commission": Decimal("0.0"), "amount_debit": state["amount"],
        "amount_credit": state["amount"], "currency_debit": state["currency"],
        "currency_credit": state["currency"], "is_3ds": state["card_mask"] == "400000*63",
        "language": state["language"], "create_date": state["create_date"],
        "end_date": state["end_date"], "transaction_id": state["payment_id"],
    }
    if state["status"] in ("success", "sandbox"):  # the bank's authorisation of the debit
        obj["authcode_debit"] = f"{int(state['payment_id']) % 1_000_000:06d}"
    if state["refunded"]:
        obj["refund_amount"] = state["refunded"]
    if state["err_code"]:
        obj.update(err_code=state["err_code"], err_description=ERRORS[state["err_code"]])
    return obj
