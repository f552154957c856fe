"""Outbound Telegram messages from workers, over the Bot API with httpx.

Telegram allows about 30 messages a second overall and one a second per chat; every worker
process shares one schedule kept in Redis (RedisRateLimiter), and a 429's `retry_after` is
honoured.
"""
from __future__ import annotations

import json
import logging

import httpx

from domain.errors import (
    MessengerError,
    MessengerRateLimited,
    MessengerUnavailable,
    RecipientUnreachable,
)
from domain.messaging import Button, OutboundMessage
from workers.messengers.ratelimit import RedisRateLimiter

log = logging.getLogger(__name__)

TIMEOUT = 15.0  #: seconds
IDLE_RETRY = 2.0  #: seconds before a courtesy edit refused for a busy chat is tried again


class TelegramSender:
    channel = "telegram"

    def __init__(self, token: str, api_base: str, limiter: RedisRateLimiter | None = None, *,
                 http: httpx.Client | None = None) -> None:
        self.base = f"{api_base.rstrip('/')}/bot{token}"
        self.limiter = limiter
        self.http = http or httpx.Client(timeout=TIMEOUT)

    def send(self, message: OutboundMessage) -> str:
        data: dict[str, str] = {"chat_id": message.chat_id}
        if message.buttons:
            data["reply_markup"] = json.dumps({"inline_keyboard": [
                [_button(b) for b in row] for row in message.buttons]})
        if message.reply_to:
            data["reply_parameters"] = json.dumps(
                {"message_id": int(message.reply_to), "allow_sending_without_reply": True})
        if message.photo_png is not None:
            data["caption"] = message.text
            files = {"photo": ("qr.png", message.photo_png, "image/png")}
            result = self._call("sendPhoto", message.chat_id, data, files)
        else:
            data["text"] = message.text
            result = self._call("sendMessage", message.chat_id, data, None)
        return str(result["message_id"])

    def edit(self, message: OutboundMessage, message_id: str) -> None:
        """Replace the text (and buttons) of a text message the bot sent; the same text again
        is no error (Telegram's "message is not modified")."""
        data = {"chat_id": message.chat_id, "message_id": message_id, "text": message.text}
        if message.buttons:
            data["reply_markup"] = json.dumps({"inline_keyboard": [
                [_button(b) for b in row] for row in message.buttons]})
        try:
            self._call("editMessageText", message.chat_id, data, None)
        except MessengerError as exc:
            if "not modified" not in str(exc):
                raise

    def edit_buttons(self, chat_id: str, message_id: str,
                     buttons: tuple[tuple[Button, ...], ...]) -> None:
        """A courtesy: sent only once the chat has been quiet for a whole interval (else
        MessengerRateLimited, to try later), so it never delays a message to the seller."""
        if self.limiter is not None and not self.limiter.try_acquire_idle(chat_id):
            raise MessengerRateLimited(IDLE_RETRY)
        data = {"chat_id": chat_id, "message_id": message_id,
                "reply_markup": json.dumps({"inline_keyboard": [
                    [_button(b) for b in row] for row in buttons]})}
        try:
            self._call("editMessageReplyMarkup", chat_id, data, None, paced=False)
        except MessengerError as exc:
            if "not modified" not in str(exc):
                raise

    def _call(self, method: str, chat_id: str, data: dict[str, str],
              files: dict[str, tuple[str, bytes, str]] | None,
              paced: bool = True) -> dict:  # type: ignore[type-arg]
        if self.limiter is not None and paced:
            self.limiter.acquire(chat_id)
        try:
            response = self.http.post(f"{self.base}/{method}", data=data, files=files)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise MessengerUnavailable(f"Telegram {method} failed: {exc}") from exc
        if body.get("ok"):
            return body["result"]
        code = body.get("error_code", response.status_code)
        description = body.get("description", "")
        if code == 429:
            retry_after = float((body.get("parameters") or {}).get("retry_after", 1))
            if self.limiter is not None:
                self.limiter.push_back(chat_id, retry_after)
            raise MessengerRateLimited(retry_after)
        if code == 403 or "chat not found" in description:
            raise RecipientUnreachable(description)
        if code >= 500:
            raise MessengerUnavailable(f"Telegram {method}: {code} {description}")
        raise MessengerError(f"Telegram refused {method}: {code} {description}")


def _button(button: object) -> dict[str, str]:
    text = button.text
    url = getattr(button, "url", None)
    return {"text": text, "url": url} if url else {"text": text, "callback_data": button.data}
