"""What every chatpay process opens, whatever else it builds: the database and the command bus.

Each composition root (web/main.py, bots/telegram/main.py, workers/main.py, sandbox/stack.py) starts from `open_store()` and adds only what its process uses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from storage.db import make_engine, make_session_factory
from storage.queue import CommandBus, make_broker
from storage.settings import Settings
from storage.uow import UnitOfWork


class Wired(Protocol):
    """The least a scan or a service function needs: settings, units of work and the bus."""

    settings: Settings
    uow: Callable[[], UnitOfWork]
    bus: CommandBus


@dataclass
class Store:
    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
    bus: CommandBus

    def close(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings, redis_url: str) -> Store:
    """The database (a pool, opened lazily) and the bus on `redis_url`.

    A unit of work that commits shop deliveries publishes them at once; if Redis is away, the
    scheduler's scan finds them in the database.
    """
    from domain.commands import DeliverWebhook
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

    return Store(settings, engine, lambda: UnitOfWork(factory, on_shop_deliveries=attempt_now),
                 bus)
