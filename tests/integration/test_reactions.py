"""What follows an invoice's events is stored in the transaction that records them, and a
seller pays only for what they use: their settings (shop endpoint, fiscal mode) are read at
most once per commit (storage/seller_settings.py; a process with a cache reads them less), and
only for an event that names a reaction needing it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import event, text

from domain.money import Money
from domain.ports import ProviderStatus
from storage.uow import UnitOfWork
from tests.integration.test_storage import UowFactory, add_seller, an_invoice


@contextmanager
def statements(uow: UnitOfWork) -> Iterator[list[str]]:
    """The SQL statements `uow` runs inside the block."""
    seen: list[str] = []
    engine = uow.session.get_bind()

    def count(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def setup_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "webhook_endpoints" in s or "fiscal_settings" in s]


def read_once_each(seen: list[str]) -> bool:
    """The shop endpoint and the register each read once (no cache here), never again."""
    reads = setup_reads(seen)
    return (sum("webhook_endpoints" in s for s in reads) == 1
            and sum("fiscal_settings" in s for s in reads) == 1)


def pay(uow_factory: UowFactory, *, endpoint: bool) -> tuple[list[str], list[str]]:
    """A seller's invoice gets its link, then is paid: the statements of each commit."""
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        if endpoint:
            uow.webhooks.set_endpoint(seller_id, "https://shop.example/hook", "encrypted",
                                      datetime.now(UTC))
        invoice = an_invoice(seller_id)
        uow.invoices.add(invoice)
        invoice.issue_link("https://pay.example/x")
        uow.invoices.save(invoice)
        with statements(uow) as linked:
            uow.commit()
    with uow_factory() as uow:
        current = uow.invoices.get(invoice.id, for_update=True)
        assert current is not None and current.apply(ProviderStatus(
            f"cp-{invoice.id}", "paid", "success", Money(Decimal("1200.50"), "UAH"), "pay-1"),
            datetime.now(UTC))
        uow.invoices.save(current)
        with statements(uow) as paid:
            uow.commit()
    return linked, paid


def test_a_seller_with_no_shop_and_no_register_is_asked_once_per_payment_and_never_per_link(
        uow_factory: UowFactory) -> None:
    linked, paid = pay(uow_factory, endpoint=False)
    assert setup_reads(linked) == []  # a link starts nothing that needs the seller's setup
    assert read_once_each(paid)  # shop and register, once each
    assert not [s for s in paid if s.startswith("INSERT INTO webhook_deliveries")]
    assert not [s for s in paid if s.startswith("INSERT INTO fiscal_receipts")]


def test_a_payment_and_its_shop_delivery_are_one_commit(uow_factory: UowFactory) -> None:
    _, paid = pay(uow_factory, endpoint=True)
    assert read_once_each(paid)
    assert [s for s in paid if s.startswith("INSERT INTO webhook_deliveries")]
    with uow_factory() as uow:
        assert uow.session.execute(text(
            "SELECT count(*) FROM webhook_deliveries")).scalar() == 1
