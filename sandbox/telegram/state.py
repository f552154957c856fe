"""What the emulator remembers (bots, chats, uploads) and the helpers every part of it shares."""

from __future__ import annotations

import asyncio
import copy
import itertools
import math
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.telegram.errors import _bad

_CONVENIENCE = ("edited", "deleted", "reply_to_message_id", "html", "photo_url", "received_at")


@dataclass
class _Upload:
    filename: str
    data: bytes


@dataclass
class _Bot:
    token: str
    user: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    delivered: int = 0  # the highest update_id getUpdates has handed out
    allowed: list[str] | None = None
    webhook: dict[str, Any] | None = None
    webhook_gen: int = 0
    in_flight: set[int] = field(default_factory=set)  # id() of updates a webhook sender holds
    poll_gen: int = 0
    waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=set)
    recent_sends: deque[float] = field(default_factory=deque)
    commands: dict[str, list[Any]] = field(default_factory=dict)
    menu_buttons: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Chat:
    user: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_message_id: int = 1
    blocked: bool = False
    last_send: float = -math.inf
    keyboard: dict[str, Any] | None = None
    notices: list[str] = field(default_factory=list)


class EmulatorState:
    """The state the Bot API methods, the web chat and the user side share; one lock guards it."""

    global_rate: float | None
    per_chat_rate: float | None
    latency: float  #: seconds added before each Bot API answer
    closing: bool  #: the server is stopping: long polls answer at once
    stats: Counter[str]  # calls, sends, too_many_requests, violations, one per method
    _cond: threading.Condition
    _bots: dict[str, _Bot]
    _ids: itertools.count[int]
    _chats: dict[tuple[str, int], _Chat]
    _files: dict[str, dict[str, Any]]
    _queries: dict[str, dict[str, Any]]

    def _bot(self, token: str | None) -> _Bot:
        if token is None and self._bots:
            return next(iter(self._bots.values()))
        if token not in self._bots:
            raise KeyError(f"No bot with token {token!r}; call add_bot() first.")
        return self._bots[token]

    def _enqueue(self, bot: _Bot, update: dict[str, Any]) -> dict[str, Any]:
        if (
            update.get("update_id", 0) <= bot.delivered
        ):  # else the next offset would confirm it unseen
            update["update_id"] = bot.next_update_id
        bot.next_update_id = max(bot.next_update_id, update["update_id"] + 1)
        bot.updates.append(update)
        for loop, event in list(bot.waiters):
            loop.call_soon_threadsafe(event.set)
        self._cond.notify_all()
        return copy.deepcopy(update)

    @staticmethod
    def _chat_obj(chat: _Chat) -> dict[str, Any]:
        return {"id": chat.user["id"], "first_name": chat.user["first_name"], "type": "private"}

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        """The message as the Bot API returns it: no convenience keys, only inline keyboards."""
        public = {
            k: copy.deepcopy(v)
            for k, v in message.items()
            if k not in _CONVENIENCE and v is not None
        }
        if "inline_keyboard" not in (public.get("reply_markup") or {}):
            public.pop("reply_markup", None)
        return public

    def _find(self, chat: _Chat, message_id: Any, error: str, own: bool = False) -> dict[str, Any]:
        for m in chat.messages:
            if (
                str(m["message_id"]) == str(message_id)
                and not m.get("deleted")
                and (not own or m["from"]["is_bot"])
            ):
                return m
        raise _bad(error)
