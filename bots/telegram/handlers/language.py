"""Switching the language the bot speaks."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from bots.telegram.handlers.cabinet import own_menu_button
from domain.i18n import LANGUAGES, t

router = Router(name="language")


@router.message(Command("language"))
@router.message(F.text.in_(keyboards.button_texts("btn_language")))
async def choose(message: Message, lang: str) -> None:
    await message.answer(t(lang, "choose_language"), reply_markup=keyboards.languages())


@router.callback_query(F.data.startswith("lang:"))
async def chosen(query: CallbackQuery, deps: BotDeps) -> None:
    lang = (query.data or "")[5:]
    if lang not in LANGUAGES:
        await query.answer()
        return
    await deps.run(deps.sellers.set_language, str(query.from_user.id), lang)
    await query.answer()
    await own_menu_button(query.bot, query.from_user.id, lang, deps)  # type: ignore[arg-type]
    await query.bot.send_message(query.from_user.id, t(lang, "language_set"),  # type: ignore[union-attr]
                                 reply_markup=keyboards.main_menu(lang))
