"""LiqPay signing, callback verification and status mapping, checked against the docs' own vectors."""
from __future__ import annotations

import base64
import json
from datetime import datetime, UTC
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from domain.errors import ForgedCallback
from domain.money import Money
from domain.ports import PaymentRequest
from workers.providers.liqpay import LiqPayClient, decode_data, encode_data, outcome_of, sign

DOCS_PUBLIC_KEY = "i00000000"
DOCS_PRIVATE_KEY = "a4825234f4bae72a0be04eafe9e8e2bada209255"


def test_encode_reproduces_the_docs_data_and_signature_byte_for_byte():
    # https://www.liqpay.ua/documentation/en/data_signature
    client = LiqPayClient(DOCS_PUBLIC_KEY, DOCS_PRIVATE_KEY)
    params = {"public_key": "i00000000", "version": "3", "action": "pay", "amount": "3",
              "currency": "UAH", "description": "test", "order_id": "000001"}
    data, signature = client.encode(params)
    assert data == (
        "eyJwdWJsaWNfa2V5IjoiaTAwMDAwMDAwIiwidmVyc2lvbiI6IjMiLCJhY3Rpb24iOiJwYXkiLCJhbW91bnQiOiIzIiwi"
        "Y3VycmVuY3kiOiJVQUgiLCJkZXNjcmlwdGlvbiI6InRlc3QiLCJvcmRlcl9pZCI6IjAwMDAwMSJ9"
    )
    assert signature == "wR+UZDC4jjeL/qUOvIsofIWpZh8="


def test_sign_reproduces_the_checkout_page_sample_signature():
    # The checkout page's form sample: data as the docs print it (76-column base64 from the
    # `base64` tool, newlines included), signed with the placeholder key "your_private_key".
    data = (
        "eyAidmVyc2lvbiIgOiAzLCAicHVibGljX2tleSIgOiAieW91cl9wdWJsaWNfa2V5IiwgImFjdGlv\n"
        "biIgOiAicGF5IiwgImFtb3VudCIgOiAxLCAiY3VycmVuY3kiIDogIlVTRCIsICJkZXNjcmlwdGlv\n"
        "biIgOiAiZGVzY3JpcHRpb24gdGV4dCIsICJvcmRlcl9pZCIgOiAib3JkZXJfaWRfMSIgfQ=="
    )
    assert sign(data, "your_private_key") == "QvJD5u9Fg55PCx/Hdz6lzWtYwcI="
    assert decode_data(data)["order_id"] == "order_id_1"


def test_create_link_carries_every_checkout_param_without_a_network_call():
    client = LiqPayClient("pub", "priv", "http://sandbox.test/liqpay/")
    request = PaymentRequest(
        order_id="inv-1", amount=Money(Decimal("150.50"), "UAH"), description="Тест",
        expires_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        server_url="https://shop.test/cb", result_url="https://shop.test/done", language="en",
    )
    url = client.create_link(request).url
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://sandbox.test/liqpay/api/3/checkout"
    query = parse_qs(parts.query)
    data, signature = query["data"][0], query["signature"][0]
    assert sign(data, "priv") == signature
    params = decode_data(data)
    assert params == {
        "version": 3, "public_key": "pub", "action": "pay", "amount": "150.50", "currency": "UAH",
        "description": "Тест", "order_id": "inv-1", "expired_date": "2030-01-02 03:04:05",
        "server_url": "https://shop.test/cb", "result_url": "https://shop.test/done", "language": "en",
    }


def _callback(body: dict, private_key: str = "priv") -> dict[str, str]:
    data = encode_data(body)
    return {"data": data, "signature": sign(data, private_key)}


PAID = {"action": "pay", "payment_id": 123, "status": "success", "version": 3, "public_key": "pub",
        "order_id": "inv-1", "amount": 150.5, "currency": "UAH"}


def test_a_signed_callback_round_trips_to_a_paid_status_with_an_exact_amount():
    status = LiqPayClient("pub", "priv").parse_callback(_callback(PAID))
    assert status.outcome == "paid"
    assert status.raw_status == "success"
    assert status.amount == Money(Decimal("150.50"), "UAH")
    assert status.provider_payment_id == "123"
    assert status.order_id == "inv-1"


def test_amounts_in_callbacks_never_pass_through_float():
    data = base64.b64encode(json.dumps({**PAID, "amount": "@"}).replace('"@"', "9007199254740993.01")
                            .encode()).decode()
    status = LiqPayClient("pub", "priv").parse_callback({"data": data, "signature": sign(data, "priv")})
    assert status.raw["amount"] == Decimal("9007199254740993.01")
    assert status.amount == Money(Decimal("9007199254740993.01"), "UAH")


@pytest.mark.parametrize("tamper", [
    lambda f: {**f, "signature": sign(f["data"], "someone-else")},
    lambda f: {**f, "data": f["data"][:-4] + "AAAA"},
    lambda f: {"data": f["data"]},
    lambda f: {"signature": f["signature"]},
    lambda f: {"data": "%%%not base64", "signature": sign("%%%not base64", "priv")},
    lambda f: {"data": "bm90IGpzb24=", "signature": sign("bm90IGpzb24=", "priv")},
])
def test_a_forged_or_broken_callback_is_rejected(tamper):
    with pytest.raises(ForgedCallback):
        LiqPayClient("pub", "priv").parse_callback(tamper(_callback(PAID)))


def test_a_callback_for_another_merchant_is_rejected():
    with pytest.raises(ForgedCallback):
        LiqPayClient("pub", "priv").parse_callback(_callback({**PAID, "public_key": "other"}))


def test_a_failed_callback_keeps_the_reason():
    body = {**PAID, "status": "failure", "err_code": "limit", "err_description": "Insufficient funds"}
    status = LiqPayClient("pub", "priv").parse_callback(_callback(body))
    assert (status.outcome, status.error_code, status.error_description) == (
        "failed", "limit", "Insufficient funds")


@pytest.mark.parametrize(("raw", "outcome"), [
    ("success", "paid"), ("sandbox", "paid"),
    ("failure", "failed"), ("error", "failed"),
    ("reversed", "reversed"),
    ("refund", "refunded"), ("refund_wait", "refund_pending"),
    *[(s, "pending") for s in (
        "processing", "wait_accept", "3ds_verify", "otp_verify", "cvv_verify", "invoice_wait",
        "prepared", "wait_secure", "hold_wait", "cash_wait", "wait_card", "wait_lc", "wait_reserve",
        "wait_compensation", "wait_sender", "something_new")],
])
def test_status_mapping(raw, outcome):
    assert outcome_of(raw) == outcome


def test_a_status_answer_for_an_unknown_order_is_unknown_not_failed():
    assert outcome_of("error", "payment_not_found") == "unknown"
    assert outcome_of("error", "order_not_found") == "unknown"
