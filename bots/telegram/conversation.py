"""The Telegram adapter of the conversation layer: an aiogram message or tap becomes a `Turn`,
and a `Reply` becomes answers, an edited or deleted message, a toast and the FSM state.

One router, first in the dispatcher: its filter asks the conversation (no I/O) whether a moved
feature answers the turn; anything else falls through to the handlers not moved yet."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    MenuButtonWebApp,
    TelegramObject,
    User,
    WebAppInfo,
)

from bots.conversation.routes import NOT_UNDERSTOOD, Conversation, Route
from bots.conversation.state import decode, encode
from bots.conversation.turn import KEEP, Menu, Reply, Say, Turn
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from bots.cabinet import cabinet_url
from domain.actions import parse
from domain.i18n import t
from storage.repository import Seller

router = Router(name="conversation")
log = logging.getLogger(__name__)


def menu_button(url: str, lang: str = "en") -> MenuButtonWebApp:
    """The chat's menu button: opens the cabinet as a Mini App."""
    return MenuButtonWebApp(text=t(lang, "btn_cabinet"), web_app=WebAppInfo(url=url))


async def own_menu_button(bot: Bot, chat_id: int, lang: str, deps: BotDeps) -> None:
    """The seller's own chat gets the menu button in their language (the bot-wide one, set at
    start, can only speak one). A courtesy: Telegram refusing it changes nothing else."""
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=menu_button(
            cabinet_url(deps.settings), lang))
    except TelegramAPIError as exc:
        log.info("The menu button of chat %s stays as it was: %s.", chat_id, exc)


def turn_of(event: TelegramObject, user: User, lang: str, seller: Seller | None,
            raw_state: str | None) -> Turn | None:
    common: dict[str, Any] = {"messenger": "telegram", "user_id": str(user.id), "lang": lang,
                              "seller": seller, "name": user.full_name,
                              "state": decode(raw_state)}
    if isinstance(event, CallbackQuery):
        action = parse(event.data or "")
        if action is None or not isinstance(event.message, Message):
            return None
        return Turn(chat_id=str(event.message.chat.id), action=action, tapped=True,
                    token=f"{action.tag}{event.message.message_id}", **common)
    assert isinstance(event, Message)
    if event.contact is not None:
        return Turn(chat_id=str(event.chat.id), contact=event.contact.phone_number,
                    contact_own=event.contact.user_id == user.id, token=str(event.message_id),
                    **{**common, "name": user.full_name})
    return Turn(chat_id=str(event.chat.id), text=(event.text or "").strip(),
                media=event.text is None, token=str(event.message_id), **common)


class Owned(Filter):
    """The update is a turn (a message, or a tap on a catalogued button): hands the handler
    the turn and its route; what no feature answers is not understood."""

    async def __call__(self, event: TelegramObject, conversation: Conversation, lang: str,
                       seller: Seller | None = None, raw_state: str | None = None,
                       event_from_user: User | None = None) -> bool | dict[str, Any]:
        if event_from_user is None:
            return False
        turn = turn_of(event, event_from_user, lang, seller, raw_state)
        if turn is None:
            return False
        return {"turn": turn, "route": conversation.route(turn) or NOT_UNDERSTOOD}


def markup(said: Say, lang: str) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if said.buttons:
        return InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=b.text, callback_data=b.data) if b.url is None else
            InlineKeyboardButton(text=b.text, web_app=WebAppInfo(url=b.url))
            for b in row] for row in said.buttons])
    if said.menu is Menu.MAIN:
        return keyboards.main_menu(lang)
    if said.menu is Menu.SHARE_PHONE:
        return keyboards.share_phone(lang)
    return None


async def show(bot: Bot, turn: Turn, reply: Reply, state: FSMContext, deps: BotDeps,
               message: Message | None = None) -> None:
    """Keep the state, then answer (the command was published before)."""
    if reply.state is None:
        await state.set_state(None)
    elif reply.state != KEEP:
        await state.set_state(encode(reply.state))  # type: ignore[arg-type]
    says = reply.says
    if reply.delete_message and message is not None and says:
        says = (replace(says[0], text=f"{await deleted(message, turn.lang)}\n\n{says[0].text}"),
                *says[1:])
    if reply.menu_button is not None:
        await own_menu_button(bot, int(turn.chat_id), reply.menu_button, deps)
    lang = reply.menu_button or turn.lang
    for said in says:
        await bot.send_message(int(turn.chat_id), said.text, reply_markup=markup(said, lang))
    if reply.answer_first and reply.publish is not None:
        await deps.run(deps.bus.publish, reply.publish)  # Redis down → "try again"


async def deleted(message: Message, lang: str) -> str:
    """Delete a message carrying a secret; what to tell the seller about it."""
    try:
        await message.delete()
    except TelegramAPIError as exc:  # too old, or no right to: the seller must do it
        log.warning("Could not delete a key message in chat %d: %s.", message.chat.id,
                    type(exc).__name__)
        return t(lang, "key_delete_yourself")
    return t(lang, "key_deleted")


async def answer(deps: BotDeps, conversation: Conversation, turn: Turn, route: Route) -> Reply:
    if route.blocking:
        return await deps.run(conversation.handle_and_publish, turn, route)
    return conversation.handle_and_publish(turn, route)


@router.message(Owned())
async def message(message: Message, bot: Bot, turn: Turn, route: Route, state: FSMContext,
                  deps: BotDeps, conversation: Conversation) -> None:
    reply = await answer(deps, conversation, turn, route)
    await show(bot, turn, reply, state, deps, message)


@router.callback_query(Owned())
async def tapped(query: CallbackQuery, bot: Bot, turn: Turn, route: Route, state: FSMContext,
                 deps: BotDeps, conversation: Conversation) -> None:
    reply = await answer(deps, conversation, turn, route)
    await query.answer(reply.toast)
    await show(bot, turn, reply, state, deps)
