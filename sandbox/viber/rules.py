"""Viber's rules for a message the bot sends: required fields, lengths, types and keyboards."""
from __future__ import annotations

from typing import Any

from sandbox.viber.errors import ViberStatus

TEXT_MAX = 7000  #: characters in a text message
PICTURE_TEXT_MAX = 768  #: characters in a picture's description (older docs said 120)
SENDER_NAME_MAX = 28  #: characters
TRACKING_DATA_MAX = 4000  #: characters
MESSAGE_TYPES = {"text", "picture", "video", "file", "location", "contact", "sticker",
                 "rich_media", "url"}
ACTION_TYPES = {"reply", "open-url", "location-picker", "share-phone", "none"}
SHARE_PHONE_MIN_API_VERSION = 3


def require(payload: dict[str, Any], *names: str) -> None:
    if any(payload.get(name) in (None, "") for name in names):
        raise ViberStatus(4)


def validate_message(payload: dict[str, Any]) -> None:
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
        validate_keyboard(payload["keyboard"], payload.get("min_api_version", 1))


def validate_keyboard(keyboard: Any, min_api_version: Any) -> None:
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
        if button.get("OpenURLType", "internal") not in ("internal", "external"):
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
