"""A seller connects their own LiqPay in the Telegram bot (Settings → Payment account), through
the Telegram emulator, the LiqPay sandbox, a real worker and real Redis: their invoices are then
signed with their key and paid into their account, and their private key is nowhere in clear."""
from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis

from sandbox.liqpay import _sign
from sandbox.stack import Stack
from storage.db import make_engine, make_session_factory
from storage.uow import UnitOfWork
from tests.conftest import stored_bytes
from tests.e2e.conftest import SellerChat, buyer_pays

SETTINGS = "⚙️ Платіжний рахунок"


def mask(key: str) -> str:
    return f"{key[:5]}…{key[-4:]}"


def open_settings(seller: SellerChat, shows: str) -> dict[str, Any]:
    seller.says(SETTINGS)
    return seller.next(shows)


def connect(seller: SellerChat, public: str, private: str,
            while_checking: Any = None) -> tuple[dict[str, Any], ...]:
    """Settings → Connect LiqPay → public key → private key; returns the two key messages.
    `while_checking` runs once the bot said it is checking the keys."""
    board = open_settings(seller, "Платіжний рахунок")
    seller.taps(board, "acct:connect")
    seller.next("публічний ключ")
    sent_public = seller.says(public)
    asked = seller.next("приватний ключ")
    assert "Повідомлення з ключем видалено" in asked["text"]
    sent_private = seller.says(private)
    checking = seller.next("Перевіряю ключі")
    assert "Повідомлення з ключем видалено" in checking["text"]
    if while_checking is not None:
        while_checking()
    return sent_public, sent_private


def checkout(pay_link: str) -> tuple[dict[str, Any], str, str]:
    """What the buyer's browser is sent to from the pay page: LiqPay's data, decoded, and the
    data and signature as they are in the checkout URL."""
    from tests.e2e.conftest import to_checkout
    query = parse_qs(urlsplit(to_checkout(pay_link)).query)
    data, signature = query["data"][0], query["signature"][0]
    return json.loads(base64.b64decode(data)), data, signature


def stored_accounts(database_url: str) -> list[tuple[str, str, object]]:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(make_session_factory(engine)).readonly() as uow:
            accounts = [uow.accounts.get(i) for i in uow.accounts.all_ids()]
            return [(a.public_key, a.private_key_encrypted, a.disconnected_at)
                    for a in accounts if a is not None]
    finally:
        engine.dispose()


def redis_values(url: str) -> bytes:
    """Every key and value in Redis, of every type, as one blob to search."""
    client = redis.Redis.from_url(url)
    blob = bytearray()
    for key in client.scan_iter(count=1000):
        blob += key
        kind = client.type(key)
        if kind == b"string":
            blob += client.get(key) or b""
        elif kind == b"list":
            blob += b"".join(client.lrange(key, 0, -1))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                blob += field + value
        elif kind == b"set":
            blob += b"".join(client.smembers(key))
        elif kind == b"zset":
            blob += b"".join(client.zrange(key, 0, -1))
        elif kind == b"stream":
            blob += repr(client.xrange(key)).encode()
    client.close()
    return bytes(blob)


def assert_nowhere_in_clear(secret: str, *, redis_url: str, var: Path, logs: str) -> None:
    assert secret.encode() not in redis_values(redis_url), "a private key is in Redis"
    for path in var.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"a private key is in {path}"
    assert secret not in logs, "a private key is in the logs"


def test_a_seller_connects_their_liqpay_and_their_invoice_is_signed_with_it_and_paid(
        stack: Stack, seller: SellerChat, database_url: str, redis_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seller.register()
    open_settings(seller, "рахунок платформи")
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    stack.sandbox.latency = 1.5  # type: ignore[attr-defined]  # LiqPay takes its time to answer

    def queued_command_holds_no_private_key() -> None:
        deadline = time.monotonic() + 10
        while b"connect_account" not in (blob := redis_values(redis_url)):
            # the bot says "checking" first, then publishes; the worker then waits on LiqPay
            assert time.monotonic() < deadline, "the ConnectAccount command never reached Redis"
            time.sleep(0.05)
        assert private.encode() not in blob
        stack.sandbox.latency = 0  # type: ignore[attr-defined]

    sent = connect(seller, public, private, while_checking=queued_command_holds_no_private_key)

    connected = seller.next("LiqPay підключено")
    assert mask(public) in connected["text"]
    shown = [m.get("text") or m.get("caption") or "" for m in seller.tg.history(seller.chat_id)]
    kept_ids = {m["message_id"] for m in seller.tg.history(seller.chat_id)}
    assert all(m["message_id"] not in kept_ids for m in sent), "a key message is still in the chat"
    assert not any(private in text for text in shown)
    assert mask(public) in open_settings(seller, "ваш LiqPay")["text"]

    invoice = seller.create_invoice("12,50", "Кава")
    params, data, signature = checkout(seller.pay_link(invoice))
    assert params["public_key"] == public
    assert signature == _sign(data, private)

    buyer_pays(seller.pay_link(invoice))
    assert "✅ Оплачено 12,50\u00a0₴ — Кава" in seller.next("Оплачено")["text"]

    [(stored_public, encrypted, _)] = stored_accounts(database_url)
    assert stored_public == public and private not in encrypted
    assert public.encode() in stored_bytes(database_url)  # the scan does see what is stored
    assert private.encode() not in stored_bytes(database_url)
    assert_nowhere_in_clear(private, redis_url=redis_url, var=tmp_path, logs=caplog.text)


def test_wrong_keys_are_refused_and_nothing_is_stored(
        stack: Stack, seller: SellerChat, database_url: str) -> None:
    seller.register()
    public, _ = stack.sandbox.add_merchant()  # type: ignore[attr-defined]

    sent = connect(seller, public, "not-the-private-key-of-this-account")

    refused = seller.next("не прийняв")
    assert "нічого не збережено" in refused["text"]
    assert stored_accounts(database_url) == []
    kept_ids = {m["message_id"] for m in seller.tg.history(seller.chat_id)}
    assert all(m["message_id"] not in kept_ids for m in sent)
    open_settings(seller, "рахунок платформи")  # still the platform's

    seller.says("🧾 Створити рахунок")  # and its invoices still go to the platform's
    seller.next("Введіть суму")


def test_liqpay_unreachable_while_checking_keys_stores_nothing_and_says_try_later(
        stack: Stack, seller: SellerChat, database_url: str) -> None:
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    stack.sandbox.fail_mode = "500"  # type: ignore[attr-defined]

    connect(seller, public, private)

    assert "Спробуйте пізніше" in seller.next("Не вдалося зв'язатися з LiqPay")["text"]
    assert stored_accounts(database_url) == []


def test_disconnecting_keeps_an_invoice_made_before_payable_into_the_sellers_account(
        stack: Stack, seller: SellerChat, database_url: str, redis_url: str) -> None:
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    connect(seller, public, private)
    seller.next("LiqPay підключено")
    before = seller.create_invoice("40", "Торт")

    board = open_settings(seller, "ваш LiqPay")
    seller.taps(board, "acct:disconnect")
    confirm = seller.next("Відключити ваш LiqPay")
    assert mask(public) in confirm["text"]
    seller.taps(confirm, "acct:disconnect:yes")
    assert "рахунок платформи" in seller.next("LiqPay відключено")["text"]
    [(_, _, disconnected_at)] = stored_accounts(database_url)
    assert disconnected_at is not None

    after = seller.create_invoice("5", "Чай")  # new invoices: the platform's account
    assert checkout(seller.pay_link(after))[0]["public_key"] != public
    params, data, signature = checkout(seller.pay_link(before))
    assert params["public_key"] == public and signature == _sign(data, private)

    buyer_pays(seller.pay_link(before))
    assert "✅ Оплачено 40,00\u00a0₴ — Торт" in seller.next("Оплачено")["text"]


def test_without_platform_keys_a_seller_is_told_to_connect_liqpay_before_the_amount(
        stack_factory: Any, database_url: str) -> None:
    stack = stack_factory(liqpay_public_key="", liqpay_private_key="")
    seller = SellerChat(stack)
    seller.register()

    seller.says("🧾 Створити рахунок")
    told = seller.next("спершу підключіть свій LiqPay")
    assert "Введіть суму" not in told["text"]
    assert open_settings(seller, "не підключено")

    public, private = stack.sandbox.add_merchant()
    seller.taps(told, "acct:connect")
    seller.next("публічний ключ")
    seller.says(public)
    seller.next("приватний ключ")
    seller.says(private)
    seller.next("LiqPay підключено")
    invoice = seller.create_invoice("12,50", "Кава")
    assert checkout(seller.pay_link(invoice))[0]["public_key"] == public


def test_an_invoice_whose_account_went_away_meanwhile_tells_the_seller_to_connect_liqpay(
        stack_factory: Any) -> None:
    stack = stack_factory(liqpay_public_key="", liqpay_private_key="")
    seller = SellerChat(stack)
    seller.register()
    public, private = stack.sandbox.add_merchant()
    board = open_settings(seller, "не підключено")
    seller.taps(board, "acct:connect")
    seller.next("публічний ключ")
    seller.says(public)
    seller.next("приватний ключ")
    seller.says(private)
    seller.next("LiqPay підключено")
    board = open_settings(seller, "ваш LiqPay")

    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    seller.says("10")
    seller.next("опис")
    seller.taps(board, "acct:disconnect")  # the old settings message's button, mid-invoice
    seller.taps(seller.next("Відключити ваш LiqPay"), "acct:disconnect:yes")
    seller.next("LiqPay відключено")
    seller.says("Кава")
    seller.next("Створюю рахунок")

    told = seller.next("спершу підключіть свій LiqPay")
    assert "тимчасово недоступний" not in told["text"]


def test_a_menu_button_tapped_while_a_key_is_asked_for_leaves_the_key_dialog(
        stack: Stack, seller: SellerChat, database_url: str) -> None:
    seller.register()
    seller.taps(open_settings(seller, "рахунок платформи"), "acct:connect")
    seller.next("публічний ключ")

    tapped = seller.says("🧾 Створити рахунок")  # changed their mind: not a key

    seller.next("Введіть суму")
    assert tapped["message_id"] in {m["message_id"] for m in seller.tg.history(seller.chat_id)}
    seller.says("/cancel")
    seller.next("Скасовано")
    seller.says("i00000000001")  # the dialog is over: nothing typed now is taken as a key
    assert "Не зрозумів" in seller.next()["text"]
    assert stored_accounts(database_url) == []
