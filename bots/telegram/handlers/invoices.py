"""Create invoice (amount → optional description → published), pending invoices, check, cancel."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bots.invoices import (
    DESCRIPTION_LIMIT,
    create_invoice,
    creating_text,
    invoice_refusal,
    open_invoices,
    pending_text,
    read_amount,
)
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.commands import CancelInvoice, CheckStatus
from domain.i18n import t
from storage.repository import Seller

router = Router(name="invoices")

class NewInvoice(StatesGroup):
    amount = State()
    description = State()


@router.message(Command("new"))
@router.message(F.text.in_(keyboards.button_texts("btn_create")))
async def new_invoice(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                      lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    refusal = await deps.run(invoice_refusal, deps.uow, seller.id, deps.settings, lang)
    if refusal is not None:
        await state.clear()
        await message.answer(refusal[0], reply_markup=keyboards.account(lang, refusal[1]))
        return
    await state.set_state(NewInvoice.amount)
    await message.answer(t(lang, "ask_amount", currency=seller.currency))


@router.message(NewInvoice.amount, F.text)
async def amount_typed(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                       lang: str) -> None:
    assert seller is not None and seller.currency
    amount, problem = read_amount(message.text or "", seller.currency,
                                  deps.settings.max_invoice_amount, lang)
    if amount is None:
        await message.answer(problem)
        return
    await state.update_data(amount=str(amount.amount), currency=amount.currency)
    await state.set_state(NewInvoice.description)
    await message.answer(t(lang, "ask_description"), reply_markup=keyboards.skip(lang))


@router.message(NewInvoice.amount)
async def amount_not_text(message: Message, lang: str) -> None:
    await message.answer(t(lang, "amount_not_a_number"))


@router.message(NewInvoice.description, F.text)
async def description_typed(message: Message, state: FSMContext, seller: Seller | None,
                            deps: BotDeps, lang: str) -> None:
    text = (message.text or "").strip()
    if len(text) > DESCRIPTION_LIMIT:
        await message.answer(t(lang, "description_too_long", limit=DESCRIPTION_LIMIT))
        return
    await _publish(message, state, seller, deps, lang, text, str(message.message_id))


@router.callback_query(NewInvoice.description, F.data == "skip")
async def description_skipped(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                              deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _publish(query.message, state, seller, deps, lang, "", f"skip{query.message.message_id}")


async def _publish(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                   lang: str, description: str, key: str) -> None:
    assert seller is not None
    data = await state.get_data()
    command = create_invoice("telegram", str(message.chat.id), key, seller.id, data["amount"],
                             data["currency"], description, lang)
    await deps.run(deps.bus.publish, command)  # Redis down → ServiceUnavailable → "try again"
    await state.clear()
    await message.answer(creating_text(data["amount"], data["currency"], lang),
                         reply_markup=keyboards.main_menu(lang))


@router.message(Command("invoices"))
@router.message(F.text.in_(keyboards.button_texts("btn_pending")))
async def pending(message: Message, seller: Seller | None, deps: BotDeps, lang: str) -> None:
    if seller is None:
        await message.answer(t(lang, "need_phone_first"))
        return
    invoices = await deps.run(open_invoices, deps.uow, seller.id)
    if not invoices:
        await message.answer(pending_text(invoices, lang, seller.country))
        return
    await message.answer(pending_text(invoices, lang, seller.country),
                         reply_markup=keyboards.pending(invoices, lang))


#: an invoice button's prefix -> the command it publishes and the toast that acknowledges it
INVOICE_BUTTONS = {"chk:": (CheckStatus, "checking"), "cnl:": (CancelInvoice, "cancelling")}


@router.callback_query(F.data.startswith(tuple(INVOICE_BUTTONS)))
async def invoice_button(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                         lang: str) -> None:
    """*Check status* and *Cancel invoice* under an invoice message or in the pending list."""
    if seller is None:
        await query.answer(t(lang, "need_phone_first"))
        return
    data = query.data or ""
    command, toast = INVOICE_BUTTONS[data[:4]]
    await deps.run(deps.bus.publish, command(code=data[4:], seller_id=seller.id))
    await query.answer(t(lang, toast))
