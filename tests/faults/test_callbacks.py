"""Provider callbacks arriving twice, out of order, forged, replayed or fuzzed."""
from __future__ import annotations

import threading

from domain.invoice import InvoiceStatus
from tests.faults.conftest import Rig, wait_until


def _texts(rig: Rig, n: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in rig.messages_about(n)]


def _quiet(rig: Rig, n: int, count: int) -> None:
    """Wait until invoice n has `count` messages, then make sure no more arrive."""
    wait_until(lambda: len(rig.messages_about(n)) >= count, 15, f"{count} messages")
    rig.drain()
    assert len(rig.messages_about(n)) == count, _texts(rig, n)


def test_success_then_late_processing_stays_paid(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(1)
    assert rig.callback(invoice, "success").text == "ok"
    assert rig.callback(invoice, "processing").status_code == 200
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID
    _quiet(rig, 1, 2)  # the QR and one "paid"


def test_failure_then_success_leaves_a_decline_note_and_is_paid(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(2)
    assert rig.callback(invoice, "failure").text == "ok"
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING  # a decline is an attempt
    _quiet(rig, 2, 2)
    assert "відхилено" in _texts(rig, 2)[-1]
    assert rig.callback(invoice, "success").text == "ok"
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and not current.paid_late
    assert current.paid_amount == invoice.amount
    _quiet(rig, 2, 3)  # QR, declined, paid
    assert rig.callback(invoice, "failure").text == "ok"  # an old failure after the success
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID
    _quiet(rig, 2, 3)


def test_same_success_twice_and_concurrently_is_one_message(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(3)
    form = rig.signed(rig.status_body(invoice, "success"))
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(rig.post_callback(form).status_code))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 8
    assert rig.post_callback(form).status_code == 200
    names = [e.name for e in rig.events(invoice.id)]
    assert names.count("InvoicePaid") == 1, names
    _quiet(rig, 3, 2)


def test_forged_callback_is_refused_and_changes_nothing(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(4)
    before = rig.events(invoice.id)
    good = rig.signed(rig.status_body(invoice, "success"))
    other_key = dict(rig.status_body(invoice, "success"), public_key="sandbox_someone_else")
    for form in (
        {"data": good["data"], "signature": "AAAA" + good["signature"][4:]},
        {"data": good["data"][:-4] + "AAA=", "signature": good["signature"]},
        {"data": good["data"], "signature": good["signature"] + "x"},
        rig.signed(other_key),
    ):
        assert rig.post_callback(form).status_code == 403
    for form in ({"data": good["data"]}, {"signature": good["signature"]}, {}):
        assert rig.post_callback(form).status_code == 400
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    assert len(rig.events(invoice.id)) == len(before)
    _quiet(rig, 4, 1)


def test_replayed_callback_changes_nothing_and_sends_nothing(rig: Rig) -> None:
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(5)
    success = rig.signed(rig.status_body(invoice, "success"))
    processing = rig.signed(rig.status_body(invoice, "processing"))
    assert rig.post_callback(processing).status_code == 200
    assert rig.post_callback(success).status_code == 200
    _quiet(rig, 5, 2)
    events = len(rig.events(invoice.id))
    for form in (success, processing, success):
        assert rig.post_callback(form).text == "ok"
    assert len(rig.events(invoice.id)) == events
    # a callback for one invoice replayed against another is about the first one only
    other = rig.pending_invoice(6)
    assert rig.post_callback(success).status_code == 200
    assert rig.invoice(other.id).status is InvoiceStatus.PENDING
    _quiet(rig, 5, 2)
    _quiet(rig, 6, 1)
