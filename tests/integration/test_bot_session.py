"""The bot's own replies when Telegram throttles it: sent after the wait Telegram asks for, not
lost (a lost "creating…" reply would mean the seller's invoice is never made)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bots.telegram.app import build_bot
from sandbox.loopback import serve_in_thread
from sandbox.telegram import TelegramEmulator

TOKEN = "4242:session-test"
CHAT = 380_111


def _emulator(**limits: float) -> Iterator[tuple[TelegramEmulator, str]]:
    tg = TelegramEmulator(**limits)
    tg.add_bot(TOKEN)
    tg.user_sends_text(CHAT, "/start", token=TOKEN)  # the seller opened the chat
    base, stop = serve_in_thread(tg.app)
    yield tg, base
    stop()


@pytest.fixture
def one_per_second() -> Iterator[tuple[TelegramEmulator, str]]:
    yield from _emulator(per_chat_rate=1)


@pytest.fixture
def one_per_minute() -> Iterator[tuple[TelegramEmulator, str]]:
    yield from _emulator(per_chat_rate=1 / 60)


async def test_a_throttled_reply_is_sent_after_telegrams_wait(
        one_per_second: tuple[TelegramEmulator, str]) -> None:
    tg, base = one_per_second
    bot = build_bot(TOKEN, base)
    try:
        await bot.send_message(CHAT, "Створюю рахунок…")
        began = time.monotonic()
        await bot.send_message(CHAT, "Головне меню")  # 429 retry_after 1, then sent
        waited = time.monotonic() - began
    finally:
        await bot.session.close()
    assert [m["text"] for m in tg.sent(CHAT, token=TOKEN)] == ["Створюю рахунок…", "Головне меню"]
    assert tg.stats["too_many_requests"] == 1
    assert 0.9 <= waited < 30  # waited the second asked for, not given up


async def test_a_wait_longer_than_a_seller_would_bear_is_not_waited(
        one_per_minute: tuple[TelegramEmulator, str]) -> None:
    tg, base = one_per_minute
    bot = build_bot(TOKEN, base)
    try:
        await bot.send_message(CHAT, "one")
        began = time.monotonic()
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(CHAT, "two")
    finally:
        await bot.session.close()
    assert caught.value.retry_after == 60
    assert time.monotonic() - began < 30  # not the 60 s Telegram asked for
    assert [m["text"] for m in tg.sent(CHAT, token=TOKEN)] == ["one"]
