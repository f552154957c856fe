"""A seller connects their shop from the chat, in Telegram and in Viber: `/webhook URL` answers
with the signing secret once and pings the real local shop; `/webhook` shows it with its buttons.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from standardwebhooks import Webhook

from sandbox.shop import Shop
from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_viber_conversation import ViberSeller

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop().start()
    yield shop
    shop.stop()


def test_telegram_seller_sets_a_webhook_gets_the_secret_once_and_the_shop_hears_of_payments(
        seller: SellerChat, shop: Shop) -> None:
    seller.register()
    seller.says(f"/webhook {shop.url('tg')}")
    secret = SECRET.search(seller.next("whsec_")["text"])
    assert secret is not None
    seller.next("Магазин відповів ok")
    hook = shop.hook("tg")
    ping = hook.received[0]
    assert Webhook(secret.group(0)).verify(ping.body, ping.headers)["type"] == "ping"

    buyer_pays(seller.pay_link(seller.create_invoice("150")))
    seller.next("Оплачено")
    deadline = time.monotonic() + 15
    while len(hook.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    paid = Webhook(secret.group(0)).verify(hook.received[1].body, hook.received[1].headers)
    assert paid["type"] == "invoice.paid" and paid["data"]["paid_amount"] == "150.00"

    seller.says("/webhook")
    shown = seller.next(shop.url("tg"))
    assert "активні" in shown["text"] and "invoice.paid #1: доставлено" in shown["text"]
    assert "whsec_" not in shown["text"]  # the secret is shown once only
    buttons = [b["callback_data"] for row in shown["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == ["wh:test", "wh:rotate", "wh:redeliver", "wh:remove"]
    seller.taps(shown, "wh:test")
    seller.next("Магазин відповів ok")
    assert len(hook.received) == 3


def test_telegram_refuses_a_url_that_is_not_http(seller: SellerChat) -> None:
    seller.register()
    seller.says("/webhook ftp://shop.example/hook")
    assert "не можна використати" in seller.next("адресу")["text"]


def test_viber_seller_sets_a_webhook_and_sees_it_with_its_buttons(stack: Stack,
                                                                   shop: Shop) -> None:
    viber = ViberSeller(stack)
    viber.register()
    viber.says(f"/webhook {shop.url('vb')}")
    secret = SECRET.search(viber.next("whsec_")["text"])
    assert secret is not None
    viber.next("Магазин відповів ok")
    ping = shop.hook("vb").received[0]
    Webhook(secret.group(0)).verify(ping.body, ping.headers)

    viber.says("/webhook")
    shown = viber.next(shop.url("vb"))
    actions = [b["ActionBody"] for b in shown["keyboard"]["Buttons"]]
    assert actions[:4] == ["wh:test", "wh:rotate", "wh:redeliver", "wh:remove"]
    viber.taps("wh:rotate")
    rotated = SECRET.search(viber.next("Новий секрет")["text"])
    assert rotated is not None and rotated.group(0) != secret.group(0)
    viber.taps("wh:remove")
    viber.next("адресу видалено")
