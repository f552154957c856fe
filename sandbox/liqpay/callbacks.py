"""Server callbacks: each change of an order's status is POSTed, signed, to the merchant's
server_url, retried until it answers 200, and kept in `callback_log` for tests."""
from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from typing import Any

import httpx
from starlette.requests import Request

from sandbox.liqpay.wire import _dumps, _sign, describe

logger = logging.getLogger(__package__)  # the name it logged under before the module became a package

CALLBACK_RETRY_DELAYS = (0.5, 1.0, 2.0)  #: seconds between callback attempts after the first
CALLBACK_TIMEOUT = 5.0  #: seconds


class CallbackDelivery:
    """Sends callbacks from whichever thread or loop changed the order."""

    keys: dict[str, str]  #: public key -> private key
    callbacks: bool  #: False: change orders without telling the merchant
    callback_delay: float  #: seconds before the first attempt
    callback_log: list[dict[str, Any]]
    #: "" (refund callbacks go out at once) | "reverse" (they are held, as they stood when each
    #: refund changed, until release_refund_callbacks() sends them newest first, one by one)
    refund_callbacks: str
    held_callbacks: list[tuple[str, str, str, dict[str, str]]]
    callbacks_pending: int  #: scheduled and not yet delivered (or given up)
    _lock: threading.RLock
    _loop: asyncio.AbstractEventLoop | None  #: the app's loop, once it has served a request
    _tasks: set[asyncio.Task[None]]

    def _schedule_callback(self, state: dict[str, Any], *, refund: bool = False,
                           **overrides: Any) -> None:
        """Post the order as it stands (with `overrides`: a refund still waiting is told with
        its own status and amount) to the merchant's server_url, signed. `refund`: the
        callback tells of a refund (held when `refund_callbacks` is "reverse")."""
        if not self.callbacks or not state.get("server_url"):
            return
        private_key = self.keys[state["public_key"]]
        body = {**describe(state), **overrides}
        data = base64.b64encode(_dumps(body).encode()).decode()
        form = {"data": data, "signature": _sign(data, private_key)}
        if refund and self.refund_callbacks == "reverse":
            self.held_callbacks.append((state["order_id"], body["status"], state["server_url"], form))
            return
        with self._lock:
            self.callbacks_pending += 1
        self._run(self._deliver(state["order_id"], body["status"], state["server_url"], form))

    def release_refund_callbacks(self) -> int:
        """Send the held refund callbacks, newest first, each once the one before it was
        answered (LiqPay answering refunds out of order); how many."""
        held, self.held_callbacks[:] = list(self.held_callbacks), []

        async def in_reverse() -> None:
            for order_id, status, url, form in reversed(held):
                await self._deliver(order_id, status, url, form)
        if held:
            with self._lock:
                self.callbacks_pending += len(held)
            self._run(in_reverse())
        return len(held)

    def _run(self, coro: Any) -> None:
        """Run a delivery on the app's loop (or this thread's, or a thread of its own)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif self._loop is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(coro, self._loop)
        else:
            threading.Thread(target=asyncio.run, args=(coro,), daemon=True).start()

    async def _deliver(self, order_id: str, status: str, url: str, form: dict[str, str]) -> None:
        try:
            await self._attempts(order_id, status, url, form)
        finally:
            with self._lock:
                self.callbacks_pending -= 1

    async def _attempts(self, order_id: str, status: str, url: str, form: dict[str, str]) -> None:
        if self.callback_delay:
            await asyncio.sleep(self.callback_delay)
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT) as client:
            for attempt, delay in enumerate((0.0, *CALLBACK_RETRY_DELAYS), start=1):
                await asyncio.sleep(delay)
                entry: dict[str, Any] = {"order_id": order_id, "status": status, "url": url,
                                         "attempt": attempt, "at": time.time(), "form": form}
                try:
                    response = await client.post(url, data=form)
                    entry["status_code"] = response.status_code
                except httpx.HTTPError as exc:
                    entry["error"] = repr(exc)
                self.callback_log.append(entry)
                if entry.get("status_code") == 200:
                    return
                logger.info("Callback attempt %d for order %s failed: %s.", attempt, order_id,
                            entry.get("status_code") or entry.get("error"))

    async def _form(self, request: Request) -> dict[str, str]:
        # Every route reads its request here, which is how the sandbox learns the loop serving it:
        # callbacks caused from other threads (tests, benches) are then delivered on that loop.
        self._loop = asyncio.get_running_loop()
        fields = dict(request.query_params)
        if request.method == "POST":
            fields.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        return fields
