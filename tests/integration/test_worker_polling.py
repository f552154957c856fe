"""The worker as `chatpay worker` starts it (storage.queue.start_worker) on a real Redis: commands
and delayed commands are handled, a delayed one never before its time, and the idle polling is
what keeps tap -> QR prompt without waking every thread."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.common import dq_name

from storage.queue import DELAY_POLL_MS, QUEUE, PollingRedisBroker, make_broker, start_worker


@pytest.fixture
def broker(redis_url: str) -> Iterator[PollingRedisBroker]:
    broker = make_broker(redis_url)
    yield broker
    broker.close()


def test_an_idle_worker_polls_the_queue_often_and_the_delay_queue_less(
        broker: PollingRedisBroker) -> None:
    broker.poll_ms = 10
    assert broker.consume(QUEUE, timeout=200).timeout == 10
    assert broker.consume(dq_name(QUEUE), timeout=200).timeout == DELAY_POLL_MS
    broker.poll_ms = 250  # a slower poll asked for is kept for both
    assert broker.consume(QUEUE, timeout=250).timeout == 250
    assert broker.consume(dq_name(QUEUE), timeout=250).timeout == 250


def test_commands_and_delayed_commands_are_handled_and_never_early(
        broker: PollingRedisBroker) -> None:
    handled: dict[str, float] = {}
    done = threading.Event()

    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="probe")
    def probe(name: str) -> None:
        handled[name] = time.monotonic()
        if len(handled) == 2:
            done.set()

    worker = start_worker(broker, threads=2, poll_ms=10)
    try:
        sent = time.monotonic()
        probe.send_with_options(args=("later",), delay=700)
        probe.send("now")
        assert done.wait(20), f"handled only {sorted(handled)}"
    finally:
        worker.stop()
    assert handled["now"] < handled["later"]
    assert handled["later"] - sent >= 0.7
