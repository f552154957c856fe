"""Viber's message format, without HTTP: keyboards, and the limits a message must keep to.

The bots build their keyboards with it and the Viber sender (viber.py) its requests; nothing here
calls Viber.
"""
from __future__ import annotations

from typing import Any

from domain.messaging import Button

TEXT_MAX = 7000  #: characters in a text message
# Viber's docs have said 120 and later 768 characters for a picture's description; we keep to
# the smaller so older clients show the whole caption.
PICTURE_TEXT_MAX = 120  #: characters
BUTTON_TEXT_MAX = 250  #: characters
SENDER_NAME_MAX = 28  #: characters
KEYBOARD_COLUMNS = 6  #: a Viber keyboard row is six columns wide
SHARE_PHONE_MIN_API_VERSION = 3  #: clients older than this cannot share their phone number
ELLIPSIS = "…"


def keyboard(rows: tuple[tuple[Button, ...], ...], *,
             share_phone_text: str | None = None) -> dict[str, Any]:
    """A Viber keyboard with one line per row of buttons, plus a full-width share-phone button.

    A message carrying a share-phone button needs `min_api_version` >= 3
    (see `required_api_version`).
    """
    buttons: list[dict[str, Any]] = []
    for row in rows:
        for start in range(0, len(row), KEYBOARD_COLUMNS):
            line = row[start:start + KEYBOARD_COLUMNS]
            # Widths must fill the line exactly, or Viber flows the next row's buttons into it.
            base, extra = divmod(KEYBOARD_COLUMNS, len(line))
            for index, button in enumerate(line):
                buttons.append(_button(button, base + (1 if index < extra else 0)))
    if share_phone_text is not None:
        buttons.append({"ActionType": "share-phone", "ActionBody": "share-phone",
                        "Text": _trim(share_phone_text, BUTTON_TEXT_MAX),
                        "Columns": KEYBOARD_COLUMNS, "Rows": 1})
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}


def required_api_version(board: dict[str, Any] | None) -> int:
    """The lowest client API version that can show this keyboard."""
    if board and any(b.get("ActionType") == "share-phone" for b in board.get("Buttons", ())):
        return SHARE_PHONE_MIN_API_VERSION
    return 1


def _button(button: Button, columns: int) -> dict[str, Any]:
    if button.data is not None:
        action_type, action_body = "reply", button.data
    elif button.url is not None:
        action_type, action_body = "open-url", button.url
    else:
        raise ValueError(f"Button {button.text!r} has neither data nor url.")
    return {"ActionType": action_type, "ActionBody": action_body,
            "Text": _trim(button.text, BUTTON_TEXT_MAX), "Columns": columns, "Rows": 1}


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS
