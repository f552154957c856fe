"""The seller's shop name (*Settings → Shop name*, /shop) in both messengers: shown back, then
seen by the buyer on the pay page, in the SMS and at the provider's checkout."""
from __future__ import annotations

from typing import Any

import httpx

from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat, to_checkout
from tests.e2e.test_send_link import turbosms  # noqa: F401 (fixture)
from tests.e2e.test_viber_conversation import ViberSeller, pay_link


def test_a_telegram_seller_names_the_shop_and_the_buyer_sees_it_everywhere(
        stack_factory: Any, turbosms: Any) -> None:  # noqa: F811
    stack = stack_factory(sms_backend="turbosms", turbosms_api_base=turbosms.base_url,
                          turbosms_token=turbosms.token)
    seller = SellerChat(stack)
    seller.register()
    seller.says("/buyer")
    shown = seller.next("Дані покупця")
    seller.taps(shown, "shop:ask")  # Settings → Buyer details → Shop name
    assert "не задано" in seller.next("Назва магазину")["text"]
    seller.says("Ж" * 65)
    seller.next("від 1 до 64 символів")
    seller.says("  Квіти   Оксани ")
    assert seller.next("✅ Назва магазину")["text"].startswith("✅ Назва магазину: «Квіти Оксани»")
    seller.says("/shop")  # the command shows it too
    assert "«Квіти Оксани»" in seller.next("Назва магазину")["text"]
    seller.says("/cancel")
    seller.next()

    invoice = seller.create_invoice("99", "Букет троянд")
    link = seller.pay_link(invoice)
    page = httpx.get(link, timeout=10).text
    assert "Квіти Оксани" in page and "Payee" not in page and "Seller" not in page

    checkout = httpx.get(to_checkout(link), timeout=10, follow_redirects=True).text
    assert "Квіти Оксани: Букет троянд" in checkout and "chatpay" not in checkout

    code = link.rsplit("/", 1)[1]
    seller.taps(invoice, f"sms:{code}")
    seller.next("номер телефону покупця")
    seller.says("067 123 45 67")
    seller.next("надіслано на")
    assert turbosms.sent[0].text == f"Kvity Oksany: Buket troiand - 99,00 UAH: {link}"


def test_a_viber_seller_names_the_shop_and_the_pay_page_shows_it(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    seller.says("/shop")
    seller.next("Назва магазину")
    seller.says("Кава на розі")
    assert "«Кава на розі»" in seller.next("✅ Назва магазину")["text"]
    link = pay_link(seller.create_invoice("40"))
    page = httpx.get(link, timeout=10).text
    assert "Кава на розі" in page
    checkout = httpx.get(to_checkout(link), timeout=10, follow_redirects=True).text
    assert f"Кава на розі: рахунок {link.rsplit('/', 1)[1]}" in checkout
