"""A seller gives money back from the chat: the whole stack (web edge, LiqPay sandbox, Telegram
Bot API emulator, Dramatiq worker on Redis, the aiogram bot, the scheduler)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from domain.invoice import InvoiceStatus
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_invoice_outcomes import code_of, stored

NBSP = "\u00a0"


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def test_i_refund_part_then_the_rest_and_am_told_each_time(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("100", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)
    buyer_pays(link)
    paid = seller.next("Оплачено")
    assert buttons(paid) == [("↩️ Повернути кошти", f"rfd:{code}")]

    seller.taps(paid, f"rfd:{code}")
    ask = seller.next("Скільки повернути")
    assert f"до 100,00{NBSP}₴" in ask["text"]
    assert buttons(ask) == [(f"Повернути все: 100,00{NBSP}₴", "rfa")]
    seller.says("30")
    confirm = seller.next("Повернути покупцю")
    assert confirm["text"].startswith(f"Повернути покупцю 30,00{NBSP}₴ — Кава?")
    seller.taps(confirm, "rfc")
    seller.next("Повертаю")
    partial = seller.next("↩️ Повернено")
    assert partial["text"] == (f"↩️ Повернено 30,00{NBSP}₴ — Кава. "
                               f"Ще можна повернути 70,00{NBSP}₴.")
    assert stored(uow_factory, code).status is InvoiceStatus.PARTIALLY_REFUNDED

    # more than is left is refused before anything is asked of LiqPay
    seller.taps(partial, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("80")
    assert seller.next("Стільки")["text"] == (
        f"Стільки повернути не можна: лишилося не більше 70,00{NBSP}₴.")

    # the rest, with the "all of it" button
    seller.taps(partial, f"rfd:{code}")
    ask = seller.next("Скільки повернути")
    seller.taps(ask, "rfa")
    confirm = seller.next("Повернути покупцю 70,00")
    seller.taps(confirm, "rfc")
    seller.next("Повертаю")
    assert seller.next("↩️ Повернено")["text"] == f"↩️ Повернено 70,00{NBSP}₴ — Кава"
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.REFUNDED
    assert str(invoice.refunded_amount) == str(invoice.amount)

    # nothing is left to refund now
    seller.taps(partial, f"rfd:{code}")
    assert "Повертати нічого" in seller.next("Повертати нічого")["text"]


def test_a_viber_seller_refunds_part_of_a_payment_with_the_refund_button(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("12,50", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    paid = seller.next("Оплачено")
    assert [(b["Text"], b["ActionBody"]) for b in paid["keyboard"]["Buttons"]
            if b["ActionBody"].startswith("rfd:")] == [("↩️ Повернути кошти", f"rfd:{code}")]

    seller.taps(f"rfd:{code}")
    assert f"до 12,50{NBSP}₴" in seller.next("Скільки повернути")["text"]
    seller.says("2,50")
    confirm = seller.next("Повернути покупцю 2,50")
    assert [b["ActionBody"] for b in confirm["keyboard"]["Buttons"]] == ["rfc", "rfn"]
    seller.taps("rfc")
    assert seller.next("↩️ Повернено")["text"] == (
        f"↩️ Повернено 2,50{NBSP}₴ — Кава. Ще можна повернути 10,00{NBSP}₴.")
    assert stored(uow_factory, code).status is InvoiceStatus.PARTIALLY_REFUNDED


# -- one refund at a time ----------------------------------------------------------------------

IN_FLIGHT = (f"Повернення 30,00{NBSP}₴ ще триває. "
             "Нове повернення можна зробити, коли воно завершиться.")


def refunded_at_the_bank(stack: Any, code: str, uow_factory: Callable[[], UnitOfWork]) -> None:
    """Chatpay counts what the sandbox refunded, and the sandbox was asked for each refund once."""
    invoice = stored(uow_factory, code)
    order = stack.sandbox.orders[invoice.order_id]
    assert invoice.refunded_amount is not None
    assert invoice.refunded_amount.amount == order["refunded"] == Decimal("50.00")
    assert stack.sandbox.refunds_asked(invoice.order_id) == [Decimal("30.00"), Decimal("20.00")]


def test_while_my_refund_waits_at_the_bank_a_second_one_is_refused_then_allowed_once_it_is_done(
        seller: SellerChat, stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("100", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    paid = seller.next("Оплачено")
    stack.sandbox.refund_mode = "pending"  # the bank takes its time
    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("30")
    seller.taps(seller.next("Повернути покупцю 30,00"), "rfc")
    seller.next("прийнято, але ще не завершено")

    seller.taps(paid, f"rfd:{code}")  # a second refund while the first waits
    assert seller.next("ще триває")["text"] == IN_FLIGHT

    stack.sandbox.refund_mode = ""
    assert stack.sandbox.finish_refunds() == 1
    seller.next(f"↩️ Повернено 30,00{NBSP}₴")
    seller.taps(paid, f"rfd:{code}")  # done: the next one may go
    assert f"до 70,00{NBSP}₴" in seller.next("Скільки повернути")["text"]
    seller.says("20")
    seller.taps(seller.next("Повернути покупцю 20,00"), "rfc")
    seller.next(f"↩️ Повернено 20,00{NBSP}₴")
    refunded_at_the_bank(stack, code, uow_factory)


def test_a_viber_seller_is_told_a_refund_is_in_progress_then_refunds_again_once_it_is_done(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("100", "Кава"))
    code = code_of(link)
    buyer_pays(link)
    seller.next("Оплачено")
    stack.sandbox.refund_mode = "pending"
    seller.taps(f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("30")
    seller.next("Повернути покупцю 30,00")
    seller.taps("rfc")
    seller.next("прийнято, але ще не завершено")

    seller.taps(f"rfd:{code}")
    assert seller.next("ще триває")["text"] == IN_FLIGHT

    stack.sandbox.refund_mode = ""
    assert stack.sandbox.finish_refunds() == 1
    seller.next(f"↩️ Повернено 30,00{NBSP}₴")
    seller.taps(f"rfd:{code}")
    assert f"до 70,00{NBSP}₴" in seller.next("Скільки повернути")["text"]
    seller.says("20")
    seller.next("Повернути покупцю 20,00")
    seller.taps("rfc")
    seller.next(f"↩️ Повернено 20,00{NBSP}₴")
    refunded_at_the_bank(stack, code, uow_factory)
