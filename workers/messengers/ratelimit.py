"""One send schedule in Redis for every worker process: a messenger's overall rate and the
interval between two messages to one chat."""
from __future__ import annotations

import math
import time

import redis

from domain.errors import MessengerRateLimited, MessengerUnavailable

MAX_WAIT = 3.0  #: seconds a sender sleeps for its slot before handing the message back to the queue
#: Two sends scheduled exactly one interval apart can still arrive closer together, because the
#: first request may take longer on the way; this margin keeps them apart on arrival.
ARRIVAL_MARGIN = 50  #: milliseconds

# Reserve the earliest slot that respects both the global spacing and the chat's interval.
# Returns the wait in milliseconds, or -wait when it is longer than the caller will sleep
# (nothing is reserved then).
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local g = tonumber(redis.call('GET', KEYS[1]) or '0')
local c = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, g, c)
local wait = slot - now
if wait > tonumber(ARGV[3]) then return -wait end
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', 60000)
redis.call('SET', KEYS[2], slot + tonumber(ARGV[2]), 'PX', 60000)
return wait
"""


# A courtesy send (an edit of an old message's buttons) takes the chat's slot only when the chat
# has been quiet for a whole interval after its last slot, and nothing else waits globally:
# then it never stands between the seller and a message that is flowing. 1: taken, 0: not now.
_RESERVE_IDLE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local g = tonumber(redis.call('GET', KEYS[1]) or '0')
local c = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < c + tonumber(ARGV[2]) or now < g then return 0 end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', 60000)
redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', 60000)
return 1
"""


class RedisRateLimiter:
    """`global_rate` messages a second overall, `chat_interval` seconds between two to one chat."""

    def __init__(self, client: redis.Redis, global_rate: float, chat_interval: float,
                 prefix: str = "chatpay:tg:rl") -> None:
        self.client = client
        self.spacing_ms = math.ceil(1000 / global_rate)  # int() made 30/s into 30.3/s: 429s
        self.chat_ms = int(chat_interval * 1000) + (ARRIVAL_MARGIN if chat_interval else 0)
        self.prefix = prefix
        self._script = client.register_script(_RESERVE)
        self._idle_script = client.register_script(_RESERVE_IDLE)

    def acquire(self, chat_id: str) -> None:
        """Sleep until this chat may be sent to; raise MessengerRateLimited if that is too long."""
        keys = [f"{self.prefix}:global", f"{self.prefix}:chat:{chat_id}"]
        try:
            wait = int(self._script(keys=keys, args=[self.spacing_ms, self.chat_ms,
                                                     int(MAX_WAIT * 1000)]))
        except redis.RedisError as exc:
            raise MessengerUnavailable(f"rate limiter unavailable: {exc}") from exc
        if wait < 0:
            raise MessengerRateLimited(-wait / 1000)
        if wait:
            time.sleep(wait / 1000)

    def try_acquire_idle(self, chat_id: str) -> bool:
        """Take this chat's slot now if the chat has been quiet for a whole interval (a courtesy
        send that must never delay a message); False: not now, nothing reserved."""
        keys = [f"{self.prefix}:global", f"{self.prefix}:chat:{chat_id}"]
        try:
            return bool(int(self._idle_script(keys=keys, args=[self.spacing_ms, self.chat_ms])))
        except redis.RedisError as exc:
            raise MessengerUnavailable(f"rate limiter unavailable: {exc}") from exc

    def push_back(self, chat_id: str, seconds: float) -> None:
        """Telegram said 429: nobody sends to this chat (or at all) before it allows."""
        until = int(time.time() * 1000 + seconds * 1000)
        self.client.set(f"{self.prefix}:chat:{chat_id}", until, px=int(seconds * 1000) + 60000)


