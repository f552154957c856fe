"""The provider answering 500, timing out or returning garbage to status polls: the poll backs off
for that invoice alone (30 s, then doubling), with no retry storm on the queue, and the invoice
reaches a clear state once the provider recovers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.commands import PollInvoice
from domain.invoice import InvoiceStatus
from tests.faults.conftest import Rig, make_polls_due, wait_until
from workers.providers.liqpay import LiqPayClient


def poll_state(rig: Rig, invoice_id: str) -> tuple[datetime | None, int]:
    with rig.uow() as uow:
        _, due, errors = uow.invoices.poll_state(invoice_id)
    return due, errors


@pytest.mark.parametrize("mode", ["500", "timeout", "garbage"])
def test_status_polls_ride_out_a_broken_provider(rig: Rig, mode: str) -> None:
    assert rig.deps is not None and rig.sandbox is not None
    # a short client timeout, as configured per deployment; the sandbox holds "timeout" answers 30 s
    rig.deps.provider = LiqPayClient(rig.settings.liqpay_public_key, rig.settings.liqpay_private_key,
                                     rig.settings.liqpay_base, timeout=0.5)
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(1)
    rig.sandbox.callbacks = False  # the buyer pays, but only polls can find out
    rig.sandbox.pay(invoice.pay_url)
    rig.sandbox.fail_mode = mode
    rig.api_hits.clear()
    make_polls_due(rig)
    asked = datetime.now(UTC)
    rig.deps.bus.publish(PollInvoice(invoice.id))

    wait_until(lambda: poll_state(rig, invoice.id)[1] == 1, 15, "the failed poll to back off")
    due, _ = poll_state(rig, invoice.id)
    assert due is not None and due - asked >= timedelta(seconds=29)
    rig.drain(due_within=2)  # a retry "at once" would be due within a second or two
    assert len(rig.api_hits) == 1, "the failed poll was retried at once"
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PENDING  # garbage is never taken for an answer
    assert len(rig.messages_about(1)) == 1

    rig.sandbox.fail_mode = None
    make_polls_due(rig)  # the back-off has passed
    rig.deps.bus.publish(PollInvoice(invoice.id))
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, 30, "paid")
    wait_until(lambda: len(rig.messages_about(1)) == 2, 10, "the paid message")
    rig.drain()
    assert len(rig.messages_about(1)) == 2
    assert rig.invoice(invoice.id).paid_amount == invoice.amount
    assert poll_state(rig, invoice.id) == (None, 0)
