"""Each process caches sellers' settings (storage/seller_settings.py); a change made in another
process is seen by the very next invoice: a shop endpoint, a Checkbox register, LiqPay keys.

Two `open_store` stores on one database and one Redis stand for two processes (the bot or the
cabinet writing, a worker or the web edge reading), each with its own cache."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, text

from domain.money import Money
from domain.ports import ProviderStatus
from domain.webhooks import EndpointState
from storage.secrets import SecretBox
from storage.settings import load_settings
from storage.wiring import Store, open_store
from tests.integration.test_storage import add_seller, an_invoice
from workers.providers.accounts import ProviderAccounts
from workers.providers.liqpay import LiqPayClient


@pytest.fixture
def stores(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    settings = load_settings(database_url=database_url, redis_url=redis_url, var_dir=tmp_path)
    writer, reader = open_store(settings, redis_url), open_store(settings, redis_url)
    yield writer, reader
    writer.close()
    reader.close()


def a_seller(store: Store) -> int:
    with store.uow() as uow:
        seller_id = add_seller(uow)
        uow.commit()
    return seller_id


def paid_invoice(store: Store, seller_id: int) -> str:
    """An invoice of the seller, paid: the commit that stores the payment is the one that queues
    the shop's delivery and the fiscal receipt, from the seller's settings."""
    invoice = an_invoice(seller_id)
    with store.uow() as uow:
        uow.invoices.add(invoice)
        invoice.issue_link("https://pay.example/x")
        uow.invoices.save(invoice)
        uow.commit()
    with store.uow() as uow:
        current = uow.invoices.get(invoice.id, for_update=True)
        assert current is not None
        assert current.apply(ProviderStatus(f"cp-{invoice.id}", "paid", "success",
                                            Money(Decimal("1200.50"), "UAH"), "pay-1"),
                             datetime.now(UTC))
        uow.invoices.save(current)
        uow.commit()
    return invoice.id


def queued(store: Store, table: str, invoice_id: str) -> int:
    with store.uow() as uow:
        return int(uow.session.execute(text(
            f"SELECT COUNT(*) FROM {table} WHERE invoice_id = :i"), {"i": invoice_id}).scalar_one())


def test_a_shop_endpoint_connected_elsewhere_gets_the_next_payment(
        stores: tuple[Store, Store]) -> None:
    cabinet, worker = stores
    seller_id = a_seller(cabinet)
    before = paid_invoice(worker, seller_id)  # the worker now caches "no endpoint"
    with cabinet.uow() as uow:
        uow.webhooks.set_endpoint(seller_id, "https://shop.example/hook", "encrypted",
                                  datetime.now(UTC))
        uow.commit()
    after = paid_invoice(worker, seller_id)
    assert queued(worker, "webhook_deliveries", before) == 0
    assert queued(worker, "webhook_deliveries", after) == 1


def test_an_endpoint_disabled_by_its_failures_stops_getting_payments_at_once(
        stores: tuple[Store, Store]) -> None:
    deliveries, worker = stores
    seller_id = a_seller(deliveries)
    with deliveries.uow() as uow:
        endpoint = uow.webhooks.set_endpoint(seller_id, "https://shop.example/hook", "encrypted",
                                             datetime.now(UTC))
        uow.commit()
    first = paid_invoice(worker, seller_id)
    with deliveries.uow() as uow:  # a bulk UPDATE, which no flush shows
        endpoint.state = EndpointState.DISABLED
        uow.webhooks.save_endpoint(endpoint)
        uow.commit()
    second = paid_invoice(worker, seller_id)
    assert queued(worker, "webhook_deliveries", first) == 1
    assert queued(worker, "webhook_deliveries", second) == 0


def test_checkbox_connected_elsewhere_registers_the_next_payment(
        stores: tuple[Store, Store]) -> None:
    bot, worker = stores
    seller_id = a_seller(bot)
    before = paid_invoice(worker, seller_id)
    with bot.uow() as uow:
        uow.fiscal.connect(seller_id, "licence-encrypted", "pin-encrypted", datetime.now(UTC))
        uow.commit()
    after = paid_invoice(worker, seller_id)
    assert queued(worker, "fiscal_receipts", before) == 0
    assert queued(worker, "fiscal_receipts", after) == 1


def test_liqpay_keys_connected_then_disconnected_elsewhere_decide_the_next_invoice(
        stores: tuple[Store, Store]) -> None:
    bot, worker = stores
    box = SecretBox.from_settings(worker.settings)
    platform = LiqPayClient("platform_pub", "platform_priv", "http://127.0.0.1:9")
    accounts = ProviderAccounts(worker.uow, box, "http://127.0.0.1:9", lambda: platform)
    seller_id = a_seller(bot)

    def account_of_next_invoice() -> int | None:
        with worker.uow() as uow:
            return accounts.for_new_invoice(seller_id, uow)[1]

    assert account_of_next_invoice() is None  # the platform's, now cached
    with bot.uow() as uow:
        account = uow.accounts.connect(seller_id, "sandbox_pub", box.encrypt("sandbox_priv"))
        uow.commit()
    assert account_of_next_invoice() == account.id
    with bot.uow() as uow:  # a bulk UPDATE, which no flush shows
        uow.accounts.disconnect(seller_id)
        uow.commit()
    assert account_of_next_invoice() is None


def test_unchanged_settings_are_not_read_again(stores: tuple[Store, Store]) -> None:
    bot, worker = stores
    seller_id = a_seller(bot)
    statements: list[str] = []
    event.listen(worker.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    with worker.uow() as uow:
        first = uow.seller_settings(seller_id)
    read_first = len(statements)
    with worker.uow() as uow:
        again = uow.seller_settings(seller_id)
    assert first.seller is not None and first.seller.name == "Olena"
    assert again == first
    assert read_first >= 4 and len(statements) == read_first  # the second read: Redis only
    with bot.uow() as uow:
        uow.sellers.upsert("telegram", "42", language="en")
        uow.commit()
    with worker.uow() as uow:
        changed = uow.seller_settings(seller_id)
    assert changed.seller is not None and changed.seller.language == "en"
