"""Manual payments in Telegram: *Approve* / *Reject* / *Approve with corrections* under a
declared payment, *Record payment* from the main menu, *Paid another way* under an invoice (the
first of two steps: it opens a payment the seller then approves), and *Refund* on an invoice
paid by hand. Every button is checked against the seller who tapped it."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots import manual
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="manual")


class Decide(StatesGroup):
    reason = State()
    amount = State()
    date = State()
    comment = State()


class Record(StatesGroup):
    amount = State()
    method = State()
    date = State()
    comment = State()


class Refund(StatesGroup):
    comment = State()


def _buttons(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs])


def _skip_today(lang: str) -> InlineKeyboardMarkup:
    return _buttons((t(lang, "btn_today"), "today"))


async def _mine(query: CallbackQuery, seller: Seller | None, deps: BotDeps, lang: str,
                prefix: str) -> str | None:
    """The payment id behind the button if it is this seller's; else say it is not found."""
    await query.answer()
    assert isinstance(query.message, Message)
    payment_id = (query.data or "")[len(prefix):]
    payment = None if seller is None else await deps.run(
        manual.own_payment, deps.uow, seller.id, payment_id)
    if payment is None:
        await query.message.answer(t(lang, "manual_not_found"))
        return None
    return payment_id


async def _publish(message: Message, state: FSMContext, deps: BotDeps, command: object,
                   text: str, lang: str) -> None:
    await deps.run(deps.bus.publish, command)
    await state.clear()
    await message.answer(text, reply_markup=keyboards.main_menu(lang))


@router.callback_query(F.data.startswith(manual.APPROVE))
async def approve(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                  deps: BotDeps, lang: str) -> None:
    payment_id = await _mine(query, seller, deps, lang, manual.APPROVE)
    if payment_id is not None and seller is not None:
        assert isinstance(query.message, Message)
        await _publish(query.message, state, deps, manual.decide(seller.id, payment_id, True),
                       t(lang, "manual_approving"), lang)


@router.callback_query(F.data.startswith(manual.REJECT))
async def reject(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                 deps: BotDeps, lang: str) -> None:
    payment_id = await _mine(query, seller, deps, lang, manual.REJECT)
    if payment_id is not None:
        assert isinstance(query.message, Message)
        await state.set_state(Decide.reason)
        await state.update_data(payment_id=payment_id)
        await query.message.answer(t(lang, "manual_ask_reason"))


@router.message(Decide.reason, F.text)
async def reason_typed(message: Message, state: FSMContext, seller: Seller | None,
                       deps: BotDeps, lang: str) -> None:
    assert seller is not None
    reason = manual.read_comment(message.text or "")
    data = await state.get_data()
    await _publish(message, state, deps, manual.decide(seller.id, data["payment_id"], False,
                                                       reason), t(lang, "manual_rejecting"), lang)


@router.callback_query(F.data.startswith(manual.CORRECT))
async def correct(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                  deps: BotDeps, lang: str) -> None:
    payment_id = await _mine(query, seller, deps, lang, manual.CORRECT)
    if payment_id is not None:
        assert isinstance(query.message, Message)
        await state.set_state(Decide.amount)
        await state.update_data(payment_id=payment_id)
        await query.message.answer(t(lang, "manual_ask_amount"), reply_markup=keyboards.skip(lang))


@router.message(Decide.amount, F.text)
async def corrected_amount(message: Message, state: FSMContext, seller: Seller | None,
                           deps: BotDeps, lang: str) -> None:
    assert seller is not None
    amount, problem = manual.read_corrected(message.text or "", seller.currency or "UAH",
                                            deps.settings.max_invoice_amount, lang)
    if amount is None:
        await message.answer(problem)
        return
    await state.update_data(amount=str(amount.amount), currency=amount.currency)
    await _ask_date(message, state, Decide.date, lang)


@router.callback_query(Decide.amount, F.data == "skip")
async def amount_kept(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _ask_date(query.message, state, Decide.date, lang)


async def _ask_date(message: Message, state: FSMContext, next_state: State, lang: str) -> None:
    await state.set_state(next_state)
    await message.answer(t(lang, "record_ask_date"), reply_markup=_skip_today(lang))


@router.message(Decide.date, F.text)
@router.message(Record.date, F.text)
async def date_typed(message: Message, state: FSMContext, seller: Seller | None,
                     lang: str) -> None:
    assert seller is not None
    paid_on = manual.read_paid_on(message.text or "", manual.local_today(seller.country))
    if paid_on is None:
        await message.answer(t(lang, "record_date_invalid"), reply_markup=_skip_today(lang))
        return
    await _ask_comment(message, state, paid_on.isoformat(), lang)


@router.callback_query(Decide.date, F.data == "today")
@router.callback_query(Record.date, F.data == "today")
async def date_today(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                     lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message) and seller is not None
    await _ask_comment(query.message, state, manual.local_today(seller.country).isoformat(), lang)


async def _ask_comment(message: Message, state: FSMContext, paid_on: str, lang: str) -> None:
    await state.update_data(paid_on=paid_on)
    current = await state.get_state()
    await state.set_state(Decide.comment if current == Decide.date.state else Record.comment)
    await message.answer(t(lang, "record_ask_comment"), reply_markup=keyboards.skip(lang))


@router.message(Decide.comment, F.text)
@router.message(Record.comment, F.text)
async def comment_typed(message: Message, state: FSMContext, seller: Seller | None,
                        deps: BotDeps, lang: str) -> None:
    await _finish(message, state, seller, deps, lang, manual.read_comment(message.text or ""),
                  f"c{message.message_id}")


@router.callback_query(Decide.comment, F.data == "skip")
@router.callback_query(Record.comment, F.data == "skip")
async def comment_skipped(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                          deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _finish(query.message, state, seller, deps, lang, None,
                  f"s{query.message.message_id}")


async def _finish(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                  lang: str, comment: str | None, key: str) -> None:
    assert seller is not None
    data = await state.get_data()
    if await state.get_state() == Decide.comment.state:
        corrections = {"amount": data.get("amount"), "currency": data.get("currency"),
                       "paid_on": data.get("paid_on"), "comment": comment}
        await _publish(message, state, deps, manual.decide(
            seller.id, data["payment_id"], True, corrections=corrections),
            t(lang, "manual_approving"), lang)
        return
    data = {**data, "comment": comment or ""}
    await _publish(message, state, deps, manual.record(
        "telegram", str(message.chat.id), key, seller, data), manual.saving_text(data, lang),
        lang)


# -- Record payment (main menu), and *Paid another way* under an invoice ------------------------

@router.message(F.text.in_(keyboards.button_texts("btn_record")))
async def record(message: Message, state: FSMContext, seller: Seller | None, lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    await state.set_state(Record.amount)
    await message.answer(t(lang, "record_ask_amount"))


@router.message(Record.amount, F.text)
async def record_amount(message: Message, state: FSMContext, seller: Seller | None,
                        deps: BotDeps, lang: str) -> None:
    assert seller is not None and seller.currency
    amount, problem = manual.read_corrected(message.text or "", seller.currency,
                                            deps.settings.max_invoice_amount, lang)
    if amount is None:
        await message.answer(problem)
        return
    await state.update_data(amount=str(amount.amount), currency=amount.currency)
    await _ask_method(message, state, seller, deps, lang)


@router.callback_query(F.data.startswith(manual.OPEN))
async def paid_another_way(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                           deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    code = (query.data or "")[len(manual.OPEN):]
    invoice = None if seller is None else await deps.run(
        manual.own_invoice, deps.uow, seller.id, code)
    if invoice is None or seller is None:
        await query.message.answer(t(lang, "invoice_not_found"))
        return
    await state.clear()
    await state.update_data(code=code)
    await _ask_method(query.message, state, seller, deps, lang)


async def _ask_method(message: Message, state: FSMContext, seller: Seller, deps: BotDeps,
                      lang: str) -> None:
    found = await deps.run(manual.methods, deps.uow, seller)
    await state.set_state(Record.method)
    await message.answer(t(lang, "record_ask_method"), reply_markup=_buttons(*(
        (manual.method_label(m, lang), f"{manual.METHOD}{m.id}") for m in found)))


@router.callback_query(Record.method, F.data.startswith(manual.METHOD))
async def method_chosen(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await state.update_data(method=(query.data or "")[len(manual.METHOD):])
    await _ask_date(query.message, state, Record.date, lang)


# -- Refund by hand --------------------------------------------------------------------------

@router.callback_query(F.data.startswith(manual.REFUND))
async def refund(query: CallbackQuery, state: FSMContext, seller: Seller | None, deps: BotDeps,
                 lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    code = (query.data or "")[len(manual.REFUND):]
    invoice = None if seller is None else await deps.run(
        manual.own_invoice, deps.uow, seller.id, code)
    if invoice is None or not invoice.manual or invoice.refundable.amount <= 0:
        await query.message.answer(t(lang, "refund_nothing_left"))
        return
    await state.set_state(Refund.comment)
    await state.update_data(code=code)
    await query.message.answer(manual.refund_ask_text(invoice, lang))


@router.message(Refund.comment, F.text)
async def refund_comment(message: Message, state: FSMContext, seller: Seller | None,
                         deps: BotDeps, lang: str) -> None:
    assert seller is not None
    data = await state.get_data()
    from domain.commands import RefundManualPayment
    await _publish(message, state, deps, RefundManualPayment(
        data["code"], seller.id, manual.read_comment(message.text or "")),
        t(lang, "manual_refunding"), lang)
