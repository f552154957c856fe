"""*Send by SMS* and *Send by e-mail* under an invoice: ask for the buyer's phone or address,
check it, and have a worker send the pay link. A wrong value is explained; the dialog stays."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bots.invoices import SEND_VIA, read_recipient, send_link
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="send_link")


class SendTo(StatesGroup):
    recipient = State()


@router.callback_query(F.data.startswith(tuple(SEND_VIA)))
async def send_button(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                      lang: str) -> None:
    if seller is None:
        await query.answer(t(lang, "need_phone_first"))
        return
    data = query.data or ""
    via, prompt = SEND_VIA[data[:4]]
    await state.set_state(SendTo.recipient)
    await state.update_data(send_code=data[4:], send_via=via)
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(t(lang, prompt))


@router.message(SendTo.recipient, F.text)
async def recipient_typed(message: Message, state: FSMContext, seller: Seller | None,
                          deps: BotDeps, lang: str) -> None:
    assert seller is not None
    data = await state.get_data()
    to, problem = read_recipient(data["send_via"], message.text or "", seller.country, lang)
    if to is None:
        await message.answer(problem)
        return
    command = send_link("telegram", str(message.chat.id), str(message.message_id), seller.id,
                        data["send_code"], data["send_via"], to)
    await deps.run(deps.bus.publish, command)
    await state.clear()
    await message.answer(t(lang, "link_sending", to=to))


@router.message(SendTo.recipient)
async def recipient_not_text(message: Message, state: FSMContext, lang: str) -> None:
    data = await state.get_data()
    await message.answer(t(lang, "buyer_phone_invalid" if data.get("send_via") == "sms"
                           else "buyer_email_invalid"))
