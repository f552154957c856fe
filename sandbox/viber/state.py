"""What the emulator remembers (accounts, their users, what was sent) and the helpers every part
of it shares: recording a sent message, building and signing a callback."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

WEBHOOK_TIMEOUT = 5.0  #: seconds the emulator waits for the bot's webhook
CHAT_HOSTNAME = "SN-CHAT-01_"
ALL_EVENTS = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]


@dataclass
class _User:
    id: str
    name: str = "Seller"
    country: str = "UA"
    language: str = "uk"
    api_version: int = 10
    subscribed: bool = False
    unanswered: int = 0  #: messages sent since the user last wrote
    tracking_data: str | None = None  #: echoed back with the user's next message, as Viber does

    def profile(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "avatar": None, "country": self.country,
                "language": self.language, "api_version": self.api_version}


@dataclass
class _Account:
    token: str
    name: str
    webhook: str | None = None
    event_types: list[str] = field(default_factory=lambda: list(ALL_EVENTS))
    users: dict[str, _User] = field(default_factory=dict)
    allowance: float = 0.0  #: token bucket for the `rate` limit
    refilled: float = 0.0


class EmulatorState:
    """The state the API and the user side share; one lock guards it."""

    rate: float | None  #: send_message calls per second per account; None = unlimited
    latency: float  #: seconds added before every API answer
    stats: dict[str, Any]
    _lock: threading.RLock
    _changed: threading.Condition  #: on `_lock`; notified whenever a message is recorded
    _accounts: dict[str, _Account]
    _sent: defaultdict[str, list[dict[str, Any]]]
    _tokens: itertools.count[int]
    _failures: list[int]  #: HTTP statuses for the next API calls, see `fail_next`

    def _record(self, user: _User, payload: dict[str, Any], message_token: int | None = None,
                ) -> int:
        message_token = next(self._tokens) if message_token is None else message_token
        message = {k: v for k, v in payload.items() if k not in ("auth_token", "broadcast_list")}
        message["message_token"] = message_token
        user.unanswered += 1
        if payload.get("tracking_data") is not None:
            user.tracking_data = payload["tracking_data"]
        self.stats["sends"] += 1
        self._sent[user.id].append(message)
        self._changed.notify_all()
        return message_token

    def _account(self, token: str | None) -> _Account:
        with self._lock:
            if token is not None:
                return self._accounts[token]
            if len(self._accounts) != 1:
                raise ValueError("Pass token=: the emulator holds more or fewer than one account.")
            return next(iter(self._accounts.values()))

    @staticmethod
    def _user(account: _Account, user_id: str, name: str = "Seller", country: str = "UA",
              language: str = "uk", api_version: int = 10) -> _User:
        user = account.users.get(user_id)
        if user is None:
            user = account.users[user_id] = _User(user_id, name, country, language, api_version)
        return user

    def _event(self, name: str, **fields: Any) -> dict[str, Any]:
        return {"event": name, "timestamp": int(time.time() * 1000),
                "chat_hostname": CHAT_HOSTNAME, "message_token": next(self._tokens), **fields}

    @staticmethod
    def _signed(account: _Account, body: bytes) -> dict[str, str]:
        signature = hmac.new(account.token.encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Viber-Content-Signature": signature}
