"""The REST Bot API over HTTP: authentication, emulated failures, the six methods and the send
limits, each answered as Viber does."""
from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.viber.errors import STATUS_MESSAGES, ViberStatus
from sandbox.viber.rules import require, validate_message
from sandbox.viber.state import (
    ALL_EVENTS,
    CHAT_HOSTNAME,
    WEBHOOK_TIMEOUT,
    EmulatorState,
    _Account,
    _User,
)

MAX_REQUEST_BYTES = 30 * 1024  #: bytes; Viber's limit on any API request's JSON
UNANSWERED_MAX = 100  #: messages to one user without a reply before Viber answers 12


class RestApi(EmulatorState):
    """The bot's side: set_webhook, send_message, broadcast_message, get_account_info,
    get_user_details and get_online."""

    def _endpoint(self, handler: Callable[..., Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            if self.latency:
                await asyncio.sleep(self.latency)
            with self._lock:
                self.stats["calls"] += 1
                if self._failures:
                    self.stats["http_errors"] += 1
                    return JSONResponse({"error": "emulated failure"},
                                        status_code=self._failures.pop(0))
            raw = await request.body()
            try:
                answer = await self._handle(handler, request, raw)
            except ViberStatus as refusal:
                answer = {"status": refusal.status, "status_message": refusal.message}
            answer.setdefault("chat_hostname", CHAT_HOSTNAME)
            with self._lock:
                self.stats["status"][answer["status"]] += 1
            return JSONResponse(answer)  # Viber answers 200 whatever the status
        return endpoint

    async def _handle(self, handler: Callable[..., Any], request: Request, raw: bytes,
                      ) -> dict[str, Any]:
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            raise ViberStatus(3) from None
        if not isinstance(payload, dict):
            raise ViberStatus(3)
        # The header is the documented way; the viberbot SDK still puts the token in the body.
        token = request.headers.get("x-viber-auth-token") or payload.get("auth_token")
        if not token:
            raise ViberStatus(2, "missing_auth_token")
        with self._lock:
            account = self._accounts.get(token)
        if account is None:
            raise ViberStatus(2)
        if len(raw) > MAX_REQUEST_BYTES:
            raise ViberStatus(3)
        if inspect.iscoroutinefunction(handler):
            return await handler(account, payload)
        with self._lock:
            return handler(account, payload)

    async def _set_webhook(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        url = payload.get("url")
        if not isinstance(url, str):
            raise ViberStatus(4)
        if url == "":  # removing the webhook
            with self._lock:
                account.webhook = None
            return {"status": 0, "status_message": "ok"}
        event_types = payload.get("event_types", ALL_EVENTS)
        if not isinstance(event_types, list) or not set(event_types) <= set(ALL_EVENTS) | {"message"}:
            raise ViberStatus(3)
        # Viber checks the URL with a signed `webhook` callback and accepts only HTTP 200.
        body = json.dumps(self._event("webhook")).encode()
        try:
            async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT) as client:
                response = await client.post(url, content=body, headers=self._signed(account, body))
        except httpx.HTTPError:
            raise ViberStatus(1) from None
        if response.status_code != 200:
            raise ViberStatus(1)
        with self._lock:
            account.webhook, account.event_types = url, list(event_types)
        return {"status": 0, "status_message": "ok", "event_types": list(event_types)}

    def _send_message(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        require(payload, "receiver")
        user = account.users.get(payload["receiver"])
        if user is None:
            raise ViberStatus(5)
        validate_message(payload)
        self._limit(account, user)
        message_token = self._record(user, payload)
        return {"status": 0, "status_message": "ok", "message_token": message_token,
                "billing_status": 0}

    def _broadcast_message(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        require(payload, "broadcast_list")
        receivers = payload["broadcast_list"]
        if not isinstance(receivers, list) or not 0 < len(receivers) <= 300:
            raise ViberStatus(3)
        validate_message(payload)
        failed = []
        message_token = next(self._tokens)
        for receiver in receivers:
            user = account.users.get(receiver)
            status = 5 if user is None else 0 if user.subscribed else 6
            if user is not None and status == 0:
                self._record(user, {**payload, "receiver": receiver}, message_token)
            else:
                failed.append({"receiver": receiver, "status": status,
                               "status_message": STATUS_MESSAGES[status]})
        return {"status": 0, "status_message": "ok", "message_token": message_token,
                "failed_list": failed}

    def _account_info(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        subscribers = [u for u in account.users.values() if u.subscribed]
        return {"status": 0, "status_message": "ok", "id": f"pa:{abs(hash(account.token))}",
                "name": account.name, "uri": account.name.lower(), "icon": None,
                "background": None, "category": "Finance", "subcategory": "Payments",
                "location": {"lon": 30.52, "lat": 50.45}, "country": "UA",
                "webhook": account.webhook or "", "event_types": account.event_types,
                "subscribers_count": len(subscribers),
                "members": [{"id": u.id, "name": u.name, "avatar": None, "role": "admin"}
                            for u in subscribers[:1]]}

    def _user_details(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        require(payload, "id")
        user = account.users.get(payload["id"])
        if user is None:
            raise ViberStatus(5)
        details = {**user.profile(), "primary_device_os": "Android 14", "viber_version": "24.0",
                   "mcc": 255, "mnc": 1, "device_type": "emulator"}
        return {"status": 0, "status_message": "ok", "message_token": next(self._tokens),
                "user": details}

    def _get_online(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        require(payload, "ids")
        ids = payload["ids"]
        if not isinstance(ids, list) or not 0 < len(ids) <= 100:
            raise ViberStatus(3)
        return {"status": 0, "status_message": "ok", "users": [
            {"id": i, "online_status": 0 if i in account.users else 3,
             "online_status_message": "online" if i in account.users else "undisclosed"}
            for i in ids]}

    # -- send limits -------------------------------------------------------------------------

    def _limit(self, account: _Account, user: _User) -> None:
        if not user.subscribed:
            raise ViberStatus(6)
        if user.unanswered >= UNANSWERED_MAX or not self._take_allowance(account):
            self.stats["too_many_requests"] += 1
            raise ViberStatus(12)

    def _take_allowance(self, account: _Account) -> bool:
        if self.rate is None:
            return True
        now, burst = time.monotonic(), max(1.0, self.rate)
        if account.refilled == 0.0:
            account.allowance, account.refilled = burst, now
        account.allowance = min(burst, account.allowance + (now - account.refilled) * self.rate)
        account.refilled = now
        if account.allowance < 1.0:
            return False
        account.allowance -= 1.0
        return True
