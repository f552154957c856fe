"""At the refund's confirmation the seller can say no, by a button or by typing, and nothing is
refunded; both messengers settle it the same way."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.invoice import InvoiceStatus
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_invoice_outcomes import code_of, stored
from tests.e2e.test_refunds import buttons
from tests.faults.conftest import wait_until


def test_no_at_the_confirmation_refunds_nothing_in_telegram(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("100", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    paid = seller.next("Оплачено")
    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("30")
    confirm = seller.next("Повернути покупцю")
    assert [data for _, data in buttons(confirm)] == ["rfc", "rfn"]
    assert buttons(confirm)[1][0] == "✖️ Ні"
    seller.taps(confirm, "rfn")
    assert seller.next("Скасовано")["text"] == "Скасовано."
    seller.taps(confirm, "rfc")           # a late tap on the old Yes refunds nothing, and says so
    wait_until(lambda: "Ця кнопка вже не діє." in seller.tg.notices(seller.chat_id),
               what="the stale button's toast")

    # typing instead of tapping ends the refund the same way
    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("30")
    seller.next("Повернути покупцю")
    seller.says("ой, ні")
    assert seller.next("Скасовано")["text"] == "Скасовано."

    # a refund said yes to goes through, and only its own amount went back
    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("10")
    seller.taps(seller.next("Повернути покупцю"), "rfc")
    seller.next("↩️ Повернено")
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert str(invoice.refunded_amount) == "10.00 UAH"


def test_no_at_the_confirmation_refunds_nothing_in_viber(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("12,50", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    seller.next("Оплачено")
    seller.taps(f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("2,50")
    confirm = seller.next("Повернути покупцю 2,50")
    assert [(b["Text"], b["ActionBody"]) for b in confirm["keyboard"]["Buttons"]] == [
        ("✅ Так, повернути", "rfc"), ("✖️ Ні", "rfn")]
    seller.taps("rfn")
    cancelled = seller.next("Скасовано")
    assert "Створити рахунок" in str(cancelled["keyboard"])   # the main menu is back
    assert stored(uow_factory, code).status is InvoiceStatus.PAID
