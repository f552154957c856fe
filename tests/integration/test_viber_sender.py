"""The Viber sender talks real HTTP to the Viber emulator and maps Viber's answers to our errors."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import (
    MessengerRateLimited,
    MessengerUnavailable,
    RecipientUnreachable,
)
from domain.messaging import Button, OutboundMessage
from sandbox.loopback import serve_in_thread
from sandbox.viber import ViberEmulator
from workers.messengers.viber import (
    MAX_REQUEST_BYTES,
    PICTURE_TEXT_MAX,
    ViberApi,
    ViberApiError,
    ViberSender,
    keyboard,
    required_api_version,
)

TOKEN = "sender-test-token"
QR = "https://pay.example.com/qr/Ab3dE.png"


async def _webhook(request: Request) -> Response:
    return Response(status_code=200)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ViberEmulator, str, str]]:
    emulator = ViberEmulator()
    emulator.add_account(TOKEN)
    url, stop = serve_in_thread(emulator.app)
    bot_url, stop_bot = serve_in_thread(
        Starlette(routes=[Route("/viber/webhook", _webhook, methods=["POST"])]))
    ViberApi(TOKEN, url).set_webhook(bot_url + "/viber/webhook")
    yield emulator, url, bot_url + "/viber/webhook"
    stop()
    stop_bot()


@pytest.fixture
def emulator(served) -> ViberEmulator:
    served[0].reset()
    served[0].user_subscribes("seller")
    return served[0]


@pytest.fixture
def sender(served, emulator) -> ViberSender:
    return ViberSender(TOKEN, served[1], sender_name="chatpay")


def message(text: str, **fields) -> OutboundMessage:
    return OutboundMessage(channel="viber", chat_id="seller", text=text, **fields)


def test_sends_text_and_returns_the_message_token(sender, emulator):
    message_token = sender.send(message("Рахунок створено", reply_to="42"))
    [sent] = emulator.sent("seller")
    assert sent["type"] == "text" and sent["text"] == "Рахунок створено"
    assert sent["sender"] == {"name": "chatpay"} and "keyboard" not in sent
    assert message_token == str(sent["message_token"])


def test_sends_a_picture_by_url_with_its_caption_and_keyboard(sender, emulator):
    buttons = ((Button("Check status", data="check:1"), Button("Cancel", data="cancel:1")),
               (Button("Pay page", url="https://pay.example.com/p/Ab3dE"),))
    sender.send(message("100.00 UAH", photo_url=QR, buttons=buttons))
    [sent] = emulator.sent("seller")
    assert (sent["type"], sent["media"], sent["text"]) == ("picture", QR, "100.00 UAH")
    assert sent["keyboard"]["Buttons"] == [
        {"ActionType": "reply", "ActionBody": "check:1", "Text": "Check status", "Columns": 3,
         "Rows": 1},
        {"ActionType": "reply", "ActionBody": "cancel:1", "Text": "Cancel", "Columns": 3,
         "Rows": 1},
        {"ActionType": "open-url", "ActionBody": "https://pay.example.com/p/Ab3dE",
         "Text": "Pay page", "Columns": 6, "Rows": 1},
    ]
    assert sent["min_api_version"] == 1


def test_a_caption_too_long_for_a_picture_follows_it_as_text_with_the_keyboard(sender, emulator):
    first = "Invoice 100.00 UAH"
    rest = "Details. " * 30 + "\nPay here: https://pay.example.com/p/Ab3dE"
    buttons = ((Button("Check status", data="check:1"),),)
    message_token = sender.send(message(f"{first}\n{rest}", photo_url=QR, buttons=buttons))
    picture, text = emulator.sent("seller")
    assert (picture["type"], picture["text"], "keyboard" in picture) == ("picture", first, False)
    assert (text["type"], text["text"]) == ("text", rest)
    assert text["keyboard"]["Buttons"][0]["ActionBody"] == "check:1"
    assert message_token == str(text["message_token"])


def test_a_long_caption_without_a_line_break_goes_whole_in_the_text(sender, emulator):
    caption = "x" * (PICTURE_TEXT_MAX + 1)
    sender.send(message(caption, photo_url=QR))
    picture, text = emulator.sent("seller")
    assert picture["text"] == "" and text["text"] == caption


def test_a_text_too_big_for_30_kb_is_cut_with_an_ellipsis(sender, emulator):
    sender.send(message("ї" * 6999))  # two bytes a character: about 14 KB, fits
    sender.send(message("ї" * 6999, buttons=((Button("b" * 200, data="d" * 600),) * 6,) * 4))
    whole, cut = emulator.sent("seller")
    assert whole["text"] == "ї" * 6999
    assert cut["text"].endswith("…") and len(cut["text"]) < 6999
    body = json.dumps({k: v for k, v in cut.items() if k != "message_token"},
                      ensure_ascii=False, separators=(",", ":")).encode()
    assert len(body) <= MAX_REQUEST_BYTES


def test_a_keyboard_too_big_for_30_kb_is_refused_before_sending(sender, emulator):
    with pytest.raises(ViberApiError):
        sender.send(message("hi", buttons=((Button("b", data="d" * 4000),) * 6,) * 2))
    assert emulator.sent("seller") == []


def test_an_unsubscribed_or_unknown_seller_is_unreachable(sender, emulator):
    emulator.user_unsubscribes("seller")
    with pytest.raises(RecipientUnreachable):
        sender.send(message("paid"))
    with pytest.raises(RecipientUnreachable):
        sender.send(OutboundMessage(channel="viber", chat_id="stranger", text="paid"))


def test_too_many_requests_is_rate_limited(served):
    emulator = ViberEmulator(rate=1.0)
    emulator.add_account(TOKEN)
    url, stop = serve_in_thread(emulator.app)
    try:
        ViberApi(TOKEN, url).set_webhook(served[2])
        emulator.user_subscribes("seller")
        sender = ViberSender(TOKEN, url)
        sender.send(message("one"))
        with pytest.raises(MessengerRateLimited) as raised:
            sender.send(message("two"))
    finally:
        stop()
    assert raised.value.retry_after >= 1.0


def test_a_server_error_or_a_dead_api_is_unavailable(served, sender):
    served[0].fail_next(http_status=503)
    with pytest.raises(MessengerUnavailable):
        sender.send(message("paid"))
    emulator = ViberEmulator()
    url, stop = serve_in_thread(emulator.app)
    stop()
    with pytest.raises(MessengerUnavailable):
        ViberSender(TOKEN, url, timeout=2.0).send(message("paid"))


def test_other_refusals_carry_vibers_status_message(served, emulator):
    with pytest.raises(ViberApiError) as raised:
        ViberSender("not-our-token", served[1]).send(message("paid"))
    assert (raised.value.status, raised.value.status_message) == (2, "invalidAuthToken")


def test_account_info_and_set_webhook_through_the_api_helper(served, emulator):
    api = ViberApi(TOKEN, served[1])
    assert api.get_account_info()["webhook"].endswith("/viber/webhook")
    with pytest.raises(ViberApiError) as raised:
        api.set_webhook("http://127.0.0.1:9/closed")
    assert raised.value.status == 1


def test_the_shared_keyboard_helper_adds_share_phone_and_fills_each_line():
    board = keyboard((tuple(Button(str(i), data=str(i)) for i in range(4)),),
                     share_phone_text="Share phone")
    assert [b["Columns"] for b in board["Buttons"]] == [2, 2, 1, 1, 6]
    assert board["Buttons"][-1]["ActionType"] == "share-phone"
    assert required_api_version(board) == 3
    assert required_api_version(keyboard(((Button("a", data="a"),),))) == 1
