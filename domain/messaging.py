"""What an outbound message to a seller is, independent of the messenger that carries it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from domain.i18n import t


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None  #: callback data (Telegram: <= 64 bytes), or None for a URL button
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    channel: str  #: "telegram" | "viber"
    chat_id: str
    text: str
    photo_png: bytes | None = None  #: sent as an upload (Telegram)
    photo_url: str | None = None  #: sent by URL (Viber)
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)  #: rows of buttons
    reply_to: str | None = None  #: message id to reply to, when the messenger supports it
    #: the seller's language, for a messenger that shows one keyboard at a time (Viber): it puts
    #: the main menu under the message's own buttons, so the menu never disappears
    lang: str | None = None


def main_menu_rows(lang: str) -> tuple[tuple[Button, ...], ...]:
    """The seller's main menu as rows of buttons whose data is their own text (Viber's reply
    buttons send their text back; Telegram shows the same words on its reply keyboard)."""
    def own(key: str) -> Button:
        return Button(t(lang, key), data=t(lang, key))
    return ((own("btn_create"), own("btn_record")), (own("btn_pending"), own("btn_language")),
            (own("btn_settings"),), (own("btn_cabinet"), own("btn_report")))


class MessengerSender(Protocol):
    """Sends one message; returns the messenger's message id.

    Raises RecipientUnreachable (never retry), MessengerRateLimited(retry_after) or
    MessengerUnavailable (retry later).
    """

    channel: str

    def send(self, message: OutboundMessage) -> str: ...

    def edit_buttons(self, chat_id: str, message_id: str,
                     buttons: tuple[tuple[Button, ...], ...]) -> None:
        """Replace the buttons under a message sent before (Telegram). A messenger that cannot
        edit (Viber) does nothing: its next message carries the actions instead."""
