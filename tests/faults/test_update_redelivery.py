"""A `chatpay telegram` process killed while it handles a seller's message. Telegram did not get the
webhook's answer, so it delivers the same update (same update_id) again, to the next process: that
one must handle it, once, not drop it as already seen."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from domain.i18n import t
from sandbox.loopback import serve_in_thread
from storage.tables import InvoiceRow
from tests.faults.conftest import Rig, free_port, wait_until
from tests.faults.test_bot_processes import add_seller_quietly, bot_messages, next_reply


class HeldReplies:
    """Stands between the bot and the Telegram emulator. While `holding`, the bot's sendMessage
    calls get no answer and never reach the chat: the handler that sent one is stuck in the
    middle, for as long as the test wants, however fast the machine."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.holding = False
        self.held = 0
        self.closing = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.holding and scope["path"].endswith("/sendMessage"):
            self.held += 1
            while not self.closing:
                await asyncio.sleep(0.05)
            await send({"type": "http.response.start", "status": 502, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def test_a_message_whose_bot_died_mid_handler_is_handled_once_by_the_next_bot(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rig.telegram is not None
    chat = 381_300
    add_seller_quietly(rig, chat)
    gate = HeldReplies(rig.telegram.app)
    api_base, stop_gate = serve_in_thread(Starlette(routes=[Mount("/", app=gate)]))
    try:
        monkeypatch.setattr(rig, "env", lambda: Rig.env(rig) | {"TELEGRAM_API_BASE": api_base})
        port = free_port()
        first = rig.start_bot(port)
        rig.start_inprocess_worker()

        gate.holding = True
        rig.telegram.user_sends_text(chat, "/new")
        wait_until(lambda: gate.held, 20, "the bot to be answering /new")
        rig.kill(first)  # mid-handler: the prompt for the amount was on its way
        gate.holding = False
        rig.start_bot(port)

        next_reply(rig, chat, t("uk", "ask_amount", currency="UAH"))
        rig.telegram.user_sends_text(chat, "12,50")
        next_reply(rig, chat, t("uk", "ask_description"))
        rig.telegram.user_sends_text(chat, "Order after the crash")
        rig.telegram.wait_for(chat, lambda m: "Order after the crash" in (m.get("caption") or ""),
                              30)
    finally:
        gate.closing = True
        stop_gate()

    texts = [m.get("text") or m.get("caption") or "" for m in bot_messages(rig, chat)]
    assert texts.count(t("uk", "ask_amount", currency="UAH")) == 1, texts
    assert texts.count(t("uk", "ask_description")) == 1, texts
    info = rig.telegram.call(rig.settings.telegram_bot_token, "getWebhookInfo", {})
    assert info["pending_update_count"] == 0  # nothing left for Telegram to deliver again
    with rig.uow() as uow:
        descriptions = [row.description for row in uow.session.query(InvoiceRow).all()]
    assert descriptions == ["Order after the crash"]
