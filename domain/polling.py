"""When to ask the provider about an invoice again: often at first, then backing off."""
from __future__ import annotations

from datetime import datetime, timedelta

#: delays after creation before each poll, in seconds; after the last, every LONG_INTERVAL
SCHEDULE = (15, 30, 60, 120, 300, 600, 1800, 3600)  #: seconds
LONG_INTERVAL = 7200  #: seconds


def next_poll_at(created_at: datetime, polls_done: int, expires_at: datetime) -> datetime | None:
    """When the next poll is due, or None once the invoice has expired (expiry does a last check)."""
    offset = sum(SCHEDULE[:polls_done + 1]) if polls_done < len(SCHEDULE) else (
        sum(SCHEDULE) + LONG_INTERVAL * (polls_done + 1 - len(SCHEDULE)))
    due = created_at + timedelta(seconds=offset)
    return due if due < expires_at else None
