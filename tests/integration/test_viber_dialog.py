"""The Viber dialog when Redis is down: the seller is told so, and nothing is stored."""
from __future__ import annotations

import redis
from viberbot.api.messages.text_message import TextMessage

from bots.viber.dialog import Dialog, ViberDeps
from domain.i18n import t
from storage.db import make_engine, make_session_factory
from storage.queue import CommandBus, make_broker
from storage.settings import load_settings
from storage.uow import UnitOfWork

DEAD_REDIS = "redis://127.0.0.1:1/0"  #: nothing listens on port 1


def test_viber_seller_is_told_the_service_is_unavailable_when_redis_is_down(
        database_url: str) -> None:
    settings = load_settings(database_url=database_url, redis_url=DEAD_REDIS)
    factory = make_session_factory(make_engine(database_url))
    deps = ViberDeps(settings=settings, uow=lambda: UnitOfWork(factory),
                     bus=CommandBus(make_broker(DEAD_REDIS)), currencies=frozenset({"UAH"}),
                     redis=redis.Redis.from_url(DEAD_REDIS, socket_connect_timeout=0.5))

    replies = Dialog(deps).message("u1", "Оля", "uk", TextMessage(text="🧾 Створити рахунок"), "7")

    assert [r.text for r in replies] == [t("uk", "unavailable")]
    with UnitOfWork(factory) as uow:
        assert uow.sellers.by_external("viber", "u1") is None
