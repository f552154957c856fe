"""Support agents and their audit log: who may act for the platform, and what they did.

The audit log is append-only here in the domain: an `AuditEntry` is frozen, and nothing in
chatpay offers a way to change or remove one (storage.support.AuditLog has append and reads only).
An action is written `started` before it is performed, then `done` or `failed`; a tap refused
before anything happened (the resend limit) is written `refused`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

CHANNELS = ("telegram", "viber")
AGENT_ID = re.compile(r"(telegram):(\d{1,20})|(viber):([A-Za-z0-9+/=_-]{1,64})")
RESEND_WINDOW = timedelta(hours=1)  #: the resend limit counts the taps within this window


class Phase(StrEnum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"


class Action(StrEnum):
    """What an agent can do. The resends count against the per-invoice limit."""
    RESEND_LINK = "resend_link"
    RESEND_STATUS = "resend_status"
    REDELIVER_WEBHOOK = "redeliver_webhook"
    REDELIVER_FAILED = "redeliver_failed"
    RECHECK = "recheck"
    HISTORY = "history"
    OPEN = "open"  #: the invoice card, which shows the buyer's name, phone and e-mail
    RESEND_MENU = "resend_menu"  #: the resend menu, the buyer's phone and e-mail on its buttons
    FIND = "find"
    SELLER = "seller"
    STATS = "stats"


RESENDS = frozenset({Action.RESEND_LINK, Action.RESEND_STATUS})
#: actions a worker performs (written `started` first); the others are reads, written `done`
PERFORMED = frozenset({Action.RESEND_LINK, Action.RESEND_STATUS, Action.REDELIVER_WEBHOOK,
                       Action.REDELIVER_FAILED, Action.RECHECK})


def parse_agent(text: str) -> tuple[str, str]:
    """`telegram:123456` / `viber:AbCdEf==` → (channel, id); ValueError naming what is wrong."""
    match = AGENT_ID.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text.strip()!r} is neither telegram:<digits> nor viber:<id>")
    channel = match[1] or match[3]
    return channel, match[2] or match[4]


def agent_name(channel: str, external_id: str) -> str:
    return f"{channel}:{external_id}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who, when, what, on which invoice, and how it went."""
    action_id: str  #: the tap it came from: the same for its started and done lines
    agent: str  #: `telegram:123456`
    action: str
    phase: Phase
    at: datetime
    invoice_id: str | None = None
    seller_id: int | None = None
    detail: dict[str, object] = field(default_factory=dict)


def over_resend_limit(resends_in_window: int, limit: int) -> bool:
    """Whether one more resend of an invoice would pass the per-invoice hourly limit."""
    return resends_in_window >= limit
