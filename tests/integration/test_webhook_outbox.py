"""The unit of work queues a shop delivery with each invoice event a shop hears about, in the
transaction that records the transition: only for a seller with an active endpoint, numbered
per invoice, carrying the invoice's state as it is then."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import text

from domain.money import Money
from domain.ports import ProviderStatus
from tests.integration.test_storage import UowFactory, add_seller, an_invoice


def deliveries(uow_factory: UowFactory) -> list[dict]:
    with uow_factory() as uow:
        rows = uow.session.execute(text(
            "SELECT event_type, sequence, invoice_id, payload, status FROM webhook_deliveries "
            "ORDER BY id")).mappings().all()
    return [dict(r) | {"body": json.loads(r["payload"])} for r in rows]


def a_paid_then_refunded_invoice(uow_factory: UowFactory, endpoint_state: str | None) -> str:
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        if endpoint_state is not None:
            uow.webhooks.set_endpoint(seller_id, "https://shop.example/hook", "encrypted",
                                      datetime.now(UTC))
            if endpoint_state == "disabled":
                uow.session.execute(text("UPDATE webhook_endpoints SET state = 'disabled'"))
        invoice = an_invoice(seller_id)
        uow.invoices.add(invoice)
        invoice.issue_link("https://pay.example/x")
        uow.invoices.save(invoice)
        uow.commit()
    order = f"cp-{invoice.id}"
    for fact in (
        ProviderStatus(order, "paid", "success", Money(Decimal("1000.00"), "UAH"), "pay-1"),
        ProviderStatus(order, "refunded", "reversed", Money(Decimal("400.00"), "UAH")),
    ):
        with uow_factory() as uow:
            current = uow.invoices.get(invoice.id, for_update=True)
            assert current is not None and current.apply(fact, datetime.now(UTC))
            uow.invoices.save(current)
            uow.commit()
    return invoice.id


def test_each_event_a_shop_hears_about_is_queued_with_the_invoice_state_and_a_sequence(
        uow_factory: UowFactory) -> None:
    invoice_id = a_paid_then_refunded_invoice(uow_factory, "active")
    queued = deliveries(uow_factory)
    assert [(d["event_type"], d["sequence"]) for d in queued] == [
        ("invoice.paid", 1), ("invoice.refunded", 2)]
    paid, refunded = (d["body"] for d in queued)
    assert paid["type"] == "invoice.paid" and paid["id"].startswith("msg_")
    assert paid["data"]["id"] == invoice_id and paid["data"]["status"] == "paid"
    assert paid["data"]["amount_mismatch"] is True  # 1000.00 paid for 1200.50 asked
    assert paid["data"]["provider_payment_id"] == "pay-1"
    assert refunded["data"]["status"] == "partially_refunded"
    assert refunded["data"]["refunded_amount"] == "400.00"
    assert all(d["status"] == "pending" for d in queued)


def test_nothing_is_queued_without_an_endpoint_or_with_a_disabled_one(
        uow_factory: UowFactory) -> None:
    a_paid_then_refunded_invoice(uow_factory, None)
    a_paid_then_refunded_invoice(uow_factory, "disabled")
    assert deliveries(uow_factory) == []



def test_the_shop_hears_each_refund_partial_then_full(uow_factory: UowFactory) -> None:
    invoice_id = a_paid_then_refunded_invoice(uow_factory, "active")
    with uow_factory() as uow:
        current = uow.invoices.get(invoice_id, for_update=True)
        assert current is not None
        rest = ProviderStatus(current.order_id, "refunded", "reversed",
                              Money(Decimal("600.00"), "UAH"))
        assert current.apply(rest, datetime.now(UTC))
        uow.invoices.save(current)
        uow.commit()
    refunds = [d["body"]["data"] for d in deliveries(uow_factory)
               if d["event_type"] == "invoice.refunded"]
    assert [(r["status"], r["refunded_amount"]) for r in refunds] == [
        ("partially_refunded", "400.00"), ("refunded", "1000.00")]
