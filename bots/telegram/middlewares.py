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

from bots.conversation.lease import Leases
from bots.sellers import MISSING
from bots.telegram.deps import BotDeps
from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language

log = logging.getLogger(__name__)

#: seconds an update being handled stays claimed unless renewed: how soon a redelivery of an update
#: whose process died mid-handler is handled. Renewed every third of it while the handler runs.
LEASE_TTL = 10.0


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
    """Telegram may deliver an update twice; the second one is dropped, not handled again.

    An update counts as delivered only once its handler returned. While it runs it holds a short
    lease, renewed as long as the process lives: a process killed mid-handler (a deploy, the OOM
    killer) lets the lease lapse within seconds, and Telegram's redelivery of the update is then
    handled instead of being dropped as seen, which would lose the seller's message. A handler
    that raised gives the lease back at once. A duplicate arriving while the update is being
    handled waits for the outcome rather than being dropped outright: answering it (webhook: 200)
    would make Telegram forget the update even if the process handling it then dies.
    """

    def __init__(self, client: aioredis.Redis, bot_id: int, lease: float = LEASE_TTL) -> None:
        self.leases = Leases(client, f"chatpay:tg:seen:{bot_id}", lease)

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        try:
            lease = await self.leases.claim(str(event.update_id))
        except RedisError:  # Redis is down: the handler will say so; idempotency keys still hold
            return await handler(event, data)
        if lease is None:
            log.info("Dropped repeated update %d.", event.update_id)
            return None
        renewing = asyncio.create_task(self.leases.renew(lease))
        try:
            result = await handler(event, data)
        except BaseException:
            renewing.cancel()
            await self.leases.release(lease)  # the redelivery is handled
            raise
        renewing.cancel()
        await self.leases.done(lease)
        return result


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
