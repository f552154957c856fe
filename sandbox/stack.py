"""The development composition: everything chatpay runs, in one process, beside the sandbox.

`chatpay up` (a newcomer's first run) and the e2e tests use it: the web edge with the sandbox
mounted (the LiqPay sandbox, the Telegram and Viber emulators, the outbox), a Dramatiq worker,
the Telegram bot (polling the emulator, or Telegram when a real token is set) and the scheduler,
on the configured database and Redis. Production runs the same parts as separate processes
(Procfile), each from its own root (web/main.py, bots/telegram/main.py, workers/main.py); this
module and the tests are the only importers of `sandbox`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dramatiq
import redis
from dramatiq.common import dq_name

from bots.cabinet import cabinet_url
from bots.telegram.app import build_bot, build_dispatcher, set_commands
from bots.telegram.deps import BotDeps
from bots.telegram.main import bot_deps
from bots.viber.webhook import PATH as VIBER_WEBHOOK_PATH
from sandbox import live
from sandbox.loopback import serve_in_thread
from storage.migrate import upgrade
from storage.queue import BACKGROUND_QUEUE, POLL_MS, QUEUE, QUEUES, Workers
from storage.settings import Settings, SettingsError, is_stand_in
from storage.wiring import open_store
from web import main as web
from workers import actors, runtime, scheduler

log = logging.getLogger(__name__)

SANDBOX_PAGE = "/sandbox/"  #: the one page a newcomer opens: both chats, the phone, the outbox


def sandbox_mounts(settings: Settings, redis_url: str) -> dict[str, Any]:
    """What `chatpay web` serves beside the product in development: the LiqPay sandbox (with the
    platform's keys; unless LIQPAY_API_BASE points elsewhere) and the outbox of what
    SMS_BACKEND=log and no SMTP_URL would have sent; the Checkbox stand-in for sellers' fiscal
    receipts unless CHECKBOX_API_BASE points elsewhere."""
    from sandbox.checkbox import Checkbox
    from sandbox.liqpay import LiqPaySandbox
    from sandbox.monobank import MonobankSandbox
    from sandbox.outbox import outbox_app, receipt_keeper

    mounts: dict[str, Any] = {}
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    if not settings.checkbox_api_base:
        mounts["/sandbox/checkbox"] = Checkbox(on_issued=receipt_keeper(
            client, settings.checkbox_receipts)).asgi()
    if settings.serves_sandbox:
        mounts["/sandbox/liqpay"] = LiqPaySandbox(
            {settings.liqpay_public_key: settings.liqpay_private_key}
            if settings.platform_account else {}).app
    if settings.serves_monobank_stand_in:
        mounts["/sandbox/monobank"] = MonobankSandbox().app
    mounts["/sandbox/outbox"] = outbox_app(client)
    return mounts


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
    #: called with a line as each part comes up (`chatpay up` prints them)
    progress: Callable[[str], None] = lambda line: None
    base_url: str = ""
    telegram: Any = None
    viber: Any = None
    sandbox: Any = None
    checkbox: Any = None  #: the Checkbox stand-in served at /sandbox/checkbox
    monobank: Any = None  #: the monobank stand-in served at /sandbox/monobank
    broker: Any = None  #: the workers' broker, once started
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def start(self) -> Stack:
        if self.emulators and self.settings.production:
            raise SettingsError("Setting CHATPAY_ENV is production, and production serves nothing "
                                "of the sandbox or the emulators: run the Procfile's processes "
                                "instead of `chatpay up`.")
        upgrade(self.settings.database)
        self.progress(f"database migrated ({self.settings.database.split('@')[-1]})")
        mounts = self._emulators() if self.emulators else {}
        process = web.build(self.settings, self.redis_url, mounts)
        self._stops.append(process.close)
        self.base_url, stop_web = serve_in_thread(process.app, self.settings.host,
                                                  self.settings.port)
        # stopping: the pages' live streams end first, so the server stops at once
        self._stops += [live.closing.clear, stop_web, live.closing.set]
        self.progress(f"web edge listening on {self.base_url}")
        if self.emulators and self.viber is not None:  # the emulated Viber calls our webhook
            self._set_viber_webhook()

        deps = runtime.bootstrap(self.settings, redis_url=self.redis_url)
        runtime.configure(deps)
        self._stops.append(lambda: deps.engine.dispose() if deps.engine else None)
        actors.declare(deps.bus.broker)
        self.broker = deps.bus.broker
        worker = Workers(deps.bus.broker, {QUEUE: self.worker_threads,
                                           BACKGROUND_QUEUE: self.background_threads},
                         poll_ms=self.worker_timeout_ms)
        # the worker, the scheduler and the bot each wait out an idle poll as they stop: they
        # are stopped at once, not one after another (the tests stop a stack per test)
        running: list[Callable[[], None]] = [worker.stop]
        self._stops.append(lambda: at_once(running))
        self.progress(f"worker started ({self.worker_threads} + {self.background_threads} "
                      "threads)")

        if self.run_scheduler:
            stop = threading.Event()
            thread = threading.Thread(target=scheduler.run_forever, args=(deps, stop),
                                      daemon=True, name="scheduler")
            thread.start()
            running.append(lambda: (stop.set(), thread.join(10)))
        if self.run_bot:
            store = open_store(self.settings, self.redis_url)
            bot: list[Callable[[], None]] = [store.close]  # closed once the bot stops
            running.append(lambda: [part() for part in reversed(bot)])
            bot.append(start_bot_thread(bot_deps(self.settings, self.redis_url, store)))
            self.progress(f"Telegram bot polling {self.settings.telegram_base}")
        return self

    def drain(self, timeout: float = 20.0, due_within: float = 1.0) -> None:
        """Wait until the bot has taken every update the emulator holds for it, then until the
        workers have nothing left to do (see `drain`)."""
        deadline = time.monotonic() + timeout
        while self.run_bot and self.telegram is not None and self.telegram.unconfirmed_updates():
            if time.monotonic() > deadline:
                raise TimeoutError(f"The bot did not take its updates within {timeout} s.")
            time.sleep(0.02)
        drain(self.broker, timeout=max(deadline - time.monotonic(), 1.0), due_within=due_within)

    def _set_viber_webhook(self) -> None:
        from workers.messengers.viber import ViberApi

        api = ViberApi(self.settings.viber_auth_token, self.settings.viber_base)
        try:
            api.set_webhook(f"{self.base_url}{VIBER_WEBHOOK_PATH}")
        finally:
            api.close()
        self.progress(f"Viber bot: the emulator calls {self.base_url}{VIBER_WEBHOOK_PATH}")

    def _emulators(self) -> dict[str, Any]:
        """The sandbox's mounts; a part whose real service is configured is not emulated."""
        from sandbox.checkbox import Checkbox
        from sandbox.liqpay import LiqPaySandbox
        from sandbox.monobank import MonobankSandbox
        from sandbox.outbox import outbox_app, receipt_keeper
        from sandbox.page import page_app
        from sandbox.telegram import TelegramEmulator
        from sandbox.viber import ViberEmulator

        mounts: dict[str, Any] = {}
        kept = EmulatorCounters(self.settings.var_dir / COUNTERS_FILE)
        if self.settings.telegram_emulated:
            self.telegram = TelegramEmulator()
            self.telegram.add_bot(self.settings.telegram_bot_token)
            kept.follow("telegram", self.telegram)
            mounts["/emulator/telegram"] = self.telegram.app
        if self.settings.viber_emulated:
            self.viber = ViberEmulator()
            self.viber.add_account(self.settings.viber_auth_token, self.settings.viber_bot_name)
            kept.follow("viber", self.viber)
            mounts["/emulator/viber/pa"] = self.viber.app
        self._stops.append(kept.save)
        platform = ({self.settings.liqpay_public_key: self.settings.liqpay_private_key}
                    if self.settings.platform_account else {})
        self.sandbox = LiqPaySandbox(platform)
        mounts["/sandbox/liqpay"] = self.sandbox.app
        if self.settings.serves_monobank_stand_in:
            self.monobank = MonobankSandbox()
            mounts["/sandbox/monobank"] = self.monobank.app
        outbox_redis = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        self._stops.append(outbox_redis.close)
        if not self.settings.checkbox_api_base:  # sellers' PRRO: the Checkbox stand-in
            self.checkbox = Checkbox(on_issued=receipt_keeper(
                outbox_redis, self.settings.checkbox_receipts))
            mounts["/sandbox/checkbox"] = self.checkbox.asgi()
        mounts["/sandbox/outbox"] = outbox_app(outbox_redis)
        # last: the paths above are matched first
        mounts["/sandbox"] = page_app(telegram=self.telegram is not None,
                                      viber=self.viber is not None, people=people,
                                      make_agent=make_agent)
        return mounts

    def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception:
                log.exception("Stopping a part of the stack failed.")
        self._stops.clear()


def at_once(stops: list[Callable[[], None]]) -> None:
    """Call every one of `stops` each in its own thread; return once all have returned."""
    def call(stop: Callable[[], None]) -> None:
        try:
            stop()
        except Exception:
            log.exception("Stopping a part of the stack failed.")

    threads = [threading.Thread(target=call, args=(stop,), name="stopping") for stop in stops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drain(broker: Any, *, timeout: float = 20.0, due_within: float = 1.0) -> None:
    """Wait until no command is queued or being handled on any queue, and none is delayed to
    within `due_within` seconds (a retry's back-off, a deferred send); raise TimeoutError if that
    takes longer than `timeout`.

    A message leaves Redis only when its handler has finished, and a handler publishes what it
    causes before that, so once this returns whatever the commands so far were going to do is
    done: a test can then check that nothing more happened, without sleeping on it.
    """
    deadline = time.monotonic() + timeout
    while _busy(broker, due_within):
        if time.monotonic() > deadline:
            raise TimeoutError(f"The queues were not drained within {timeout} s.")
        time.sleep(0.02)


def _busy(broker: Any, due_within: float) -> bool:
    client, namespace = broker.client, broker.namespace
    horizon_ms = (time.time() + due_within) * 1000
    for queue in QUEUES:
        if client.hlen(f"{namespace}:{queue}.msgs"):
            return True
        for raw in client.hvals(f"{namespace}:{dq_name(queue)}.msgs"):
            if dramatiq.Message.decode(raw).options.get("eta", 0) <= horizon_ms:
                return True
    return False


COUNTERS_FILE = "emulators.json"  #: under VAR_DIR: where the emulators' numbering goes on


class EmulatorCounters:
    """The emulators' update and message numbering, kept in VAR_DIR across `chatpay up` runs:
    the bot remembers (in Redis, also kept there) the ids it handled, and would take a new
    message that reused one for a repeat and ignore it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.followed: dict[str, Any] = {}
        try:
            self.saved: dict[str, dict[str, int]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.saved = {}

    def follow(self, name: str, emulator: Any) -> None:
        """Go on from the saved numbering, and save this emulator's at `save`."""
        emulator.resume(self.saved.get(name, {}))
        self.followed[name] = emulator

    def save(self) -> None:
        counters = {name: emulator.counters() for name, emulator in self.followed.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(counters), encoding="utf-8")
        temporary.replace(self.path)


def people() -> dict[str, Any]:
    """Who the sandbox page's chats are: the newest sellers and the support agents."""
    with runtime.deps().uow().readonly() as uow:
        sellers = [{"channel": s.channel, "id": s.external_id, "name": s.shop_name or s.name}
                   for s in uow.sellers.latest()]
        agents = uow.agents.active()
    return {"sellers": sellers, "agents": agents}


def make_agent(channel: str, external_id: str) -> bool:
    """The sandbox page's one click: `chatpay support add <channel>:<id>`, on this stack's
    database (development only)."""
    from datetime import UTC, datetime
    with runtime.deps().uow() as uow:
        added = uow.agents.add(channel, external_id, datetime.now(UTC), source="sandbox")
        uow.commit()
    return added


def run_up(settings: Settings, say: Callable[[str], None], stop: threading.Event) -> None:
    """`chatpay up`: start every part, saying so as each comes up; on `stop` (Ctrl-C), stop
    every part it started, the embedded Redis server included (its data kept under VAR_DIR)."""
    from storage.redis import (
        embedded_redis_running,
        ensure_embedded_redis,
        stop_embedded_redis,
    )

    settings = with_real_services(settings)
    stops: list[Callable[[], None]] = []
    try:
        if settings.redis_url:
            redis_url = settings.redis_url
            say(f"Redis: {settings.redis_url.rpartition('@')[2]}")
        else:
            directory = settings.var_dir / "redis"
            running = embedded_redis_running(directory)  # another chatpay process's: kept
            if not running:
                stops.append(lambda: stop_embedded_redis(directory, save=True))
            redis_url = ensure_embedded_redis(directory)
            say(f"Redis: the embedded server already running under {directory}" if running
                else f"Redis started (embedded, under {directory})")
        for line in real_services(settings):
            say(line)
        stack = Stack(settings, redis_url, progress=say)
        stops.append(stack.stop)
        stack.start()
        say(f"chatpay is running. Open {stack.base_url}{SANDBOX_PAGE} (the sandbox: the seller's "
            "chats, the buyer's phone and the outbox). Press Ctrl-C to stop.")
        stop.wait()
        say("Stopping…")
    finally:
        for part in reversed(stops):
            try:
                part()
            except Exception:
                log.exception("Stopping a part of chatpay failed.")
    say("Stopped.")


def with_real_services(settings: Settings) -> Settings:
    """A real token set (not the emulator's) and no API base given: the real service, not its
    emulator."""
    from storage.settings import (
        EMULATOR_TELEGRAM_TOKEN,
        EMULATOR_VIBER_TOKEN,
        TELEGRAM_API,
        VIBER_API,
    )

    real: dict[str, str] = {}
    if settings.telegram_bot_token != EMULATOR_TELEGRAM_TOKEN and not settings.telegram_api_base:
        real["telegram_api_base"] = TELEGRAM_API
    if settings.viber_auth_token != EMULATOR_VIBER_TOKEN and not settings.viber_api_base:
        real["viber_api_base"] = VIBER_API
    return settings.model_copy(update=real) if real else settings


def real_services(settings: Settings) -> list[str]:
    """A line for each outside service `chatpay up` uses for real instead of its stand-in."""
    lines = []
    if not settings.telegram_emulated:
        lines.append(f"Telegram: TELEGRAM_BOT_TOKEN is set, so the bot talks to "
                     f"{settings.telegram_base}, not the emulator.")
    if not settings.viber_emulated:
        lines.append(f"Viber: VIBER_AUTH_TOKEN is set, so the bot talks to {settings.viber_base}, "
                     "not the emulator; Viber must reach PUBLIC_BASE_URL (chatpay viber "
                     "set-webhook).")
    if not is_stand_in(settings.liqpay_base):
        lines.append(f"LiqPay: payments go to {settings.liqpay_base}, not the sandbox.")
    return lines


def start_bot_thread(deps: BotDeps) -> Callable[[], None]:
    """Run the Telegram bot's polling loop in its own thread; returns a function that stops it."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        bot = build_bot(deps.settings.telegram_bot_token, deps.settings.telegram_base)
        me = await bot.get_me()
        dp = build_dispatcher(deps, me.id)
        holder["dp"] = dp
        await set_commands(bot, cabinet_url(deps.settings))
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
