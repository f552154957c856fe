"""The emulator: its bots, and the user side that tests (and the web chat) drive.

`token=None` on a user-side method means the first bot added.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from sandbox import webchat
from sandbox.telegram.api import BotApi
from sandbox.telegram.chat import WebChat
from sandbox.telegram.errors import ApiError
from sandbox.telegram.markup import _u16
from sandbox.telegram.messages import MessageMethods
from sandbox.telegram.state import _Bot, _Chat


class TelegramEmulator(BotApi, MessageMethods, WebChat):
    """The Bot API as Telegram answers it, plus a user side to drive it; see the package."""

    def __init__(
        self,
        *,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        latency: float = 0.0,
    ) -> None:
        self.global_rate, self.per_chat_rate, self.latency = global_rate, per_chat_rate, latency
        self._cond = threading.Condition(threading.RLock())
        self._bots = {}
        self._ids = itertools.count(1)
        self._floor = (1, 1)  #: the first update id and message id (see `resume`)
        self.stats = Counter()
        self.closing = False
        self.reset()
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file),
                Route("/chat", self._chat_page),
                Route("/chat/api/state", self._chat_state),
                Route("/chat/api/events", self._chat_events),
                Route("/chat/api/{action}", self._chat_action, methods=["POST"]),
                webchat.ROUTE,
            ]
        )

    def close(self) -> None:
        """Answer the long polls waiting now, and those to come, with no updates, and stop the
        webhook senders: a server stopping does not wait out (or cancel) a poll whose bot is
        already gone, nor keep posting to a webhook nobody serves."""
        with self._cond:
            self.closing = True
            for bot in self._bots.values():
                bot.webhook_gen += 1
                for loop, event in list(bot.waiters):
                    loop.call_soon_threadsafe(event.set)
            self._cond.notify_all()

    def unconfirmed_updates(self) -> int:
        """How many updates the bots have not yet confirmed (by asking for later ones)."""
        with self._cond:
            return sum(len(bot.updates) for bot in self._bots.values())

    def reset(self) -> None:
        """Forget chats, updates, files, webhooks and stats; keep the bots."""
        with self._cond:
            self._chats = {}
            self._files: dict[str, dict[str, Any]] = {}
            self._queries: dict[str, dict[str, Any]] = {}
            self.stats.clear()
            for bot in self._bots.values():  # in place: a getUpdates waiting now keeps waiting
                bot.updates, bot.allowed, bot.webhook, bot.commands, bot.menu_buttons = (
                    [],
                    None,
                    None,
                    {},
                    {},
                )
                bot.webhook_gen += 1  # stops its webhook delivery thread
                bot.recent_sends.clear()
            self._cond.notify_all()

    def add_bot(
        self, token: str, username: str = "chatpay_bot", first_name: str = "chatpay"
    ) -> None:
        bot_id = (
            int(token.split(":")[0])
            if token.split(":")[0].isdigit()
            else 7_000_000_000 + len(self._bots)
        )
        user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        with self._cond:
            self._bots[token] = _Bot(token, user, next_update_id=self._floor[0])

    # --- numbering that goes on across restarts (`chatpay up` keeps it in VAR_DIR) ---------------
    def counters(self) -> dict[str, int]:
        """The next update id and the next message id of any chat: where numbering goes on."""
        with self._cond:
            return {"update_id": max([b.next_update_id for b in self._bots.values()]
                                     + [self._floor[0]]),
                    "message_id": max([c.next_message_id for c in self._chats.values()]
                                      + [self._floor[1]])}

    def resume(self, counters: dict[str, int]) -> None:
        """Go on numbering from `counters` (an earlier run's): a bot that remembers the update
        and message ids it handled must not take new ones for those."""
        with self._cond:
            self._floor = (max(self._floor[0], int(counters.get("update_id", 1))),
                           max(self._floor[1], int(counters.get("message_id", 1))))
            for bot in self._bots.values():
                bot.next_update_id = max(bot.next_update_id, self._floor[0])
            for chat in self._chats.values():
                chat.next_message_id = max(chat.next_message_id, self._floor[1])

    # --- user side --------------------------------------------------------------------------------
    def _user_chat(
        self, token: str | None, chat_id: int, first_name: str = "Seller", language_code: str = "uk"
    ) -> tuple[_Bot, _Chat]:
        bot = self._bot(token)
        chat = self._chats.setdefault(
            (bot.token, chat_id),
            _Chat(
                {
                    "id": chat_id,
                    "is_bot": False,
                    "first_name": first_name,
                    "language_code": language_code,
                },
                next_message_id=self._floor[1],
            ),
        )
        return bot, chat

    def _user_message(
        self,
        token: str | None,
        chat_id: int,
        content: dict[str, Any],
        message_id: int | None,
        **who: Any,
    ) -> dict[str, Any]:
        with self._cond:
            bot, chat = self._user_chat(token, chat_id, **who)
            if message_id is None:
                message_id = chat.next_message_id
            chat.next_message_id = max(chat.next_message_id, message_id + 1)
            message = {
                "message_id": message_id,
                "from": dict(chat.user),
                "date": int(time.time()),
                "chat": self._chat_obj(chat),
                **content,
            }
            chat.messages.append(message)
            if chat.keyboard and chat.keyboard.get("one_time_keyboard"):
                chat.keyboard = None
            return self._enqueue(bot, {"message": copy.deepcopy(message)})

    def user_sends_text(
        self,
        chat_id: int,
        text: str,
        *,
        token: str | None = None,
        first_name: str = "Seller",
        language_code: str = "uk",
        message_id: int | None = None,
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if cmd := re.match(r"/\w+(@\w+)?", text):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(cmd[0])}]
        return self._user_message(
            token, chat_id, content, message_id, first_name=first_name, language_code=language_code
        )

    def user_shares_contact(
        self,
        chat_id: int,
        phone_number: str,
        *,
        token: str | None = None,
        own: bool = True,
        first_name: str = "Seller",
        language_code: str = "uk",
        contact_user_id: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if own or contact_user_id is not None:
            contact["user_id"] = chat_id if own else contact_user_id
        return self._user_message(
            token,
            chat_id,
            {"contact": contact},
            message_id,
            first_name=first_name,
            language_code=language_code,
        )

    def user_taps(
        self, chat_id: int, message_id: int, data: str, *, token: str | None = None
    ) -> dict[str, Any]:
        with self._cond:
            bot, chat = self._user_chat(token, chat_id)
            try:
                message = self._find(chat, message_id, "message to tap not found", own=True)
            except ApiError:
                raise ValueError(
                    f"The bot has no message {message_id} in chat {chat_id}."
                ) from None
            buttons = [
                b.get("callback_data")
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            ]
            if data not in buttons:
                raise ValueError(
                    f"Message {message_id} has no button with callback_data {data!r}: {buttons}."
                )
            return self._callback(bot, chat, message, data)

    def user_forges_tap(
        self, chat_id: int, message_id: int, data: str, *, token: str | None = None
    ) -> dict[str, Any]:
        """A tap carrying any callback data under any bot message in the chat, as a modified
        client can send it: Telegram does not check the data against the buttons."""
        with self._cond:
            bot, chat = self._user_chat(token, chat_id)
            message = self._find(chat, message_id, "message to tap not found", own=True)
            return self._callback(bot, chat, message, data)

    def _callback(self, bot: Any, chat: Any, message: dict[str, Any], data: str) -> dict[str, Any]:
        chat_id = chat.user["id"]
        query_id = str(next(self._ids) * 7919 + 10**15)
        self._queries[query_id] = {"chat": (bot.token, chat_id), "answer": None}
        return self._enqueue(
            bot,
            {
                "callback_query": {
                    "id": query_id,
                    "from": dict(chat.user),
                    "message": self._public(message),
                    "chat_instance": str(-chat_id * 31),
                    "data": data,
                }
            },
        )

    def push_update(self, update: dict[str, Any], *, token: str | None = None) -> None:
        """Deliver a raw update as is (one whose update_id getUpdates already handed out gets a fresh one)."""
        with self._cond:
            bot = self._bot(token)
            self._enqueue(bot, copy.deepcopy(update))

    def block(self, chat_id: int, *, token: str | None = None) -> None:
        with self._cond:
            self._user_chat(token, chat_id)[1].blocked = True

    def sent(self, chat_id: int, *, token: str | None = None) -> list[dict[str, Any]]:
        """The bot's messages in the chat, in order, as they are now (deleted ones dropped)."""
        with self._cond:
            chat = self._chats.get((self._bot(token).token, chat_id))
            mine = (
                [m for m in chat.messages if m["from"].get("is_bot") and not m["deleted"]]
                if chat
                else []
            )
            return copy.deepcopy(mine)

    def notices(self, chat_id: int, *, token: str | None = None) -> list[str]:
        """The toasts the bot answered taps in the chat with (answerCallbackQuery's text)."""
        with self._cond:
            chat = self._chats.get((self._bot(token).token, chat_id))
            return list(chat.notices) if chat else []

    def history(self, chat_id: int, *, token: str | None = None) -> list[dict[str, Any]]:
        """Every message the chat shows now, the person's and the bot's, in order: what either
        side deleted (deleteMessage) is gone, as from a Telegram chat."""
        with self._cond:
            chat = self._chats.get((self._bot(token).token, chat_id))
            shown = [m for m in chat.messages if not m.get("deleted")] if chat else []
            return copy.deepcopy(shown)

    def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
        timeout: float = 10.0,
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.sent(chat_id, token=token):
                    if predicate(message):
                        return message
                if (left := deadline - time.monotonic()) <= 0:
                    shown = json.dumps(
                        self.sent(chat_id, token=token), ensure_ascii=False, indent=1
                    )
                    raise TimeoutError(
                        f"No matching bot message in chat {chat_id} within {timeout} s; it has: {shown}"
                    )
                self._cond.wait(left)

    def photo_bytes(self, message: dict[str, Any]) -> bytes:
        with self._cond:
            entry = self._files[message["photo"][-1]["file_id"]]
        if entry["data"] is None:
            return httpx.get(entry["url"], follow_redirects=True, timeout=10).content
        return entry["data"]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """What the bot answered to a callback query (text, show_alert, ...), or None before it answered."""
        with self._cond:
            return copy.deepcopy(self._queries[query_id]["answer"])
