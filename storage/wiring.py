"""What every chatpay process opens, whatever else it builds: the database and the command bus.

Each composition root (web/main.py, bots/telegram/main.py, workers/main.py, sandbox/stack.py)
starts from `open_store()` and adds only what its process uses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from sqlalchemy import Engine

from domain.commands import Command, DeliverWebhook, RegisterFiscalReceipt
from domain.errors import ServiceUnavailable
from storage.db import make_engine, make_session_factory
from storage.queue import CommandBus, make_broker
from storage.seller_settings import SettingsCache
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
    engine = make_engine(settings.database)
    factory = make_session_factory(engine)
    bus = CommandBus(make_broker(redis_url))

    deliver_now = _publishing(bus, DeliverWebhook)
    register_now = _publishing(bus, RegisterFiscalReceipt)
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    cache = SettingsCache(client)  # sellers' settings, checked current on every read
    return Store(settings, engine, lambda: UnitOfWork(
        factory, on_shop_deliveries=deliver_now, on_fiscal_receipts=register_now,
        settings_cache=cache), bus, client)


def _publishing(bus: CommandBus, command: Callable[[Any], Command]) -> Callable[[list[Any]], None]:
    """Publish `command(key)` for each key a commit made; if Redis is away, the scans have them."""
    def publish(keys: list[Any]) -> None:
        try:
            for key in keys:
                bus.publish(command(key))
        except ServiceUnavailable:
            pass

    return publish
