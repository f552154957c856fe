"""Anything no other handler took, and the one place errors become replies."""
from __future__ import annotations

import contextlib
import logging

import redis.asyncio as aioredis
from aiogram import Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import ServiceUnavailable
from domain.i18n import normalize_language, t
from storage import update_failures as counter

router = Router(name="fallback")
log = logging.getLogger(__name__)


@router.message()
async def unknown(message: Message, lang: str) -> None:
    await message.answer(t(lang, "unknown_input"))


@router.callback_query()
async def unknown_button(query: CallbackQuery, lang: str) -> None:
    """A tap on a button whose step is over (an old *Yes*, a finished dialog): said, not silent."""
    await query.answer(t(lang, "button_stale"))


async def unavailable(event: ErrorEvent, bot: Bot) -> None:
    """Redis or the database is down: say so, in the person's language; nothing was stored."""
    log.warning("Answering 'temporarily unavailable': %r.", event.exception)
    await _tell(event, bot, "unavailable", None)


async def failed(event: ErrorEvent, bot: Bot, update_failures: aioredis.Redis | None = None,
                 lang: str | None = None) -> None:
    """Anything else a handler raised: never silence. The person reads "something went wrong,
    try again" in their language; the error is logged with the update's id and counted."""
    log.error("Update %d failed in its handler: %r.", event.update.update_id, event.exception,
              exc_info=event.exception)
    if update_failures is not None:
        with contextlib.suppress(RedisError):
            await counter.count_async(update_failures, "telegram")
    await _tell(event, bot, "failed_try_again", lang)


async def _tell(event: ErrorEvent, bot: Bot, key: str, lang: str | None) -> None:
    update = event.update
    target = update.message or (update.callback_query.message if update.callback_query else None)
    user = update.message.from_user if update.message else (
        update.callback_query.from_user if update.callback_query else None)
    lang = lang or normalize_language(user.language_code if user else None)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(t(lang, key), show_alert=True)
        except Exception:  # noqa: BLE001, S110 -- a courtesy; the chat message is the answer
            pass
    if target is not None:
        await bot.send_message(target.chat.id, t(lang, key))


ERRORS = (ServiceUnavailable, SQLAlchemyError, RedisError, ConnectionError)
FILTER = ExceptionTypeFilter(*ERRORS)
