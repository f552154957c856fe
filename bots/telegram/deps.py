"""What the Telegram handlers need, handed to them by name through the dispatcher."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bots.deps import ChannelDeps

T = TypeVar("T")


@dataclass
class BotDeps(ChannelDeps):
    channel = "telegram"
    redis_url: str

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run blocking work (database, queue) off the event loop."""
        return await asyncio.to_thread(fn, *args)
