"""Support's reads are audited too, on SQLite and PostgreSQL: opening an invoice card (the
buyer's name, phone and e-mail), the resend menu (the same on its buttons) and the history each
write a `done` line every time, a repeated tap of the same button included.

The desk is driven directly (bots.support.Desk), with a fake bus: reads publish nothing."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bots.support import Desk
from domain.support import Phase
from storage.settings import Settings, settings_unchecked
from storage.uow import UnitOfWork
from tests.integration.test_storage import stored_invoice

AGENT = "7001"


class NoBus:
    """Reads publish nothing; a publish here is a failure of the test."""

    def publish(self, command: Any, *, delay_ms: int | None = None) -> None:
        raise AssertionError(f"a read published {command!r}")


@pytest.fixture
def desk(uow_factory: Callable[[], UnitOfWork]) -> Desk:
    with settings_unchecked():
        settings = Settings(support_ids=f"telegram:{AGENT}")
    return Desk(uow_factory, NoBus(), settings, "telegram")  # type: ignore[arg-type]


def reads(uow_factory: Callable[[], UnitOfWork], invoice_id: str) -> list[tuple[str, str, str]]:
    with uow_factory() as uow:
        return [(e.agent, e.action, e.phase) for e in uow.audit.for_invoice(invoice_id)]


def invoice_with_buyer(uow_factory: Callable[[], UnitOfWork]) -> str:
    return stored_invoice(uow_factory, buyer_name="Олена Покупчук",
                          buyer_phone="+380931234567", buyer_email="buyer@example.com")


@pytest.mark.parametrize(("tap", "action"), [
    ("o:{id}", "open"),                 # the card: the buyer's name, phone and e-mail
    ("rl:{id}:t1", "resend_menu"),      # the resend menu: the same on its buttons
    ("hi:{id}:t1", "history"),          # the history
])
def test_each_read_of_an_invoice_writes_an_audit_line_every_time(
        desk: Desk, uow_factory: Callable[[], UnitOfWork], tap: str, action: str) -> None:
    invoice_id = invoice_with_buyer(uow_factory)
    for _ in range(3):  # the same button tapped three times: three reads, three lines
        desk.handle(AGENT, AGENT, "en", f"sup:{tap.format(id=invoice_id)}")
    line = (f"telegram:{AGENT}", action, Phase.DONE)
    assert reads(uow_factory, invoice_id).count(line) == 3


def test_the_card_that_shows_the_buyer_is_audited_with_the_invoice_and_seller(
        desk: Desk, uow_factory: Callable[[], UnitOfWork]) -> None:
    invoice_id = invoice_with_buyer(uow_factory)
    screen = desk.handle(AGENT, AGENT, "en", f"sup:o:{invoice_id}")
    assert "buyer@example.com" in screen.text  # what makes this read worth auditing
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        entries = uow.audit.for_invoice(invoice_id)
    assert invoice is not None and [(e.action, e.seller_id) for e in entries] == [
        ("open", invoice.seller_id)]


def test_a_tap_on_an_invoice_that_does_not_exist_is_not_audited_as_a_read(
        desk: Desk, uow_factory: Callable[[], UnitOfWork]) -> None:
    screen = desk.handle(AGENT, AGENT, "en", "sup:o:" + "0" * 32)
    assert "0" * 32 in screen.text
    assert reads(uow_factory, "0" * 32) == []


def test_the_history_shows_support_the_providers_raw_code_and_words(
        desk: Desk, uow_factory: Callable[[], UnitOfWork]) -> None:
    """The seller read "not enough money on the card" in their language (domain.declines);
    support's History keeps what LiqPay said, as it said it."""
    from datetime import UTC, datetime

    from domain.events import InvoiceFailed
    invoice_id = invoice_with_buyer(uow_factory)
    with uow_factory() as uow:
        uow.events.record(InvoiceFailed(invoice_id, "failure", "Insufficient funds", "9859"),
                          "pending", "failed", datetime.now(UTC))
        uow.commit()
    screen = desk.handle(AGENT, AGENT, "en", f"sup:hi:{invoice_id}:t1")
    assert "9859 (Insufficient funds)" in screen.text


def test_a_resend_without_a_stored_address_shows_the_menu_again_and_is_audited(
        desk: Desk, uow_factory: Callable[[], UnitOfWork]) -> None:
    invoice_id = stored_invoice(uow_factory, buyer_email="buyer@example.com")  # no phone
    for _ in range(2):
        screen = desk.handle(AGENT, AGENT, "en", f"sup:ls:{invoice_id}:t1")
        assert "buyer@example.com" in str(screen.buttons)
    line = (f"telegram:{AGENT}", "resend_menu", Phase.DONE)
    assert reads(uow_factory, invoice_id).count(line) == 2
