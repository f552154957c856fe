"""/start, sharing the phone number, choosing a currency; /help and /cancel."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from bots.telegram.handlers.cabinet import own_menu_button
from domain.i18n import t
from storage.repository import Seller

router = Router(name="start")


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t(lang, "dialog_cancelled"), reply_markup=keyboards.main_menu(lang))


@router.message(CommandStart())
async def start(message: Message, state: FSMContext, seller: Seller | None, lang: str) -> None:
    await state.clear()
    name = message.from_user.first_name if message.from_user else ""
    await message.answer(t(lang, "welcome", name=name))
    if seller is not None and seller.currency:
        await message.answer(t(lang, "menu"), reply_markup=keyboards.main_menu(lang))
    else:
        await message.answer(t(lang, "share_phone_prompt"), reply_markup=keyboards.share_phone(lang))


@router.message(Command("help"))
async def help_(message: Message, lang: str) -> None:
    await message.answer(t(lang, "help"))


@router.message(F.contact)
async def contact(message: Message, deps: BotDeps, lang: str) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        await message.answer(t(lang, "phone_not_own"), reply_markup=keyboards.share_phone(lang))
        return
    outcome = await deps.run(deps.sellers.register_phone, str(message.chat.id),
                             message.contact.phone_number, message.from_user.full_name, lang)
    if outcome.seller is None:
        await message.answer(outcome.text, reply_markup=keyboards.share_phone(lang))
    elif outcome.choose_from:
        await message.answer(outcome.text, reply_markup=keyboards.currencies(outcome.choose_from))
    else:
        await message.answer(outcome.text, reply_markup=keyboards.main_menu(lang))
    if outcome.seller is not None and message.bot is not None:
        await own_menu_button(message.bot, message.chat.id, lang, deps)


@router.callback_query(F.data.startswith("cur:"))
async def choose_currency(query: CallbackQuery, deps: BotDeps, lang: str) -> None:
    currency = (query.data or "")[4:]
    seller = await deps.run(deps.sellers.set_currency, str(query.from_user.id), currency)
    await query.answer()
    if seller is None:
        await query.bot.send_message(query.from_user.id, t(lang, "need_phone_first"))  # type: ignore[union-attr]
        return
    await query.bot.send_message(query.from_user.id, t(lang, "currency_set", currency=currency),  # type: ignore[union-attr]
                                 reply_markup=keyboards.main_menu(lang))
