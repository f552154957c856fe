"""Workers racing on one invoice: the same and different provider facts applied at the same moment
(threads through the real handlers, on SQLite and PostgreSQL). No transition is lost or doubled,
and the seller hears "paid" once."""
from __future__ import annotations

import threading
import time

import pytest

from domain.invoice import InvoiceStatus
from domain.ports import ProviderStatus
from tests.faults.conftest import Rig
from workers import handlers


def _fact(rig: Rig, invoice, status: str) -> ProviderStatus:  # type: ignore[no-untyped-def]
    assert rig.deps is not None
    return rig.deps.provider.parse_callback(rig.signed(rig.status_body(invoice, status)))


@pytest.mark.parametrize("statuses", [
    ["success"] * 8,
    ["processing", "success"] * 4,
    ["failure", "success", "processing", "success", "failure", "wait_accept"],
])
def test_facts_racing_on_one_invoice(rig: Rig, statuses: list[str]) -> None:
    assert rig.deps is not None
    for round_ in range(4):
        n = round_ + 1
        invoice = rig.pending_invoice(n)
        facts = [_fact(rig, invoice, s) for s in statuses]
        start = threading.Barrier(len(facts))
        errors: list[BaseException] = []

        def work(fact: ProviderStatus, start: threading.Barrier = start,
                 errors: list[BaseException] = errors) -> None:
            try:
                start.wait()
                handlers.deliver(handlers.apply_fact(fact, rig.deps.uow), rig.deps)  # type: ignore[union-attr]
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f,)) for f in facts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors

        current = rig.invoice(invoice.id)
        assert current.status is InvoiceStatus.PAID
        assert current.paid_amount == invoice.amount
        events = rig.events(invoice.id)
        names = [e.name for e in events]
        assert names.count("InvoicePaid") == 1, names
        assert "InvoiceFailed" not in names and not current.paid_late  # a decline ends nothing
        # each decline told at most once (a "processing" in between makes the next one news)
        assert names.count("PaymentDeclined") <= statuses.count("failure"), names
        if "PaymentDeclined" in names:  # the decline came first, while the buyer could retry
            assert names.index("PaymentDeclined") < names.index("InvoicePaid")
        with rig.uow() as uow:  # the audit trail is one unbroken chain of transitions
            rows = uow.session.execute(__import__("sqlalchemy").text(
                "SELECT status_from, status_to FROM invoice_events WHERE invoice_id = :i "
                "ORDER BY id"), {"i": invoice.id}).all()
        for before, after in zip(rows, rows[1:], strict=False):
            assert after[0] == before[1], rows
        assert rows[-1][1] == "paid"
        time.sleep(0.2)
        texts = [m.get("text") or m.get("caption") or "" for m in rig.messages_about(n)]
        # QR, then paid; a decline note is sent only if it went out before the payment was
        # stored: once a later message exists it is stale news, and is not sent as news
        assert 2 <= len(texts) <= 2 + names.count("PaymentDeclined"), texts
        assert sum("Оплачено" in m for m in texts) == 1, texts
