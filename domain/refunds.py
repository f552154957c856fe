"""A refund of a card payment: its own small state machine, keyed by its own identity.

`requested` (ours, the amount reserved) → `pending` (the provider accepted it, not finished:
`refund_wait`, `wait_accept`, ...) → `done` | `refused`. Only `done` refunds count towards what
the invoice has refunded; `requested` and `pending` ones hold their amount back so nobody can
refund it twice. A refund is ours (`id` is our refund id) or one the provider reported that we
did not ask for (`id` derived from the invoice, `ours` False).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.money import Money


class RefundState(StrEnum):
    REQUESTED = "requested"
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


#: states whose amount is held back from what may still be refunded
OPEN_STATES = frozenset({RefundState.REQUESTED, RefundState.PENDING})


@dataclass
class Refund:
    id: str  #: our refund id (what the provider call is idempotent by)
    invoice_id: str
    amount: Money
    created_at: datetime
    state: RefundState = RefundState.REQUESTED
    ours: bool = True  #: False: the provider reported a refund we did not ask for
    provider_refund_id: str | None = None
    raw_status: str | None = None  #: the provider's last word about this refund
    reason: str | None = None  #: why the provider refused it

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_done(self) -> bool:
        return self.state is RefundState.DONE

    def pend(self, raw_status: str) -> bool:
        """The provider accepted it but has not finished. Returns whether anything changed."""
        if self.state is not RefundState.REQUESTED:
            return False
        self.state, self.raw_status = RefundState.PENDING, raw_status
        return True

    def finish(self, raw_status: str) -> bool:
        """The money went back. A refused refund is not revived by a stray word."""
        if not self.is_open:
            return False
        self.state, self.raw_status = RefundState.DONE, raw_status
        return True

    def refuse(self, raw_status: str, reason: str | None) -> bool:
        """The provider will not refund it; its amount is free to refund again."""
        if not self.is_open:
            return False
        self.state, self.raw_status, self.reason = RefundState.REFUSED, raw_status, reason
        return True


def total(refunds: list[Refund], currency: str, *, held: bool = False) -> Money:
    """What the done refunds in `currency` add up to; `held`: with the open ones too."""
    counted = [r.amount for r in refunds if r.amount.currency == currency
               and (r.is_done or (held and r.is_open))]
    return sum(counted[1:], counted[0]) if counted else Money.from_minor_units(0, currency)
