"""The sandbox itself: its merchant keys, its knobs and routes, and helpers that pay an order
without the browser (benches)."""
from __future__ import annotations

import asyncio
import itertools
import math
import secrets
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.liqpay.api import ServerApi
from sandbox.liqpay.checkout import CheckoutPages
from sandbox.liqpay.orders import CARD_SUCCESS, THREE_DS_CODE

SANDBOX_PUBLIC_KEY = "sandbox_i00000000"
SANDBOX_PRIVATE_KEY = "sandbox_a4825234f4bae72a0be04eafe9e8e2bada209255"


def _seconds(value: str) -> float:
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a number of seconds.")
    return seconds


def _fail_mode(value: str) -> str | None:
    if value not in ("", "500", "timeout", "garbage"):
        raise ValueError(f"{value!r} is not a fail mode.")
    return value or None


def _refund_mode(value: str) -> str:
    if value not in ("", "pending"):
        raise ValueError(f"{value!r} is not a refund mode.")
    return value


def _refund_callbacks(value: str) -> str:
    if value not in ("", "reverse"):
        raise ValueError(f"{value!r} is not an order for refund callbacks.")
    return value


#: the knobs `POST /faults` may set, each with the parser of its form field
KNOBS: dict[str, Callable[[str], object]] = {
    "callbacks": lambda value: value.lower() in ("1", "true", "yes", "on"),
    "callback_delay": _seconds,
    "latency": _seconds,
    "status_hang": _seconds,
    "fail_mode": _fail_mode,
    "refund_mode": _refund_mode,
    "refund_delay": _seconds,
    "refund_callbacks": _refund_callbacks,
}


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
        self._initial_keys = dict(self.keys)
        self._defaults = (callbacks, callback_delay, latency)
        self.callbacks, self.callback_delay, self.latency = self._defaults
        self.fail_mode: str | None = None  #: None | "500" | "timeout" | "garbage", for /api/request
        self.status_hang = 0.0  #: seconds each `status` call is held (see ServerApi)
        self.status_holds = 0
        self.refund_mode = ""  #: "pending": refunds wait (`refund_wait`) until finish_refunds()
        self.refund_delay = 0.0  #: seconds each `refund` call takes (see ServerApi)
        self.refund_callbacks = ""  #: "reverse": held until release_refund_callbacks()
        self.held_callbacks: list[tuple[str, str, str, dict[str, str]]] = []
        self.refund_calls: list[tuple[str, Decimal]] = []  #: every refund it was asked to make
        self.orders: dict[str, dict[str, Any]] = {}
        self.callback_log: list[dict[str, Any]] = []
        self.callbacks_pending = 0  #: callbacks scheduled and not yet delivered or given up
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(2_400_000_000 + secrets.randbelow(1_000_000))
        self.app = Starlette(routes=[
            Route("/api/3/checkout", self._checkout, methods=["GET", "POST"]),
            Route("/api/3/pay/{token}", self._pay_form, methods=["POST"]),
            Route("/api/3/3ds/{token}", self._threeds, methods=["GET", "POST"]),
            Route("/api/request", self._api_request, methods=["POST"]),
            Route("/faults", self._faults, methods=["GET", "POST"]),
            Route("/merchants", self._merchants, methods=["POST"]),
            Route("/merchants/{public_key}/revoke", self._revoke, methods=["POST"]),
            Route("/refunds/finish", self._finish_refunds, methods=["POST"]),
            Route("/refunds/callbacks", self._release_callbacks, methods=["POST"]),
        ])

    def reset(self) -> None:
        with self._lock:
            self.orders.clear()
            self.callback_log.clear()
            self.keys.clear()
            self.keys.update(self._initial_keys)
            self.callbacks, self.callback_delay, self.latency = self._defaults
            self.fail_mode = None
            self.status_hang = 0.0
            self.refund_mode = ""
            self.refund_delay = 0.0
            self.refund_callbacks = ""
            self.held_callbacks.clear()
            self.refund_calls.clear()

    async def _faults(self, request: Request) -> JSONResponse:
        """GET shows the knobs; POST sets the ones its fields name (`status_hang=60`), so a person
        or another process can make the sandbox misbehave. Not LiqPay's: a control path."""
        fields = await self._form(request)
        if request.method == "POST":
            try:
                changes = {name: parse(fields[name]) for name, parse in KNOBS.items()
                           if name in fields}
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            for name, value in changes.items():
                setattr(self, name, value)
        return JSONResponse({**{name: getattr(self, name) for name in KNOBS},
                             "status_holds": self.status_holds})

    def add_merchant(self, public_key: str | None = None,
                     private_key: str | None = None) -> tuple[str, str]:
        """Open another merchant account (a seller's own): the pair given, or a new sandbox
        pair. Returns (public_key, private_key); requests signed with it are accepted from now."""
        public_key = public_key or f"sandbox_i{secrets.randbelow(10**11):011d}"
        private_key = private_key or f"sandbox_{secrets.token_hex(20)}"
        with self._lock:
            self.keys[public_key] = private_key
        return public_key, private_key

    async def _merchants(self, request: Request) -> JSONResponse:
        """POST opens a merchant account and shows its keys, for a person to enter in the bot
        as a seller's own. Not LiqPay's: a control path (LiqPay's is its merchant cabinet)."""
        await self._form(request)
        public_key, private_key = self.add_merchant()
        return JSONResponse({"public_key": public_key, "private_key": private_key})

    def revoke_merchant(self, public_key: str) -> bool:
        """Revoke a merchant's keys, as its owner can in LiqPay's cabinet: from now on every
        request signed with them is refused (`public_key_not_found`), the checkout page and the
        server API alike. False if no merchant has this key."""
        with self._lock:
            return self.keys.pop(public_key, None) is not None

    async def _revoke(self, request: Request) -> JSONResponse:
        """POST revokes the merchant's keys (see revoke_merchant). A control path."""
        await self._form(request)
        public_key = request.path_params["public_key"]
        if not self.revoke_merchant(public_key):
            return JSONResponse({"error": "No merchant has this public key."}, status_code=404)
        return JSONResponse({"revoked": public_key})

    async def _finish_refunds(self, request: Request) -> JSONResponse:
        """POST finishes every refund still waiting (sends their callbacks). A control path."""
        await self._form(request)
        return JSONResponse({"finished": self.finish_refunds()})

    async def _release_callbacks(self, request: Request) -> JSONResponse:
        """POST sends the held refund callbacks, newest first. A control path."""
        await self._form(request)
        return JSONResponse({"released": self.release_refund_callbacks()})

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
