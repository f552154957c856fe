"""Update middlewares: drop repeated updates, and find out who is writing and in what language."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
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

SEEN_TTL = 24 * 3600  #: seconds a handled update id is remembered
#: seconds an update being handled stays claimed unless renewed: how soon a redelivery of an update
#: whose process died mid-handler is handled. Renewed every third of it while the handler runs.
LEASE_TTL = 10.0
WAIT_LIMIT = 60  #: seconds a duplicate waits for the update's handler to finish or die
WAIT_STEP = 0.2  #: seconds between a waiting duplicate's looks
BUSY = "busy:"  #: a seen key's value while the update is being handled: the lease's owner
DONE = "done"  #: a seen key's value once the update was handled
# give back or extend the lease only if it is still ours (it may have lapsed and been taken)
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
         "return redis.call('pexpire', KEYS[1], ARGV[2]) end")


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
        self.client = client
        self.bot_id = bot_id
        self.lease = lease

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        key = f"chatpay:tg:seen:{self.bot_id}:{event.update_id}"
        token = f"{BUSY}{uuid.uuid4().hex}"
        try:
            claimed = await self._claim(key, token)
        except RedisError:
            claimed = None  # Redis is down: the handler will say so; idempotency keys still hold
        if claimed is False:
            log.info("Dropped repeated update %d.", event.update_id)
            return None
        if claimed is None:
            return await handler(event, data)
        renewing = asyncio.create_task(self._renew(key, token))
        try:
            result = await handler(event, data)
        except BaseException:
            renewing.cancel()
            with contextlib.suppress(RedisError):
                await self.client.eval(RELEASE, 1, key, token)  # the redelivery is handled
            raise
        renewing.cancel()
        try:
            await self.client.set(key, DONE, ex=SEEN_TTL)
        except RedisError as exc:  # handled all the same; a redelivery would be handled again
            log.warning("Could not mark update %d as handled: %r.", event.update_id, exc)
        return result

    async def _claim(self, key: str, token: str) -> bool:
        """True once this process holds the update's lease; False if it was handled already."""
        deadline = asyncio.get_running_loop().time() + WAIT_LIMIT
        while True:
            if await self.client.set(key, token, nx=True, px=int(self.lease * 1000)):
                return True
            held = await self.client.get(key)
            if held is None:
                continue  # given back or lapsed between the two calls: try again
            if not _busy(held):
                return False
            if asyncio.get_running_loop().time() > deadline:
                log.warning("Update %s is still being handled elsewhere after %d s; dropped.",
                            key.rsplit(":", 1)[1], WAIT_LIMIT)
                return False
            await asyncio.sleep(WAIT_STEP)

    async def _renew(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            with contextlib.suppress(RedisError):  # a missed renewal leaves two more chances
                await self.client.eval(RENEW, 1, key, token, int(self.lease * 1000))


def _busy(value: bytes | str) -> bool:
    """Whether a seen key's value is a lease; anything else (DONE, or an older version's "1") means
    the update was handled."""
    return (value.decode() if isinstance(value, bytes) else value).startswith(BUSY)


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
