"""The provider answering 500, timing out or returning garbage to status polls: the poll is retried
with growing delays (ProviderUnavailable), and the invoice reaches a clear state once it recovers."""
from __future__ import annotations

import time

import pytest

from domain.commands import PollInvoice
from domain.invoice import InvoiceStatus
from tests.faults.conftest import Rig, make_polls_due, wait_until
from workers.providers.liqpay import LiqPayClient


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
    rig.deps.bus.publish(PollInvoice(invoice.id))

    wait_until(lambda: len(rig.api_hits) >= 3, 30, "three polls of a broken provider")
    gaps = [b - a for a, b in zip(rig.api_hits, rig.api_hits[1:])]
    # Dramatiq's exponential backoff from 500 ms with jitter: 0.5-1 s, then 1-2 s, ...
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95, f"no backoff between tries: {gaps}"
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PENDING  # garbage is never taken for an answer
    assert len(rig.messages_about(1)) == 1

    rig.sandbox.fail_mode = None
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, 30, "paid")
    wait_until(lambda: len(rig.messages_about(1)) == 2, 10, "the paid message")
    time.sleep(0.5)
    assert len(rig.messages_about(1)) == 2
    assert rig.invoice(invoice.id).paid_amount == invoice.amount
