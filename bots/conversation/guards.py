"""Who may do what, decided once: a registered seller (a phone shared and a currency chosen), a
seller (a phone shared), a support agent. Every feature names what its steps need; the refusal
is always the same message with the same keyboard, in every messenger."""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from bots.conversation.turn import Menu, Reply, Turn, say
from domain.i18n import t


class Needs(Enum):
    NOBODY = "nobody"  #: anyone may (start, help, language)
    SELLER = "seller"  #: someone who shared a phone (a currency may still be missing)
    REGISTERED = "registered"  #: a seller with a currency: the menu's features
    AGENT = "agent"  #: support, asked of the database at every turn (removed: refused at once)


def need_phone(turn: Turn) -> Reply:
    """"Share your phone first", with the keyboard that shares it."""
    return say(t(turn.lang, "need_phone_first"), menu=Menu.SHARE_PHONE)


def not_understood(turn: Turn) -> Reply:
    """What anything unexpected gets (a stale button: a toast); to a non-agent, support's
    commands and buttons look exactly like this, so nothing tells whether support exists."""
    if turn.tapped:  # an inline button (Viber's come back as text: told like any text)
        return Reply(toast=t(turn.lang, "button_stale"))
    return say(t(turn.lang, "unknown_input"),
               menu=Menu.MAIN if turn.registered else Menu.SHARE_PHONE)


def refusal(turn: Turn, needs: Needs, is_agent: Callable[[str], bool]) -> Reply | None:
    """The reply refusing `turn` what `needs` asks for; None when it is allowed."""
    if needs is Needs.AGENT:
        return None if is_agent(turn.user_id) else not_understood(turn)
    if needs is Needs.SELLER and turn.seller is None:
        return need_phone(turn)
    if needs is Needs.REGISTERED and not turn.registered:
        return need_phone(turn)
    return None
