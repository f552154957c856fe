"""*Refund* under a paid invoice: the amount (all that is left, or typed) → confirm → published."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots.refunds import (
    ask_text,
    confirm_text,
    read_refund_amount,
    refund_command,
    refundable_invoice,
    refusal,
    requested_text,
)
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.i18n import format_money, t
from domain.money import Money
from storage.repository import Seller

router = Router(name="refunds")


class NewRefund(StatesGroup):
    amount = State()
    confirm = State()


def _one_button(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=data)]])


@router.callback_query(F.data.startswith("rfd:"))
async def refund_tapped(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                        deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    invoice = None if seller is None else await deps.run(
        refundable_invoice, deps.uow, seller.id, (query.data or "")[4:])
    refused = refusal(invoice, lang)
    if refused is not None or invoice is None:
        await query.message.answer(refused or t(lang, "refund_nothing_left"))
        return
    left = invoice.refundable
    await state.set_state(NewRefund.amount)
    await state.update_data(code=invoice.code, description=invoice.description,
                            left=str(left.amount), currency=left.currency)
    await query.message.answer(ask_text(left, lang), reply_markup=_one_button(
        t(lang, "btn_refund_all", amount=format_money(left, lang)), "rfa"))


@router.callback_query(NewRefund.amount, F.data == "rfa")
async def refund_all(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    data = await state.get_data()
    await _confirm(query.message, state, Money.parse_provider(data["left"], data["currency"]),
                   data["description"], lang)


@router.message(NewRefund.amount, F.text)
async def refund_amount_typed(message: Message, state: FSMContext, deps: BotDeps,
                              lang: str) -> None:
    data = await state.get_data()
    left = Money.parse_provider(data["left"], data["currency"])
    amount, problem = read_refund_amount(message.text or "", left,
                                         deps.settings.max_invoice_amount, lang)
    if amount is None:
        await message.answer(problem)
        return
    await _confirm(message, state, amount, data["description"], lang)


@router.message(NewRefund.amount)
async def refund_amount_not_text(message: Message, lang: str) -> None:
    await message.answer(t(lang, "amount_not_a_number"))


async def _confirm(message: Message, state: FSMContext, amount: Money, description: str,
                   lang: str) -> None:
    await state.update_data(amount=str(amount.amount))
    await state.set_state(NewRefund.confirm)
    await message.answer(confirm_text(amount, description, lang),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                             InlineKeyboardButton(text=t(lang, "btn_refund_confirm"),
                                                  callback_data="rfc"),
                             InlineKeyboardButton(text=t(lang, "btn_refund_no"),
                                                  callback_data="rfn")]]))


@router.callback_query(NewRefund.confirm, F.data == "rfn")
async def refund_declined(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _cancelled(query.message, state, lang)


@router.message(NewRefund.confirm)
async def refund_confirm_typed(message: Message, state: FSMContext, lang: str) -> None:
    """Typing instead of tapping *Yes* or *No* ends the refund, as in Viber: nothing is sent."""
    await _cancelled(message, state, lang)


async def _cancelled(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t(lang, "dialog_cancelled"), reply_markup=keyboards.main_menu(lang))


@router.callback_query(NewRefund.confirm, F.data == "rfc")
async def refund_confirmed(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                           deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message) and seller is not None
    data = await state.get_data()
    command = refund_command("telegram", str(query.message.chat.id),
                             f"rfc{query.message.message_id}", seller.id, data["code"],
                             data["amount"])
    await deps.run(deps.bus.publish, command)
    await state.clear()
    await query.message.answer(requested_text(data["amount"], data["currency"], lang),
                               reply_markup=keyboards.main_menu(lang))
