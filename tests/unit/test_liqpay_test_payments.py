"""LiqPay's `sandbox` status is a test payment: money moved only if the account is a sandbox one."""
from __future__ import annotations

from typing import Any

from workers.providers.liqpay import LiqPayClient, encode_data, sign

BODY: dict[str, Any] = {"public_key": "", "order_id": "cp-1", "status": "sandbox",
                        "amount": 12.5, "currency": "UAH", "payment_id": 42}


def _callback(public_key: str, private_key: str, status: str = "sandbox") -> dict[str, str]:
    data = encode_data({**BODY, "public_key": public_key, "status": status})
    return {"data": data, "signature": sign(data, private_key)}


def test_a_test_payment_on_a_live_account_is_not_paid_and_says_why():
    client = LiqPayClient("i12345678901", "live-private")
    status = client.parse_callback(_callback("i12345678901", "live-private"))
    assert status.outcome == "failed"
    assert status.error_description == "test payment on a live account"
    assert status.raw_status == "sandbox"


def test_a_test_payment_on_a_sandbox_account_is_paid():
    client = LiqPayClient("sandbox_i1", "sandbox_private")
    status = client.parse_callback(_callback("sandbox_i1", "sandbox_private"))
    assert status.outcome == "paid"


def test_a_real_success_on_a_live_account_is_paid():
    client = LiqPayClient("i12345678901", "live-private")
    assert client.parse_callback(_callback("i12345678901", "live-private", "success")).outcome == "paid"
