"""Attempts against the real LiqPay sandbox and web edge, with every callback lost: only asking
the provider finds a payment, so each test fails if expiry or polls ask about the wrong orders.

Handlers run as the worker runs them (`workers.handlers` on the rig's real dependencies), so each
step's outcome can be read before the next; the buyer goes through the real pay page.
"""
from __future__ import annotations


import httpx

from domain.attempts import AttemptState
from domain.invoice import InvoiceStatus
from sandbox.liqpay import CARD_3DS
from tests.faults.conftest import Rig
from tests.faults.test_money_safety import expire_now, poll_now
from workers import polls

CARD_DECLINED = "4000000000000002"
CARD_OK = "4242424242424242"


def press_pay(rig: Rig, code: str) -> str:
    """The buyer presses *Pay* on the pay page: the checkout URL they are sent to."""
    answer = httpx.post(f"{rig.base_url}/p/{code}", data={"email": ""}, timeout=15)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def declined_then_retried(rig: Rig, n: int) -> tuple[str, str, str]:
    """Attempt 1 declined (its callback lost, a poll finds it), the buyer presses *Pay* again:
    returns (invoice id, attempt 1's checkout, attempt 2's checkout)."""
    assert rig.sandbox is not None
    invoice = rig.pending_invoice(n)
    rig.sandbox.callbacks = False
    first = press_pay(rig, invoice.code)
    assert rig.sandbox.pay(first, CARD_DECLINED) == "failure"
    poll_now(rig, invoice.id)
    assert rig.invoice(invoice.id).latest_attempt.state is AttemptState.DECLINED
    second = press_pay(rig, invoice.code)
    assert second != first
    assert [a.order_id for a in rig.invoice(invoice.id).attempts] == [
        f"{invoice.code}-1", f"{invoice.code}-2"]
    assert press_pay(rig, invoice.code) == second  # pressed again: the same attempt, no third
    return invoice.id, first, second


def test_expiry_asks_about_a_declined_attempt_the_buyer_went_back_to_and_paid(rig: Rig):
    assert rig.deps is not None and rig.sandbox is not None
    invoice_id, first, _ = declined_then_retried(rig, 1)
    rig.sandbox.pay(first, CARD_OK)  # on the first checkout, still open in a tab; callback lost

    expire_now(rig, invoice_id)
    polls.expire_invoice(invoice_id, rig.deps)
    current = rig.invoice(invoice_id)
    assert current.status is InvoiceStatus.PAID and not current.paid_late
    assert current.order_id == f"{current.code}-1"  # refunds go to the order that was paid


def test_an_older_attempt_at_the_bank_at_expiry_keeps_the_invoice_settling_until_it_pays(
        rig: Rig):
    assert rig.deps is not None and rig.sandbox is not None
    invoice_id, first, _ = declined_then_retried(rig, 2)
    assert rig.sandbox.pay(first, CARD_3DS) == "3ds_verify"  # attempt 1 again, in 3-D Secure

    expire_now(rig, invoice_id)
    polls.expire_invoice(invoice_id, rig.deps)
    current = rig.invoice(invoice_id)
    assert current.status is InvoiceStatus.PENDING and current.settling
    assert [a.state for a in current.attempts] == [AttemptState.IN_FLIGHT] * 2

    rig.sandbox.confirm_3ds(f"{current.code}-1")
    poll_now(rig, invoice_id)  # the polls ask about each attempt in flight
    current = rig.invoice(invoice_id)
    assert current.status is InvoiceStatus.PAID
    assert current.attempts[0].state is AttemptState.PAID
