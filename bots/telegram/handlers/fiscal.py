"""*Settings → Fiscal receipts* (/fiscal): connect Checkbox (licence key → cashier PIN, each
message deleted as soon as it is read), automatic/off, and the default goods name."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots import fiscal
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from bots.telegram.handlers.accounts import _delete, answer_then_publish, second_secret
from domain.i18n import t
from storage.repository import Seller

router = Router(name="fiscal")


class FiscalDialog(StatesGroup):
    license_key = State()
    pin = State()
    goods = State()


def _keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t(lang, key), callback_data=f"{fiscal.PREFIX}{action}")
         for action, key in row] for row in fiscal.BUTTONS])


@router.message(Command("fiscal"))
async def show(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
               lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    await message.answer(await deps.run(fiscal.settings_text, deps.uow, seller.id, lang),
                         reply_markup=_keyboard(lang))


@router.callback_query(F.data.startswith(fiscal.PREFIX))
async def tapped(query: CallbackQuery, state: FSMContext, seller: Seller | None, deps: BotDeps,
                 lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not seller.currency:
        await query.message.answer(t(lang, "need_phone_first"))
        return
    action = (query.data or "")[len(fiscal.PREFIX):]
    if action == "show":
        await state.clear()
        await query.message.answer(await deps.run(fiscal.settings_text, deps.uow, seller.id,
                                                  lang), reply_markup=_keyboard(lang))
    elif action == "connect":
        await state.set_state(FiscalDialog.license_key)
        await query.message.answer(t(lang, "fiscal_ask_license"))
    elif action == "goods":
        await state.set_state(FiscalDialog.goods)
        await query.message.answer(t(lang, "fiscal_ask_goods"))
    elif action.startswith("mode:"):
        await query.message.answer(await deps.run(fiscal.set_mode, deps.uow, seller.id,
                                                  action[len("mode:"):], lang))


@router.message(FiscalDialog.license_key, F.text)
async def license_typed(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    key = fiscal.read_license(message.text or "")
    deleted = await _delete(message, lang)
    if key is None:
        await message.answer(f"{deleted}\n\n{t(lang, 'fiscal_license_invalid')}")
        return
    await state.update_data(license_key=deps.box.encrypt(key))  # never in clear, even in Redis
    await state.set_state(FiscalDialog.pin)
    await message.answer(f"{deleted}\n\n{t(lang, 'fiscal_ask_pin')}")


@router.message(FiscalDialog.pin, F.text)
async def pin_typed(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                    lang: str) -> None:
    assert seller is not None
    read = await second_secret(message, state, deps, lang, fiscal.read_pin, "fiscal_pin_invalid",
                               ("license_key", FiscalDialog.license_key, "fiscal_ask_license"))
    if read is None:
        return
    deleted, license_key, pin = read
    command = fiscal.connect_command(deps.box, channel="telegram", chat_id=str(message.chat.id),
                                     key=str(message.message_id), seller_id=seller.id,
                                     license_key=license_key, pin=pin, lang=lang)
    await answer_then_publish(message, state, deps, f"{deleted}\n\n{t(lang, 'fiscal_checking')}",
                              command, lang)


@router.message(FiscalDialog.goods, F.text)
async def goods_typed(message: Message, state: FSMContext, seller: Seller | None,
                      deps: BotDeps, lang: str) -> None:
    assert seller is not None
    name = fiscal.read_goods(message.text or "")
    if name is None:
        await message.answer(t(lang, "fiscal_goods_invalid"))
        return
    await deps.run(fiscal.set_goods, deps.uow, seller.id, name)
    await state.clear()
    await message.answer(t(lang, "fiscal_goods_set", goods=name),
                         reply_markup=keyboards.main_menu(lang))


@router.message(FiscalDialog.license_key)
@router.message(FiscalDialog.pin)
@router.message(FiscalDialog.goods)
async def not_text(message: Message, lang: str) -> None:
    await message.answer(t(lang, "key_not_text"))
