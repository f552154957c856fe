"""What every `chatpay` sub-command shares: the log format and the settings it runs on."""
from __future__ import annotations

import logging


def _logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "aiogram.event", "dramatiq.worker.WorkerThread"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _settings():  # type: ignore[no-untyped-def]
    from storage.settings import get_settings
    return get_settings()
