"""The composition roots of the two worker-side processes.

`chatpay worker` is the one process that uses everything the workers have (the provider's
accounts, the messenger senders and their rate limits, SMS, mail, shops). `chatpay scheduler`
only reads the database and publishes commands: it builds no sender, provider client or rate
limiter."""
from __future__ import annotations

import logging
import threading

from storage.queue import Workers
from storage.settings import Settings
from storage.wiring import open_store
from workers import actors, runtime

log = logging.getLogger(__name__)


def run_worker(settings: Settings, redis_url: str, plan: dict[str, int], poll_ms: int,
        stop: threading.Event) -> None:
    """Take the queues in `plan` (queue -> threads) until `stop` is set."""
    deps = runtime.bootstrap(settings, redis_url=redis_url)
    runtime.configure(deps)
    actors.declare(deps.bus.broker)
    process = Workers(deps.bus.broker, plan, poll_ms=poll_ms)
    log.info("Worker started: %s.", ", ".join(f"{q} with {n} threads" for q, n in plan.items()))
    stop.wait()
    process.stop()


def run_scheduler(settings: Settings, redis_url: str, stop: threading.Event) -> None:
    from workers.scheduler import run_forever

    store = open_store(settings, redis_url)
    try:
        run_forever(store, stop)
    finally:
        store.close()
