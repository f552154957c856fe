"""Anything no other handler took, and the one place errors become replies."""
from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language, t

router = Router(name="fallback")
log = logging.getLogger(__name__)


@router.message()
async def unknown(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown_input"))


@router.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    await query.answer()


async def unavailable(event: ErrorEvent, bot: Bot) -> None:
    """Redis or the database is down: say so, in the person's language; nothing was stored."""
    log.warning("Answering 'temporarily unavailable': %r.", event.exception)
    update = event.update
    target = update.message or (update.callback_query.message if update.callback_query else None)
    user = update.message.from_user if update.message else (
        update.callback_query.from_user if update.callback_query else None)
    lang = normalize_language(user.language_code if user else None)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(t(lang, "unavailable"), show_alert=True)
        except Exception:  # the alert is a courtesy; the chat message below is the answer
            pass
    if target is not None:
        await bot.send_message(target.chat.id, t(lang, "unavailable"))


ERRORS = (ServiceUnavailable, SQLAlchemyError, RedisError, ConnectionError)
FILTER = ExceptionTypeFilter(*ERRORS)
