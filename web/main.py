"""`chatpay web`'s composition root: the HTTP edge and what it uses, and nothing else.

The database and the bus; each callback verified with its invoice's account (the provider's
accounts, handed in as a CallbackVerifier); the Viber webhook when Viber is configured. No
messenger sender, no rate limiter, no SMS or mail: the workers send.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from fastapi import FastAPI

from storage import update_failures
from storage.qr_images import QrImages
from storage.secrets import SecretBox
from storage.settings import Settings
from storage.wiring import Store, open_store


@dataclass
class WebProcess:
    app: FastAPI
    store: Store
    stops: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for stop in reversed(self.stops):
            stop()
        self.stops.clear()


def build(settings: Settings, redis_url: str, mounts: dict[str, Any] | None = None) -> WebProcess:
    """The web edge's app; `mounts` (path prefix -> ASGI app) is the sandbox, in development."""
    from domain.ports import LIQPAY_CURRENCIES
    from web.app import WebDeps, create_app
    from workers import attempts
    from workers.handlers import apply_fact
    from workers.manual import open_payment
    from workers.providers.accounts import ProviderAccounts
    from workers.providers.liqpay import LiqPayClient

    store = open_store(settings, redis_url)
    stops: list[Callable[[], None]] = [store.close]
    platform = (LiqPayClient(settings.liqpay_public_key, settings.liqpay_private_key,
                             settings.liqpay_base) if settings.platform_account else None)
    accounts = ProviderAccounts(store.uow, SecretBox.from_settings(settings),
                                settings.liqpay_base, platform=lambda: platform,
                                monobank_base=settings.monobank_base)
    stops.append(accounts.close)
    routes = []
    if settings.viber_auth_token:  # a Telegram-only deployment has no Viber webhook to forge
        from bots.viber.dialog import ViberDeps
        from bots.viber.webhook import viber_routes

        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        stops.append(client.close)
        routes.append(viber_routes(ViberDeps(settings=settings, uow=store.uow, bus=store.bus,
                                             currencies=LIQPAY_CURRENCIES, redis=client)))
    counters = redis.Redis.from_url(redis_url, socket_timeout=2)
    stops.append(counters.close)
    checkout_link = functools.partial(attempts.checkout_link, provider_for=accounts.for_invoice,
                                      unit_of_work=store.uow, base_url=settings.public_base_url,
                                      chosen=accounts.chosen)
    app = create_app(WebDeps(settings=settings, uow=store.uow,
                             providers={accounts.name: accounts,
                                        accounts.monobank.name: accounts.monobank}, bus=store.bus,
                             apply_fact=apply_fact, open_manual_payment=open_payment,
                             checkout_link=checkout_link, mounts=mounts or {}, extra_routes=routes,
                             update_failures=lambda: update_failures.read(counters),
                             qr_images=QrImages(store.redis)))
    return WebProcess(app, store, stops)
