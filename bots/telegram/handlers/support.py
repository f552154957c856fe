"""Support agents in Telegram: /find, /seller, /stats and the `sup:` buttons (bots.support).

Both filters ask the database whether the person is support at every message and tap; for
anyone else nothing here matches, and the update goes on to the handlers that answer garbage.
"""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    User,
)

from bots.support import wants
from bots.support_views import Screen
from bots.telegram.deps import BotDeps

router = Router(name="support")


class SupportTo(StatesGroup):
    address = State()  #: a corrected buyer phone or e-mail is awaited


class IsAgent(Filter):
    """The person is a support agent now; `commands`: and it is a support command or button."""

    def __init__(self, commands: bool = True) -> None:
        self.commands = commands

    async def __call__(self, event: TelegramObject, deps: BotDeps,
                       event_from_user: User | None = None) -> bool:
        text = (event.data if isinstance(event, CallbackQuery) else getattr(event, "text", "")) \
            or ""
        if event_from_user is None or (self.commands and not wants(text)):
            return False
        return await deps.run(deps.support.is_agent, str(event_from_user.id))


def markup(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row]
        for row in screen.buttons])


async def show(message: Message, screen: Screen, state: FSMContext) -> None:
    if screen.ask is not None:
        await state.set_state(SupportTo.address)
        await state.update_data(support_ask=screen.ask)
    await message.answer(screen.text, reply_markup=markup(screen))


@router.message(SupportTo.address, F.text, IsAgent(commands=False))
async def address_typed(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert message.from_user is not None
    ask = (await state.get_data())["support_ask"]
    await state.clear()
    screen = await deps.run(deps.support.typed, str(message.from_user.id), str(message.chat.id),
                            lang, ask, message.text or "", f"m{message.message_id}")
    await show(message, screen, state)


@router.message(F.text, IsAgent())
async def command(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert message.from_user is not None
    screen = await deps.run(deps.support.handle, str(message.from_user.id),
                            str(message.chat.id), lang, message.text or "")
    await show(message, screen, state)


@router.callback_query(IsAgent())
async def tapped(query: CallbackQuery, state: FSMContext, deps: BotDeps, lang: str) -> None:
    assert isinstance(query.message, Message)
    screen = await deps.run(deps.support.handle, str(query.from_user.id),
                            str(query.message.chat.id), lang, query.data or "")
    await query.answer()
    await show(query.message, screen, state)
