"""The daily report: off by default; on, it is queued at the seller's hour in the seller's zone,
once a day, even with two schedulers scanning at the same moment. The scheduler's clock is
driven (the scan takes `now`), never slept."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from bots.cabinet import set_digest
from domain.commands import Command, SendReport
from storage.db import make_engine, make_session_factory
from storage.settings import Settings, load_settings
from storage.uow import UnitOfWork
from tests import cabinet_data as data
from workers import scheduler
from workers.reports import scan_digests

#: 2026-12-08 in Kyiv is UTC+2 (winter): 09:00 there is 07:00 UTC
MORNING = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


@dataclass
class Scheduler:
    """What a scheduler process holds (storage.wiring.Wired), with a bus that keeps what it
    published: a fake of our own port."""

    settings: Settings
    uow: Callable[[], UnitOfWork]
    redis: Any
    published: list[Command] = field(default_factory=list)

    @property
    def bus(self) -> Scheduler:
        return self

    def publish(self, command: Command, **_: Any) -> None:
        self.published.append(command)

    def reports(self) -> list[SendReport]:
        return [c for c in self.published if isinstance(c, SendReport)]


def a_scheduler(database_url: str, redis_url: str, tmp_path: Any) -> Scheduler:
    """Its own engine and connections, as a second process would have."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    return Scheduler(load_settings(database_url=database_url, var_dir=tmp_path),
                     lambda: UnitOfWork(factory), redis.Redis.from_url(redis_url))


def test_the_digest_is_off_by_default(uow_factory: Callable[[], UnitOfWork], database_url: str,
                                      redis_url: str, tmp_path: Any) -> None:
    data.seller(uow_factory)
    one = a_scheduler(database_url, redis_url, tmp_path)
    for hour in range(24):
        assert scan_digests(one, MORNING + timedelta(hours=hour)) == 0
    assert one.reports() == []


def test_the_digest_comes_at_the_sellers_hour_in_their_zone_once_a_day(
        uow_factory: Callable[[], UnitOfWork], database_url: str, redis_url: str,
        tmp_path: Any) -> None:
    seller = data.seller(uow_factory)
    assert set_digest(uow_factory, seller, "9") == "Daily report: every day at 09:00."
    one = a_scheduler(database_url, redis_url, tmp_path)
    assert scan_digests(one, MORNING - timedelta(minutes=1)) == 0  # 08:59 in Kyiv
    assert scan_digests(one, MORNING) == 1  # 09:00 in Kyiv, 07:00 UTC
    [report] = one.reports()
    assert (report.seller_id, report.channel, report.chat_id, report.digest_day) == (
        seller.id, "telegram", "5001", "2026-12-08")
    assert scan_digests(one, MORNING + timedelta(hours=5)) == 0  # the same day: sent already
    assert scan_digests(one, MORNING + timedelta(hours=16, minutes=59)) == 0  # 23:59 in Kyiv
    assert scan_digests(one, MORNING + timedelta(days=1)) == 1  # the next day
    assert [r.digest_day for r in one.reports()] == ["2026-12-08", "2026-12-09"]


def test_two_schedulers_scanning_at_once_send_one_digest(
        uow_factory: Callable[[], UnitOfWork], database_url: str, redis_url: str,
        tmp_path: Any) -> None:
    sellers = [data.seller(uow_factory, external_id=str(6000 + i)) for i in range(5)]
    for seller in sellers:
        set_digest(uow_factory, seller, "9")
    first, second = (a_scheduler(database_url, redis_url, tmp_path) for _ in range(2))
    start = threading.Barrier(2)

    def scan(scheduler: Scheduler) -> None:
        start.wait()
        scan_digests(scheduler, MORNING + timedelta(minutes=3))

    threads = [threading.Thread(target=scan, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sent = first.reports() + second.reports()
    assert sorted(r.seller_id for r in sent) == sorted(s.id for s in sellers)


def test_the_schedulers_scan_includes_the_digest_and_turning_it_off_stops_it(
        uow_factory: Callable[[], UnitOfWork], database_url: str, redis_url: str,
        tmp_path: Any) -> None:
    seller = data.seller(uow_factory, channel="viber", external_id="vb-7")
    set_digest(uow_factory, seller, "21")
    one = a_scheduler(database_url, redis_url, tmp_path)
    evening = MORNING + timedelta(hours=12)  # 21:00 in Kyiv
    assert scheduler.reconcile(one, evening)["daily_reports"] == 1  # type: ignore[arg-type]
    assert one.reports()[0].channel == "viber" and one.reports()[0].chat_id == "vb-7"
    assert set_digest(uow_factory, seller, "off") == "Daily report is off."
    assert scheduler.reconcile(one, evening + timedelta(days=1))["daily_reports"] == 0  # type: ignore[arg-type]
    assert set_digest(uow_factory, seller, "25") is None  # not an hour: nothing changes
