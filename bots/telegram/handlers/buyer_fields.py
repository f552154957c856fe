"""*Settings → Buyer details* (/buyer): which details the pay page of new invoices asks for."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots import shop_name
from bots.invoices import BUYER_FIELD_PREFIX, buyer_fields_text
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="buyer_fields")


def _keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(lang, "btn_toggle_name"), callback_data=f"{BUYER_FIELD_PREFIX}name"),
        InlineKeyboardButton(text=t(lang, "btn_toggle_phone"),
                             callback_data=f"{BUYER_FIELD_PREFIX}phone")],
        [InlineKeyboardButton(text=t(lang, "btn_shop_name"), callback_data=shop_name.ASK)]])


@router.message(Command("buyer"))
async def show(message: Message, seller: Seller | None, lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"))
        return
    await message.answer(buyer_fields_text(seller, lang), reply_markup=_keyboard(lang))


@router.callback_query(F.data.startswith(BUYER_FIELD_PREFIX))
async def toggle(query: CallbackQuery, deps: BotDeps, lang: str) -> None:
    field = (query.data or "")[len(BUYER_FIELD_PREFIX):]
    seller = await deps.run(deps.sellers.toggle_buyer_field, str(query.from_user.id), field)
    await query.answer()
    if seller is None:
        return
    assert isinstance(query.message, Message)
    await query.message.answer(buyer_fields_text(seller, lang), reply_markup=_keyboard(lang))
