"""The user's side, which tests and the sandbox drive: each call POSTs one signed callback to
the bot's webhook, as Viber does, and blocks until the bot answers."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from sandbox.viber.errors import ViberStatus
from sandbox.viber.rules import validate_message
from sandbox.viber.state import WEBHOOK_TIMEOUT, EmulatorState, _Account

MANDATORY_EVENTS = {"webhook", "message", "subscribed", "unsubscribed"}


class UserSide(EmulatorState):
    """conversation_started, subscribed, unsubscribed and the messages a user sends."""

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
                    validate_message(body)
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
