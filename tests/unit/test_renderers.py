"""Every event that tells the seller something has its own message (workers.render)."""
from __future__ import annotations

import inspect

import domain.fiscal  # noqa: F401  (its receipts' events join the registry)
from domain.events import Event, event_types
from workers.render import RENDERERS


def tells_seller(kind: type[Event]) -> bool:
    """Whether any event of this kind may tell the seller (some decide per event)."""
    flag = inspect.getattr_static(kind, "notifies_seller")
    return isinstance(flag, property) or flag is True


def test_every_kind_that_tells_the_seller_has_its_message_and_no_other_does() -> None:
    telling = {kind for kind in event_types().values() if tells_seller(kind)}
    assert telling == set(RENDERERS)
