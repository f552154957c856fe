"""Where a dialog stands, kept in Redis as a small JSON object per person and messenger (a
person who also uses the other messenger never sees one channel's half-typed invoice in the
other). Telegram keeps it under aiogram's own FSM state key, which aiogram reads for every
update anyway (`raw_state`): `decode` turns that value into the dialog's state, and a dialog
started by a handler not yet moved here simply replaces it."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis

from bots.conversation.turn import State

STATE_TTL = 24 * 3600  #: seconds a half-typed invoice is kept


def encode(state: Mapping[str, Any]) -> str:
    return json.dumps(dict(state), separators=(",", ":"))


def decode(raw: bytes | str | None) -> dict[str, Any]:
    """The dialog state stored as `raw`; {} for nothing, or for another handler's state."""
    if not raw:
        return {}
    text = raw.decode() if isinstance(raw, bytes) else raw
    if not text.startswith("{"):
        return {}
    data = json.loads(text)
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


class RedisDialogs:
    """The blocking store (Viber's webhook runs in a worker thread)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client, self.prefix = client, prefix

    def get(self, user_id: str) -> dict[str, Any]:
        return decode(self.client.get(f"{self.prefix}:{user_id}"))

    def keep(self, user_id: str, state: State | None) -> None:
        if state:
            self.client.set(f"{self.prefix}:{user_id}", encode(state), ex=STATE_TTL)
        else:
            self.client.delete(f"{self.prefix}:{user_id}")
