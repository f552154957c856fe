"""`/webhook URL` sets the seller's shop URL; `/webhook` alone shows it, with its buttons."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots import webhooks
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="webhooks")


def _buttons(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t(lang, key), callback_data=f"{webhooks.PREFIX}{action}")
         for action, key in row] for row in webhooks.BUTTONS])


@router.message(Command("webhook"))
async def webhook(message: Message, seller: Seller | None, deps: BotDeps, lang: str) -> None:
    if seller is None:
        await message.answer(t(lang, "need_phone_first"))
        return
    command = webhooks.parse(message.text or "", seller.id)
    if command is not None:  # the worker checks it, answers with the secret and pings
        await deps.run(deps.bus.publish, command)
        return
    text, exists = await deps.run(webhooks.report, deps.uow, seller.id, lang)
    await message.answer(text, reply_markup=_buttons(lang) if exists else None)


@router.callback_query(F.data.startswith(webhooks.PREFIX))
async def webhook_button(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                         lang: str) -> None:
    command = webhooks.button(query.data or "", seller.id) if seller else None
    if command is None:
        await query.answer(t(lang, "need_phone_first"))
        return
    await deps.run(deps.bus.publish, command)
    await query.answer()
