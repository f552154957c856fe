"""The database unavailable to the web edge for a while: provider callbacks are answered 503 (not
acknowledged, so the provider calls again), nothing is half-written, and the payment is applied
once, with one message, when the database is back."""
from __future__ import annotations

from domain.invoice import InvoiceStatus
from tests.faults.conftest import Rig, wait_until


def test_callbacks_wait_for_the_database(rig: Rig) -> None:
    assert rig.sandbox is not None
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(1)
    before = rig.events(invoice.id)

    rig.web_db_down()
    rig.sandbox.pay(invoice.pay_url)  # the sandbox calls back at once, then after 0.5, 1, 2 s
    wait_until(lambda: len(rig.sandbox.callback_log) >= 2, 10, "two refused callbacks")
    assert [e.get("status_code") for e in rig.sandbox.callback_log] == [503, 503]
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    assert len(rig.events(invoice.id)) == len(before)  # nothing half-written

    rig.web_db_up()
    wait_until(lambda: rig.sandbox.callback_log[-1].get("status_code") == 200, 10, "a stored callback")
    assert [e.get("status_code") for e in rig.sandbox.callback_log][-1:] == [200]
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and current.paid_amount == invoice.amount
    wait_until(lambda: len(rig.messages_about(1)) == 2, 10, "the paid message")

    # the provider's own later retry of the same callback (or a re-post) changes nothing
    assert rig.post_callback(rig.sandbox.callback_log[0]["form"]).text == "ok"
    rig.drain()
    assert [e.name for e in rig.events(invoice.id)].count("InvoicePaid") == 1
    assert len(rig.messages_about(1)) == 2


def test_callback_beyond_the_providers_retries_is_applied_on_repost(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(2)
    form = rig.signed(rig.status_body(invoice, "success"))
    rig.web_db_down()
    for _ in range(3):
        answer = rig.post_callback(form)
        assert answer.status_code == 503 and answer.text != "ok"
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    rig.web_db_up()
    assert rig.post_callback(form).text == "ok"
    assert rig.post_callback(form).text == "ok"
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID
    wait_until(lambda: len(rig.messages_about(2)) == 2, 10, "the paid message")
    rig.drain()
    assert len(rig.messages_about(2)) == 2
