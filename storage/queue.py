"""The command bus: commands go onto Redis as Dramatiq messages for the workers.

Bots and the web edge publish through here and never import the actors: a message names its
actor, and the worker that declared it picks it up.
"""
from __future__ import annotations

import logging

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from domain.commands import Command, CreateInvoice
from domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)

QUEUE = "chatpay"
MAX_DELAY = 7 * 24 * 3600 * 1000 - 60_000  #: milliseconds; Dramatiq's Redis broker refuses more
MIN_BACKOFF = 500  #: milliseconds
MAX_BACKOFF = 300_000  #: milliseconds
TIME_LIMIT = 60_000  #: milliseconds


def make_broker(redis_url: str) -> RedisBroker:
    """The broker with chatpay's retry and time-limit policy, in one place."""
    middleware = [
        AgeLimit(), TimeLimit(time_limit=TIME_LIMIT), ShutdownNotifications(), Callbacks(),
        Pipelines(), Retries(max_retries=12, min_backoff=MIN_BACKOFF, max_backoff=MAX_BACKOFF),
    ]
    broker = RedisBroker(url=redis_url, middleware=middleware, heartbeat_timeout=15_000)
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
