"""Sends messages to sellers in Viber through the REST Bot API, and the few account calls we need.

All of chatpay's Viber HTTP lives here; callers see OutboundMessage in, a message token or one of
domain.errors' messenger errors out.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from domain.errors import (
    MessengerError,
    MessengerRateLimited,
    MessengerUnavailable,
    RecipientUnreachable,
)
from domain.messaging import Button, OutboundMessage, main_menu_rows
from workers.messengers.ratelimit import RedisRateLimiter
from workers.messengers.viber_format import (
    ELLIPSIS,
    PICTURE_TEXT_MAX,
    SENDER_NAME_MAX,
    TEXT_MAX,
    _trim,
    keyboard,
    required_api_version,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://chatapi.viber.com/pa"
MAX_REQUEST_BYTES = 30 * 1024  #: bytes; Viber refuses larger request bodies (status 3)
RATE_LIMITED_RETRY_AFTER = 1.0  #: seconds; Viber's status 12 carries no retry hint
UNREACHABLE = {5, 6, 7}  #: receiverNotRegistered, notSubscribed, publicAccountBlocked
TOO_MANY_REQUESTS = 12


class ViberApiError(MessengerError):
    """Raised when Viber refused a request with a status that retrying will not fix."""

    def __init__(self, status: int, status_message: str) -> None:
        super().__init__(f"Viber refused the request: status {status}, {status_message}")
        self.status = status
        self.status_message = status_message


def _encode(payload: dict[str, Any]) -> bytes:
    # Encoded here, not by httpx, so that the 30 KB check measures the bytes actually sent.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class ViberApi:
    """The Viber REST Bot API calls chatpay makes, each mapped onto domain.errors."""

    def __init__(self, auth_token: str, api_base: str = DEFAULT_API_BASE, *,
                 timeout: float = 10.0, http: httpx.Client | None = None) -> None:
        self._auth_token = auth_token
        self._api_base = api_base.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout)
        self._timeout = timeout

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST one API call; return Viber's answer when its status is 0, raise otherwise."""
        body = _encode(payload)
        headers = {"X-Viber-Auth-Token": self._auth_token, "Content-Type": "application/json"}
        try:
            response = self._http.post(f"{self._api_base}/{method}", content=body,
                                       headers=headers, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise MessengerUnavailable(f"Viber {method} failed: {error!r}") from error
        if response.status_code == 429:
            raise MessengerRateLimited(RATE_LIMITED_RETRY_AFTER)
        if response.status_code >= 500:
            raise MessengerUnavailable(f"Viber {method} answered HTTP {response.status_code}")
        try:
            answer = response.json()
            status = int(answer["status"])
        except (ValueError, KeyError, TypeError) as error:
            raise MessengerUnavailable(
                f"Viber {method} answered HTTP {response.status_code} without a status") from error
        if status == 0:
            return answer  # type: ignore[no-any-return]
        status_message = str(answer.get("status_message", ""))
        logger.info("Viber refused %s with status %d (%s).", method, status, status_message)
        if status in UNREACHABLE:
            raise RecipientUnreachable(f"Viber: {status_message} (status {status})")
        if status == TOO_MANY_REQUESTS:
            raise MessengerRateLimited(RATE_LIMITED_RETRY_AFTER)
        raise ViberApiError(status, status_message)

    def set_webhook(self, url: str, event_types: list[str] | None = None) -> list[str]:
        """Point Viber at our webhook (Viber calls it once to check it); return the event types."""
        payload: dict[str, Any] = {"url": url}
        if event_types is not None:
            payload["event_types"] = event_types
        return list(self.call("set_webhook", payload).get("event_types", []))

    def get_account_info(self) -> dict[str, Any]:
        return self.call("get_account_info", {})

    def close(self) -> None:
        self._http.close()


class ViberSender:
    """Implements domain.messaging.MessengerSender for Viber."""

    channel = "viber"

    def __init__(self, auth_token: str, api_base: str = DEFAULT_API_BASE, *,
                 sender_name: str = "chatpay", sender_avatar: str | None = None,
                 timeout: float = 10.0, http: httpx.Client | None = None,
                 limiter: RedisRateLimiter | None = None) -> None:
        self._api = ViberApi(auth_token, api_base, timeout=timeout, http=http)
        self._limiter = limiter
        self._sender: dict[str, Any] = {"name": sender_name[:SENDER_NAME_MAX]}
        if sender_avatar:
            self._sender["avatar"] = sender_avatar

    def send(self, message: OutboundMessage) -> str:
        """Send the message (a picture and a text when the caption is too long for Viber).

        Returns the token of the last request, the one carrying the keyboard. Viber has no
        replies, so `reply_to` is ignored.
        """
        message_token = ""
        for payload in self.payloads(message):
            if self._limiter is not None:
                self._limiter.acquire(message.chat_id)
            message_token = str(self._api.call("send_message", payload)["message_token"])
        return message_token

    def edit_buttons(self, chat_id: str, message_id: str,
                     buttons: tuple[tuple[Button, ...], ...]) -> None:
        """Viber cannot edit a message: the event's own message carries what is left to do."""

    def send_text(self, chat_id: str, text: str, board: dict[str, Any] | None) -> str:
        """A bot's answer: a text under a keyboard already in Viber's format."""
        if self._limiter is not None:
            self._limiter.acquire(chat_id)
        return str(self._api.call("send_message",
                                  self._text(chat_id, text, board))["message_token"])

    def payloads(self, message: OutboundMessage) -> list[dict[str, Any]]:
        """The send_message bodies for one message, each within Viber's limits."""
        rows = message.buttons + (main_menu_rows(message.lang) if message.lang else ())
        board = keyboard(rows) if rows else None
        text = message.text
        if message.photo_url is None:
            return [self._text(message.chat_id, text, board)]
        caption, rest = _split_caption(text)
        picture = self._base(message.chat_id, None if rest else board)
        picture.update(type="picture", media=message.photo_url, text=caption)
        if not rest:
            return [picture]
        return [picture, self._text(message.chat_id, rest, board)]

    def _text(self, chat_id: str, text: str, board: dict[str, Any] | None) -> dict[str, Any]:
        payload = self._base(chat_id, board)
        kept = _trim(text, TEXT_MAX) or ELLIPSIS
        payload.update(type="text", text=kept)
        # Keep the whole request within 30 KB by cutting the text (with an ellipsis): a cut
        # message reaches the seller, an oversized one is refused outright. Every character
        # is at least one byte, so each round removes at least the excess.
        while (excess := len(_encode(payload)) - MAX_REQUEST_BYTES) > 0:
            if not kept:
                raise ViberApiError(3, "badData: the keyboard alone is over 30 KB")
            kept = kept[:max(0, len(kept) - excess - 1)]
            payload["text"] = kept + ELLIPSIS
        return payload

    def _base(self, chat_id: str, board: dict[str, Any] | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"receiver": chat_id, "sender": dict(self._sender)}
        if board is not None:
            payload["keyboard"] = board
            payload["min_api_version"] = required_api_version(board)
        return payload

    def close(self) -> None:
        self._api.close()


def _split_caption(text: str) -> tuple[str, str]:
    """Split text into a picture caption and the rest, at a line break where possible."""
    if len(text) <= PICTURE_TEXT_MAX:
        return text, ""
    lines = text.split("\n")
    caption = ""
    for count in range(1, len(lines)):
        candidate = "\n".join(lines[:count])
        if len(candidate) > PICTURE_TEXT_MAX:
            break
        caption = candidate
    if not caption:
        return "", text  # no clean cut: the picture goes alone and the text follows it whole
    return caption, text[len(caption):].lstrip("\n")
