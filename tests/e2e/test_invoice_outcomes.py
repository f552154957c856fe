"""What happens to an invoice after the seller shows the QR code, as the seller hears it.

Each test is a sentence a seller would say; all run on the whole stack (web edge, LiqPay sandbox,
Telegram Bot API emulator, Dramatiq worker on Redis, the aiogram bot, the scheduler).
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text

from domain.invoice import Invoice, InvoiceStatus
from storage.tables import InvoiceRow
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays

NBSP = "\u00a0"
CARD_DECLINED = "4000000000000002"
CARD_3DS = "4000000000003063"


def code_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def stored(uow_factory: Callable[[], UnitOfWork], code: str) -> Invoice:
    with uow_factory() as uow:
        invoice = uow.invoices.by_code(code)
    assert invoice is not None, f"invoice {code} is not in the database"
    return invoice


def invoice_count(uow_factory: Callable[[], UnitOfWork]) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(InvoiceRow)) or 0


def qr_messages(seller: SellerChat) -> list[dict[str, Any]]:
    return [m for m in seller.tg.sent(seller.chat_id) if "photo" in m]


def pay_page(link: str) -> str:
    page = httpx.get(link, timeout=10)
    assert page.status_code == 200, page.text
    return page.text


def test_a_declined_card_tells_me_why_and_that_the_buyer_can_try_again(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)

    buyer_pays(link, CARD_DECLINED)

    declined = seller.next("відхилено")
    assert declined["text"].startswith(f"💳 Оплату карткою 12,50{NBSP}₴ — Кава відхилено: ")
    assert "покупець може спробувати ще раз" in declined["text"]
    # the sandbox's declined card answers err_code `limit` ("Insufficient funds"): the seller
    # reads it in Ukrainian, never the provider's English words or code
    assert "перевищено ліміт картки або платежу" in declined["text"]
    assert "Insufficient" not in declined["text"] and "limit" not in declined["text"]
    assert declined["reply_to_message_id"] == invoice_message["message_id"]
    assert stored(uow_factory, code_of(link)).status is InvoiceStatus.PENDING  # still payable


def test_an_invoice_nobody_pays_expires_and_can_no_longer_be_paid(
        stack_factory: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller = SellerChat(stack_factory(invoice_ttl="3s"))
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)

    expired = seller.next("прострочено", timeout=15)
    assert expired["text"] == f"⌛ Рахунок на 12,50{NBSP}₴ прострочено — Кава"
    assert expired["reply_to_message_id"] == invoice_message["message_id"]

    assert stored(uow_factory, code_of(link)).status is InvoiceStatus.EXPIRED
    page = pay_page(link)
    assert "Термін оплати минув" in page
    assert 'class="pay"' not in page and "<form" not in page


def test_a_payment_still_at_the_bank_when_the_invoice_expires_keeps_it_open_until_paid(
        stack_factory: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    """The buyer starts paying in time (3-D Secure) and the invoice's time runs out meanwhile:
    the provider is asked first, so the seller hears "in progress at the bank", not "expired",
    and then "paid" once the bank confirms."""
    stack = stack_factory(invoice_ttl="4s")
    seller = SellerChat(stack)
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)

    three_ds = buyer_pays(link, CARD_3DS)  # the card asks for a 3-D Secure code; buyer hesitates
    assert "3-D Secure" in three_ds.text

    progress = seller.next("обробляється банком", timeout=15)
    assert progress["text"].startswith(f"⏳ Рахунок на 12,50{NBSP}₴ — Кава мав закінчитися")
    assert progress["reply_to_message_id"] == invoice_message["message_id"]
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING

    order_id = stored(uow_factory, code).order_id
    assert stack.sandbox.confirm_3ds(order_id) == "success"  # LiqPay calls back: success

    paid = seller.next("Оплачено")
    assert paid["text"] == f"✅ Оплачено 12,50{NBSP}₴ — Кава"
    assert paid["reply_to_message_id"] == invoice_message["message_id"]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and not invoice.paid_late
    assert not any("прострочено" in (m.get("text") or "") for m in seller.tg.sent(seller.chat_id))


def test_a_signed_success_callback_after_expiry_is_recorded_as_paid_late(
        stack_factory: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    stack = stack_factory(invoice_ttl="3s")
    seller = SellerChat(stack)
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    code = code_of(seller.pay_link(invoice_message))
    seller.next("прострочено", timeout=15)
    invoice = stored(uow_factory, code)

    from workers.providers.liqpay import LiqPayClient
    client = LiqPayClient(stack.settings.liqpay_public_key, stack.settings.liqpay_private_key)
    data, signature = client.encode({
        "version": 3, "public_key": stack.settings.liqpay_public_key, "action": "pay",
        "status": "success", "order_id": invoice.order_id, "payment_id": 2_400_999_001,
        "amount": 12.5, "currency": "UAH", "description": "Кава", "type": "buy"})
    client.close()
    answer = httpx.post(f"{stack.base_url}/callbacks/liqpay",
                        data={"data": data, "signature": signature}, timeout=10)
    assert (answer.status_code, answer.text) == (200, "ok")

    paid = seller.next("Оплачено")
    assert "Оплата надійшла пізніше" in paid["text"]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and invoice.paid_late
    assert invoice.provider_payment_id == "2400999001"


def test_when_liqpay_does_not_call_back_check_status_finds_the_payment(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.stack.sandbox.callbacks = False
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)
    with uow_factory() as uow:  # the first poll (15 s) must not beat the tap on a slow machine
        uow.session.execute(text("UPDATE invoices SET next_poll_at = :t WHERE code = :c"),
                            {"t": datetime.now(UTC) + timedelta(hours=1), "c": code})
        uow.session.commit()

    buyer_pays(link)
    time.sleep(0.5)
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING  # nobody told us yet

    tap = seller.tg.user_taps(seller.chat_id, invoice_message["message_id"], f"chk:{code}")
    paid = seller.next("Оплачено")
    assert paid["text"] == f"✅ Оплачено 12,50{NBSP}₴ — Кава"
    assert paid["reply_to_message_id"] == invoice_message["message_id"]
    assert (seller.tg.callback_answer(tap["callback_query"]["id"]) or {}).get("text") == "Перевіряю…"
    assert stored(uow_factory, code).status is InvoiceStatus.PAID
    assert seller.stack.sandbox.callback_log == []  # polling, not a callback, found it


def test_check_status_on_an_unpaid_invoice_says_it_is_not_paid_yet(seller: SellerChat) -> None:
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    code = code_of(seller.pay_link(invoice_message))

    seller.taps(invoice_message, f"chk:{code}")

    pending = seller.next("ще не оплачено")
    assert pending["text"].startswith(f"⏳ Рахунок на 12,50{NBSP}₴ ще не оплачено")
    assert "очікує оплати" in pending["text"]
    buttons = [b["callback_data"] for row in pending["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"chk:{code}", f"cnl:{code}", f"sms:{code}", f"eml:{code}", f"mpo:{code}"]


def test_i_can_cancel_an_invoice_once_and_the_buyer_then_cannot_pay_it(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)

    seller.taps(invoice_message, f"cnl:{code}")
    cancelled = seller.next("скасовано")
    assert cancelled["text"] == f"✖️ Рахунок на 12,50{NBSP}₴ скасовано — Кава"
    assert cancelled["reply_to_message_id"] == invoice_message["message_id"]

    seller.taps(invoice_message, f"cnl:{code}")
    refused = seller.next("не можна скасувати")
    assert refused["text"] == "Цей рахунок уже не можна скасувати: його скасовано."

    assert stored(uow_factory, code).status is InvoiceStatus.CANCELLED
    page = pay_page(link)
    assert "Рахунок скасовано" in page and 'class="pay"' not in page


def test_my_invoice_list_shows_what_is_unpaid_newest_first(seller: SellerChat) -> None:
    seller.register()
    first = seller.create_invoice("12", "Кава")
    second = seller.create_invoice("30", "Чай")
    first_code, second_code = code_of(seller.pay_link(first)), code_of(seller.pay_link(second))

    seller.says("/invoices")
    listing = seller.next("Неоплачені рахунки")
    lines = listing["text"].splitlines()
    assert lines[0] == "Неоплачені рахунки:"
    assert lines[1].startswith(f"30,00{NBSP}₴ — Чай — до ")
    assert lines[2].startswith(f"12,00{NBSP}₴ — Кава — до ")
    # the expiry in the seller's own time (a +380 phone: Kyiv), not UTC
    assert re.search(r"до \d{4}-\d\d-\d\d \d\d:\d\d EES?T$", lines[1]), lines[1]
    rows = listing["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [
        [f"chk:{second_code}", f"cnl:{second_code}"], [f"chk:{first_code}", f"cnl:{first_code}"]]
    assert rows[0][0]["text"].startswith("🔄") and rows[0][1]["text"].startswith("✖️")

    buyer_pays(seller.pay_link(first))
    seller.next("Оплачено")

    seller.says("⏳ Неоплачені рахунки")
    listing = seller.next("Неоплачені рахунки")
    assert "Чай" in listing["text"] and "Кава" not in listing["text"]
    assert [[b["callback_data"] for b in row] for row in listing["reply_markup"]["inline_keyboard"]] \
        == [[f"chk:{second_code}", f"cnl:{second_code}"]]


def test_telegram_delivering_my_description_twice_makes_one_invoice(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    seller.says("12,50")
    seller.next("опис")
    update = seller.tg.user_sends_text(seller.chat_id, "Кава")
    seller.tg.push_update(update)  # the same message again (Telegram redelivers)

    seller.next(photo=True)
    seller.stack.drain()  # a second invoice, if one were made, is made by now
    assert invoice_count(uow_factory) == 1
    assert len(qr_messages(seller)) == 1


def test_the_same_message_sent_twice_by_id_makes_one_invoice(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    seller.says("12,50")
    seller.next("опис")
    sent = seller.tg.user_sends_text(seller.chat_id, "Кава")
    seller.tg.user_sends_text(seller.chat_id, "Кава", message_id=sent["message"]["message_id"])

    seller.next(photo=True)
    seller.stack.drain()
    assert invoice_count(uow_factory) == 1
    assert len(qr_messages(seller)) == 1


def test_tapping_skip_twice_makes_one_invoice(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    seller.says("12,50")
    prompt = seller.next("опис")
    seller.taps(prompt, "skip")
    seller.taps(prompt, "skip")

    invoice_message = seller.next(photo=True)
    seller.stack.drain()
    assert invoice_count(uow_factory) == 1
    assert len(qr_messages(seller)) == 1
    assert re.search(r"Рахунок на 12,50.₴\n", invoice_message["caption"])  # no description
