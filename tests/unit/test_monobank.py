"""monobank acquiring's adapter without the network: X-Sign verification, status mapping, minor
units and numeric currency codes, and which of two facts about an invoice is the newer."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain.errors import ForgedCallback
from domain.money import Money
from workers.providers.monobank import (
    PubkeyCache,
    ccy_code,
    currency_of,
    minor_units,
    parse_status,
    supersedes,
    verify_webhook,
)


def _key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(pem).decode()


def _sign(private: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


BODY = json.dumps({"invoiceId": "p2_9ZgpZVsl3", "status": "success", "amount": 4200,
                   "ccy": 980, "modifiedDate": "2026-12-07T15:00:01.250Z"}).encode()


def test_a_body_signed_with_the_key_verifies():
    private, pubkey = _key()
    assert verify_webhook(BODY, _sign(private, BODY), pubkey)


def test_one_changed_byte_of_the_body_does_not_verify():
    private, pubkey = _key()
    signature = _sign(private, BODY)
    changed = BODY.replace(b"4200", b"4201")
    assert changed != BODY
    assert not verify_webhook(changed, signature, pubkey)


def test_a_signature_by_another_key_does_not_verify():
    private, _ = _key()
    _, other_pubkey = _key()
    assert not verify_webhook(BODY, _sign(private, BODY), other_pubkey)


@pytest.mark.parametrize("signature", ["", "not base64!", base64.b64encode(b"junk").decode()])
def test_a_missing_or_malformed_signature_does_not_verify(signature):
    _, pubkey = _key()
    assert not verify_webhook(BODY, signature, pubkey)


def test_a_malformed_public_key_verifies_nothing():
    private, _ = _key()
    assert not verify_webhook(BODY, _sign(private, BODY), base64.b64encode(b"no pem").decode())


def test_the_pubkey_cache_fetches_again_once_when_a_check_fails():
    old, old_pub = _key()
    new, new_pub = _key()
    served = [old_pub, new_pub]
    fetches: list[str] = []

    def fetch() -> str:
        fetches.append(served[0])
        return served[0]

    cache = PubkeyCache(fetch, refetch_every=0)
    assert cache.verify(BODY, _sign(old, BODY))
    assert cache.verify(BODY, _sign(old, BODY))
    assert len(fetches) == 1  # cached
    served[0] = new_pub  # monobank rotated its key
    assert cache.verify(BODY, _sign(new, BODY))
    assert len(fetches) == 2
    assert not cache.verify(BODY, _sign(old, BODY))  # fetched again once, still fails
    assert len(fetches) == 3


def test_forged_webhooks_do_not_make_the_cache_fetch_the_key_again_and_again():
    private, pubkey = _key()
    fetches: list[int] = []

    def fetch() -> str:
        fetches.append(1)
        return pubkey

    cache = PubkeyCache(fetch, refetch_every=3600)
    forged = _sign(_key()[0], BODY)
    for _ in range(5):
        assert not cache.verify(BODY, forged)
    assert cache.verify(BODY, _sign(private, BODY))
    assert len(fetches) == 1


@pytest.mark.parametrize(("amount", "currency", "minor", "ccy"), [
    ("42.00", "UAH", 4200, 980), ("0.01", "USD", 1, 840), ("1234.56", "EUR", 123456, 978)])
def test_amounts_go_in_minor_units_with_the_numeric_currency_code(amount, currency, minor, ccy):
    money = Money(Decimal(amount), currency)
    assert minor_units(money) == minor
    assert ccy_code(currency) == ccy
    assert currency_of(ccy) == currency


def test_a_currency_monobank_does_not_take_is_refused():
    with pytest.raises(ValueError):
        ccy_code("PLN")
    with pytest.raises(ValueError):
        currency_of(985)


@pytest.mark.parametrize(("status", "outcome"), [
    ("created", "unknown"), ("processing", "pending"), ("hold", "pending"),
    ("success", "paid"), ("failure", "failed"), ("reversed", "reversed"),
    ("expired", "failed")])
def test_each_status_maps_onto_the_ports_outcome(status, outcome):
    fact = parse_status({"invoiceId": "inv1", "status": status, "amount": 4200, "ccy": 980,
                         "reference": "ord-1"})
    assert fact.outcome == outcome
    assert fact.raw_status == status
    assert fact.provider_payment_id == "inv1"
    assert fact.amount == Money(Decimal("42.00"), "UAH")


def test_a_failure_carries_its_reason_and_code():
    fact = parse_status({"invoiceId": "inv1", "status": "failure", "amount": 100, "ccy": 980,
                         "failureReason": "Недостатньо коштів", "errCode": "59"})
    assert (fact.error_code, fact.error_description) == ("59", "Недостатньо коштів")


def test_an_expired_invoice_is_a_failure_coded_expired():
    fact = parse_status({"invoiceId": "inv1", "status": "expired", "amount": 100, "ccy": 980})
    assert (fact.outcome, fact.error_code) == ("failed", "expired")


def test_refunds_are_counted_per_cancel_operation_only_when_each_succeeded():
    fact = parse_status({
        "invoiceId": "inv1", "status": "success", "amount": 10000, "finalAmount": 7000,
        "ccy": 980, "cancelList": [
            {"extRef": "rf-1", "status": "success", "amount": 3000, "ccy": 980},
            {"extRef": "rf-2", "status": "processing", "amount": 1000, "ccy": 980},
            {"extRef": "rf-3", "status": "failure", "amount": 500, "ccy": 980}]})
    assert fact.outcome == "paid"
    assert fact.refund_total == Money(Decimal("30.00"), "UAH")


def test_no_successful_refund_means_no_refund_total():
    fact = parse_status({"invoiceId": "inv1", "status": "success", "amount": 100, "ccy": 980})
    assert fact.refund_total is None


@pytest.mark.parametrize("amount", [0, -5, 2**63, "12.5", None])
def test_an_amount_that_is_not_a_payable_number_of_minor_units_is_refused(amount):
    with pytest.raises(ValueError):
        parse_status({"invoiceId": "inv1", "status": "success", "amount": amount, "ccy": 980})


def test_the_modified_date_is_read_as_an_aware_datetime():
    fact = parse_status({"invoiceId": "inv1", "status": "processing", "amount": 1, "ccy": 980,
                         "modifiedDate": "2026-12-07T15:00:01Z"})
    assert fact.modified_at == datetime(2026, 12, 7, 15, 0, 1, tzinfo=UTC)


def _at(status: str, when: str) -> object:
    return parse_status({"invoiceId": "inv1", "status": status, "amount": 1, "ccy": 980,
                         "modifiedDate": when})


def test_an_older_fact_never_supersedes_a_newer_one():
    processing = _at("processing", "2026-12-07T15:00:01.100Z")
    success = _at("success", "2026-12-07T15:00:02.200Z")
    assert supersedes(success, processing)
    assert not supersedes(processing, success)


def test_within_the_same_second_the_later_status_in_an_invoices_life_wins():
    processing = _at("processing", "2026-12-07T15:00:01Z")
    success = _at("success", "2026-12-07T15:00:01Z")
    assert supersedes(success, processing)
    assert not supersedes(processing, success)


def test_a_webhook_body_that_is_not_a_json_object_is_forged():
    from workers.providers.monobank import parse_webhook_body
    with pytest.raises(ForgedCallback):
        parse_webhook_body(b"[1, 2]")
    with pytest.raises(ForgedCallback):
        parse_webhook_body(b"\xff")
