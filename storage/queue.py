"""The command bus: commands go onto Redis as Dramatiq messages for the workers.

Bots and the web edge publish through here and never import the actors: a message names its
actor, and the worker that declared it picks it up.
"""
from __future__ import annotations

import logging

import dramatiq
import redis
from dramatiq.broker import Consumer
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from domain.commands import Command, CreateInvoice
from domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

QUEUE = "chatpay"
MAX_DELAY = 7 * 24 * 3600 * 1000 - 60_000  #: milliseconds; Dramatiq's Redis broker refuses more
MIN_BACKOFF = 500  #: milliseconds
MAX_BACKOFF = 300_000  #: milliseconds
TIME_LIMIT = 60_000  #: milliseconds
#: How long a worker thread waits for work before checking whether it should stop (ms). It only
#: bounds how long stopping takes: a message wakes the thread at once.
THREAD_WAKE_MS = 200
#: The longest idle wait between two asks of the delay queue (ms). Polls, expiries and deferred
#: sends are due in seconds, so they tolerate this; asking it as often as the main queue doubled
#: an idle worker's CPU.
DELAY_POLL_MS = 100


class PollingRedisBroker(RedisBroker):
    """Dramatiq's Redis broker; its consumers wait at most `poll_ms` between two fetches while idle
    (the delay queue's at most DELAY_POLL_MS).

    Dramatiq uses one `worker_timeout` for both the consumers' idle poll and the worker threads'
    wake-up; a 10 ms poll (for a prompt tap -> QR) then woke every thread 100 times a second.
    """

    poll_ms = 10

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        longest = DELAY_POLL_MS if dq_name(queue_name) == queue_name else self.poll_ms
        return super().consume(queue_name, prefetch, min(timeout, max(longest, self.poll_ms)))


def start_worker(broker: PollingRedisBroker, *, threads: int, poll_ms: int) -> dramatiq.Worker:
    """A started Dramatiq worker whose consumers ask Redis at most every `poll_ms` when idle."""
    broker.poll_ms = poll_ms
    worker = dramatiq.Worker(broker, worker_threads=threads,
                             worker_timeout=max(THREAD_WAKE_MS, poll_ms))
    worker.start()
    return worker


def make_broker(redis_url: str) -> PollingRedisBroker:
    """The broker with chatpay's retry and time-limit policy, in one place."""
    middleware = [
        AgeLimit(), TimeLimit(time_limit=TIME_LIMIT), ShutdownNotifications(), Callbacks(),
        Pipelines(), Retries(max_retries=12, min_backoff=MIN_BACKOFF, max_backoff=MAX_BACKOFF),
    ]
    broker = PollingRedisBroker(url=redis_url, middleware=middleware, heartbeat_timeout=15_000)
    broker.declare_queue(QUEUE)
    return broker


class CommandBus:
    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def publish(self, command: Command, *, delay_ms: int | None = None) -> None:
        """Put the command on the queue; raise ServiceUnavailable if Redis cannot be reached."""
        options: dict[str, object] = {}
        if isinstance(command, CreateInvoice):
            # when every retry failed, the seller is told to try again (never left waiting)
            options["on_failure"] = "invoice_creation_failed"
        message = dramatiq.Message(queue_name=QUEUE, actor_name=command.actor,
                                   args=(command.to_dict(),), kwargs={}, options=options)
        if delay_ms is not None:
            delay_ms = max(0, min(delay_ms, MAX_DELAY))
        try:
            self.broker.enqueue(message, delay=delay_ms)
        except (redis.RedisError, OSError) as exc:
            log.warning("Could not publish %s: %s.", command.actor, exc)
            raise ServiceUnavailable("The queue (Redis) is unavailable.") from exc
