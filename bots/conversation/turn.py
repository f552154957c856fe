"""What goes into the conversation (a `Turn`) and what comes out (a `Reply`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, Literal

from domain.actions import Action
from domain.commands import Command
from domain.messaging import Button
from storage.repository import Seller

Rows = tuple[tuple[Button, ...], ...]
#: a dialog's place: {"step": name, ...what the earlier steps gathered}, as JSON keeps it
State = Mapping[str, Any]
KEEP: Final = "keep"  #: `Reply.state`: leave the dialog where it is


class Menu(Enum):
    """The keyboard that stays under the chat (Telegram's reply keyboard; Viber shows it under
    the message when the message has no buttons of its own, else after them)."""
    MAIN = "main"
    SHARE_PHONE = "share_phone"


@dataclass(frozen=True)
class Turn:
    """One thing a person did in a chat, whichever messenger carried it."""
    messenger: str  #: "telegram" | "viber"
    user_id: str
    chat_id: str
    lang: str  #: the seller's language, else the messenger's hint about the person
    seller: Seller | None = None  #: the seller behind `user_id`, if they ever shared a phone
    text: str = ""  #: what they typed (stripped); "" for a tap or a contact
    action: Action | None = None  #: the button they tapped (Viber: a button's text parsed)
    contact: str | None = None  #: the phone number they shared
    contact_own: bool = True  #: the shared contact is their own (Telegram can tell)
    name: str = ""  #: their name in the messenger
    token: str = ""  #: unique to this message or tap: makes a redelivered one publish nothing new
    state: State = field(default_factory=dict)  #: where their dialog stands (read by the adapter)
    tapped: bool = False  #: came from an inline button (Telegram: a toast can acknowledge it)
    media: bool = False  #: a message that is not text (a photo, a sticker): only a step answers

    @property
    def step(self) -> str:
        return str(self.state.get("step", ""))

    @property
    def registered(self) -> bool:
        """A seller with a phone and a currency: the one who may use the menu."""
        return self.seller is not None and bool(self.seller.currency)


@dataclass(frozen=True)
class Say:
    """One message to show."""
    text: str
    buttons: Rows = ()  #: inline buttons under it (Viber: its keyboard)
    menu: Menu | None = None  #: the chat keyboard it sets; None leaves the one shown


@dataclass(frozen=True)
class Reply:
    """What answers a turn. Adapters publish `publish` first, then keep `state`, then show
    `says` (Viber: the answers and the command go in one queued AnswerInViber, so the command's
    own message, such as the QR, comes after them)."""
    says: tuple[Say, ...] = ()
    toast: str | None = None  #: a tap's short acknowledgement (Viber: flagged, shown as text)
    #: delete the person's message (a key): the adapter says first whether it did (Telegram) or
    #: asks them to (Viber cannot: flagged)
    delete_message: bool = False
    #: show the answer before publishing (the worker's verdict must follow "checking…")
    answer_first: bool = False
    publish: Command | None = None  #: the command the workers perform after the answer
    state: State | None | Literal["keep"] = KEEP  #: the dialog's next place; None ends it
    #: the chat's own menu button should speak this language now (Telegram; registered, or the
    #: language changed); Viber has none: flagged
    menu_button: str | None = None

    @property
    def asks(self) -> str:
        """What is asked next (the step awaited), "" if nothing is."""
        return str(self.state.get("step", "")) if isinstance(self.state, Mapping) else ""



def say(text: str, buttons: Rows = (), menu: Menu | None = None, *,
        state: State | None | Literal["keep"] = KEEP, publish: Command | None = None,
        toast: str | None = None) -> Reply:
    """A reply of one message."""
    return Reply(says=(Say(text, buttons, menu),), state=state, publish=publish, toast=toast)
