"""The command bus: commands go onto Redis as Dramatiq messages for the workers.

Bots and the web edge publish through here and never import the actors: a message names its
actor, and the worker that declared it picks it up.
"""
from __future__ import annotations

import logging
import threading
import time

import dramatiq
import redis
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import dq_name
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from domain.commands import Command, CreateInvoice
from domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

#: Seller-facing work: create, check, cancel, notify. A seller is waiting for each message.
QUEUE = "chatpay"
#: Background work: status polls, expiries, provider-side cancels. A hanging provider fills only
#: this queue's threads, so a stored payment's "paid" message never waits behind doomed calls.
BACKGROUND_QUEUE = "chatpay-background"
QUEUES = (QUEUE, BACKGROUND_QUEUE)
BACKGROUND_ACTORS = frozenset({"poll_invoice", "expire_invoice", "cancel_at_provider",
                               "deliver_webhook", "manage_webhook", "send_receipt",
                               "register_fiscal_receipt", "close_fiscal_shift",
                               "reconcile_refunds", "trim_invoice_buttons"})
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
#: The longest an idle consumer waits for a wake-up before asking the queue anyway (ms). A new
#: message wakes it at once; this only bounds the wait when a wake-up token went to another.
POLL_MS = 50
WAKE_TOKENS = 64  #: a queue's wake-up list is kept this short when no consumer is waiting
SOCKET_TIMEOUT_S = 5  #: a Redis that answers nothing for this long is treated as gone
FULL_WAIT_S = 0.005  #: a consumer with all its prefetch slots taken looks again this often
HEARTBEAT_TIMEOUT = 15_000  #: milliseconds; a worker silent this long is presumed dead
#: Redis commands out of a million that also run Dramatiq's maintenance, which gives a dead
#: worker's unacknowledged messages back to the queue. Dramatiq's 1,000 left a SIGKILLed worker's
#: commands (a seller's invoice among them) waiting a minute or more on an idle queue; at 20,000
#: an idle consumer (20 fetches a second) does it every few seconds, for one cheap script call.
MAINTENANCE_CHANCE = 20_000


class PollingRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, woken rather than only polling.

    Every message put on a queue also pushes a token on the queue's wake-up list; an idle
    consumer waits on that list (BLPOP) for at most `poll_ms` instead of sleeping, so a new
    message is fetched at once, and a lost token costs at most one `poll_ms`. The delay queue
    is only polled, every DELAY_POLL_MS: what it holds is due in seconds.

    Dramatiq uses one `worker_timeout` for both the consumers' idle poll and the worker threads'
    wake-up; start_worker() separates the two so a short poll does not wake every thread.
    """

    poll_ms = POLL_MS

    def wake_key(self, queue_name: str) -> str:
        return f"{self.namespace}:{queue_name}.wake"

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        """`timeout` (Dramatiq's worker_timeout) is ignored: `poll_ms` decides."""
        if dq_name(queue_name) == queue_name:
            return super().consume(queue_name, prefetch, max(DELAY_POLL_MS, self.poll_ms))
        return _WakeableConsumer(self, queue_name, prefetch, self.poll_ms)

    def enqueue(self, message: dramatiq.Message, *,  # type: ignore[type-arg]
                delay: int | None = None) -> dramatiq.Message:  # type: ignore[type-arg]
        enqueued = super().enqueue(message, delay=delay)
        if delay is None:
            key = self.wake_key(message.queue_name)
            try:
                self.client.pipeline(transaction=False).lpush(key, 1).ltrim(
                    key, 0, WAKE_TOKENS - 1).execute()
            except redis.RedisError as exc:  # the message is stored; a poll will find it
                log.info("Could not wake the consumers of %s: %s.", message.queue_name, exc)
        return enqueued


class _WakeableConsumer(_RedisConsumer):
    """After an empty fetch, waits on the queue's wake-up list instead of sleeping."""

    def __init__(self, broker: PollingRedisBroker, queue_name: str, prefetch: int,
                 wait_ms: int) -> None:
        super().__init__(broker, queue_name, prefetch, 1)  # Dramatiq's own sleep: 0 ms
        self.wake_key = broker.wake_key(queue_name)
        # a wait as long as the client's socket timeout would fail as a broken connection
        self.wait_s = min(max(wait_ms, 1) / 1000, SOCKET_TIMEOUT_S / 2)

    def __next__(self) -> MessageProxy | None:
        message = super().__next__()
        if message is not None or self.message_cache:
            return message
        if self.outstanding_message_count >= self.prefetch:
            # full: it could not fetch anyway, and a token it took would not reach an idle worker
            time.sleep(min(self.wait_s, FULL_WAIT_S))
            return None
        try:
            self.broker.client.blpop([self.wake_key], timeout=self.wait_s)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise ConnectionClosed(exc) from None
        return None


def queue_of(actor_name: str) -> str:
    """The queue an actor's messages go on."""
    return BACKGROUND_QUEUE if actor_name in BACKGROUND_ACTORS else QUEUE


def start_worker(broker: PollingRedisBroker, *, threads: int, poll_ms: int,
                 queues: set[str] | None = None) -> dramatiq.Worker:
    """A started Dramatiq worker whose consumers ask Redis at most every `poll_ms` when idle.

    `queues`: only these (default: every declared queue, sharing the threads)."""
    broker.poll_ms = poll_ms
    worker = dramatiq.Worker(broker, queues=queues, worker_threads=threads,
                             worker_timeout=THREAD_WAKE_MS)
    worker.start()
    return worker


class _OneWorkerPerQueue(logging.Filter):
    """Dramatiq warns when a second worker adds its own worker middleware to the broker; with
    one worker per queue that is the design, not a mistake, so the line would only mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "_WorkerMiddleware" not in record.getMessage()


class Workers:
    """One Dramatiq worker per queue in one process, each with threads of its own: background
    work can take all of its threads and the seller-facing queue still has every one of its."""

    def __init__(self, broker: PollingRedisBroker, threads: dict[str, int], poll_ms: int) -> None:
        broker.logger.addFilter(_OneWorkerPerQueue())
        unknown = set(threads) - set(QUEUES)
        if unknown:
            raise ValueError(f"Unknown queue(s) {', '.join(sorted(unknown))}; "
                             f"the queues are {', '.join(QUEUES)}.")
        self.workers = [start_worker(broker, threads=n, poll_ms=poll_ms, queues={queue})
                        for queue, n in threads.items() if n > 0]

    def stop(self) -> None:
        """Stop every queue's worker at once: each waits out its threads' idle polls, so one
        after another the waits would add up (the tests stop a stack per test)."""
        stopping = [threading.Thread(target=worker.stop, name="stopping-worker")
                    for worker in self.workers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


def make_broker(redis_url: str) -> PollingRedisBroker:
    """The broker with chatpay's retry and time-limit policy, in one place."""
    middleware = [
        AgeLimit(), TimeLimit(time_limit=TIME_LIMIT), ShutdownNotifications(), Callbacks(),
        Pipelines(), CurrentMessage(),
        Retries(max_retries=12, min_backoff=MIN_BACKOFF, max_backoff=MAX_BACKOFF),
    ]
    client = redis.Redis.from_url(redis_url, socket_timeout=SOCKET_TIMEOUT_S,
                                  socket_connect_timeout=SOCKET_TIMEOUT_S)
    broker = PollingRedisBroker(client=client, middleware=middleware,
                                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                                maintenance_chance=MAINTENANCE_CHANCE)
    for queue in QUEUES:
        broker.declare_queue(queue)
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
        message = dramatiq.Message(queue_name=queue_of(command.actor), actor_name=command.actor,
                                   args=(command.to_dict(),), kwargs={}, options=options)
        if delay_ms is not None:
            delay_ms = max(0, min(delay_ms, MAX_DELAY))
        try:
            self.broker.enqueue(message, delay=delay_ms)
        except (redis.RedisError, OSError) as exc:
            log.warning("Could not publish %s: %s.", command.actor, exc)
            raise ServiceUnavailable("The queue (Redis) is unavailable.") from exc
