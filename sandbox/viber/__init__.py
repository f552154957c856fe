"""A local server that speaks the Viber REST Bot API (chatapi.viber.com/pa), for tests and the sandbox.

It answers the bot's API calls exactly as Viber does (HTTP 200 with a JSON `status`), and plays
the user's side: it POSTs signed callbacks to the bot's webhook, as Viber does.

- `emulator.py`: the class, its accounts, test knobs and what the bot sent.
- `api.py`: the API over HTTP, its six methods and the send limits.
- `users.py`: the user's side, as signed callbacks to the bot's webhook.
- `rules.py`: what a valid message and keyboard look like.
- `state.py`: accounts, users and shared helpers; `errors.py`: `ViberStatus`.
"""
from __future__ import annotations

from sandbox.viber.api import MAX_REQUEST_BYTES, UNANSWERED_MAX
from sandbox.viber.emulator import ViberEmulator
from sandbox.viber.errors import STATUS_MESSAGES, ViberStatus
from sandbox.viber.rules import (
    ACTION_TYPES,
    MESSAGE_TYPES,
    PICTURE_TEXT_MAX,
    SENDER_NAME_MAX,
    SHARE_PHONE_MIN_API_VERSION,
    TEXT_MAX,
    TRACKING_DATA_MAX,
)
from sandbox.viber.state import ALL_EVENTS, CHAT_HOSTNAME, WEBHOOK_TIMEOUT
from sandbox.viber.users import MANDATORY_EVENTS

__all__ = [
    "ACTION_TYPES",
    "ALL_EVENTS",
    "CHAT_HOSTNAME",
    "MANDATORY_EVENTS",
    "MAX_REQUEST_BYTES",
    "MESSAGE_TYPES",
    "PICTURE_TEXT_MAX",
    "SENDER_NAME_MAX",
    "SHARE_PHONE_MIN_API_VERSION",
    "STATUS_MESSAGES",
    "TEXT_MAX",
    "TRACKING_DATA_MAX",
    "UNANSWERED_MAX",
    "WEBHOOK_TIMEOUT",
    "ViberEmulator",
    "ViberStatus",
]
