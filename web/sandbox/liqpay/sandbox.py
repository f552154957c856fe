"""The sandbox itself: its merchant keys, its knobs and routes, and helpers that pay an order
without the browser (benches)."""
from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.routing import Route

from web.sandbox.liqpay.api import ServerApi
from web.sandbox.liqpay.checkout import CheckoutPages
from web.sandbox.liqpay.orders import CARD_SUCCESS, THREE_DS_CODE

SANDBOX_PUBLIC_KEY = "sandbox_i00000000"
SANDBOX_PRIVATE_KEY = "sandbox_a4825234f4bae72a0be04eafe9e8e2bada209255"


class LiqPaySandbox(CheckoutPages, ServerApi):
    """The emulator's state and its ASGI `app`. Knobs are plain attributes, settable at any time."""

    def __init__(
        self,
        keys: dict[str, str] | None = None,
        *,
        callbacks: bool = True,
        callback_delay: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        self.keys = dict(keys) if keys is not None else {SANDBOX_PUBLIC_KEY: SANDBOX_PRIVATE_KEY}
        self._defaults = (callbacks, callback_delay, latency)
        self.callbacks, self.callback_delay, self.latency = self._defaults
        self.fail_mode: str | None = None  #: None | "500" | "timeout" | "garbage", for /api/request
        self.orders: dict[str, dict[str, Any]] = {}
        self.callback_log: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(2_400_000_000 + secrets.randbelow(1_000_000))
        self.app = Starlette(routes=[
            Route("/api/3/checkout", self._checkout, methods=["GET", "POST"]),
            Route("/api/3/pay/{token}", self._pay_form, methods=["POST"]),
            Route("/api/3/3ds/{token}", self._threeds, methods=["GET", "POST"]),
            Route("/api/request", self._api_request, methods=["POST"]),
        ])

    def reset(self) -> None:
        with self._lock:
            self.orders.clear()
            self.callback_log.clear()
            self.callbacks, self.callback_delay, self.latency = self._defaults
            self.fail_mode = None

    # -- programmatic helpers (benches) --------------------------------------------------------

    def pay(self, order: str, card: str = CARD_SUCCESS) -> str:
        """Pay an order (its id, or a checkout URL the sandbox has not seen yet) as the card form would."""
        if "data=" in order:
            query = parse_qs(urlsplit(order).query)
            state = self._open(query["data"][0], query["signature"][0])
            if isinstance(state, str):
                raise ValueError(f"The checkout link does not verify: {state}.")
            order = state["order_id"]
        return self._charge(self.orders[order], card)

    def confirm_3ds(self, order_id: str, code: str = THREE_DS_CODE) -> str:
        return self._confirm(self.orders[order_id], code)
