"""Handle each update once, for every messenger.

A messenger may deliver an update (Telegram) or a message (Viber) again. An update counts as
handled only once its handler returned: while it runs it holds a lease in Redis (`busy:<owner>`),
after it the key says `done` for a day. A handler that raised gives the lease back at once, so
the redelivery is handled; a process killed mid-handler lets the lease lapse. What a duplicate
does while the first is still being handled differs: Telegram's waits for the outcome (`Leases`,
async, on the bot's event loop), Viber's is answered 503 so Viber tries again later
(`SyncLeases.claim` raises StillHandling).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from enum import Enum

import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

SEEN_TTL = 24 * 3600  #: seconds a handled update is remembered
BUSY = "busy:"  #: a seen key's value while the update is being handled: the lease's owner
DONE = "done"  #: a seen key's value once the update was handled
WAIT_LIMIT = 60  #: seconds a waiting duplicate waits for the update's handler to finish or die
WAIT_STEP = 0.2  #: seconds between a waiting duplicate's looks
# give back or extend the lease only if it is still ours (it may have lapsed and been taken)
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
         "return redis.call('pexpire', KEYS[1], ARGV[2]) end")


class StillHandling(Exception):
    """The update is being handled by an earlier delivery right now."""


class Held(Enum):
    GONE = "gone"  #: given back or lapsed between our two calls: try again
    BUSY = "busy"  #: another delivery is handling it
    DONE = "done"  #: handled already


def judge(value: bytes | str | None) -> Held:
    """What the value found under a seen key says (an older version's "1" means handled)."""
    if value is None:
        return Held.GONE
    text = value.decode() if isinstance(value, bytes) else value
    return Held.BUSY if text.startswith(BUSY) else Held.DONE


@dataclass(frozen=True)
class Lease:
    key: str
    ms: int  #: how long it lasts unless renewed
    token: str = field(default_factory=lambda: f"{BUSY}{uuid.uuid4().hex}")


class SyncLeases:
    """The blocking form (Viber's webhook handles a message in a worker thread)."""

    def __init__(self, client: redis.Redis, prefix: str, seconds: float) -> None:
        self.client, self.prefix, self.ms = client, prefix, int(seconds * 1000)

    def claim(self, name: str) -> Lease | None:
        """The lease; None if the update was handled already. Raises StillHandling."""
        lease = Lease(f"{self.prefix}:{name}", self.ms)
        while not self.client.set(lease.key, lease.token, nx=True, px=lease.ms):
            held = judge(self.client.get(lease.key))
            if held is Held.BUSY:
                raise StillHandling(lease.key)
            if held is Held.DONE:
                return None
        return lease

    def release(self, lease: Lease) -> None:
        with contextlib.suppress(RedisError):
            self.client.eval(RELEASE, 1, lease.key, lease.token)

    def done(self, lease: Lease) -> None:
        try:
            self.client.set(lease.key, DONE, ex=SEEN_TTL)
        except RedisError as exc:  # handled all the same; a redelivery would be handled again
            log.warning("Could not mark %s as handled: %r.", lease.key, exc)


class Leases:
    """The event loop's form (Telegram's bot): a duplicate waits; the lease is renewed."""

    def __init__(self, client: aioredis.Redis, prefix: str, seconds: float) -> None:
        self.client, self.prefix, self.ms = client, prefix, int(seconds * 1000)

    async def claim(self, name: str) -> Lease | None:
        """The lease once ours; None if the update was handled (or is still being handled
        elsewhere after WAIT_LIMIT)."""
        lease = Lease(f"{self.prefix}:{name}", self.ms)
        deadline = asyncio.get_running_loop().time() + WAIT_LIMIT
        while not await self.client.set(lease.key, lease.token, nx=True, px=lease.ms):
            held = judge(await self.client.get(lease.key))
            if held is Held.DONE:
                return None
            if held is Held.BUSY:
                if asyncio.get_running_loop().time() > deadline:
                    log.warning("%s is still being handled elsewhere after %d s; dropped.",
                                lease.key, WAIT_LIMIT)
                    return None
                await asyncio.sleep(WAIT_STEP)
        return lease

    async def renew(self, lease: Lease) -> None:
        """Keep the lease while the handler runs (cancel this task when it returns)."""
        while True:
            await asyncio.sleep(lease.ms / 3000)
            with contextlib.suppress(RedisError):  # a missed renewal leaves two more chances
                await self.client.eval(RENEW, 1, lease.key, lease.token, lease.ms)

    async def release(self, lease: Lease) -> None:
        with contextlib.suppress(RedisError):
            await self.client.eval(RELEASE, 1, lease.key, lease.token)

    async def done(self, lease: Lease) -> None:
        try:
            await self.client.set(lease.key, DONE, ex=SEEN_TTL)
        except RedisError as exc:  # handled all the same; a redelivery would be handled again
            log.warning("Could not mark %s as handled: %r.", lease.key, exc)
