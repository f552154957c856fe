"""The Viber adapter of the conversation layer: a webhook's message becomes a `Turn`, and a
`Reply` becomes the answers queued in one AnswerInViber (with the command that follows them).

What Viber cannot do is handled here: a button sends its data back as a message's text (parsed
into the tapped action), a message shows one keyboard (the main menu goes under the message's
own buttons), nothing is edited or deleted, no toast (shown as a message), no menu button."""
from __future__ import annotations

from typing import Any

from bots.conversation.state import RedisDialogs
from bots.conversation.turn import KEEP, Menu, Reply, Say, Turn
from bots.viber import keyboards
from bots.viber.reply import Reply as Answer
from domain.actions import parse
from domain.i18n import t
from domain.messaging import main_menu_rows
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

STATE_PREFIX = "chatpay:viber:fsm"


def turn_of(user_id: str, name: str, lang: str, seller: Seller | None, text: str | None,
            contact: str | None, token: str, state: dict[str, Any]) -> Turn:
    action = parse(text) if text else None
    return Turn(messenger="viber", user_id=user_id, chat_id=user_id, lang=lang, seller=seller,
                text="" if action is not None or text is None else text, action=action,
                contact=contact, name=name, state=state,
                token=f"{action.tag}{token}" if action is not None else token,
                media=text is None and contact is None)


def board(said: Say, lang: str) -> dict[str, Any] | None:
    """The message's keyboard: its buttons, then the main menu (without a button it already
    shows: Viber shows one keyboard at a time)."""
    if said.menu is Menu.SHARE_PHONE:
        return keyboards.share_phone(lang)
    shown = {b.text for row in said.buttons for b in row}
    menu = tuple(row for row in (tuple(b for b in r if b.text not in shown)
                                 for r in main_menu_rows(lang)) if row)
    rows = said.buttons + (menu if said.menu is Menu.MAIN else ())
    if not rows:
        return None
    drawn = keyboard(rows)
    for button in drawn["Buttons"]:  # a link opens in Viber's in-app browser: they stay in chat
        if button["ActionType"] == "open-url":
            button["OpenURLType"] = "internal"
    return drawn


def answers(reply: Reply, lang: str) -> list[Answer]:
    lang = reply.menu_button or lang
    shown = [Answer(said.text, board(said, lang)) for said in reply.says]
    if reply.delete_message and shown:  # Viber lets no bot delete a message: they must
        shown[0] = Answer(f"{t(lang, 'key_delete_yourself')}\n\n{shown[0].text}",
                          shown[0].keyboard)
    if reply.toast and not shown:
        shown.append(Answer(reply.toast, keyboards.main_menu(lang)))
    return shown


def keep(dialogs: RedisDialogs, user_id: str, reply: Reply) -> None:
    if reply.state != KEEP:
        dialogs.keep(user_id, reply.state)  # type: ignore[arg-type]
