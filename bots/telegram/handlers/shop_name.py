"""*Settings → Shop name* (/shop, or the button under *Buyer details*): ask, check, save and
show the name back."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bots import shop_name
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="shop_name")


class ShopName(StatesGroup):
    name = State()


@router.message(Command("shop"))
async def ask(message: Message, state: FSMContext, seller: Seller | None, lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"))
        return
    await state.set_state(ShopName.name)
    await message.answer(shop_name.show(seller, lang))


@router.callback_query(F.data == shop_name.ASK)
async def ask_by_button(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                        lang: str) -> None:
    await query.answer()
    if seller is None or not isinstance(query.message, Message):
        return
    await state.set_state(ShopName.name)
    await query.message.answer(shop_name.show(seller, lang))


@router.message(ShopName.name, F.text)
async def typed(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    name = shop_name.read(message.text or "")
    if name is None:
        await message.answer(t(lang, "shop_name_invalid"))
        return
    seller = await deps.run(deps.sellers.set_shop_name, str(message.chat.id), name)
    await state.clear()
    if seller is not None:
        await message.answer(shop_name.saved(seller, lang))
