"""Everything chatpay runs, in one process: the newcomer's `chatpay up`, and the e2e tests.

Web edge (with the LiqPay sandbox and the messenger emulators mounted), a Dramatiq worker, the
Telegram bot (polling the emulator or Telegram) and the scheduler, on the configured database
and Redis. Production runs the same parts as separate processes (Procfile).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

import redis

from bots.telegram.app import build_bot, build_dispatcher, set_commands
from bots.telegram.deps import BotDeps
from bots.viber.dialog import ViberDeps
from bots.viber.webhook import PATH as VIBER_WEBHOOK_PATH
from bots.viber.webhook import viber_routes
from sandbox.loopback import serve_in_thread
from storage.migrate import upgrade
from storage.queue import BACKGROUND_QUEUE, POLL_MS, QUEUE, Workers
from storage.settings import Settings, SettingsError
from web.app import WebDeps, create_app
from workers import actors, runtime, scheduler
from workers.messengers.viber import ViberApi
from workers.providers.liqpay import LiqPayClient

log = logging.getLogger(__name__)


@dataclass
class Stack:
    settings: Settings
    redis_url: str
    emulators: bool = True
    worker_threads: int = 4  #: for the seller-facing queue
    background_threads: int = 2  #: for status polls and expiries
    worker_timeout_ms: int = POLL_MS  #: longest an idle worker waits before asking Redis anyway
    run_scheduler: bool = True
    run_bot: bool = True
    base_url: str = ""
    telegram: object | None = None
    viber: object | None = None
    sandbox: object | None = None
    _stops: list = field(default_factory=list)  # type: ignore[type-arg]

    def start(self) -> Stack:
        if self.emulators and self.settings.production:
            raise SettingsError("Setting CHATPAY_ENV is production, and production serves nothing "
                                "of the sandbox or the emulators: run the Procfile's processes "
                                "instead of `chatpay up`.")
        upgrade(self.settings.database)
        deps = runtime.bootstrap(self.settings, redis_url=self.redis_url)
        runtime.configure(deps)
        self._stops.append(lambda: deps.engine.dispose() if deps.engine else None)
        mounts = self._emulators() if self.emulators else {}
        providers = {deps.accounts.name: deps.accounts}  # each callback checked with its account
        viber_api = ViberApi(self.settings.viber_auth_token, self.settings.viber_base)
        self._stops.append(viber_api.close)
        viber_redis = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        viber = viber_routes(ViberDeps(settings=self.settings, uow=deps.uow, bus=deps.bus,
                                       currencies=LiqPayClient.currencies, redis=viber_redis),
                             viber_api)
        app = create_app(WebDeps(settings=self.settings, uow=deps.uow, providers=providers,
                                 bus=deps.bus, mounts=mounts, extra_routes=[viber]))
        self.base_url, stop_web = serve_in_thread(app, self.settings.host, self.settings.port)
        self._stops.append(stop_web)
        if self.emulators:  # the emulated Viber calls our webhook, as Viber would once told
            viber_api.set_webhook(f"{self.base_url}{VIBER_WEBHOOK_PATH}")

        actors.declare(deps.bus.broker)
        worker = Workers(deps.bus.broker, {QUEUE: self.worker_threads,
                                           BACKGROUND_QUEUE: self.background_threads},
                         poll_ms=self.worker_timeout_ms)
        self._stops.append(worker.stop)

        if self.run_scheduler:
            stop = threading.Event()
            threading.Thread(target=scheduler.run_forever, args=(deps, stop), daemon=True,
                             name="scheduler").start()
            self._stops.append(stop.set)
        if self.run_bot:
            bot_deps = BotDeps(settings=self.settings, uow=deps.uow, bus=deps.bus,
                               currencies=LiqPayClient.currencies, redis_url=self.redis_url)
            self._stops.append(start_bot_thread(bot_deps))
        return self

    def _emulators(self) -> dict[str, object]:
        from sandbox.liqpay import LiqPaySandbox
        from sandbox.telegram import TelegramEmulator
        from sandbox.viber import ViberEmulator

        self.telegram = TelegramEmulator()
        self.telegram.add_bot(self.settings.telegram_bot_token)
        self.viber = ViberEmulator()
        self.viber.add_account(self.settings.viber_auth_token, self.settings.viber_bot_name)
        platform = ({self.settings.liqpay_public_key: self.settings.liqpay_private_key}
                    if self.settings.platform_account else {})
        self.sandbox = LiqPaySandbox(platform)
        from sandbox.outbox import outbox_app
        outbox_redis = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        return {"/sandbox/outbox": outbox_app(outbox_redis),
                "/emulator/telegram": self.telegram.app,  # type: ignore[attr-defined]
                "/emulator/viber/pa": self.viber.app,  # type: ignore[attr-defined]
                "/sandbox/liqpay": self.sandbox.app}  # type: ignore[attr-defined]

    def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception:
                log.exception("Stopping a part of the stack failed.")
        self._stops.clear()


def start_bot_thread(deps: BotDeps):  # type: ignore[no-untyped-def]
    """Run the Telegram bot's polling loop in its own thread; returns a function that stops it."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        bot = build_bot(deps.settings.telegram_bot_token, deps.settings.telegram_base)
        me = await bot.get_me()
        dp = build_dispatcher(deps, me.id)
        holder["dp"] = dp
        await set_commands(bot)
        ready.set()
        try:
            await dp.start_polling(bot, handle_signals=False, close_bot_session=True,
                                   polling_timeout=1)
        finally:
            await dp.storage.close()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except Exception:
            log.exception("The Telegram bot stopped.")
            ready.set()

    thread = threading.Thread(target=run, daemon=True, name="telegram-bot")
    thread.start()
    ready.wait(15)

    def stop() -> None:
        dp = holder.get("dp")
        if dp is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(dp.stop_polling(), loop)  # type: ignore[attr-defined]
        thread.join(10)

    return stop
