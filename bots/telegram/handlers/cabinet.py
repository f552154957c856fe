"""*📊 Cabinet* (the Mini App, by an inline `web_app` button: a reply-keyboard launch carries no
init data), *📊 Report* and /report (the worker sends the totals and the chart), and
*Settings → Daily report* (/digest)."""
from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)

from bots import cabinet
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.errors import ServiceUnavailable
from domain.i18n import t
from storage.repository import Seller

log = logging.getLogger(__name__)

router = Router(name="cabinet")


class DigestDialog(StatesGroup):
    hour = State()


def menu_button(url: str, lang: str = "en") -> MenuButtonWebApp:
    """The chat's menu button: opens the cabinet as a Mini App."""
    return MenuButtonWebApp(text=t(lang, "btn_cabinet"), web_app=WebAppInfo(url=url))


async def own_menu_button(bot: Bot, chat_id: int, lang: str, deps: BotDeps) -> None:
    """The seller's own chat gets the menu button in their language (the bot-wide one, set at
    start, can only speak one). A courtesy: Telegram refusing it changes nothing else."""
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=menu_button(
            cabinet.cabinet_url(deps.settings), lang))
    except TelegramAPIError as exc:
        log.info("The menu button of chat %s stays as it was: %s.", chat_id, exc)


def _registered(seller: Seller | None) -> bool:
    return seller is not None and bool(seller.currency)


@router.message(Command("cabinet"))
@router.message(F.text.in_(keyboards.button_texts("btn_cabinet")))
async def open_cabinet(message: Message, state: FSMContext, seller: Seller | None,
                       deps: BotDeps, lang: str) -> None:
    if not _registered(seller):
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    await message.answer(t(lang, "cabinet_open"), reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(
            text=t(lang, "btn_cabinet"),
            web_app=WebAppInfo(url=cabinet.cabinet_url(deps.settings)))]]))


@router.message(Command("report"))
@router.message(F.text.in_(keyboards.button_texts("btn_report")))
async def report(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                 lang: str) -> None:
    if seller is None or not _registered(seller):
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    try:
        await deps.run(deps.bus.publish, cabinet.report(seller, "telegram", str(message.chat.id)))
    except ServiceUnavailable:
        await message.answer(t(lang, "unavailable"))


@router.message(Command("digest"))
@router.message(F.text.in_(keyboards.button_texts("btn_digest")))
async def digest(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                 lang: str) -> None:
    if seller is None or not _registered(seller):
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.set_state(DigestDialog.hour)
    await message.answer(await deps.run(cabinet.digest_text, deps.uow, seller))


@router.callback_query(F.data == "digest:show")
async def digest_from_settings(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                               deps: BotDeps) -> None:
    await query.answer()
    if seller is None or not _registered(seller) or query.message is None:
        return
    await state.set_state(DigestDialog.hour)
    await query.message.answer(await deps.run(cabinet.digest_text, deps.uow, seller))


@router.message(DigestDialog.hour, F.text)
async def digest_hour(message: Message, state: FSMContext, seller: Seller | None,
                      deps: BotDeps, lang: str) -> None:
    if seller is None:
        await state.clear()
        return
    reply = await deps.run(cabinet.set_digest, deps.uow, seller, message.text or "")
    if reply is None:
        await message.answer(t(lang, "digest_ask_hour"))
        return
    await state.clear()
    await message.answer(reply, reply_markup=keyboards.main_menu(lang))
