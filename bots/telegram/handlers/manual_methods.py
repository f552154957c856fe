"""*Settings → Manual payments* (/manual) in Telegram: list, add, edit and remove the seller's
manual methods; *Cash* is built in (edited, never removed). The form is bots.manual_methods."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots import manual_methods as form
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.i18n import t
from storage.repository import Seller

router = Router(name="manual_methods")


class MethodForm(StatesGroup):
    field = State()


def _board(methods: list[form.ManualMethod], lang: str) -> InlineKeyboardMarkup:
    from workers.manual_render import method_name
    rows = []
    for m in methods:
        name = method_name(m.name, lang)
        row = [InlineKeyboardButton(text=t(lang, "btn_mm_edit", name=name),
                                    callback_data=f"{form.PREFIX}edit:{m.id}")]
        if not m.builtin:
            row.append(InlineKeyboardButton(text=t(lang, "btn_mm_remove", name=name),
                                            callback_data=f"{form.PREFIX}del:{m.id}"))
        rows.append(row)
    rows.append([InlineKeyboardButton(text=t(lang, "btn_mm_add"),
                                      callback_data=f"{form.PREFIX}add")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _show(message: Message, seller: Seller, deps: BotDeps, lang: str) -> None:
    methods = await deps.run(form.listed, deps.uow, seller)
    await message.answer(form.list_text(methods, lang), reply_markup=_board(methods, lang))


@router.message(Command("manual"))
async def show(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
               lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    await _show(message, seller, deps, lang)


@router.callback_query(F.data.startswith(form.PREFIX))
async def tapped(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                 deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not seller.currency:
        await query.message.answer(t(lang, "need_phone_first"))
        return
    action, _, method_id = (query.data or "")[len(form.PREFIX):].partition(":")
    methods = await deps.run(form.listed, deps.uow, seller)
    method = form.found(methods, method_id)  # only ever one of the seller's own
    if action == "del":
        gone = method is not None and not method.builtin and await deps.run(
            form.remove, deps.uow, seller, method.id)
        await query.message.answer(t(lang, "mm_removed" if gone else "mm_not_removable"))
        await _show(query.message, seller, deps, lang)
        return
    if action == "list" or (action == "edit" and method is None):
        await _show(query.message, seller, deps, lang)
        return
    days = int(deps.settings.manual_payment_timeout.total_seconds() // 86400)
    draft = form.draft_of(method if action == "edit" else None, days)
    await state.set_state(MethodForm.field)
    await state.update_data(field="name", draft=draft)
    await query.message.answer(form.ask_text("name", draft, lang),
                               reply_markup=keyboards.skip(lang))


@router.message(MethodForm.field, F.text)
async def typed(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                lang: str) -> None:
    await _take(message, state, seller, deps, lang, message.text or "")


@router.callback_query(MethodForm.field, F.data == "skip")
async def skipped(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                  deps: BotDeps, lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _take(query.message, state, seller, deps, lang, None)


async def _take(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
                lang: str, text: str | None) -> None:
    assert seller is not None
    data = await state.get_data()
    draft, problem = form.take(data["field"], text, data["draft"], lang)
    if draft is None:
        await message.answer(problem, reply_markup=keyboards.skip(lang))
        return
    following = form.next_field(data["field"])
    if following is None:
        await deps.run(form.save, deps.uow, seller, draft)
        await state.clear()
        await message.answer(t(lang, "mm_saved"), reply_markup=keyboards.main_menu(lang))
        await _show(message, seller, deps, lang)
        return
    await state.update_data(field=following, draft=draft)
    await message.answer(form.ask_text(following, draft, lang), reply_markup=keyboards.skip(lang))
