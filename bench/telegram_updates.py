"""Updates/s through chatpay's aiogram dispatcher (build_dispatcher: middlewares, Redis FSM, database
look-up of the seller) versus a bare aiogram echo bot, polling the same Telegram emulator.

A burst of N text updates from N/10 registered sellers ("/help"... the real handlers answer) is
pushed at once; the figure is N / (time until N replies are stored by the emulator).

    .venv/bin/python bench/telegram_updates.py [--db sqlite|postgres] [--updates 2000] [--quick]
"""
from __future__ import annotations

import asyncio
import statistics
import threading
import time

import _common as c


def run_bot(make_dp, token: str, base: str) -> tuple[object, threading.Thread]:  # type: ignore[no-untyped-def]
    from bots.telegram.app import build_bot
    loop = asyncio.new_event_loop()
    holder: dict[str, object] = {}
    ready = threading.Event()

    async def main() -> None:
        bot = build_bot(token, base)
        me = await bot.get_me()
        dp = make_dp(me.id)
        holder["dp"] = dp
        ready.set()
        await dp.start_polling(bot, handle_signals=False, close_bot_session=True, polling_timeout=1)

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    ready.wait(15)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(holder["dp"].stop_polling(), loop)  # type: ignore[attr-defined]
        thread.join(10)
    return stop, thread


def burst(tg, token: str, chats: list[int], n: int, text: str) -> float:  # type: ignore[no-untyped-def]
    base = tg.stats["sendMessage"]
    t0 = time.monotonic()
    for k in range(n):
        tg.user_sends_text(chats[k % len(chats)], text, token=token)
    deadline = t0 + 120
    while tg.stats["sendMessage"] - base < n and time.monotonic() < deadline:
        time.sleep(0.005)
    done = tg.stats["sendMessage"] - base
    return done / (time.monotonic() - t0)


def echo_dispatcher(_bot_id: int):  # type: ignore[no-untyped-def]
    """A bare aiogram bot: answers every text with the same text, nothing else."""
    from aiogram import Dispatcher, Router
    from aiogram.types import Message
    router = Router()

    @router.message()
    async def echo_handler(message: Message) -> None:
        await message.answer(message.text or "?")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def echo_updates_per_s(n: int, chats: int = 100) -> float:
    """Updates/s of a bare aiogram echo bot and the emulator it polls, alone on this machine:
    the most any aiogram bot could handle here. Best of three bursts."""
    from sandbox.loopback import serve_in_thread
    from sandbox.telegram import TelegramEmulator
    token = "222222:bench-echo"
    tg = TelegramEmulator()
    tg.add_bot(token)
    base, stop_web = serve_in_thread(tg.app)
    stop, _ = run_bot(echo_dispatcher, token, base)
    ids = [700_000 + i for i in range(chats)]
    try:
        burst(tg, token, ids, min(50, n), "warm-up")
        return max(burst(tg, token, ids, n, "/help") for _ in range(3))
    finally:
        stop()
        stop_web()


def echo_cpu_ms_per_update(n: int, chats: int = 100) -> float:
    """CPU ms a bare aiogram echo bot spends per update (its own thread's CPU only: the emulator
    it polls runs in other threads), the least of three bursts of `n`."""
    from sandbox.loopback import serve_in_thread
    from sandbox.telegram import TelegramEmulator
    token = "222222:bench-echo"
    tg = TelegramEmulator()
    tg.add_bot(token)
    base, stop_web = serve_in_thread(tg.app)
    stop, thread = run_bot(echo_dispatcher, token, base)
    clock = time.pthread_getcpuclockid(thread.ident)  # type: ignore[arg-type]
    ids = [700_000 + i for i in range(chats)]
    try:
        burst(tg, token, ids, min(50, n), "warm-up")
        spent = []
        for _ in range(3):
            before = time.clock_gettime(clock)
            burst(tg, token, ids, n, "/help")
            spent.append(time.clock_gettime(clock) - before)
        return min(spent) * 1000 / n
    finally:
        stop()
        stop_web()


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--updates", type=int, default=0)
    p.add_argument("--text", default="/help")
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    n = a.updates or (300 if a.quick else 2000)
    from bots.telegram.app import build_dispatcher
    from bots.telegram.deps import BotDeps
    from sandbox.loopback import serve_in_thread
    from sandbox.telegram import TelegramEmulator
    from storage.db import make_engine, make_session_factory
    from storage.queue import CommandBus, make_broker
    from storage.settings import load_settings
    from storage.uow import UnitOfWork
    from workers.providers.liqpay import LiqPayClient

    ours, echo = "111111:bench-ours", "222222:bench-echo"
    tg = TelegramEmulator()
    tg.add_bot(ours)
    tg.add_bot(echo)
    base, stop_web = serve_in_thread(tg.app)
    chats = [600_000 + i for i in range(max(1, n // 10))]
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        settings = load_settings(database_url=db, redis_url=r, var_dir=d)
        engine = make_engine(db)
        factory = make_session_factory(engine)
        deps = BotDeps(settings=settings, uow=lambda: UnitOfWork(factory),
                       bus=CommandBus(make_broker(r)), currencies=LiqPayClient.currencies,
                       redis_url=r)
        stop_ours, _ = run_bot(lambda bot_id: build_dispatcher(deps, bot_id), ours, base)
        for chat in chats:  # register the sellers (one contact each)
            tg.user_sends_text(chat, "/start", token=ours)
            tg.wait_for(chat, lambda m: "номер" in (m.get("text") or ""), token=ours)
            tg.user_shares_contact(chat, f"+38050{chat % 10_000_000:07d}", token=ours)
            tg.wait_for(chat, lambda m: "UAH" in (m.get("text") or ""), token=ours)

        stop_echo, _ = run_bot(echo_dispatcher, echo, base)
        burst(tg, ours, chats, min(50, n), a.text)  # warm-up
        burst(tg, echo, chats, min(50, n), a.text)
        # both bots poll throughout; their bursts alternate, so a busy moment of the machine
        # falls on both sides rather than skewing the ratio; the medians are reported
        rounds = [(burst(tg, ours, chats, n, a.text), burst(tg, echo, chats, n, a.text))
                  for _ in range(a.rounds)]
        stop_ours()
        stop_echo()
        engine.dispose()
    stop_web()
    ours_rate = statistics.median(o for o, _ in rounds)
    echo_rate = statistics.median(e for _, e in rounds)
    c.emit("telegram_updates", db=a.db, updates=n, chats=len(chats), text=a.text,
           rounds=a.rounds, ours_updates_per_s=round(ours_rate, 1),
           echo_updates_per_s=round(echo_rate, 1), ratio=round(ours_rate / echo_rate, 3),
           ratios=[round(o / e, 3) for o, e in rounds], target_ratio=0.70)


if __name__ == "__main__":
    main()
