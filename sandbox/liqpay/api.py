"""The server API, POST /api/request: status, refund and invoice_cancel, with the fail modes
(`fail_mode`, `latency`, `status_hang`, `refund_delay`) that let tests see the adapter survive a
misbehaving LiqPay, and `refund_calls`, every refund it was asked to make."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sandbox.liqpay.orders import PAID, Orders, _now_ms
from sandbox.liqpay.wire import _dumps, _error

TIMEOUT_MODE_SLEEP = 30.0  #: seconds the "timeout" fail mode holds an answer


class ServerApi(Orders):
    """What the merchant's server calls; answers are JSON with exact amounts."""

    fail_mode: str | None  #: None | "500" | "timeout" | "garbage"
    latency: float  #: seconds before every answer
    #: seconds every `status` call is held before it is answered (0: none); longer than the
    #: client's timeout, status calls time out while checkout, callbacks and other actions work.
    #: Setting it back to 0 answers the calls it holds at once.
    status_hang: float
    status_holds: int  #: status calls `status_hang` has held so far
    refund_mode: str  #: "" (refunds are done at once) | "pending" (they wait for finish_refunds)
    refund_delay: float  #: seconds a `refund` call takes before it is made and answered
    #: (order_id, amount) of every refund it was asked to make and accepted, in order
    refund_calls: list[tuple[str, Decimal]]

    async def _api_request(self, request: Request) -> Response:
        fields = await self._form(request)
        if await self._hold(request, self.latency):
            return Response(status_code=499)
        if self.status_hang and self._action(fields) == "status":
            self.status_holds += 1
            if await self._hold(request, self.status_hang, holding=lambda: self.status_hang > 0):
                return Response(status_code=499)
        if self.refund_delay and self._action(fields) == "refund" \
                and await self._hold(request, self.refund_delay):
            return Response(status_code=499)
        if self.fail_mode == "500":
            return JSONResponse({"result": "error", "err_code": "server_error"}, status_code=500)
        if self.fail_mode == "garbage":
            return HTMLResponse("<html><body>502 Bad Gateway (sandbox garbage mode)</body></html>")
        if self.fail_mode == "timeout" and await self._hold(request, TIMEOUT_MODE_SLEEP):
            return Response(status_code=499)
        return Response(_dumps(self._answer(fields)), media_type="application/json")

    @staticmethod
    async def _hold(request: Request, seconds: float,
                    holding: Callable[[], bool] = lambda: True) -> bool:
        """Sleep without blocking the loop, but stop early (True) once the client hung up so a
        stopping server is not held, or (False: answer now) once `holding()` turns false."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and holding():
            await asyncio.sleep(min(0.05, deadline - time.monotonic()))
            if await request.is_disconnected():
                return True
        return False

    def _action(self, fields: dict[str, str]) -> str | None:
        """The action a request asks for, if it is signed with a key the sandbox knows."""
        decoded = self._decode(fields.get("data", ""), fields.get("signature", ""))
        return None if isinstance(decoded, str) else str(decoded[0].get("action"))

    def _answer(self, fields: dict[str, str]) -> dict[str, Any]:
        decoded = self._decode(fields.get("data", ""), fields.get("signature", ""))
        if isinstance(decoded, str):
            return _error(decoded)
        params, _ = decoded
        action, order_id = params.get("action"), str(params.get("order_id") or "")
        if not order_id:
            return _error("order_id_empty")
        with self._lock:
            state = self.orders.get(order_id)
            if state is None or state["payment_id"] is None or state["public_key"] != params["public_key"]:
                if action == "invoice_cancel" and state is not None and state["public_key"] == params["public_key"]:
                    state["cancelled"] = True
                    return {"result": "ok", "action": "invoice_cancel", "order_id": order_id, "status": "ok"}
                return _error("payment_not_found")
            if action == "status":
                return {"result": "ok", **self.status_object(state)}
            if action == "refund":
                return self._refund(state, params.get("amount"))
            if action == "invoice_cancel":
                if state["status"] in PAID or state["status"] == "reversed":
                    return _error("payment_err_status")
                state["cancelled"] = True
                return {"result": "ok", "action": "invoice_cancel", "order_id": order_id, "status": "ok"}
        return _error("err_path")

    def _refund(self, state: dict[str, Any], amount: object) -> dict[str, Any]:
        """Refund all that is left (no amount) or part of it. With `refund_mode` "pending" the
        refund waits (`refund_wait`, told by callback) until `finish_refunds()`; otherwise it is
        done at once: all of it makes the order `reversed`, part of it keeps `success` with the
        running `refund_amount`, and either way LiqPay's signed callback follows."""
        if state["status"] not in PAID:
            return _error("payment_err_status")
        waiting = state.setdefault("refunds_waiting", [])
        remaining = state["amount"] - state["refunded"] - sum(waiting, Decimal(0))
        try:
            wanted = remaining if amount is None else Decimal(str(amount))
        except InvalidOperation:
            return _error("err_limit_amount")
        if not wanted.is_finite() or wanted <= 0 or wanted > remaining:
            return _error("err_limit_amount")
        self.refund_calls.append((state["order_id"], wanted))
        answer = {"result": "ok", "action": "refund", "payment_id": state["payment_id"],
                  "order_id": state["order_id"], "amount": wanted, "currency": state["currency"]}
        if self.refund_mode == "pending":
            waiting.append(wanted)
            self._schedule_callback(state, refund=True, status="refund_wait", amount=wanted)
            return {**answer, "status": "refund_wait"}
        return {**answer, "status": self._refund_done(state, wanted)}

    def _refund_done(self, state: dict[str, Any], amount: Decimal) -> str:
        state["refunded"] += amount
        if state["refunded"] == state["amount"]:
            state.update(status="reversed", err_code=None, end_date=_now_ms())
        self._schedule_callback(state, refund=True)
        return str(state["status"])

    def refunds_asked(self, order_id: str) -> list[Decimal]:
        """The amounts the sandbox was asked to refund on an order (and accepted), in order."""
        return [amount for order, amount in self.refund_calls if order == order_id]

    def finish_refunds(self) -> int:
        """Finish every refund still waiting, as the bank eventually does; how many."""
        done = 0
        with self._lock:
            for state in self.orders.values():
                while state.get("refunds_waiting"):
                    self._refund_done(state, state["refunds_waiting"].pop(0))
                    done += 1
        return done
