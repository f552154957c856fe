"""*📊 Cabinet* in Viber (no Mini Apps: a one-time signed link, opened in Viber's in-app browser
by an `open-url` button), *📊 Report* (/report: a worker sends the totals and the chart) and
*Settings → Daily report* (/digest, `digest:show`: the hour is typed next)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots import cabinet
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.commands import Command
from domain.i18n import t
from domain.messaging import Button, main_menu_rows
from storage.repository import Seller
from workers.messengers.viber_format import keyboard

STEP = "digest_hour"


def handles(text: str) -> bool:
    return (text in ("/cabinet", "/report", "/digest", "digest:show")
            or text in keyboards.button_texts("btn_cabinet")
            or text in keyboards.button_texts("btn_report")
            or text in keyboards.button_texts("btn_digest"))


def tapped(deps: Any, state: Any, then_publish: Callable[[str, Reply, Command], list[Reply]],
           user_id: str, seller: Seller | None, lang: str, text: str) -> list[Reply]:
    if seller is None or not seller.currency:
        return [Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))]
    state.clear(user_id)
    if text == "/cabinet" or text in keyboards.button_texts("btn_cabinet"):
        url = cabinet.viber_link(deps.uow, deps.settings, seller.id)
        # the link on top, the main menu under it: Viber shows one keyboard at a time
        menu = tuple(row for row in (tuple(b for b in r if b.data != t(lang, "btn_cabinet"))
                                     for r in main_menu_rows(lang)) if row)
        board = keyboard(((Button(t(lang, "btn_cabinet"), url=url),), *menu))
        for button in board["Buttons"]:  # Viber's in-app browser: the seller stays in the chat
            if button["ActionType"] == "open-url":
                button["OpenURLType"] = "internal"
        return [Reply(f"{t(lang, 'cabinet_open')}\n{t(lang, 'cabinet_viber_link')}", board)]
    if text == "/report" or text in keyboards.button_texts("btn_report"):
        return then_publish(user_id, Reply(t(lang, "btn_report") + "…"),
                            cabinet.report(seller, "viber", user_id))
    state.set(user_id, {"step": STEP})
    return [Reply(cabinet.digest_text(deps.uow, seller))]


def step(deps: Any, state: Any, user_id: str, seller: Seller, lang: str,
         text: str) -> list[Reply]:
    reply = cabinet.set_digest(deps.uow, seller, text)
    if reply is None:
        return [Reply(t(lang, "digest_ask_hour"))]
    state.clear(user_id)
    return [Reply(reply, keyboards.main_menu(lang))]
