"""Outbound sends from several workers share one schedule in Redis, so the messenger's limits
hold however many worker threads or processes are sending."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from domain.errors import MessengerRateLimited
from domain.messaging import OutboundMessage
from sandbox.loopback import serve_in_thread
from sandbox.telegram import TelegramEmulator
from sandbox.viber import ViberEmulator
from workers.messengers.ratelimit import RedisRateLimiter
from workers.messengers.telegram import TelegramSender
from workers.messengers.viber import ViberApi, ViberSender

TOKEN = "42:schedule-test"


@pytest.fixture
def telegram() -> Iterator[tuple[TelegramEmulator, str]]:
    emulator = TelegramEmulator(global_rate=30, per_chat_rate=1)
    emulator.add_bot(TOKEN)
    base, stop = serve_in_thread(emulator.app)
    yield emulator, base
    stop()


def test_two_senders_never_break_telegrams_per_chat_limit(
        telegram: tuple[TelegramEmulator, str], redis_url: str) -> None:
    emulator, base = telegram
    for chat in (1, 2):
        emulator.user_sends_text(chat, "/start")
    client = redis.Redis.from_url(redis_url)
    # two senders, as two worker processes would have, on one schedule
    senders = [TelegramSender(TOKEN, base, RedisRateLimiter(client, 30, 1.0, prefix="t:rl"))
               for _ in range(2)]
    failures: list[BaseException] = []

    def send(sender: TelegramSender, chat: int, count: int) -> None:
        try:
            for i in range(count):
                message = OutboundMessage("telegram", str(chat), f"message {i}")
                try:
                    sender.send(message)
                except MessengerRateLimited as exc:  # what the actor does: wait, send again
                    time.sleep(exc.retry_after)
                    sender.send(message)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    began = time.monotonic()
    threads = [threading.Thread(target=send, args=(senders[0], c, 2)) for c in (1, 2)]
    threads += [threading.Thread(target=send, args=(senders[1], c, 1)) for c in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    elapsed = time.monotonic() - began

    assert failures == []
    assert [len(emulator.sent(c)) for c in (1, 2)] == [3, 3]
    assert emulator.stats["violations"] == 0
    assert emulator.stats["too_many_requests"] <= 1  # only from arrival jitter, and retried
    assert elapsed >= 2.0  # three messages to one chat need two one-second gaps


def test_the_viber_sender_keeps_to_its_configured_rate(redis_url: str) -> None:
    emulator = ViberEmulator()
    emulator.add_account("viber-token")
    base, stop = serve_in_thread(emulator.app)
    hook_url, stop_hook = serve_in_thread(Starlette(routes=[
        Route("/hook", lambda request: PlainTextResponse("ok"), methods=["POST"])]))
    try:
        ViberApi("viber-token", base).set_webhook(f"{hook_url}/hook")
        emulator.user_sends_text("u1", "hi")  # a user who wrote is subscribed
        limiter = RedisRateLimiter(redis.Redis.from_url(redis_url), 5, 0, prefix="v:rl")
        sender = ViberSender("viber-token", base, limiter=limiter)
        began = time.monotonic()
        for i in range(6):
            sender.send(OutboundMessage("viber", "u1", f"message {i}"))
        elapsed = time.monotonic() - began
    finally:
        stop()
        stop_hook()
    assert len(emulator.sent("u1")) == 6
    assert elapsed >= 1.0  # 6 messages at 5 a second: five 200 ms gaps


def test_a_button_edit_waits_for_a_quiet_chat_and_never_delays_a_message(
        redis_url: str) -> None:
    """Trimming an old message's buttons is a courtesy: it takes a chat's slot only once the chat
    has been quiet for a whole interval, so a seller's next message never waits behind it."""
    client = redis.Redis.from_url(redis_url)
    limiter = RedisRateLimiter(client, global_rate=1000, chat_interval=0.3,
                               prefix=f"t:{time.monotonic_ns()}")
    limiter.acquire("42")                       # a message just went to the chat
    assert limiter.try_acquire_idle("42") is False
    started = time.monotonic()
    limiter.acquire("42")                       # the next message is not delayed by the edit
    assert time.monotonic() - started < 0.45    # one interval (0.3 s + margin), not two
    time.sleep(0.8)                             # quiet for a whole interval after its slot
    assert limiter.try_acquire_idle("42") is True
    assert limiter.try_acquire_idle("42") is False  # its own slot counts as the chat's last
