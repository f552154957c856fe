"""Fiscal receipts for payments taken by hand, on the whole stack with the Checkbox stand-in: a
method the seller marked fiscal registers its payments (cash as CASH) and their refunds; any
other method's payments register nothing."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sandbox.checkbox import Checkbox
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat
from tests.e2e.test_fiscal_receipts import connect_in_storage
from tests.e2e.test_refunds import buttons
from tests.faults.conftest import wait_until


@pytest.fixture
def seller(fiscal_stack: Any) -> SellerChat:
    return SellerChat(fiscal_stack)


def mark_cash_fiscal(seller: SellerChat) -> None:
    """*Settings → Manual payments* → ✏️ Cash: every field kept, then «так» to fiscal receipts."""
    seller.says("/manual")
    seller.taps(seller.next("Способи ручної оплати"), "mm:edit:0")
    for _ in range(8):  # name … days: kept
        seller.taps(seller.next("Зараз:"), "skip")
    seller.next("фіскальний чек")
    seller.says("так")
    seller.next("Збережено")
    assert "Готівка: комісія 0% + 0,00" in seller.next("Способи ручної оплати")["text"]


def record_cash(seller: SellerChat, amount: str) -> tuple[str, dict[str, Any]]:
    """*Record payment*: `amount` in cash today; the invoice's code and the paid message."""
    seller.says("💵 Записати оплату")
    seller.next("Яку суму")
    seller.says(amount)
    ask = seller.next("Як вам заплатили")
    [(label, data)] = buttons(ask)  # Cash alone (its own row once edited)
    assert label == "Готівка"
    seller.taps(ask, data)
    seller.taps(seller.next("Коли?"), "today")
    seller.next("Коментар")
    seller.says("урок")
    seller.next("Записую оплату")
    paid = seller.next("Оплачено вручну")
    return str(buttons(paid)[0][1].split(":", 1)[1]), paid


def receipts(uow_factory: Callable[[], UnitOfWork], code: str) -> list[Any]:
    with uow_factory() as uow:
        invoice = uow.invoices.by_code(code)
        assert invoice is not None
        return uow.fiscal.for_invoice(invoice.id)


def test_cash_taken_by_hand_with_a_fiscal_method_is_registered_as_cash_and_so_is_its_refund(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    mark_cash_fiscal(seller)
    code, paid = record_cash(seller, "150")

    wait_until(lambda: len(checkbox.issued(returns=False)) == 1, timeout=20)
    [sale] = checkbox.issued(returns=False)
    assert sale.total == 15000
    assert [(p["type"], p["value"]) for p in sale.payments] == [("CASH", 15000)]
    assert "card_mask" not in sale.payments[0]
    [receipt] = receipts(uow_factory, code)
    assert receipt.payment_type == "CASH"

    seller.taps(paid, f"mrf:{code}")
    seller.next("Позначити оплату 150,00")
    seller.says("повернула готівкою")
    seller.next("↩️ Повернено")
    wait_until(lambda: len(checkbox.issued(returns=True)) == 1, timeout=20)
    [back] = checkbox.issued(returns=True)
    assert back.related_receipt_id == sale.id
    assert [(p["type"], p["value"]) for p in back.payments] == [("CASH", 15000)]


def test_a_payment_by_hand_with_a_method_not_marked_fiscal_registers_nothing(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    code, _ = record_cash(seller, "90")  # Cash as built in: not fiscal

    # a receipt is queued in the transaction that records the payment: none was
    assert receipts(uow_factory, code) == []
    assert checkbox.issued() == []
