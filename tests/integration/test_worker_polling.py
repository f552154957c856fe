"""The worker as `chatpay worker` starts it (storage.queue.start_worker) on a real Redis: a new
command wakes an idle worker instead of waiting for its next poll, delayed commands are handled
never before their time, and the delay queue is polled less often."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.common import dq_name

from storage.queue import (
    DELAY_POLL_MS,
    QUEUE,
    WAKE_TOKENS,
    PollingRedisBroker,
    make_broker,
    start_worker,
)


@pytest.fixture
def broker(redis_url: str) -> Iterator[PollingRedisBroker]:
    broker = make_broker(redis_url)
    yield broker
    broker.close()


def test_each_command_leaves_one_wake_up_and_a_delayed_one_none(
        broker: PollingRedisBroker) -> None:
    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="noop")
    def noop() -> None: ...

    key = broker.wake_key(QUEUE)
    noop.send()
    noop.send_with_options(delay=60_000)
    assert broker.client.llen(key) == 1
    for _ in range(WAKE_TOKENS * 2):  # nobody consuming: the list stays short
        noop.send()
    assert broker.client.llen(key) == WAKE_TOKENS


def test_the_delay_queue_is_polled_and_the_queue_waited_on(broker: PollingRedisBroker) -> None:
    broker.poll_ms = 10
    assert broker.consume(dq_name(QUEUE)).timeout == DELAY_POLL_MS
    assert broker.consume(QUEUE).wait_s == 0.010  # type: ignore[attr-defined]
    broker.poll_ms = 250  # a slower poll asked for is kept for both
    assert broker.consume(dq_name(QUEUE)).timeout == 250
    assert broker.consume(QUEUE).wait_s == 0.250  # type: ignore[attr-defined]


def test_a_new_command_wakes_an_idle_worker_long_before_its_next_poll(
        broker: PollingRedisBroker) -> None:
    handled = threading.Event()

    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="probe")
    def probe() -> None:
        handled.set()

    worker = start_worker(broker, threads=1, poll_ms=30_000)  # waits at most 2.5 s, the
    stopped = threading.Event()  # client's 5 s socket timeout halved
    try:
        time.sleep(1)  # the consumer found the queue empty and waits on the wake-up list
        probe.send()
        # unwoken, it would be handled when the wait ends, 1.5 s from now
        assert handled.wait(1.0), "the command waited for the worker's next poll"
    finally:
        def keep_waking() -> None:  # so the waiting consumer notices it must stop
            while not stopped.wait(0.2):
                broker.client.lpush(broker.wake_key(QUEUE), 1)
        threading.Thread(target=keep_waking, daemon=True).start()
        worker.stop()
        stopped.set()


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


def test_a_worker_with_no_free_slot_leaves_the_wake_up_to_an_idle_one(
        broker: PollingRedisBroker) -> None:
    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="noop")
    def noop() -> None: ...

    noop.send()
    noop.send()
    key = broker.wake_key(QUEUE)
    busy = broker.consume(QUEUE, prefetch=1)
    assert next(busy) is not None  # its only slot is taken, not yet acknowledged
    assert next(busy) is None
    assert broker.client.llen(key) == 2  # both tokens are left for consumers that can fetch
    idle = broker.consume(QUEUE, prefetch=1)
    assert next(idle) is not None
