"""Prometheus metrics of the web edge."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

REGISTRY = CollectorRegistry()
CALLBACKS = Counter("chatpay_provider_callbacks_total", "Provider callbacks by result.",
                    ["provider", "result"], registry=REGISTRY)
PAY_PAGE_VIEWS = Counter("chatpay_pay_page_views_total", "Buyer pay page views.", registry=REGISTRY)


class OutboxCollector:
    """Reads, at each scrape, how many seller messages were given up on after their bounded
    attempts: the workers mark them in the database, which every process shares."""

    def __init__(self, unit_of_work: Callable[[], Any]) -> None:
        self.unit_of_work = unit_of_work

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.unit_of_work().readonly() as uow:
                failed = uow.events.failed_count()
        except SQLAlchemyError:
            return  # the database is away: the scrape shows the counters it can
        family = GaugeMetricFamily("chatpay_notifications_failed",
                                   "Seller messages given up on after their bounded attempts.")
        family.add_metric([], failed)
        yield family


def outbox_registry(unit_of_work: Callable[[], Any]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(OutboxCollector(unit_of_work))  # type: ignore[arg-type]
    return registry
