"""The seller's side of the dialog: typing amounts, currency, language, and outages.

Each test is a sentence a seller would say, on the whole stack through the Bot API emulator.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.telegram.deps import BotDeps
from domain.i18n import format_money
from domain.money import Money
from sandbox.stack import Stack, start_bot_thread
from storage.db import make_engine, make_session_factory
from storage.queue import CommandBus, make_broker
from storage.tables import InvoiceRow, SellerRow
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from workers.providers.liqpay import LiqPayClient

NBSP = "\u00a0"
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_DATABASE = "postgresql://x@127.0.0.1:1/x"
UNAVAILABLE = "⚠️ Сервіс тимчасово недоступний"
_tokens = itertools.count(1)


def count(uow_factory: Callable[[], UnitOfWork], table: type) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


# -- amounts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "answer"), [
    ("abc", "Це не схоже на суму. Введіть число, наприклад 12, 12,50 або 1 200,50."),
    ("0", "Сума має бути більшою за нуль."),
    ("-5", "Сума має бути більшою за нуль."),
    ("1e3", "Це не схоже на суму. Введіть число, наприклад 12, 12,50 або 1 200,50."),
    ("12.345", "Забагато знаків після коми: можна не більше 2."),
    ("١٢", "Використовуйте звичайні цифри 0–9."),
])
def test_an_amount_i_mistype_is_explained_and_i_can_type_it_again(
        seller: SellerChat, typed: str, answer: str) -> None:
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")

    seller.says(typed)
    assert seller.next()["text"] == answer

    seller.says("12")  # the dialog is still waiting for the amount
    assert seller.next("опис")["text"].startswith("Додайте опис")


def test_every_kind_of_mistyped_amount_gets_its_own_answer_in_one_dialog(seller: SellerChat) -> None:
    maximum = format_money(Money(seller.stack.settings.max_invoice_amount, "UAH"), "uk")
    seller.register()
    seller.says("🧾 Створити рахунок")
    seller.next("Введіть суму")
    for typed, answer in [
        ("abc", "Це не схоже на суму"), ("0", "більшою за нуль"), ("-5", "більшою за нуль"),
        ("1e3", "Це не схоже на суму"), ("12.345", "не більше 2"), ("١٢", "звичайні цифри"),
        ("100 000,01", f"Сума завелика: максимум {maximum}"),
    ]:
        seller.says(typed)
        assert answer in seller.next()["text"], typed
    assert "100" + NBSP + "000" in maximum

    seller.says("12")
    seller.next("опис")
    seller.says("Кава")
    assert f"12,00{NBSP}₴" in seller.next(photo=True)["caption"]


# -- currency and language ---------------------------------------------------------------------

def test_a_seller_in_poland_is_told_pln_is_not_taken_and_chooses_usd(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.says("/start")
    seller.next("номер")
    seller.tg.user_shares_contact(seller.chat_id, "+48501234567")

    offer = seller.next("PLN")
    assert offer["text"] == ("Ваш номер з країни, де валюта — PLN, але платіжний провайдер приймає "
                             "лише EUR, UAH, USD. Оберіть валюту рахунків:")
    buttons = [b["callback_data"] for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["cur:EUR", "cur:UAH", "cur:USD"]

    seller.taps(offer, "cur:USD")
    assert seller.next("USD")["text"] == "Готово! Ваші рахунки будуть у валюті USD."

    seller.says("🧾 Створити рахунок")
    assert "USD" in seller.next("Введіть суму")["text"]
    seller.says("12,50")
    seller.next("опис")
    seller.says("Кава")
    seller.next("Створюю рахунок")
    invoice_message = seller.next(photo=True)
    assert f"Рахунок на 12,50{NBSP}$ — Кава" in invoice_message["caption"]
    with uow_factory() as uow:
        (currency,) = uow.session.execute(select(InvoiceRow.currency)).one()
    assert currency == "USD"


def test_i_switch_the_bot_to_english_and_it_speaks_english_from_then_on(seller: SellerChat) -> None:
    seller.register()
    seller.says("/language")
    choice = seller.next("Оберіть мову")
    buttons = [b["callback_data"] for row in choice["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["lang:uk", "lang:ru", "lang:en"]

    seller.taps(choice, "lang:en")
    done = seller.next("English")
    assert done["text"] == "Language set to English."
    menu = [b["text"] for row in done["reply_markup"]["keyboard"] for b in row]
    assert menu == ["🧾 Create invoice", "💵 Record payment", "⏳ Pending invoices", "🌐 Language",
                    "⚙️ Payment account", "📊 Cabinet", "📊 Report"]

    seller.says("🧾 Create invoice")  # Telegram still says the phone is Ukrainian: the choice wins
    assert seller.next("amount")["text"] == "Type the amount in UAH, for example 12.50."
    seller.says("12.50")
    seller.next("description")
    seller.says("Coffee")
    assert seller.next("Creating")["text"] == "Creating an invoice for ₴12.50…"
    invoice_message = seller.next(photo=True)
    assert invoice_message["caption"].startswith("Invoice for ₴12.50 — Coffee")

    buyer_pays(seller.pay_link(invoice_message))
    assert seller.next("Paid")["text"] == "✅ Paid ₴12.50 — Coffee"


# -- outages -----------------------------------------------------------------------------------

class OtherBot:
    """The same seller writing to a second bot process on the same emulator, built with `deps`."""

    def __init__(self, stack: Stack, **overrides: Any) -> None:
        self.stack = stack
        self.token = f"{7_100_000_000 + next(_tokens)}:outage-bot"
        stack.telegram.add_bot(self.token)  # type: ignore[attr-defined]
        self.settings = stack.settings.model_copy(update={"telegram_bot_token": self.token})
        self.overrides = overrides
        self.chat_id = SellerChat.chat_id
        self.seen = 0

    @contextmanager
    def running(self, uow: Callable[[], UnitOfWork], bus: CommandBus, redis_url: str) -> Iterator[None]:
        deps = BotDeps(settings=self.settings, uow=uow, bus=bus,
                       currencies=LiqPayClient.currencies, redis_url=redis_url)
        stop = start_bot_thread(deps)
        try:
            yield
        finally:
            stop()

    def says(self, text: str) -> None:
        self.stack.telegram.user_sends_text(self.chat_id, text, token=self.token)  # type: ignore[attr-defined]

    def shares_contact(self, phone: str) -> None:
        self.stack.telegram.user_shares_contact(self.chat_id, phone, token=self.token)  # type: ignore[attr-defined]

    def taps(self, message: dict[str, Any], data: str) -> None:
        self.stack.telegram.user_taps(self.chat_id, message["message_id"], data, token=self.token)  # type: ignore[attr-defined]

    def next(self, contains: str = "", timeout: float = 15.0) -> dict[str, Any]:
        def matches(m: dict[str, Any]) -> bool:
            return m["message_id"] > self.seen and contains in (m.get("text") or "")
        message = self.stack.telegram.wait_for(self.chat_id, matches, timeout=timeout,  # type: ignore[attr-defined]
                                               token=self.token)
        self.seen = message["message_id"]
        return message


def test_when_the_queue_is_down_as_i_tap_skip_i_am_told_to_try_again_and_nothing_is_stored(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()  # through the healthy bot
    other = OtherBot(seller.stack)
    dead_bus = CommandBus(make_broker(DEAD_REDIS))
    with other.running(uow_factory, dead_bus, seller.stack.redis_url):
        other.says("🧾 Створити рахунок")
        other.next("Введіть суму")
        other.says("12,50")
        prompt = other.next("опис")
        other.taps(prompt, "skip")
        answer = other.next(UNAVAILABLE)
        assert answer["text"].startswith(UNAVAILABLE) and "Нічого не збережено" in answer["text"]
    assert count(uow_factory, InvoiceRow) == 0


def test_when_redis_is_down_as_i_tap_create_invoice_i_am_told_to_try_again(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    other = OtherBot(seller.stack)
    with other.running(uow_factory, CommandBus(make_broker(DEAD_REDIS)), DEAD_REDIS):
        other.says("🧾 Створити рахунок")
        assert other.next(UNAVAILABLE)["text"].startswith(UNAVAILABLE)
    assert count(uow_factory, InvoiceRow) == 0


def test_when_the_database_is_down_as_i_share_my_number_i_am_told_to_try_again(
        stack: Stack, uow_factory: Callable[[], UnitOfWork]) -> None:
    engine = make_engine(DEAD_DATABASE)
    dead_uow = (lambda factory: (lambda: UnitOfWork(factory)))(make_session_factory(engine))
    other = OtherBot(stack)
    try:
        with other.running(dead_uow, CommandBus(make_broker(stack.redis_url)), stack.redis_url):
            other.says("/start")
            assert other.next(UNAVAILABLE)["text"].startswith(UNAVAILABLE)
            other.shares_contact("+380501234567")
            assert other.next(UNAVAILABLE)["text"].startswith(UNAVAILABLE)
    finally:
        engine.dispose()
    assert count(uow_factory, SellerRow) == 0
    assert count(uow_factory, InvoiceRow) == 0
