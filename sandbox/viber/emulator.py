"""The emulator: its accounts, the knobs tests turn (rate, latency, failures, blocking) and what
the bot sent, with a wait for the next message."""
from __future__ import annotations

import itertools
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from sandbox import webchat
from sandbox.viber.api import RestApi
from sandbox.viber.chat import ViberWebChat
from sandbox.viber.state import _Account
from sandbox.viber.users import UserSide


class ViberEmulator(RestApi, UserSide, ViberWebChat):
    """The REST Bot API as Viber answers it, plus a user side to drive it; see the package."""

    def __init__(self, *, rate: float | None = None, latency: float = 0.0) -> None:
        self.rate = rate  #: send_message calls per second per account; None = unlimited
        self.latency = latency  #: seconds added before every API answer
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._accounts = {}
        self._sent = defaultdict(list)
        self._typed = defaultdict(list)
        self._tokens = itertools.count(random.randrange(4 * 10**18, 5 * 10**18))
        self._failures = []
        self.stats = {}
        self.reset()
        routes = [Route(f"/{name}", self._endpoint(handler), methods=["POST"]) for name, handler in {
            "set_webhook": self._set_webhook, "send_message": self._send_message,
            "broadcast_message": self._broadcast_message, "get_account_info": self._account_info,
            "get_user_details": self._user_details, "get_online": self._get_online,
        }.items()]
        routes += [Route("/chat", self._chat_page), Route("/chat/api/events", self._chat_events),
                   Route("/chat/api/{action}", self._chat_action, methods=["POST"]), webchat.ROUTE]
        self.app = Starlette(routes=routes)

    # -- configuration ---------------------------------------------------------------------

    def add_account(self, auth_token: str, name: str = "chatpay") -> None:
        with self._lock:
            self._accounts[auth_token] = _Account(auth_token, name)

    def counters(self) -> dict[str, int]:
        """The next message token: where numbering goes on (`chatpay up` keeps it in VAR_DIR)."""
        with self._lock:
            following = next(self._tokens)
            self._tokens = itertools.count(following)
            return {"message_token": following}

    def resume(self, counters: dict[str, int]) -> None:
        """Go on numbering from an earlier run's `counters`: the bot remembers the tokens of
        the messages it handled, and must not take a new message for one of those."""
        with self._lock:
            following = max(next(self._tokens), int(counters.get("message_token", 0)))
            self._tokens = itertools.count(following)

    def reset(self) -> None:
        """Forget users, messages, webhooks' state and counters; accounts stay."""
        with self._lock:
            for account in self._accounts.values():
                account.users.clear()
            self._sent.clear()
            self._typed.clear()
            self._failures.clear()
            self.stats = {"calls": 0, "sends": 0, "too_many_requests": 0,
                          "status": defaultdict(int), "http_errors": 0}

    def fail_next(self, count: int = 1, http_status: int = 500) -> None:
        """Answer the next `count` API calls with an HTTP error, as an overloaded Viber might."""
        with self._lock:
            self._failures.extend([http_status] * count)

    def block(self, user_id: str) -> None:
        """The user blocks the bot without the bot hearing of it: sends now get `notSubscribed`."""
        with self._lock:
            for account in self._accounts.values():
                if user_id in account.users:
                    account.users[user_id].subscribed = False

    # -- what the bot sent -----------------------------------------------------------------

    def sent(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._sent[user_id])

    def wait_for(self, user_id: str, predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
                 timeout: float = 10.0) -> dict[str, Any]:
        """Return the first message sent to the user that satisfies `predicate`, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._sent[user_id]:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"No matching message to {user_id} in {timeout} s; "
                                       f"sent: {self._sent[user_id]!r}")
                self._changed.wait(left)
