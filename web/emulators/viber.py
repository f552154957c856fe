"""A local server that speaks the Viber REST Bot API (chatapi.viber.com/pa), for tests and the sandbox.

It answers the bot's API calls exactly as Viber does (HTTP 200 with a JSON `status`), and plays
the user's side: it POSTs signed callbacks to the bot's webhook, as Viber does.
"""
from __future__ import annotations

import asyncio
import inspect
import hashlib
import hmac
import itertools
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_REQUEST_BYTES = 30 * 1024  #: bytes; Viber's limit on any API request's JSON
TEXT_MAX = 7000  #: characters in a text message
PICTURE_TEXT_MAX = 768  #: characters in a picture's description (older docs said 120)
SENDER_NAME_MAX = 28  #: characters
TRACKING_DATA_MAX = 4000  #: characters
UNANSWERED_MAX = 100  #: messages to one user without a reply before Viber answers 12
WEBHOOK_TIMEOUT = 5.0  #: seconds the emulator waits for the bot's webhook
CHAT_HOSTNAME = "SN-CHAT-01_"
ALL_EVENTS = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
MANDATORY_EVENTS = {"webhook", "message", "subscribed", "unsubscribed"}
MESSAGE_TYPES = {"text", "picture", "video", "file", "location", "contact", "sticker",
                 "rich_media", "url"}
ACTION_TYPES = {"reply", "open-url", "location-picker", "share-phone", "none"}
SHARE_PHONE_MIN_API_VERSION = 3

STATUS_MESSAGES = {
    0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
    5: "receiverNotRegistered", 6: "notSubscribed", 7: "publicAccountBlocked",
    8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
    11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
}


class ViberStatus(Exception):
    """Raised inside a handler to answer with a non-zero Viber status."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or STATUS_MESSAGES.get(status, "generalError"))
        self.status = status
        self.message = message or STATUS_MESSAGES.get(status, "generalError")


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


class ViberEmulator:
    def __init__(self, *, rate: float | None = None, latency: float = 0.0) -> None:
        self.rate = rate  #: send_message calls per second per account; None = unlimited
        self.latency = latency  #: seconds added before every API answer
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._accounts: dict[str, _Account] = {}
        self._sent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._tokens = itertools.count(random.randrange(4 * 10**18, 5 * 10**18))
        self._failures: list[int] = []
        self.stats: dict[str, Any] = {}
        self.reset()
        routes = [Route(f"/{name}", self._endpoint(handler), methods=["POST"]) for name, handler in {
            "set_webhook": self._set_webhook, "send_message": self._send_message,
            "broadcast_message": self._broadcast_message, "get_account_info": self._account_info,
            "get_user_details": self._user_details, "get_online": self._get_online,
        }.items()]
        self.app = Starlette(routes=routes)

    # -- configuration ---------------------------------------------------------------------

    def add_account(self, auth_token: str, name: str = "chatpay") -> None:
        with self._lock:
            self._accounts[auth_token] = _Account(auth_token, name)

    def reset(self) -> None:
        """Forget users, messages, webhooks' state and counters; accounts stay."""
        with self._lock:
            for account in self._accounts.values():
                account.users.clear()
            self._sent.clear()
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

    # -- the user's side: each POSTs one signed callback to the bot's webhook ----------------

    def user_starts_conversation(self, user_id: str, *, name: str = "Seller", country: str = "UA",
                                 language: str = "uk", api_version: int = 10,
                                 token: str | None = None, context: str | None = None,
                                 ) -> tuple[int, dict[str, Any]]:
        account = self._account(token)
        with self._lock:
            user = self._user(account, user_id, name, country, language, api_version)
            event = self._event("conversation_started", type="open", user=user.profile(),
                                subscribed=user.subscribed)
            if context is not None:
                event["context"] = context
        status, body = self._post_event(account, event)
        # The bot may answer conversation_started with a welcome message: the one message Viber
        # delivers to a user who has not subscribed yet.
        if status == 200 and isinstance(body, dict) and "type" in body:
            with self._lock:
                try:
                    self._validate_message(body)
                except ViberStatus:
                    pass  # Viber drops an invalid welcome message silently
                else:
                    self._record(user, {**body, "receiver": user_id})
        return status, event

    def user_subscribes(self, user_id: str, *, name: str = "Seller", country: str = "UA",
                        language: str = "uk", api_version: int = 10, token: str | None = None,
                        ) -> tuple[int, dict[str, Any]]:
        account = self._account(token)
        with self._lock:
            user = self._user(account, user_id, name, country, language, api_version)
            user.subscribed, user.unanswered = True, 0
            event = self._event("subscribed", user=user.profile())
        return self._post_event(account, event)[0], event

    def user_unsubscribes(self, user_id: str, *, token: str | None = None,
                          ) -> tuple[int, dict[str, Any]]:
        account = self._account(token)
        with self._lock:
            user = self._user(account, user_id)
            user.subscribed = False
            event = self._event("unsubscribed", user_id=user_id)
        return self._post_event(account, event)[0], event

    def user_sends_text(self, user_id: str, text: str, **profile: Any) -> tuple[int, dict[str, Any]]:
        return self._user_message(user_id, {"type": "text", "text": text}, **profile)

    def user_taps(self, user_id: str, action_body: str, **profile: Any) -> tuple[int, dict[str, Any]]:
        """A keyboard `reply` button press reaches the bot as a text message carrying ActionBody."""
        return self._user_message(user_id, {"type": "text", "text": action_body}, **profile)

    def user_shares_contact(self, user_id: str, phone_number: str, **profile: Any,
                            ) -> tuple[int, dict[str, Any]]:
        """What a `share-phone` button press sends: a contact message with the user's number."""
        name = profile.get("name", "Seller")
        return self._user_message(
            user_id, {"type": "contact", "contact": {"name": name, "phone_number": phone_number}},
            **profile)

    def _user_message(self, user_id: str, message: dict[str, Any], *, token: str | None = None,
                      name: str = "Seller", country: str = "UA", language: str = "uk",
                      api_version: int = 10) -> tuple[int, dict[str, Any]]:
        account = self._account(token)
        with self._lock:
            user = self._user(account, user_id, name, country, language, api_version)
            # A user's first message subscribes them, without a `subscribed` callback.
            user.subscribed, user.unanswered = True, 0
            if user.tracking_data is not None:
                message = {**message, "tracking_data": user.tracking_data}
            event = self._event("message", sender=user.profile(), message=message, silent=False)
        return self._post_event(account, event)[0], event

    def _post_event(self, account: _Account, event: dict[str, Any]) -> tuple[int, Any]:
        if account.webhook is None:
            raise RuntimeError("The bot has not set a webhook; call set_webhook first.")
        if event["event"] not in MANDATORY_EVENTS and event["event"] not in account.event_types:
            return 200, None  # filtered out by the bot's event_types: Viber does not call
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:  # a blocking POST here would stall a webhook served by this same loop
            raise RuntimeError("User-side calls block; from async code use asyncio.to_thread().")
        body = json.dumps(event, ensure_ascii=False).encode()
        response = httpx.post(account.webhook, content=body, headers=self._signed(account, body),
                              timeout=WEBHOOK_TIMEOUT)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return response.status_code, answer

    # -- the API ----------------------------------------------------------------------------

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
        self._require(payload, "receiver")
        user = account.users.get(payload["receiver"])
        if user is None:
            raise ViberStatus(5)
        self._validate_message(payload)
        self._limit(account, user)
        message_token = self._record(user, payload)
        return {"status": 0, "status_message": "ok", "message_token": message_token,
                "billing_status": 0}

    def _broadcast_message(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        self._require(payload, "broadcast_list")
        receivers = payload["broadcast_list"]
        if not isinstance(receivers, list) or not 0 < len(receivers) <= 300:
            raise ViberStatus(3)
        self._validate_message(payload)
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
        self._require(payload, "id")
        user = account.users.get(payload["id"])
        if user is None:
            raise ViberStatus(5)
        details = {**user.profile(), "primary_device_os": "Android 14", "viber_version": "24.0",
                   "mcc": 255, "mnc": 1, "device_type": "emulator"}
        return {"status": 0, "status_message": "ok", "message_token": next(self._tokens),
                "user": details}

    def _get_online(self, account: _Account, payload: dict[str, Any]) -> dict[str, Any]:
        self._require(payload, "ids")
        ids = payload["ids"]
        if not isinstance(ids, list) or not 0 < len(ids) <= 100:
            raise ViberStatus(3)
        return {"status": 0, "status_message": "ok", "users": [
            {"id": i, "online_status": 0 if i in account.users else 3,
             "online_status_message": "online" if i in account.users else "undisclosed"}
            for i in ids]}

    # -- rules -------------------------------------------------------------------------------

    @staticmethod
    def _require(payload: dict[str, Any], *names: str) -> None:
        if any(payload.get(name) in (None, "") for name in names):
            raise ViberStatus(4)

    def _validate_message(self, payload: dict[str, Any]) -> None:
        kind, sender = payload.get("type"), payload.get("sender")
        if kind is None and "keyboard" in payload:
            kind = "keyboard"  # Viber delivers a keyboard on its own, without a message
        if kind is None or not isinstance(sender, dict) or not sender.get("name"):
            raise ViberStatus(4)
        if kind not in MESSAGE_TYPES | {"keyboard"} or len(str(sender["name"])) > SENDER_NAME_MAX:
            raise ViberStatus(3)
        if len(str(payload.get("tracking_data") or "")) > TRACKING_DATA_MAX:
            raise ViberStatus(3)
        text = payload.get("text")
        if kind == "text" and (not isinstance(text, str) or not text or len(text) > TEXT_MAX):
            raise ViberStatus(3)
        if kind == "picture" and (not isinstance(payload.get("media"), str)
                                  or not isinstance(text or "", str)
                                  or len(text or "") > PICTURE_TEXT_MAX):
            raise ViberStatus(3)
        if kind == "contact":
            contact = payload.get("contact")
            if not isinstance(contact, dict) or not contact.get("name") \
                    or not contact.get("phone_number"):
                raise ViberStatus(3)
        if "keyboard" in payload:
            self._validate_keyboard(payload["keyboard"], payload.get("min_api_version", 1))

    @staticmethod
    def _validate_keyboard(keyboard: Any, min_api_version: Any) -> None:
        if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
            raise ViberStatus(3)
        buttons = keyboard.get("Buttons")
        if not isinstance(buttons, list) or not buttons:
            raise ViberStatus(3)
        for button in buttons:
            if not isinstance(button, dict) or button.get("ActionType", "reply") not in ACTION_TYPES:
                raise ViberStatus(3)
            if not isinstance(button.get("ActionBody"), str) or not button["ActionBody"]:
                raise ViberStatus(3)
            if not 1 <= button.get("Columns", 6) <= 6 or not 1 <= button.get("Rows", 1) <= 2:
                raise ViberStatus(3)
            color = button.get("BgColor", "#ffffff")
            if not (isinstance(color, str) and len(color) == 7 and color.startswith("#")):
                raise ViberStatus(3)
            # Stricter than Viber, which accepts the message and lets old clients fail: a
            # share-phone button without min_api_version >= 3 is always a bot bug.
            if button.get("ActionType") == "share-phone" and (
                    not isinstance(min_api_version, int)
                    or min_api_version < SHARE_PHONE_MIN_API_VERSION):
                raise ViberStatus(3)

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

    # -- helpers -----------------------------------------------------------------------------

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
