"""The Telegram bot's composition root: the Bot, the dispatcher, its storage and routers."""
from __future__ import annotations

import logging

import redis.asyncio as aioredis
from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand

from bots.cabinet import cabinet_url
from bots.conversation.features import FEATURES
from bots.conversation.routes import Conversation
from bots.telegram import conversation
from bots.telegram.deps import BotDeps
from bots.telegram.handlers import fallback
from bots.telegram.middlewares import DropRepeatedUpdates, InFlight, SellerContext
from bots.telegram.session import build_session
from domain.i18n import LANGUAGES

log = logging.getLogger(__name__)

#: seconds a stopping bot gives the updates it is handling (a reply may wait out a 429)
DRAIN_TIMEOUT = 30

COMMANDS = {
    "uk": [("new", "Створити рахунок"), ("invoices", "Неоплачені рахунки"),
           ("settings", "Платіжний рахунок"), ("buyer", "Дані покупця"), ("shop", "Назва магазину"),
           ("manual", "Ручні оплати"),
           ("fiscal", "Фіскальні чеки"), ("language", "Мова"),
           ("report", "Звіт"), ("cabinet", "Кабінет"), ("cancel", "Скасувати введення"), ("help", "Допомога")],
    "ru": [("new", "Создать счёт"), ("invoices", "Неоплаченные счета"),
           ("settings", "Платёжный счёт"), ("buyer", "Данные покупателя"),
           ("shop", "Название магазина"),
           ("manual", "Ручные оплаты"), ("fiscal", "Фискальные чеки"), ("language", "Язык"),
           ("report", "Отчёт"), ("cabinet", "Кабинет"), ("cancel", "Отменить ввод"), ("help", "Помощь")],
    "en": [("new", "Create invoice"), ("invoices", "Pending invoices"),
           ("settings", "Payment account"), ("buyer", "Buyer details"), ("shop", "Shop name"),
           ("manual", "Manual payments"), ("fiscal", "Fiscal receipts"), ("language", "Language"),
           ("report", "Report"), ("cabinet", "Cabinet"), ("cancel", "Cancel what you are typing"), ("help", "Help")],
}


def build_bot(token: str, api_base: str) -> Bot:
    return Bot(token, session=build_session(api_base))


def build_dispatcher(deps: BotDeps, bot_id: int) -> Dispatcher:
    # a blocking pool: a burst of updates (handled as concurrent tasks) waits for a connection
    # instead of failing with MaxConnectionsError past redis-py's 100 (bench/telegram_updates)
    pool = aioredis.BlockingConnectionPool.from_url(deps.redis_url, max_connections=100,
                                                   timeout=10)
    client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
    storage = RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="chatpay:tg:fsm",
                                                                 with_bot_id=True))
    dp = Dispatcher(storage=storage, deps=deps, in_flight=InFlight(), update_failures=client,
                    conversation=Conversation(deps, FEATURES))
    dp.update.outer_middleware(dp["in_flight"])
    dp.update.outer_middleware(DropRepeatedUpdates(client, bot_id))
    dp.update.outer_middleware(SellerContext(deps))
    dp.errors.register(fallback.unavailable, fallback.FILTER)
    dp.errors.register(fallback.failed)  # anything else: "something went wrong", logged, counted
    # the conversation layer answers what any feature answers; the fallback, anything else
    dp.include_routers(*(_own_copy(r) for r in (conversation.router, fallback.router)))
    return dp


def _own_copy(router: Router) -> Router:
    """A dispatcher's own router with the module router's handlers.

    aiogram attaches a router to one parent only, and the handler modules' routers are
    module-level, so a second dispatcher in one process (a second stack in the tests, a bot
    restarted in `chatpay up`) would fail with "Router is already attached".
    """
    fresh = Router(name=router.name)
    for event, observer in router.observers.items():
        fresh.observers[event].handlers.extend(observer.handlers)
    return fresh


async def set_commands(bot: Bot, cabinet_url: str = "") -> None:
    """The bot's commands, and (given its URL) the chat's menu button opening the cabinet."""
    for lang in LANGUAGES:
        await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS[lang]],
                                  language_code=lang)
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS["en"]])
    if cabinet_url:
        from aiogram.exceptions import TelegramBadRequest

        from bots.telegram.conversation import menu_button
        try:
            await bot.set_chat_menu_button(menu_button=menu_button(cabinet_url))
        except TelegramBadRequest as exc:  # e.g. an http:// PUBLIC_BASE_URL: the bot runs anyway
            log.warning("Telegram refused the cabinet's menu button (%s): %s.", cabinet_url, exc)


async def run_polling(deps: BotDeps) -> None:
    bot = build_bot(deps.settings.telegram_bot_token, deps.settings.telegram_base)
    me = await bot.get_me()
    dp = build_dispatcher(deps, me.id)
    await set_commands(bot, cabinet_url(deps.settings))
    await bot.delete_webhook(drop_pending_updates=False)
    log.info("Telegram bot @%s polling %s.", me.username, deps.settings.telegram_base)
    try:
        # SIGTERM/SIGINT stop the polling; the updates already taken are handled to the end
        await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
        if left := await dp["in_flight"].drain(DRAIN_TIMEOUT):
            log.warning("Stopped with %d update(s) still being handled.", left)
    finally:
        await dp.storage.close()
        await bot.session.close()
