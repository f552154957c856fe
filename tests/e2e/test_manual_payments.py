"""A seller paid by hand, in the whole stack (web edge, LiqPay sandbox, Telegram Bot API
emulator, Dramatiq worker on Redis, the aiogram bot, the scheduler): the buyer says *I have
paid* on the pay page and the seller approves or rejects, the seller records a payment from the
main menu and refunds it by hand, and marks a card invoice paid in two steps."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from domain.invoice import InvoiceStatus
from domain.manual import ManualState
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_invoice_outcomes import code_of, stored
from tests.e2e.test_refunds import buttons
from tests.e2e.test_send_link import smtp_server  # noqa: F401 (fixture)
from tests.e2e.test_shop_webhooks import shop  # noqa: F401 (fixture)
from tests.faults.conftest import wait_until

NBSP = "\u00a0"


def pay_page(link: str) -> str:
    page = httpx.get(link, headers={"Accept-Language": "uk"}, timeout=15)
    assert page.status_code == 200, page.text
    return page.text


def i_have_paid(link: str, comment: str = "переказ з картки *4242",
                paid_on: str = "") -> httpx.Response:
    """The buyer picks the first manual method (Cash), keeps the date, and taps *I have paid*."""
    page = pay_page(link)
    form = re.search(r'action="(/p/[^"]+/manual)"', page)
    assert form, page
    method = re.search(r'<option value="(\d+)">', page)
    assert method, page
    today = re.search(r'name="paid_on" value="([0-9-]+)"', page)
    assert today, page
    return httpx.post(httpx.URL(link).join(form.group(1)), timeout=15, data={
        "method": method.group(1), "paid_on": paid_on or today.group(1), "comment": comment})


def manual_payments(uow_factory: Callable[[], UnitOfWork], code: str) -> list[Any]:
    with uow_factory() as uow:
        invoice = uow.invoices.by_code(code)
        assert invoice is not None
        return uow.manual.for_invoice(invoice.id)


def test_the_buyer_says_i_have_paid_and_the_seller_approves(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("100", "Кава"))
    code = code_of(link)
    page = pay_page(link)
    assert "Або оплатіть інакше" in page and "Готівка" in page and "Я оплатив(ла)" in page

    assert i_have_paid(link).status_code == 303
    assert "Продавець перевіряє вашу оплату (Готівка)" in pay_page(link)
    asked = seller.next("Покупець каже")
    assert asked["text"].startswith(f"🧾 Покупець каже, що оплатив 100,00{NBSP}₴ — Кава: Готівка")
    assert "«переказ з картки *4242»" in asked["text"]
    payment_id = manual_payments(uow_factory, code)[0].id
    assert buttons(asked) == [("✅ Підтвердити", f"mpa:{payment_id}"),
                              ("❌ Відхилити", f"mpr:{payment_id}"),
                              ("✏️ Підтвердити з виправленням", f"mpc:{payment_id}")]

    seller.taps(asked, f"mpa:{payment_id}")
    seller.next("Підтверджую")
    paid = seller.next("Оплачено вручну")
    assert paid["text"] == f"✅ Оплачено вручну (Готівка): 100,00{NBSP}₴ — Кава"
    assert buttons(paid) == [("↩️ Повернути кошти", f"mrf:{code}")]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and invoice.manual
    page = pay_page(link)
    assert "state-paid" in page and "Я оплатив(ла)" not in page

    seller.taps(asked, f"mpa:{payment_id}")  # a second tap on the same button
    assert seller.next("Цю оплату вже")["text"] == (
        "Цю оплату вже підтверджено, змінити її не можна.")


def test_the_seller_rejects_with_a_reason_and_the_buyer_sees_it_and_may_pay_again(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    code = code_of(link)
    i_have_paid(link)
    asked = seller.next("Покупець каже")
    payment_id = manual_payments(uow_factory, code)[0].id
    seller.taps(asked, f"mpr:{payment_id}")
    seller.next("Чому відхиляєте")
    seller.says("гроші не надійшли")
    seller.next("Відхиляю")
    assert seller.next("відхилено")["text"] == (
        f"❌ Оплату 40,00{NBSP}₴ — Чай (Готівка) відхилено: гроші не надійшли")
    page = pay_page(link)
    assert "Продавець відхилив вашу оплату (Готівка): гроші не надійшли" in page
    assert "Оплатити карткою" in page and "Я оплатив(ла)" in page  # still payable
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING
    assert manual_payments(uow_factory, code)[0].state is ManualState.REJECTED


def test_a_date_after_today_is_refused_on_the_pay_page_and_nothing_is_stored(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    sent = i_have_paid(link, paid_on="2999-01-01")
    assert sent.status_code == 303 and "error=1" in sent.headers["location"]
    page = httpx.get(httpx.URL(link).join(sent.headers["location"]),
                     headers={"Accept-Language": "uk"}, timeout=15).text
    assert "Оберіть спосіб оплати і дату не пізніше сьогодні." in page
    assert manual_payments(uow_factory, code_of(link)) == []


def test_the_seller_records_a_cash_payment_and_refunds_it_by_hand(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    seller.says("💵 Записати оплату")
    seller.next("Яку суму")
    seller.says("сто")
    seller.next("")  # the amount rules' own answer
    seller.says("150")
    ask = seller.next("Як вам заплатили")
    assert buttons(ask) == [("Готівка", "mmt:0")]
    seller.taps(ask, "mmt:0")
    when = seller.next("Коли?")
    seller.says("31.13.2026")
    seller.next("Не розумію дату")
    seller.taps(when, "today")
    seller.next("Коментар")
    seller.says("Олена, урок")
    seller.next("Записую оплату 150,00")
    paid = seller.next("Оплачено вручну")
    assert paid["text"] == f"✅ Оплачено вручну (Готівка): 150,00{NBSP}₴ — Олена, урок"
    code = buttons(paid)[0][1].split(":", 1)[1]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and invoice.manual
    assert manual_payments(uow_factory, code)[0].paid_on == date.today()

    seller.taps(paid, f"mrf:{code}")
    seller.next("Позначити оплату 150,00")
    seller.says("віддала готівкою")
    seller.next("Позначаю")
    assert seller.next("↩️ Повернено")["text"] == f"↩️ Повернено 150,00{NBSP}₴ — Олена, урок"
    assert stored(uow_factory, code).status is InvoiceStatus.REFUNDED
    payment = manual_payments(uow_factory, code)[0]
    assert (payment.state, payment.reason) == (ManualState.REFUNDED, "віддала готівкою")


def test_a_card_invoice_is_marked_paid_by_hand_only_in_two_steps(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("100", "Кава")
    code = code_of(seller.pay_link(invoice_message))
    seller.taps(invoice_message, f"mpo:{code}")
    ask = seller.next("Як вам заплатили")
    seller.taps(ask, "mmt:0")
    when = seller.next("Коли?")
    seller.taps(when, "today")
    comment = seller.next("Коментар")
    seller.taps(comment, "skip")
    seller.next("Записую оплату")
    recorded = seller.next("Записано оплату")
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING  # one step is not enough
    payment_id = manual_payments(uow_factory, code)[0].id

    seller.taps(recorded, f"mpc:{payment_id}")  # approve, correcting the amount
    seller.next("Скільки ви насправді")
    seller.says("90")
    when = seller.next("Коли?")
    seller.taps(when, "today")
    comment = seller.next("Коментар")
    seller.says("решту віддасть завтра")
    seller.next("Підтверджую")
    told = seller.next("не та сума")
    assert f"очікувалось 100,00{NBSP}₴, надійшло 90,00{NBSP}₴" in told["text"]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and invoice.manual
    assert str(invoice.paid_amount) == "90.00 UAH"
    payment = manual_payments(uow_factory, code)[0]
    assert payment.comment == "решту віддасть завтра" and payment.decided_by.startswith("seller:")


# -- Viber ---------------------------------------------------------------------------------------

def viber_buttons(message: dict[str, Any]) -> list[str]:
    return [b["ActionBody"] for b in (message.get("keyboard") or {}).get("Buttons", [])]


def test_a_viber_seller_approves_a_buyers_payment_and_rejects_the_next_one(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller
    from tests.e2e.test_viber_conversation import pay_link as viber_link
    seller = ViberSeller(stack)
    seller.register()
    link = viber_link(seller.create_invoice("12,50", "Кава"))
    code = code_of(link)
    i_have_paid(link, comment="")
    asked = seller.next("Покупець каже")
    payment_id = manual_payments(uow_factory, code)[0].id
    assert viber_buttons(asked)[:3] == [f"mpa:{payment_id}", f"mpr:{payment_id}",
                                        f"mpc:{payment_id}"]
    seller.taps(f"mpa:{payment_id}")
    paid = seller.next("Оплачено вручну")
    assert paid["text"] == f"✅ Оплачено вручну (Готівка): 12,50{NBSP}₴ — Кава"
    assert f"mrf:{code}" in viber_buttons(paid)
    assert stored(uow_factory, code).manual

    link = viber_link(seller.create_invoice("20", "Чай"))
    i_have_paid(link)
    seller.next("Покупець каже")
    second = manual_payments(uow_factory, code_of(link))[0].id
    seller.taps(f"mpr:{second}")
    seller.next("Чому відхиляєте")
    seller.says("не бачу переказу")
    assert seller.next("відхилено")["text"] == (
        f"❌ Оплату 20,00{NBSP}₴ — Чай (Готівка) відхилено: не бачу переказу")
    assert "не бачу переказу" in pay_page(link)


def test_a_viber_seller_records_a_payment_from_the_main_menu(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller
    seller = ViberSeller(stack)
    seller.register()
    seller.taps("💵 Записати оплату")
    seller.next("Яку суму")
    seller.says("75,5")
    assert viber_buttons(seller.next("Як вам заплатили")) == ["mmt:0"]
    seller.taps("mmt:0")
    seller.next("Коли?")
    seller.says("вчора")
    seller.next("Не розумію дату")
    seller.taps("today")
    seller.next("Коментар")
    seller.taps("skip")
    seller.next("Записую оплату 75,50")
    paid = seller.next("Оплачено вручну")
    assert paid["text"] == f"✅ Оплачено вручну (Готівка): 75,50{NBSP}₴"
    code = next(b for b in viber_buttons(paid) if b.startswith("mrf:"))[4:]
    assert stored(uow_factory, code).status is InvoiceStatus.PAID


def test_a_viber_seller_marks_a_card_invoice_paid_in_two_steps_correcting_the_amount(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller
    from tests.e2e.test_viber_conversation import pay_link as viber_link
    seller = ViberSeller(stack)
    seller.register()
    code = code_of(viber_link(seller.create_invoice("100", "Кава")))
    seller.taps(f"mpo:{code}")
    seller.next("Як вам заплатили")
    seller.taps("mmt:0")
    seller.next("Коли?")
    seller.taps("today")
    seller.next("Коментар")
    seller.says("готівкою на точці")
    seller.next("Записую оплату")
    recorded = seller.next("Записано оплату")
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING  # one step is not enough
    payment_id = manual_payments(uow_factory, code)[0].id
    assert f"mpc:{payment_id}" in viber_buttons(recorded)
    seller.taps(f"mpc:{payment_id}")
    seller.next("Скільки ви насправді")
    seller.says("95")
    seller.next("Коли?")
    seller.taps("today")
    seller.next("Коментар")
    seller.taps("skip")
    told = seller.next("не та сума")
    assert f"очікувалось 100,00{NBSP}₴, надійшло 95,00{NBSP}₴" in told["text"]
    invoice = stored(uow_factory, code)
    assert invoice.manual and str(invoice.paid_amount) == "95.00 UAH"


# -- Settings → Manual payments ------------------------------------------------------------------

def test_i_add_a_card_transfer_method_the_buyer_uses_it_and_i_remove_it(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    seller.says("/manual")
    listing = seller.next("Способи ручної оплати")
    assert "• Готівка: комісія 0% + 0,00" in listing["text"]
    assert buttons(listing) == [("✏️ Готівка", "mm:edit:0"), ("➕ Додати спосіб", "mm:add")]
    seller.taps(listing, "mm:add")
    ask = seller.next("Назва способу")
    seller.taps(ask, "skip")
    seller.next("Без назви не можна")
    for typed, expect in (("Переказ на картку", "Опис для покупця"),
                          ("Monobank 5375 0000 0000 0000", "Підказка"),
                          ("останні 4 цифри картки", "Комісія у відсотках"),
                          ("1,5", "Фіксована плата"), ("п'ять", "Напишіть суму"),
                          ("5", "Які валюти"), ("UAH, доляри", "коди валют"),
                          ("UAH, USD", "У якій валюті"), ("UAH", "Скільки днів"),
                          ("7", "фіскальний чек"), ("може", "«так» або «ні»"),
                          ("так", "Збережено")):
        seller.says(typed)
        seller.next(expect)
    listing = seller.next("Способи ручної оплати")
    assert "• Переказ на картку: комісія 1.5% + 5,00" in listing["text"]
    assert "приймає UAH, USD, інакше UAH; чекає 7 дн.; 🧾 фіскальний чек" in listing["text"]
    with uow_factory() as uow:
        seller_id = uow.sellers.by_external("telegram", str(seller.chat_id)).id  # type: ignore[union-attr]
        method = uow.manual.methods(seller_id, "UAH")[1]
    assert method.timeout.days == 7 and str(method.commission_percent) == "1.5" and method.fiscal

    link = seller.pay_link(seller.create_invoice("100", "Кава"))
    page = pay_page(link)
    assert "Переказ на картку — Monobank 5375 0000 0000 0000 (комісія 6,50" in page
    assert 'placeholder="останні 4 цифри картки"' in page
    sent = httpx.post(link + "/manual", timeout=15, data={
        "method": str(method.id), "paid_on": date.today().isoformat(), "comment": "1234"})
    assert sent.status_code == 303
    assert "Готівка" not in seller.next("Покупець каже")["text"]
    opened = manual_payments(uow_factory, code_of(link))[0]
    assert opened.method_name == "Переказ на картку"
    assert opened.expires_at - opened.created_at == timedelta(days=7)  # the method's own timeout

    seller.says("/manual")
    listing = seller.next("Способи ручної оплати")
    assert "mm:del:0" not in [data for _, data in buttons(listing)]  # Cash stays
    seller.taps(listing, f"mm:del:{method.id}")
    seller.next("Спосіб видалено")
    assert "Переказ на картку" not in seller.next("Способи ручної оплати")["text"]
    assert "Переказ на картку" not in pay_page(seller.pay_link(seller.create_invoice("5")))


def test_a_viber_seller_adds_a_method_in_settings(
        stack: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller
    seller = ViberSeller(stack)
    seller.register()
    seller.taps("⚙️ Платіжний рахунок")
    assert "mm:list" in viber_buttons(seller.next(""))
    seller.taps("mm:list")
    assert "mm:add" in viber_buttons(seller.next("Способи ручної оплати"))
    seller.taps("mm:add")
    seller.next("Назва способу")
    seller.says("Privat24")
    for _ in range(6):
        seller.next("")
        seller.taps("skip")
    seller.next("Скільки днів")
    seller.says("400")
    seller.next("від 1 до 365")
    seller.taps("skip")
    seller.next("фіскальний чек")
    seller.taps("skip")
    seller.next("Збережено")
    assert "• Privat24: комісія 0% + 0,00" in seller.next("Способи ручної оплати")["text"]


# -- what follows an approval: the shop's webhook and the buyer's receipt ------------------------

def test_an_approved_payment_tells_the_shop_and_sends_the_buyer_a_receipt(
        stack_factory: Any, smtp_server: Any, shop: Any,  # noqa: F811
        uow_factory: Callable[[], UnitOfWork]) -> None:
    import time

    from standardwebhooks import Webhook

    from tests.e2e.test_send_link import _wait
    from tests.e2e.test_shop_webhooks import SECRET
    box, url = smtp_server
    seller = SellerChat(stack_factory(smtp_url=url))
    seller.register()
    seller.says(f"/webhook {shop.url('mp')}")
    secret = SECRET.search(seller.next("whsec_")["text"])
    assert secret is not None
    seller.next("Магазин відповів ok")
    link = seller.pay_link(seller.create_invoice("80", "Торт"))
    page = pay_page(link)
    form = re.search(r'<option value="(\d+)">', page)
    assert form is not None
    sent = httpx.post(link + "/manual", timeout=15, headers={"Accept-Language": "en"}, data={
        "method": form.group(1), "paid_on": date.today().isoformat(), "comment": "cash",
        "email": "buyer@example.com"})
    assert sent.status_code == 303
    asked = seller.next("Покупець каже")
    payment_id = manual_payments(uow_factory, code_of(link))[0].id
    seller.taps(asked, f"mpa:{payment_id}")
    seller.next("Оплачено вручну")

    hook = shop.hook("mp")
    deadline = time.monotonic() + 15
    while len(hook.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    paid = Webhook(secret.group(0)).verify(hook.received[1].body, hook.received[1].headers)
    assert paid["type"] == "invoice.paid" and paid["data"]["paid_amount"] == "80.00"
    assert paid["data"]["status"] == "paid" and paid["data"]["manual"] is True

    _wait(lambda: box.mails)
    receipt = box.mails[0]
    assert receipt["To"] == "buyer@example.com"
    text = receipt.get_body(("plain",)).get_content()
    assert "You paid" in text and "80.00" in text and "Торт" in text  # the page was in English
    assert "Card:" not in text and "Transaction id" not in text


def test_a_buyer_back_from_the_card_checkout_is_not_offered_to_pay_another_way(
        seller: SellerChat) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    assert "Я оплатив(ла)" in pay_page(link)  # before the card: both ways
    back = pay_page(link + "?back=1")  # the provider sent the buyer back: a payment is under way
    assert "Платіж обробляється" in back
    assert "Я оплатив(ла)" not in back and "Оплатити карткою" not in back


def test_i_have_paid_posted_while_a_card_payment_is_at_the_bank_is_refused(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    """The page hides the manual form while a card payment is under way; a form posted anyway
    (an old tab, a crafted request) is refused by the server too: paying both ways could pay
    twice."""
    seller.register()
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    code = link.rsplit("/", 1)[1]
    page = pay_page(link)
    form = re.search(r'action="(/p/[^"]+/manual)"', page)
    method = re.search(r'<option value="(\d+)">', page)
    today = re.search(r'name="paid_on" value="([0-9-]+)"', page)
    assert form and method and today, page
    three_ds = buyer_pays(link, "4000000000003063")  # the bank waits for the 3-D Secure code
    assert "3-D Secure" in three_ds.text
    wait_until(lambda: stored(uow_factory, code).in_flight, what="LiqPay's word: in flight")

    posted = httpx.post(httpx.URL(link).join(form.group(1)), timeout=15, data={
        "method": method.group(1), "paid_on": today.group(1), "comment": "готівкою"})
    assert posted.status_code == 303 and posted.headers["location"].endswith("?back=1")
    assert manual_payments(uow_factory, code) == []
    assert "Платіж обробляється" in pay_page(link + "?back=1")
