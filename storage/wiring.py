"""What every chatpay process opens, whatever else it builds: the database and the command bus.

Each composition root (web/main.py, bots/telegram/main.py, workers/main.py, sandbox/stack.py)
starts from `open_store()` and adds only what its process uses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis
from sqlalchemy import Engine

from storage.db import make_engine, make_session_factory
from storage.queue import CommandBus, make_broker
from storage.settings import Settings
from storage.uow import UnitOfWork


class Wired(Protocol):
    """The least a scan or a service function needs: settings, units of work, the bus, and
    Redis for the scans' own marks."""

    settings: Settings
    uow: Callable[[], UnitOfWork]
    bus: CommandBus
    redis: redis.Redis


@dataclass
class Store:
    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
    bus: CommandBus
    redis: redis.Redis

    def close(self) -> None:
        self.redis.close()
        self.engine.dispose()


def open_store(settings: Settings, redis_url: str) -> Store:
    """The database (a pool, opened lazily) and the bus on `redis_url`.

    A unit of work that commits shop deliveries or fiscal receipts publishes them at once; if
    Redis is away, the scheduler's scans find them in the database.
    """
    from domain.commands import DeliverWebhook, RegisterFiscalReceipt
    from domain.errors import ServiceUnavailable

    engine = make_engine(settings.database)
    factory = make_session_factory(engine)
    bus = CommandBus(make_broker(redis_url))

    def attempt_now(delivery_ids: list[int]) -> None:
        try:
            for delivery_id in delivery_ids:
                bus.publish(DeliverWebhook(delivery_id))
        except ServiceUnavailable:
            pass

    def register_now(receipt_ids: list[str]) -> None:
        try:
            for receipt_id in receipt_ids:
                bus.publish(RegisterFiscalReceipt(receipt_id))
        except ServiceUnavailable:
            pass

    return Store(settings, engine, lambda: UnitOfWork(
        factory, on_shop_deliveries=attempt_now, on_fiscal_receipts=register_now), bus,
        redis.Redis.from_url(redis_url, socket_timeout=5))
