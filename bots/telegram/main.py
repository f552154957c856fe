"""`chatpay telegram`'s composition root: the bot needs the database, the bus and Redis for its
dialog state; it sends nothing through the workers' senders and holds no provider client."""
from __future__ import annotations

from bots.telegram.deps import BotDeps
from domain.ports import LIQPAY_CURRENCIES
from storage.settings import Settings
from storage.wiring import Store, open_store


def bot_deps(settings: Settings, redis_url: str, store: Store | None = None) -> BotDeps:
    store = store or open_store(settings, redis_url)
    return BotDeps(settings=settings, uow=store.uow, bus=store.bus,
                   currencies=LIQPAY_CURRENCIES, redis_url=redis_url)


def run(settings: Settings, redis_url: str) -> None:
    """Long polling, or the webhook when TELEGRAM_MODE=webhook, until SIGTERM or SIGINT."""
    import asyncio

    from bots.telegram.app import run_polling
    from bots.telegram.webhook import run_webhook

    serve = run_webhook if settings.telegram_mode == "webhook" else run_polling
    asyncio.run(serve(bot_deps(settings, redis_url)))
