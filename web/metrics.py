"""Prometheus metrics of the web edge."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

REGISTRY = CollectorRegistry()
CALLBACKS = Counter("chatpay_provider_callbacks_total", "Provider callbacks by result.",
                    ["provider", "result"], registry=REGISTRY)
PAY_PAGE_VIEWS = Counter("chatpay_pay_page_views_total", "Buyer pay page views.", registry=REGISTRY)


class OutboxCollector:
    """Reads, at each scrape, how many seller messages were given up on after their bounded
    attempts, and how many payment accounts LiqPay refuses (the platform's included): the
    workers mark both in the database, which every process shares."""

    def __init__(self, unit_of_work: Callable[[], Any], platform_key: str = "") -> None:
        self.unit_of_work = unit_of_work
        self.platform_key = platform_key

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.unit_of_work().readonly() as uow:
                failed = uow.events.failed_count()
                stuck = uow.fiscal.stuck_count()
                refused = uow.account_checks.refused_count(self.platform_key)
        except SQLAlchemyError:
            return  # the database is away: the scrape shows the counters it can
        family = GaugeMetricFamily("chatpay_notifications_failed",
                                   "Seller messages given up on after their bounded attempts.")
        family.add_metric([], failed)
        yield family
        family = GaugeMetricFamily("chatpay_fiscal_receipts_stuck",
                                   "Fiscal receipts Checkbox kept CREATED for 36 hours.")
        family.add_metric([], stuck)
        yield family
        accounts = GaugeMetricFamily(
            "chatpay_payment_accounts_refused",
            "Payment accounts in use whose keys LiqPay refuses, the platform's included.")
        accounts.add_metric([], refused)
        yield accounts


class UpdateFailuresCollector:
    """Reads, at each scrape, how many messenger updates a handler failed on (counted in Redis
    by every bot process: storage.update_failures)."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        try:
            counts = self.read()
        except RedisError:
            return  # Redis is away: the scrape shows the counters it can
        family = CounterMetricFamily("chatpay_update_failures",
                                     "Messenger updates whose handler failed unexpectedly.",
                                     labels=["channel"])
        for channel in sorted(set(counts) | {"telegram", "viber"}):
            family.add_metric([channel], counts.get(channel, 0))
        yield family


def outbox_registry(unit_of_work: Callable[[], Any],
                    update_failures: Callable[[], dict[str, int]] | None = None,
                    platform_key: str = "") -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(OutboxCollector(unit_of_work, platform_key))  # type: ignore[arg-type]
    if update_failures is not None:
        registry.register(UpdateFailuresCollector(update_failures))  # type: ignore[arg-type]
    return registry
