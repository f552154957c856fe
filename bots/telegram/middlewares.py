"""Update middlewares: drop repeated updates, and find out who is writing and in what language."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bots.sellers import MISSING
from bots.telegram.deps import BotDeps
from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language

log = logging.getLogger(__name__)

SEEN_TTL = 24 * 3600  #: seconds an update id is remembered


class InFlight(BaseMiddleware):
    """Knows which updates are being handled, so a stopping bot can finish them first.

    In polling mode Telegram counts an update as delivered once the next getUpdates asks past it,
    which happens while its handler still runs: a process that exits mid-handler loses the
    seller's message (a description typed as the deploy began never becomes an invoice).
    """

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            self.tasks.discard(task)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the updates being handled; return how many were left."""
        if self.tasks:
            log.info("Finishing %d update(s) before stopping.", len(self.tasks))
            _, left = await asyncio.wait(set(self.tasks), timeout=timeout)
            return len(left)
        return 0


class DropRepeatedUpdates(BaseMiddleware):
    """Telegram may deliver an update twice; the second one is dropped, not handled again."""

    def __init__(self, client: aioredis.Redis, bot_id: int) -> None:
        self.client = client
        self.bot_id = bot_id

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        key = f"chatpay:tg:seen:{self.bot_id}:{event.update_id}"
        try:
            first = await self.client.set(key, 1, nx=True, ex=SEEN_TTL)
        except RedisError:
            first = True  # Redis is down: the handler will say so; idempotency keys still hold
        if not first:
            log.info("Dropped repeated update %d.", event.update_id)
            return None
        return await handler(event, data)


class SellerContext(BaseMiddleware):
    """Puts `seller` (or None) and `lang` into the handler's data."""

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        seller = None
        if user is not None:
            seller = self.deps.sellers.cached(str(user.id))  # no thread hop for a known seller
            try:
                if seller is MISSING:
                    seller = await self.deps.run(self.deps.sellers.find, str(user.id))
            except SQLAlchemyError as exc:
                data["lang"] = normalize_language(user.language_code)
                raise ServiceUnavailable("database unavailable") from exc
        data["seller"] = seller
        data["lang"] = seller.language if seller else normalize_language(
            user.language_code if user else None)
        return await handler(event, data)
