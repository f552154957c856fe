"""What every service function shares: the clock (a bench may drive it: set `txn.now`) and
running a read-modify-write again when another worker changed the invoice meanwhile."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from storage.repository import ConcurrentUpdate

log = logging.getLogger(__name__)

ATTEMPTS = 5  #: tries of a read-modify-write that lost a race
T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


def retrying(fn: Callable[[], T]) -> T:
    """Run a read-modify-write again when another worker changed the invoice meanwhile."""
    for attempt in range(ATTEMPTS):
        try:
            return fn()
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
            log.info("Invoice changed concurrently; trying again (attempt %d).", attempt + 2)
    raise AssertionError("unreachable")

