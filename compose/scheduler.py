"""`chatpay scheduler`'s composition root: the reconciler reads the database and publishes
commands; it builds no sender, provider client or rate limiter."""
from __future__ import annotations

import threading

from storage.settings import Settings
from storage.wiring import open_store


def run(settings: Settings, redis_url: str, stop: threading.Event) -> None:
    from workers.scheduler import run_forever

    store = open_store(settings, redis_url)
    try:
        run_forever(store, stop)
    finally:
        store.close()
