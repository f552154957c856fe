"""The bot's HTTP session to the Bot API: answers parsed without rebuilding models, and a 429
waited out instead of losing the reply."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods.base import Response, TelegramMethod, TelegramType

log = logging.getLogger(__name__)

#: the longest single wait a reply may take before the update fails; Telegram asks for seconds,
#: a seller waiting longer than this has given up on the chat anyway
MAX_RETRY_AFTER = 30
MAX_ATTEMPTS = 4


class PinnedModelsSession(AiohttpSession):
    """aiogram parses every Bot API answer as `Response[T]`; pydantic (2.12+) keeps such generic
    classes only weakly, so each garbage collection dropped them and the next call rebuilt one
    (about 3 ms: 12 % of the bot's CPU under load, bench/throughput.py). Holding the ones in use
    keeps pydantic's cache warm for the life of the process."""

    _pinned: ClassVar[dict[object, type]] = {}  #: shared: the models are the same for all bots

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int,
                       content: str) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._pinned:
            self._pinned[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


class WaitOutRetryAfter(BaseRequestMiddleware):
    """Telegram answers 429 with `retry_after` when the bot writes faster than it allows (about
    30 messages/s overall, 1/s per chat). The reply is then sent after the wait, not dropped: a
    dropped "creating…" reply would mean the seller's invoice is never made."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == MAX_ATTEMPTS or exc.retry_after > MAX_RETRY_AFTER:
                    raise
                log.info("Telegram asked to retry %s in %d s; waiting.", type(method).__name__,
                         exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")


def build_session(api_base: str) -> AiohttpSession:
    session = PinnedModelsSession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(WaitOutRetryAfter())
    return session
