"""The Telegram emulator answers the real aiogram bot (over loopback HTTP) the way Telegram does."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from sandbox.loopback import serve_in_thread
from sandbox.telegram import TelegramEmulator

TOKEN = "123456:TEST-token_abc"
SELLER = 380_501_234
pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[TelegramEmulator, str]]:
    emu = TelegramEmulator()
    emu.add_bot(TOKEN)
    base, stop = serve_in_thread(emu.app)
    yield emu, base
    stop()


@pytest.fixture
def emu(server: tuple[TelegramEmulator, str]) -> TelegramEmulator:
    server[0].reset()
    return server[0]


@pytest.fixture
def base(server: tuple[TelegramEmulator, str]) -> str:
    return server[1]


@pytest.fixture
async def bot(base: str) -> Any:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    yield bot
    await bot.session.close()


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def pay_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Check", callback_data="check:1")]]
    )


async def test_get_me_and_html_message_come_back_as_telegram_would(
    emu: TelegramEmulator, bot: Bot
) -> None:
    me = await bot.get_me()
    emu.user_sends_text(SELLER, "/start")

    sent = await bot.send_message(
        SELLER, "<b>Paid</b> 100 &amp; more", parse_mode="HTML", reply_markup=pay_keyboard()
    )

    assert me.username == "chatpay_bot" and me.is_bot
    assert sent.text == "Paid 100 & more" and sent.chat.id == SELLER
    assert sent.entities and sent.entities[0].type == "bold" and sent.entities[0].length == 4
    [stored] = emu.sent(SELLER)
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "check:1"
    assert stored["edited"] is False and stored["reply_to_message_id"] is None
    assert stored["html"] == "<b>Paid</b> 100 &amp; more"


async def test_photo_upload_reuse_by_file_id_and_download(emu: TelegramEmulator, bot: Bot) -> None:
    emu.user_sends_text(SELLER, "hi")
    image = png()

    first = await bot.send_photo(SELLER, BufferedInputFile(image, "qr.png"), caption="Scan me")
    again = await bot.send_photo(SELLER, first.photo[-1].file_id)
    downloaded = await bot.download(first.photo[-1].file_id)

    assert (first.photo[-1].width, first.photo[-1].height) == (40, 30)
    assert first.caption == "Scan me"
    assert emu.photo_bytes(emu.sent(SELLER)[0]) == image == emu.photo_bytes(emu.sent(SELLER)[1])
    assert again.photo[-1].file_id == first.photo[-1].file_id
    assert downloaded is not None and downloaded.read() == image


async def test_callback_answer_edit_and_not_modified(emu: TelegramEmulator, bot: Bot) -> None:
    emu.user_sends_text(SELLER, "hi")
    message = await bot.send_message(SELLER, "Pending", reply_markup=pay_keyboard())
    update = emu.user_taps(SELLER, message.message_id, "check:1")

    await bot.answer_callback_query(update["callback_query"]["id"], text="Checking…")
    await bot.edit_message_text(
        "Paid", chat_id=SELLER, message_id=message.message_id, reply_markup=pay_keyboard()
    )
    await bot.edit_message_reply_markup(chat_id=SELLER, message_id=message.message_id)

    assert update["callback_query"]["message"]["message_id"] == message.message_id
    assert emu.callback_answer(update["callback_query"]["id"]) == {"text": "Checking…"}
    [stored] = emu.sent(SELLER)
    assert stored["text"] == "Paid" and stored["edited"] and stored["reply_markup"] is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Paid", chat_id=SELLER, message_id=message.message_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(update["callback_query"]["id"])
    with pytest.raises(ValueError):
        emu.user_taps(SELLER, message.message_id, "forged")


async def test_malformed_requests_are_rejected_with_telegram_descriptions(
    emu: TelegramEmulator, bot: Bot
) -> None:
    emu.user_sends_text(SELLER, "hi")
    cases = [
        (bot.send_message(SELLER + 1, "x"), "Bad Request: chat not found"),
        (bot.send_message(SELLER, " "), "Bad Request: message text is empty"),
        (bot.send_message(SELLER, "x" * 4097), "Bad Request: message is too long"),
        (
            bot.send_photo(SELLER, BufferedInputFile(png(), "a.png"), caption="x" * 1025),
            "Bad Request: message caption is too long",
        ),
        (
            bot.send_message(SELLER, "<b>open", parse_mode="HTML"),
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            bot.send_message(SELLER, "<p>x</p>", parse_mode="HTML"),
            'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0',
        ),
        (
            bot.send_message(
                SELLER,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="d" * 65)]]
                ),
            ),
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            bot.send_message(SELLER, "x", reply_parameters=ReplyParameters(message_id=999)),
            "Bad Request: message to be replied not found",
        ),
        (
            bot.edit_message_text("x", chat_id=SELLER, message_id=999),
            "Bad Request: message to edit not found",
        ),
        (bot.delete_message(SELLER, 999), "Bad Request: message to delete not found"),
        (
            bot.send_photo(SELLER, BufferedInputFile(b"not an image", "a.png")),
            "Bad Request: IMAGE_PROCESS_FAILED",
        ),
        (
            bot.send_photo(SELLER, "no-such-file-id"),
            "Bad Request: wrong file identifier/HTTP URL specified",
        ),
    ]
    for call, description in cases:
        with pytest.raises(TelegramBadRequest) as error:
            await call
        assert error.value.message == description

    assert emu.sent(SELLER) == []


def test_httpx_callers_may_send_json_form_or_multipart(emu: TelegramEmulator, base: str) -> None:
    emu.user_sends_text(SELLER, "hi")
    api = f"{base}/bot{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "Pay", "url": "http://localhost:8000/pay/1"}]]}

    as_json = httpx.post(
        f"{api}/sendMessage", json={"chat_id": SELLER, "text": "json", "reply_markup": markup}
    )
    as_form = httpx.post(f"{api}/sendMessage", data={"chat_id": str(SELLER), "text": "form"})
    as_multipart = httpx.post(
        f"{api}/sendPhoto",
        files={"photo": ("qr.png", png(), "image/png")},
        data={"chat_id": str(SELLER), "reply_markup": json.dumps(markup)},
    )
    no_chat = httpx.post(f"{api}/sendMessage", json={"text": "x"})
    bad_markup = httpx.post(
        f"{api}/sendMessage", data={"chat_id": SELLER, "text": "x", "reply_markup": "{nope"}
    )
    unknown = httpx.post(f"{api}/sendSticker", json={"chat_id": SELLER})
    by_url = httpx.post(
        f"{api}/sendPhoto", json={"chat_id": SELLER, "photo": "https://example.com/qr.png"}
    )

    assert [r.status_code for r in (as_json, as_form, as_multipart, by_url)] == [200] * 4
    assert as_multipart.json()["result"]["reply_markup"] == markup
    assert no_chat.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat_id is empty",
    }
    assert (
        bad_markup.json()["description"]
        == "Bad Request: can't parse reply keyboard markup JSON object"
    )
    assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")
    assert [m.get("text") for m in emu.sent(SELLER)] == ["json", "form", None, None]
    assert emu.sent(SELLER)[3]["photo_url"] == "https://example.com/qr.png"


async def test_blocked_user_and_unknown_token(emu: TelegramEmulator, bot: Bot, base: str) -> None:
    emu.user_sends_text(SELLER, "hi")
    emu.block(SELLER)
    stranger = Bot("999:unknown", session=AiohttpSession(api=TelegramAPIServer.from_base(base)))

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(SELLER, "x")
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await stranger.get_me()
    await stranger.session.close()


async def test_rate_limits_answer_429_and_leave_no_violations() -> None:
    emu = TelegramEmulator(global_rate=3, per_chat_rate=1)
    emu.add_bot(TOKEN)
    base, stop = serve_in_thread(emu.app)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    try:
        for chat in range(1, 6):
            emu.user_sends_text(chat, "hi")
        await bot.send_message(1, "one")
        with pytest.raises(TelegramRetryAfter) as per_chat:
            await bot.send_message(1, "again")
        await bot.send_message(2, "two")
        await bot.send_message(3, "three")
        with pytest.raises(TelegramRetryAfter) as global_limit:
            await bot.send_message(4, "four")
    finally:
        await bot.session.close()
        stop()

    assert per_chat.value.retry_after >= 1 and global_limit.value.retry_after >= 1
    assert "Too Many Requests: retry after" in per_chat.value.message
    assert emu.stats["too_many_requests"] == 2 and emu.stats["violations"] == 0
    assert emu.stats["sends"] == 3 and emu.stats["sendMessage"] == 5


async def test_without_limits_bursts_are_counted_as_violations_and_latency_applies() -> None:
    emu = TelegramEmulator(latency=0.2)
    emu.add_bot(TOKEN)
    base, stop = serve_in_thread(emu.app)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
    try:
        emu.user_sends_text(SELLER, "hi")
        started = time.monotonic()
        await bot.send_message(SELLER, "one")
        elapsed = time.monotonic() - started
        await bot.send_message(SELLER, "two")
    finally:
        await bot.session.close()
        stop()

    assert elapsed >= 0.2
    assert emu.stats["violations"] == 1 and emu.stats["too_many_requests"] == 0


async def test_polling_dispatcher_echoes_and_sees_a_duplicate_update_twice(
    emu: TelegramEmulator, bot: Bot
) -> None:
    router, seen = Router(), []

    @router.message(F.text)
    async def echo(message: Message) -> None:
        seen.append(message.message_id)
        await message.answer(
            f"echo: {message.text}",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Share phone", request_contact=True)]]
            ),
        )

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        emu.user_sends_text(SELLER, "hello")
        reply = await asyncio.to_thread(
            emu.wait_for, SELLER, lambda m: m["text"] == "echo: hello", 5
        )
        duplicate = emu.user_sends_text(SELLER, "twice")
        emu.push_update(duplicate)
        await asyncio.to_thread(emu.wait_for, SELLER, lambda m: len(emu.sent(SELLER)) == 3, 5)
    finally:
        await dp.stop_polling()
        await polling

    assert reply["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    assert seen == [1, 3, 3]


def test_long_poll_wakes_as_soon_as_an_update_arrives(emu: TelegramEmulator, base: str) -> None:
    threading.Timer(0.2, emu.user_shares_contact, (SELLER, "+380501234567")).start()
    started = time.monotonic()

    answer = httpx.post(f"{base}/bot{TOKEN}/getUpdates", json={"timeout": 30},
                        timeout=40).json()

    assert time.monotonic() - started < 20  # woken by the update, not by the poll's 30 s
    [update] = answer["result"]
    assert update["message"]["contact"] == {
        "phone_number": "+380501234567",
        "first_name": "Seller",
        "user_id": SELLER,
    }
    confirmed = httpx.post(
        f"{base}/bot{TOKEN}/getUpdates", json={"offset": update["update_id"] + 1}
    ).json()
    assert confirmed["result"] == []


async def test_webhook_delivery_with_secret_and_method_in_the_answer(
    emu: TelegramEmulator, bot: Bot
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: Request) -> JSONResponse:
        received.append(
            (request.headers.get("x-telegram-bot-api-secret-token"), await request.json())
        )
        return JSONResponse({"method": "sendMessage", "chat_id": SELLER, "text": "via webhook"})

    url, stop = serve_in_thread(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    try:
        await bot.set_webhook(f"{url}/hook", secret_token="s3cret")
        emu.user_sends_text(SELLER, "hi")
        await asyncio.to_thread(emu.wait_for, SELLER, lambda m: m["text"] == "via webhook", 5)
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        await bot.delete_webhook()
    finally:
        stop()

    assert received[0][0] == "s3cret" and received[0][1]["message"]["text"] == "hi"
    assert info.url == f"{url}/hook" and info.pending_update_count == 0
    assert await bot.get_updates(timeout=0) == []


async def test_commands_menu_button_and_lifecycle_methods(emu: TelegramEmulator, bot: Bot) -> None:
    from aiogram.types import BotCommand, MenuButtonCommands

    await bot.set_my_commands([BotCommand(command="invoice", description="Create invoice")])
    commands = await bot.get_my_commands()
    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    await bot.delete_my_commands()

    assert [c.command for c in commands] == ["invoice"]
    assert await bot.get_my_commands() == []
    assert await bot.close() is True and await bot.log_out() is True


def test_web_chat_works_mounted_under_a_prefix(emu: TelegramEmulator) -> None:
    outer = Starlette(routes=[Mount("/emulator/telegram", emu.app)])
    url, stop = serve_in_thread(outer)
    try:
        page = httpx.get(f"{url}/emulator/telegram/chat?chat_id={SELLER}")
        sent = httpx.post(
            f"{url}/emulator/telegram/chat/api/send", json={"chat_id": SELLER, "text": "hello"}
        )
        with httpx.stream(
            "GET", f"{url}/emulator/telegram/chat/api/events", params={"chat_id": SELLER}
        ) as events:  # what the page is pushed (server-sent events)
            first = next(line for line in events.iter_lines() if line.startswith("data: "))
        state = json.loads(first.removeprefix("data: "))
        script = httpx.get(f"{url}/emulator/telegram/chat/webchat.js")
        api = httpx.post(f"{url}/emulator/telegram/bot{TOKEN}/getMe").json()
    finally:
        stop()

    assert page.status_code == 200 and "chat/api/events" in page.text
    assert script.status_code == 200 and "EventSource" in script.text
    assert sent.json() == {"ok": True}
    assert state["messages"][0]["text"] == "hello" and state["messages"][0]["outgoing"] is True
    assert api["result"]["username"] == "chatpay_bot"


async def test_webhook_delivery_is_parallel_across_chats_and_in_order_within_one(
    emu: TelegramEmulator, bot: Bot
) -> None:
    chats = [SELLER + k for k in range(2)]  # fewer chats than connections: some wait their turn
    busy: dict[int, int] = {}  #: chat -> updates of it being handled right now
    seen: list[tuple[int, str]] = []
    most_at_once = [0]
    lock = threading.Lock()

    async def hook(request: Request) -> JSONResponse:
        message = (await request.json())["message"]
        chat = message["chat"]["id"]
        with lock:
            busy[chat] = busy.get(chat, 0) + 1
            assert busy[chat] == 1, "two updates of one chat at once"
            most_at_once[0] = max(most_at_once[0], sum(busy.values()))
        await asyncio.sleep(0.1)
        with lock:
            busy[chat] -= 1
            seen.append((chat, message["text"]))
        return JSONResponse({})

    url, stop = serve_in_thread(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    try:
        for n in range(3):
            for chat in chats:
                emu.user_sends_text(chat, f"m{n}")
        await bot.set_webhook(f"{url}/hook", max_connections=4)
        for _ in range(100):
            if len(seen) == 6:
                break
            await asyncio.sleep(0.05)
        await bot.delete_webhook()
    finally:
        stop()

    for chat in chats:
        assert [text for c, text in seen if c == chat] == ["m0", "m1", "m2"]
    assert most_at_once[0] > 1, "every update waited for the one before it"


def test_closing_answers_a_waiting_long_poll_with_no_updates() -> None:
    emu = TelegramEmulator()
    emu.add_bot(TOKEN)
    base, stop = serve_in_thread(emu.app)
    answers: list[Any] = []
    try:
        poll = threading.Thread(target=lambda: answers.append(
            httpx.post(f"{base}/bot{TOKEN}/getUpdates", json={"timeout": 25}, timeout=30).json()))
        poll.start()
        while not emu.stats["getUpdates"]:
            time.sleep(0.01)
        emu.close()
        poll.join(10)
    finally:
        stop()
    assert answers == [{"ok": True, "result": []}]


async def test_a_failing_webhook_is_retried_with_backoff_and_the_update_kept(
    emu: TelegramEmulator, bot: Bot
) -> None:
    calls: list[float] = []

    async def broken(request: Request) -> JSONResponse:
        calls.append(time.monotonic())
        return JSONResponse({"ok": False}, status_code=500)

    url, stop = serve_in_thread(Starlette(routes=[Route("/hook", broken, methods=["POST"])]))
    try:
        await bot.set_webhook(f"{url}/hook", max_connections=4)
        emu.user_sends_text(SELLER, "hi")
        await asyncio.sleep(2.0)
        info = await bot.get_webhook_info()
        await bot.delete_webhook()
    finally:
        stop()

    # one update, four senders, each waiting 0.1, 0.2, 0.4, 0.8 s...: a handful of tries, no storm
    assert 2 <= len(calls) <= 30, len(calls)
    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 500"


def test_closing_stops_the_webhook_senders() -> None:
    emu, token = TelegramEmulator(), "654321:closing"  # its own bot: its own sender threads
    emu.add_bot(token)
    emu.call(token, "setWebhook", {"url": "http://127.0.0.1:9/nobody", "max_connections": 3})
    emu.user_sends_text(SELLER, "hi", token=token)  # the senders retry it against a port nobody serves

    def senders() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("telegram-webhook-654321-")]
    assert len(senders()) == 3
    emu.close()
    deadline = time.monotonic() + 5
    while senders() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert senders() == []
