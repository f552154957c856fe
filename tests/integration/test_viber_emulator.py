"""The Viber REST emulator answers the real viberbot SDK and raw HTTP the way Viber does."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from viberbot import Api, BotConfiguration
from viberbot.api.api_request_sender import ApiRequestSender
from viberbot.api.consts import VIBER_BOT_USER_AGENT
from viberbot.api.message_sender import MessageSender
from viberbot.api.messages import KeyboardMessage, TextMessage
from viberbot.api.viber_requests import (
    ViberConversationStartedRequest,
    ViberMessageRequest,
    ViberSubscribedRequest,
    ViberUnsubscribedRequest,
)

from sandbox.loopback import serve_in_thread
from sandbox.viber import ViberEmulator

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
PREFIX = "/emulator/viber/pa"


class FakeBot:
    """The bot's side of the webhook: records what Viber posted and answers as told."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.status = 200
        self.answer: dict[str, Any] | None = None
        self.app = Starlette(routes=[Route("/viber/webhook", self._webhook, methods=["POST"])])

    async def _webhook(self, request: Request) -> Response:
        self.calls.append((await request.body(), dict(request.headers)))
        if self.answer is not None and json.loads(self.calls[-1][0])["event"] != "webhook":
            return JSONResponse(self.answer, status_code=self.status)
        return Response(status_code=self.status)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ViberEmulator, str, FakeBot, str]]:
    """One emulator (mounted under a prefix, as the sandbox serves it) and one bot per module."""
    emulator = ViberEmulator()
    emulator.add_account(TOKEN, name="chatpay")
    fake = FakeBot()
    url, stop = serve_in_thread(Starlette(routes=[Mount(PREFIX, app=emulator.app)]))
    bot_url, stop_bot = serve_in_thread(fake.app)
    yield emulator, url + PREFIX, fake, bot_url + "/viber/webhook"
    stop()
    stop_bot()


@pytest.fixture
def emulator(served) -> ViberEmulator:
    served[0].reset()
    return served[0]


@pytest.fixture
def base(served, emulator) -> str:
    call(served[1], "set_webhook", {"url": ""})
    return served[1]


@pytest.fixture
def bot(served) -> tuple[FakeBot, str]:
    fake = served[2]
    fake.calls.clear()
    fake.status, fake.answer = 200, None
    return fake, served[3]


def sdk(base: str, token: str = TOKEN) -> Api:
    """The real viberbot Api, pointed at the emulator through its own request sender."""
    config = BotConfiguration(auth_token=token, name="chatpay", avatar=None)
    api = Api(config)
    logger = logging.getLogger("viber.bot.api")
    api._request_sender = ApiRequestSender(logger, base, config, VIBER_BOT_USER_AGENT)
    api._message_sender = MessageSender(logger, api._request_sender, config)
    return api


def call(base: str, method: str, payload: dict[str, Any], token: str | None = TOKEN,
         ) -> dict[str, Any]:
    headers = {"X-Viber-Auth-Token": token} if token else {}
    response = httpx.post(f"{base}/{method}", json=payload, headers=headers)
    assert response.status_code == 200  # Viber answers 200 whatever the status
    return response.json()  # type: ignore[no-any-return]


def text(receiver: str, body: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"receiver": receiver, "type": "text", "text": body, "sender": {"name": "chatpay"},
            **extra}


def test_set_webhook_checks_the_url_with_a_signed_webhook_callback(base, bot, emulator):
    fake, url = bot
    api = sdk(base)
    assert api.set_webhook(url) == ["delivered", "seen", "failed", "subscribed", "unsubscribed",
                                    "conversation_started"]
    body, headers = fake.calls[0]
    assert json.loads(body)["event"] == "webhook"
    assert api.verify_signature(body, headers["x-viber-content-signature"])
    assert api.get_account_info()["webhook"] == url


def test_set_webhook_to_a_url_that_does_not_answer_200_is_invalid_url(base, bot):
    fake, url = bot
    fake.status = 500
    assert call(base, "set_webhook", {"url": url})["status"] == 1
    assert call(base, "set_webhook", {"url": "http://127.0.0.1:9/nothing"})["status"] == 1


def test_the_sdk_sends_to_a_user_who_wrote_and_every_callback_verifies(base, bot, emulator):
    fake, url = bot
    api = sdk(base)
    api.set_webhook(url)
    status, event = emulator.user_starts_conversation("u1", name="Olena", country="UA")
    assert status == 200
    started = api.parse_request(fake.calls[-1][0])
    assert isinstance(started, ViberConversationStartedRequest)
    assert started.user.id == "u1" and started.user.country == "UA" and not started.subscribed
    emulator.user_sends_text("u1", "hi")
    request = api.parse_request(fake.calls[-1][0])
    assert isinstance(request, ViberMessageRequest) and request.message.text == "hi"

    [message_token] = api.send_messages("u1", [TextMessage(text="Welcome!")])
    [sent] = emulator.sent("u1")
    assert sent["text"] == "Welcome!" and sent["message_token"] == message_token
    assert "auth_token" not in sent
    assert all(api.verify_signature(body, h["x-viber-content-signature"]) for body, h in fake.calls)
    assert api.get_user_details("u1")["name"] == "Olena"
    assert api.get_online(["u1"])[0]["online_status_message"] == "online"


def test_a_user_who_only_opened_the_chat_gets_the_welcome_answer_but_no_sends(base, bot, emulator):
    fake, url = bot
    sdk(base).set_webhook(url)
    fake.answer = {"type": "text", "text": "Welcome", "sender": {"name": "chatpay"}}
    emulator.user_starts_conversation("u2")
    assert [m["text"] for m in emulator.sent("u2")] == ["Welcome"]
    answer = call(base, "send_message", text("u2"))
    assert (answer["status"], answer["status_message"]) == (6, "notSubscribed")


def test_share_phone_keyboard_and_the_contact_that_comes_back(base, bot, emulator):
    fake, url = bot
    api = sdk(base)
    api.set_webhook(url)
    emulator.user_subscribes("u3")
    assert isinstance(api.parse_request(fake.calls[-1][0]), ViberSubscribedRequest)
    board = {"Type": "keyboard", "Buttons": [
        {"ActionType": "share-phone", "ActionBody": "phone", "Text": "Share phone", "Columns": 6}]}
    api.send_messages("u3", [KeyboardMessage(keyboard=board, min_api_version=3,
                                             tracking_data="await-phone")])
    emulator.user_shares_contact("u3", "+380501234567")
    request = api.parse_request(fake.calls[-1][0])
    assert request.message.contact.phone_number == "+380501234567"
    assert request.message.tracking_data == "await-phone"

    emulator.user_unsubscribes("u3")
    assert isinstance(api.parse_request(fake.calls[-1][0]), ViberUnsubscribedRequest)
    assert call(base, "send_message", text("u3"))["status"] == 6


def test_taps_arrive_as_text_carrying_the_action_body(base, bot, emulator):
    fake, url = bot
    sdk(base).set_webhook(url)
    emulator.user_taps("u4", "invoice:create")
    event = json.loads(fake.calls[-1][0])
    assert event["message"] == {"type": "text", "text": "invoice:create"}
    assert event["sender"]["id"] == "u4"


@pytest.mark.parametrize(("payload", "status"), [
    ({"type": "text", "text": "x", "sender": {"name": "chatpay"}}, 4),  # no receiver
    ({"receiver": "u5", "text": "x", "sender": {"name": "chatpay"}}, 4),  # no type
    ({"receiver": "nobody", "type": "text", "text": "x", "sender": {"name": "chatpay"}}, 5),
    (text("u5", ""), 3),
    (text("u5", "x" * 7001), 3),
    ({"receiver": "u5", "type": "picture", "media": "https://qr.example/" + "a" * 31_000,
      "sender": {"name": "chatpay"}}, 3),  # over 30 KB, every field otherwise fine
    ({"receiver": "u5", "type": "picture", "sender": {"name": "chatpay"}}, 3),  # no media
    (text("u5", keyboard={"Type": "keyboard", "Buttons": []}), 3),
    (text("u5", keyboard={"Type": "keyboard", "Buttons": [
        {"ActionType": "teleport", "ActionBody": "x"}]}), 3),
    (text("u5", keyboard={"Type": "keyboard", "Buttons": [
        {"ActionType": "reply", "ActionBody": "x", "Columns": 7}]}), 3),
    (text("u5", keyboard={"Type": "keyboard", "Buttons": [
        {"ActionType": "share-phone", "ActionBody": "x"}]}), 3),  # without min_api_version 3
    (text("u5", keyboard={"Type": "keyboard", "Buttons": [
        {"ActionType": "reply", "ActionBody": "x", "BgColor": "red"}]}), 3),
])
def test_send_message_refuses_what_viber_refuses(base, bot, emulator, payload, status):
    fake, url = bot
    sdk(base).set_webhook(url)
    emulator.user_subscribes("u5")
    assert call(base, "send_message", payload)["status"] == status
    assert emulator.sent("u5") == []
    assert emulator.stats["status"][status] == 1


def test_auth_token_from_header_or_body_and_unknown_tokens_are_refused(base):
    assert call(base, "get_account_info", {}, token="wrong")["status"] == 2
    assert call(base, "get_account_info", {}, token=None)["status"] == 2
    assert call(base, "get_account_info", {"auth_token": TOKEN}, token=None)["status"] == 0


def test_sending_faster_than_the_rate_is_too_many_requests(bot):
    emulator = ViberEmulator(rate=2.0)
    emulator.add_account(TOKEN)
    url, stop = serve_in_thread(emulator.app)
    try:
        call(url, "set_webhook", {"url": bot[1]})
        emulator.user_subscribes("u6")
        statuses = [call(url, "send_message", text("u6"))["status"] for _ in range(4)]
    finally:
        stop()
    assert statuses == [0, 0, 12, 12]
    assert emulator.stats["too_many_requests"] == 2 and emulator.stats["sends"] == 2


def test_wait_for_sees_a_message_sent_from_another_thread(base, bot, emulator):
    sdk(base).set_webhook(bot[1])
    emulator.user_subscribes("u7")
    threading.Timer(0.2, lambda: call(base, "send_message", text("u7", "later"))).start()
    assert emulator.wait_for("u7", lambda m: m["text"] == "later", timeout=5)["text"] == "later"
    with pytest.raises(TimeoutError):
        emulator.wait_for("u7", lambda m: m["text"] == "never", timeout=0.2)


def test_blocked_users_and_reset(base, bot, emulator):
    sdk(base).set_webhook(bot[1])
    emulator.user_subscribes("u8")
    assert call(base, "send_message", text("u8"))["status"] == 0
    emulator.block("u8")
    assert call(base, "send_message", text("u8"))["status"] == 6
    emulator.reset()
    assert emulator.sent("u8") == [] and emulator.stats["sends"] == 0
    assert call(base, "send_message", text("u8"))["status"] == 5
