"""Telegram delivering an update again, on real Redis: an update counts as seen only once its handler
returned, so a redelivery after a failure is handled, and one after success is not."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiogram.types import TelegramObject, Update

from bots.telegram.middlewares import DropRepeatedUpdates

DEAD_REDIS = "redis://127.0.0.1:1/0"  #: nothing listens on port 1


def update(update_id: int = 501) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": 9, "date": int(time.time()), "text": "Кава",
        "chat": {"id": 380_900, "type": "private", "first_name": "Seller"},
        "from": {"id": 380_900, "is_bot": False, "first_name": "Seller"}}})


class Handler:
    """A handler that counts its runs; it can be made to fail, or to wait until told to go on."""

    def __init__(self) -> None:
        self.runs = 0
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        self.go_on.set()
        self.fail = False

    async def __call__(self, event: TelegramObject, data: dict[str, Any]) -> str:
        self.runs += 1
        self.started.set()
        await self.go_on.wait()
        if self.fail:
            raise ConnectionError("the database went away")
        return "handled"


@pytest.fixture
async def client(redis_url: str) -> Any:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_an_update_whose_handler_failed_is_handled_when_telegram_delivers_it_again(
        client: aioredis.Redis) -> None:
    drop, handler = DropRepeatedUpdates(client, bot_id=1), Handler()
    handler.fail = True
    with pytest.raises(ConnectionError):
        await drop(handler, update(), {})
    handler.fail = False

    assert await drop(handler, update(), {}) == "handled"
    assert handler.runs == 2


async def test_a_handled_update_is_dropped_when_telegram_delivers_it_again(
        client: aioredis.Redis) -> None:
    drop, handler = DropRepeatedUpdates(client, bot_id=1), Handler()
    assert await drop(handler, update(), {}) == "handled"

    assert await DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}) is None
    assert await drop(handler, update(502), {}) == "handled"  # another update is not held back
    assert handler.runs == 2


async def test_a_duplicate_arriving_while_the_update_is_handled_is_dropped(
        client: aioredis.Redis) -> None:
    handler = Handler()
    handler.go_on.clear()
    first = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}))
    await handler.started.wait()
    duplicate = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}))
    await asyncio.sleep(0.5)
    assert handler.runs == 1  # the duplicate waits for the outcome rather than running beside it

    handler.go_on.set()
    assert await first == "handled"
    assert await duplicate is None
    assert handler.runs == 1


async def test_a_duplicate_arriving_while_the_handler_fails_is_handled_after_it(
        client: aioredis.Redis) -> None:
    """Telegram sent the update again while the first attempt was still running (it had not seen
    our answer yet); the first attempt then failed. Dropping the duplicate would lose the message."""
    handler = Handler()
    handler.go_on.clear()
    handler.fail = True
    first = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}))
    await handler.started.wait()
    duplicate = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}))
    await asyncio.sleep(0.5)

    handler.go_on.set()
    with pytest.raises(ConnectionError):
        await first
    handler.fail = False
    assert await duplicate == "handled"
    assert handler.runs == 2


async def test_an_update_is_claimed_for_as_long_as_its_handler_runs(
        client: aioredis.Redis) -> None:
    """A handler slower than the lease (a reply waiting out a 429) keeps its update to itself."""
    handler = Handler()
    handler.go_on.clear()
    first = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1, lease=0.3)(
        handler, update(), {}))
    await handler.started.wait()
    duplicate = asyncio.create_task(DropRepeatedUpdates(client, bot_id=1, lease=0.3)(
        handler, update(), {}))
    await asyncio.sleep(1.5)  # five leases
    assert handler.runs == 1

    handler.go_on.set()
    assert await first == "handled"
    assert await duplicate is None


async def test_updates_are_handled_when_redis_is_down() -> None:
    client = aioredis.Redis.from_url(DEAD_REDIS, socket_connect_timeout=0.5)
    handler = Handler()
    try:
        assert await DropRepeatedUpdates(client, bot_id=1)(handler, update(), {}) == "handled"
    finally:
        await client.aclose()
    assert handler.runs == 1
