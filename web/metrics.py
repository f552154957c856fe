"""Prometheus metrics of the web edge."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry()
CALLBACKS = Counter("chatpay_provider_callbacks_total", "Provider callbacks by result.",
                    ["provider", "result"], registry=REGISTRY)
PAY_PAGE_VIEWS = Counter("chatpay_pay_page_views_total", "Buyer pay page views.", registry=REGISTRY)
