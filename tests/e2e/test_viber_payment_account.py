"""A seller connects their own LiqPay in the Viber bot, through the Viber emulator, the LiqPay
sandbox, a real worker and real Redis. Viber lets no bot delete a message: the seller is asked to."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from sandbox.liqpay import _sign
from sandbox.stack import Stack
from tests.e2e.conftest import buyer_pays
from tests.e2e.test_payment_account import (
    assert_nowhere_in_clear,
    checkout,
    mask,
    stored_accounts,
)
from tests.e2e.test_viber_conversation import VIBER_USER, ViberSeller, pay_link

SETTINGS = "⚙️ Платіжний рахунок"


def actions(message: dict[str, Any]) -> list[str]:
    return [b["ActionBody"] for b in (message.get("keyboard") or {}).get("Buttons", [])]


def connect(seller: ViberSeller, public: str, private: str) -> None:
    seller.taps(SETTINGS)
    board = seller.next("Платіжний рахунок")
    assert "acct:connect" in actions(board)
    seller.taps("acct:connect")
    seller.next("публічний ключ")
    seller.says(public)
    asked = seller.next("приватний ключ")
    assert "видаліть його, будь ласка, самі" in asked["text"]
    seller.says(private)
    checking = seller.next("Перевіряю ключі")
    assert "видаліть його, будь ласка, самі" in checking["text"]


def test_a_viber_seller_connects_their_liqpay_and_their_invoice_is_signed_with_it_and_paid(
        stack: Stack, database_url: str, redis_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seller = ViberSeller(stack)
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]

    connect(seller, public, private)

    assert mask(public) in seller.next("LiqPay підключено")["text"]
    assert not any(private in (m.get("text") or "")
                   for m in stack.viber.sent(VIBER_USER))  # type: ignore[attr-defined]
    picture = seller.create_invoice("12,50")
    link = pay_link(picture)
    params, data, signature = checkout(link)
    assert params["public_key"] == public and signature == _sign(data, private)

    buyer_pays(link)
    assert "✅ Оплачено 12,50\u00a0₴" in seller.next("Оплачено")["text"]
    assert [a[0] for a in stored_accounts(database_url)] == [public]
    assert_nowhere_in_clear(private, redis_url=redis_url, var=tmp_path, logs=caplog.text)


def test_a_viber_seller_with_wrong_keys_is_refused_and_nothing_is_stored(
        stack: Stack, database_url: str) -> None:
    seller = ViberSeller(stack)
    seller.register()
    public, _ = stack.sandbox.add_merchant()  # type: ignore[attr-defined]

    connect(seller, public, "not-the-private-key-of-this-account")

    assert "нічого не збережено" in seller.next("не прийняв")["text"]
    assert stored_accounts(database_url) == []


def test_a_viber_seller_disconnects_and_the_invoice_made_before_is_still_paid(
        stack: Stack, database_url: str) -> None:
    seller = ViberSeller(stack)
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    connect(seller, public, private)
    seller.next("LiqPay підключено")
    before = pay_link(seller.create_invoice("40"))

    seller.taps(SETTINGS)
    assert "acct:disconnect" in actions(seller.next("ваш LiqPay"))
    seller.taps("acct:disconnect")
    confirm = seller.next("Відключити ваш LiqPay")
    assert "acct:disconnect:yes" in actions(confirm)
    seller.taps("acct:disconnect:yes")
    assert "рахунок платформи" in seller.next("LiqPay відключено")["text"]

    assert checkout(pay_link(seller.create_invoice("5")))[0]["public_key"] != public
    buyer_pays(before)
    assert "✅ Оплачено 40,00\u00a0₴" in seller.next("Оплачено")["text"]


def test_a_viber_seller_without_any_account_is_told_to_connect_liqpay_before_the_amount(
        stack_factory: Any) -> None:
    stack = stack_factory(liqpay_public_key="", liqpay_private_key="")
    seller = ViberSeller(stack)
    seller.register()

    seller.taps("🧾 Створити рахунок")
    told = seller.next("спершу підключіть свій LiqPay")
    assert "acct:connect" in actions(told)
    seller.says("10")  # no amount dialog was started
    assert "Не зрозумів" in seller.next()["text"]
