"""A LiqPay API v3 emulator: checkout page, server API and signed server callbacks, all offline.

Point LIQPAY_API_BASE at wherever `LiqPaySandbox().app` is mounted and the real LiqPay adapter runs
end to end. Signing is implemented here again on purpose, so a bug in the adapter is not mirrored.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import itertools
import json
import logging
import re
import secrets
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

logger = logging.getLogger(__name__)

SANDBOX_PUBLIC_KEY = "sandbox_i00000000"
SANDBOX_PRIVATE_KEY = "sandbox_a4825234f4bae72a0be04eafe9e8e2bada209255"

CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3DS = "4000000000003063"
THREE_DS_CODE = "111111"
CURRENCIES = frozenset({"UAH", "USD", "EUR"})
CALLBACK_RETRY_DELAYS = (0.5, 1.0, 2.0)  #: seconds between callback attempts after the first
CALLBACK_TIMEOUT = 5.0  #: seconds
TIMEOUT_MODE_SLEEP = 30.0  #: seconds the "timeout" fail mode holds an answer
ACQ_ID = 414963
FINAL_STATUSES = frozenset({"success", "sandbox", "failure", "error", "reversed"})
PAID = frozenset({"success", "sandbox"})

ERRORS = {  # err_code -> err_description, LiqPay's wording where LiqPay has one
    "invalid_signature": "Wrong payment signature",
    "public_key_not_found": "Public_key is not found",
    "payment_not_found": "payment_not_found",
    "order_id_empty": "Order_id is empty",
    "payment_err_status": "Wrong payment status",
    "err_limit_amount": "Amount of payment is more or less than the limit",
    "err_verify_code": "Wrong verification code",
    "err_path": "Wrong request url",
    "limit": "Insufficient funds",
    "card_number_invalid": "card number invalid",
    "expired": "The payment time has expired",
    "invoice_canceled": "The invoice was cancelled",
}

_TEMPLATES = Path(__file__).with_name("templates")
_DECIMAL_MARK = re.compile(r'"\\u0000(-?[0-9.]+)\\u0000"')


def _template(name: str) -> Template:
    return Template((_TEMPLATES / name).read_text(encoding="utf-8"))


def _sign(data: str, private_key: str) -> str:
    return base64.b64encode(hashlib.sha1((private_key + data + private_key).encode()).digest()).decode()


def _dumps(obj: dict[str, Any]) -> str:
    """JSON with Decimal amounts written as JSON numbers (like LiqPay), never through float."""
    marked = {k: f"\0{v}\0" if isinstance(v, Decimal) else v for k, v in obj.items()}
    return _DECIMAL_MARK.sub(r"\1", json.dumps(marked, separators=(",", ":")))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"result": "error", "status": "error", "err_code": code, "err_description": ERRORS[code], **extra}


class LiqPaySandbox:
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

    # -- order state ---------------------------------------------------------------------------

    def _decode(self, data: str, signature: str) -> tuple[dict[str, Any], str] | str:
        """The params and private key of a signed request, or the err_code saying why not."""
        try:
            params = json.loads(base64.b64decode(data), parse_float=Decimal)
        except (binascii.Error, ValueError):
            return "invalid_signature"
        if not isinstance(params, dict):
            return "invalid_signature"
        private_key = self.keys.get(str(params.get("public_key")))
        if private_key is None:
            return "public_key_not_found"
        if not hmac.compare_digest(_sign(data, private_key).encode(), signature.encode()):
            return "invalid_signature"
        return params, private_key

    def _open(self, data: str, signature: str) -> dict[str, Any] | str:
        """Register (or refresh) the order a checkout link describes; an err_code if it is refused."""
        decoded = self._decode(data, signature)
        if isinstance(decoded, str):
            return decoded
        params, _ = decoded
        order_id = str(params.get("order_id") or "")
        if not order_id:
            return "order_id_empty"
        try:
            amount = Decimal(str(params["amount"]))
        except (KeyError, InvalidOperation):
            return "err_limit_amount"
        if params.get("currency") not in CURRENCIES or amount <= 0:
            return "err_limit_amount"
        with self._lock:
            state = self.orders.get(order_id)
            if state is not None and (state["status"] in PAID or state["status"] == "reversed"):
                return state
            if state is None:
                state = self.orders[order_id] = {
                    "order_id": order_id, "token": secrets.token_urlsafe(12), "status": None,
                    "payment_id": None, "liqpay_order_id": None, "refunded": Decimal(0),
                    "create_date": _now_ms(), "end_date": None, "card_mask": None,
                    "err_code": None, "cancelled": False,
                }
            state.update(
                public_key=params["public_key"], amount=amount, currency=params["currency"],
                description=str(params.get("description", "")), action=str(params.get("action", "pay")),
                expired_date=params.get("expired_date"), server_url=params.get("server_url"),
                result_url=params.get("result_url"), language=params.get("language", "uk"),
                sandbox=str(params.get("sandbox", "")) == "1",
            )
            return state

    def _expired(self, state: dict[str, Any]) -> bool:
        if not state.get("expired_date"):
            return False
        expires = datetime.strptime(state["expired_date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
        return datetime.now(timezone.utc) >= expires

    def _charge(self, state: dict[str, Any], card: str) -> str:
        card = re.sub(r"[\s-]", "", card)
        with self._lock:
            if state["status"] in PAID or state["status"] == "reversed":
                return str(state["status"])  # already paid: never charged twice
            if state["cancelled"]:
                return self._settle(state, "error", "invoice_canceled")
            if self._expired(state):
                return self._settle(state, "error", "expired")
            state.update(payment_id=next(self._ids), liqpay_order_id=f"SBX{secrets.token_hex(8).upper()}",
                         create_date=_now_ms(), end_date=None, err_code=None,
                         card_mask=f"{card[:6]}*{card[-2:]}" if len(card) >= 8 else "*")
            if card == CARD_SUCCESS:
                return self._settle(state, "sandbox" if state["sandbox"] else "success")
            if card == CARD_3DS:
                return self._settle(state, "3ds_verify")
            if card == CARD_DECLINED:
                return self._settle(state, "failure", "limit")
            return self._settle(state, "failure", "card_number_invalid")

    def _confirm(self, state: dict[str, Any], code: str) -> str:
        with self._lock:
            if state["status"] != "3ds_verify":
                return str(state["status"])
            if code.strip() == THREE_DS_CODE:
                return self._settle(state, "sandbox" if state["sandbox"] else "success")
            return self._settle(state, "failure", "err_verify_code")

    def _settle(self, state: dict[str, Any], status: str, err_code: str | None = None) -> str:
        """Move an order to a status and tell the merchant's server, as LiqPay does on every change."""
        if state["payment_id"] is None:
            state.update(payment_id=next(self._ids), liqpay_order_id=f"SBX{secrets.token_hex(8).upper()}")
        state.update(status=status, err_code=err_code, end_date=_now_ms() if status in FINAL_STATUSES else None)
        self._schedule_callback(state)
        return status

    def status_object(self, state: dict[str, Any]) -> dict[str, Any]:
        """The order as LiqPay's status answer and callbacks describe it."""
        obj: dict[str, Any] = {
            "action": state["action"], "payment_id": state["payment_id"], "status": state["status"],
            "version": 3, "type": "buy", "paytype": "card", "public_key": state["public_key"],
            "acq_id": ACQ_ID, "order_id": state["order_id"], "liqpay_order_id": state["liqpay_order_id"],
            "description": state["description"], "sender_card_mask2": state["card_mask"],
            "sender_card_bank": "Sandbox Bank", "sender_card_type": "visa", "sender_card_country": 804,
            "ip": "127.0.0.1", "amount": state["amount"], "currency": state["currency"],
            "sender_commission": Decimal("0.0"), "receiver_commission": Decimal("0.0"),
            "agent_commission": Decimal("0.0"), "amount_debit": state["amount"],
            "amount_credit": state["amount"], "currency_debit": state["currency"],
            "currency_credit": state["currency"], "is_3ds": state["card_mask"] == "400000*63",
            "language": state["language"], "create_date": state["create_date"],
            "end_date": state["end_date"], "transaction_id": state["payment_id"],
        }
        if state["refunded"]:
            obj["refund_amount"] = state["refunded"]
        if state["err_code"]:
            obj.update(err_code=state["err_code"], err_description=ERRORS[state["err_code"]])
        return obj

    # -- callbacks -----------------------------------------------------------------------------

    def _schedule_callback(self, state: dict[str, Any]) -> None:
        if not self.callbacks or not state.get("server_url"):
            return
        private_key = self.keys[state["public_key"]]
        data = base64.b64encode(_dumps(self.status_object(state)).encode()).decode()
        form = {"data": data, "signature": _sign(data, private_key)}
        coro = self._deliver(state["order_id"], state["status"], state["server_url"], form)
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

    # -- HTTP ----------------------------------------------------------------------------------

    def _page(self, title: str, body: str, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(_template("layout.html").substitute(title=escape(title), body=body),
                            status_code=status_code)

    def _message(self, heading: str, message: str, *, ok: bool = False, status_code: int = 200,
                 details: str = "") -> HTMLResponse:
        body = _template("message.html").substitute(
            css="ok" if ok else "error", heading=escape(heading), message=escape(message), details=details)
        return self._page(heading, body, status_code)

    def _outcome_page(self, state: dict[str, Any]) -> Response:
        if state["status"] == "3ds_verify":
            return RedirectResponse(f"../3ds/{state['token']}", status_code=303)
        if state.get("result_url") and state["status"] not in (None, "3ds_verify"):
            return RedirectResponse(state["result_url"], status_code=303)
        if state["status"] in PAID:
            return self._message("Payment successful", f"{state['amount']} {state['currency']} paid.", ok=True)
        reason = ERRORS.get(state["err_code"] or "", "Payment failed")
        return self._message("Payment failed", reason)

    async def _form(self, request: Request) -> dict[str, str]:
        self._loop = asyncio.get_running_loop()
        fields = dict(request.query_params)
        if request.method == "POST":
            fields.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        return fields

    async def _checkout(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._open(fields.get("data", ""), fields.get("signature", ""))
        if isinstance(state, str):
            return self._message("Payment request refused", f"{state}: {ERRORS[state]}", status_code=400)
        if state["status"] in PAID:
            return self._message("Already paid", f"Order {state['order_id']} is already paid.", ok=True)
        if state["cancelled"]:
            return self._message("Invoice cancelled", ERRORS["invoice_canceled"])
        if self._expired(state):
            if state["status"] is None:
                self._settle(state, "error", "expired")
            return self._message("Payment expired", f"Order {state['order_id']} expired on "
                                 f"{state['expired_date']} UTC and can no longer be paid.")
        body = _template("checkout.html").substitute(
            merchant=escape(state["public_key"]), description=escape(state["description"]),
            amount=escape(str(state["amount"])), currency=escape(state["currency"]),
            order_id=escape(state["order_id"]), expires=escape(str(state.get("expired_date") or "—")),
            action=f"pay/{state['token']}",
        )
        return self._page(f"Pay {state['amount']} {state['currency']}", body)

    def _by_token(self, token: str) -> dict[str, Any] | None:
        return next((s for s in list(self.orders.values()) if s["token"] == token), None)

    async def _pay_form(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._by_token(request.path_params["token"])
        if state is None:
            return self._message("Unknown payment", ERRORS["payment_not_found"], status_code=404)
        if state["status"] in PAID:
            return self._message("Already paid", f"Order {state['order_id']} is already paid.", ok=True)
        status = self._charge(state, fields.get("card", ""))
        if status == "error" and state["err_code"] == "expired":
            return self._message("Payment expired", f"Order {state['order_id']} expired and was not charged.")
        return self._outcome_page(state)

    async def _threeds(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._by_token(request.path_params["token"])
        if state is None:
            return self._message("Unknown payment", ERRORS["payment_not_found"], status_code=404)
        if request.method == "POST":
            self._confirm(state, fields.get("code", ""))
            return self._outcome_page(state)
        if state["status"] != "3ds_verify":
            return self._outcome_page(state)
        body = _template("threeds.html").substitute(
            merchant=escape(state["public_key"]), amount=escape(str(state["amount"])),
            currency=escape(state["currency"]), card_mask=escape(state["card_mask"] or ""),
            action=escape(state["token"]),
        )
        return self._page("3-D Secure", body)

    async def _api_request(self, request: Request) -> Response:
        fields = await self._form(request)
        if await self._hold(request, self.latency):
            return Response(status_code=499)
        if self.fail_mode == "500":
            return JSONResponse({"result": "error", "err_code": "server_error"}, status_code=500)
        if self.fail_mode == "garbage":
            return HTMLResponse("<html><body>502 Bad Gateway (sandbox garbage mode)</body></html>")
        if self.fail_mode == "timeout" and await self._hold(request, TIMEOUT_MODE_SLEEP):
            return Response(status_code=499)
        return Response(_dumps(self._answer(fields)), media_type="application/json")

    @staticmethod
    async def _hold(request: Request, seconds: float) -> bool:
        """Sleep, but stop early (True) once the client hung up so a stopping server is not held."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(min(0.05, deadline - time.monotonic()))
            if await request.is_disconnected():
                return True
        return False

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
        if state["status"] not in PAID:
            return _error("payment_err_status")
        remaining = state["amount"] - state["refunded"]
        try:
            wanted = remaining if amount is None else Decimal(str(amount))
        except InvalidOperation:
            return _error("err_limit_amount")
        if wanted <= 0 or wanted > remaining:
            return _error("err_limit_amount")
        state["refunded"] += wanted
        if state["refunded"] == state["amount"]:
            self._settle(state, "reversed")
        else:
            self._schedule_callback(state)
        return {"result": "ok", "action": "refund", "payment_id": state["payment_id"],
                "order_id": state["order_id"], "status": "reversed", "amount": wanted,
                "currency": state["currency"]}
