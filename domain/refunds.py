"""A refund of a card payment: its own small state machine, keyed by its own identity.

`requested` (ours, the amount reserved) → `pending` (the provider accepted it, not finished:
`refund_wait`, `wait_accept`, ...) → `done` | `refused`. Only `done` refunds count towards what
the invoice has refunded; `requested` and `pending` ones hold their amount back so nobody can
refund it twice. A refund is ours (`id` is our refund id) or one the provider reported that we
did not ask for (`id` derived from the invoice, `ours` False).

One at a time: at most one refund of an invoice is open (in flight). Only the worker holding
its lease (`lease_until`, claimed in the database under the invoice's row lock) calls the
provider for it; a lease claimed again after one expired (`leases` > 1) means an earlier holder
may have reached the provider, so the provider is asked what it refunded before anything is
sent again. With one refund in flight, a running refund total is unambiguous (`reconcile`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.money import Money


class RefundState(StrEnum):
    REQUESTED = "requested"
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


#: states whose amount is held back from what may still be refunded
OPEN_STATES = frozenset({RefundState.REQUESTED, RefundState.PENDING})

#: how long a worker holds a refund's lease while it calls the provider; after it, another
#: worker may take the refund over (and first asks the provider what was refunded)
REFUND_LEASE = timedelta(seconds=60)
#: how often the provider is asked about a refund it keeps pending, in case its callback is lost
PENDING_LOOK = timedelta(minutes=10)


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
    #: requested: a worker is calling the provider for it until then; pending: the provider is
    #: asked about it again after then (its callback may be lost)
    lease_until: datetime | None = None
    leases: int = 0  #: how many times a worker claimed it (more than 1: ask before sending)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_done(self) -> bool:
        return self.state is RefundState.DONE

    def claim(self, now: datetime, lease: timedelta = REFUND_LEASE) -> bool:
        """Take the lease to call the provider for this refund. False while another worker
        holds it, or once the provider has answered (nothing more to send)."""
        if self.state is not RefundState.REQUESTED:
            return False
        if self.lease_until is not None and self.lease_until > now:
            return False
        self.lease_until, self.leases = now + lease, self.leases + 1
        return True

    def look_due(self, now: datetime, every: timedelta = PENDING_LOOK) -> bool:
        """A refund the provider keeps pending is asked about at most every `every`: True when
        a look is due now (and the next one is planned)."""
        if self.state is not RefundState.PENDING:
            return False
        if self.lease_until is not None and self.lease_until > now:
            return False
        self.lease_until = now + every
        return True

    @property
    def ask_first(self) -> bool:
        """An earlier lease on it expired: the provider may have refunded it already."""
        return self.leases > 1

    def pend(self, raw_status: str) -> bool:
        """The provider accepted it but has not finished. Returns whether anything changed."""
        if self.state is not RefundState.REQUESTED:
            return False
        self.state, self.raw_status, self.lease_until = RefundState.PENDING, raw_status, None
        return True

    def finish(self, raw_status: str) -> bool:
        """The money went back. A refused refund is not revived by a stray word."""
        if not self.is_open:
            return False
        self.state, self.raw_status, self.lease_until = RefundState.DONE, raw_status, None
        return True

    def refuse(self, raw_status: str, reason: str | None) -> bool:
        """The provider will not refund it; its amount is free to refund again."""
        if not self.is_open:
            return False
        self.state, self.raw_status, self.reason = RefundState.REFUSED, raw_status, reason
        self.lease_until = None
        return True


def total(refunds: list[Refund], currency: str, *, held: bool = False) -> Money:
    """What the done refunds in `currency` add up to; `held`: with the open ones too."""
    counted = [r.amount for r in refunds if r.amount.currency == currency
               and (r.is_done or (held and r.is_open))]
    return sum(counted[1:], counted[0]) if counted else Money.from_minor_units(0, currency)


def reconcile(running: Money, before: Money, in_flight: Money | None) -> tuple[bool, Money]:
    """Read a provider's running refund total (everything refunded on the order) against what
    was done `before` and the one refund `in_flight` (None: none). Returns whether the refund in
    flight is done, and what was refunded that we did not ask for (a refund made in the
    provider's cabinet; zero: none).

    Equal to before plus the one in flight: that refund is done. Equal to before (or less: a
    stale word): nothing new. Anything else that is more: the difference is someone else's
    refund, and the one in flight is not done by another refund's money.
    """
    zero = Money.from_minor_units(0, running.currency)
    if running.amount <= before.amount:
        return False, zero
    if in_flight is not None and running == before + in_flight:
        return True, zero
    return False, running - before
