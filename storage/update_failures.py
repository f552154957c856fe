"""How many messenger updates a handler failed on unexpectedly, per channel.

Counted in Redis, which every bot process and the web edge share, so the web edge's /metrics
shows the failures of the `telegram` process and of the Viber webhook alike
(`chatpay_update_failures_total{channel=...}`)."""
from __future__ import annotations

import redis
import redis.asyncio as aioredis

KEY = "chatpay:metrics:update_failures"  #: a hash: channel -> failures since Redis started


def count(client: redis.Redis, channel: str) -> None:
    client.hincrby(KEY, channel, 1)


async def count_async(client: aioredis.Redis, channel: str) -> None:
    await client.hincrby(KEY, channel, 1)


def read(client: redis.Redis) -> dict[str, int]:
    return {(k.decode() if isinstance(k, bytes) else str(k)): int(v)
            for k, v in client.hgetall(KEY).items()}  # type: ignore[union-attr]
