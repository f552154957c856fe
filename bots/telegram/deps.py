"""What the Telegram handlers need, handed to them by name through the dispatcher."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from storage.queue import CommandBus
from storage.settings import Settings
from storage.uow import UnitOfWork

T = TypeVar("T")


@dataclass
class BotDeps:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    bus: CommandBus
    currencies: frozenset[str]  #: what the payment provider takes
    redis_url: str

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run blocking work (database, queue) off the event loop."""
        return await asyncio.to_thread(fn, *args)
