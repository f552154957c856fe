"""Every event that tells the seller something has its own message (workers.render)."""
from __future__ import annotations

import inspect
import json

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


def _value(annotation: str, n: int) -> object:
    if annotation.startswith("bool"):
        return True
    if annotation.startswith("int"):
        return 100 + n
    if annotation.startswith("dict"):
        return {"amount": f"{n}.00 → {n + 1}.00"}
    return f"v{n}"


def test_every_kind_of_event_comes_back_from_its_history_row_as_itself() -> None:
    from dataclasses import fields

    from domain.events import stored_event
    for name, kind in event_types().items():
        event = kind(**{f.name: ("inv-1" if f.name == "invoice_id" else _value(str(f.type), i))
                        for i, f in enumerate(fields(kind))})
        stored = json.loads(json.dumps(event.payload(), default=str))  # as the row holds it
        assert stored_event(name, "inv-1", stored) == event, name
    assert stored_event("KindFromTheFuture", "inv-1", {}) is None
