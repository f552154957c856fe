"""Checkbox (a PRRO, software cash register) as a local server: the subset chatpay uses.

`/api/v1`: `POST /cashier/signinPinCode` (X-License-Key + the cashier's PIN → a bearer token),
`GET /cashier/shift`, `POST /shifts` (OPENING, then OPENED when next read), `GET /shifts/{id}`,
`POST /shifts/close` (the Z-report), `POST /receipts/sell` (CREATED, then DONE or ERROR when
read; a second sell with the same `id` creates nothing: 400, like Checkbox), `GET /receipts/{id}`.
`/{id}` is the receipt's public page. It can be told to fail (`fail_next`, 503), be down
(`stop()`), be slow (`delay`), refuse (`refuse_next`), end a receipt in ERROR, or keep new
receipts CREATED for good (`hold_created`); `receipts` holds everything registered.
"""
from __future__ import annotations

import html
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from sandbox.loopback import Answer, LoopbackServer

API = "/api/v1"
LICENSE_KEY = "checkbox-test-licence"  #: a register the stand-in knows from the start
PIN = "1234"  #: its cashier's PIN
NO_SHIFT = "Зміну не відкрито"  #: Checkbox's words when a sale comes without an open shift


@dataclass
class Shift:
    id: str
    serial: int
    status: str = "OPENING"  #: OPENING → OPENED → CLOSED
    opened_at: str = ""
    closed_at: str | None = None
    z_report: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "serial": self.serial, "status": self.status,
                "opened_at": self.opened_at, "closed_at": self.closed_at,
                "z_report": self.z_report}


@dataclass
class Receipt:
    id: str
    license_key: str
    shift_id: str
    goods: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    total: int  #: kopecks
    is_return: bool
    related_receipt_id: str | None
    serial: int
    status: str = "CREATED"
    fiscal_code: str | None = None
    reads: int = 0
    held: bool = False  #: kept CREATED for good (Checkbox.hold_created when it was sold)

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "fiscal_code": self.fiscal_code,
                "serial": self.serial, "total_sum": self.total, "goods": self.goods,
                "payments": self.payments, "type": "RETURN" if self.is_return else "SELL",
                "related_receipt_id": self.related_receipt_id,
                "shift": {"id": self.shift_id}}


@dataclass
class Register:
    license_key: str
    pins: set[str]
    expired: bool = False
    shift: Shift | None = None
    shifts: list[Shift] = field(default_factory=list)


class Checkbox(LoopbackServer):
    close_connections = True  #: a stopped Checkbox must refuse the very next call

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 on_issued: Callable[[Receipt], None] | None = None) -> None:
        self.host, self.port = host, port
        self.on_issued = on_issued  #: told of each receipt once DONE (the sandbox's outbox)
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self.registers: dict[str, Register] = {}
        self.tokens: dict[str, str] = {}  #: bearer token → licence key
        self.receipts: dict[str, Receipt] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  #: method, path, headers
        self.fail_next = 0  #: this many API calls answer 503
        self.delay = 0.0  #: seconds every API call waits first
        self.refuse_next: list[tuple[int, str]] = []  #: (status, message) for the next sells
        self.error_next = 0  #: this many new receipts end in ERROR
        self.reads_to_done = 1  #: reads of a CREATED receipt before it is DONE
        #: new receipts stay CREATED however often they are read (a PRRO that never fiscalises)
        self.hold_created = False
        self.add_register(LICENSE_KEY, PIN)

    def add_register(self, license_key: str | None = None, pin: str = PIN) -> Register:
        key = license_key or f"lic-{secrets.token_hex(8)}"
        with self._lock:
            return self.registers.setdefault(key, Register(key, {pin}))

    def public_base(self) -> str:
        return self.base_url

    def issued(self, *, returns: bool | None = None) -> list[Receipt]:
        with self._lock:
            return [r for r in self.receipts.values() if r.status == "DONE"
                    and (returns is None or r.is_return == returns)]

    # -- the protocol --------------------------------------------------------------------------

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        path = path.split("?", 1)[0]
        if not path.startswith(API + "/"):
            return self._page(path.strip("/"))
        with self._lock:
            self.requests.append((method, path, headers))
            failing = self.fail_next > 0
            if failing:
                self.fail_next -= 1
            delay = self.delay
        if delay:
            time.sleep(delay)
        if failing:
            return _json(503, {"message": "Service temporarily unavailable"})
        if not headers.get("x-client-name") or not headers.get("x-client-version"):
            return _json(400, {"message": "X-Client-Name and X-Client-Version are required"})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _json(422, {"message": "Validation error", "detail": "body is not JSON"})
        with self._lock:
            return self._route(method, path.removeprefix(API), headers, data)

    def _route(self, method: str, path: str, headers: dict[str, str], data: Any) -> Answer:
        register = self.registers.get(headers.get("x-license-key", ""))
        if register is None:
            return _json(403, {"message": "Невірний ключ ліцензії каси"})
        if register.expired:
            return _json(403, {"message": "Термін дії ліцензії каси закінчився"})
        if (method, path) == ("POST", "/cashier/signinPinCode"):
            if not isinstance(data, dict) or str(data.get("pin_code")) not in register.pins:
                return _json(403, {"message": "Невірний пін-код касира"})
            token = secrets.token_urlsafe(24)
            self.tokens[token] = register.license_key
            return _json(200, {"type": "bearer", "token_type": "bearer", "access_token": token})
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.get(token) != register.license_key:
            return _json(401, {"message": "Not authenticated"})
        shift = register.shift
        if (method, path) == ("GET", "/cashier/shift"):
            return _json(200, shift.json() if shift else None)
        if (method, path) == ("POST", "/shifts"):
            if shift is not None:
                return _json(400, {"message": "Касир вже працює з даною касою"})
            register.shift = Shift(str(uuid.uuid4()), len(register.shifts) + 1, opened_at=_now())
            register.shifts.append(register.shift)
            return _json(202, register.shift.json())
        if method == "GET" and path.startswith("/shifts/"):
            found = next((s for s in register.shifts if s.id == path.removeprefix("/shifts/")),
                         None)
            if found is None:
                return _json(404, {"message": "Зміну не знайдено"})
            if found.status == "OPENING":
                found.status = "OPENED"
            return _json(200, found.json())
        if (method, path) == ("POST", "/shifts/close"):
            if shift is None:
                return _json(400, {"message": NO_SHIFT})
            mine = [r for r in self.receipts.values() if r.shift_id == shift.id]
            shift.status, shift.closed_at = "CLOSED", _now()
            shift.z_report = {"id": str(uuid.uuid4()), "serial": shift.serial,
                              "sell_receipts_count": sum(not r.is_return for r in mine),
                              "return_receipts_count": sum(r.is_return for r in mine)}
            register.shift = None
            return _json(202, shift.json())
        if (method, path) == ("POST", "/receipts/sell"):
            return self._sell(register, data)
        if method == "GET" and path.startswith("/receipts/"):
            receipt = self.receipts.get(path.removeprefix("/receipts/"))
            if receipt is None or receipt.license_key != register.license_key:
                return _json(404, {"message": "Чек не знайдено"})
            receipt.reads += 1
            if receipt.status == "CREATED" and receipt.reads >= self.reads_to_done \
                    and not receipt.held:
                self._finish(receipt)
            return _json(200, receipt.json())
        return _json(404, {"message": "Not Found"})

    def _sell(self, register: Register, data: Any) -> Answer:
        if not isinstance(data, dict):
            return _json(422, {"message": "Validation error", "detail": "not an object"})
        receipt_id = str(data.get("id") or uuid.uuid4())
        if receipt_id in self.receipts:
            return _json(400, {"message": f"Чек з ідентифікатором {receipt_id} вже існує"})
        if self.refuse_next:
            status, message = self.refuse_next.pop(0)
            return _json(status, {"message": message})
        if register.shift is None or register.shift.status != "OPENED":
            return _json(400, {"message": NO_SHIFT})
        goods, payments = data.get("goods") or [], data.get("payments") or []
        try:
            total = sum(int(g["good"]["price"]) * int(g["quantity"]) // 1000 for g in goods)
            paid = sum(int(p["value"]) for p in payments)
            names_ok = all(str(g["good"]["name"]).strip() and g["good"]["code"] for g in goods)
        except (KeyError, TypeError, ValueError):
            return _json(422, {"message": "Validation error", "detail": "goods or payments"})
        if not goods or not payments or total <= 0 or paid != total or not names_ok:
            return _json(422, {"message": "Validation error",
                               "detail": f"goods total {total}, payments {paid}"})
        is_return = any(g.get("is_return") for g in goods)
        related = data.get("related_receipt_id")
        if is_return:
            sale = self.receipts.get(str(related or ""))
            if sale is None or sale.status != "DONE" or sale.is_return:
                return _json(422, {"message": "Validation error",
                                   "detail": "related_receipt_id is not a done sale"})
        receipt = Receipt(receipt_id, register.license_key, register.shift.id, goods, payments,
                          total, is_return, related, serial=len(self.receipts) + 1,
                          held=self.hold_created)
        self.receipts[receipt_id] = receipt
        return _json(201, receipt.json())

    def _finish(self, receipt: Receipt) -> None:
        if self.error_next > 0:
            self.error_next -= 1
            receipt.status = "ERROR"
            return
        receipt.status = "DONE"
        receipt.fiscal_code = f"TEST-{secrets.token_hex(4).upper()}"
        if self.on_issued is not None:
            self.on_issued(receipt)

    def _page(self, receipt_id: str) -> Answer:
        if not receipt_id:
            return self._list()
        with self._lock:
            receipt = self.receipts.get(receipt_id)
        if receipt is None or receipt.status != "DONE":
            return 404, {"content-type": "text/plain; charset=utf-8"}, "Чек не знайдено".encode()
        kind = "Видатковий чек (повернення)" if receipt.is_return else "Фіскальний чек"
        rows = "".join(f"<li>{html.escape(str(g['good']['name']))}: "
                       f"{int(g['good']['price']) / 100:.2f} грн</li>" for g in receipt.goods)
        page = (f'<!doctype html><html lang="uk"><meta charset="utf-8"><title>{kind}</title>'
                f"<h1>{kind} № {html.escape(receipt.fiscal_code or '')}</h1><ul>{rows}</ul>"
                f"<p>Сума: {receipt.total / 100:.2f} грн</p><p>ТЕСТОВИЙ ЧЕК (stand-in)</p>")
        return 200, {"content-type": "text/html; charset=utf-8"}, page.encode()

    def _list(self) -> Answer:
        """Every receipt registered, newest first, each linking to its public page."""
        with self._lock:
            receipts = list(reversed(self.receipts.values()))
        rows = "".join(
            f'<li><a href="{html.escape(r.id)}">{"Повернення" if r.is_return else "Продаж"} '
            f"№ {html.escape(r.fiscal_code or '—')}</a>: {r.total / 100:.2f} грн, {r.status}</li>"
            for r in receipts) or "<li>Чеків ще немає.</li>"
        page = ('<!doctype html><html lang="uk"><meta charset="utf-8"><title>Checkbox (stand-in)'
                f"</title><h1>Зареєстровані чеки</h1><ul>{rows}</ul>")
        return 200, {"content-type": "text/html; charset=utf-8"}, page.encode()

    # -- served inside chatpay's web edge in development ----------------------------------------

    def asgi(self):  # type: ignore[no-untyped-def]
        """The same stand-in as an ASGI app (mounted at /sandbox/checkbox by `chatpay up`)."""
        import anyio

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):  # Starlette keeps the mount's prefix in `path`
                path = path[len(root):]
            status, extra, data = await anyio.to_thread.run_sync(
                self.respond, scope["method"], path or "/", headers, body)
            await send({"type": "http.response.start", "status": status,
                        "headers": [(k.encode(), v.encode()) for k, v in extra.items()]})
            await send({"type": "http.response.body", "body": data})

        return app


def _json(status: int, body: object) -> Answer:
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


def _now() -> str:
    return datetime.now(UTC).isoformat()
