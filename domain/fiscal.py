"""A fiscal receipt registered through the seller's PRRO (Checkbox): its own state machine.

`queued` (made once per payment: our receipt id is its identity, and the PRRO's too) → `pending`
(the PRRO was unreachable; tried again with backoff within its 36-hour offline window) →
`accepted` (the PRRO has it, not yet fiscalised: read again with backoff) → `done` (a fiscal
number and a public link) | `refused` (the PRRO said no, or the window ran out; a person may
`retry()` it after the fix) | `stuck` (the PRRO kept it CREATED for the whole 36-hour window:
no more reads, the seller is told to look in the PRRO's cabinet).
The id stays: every try asks the PRRO for that id first, and the PRRO itself refuses a second
receipt with it, so a payment is never registered twice. Only a receipt the PRRO ended in ERROR
(not fiscal, yet its id is taken) is retried under a new id.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.events import Event


class ReceiptState(StrEnum):
    QUEUED = "queued"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DONE = "done"
    REFUSED = "refused"
    STUCK = "stuck"


class FiscalMode(StrEnum):
    AUTOMATIC = "automatic"  #: a receipt for every paid invoice and every refund
    OFF = "off"


SALE, RETURN = "sell", "return"
#: how the buyer paid, as the PRRO names it: a card (or a transfer), or cash in hand
CASHLESS, CASH = "CASHLESS", "CASH"
OFFLINE_WINDOW = timedelta(hours=36)  #: a PRRO may register a sale this late
#: waits between tries while the PRRO is unreachable (the last one repeats)
BACKOFF = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2),
           timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=1))
#: how long to wait for an accepted receipt to be fiscalised before looking again: a quarter of
#: its age, from ACCEPTED_RECHECK up to ACCEPTED_RECHECK_MAX (about 60 reads in the 36 hours)
ACCEPTED_RECHECK = timedelta(seconds=30)
ACCEPTED_RECHECK_MAX = timedelta(hours=1)
STUCK_REASON = "@fiscal_reason_stuck"
#: a reason of ours is a text key (domain/i18n_fiscal.py) behind "@"; the PRRO's are its words
OFFLINE_REASON = "@fiscal_reason_offline"
OPEN_STATES = frozenset({ReceiptState.QUEUED, ReceiptState.PENDING, ReceiptState.ACCEPTED})


@dataclass
class FiscalReceipt:
    id: str  #: our receipt id, sent to the PRRO as its id
    invoice_id: str
    seller_id: int
    kind: str  #: SALE or RETURN
    amount_minor: int
    currency: str
    created_at: datetime
    state: ReceiptState = ReceiptState.QUEUED
    attempts: int = 0
    next_try_at: datetime | None = None
    fiscal_code: str | None = None
    link: str | None = None
    reason: str | None = None
    told_pending: bool = False
    #: the PRRO has a receipt under our id that ended in ERROR (not fiscal): a retry needs a new id
    errored: bool = False
    related_id: str | None = None  #: a return's sale receipt
    card_mask: str | None = None
    auth_code: str | None = None
    rrn: str | None = None  #: the payment's retrieval reference number, when the provider gave it
    refund_key: str = ""
    payment_type: str = CASHLESS

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def unavailable(self, now: datetime, reason: str) -> Event:
        """The PRRO did not answer. Try again later, or give up once its window is over."""
        if now - self.created_at >= OFFLINE_WINDOW:
            return self.refuse(OFFLINE_REASON)
        wait = BACKOFF[min(max(self.attempts - 1, 0), len(BACKOFF) - 1)]
        self.next_try_at = now + wait
        if self.state is ReceiptState.QUEUED:
            self.state = ReceiptState.PENDING
        tell = not self.told_pending
        self.told_pending = True
        return FiscalReceiptPending(self.invoice_id, self.id, self.kind, self.amount_minor,
                                    self.currency, reason, self.next_try_at.isoformat(),
                                    tell=tell)

    def accept(self, now: datetime) -> Event | None:
        """The PRRO has the receipt and is fiscalising it: look again later, each wait longer
        than the last; once the 36-hour window is over, it is stuck and nobody looks again."""
        if self.state is ReceiptState.STUCK:
            return None
        age = now - self.created_at
        if age >= OFFLINE_WINDOW:
            self.state, self.reason, self.next_try_at = ReceiptState.STUCK, STUCK_REASON, None
            return FiscalReceiptStuck(self.invoice_id, self.id, self.kind, self.amount_minor,
                                      self.currency, int(age.total_seconds() // 3600))
        self.next_try_at = now + min(max(age / 4, ACCEPTED_RECHECK), ACCEPTED_RECHECK_MAX)
        if self.state is ReceiptState.ACCEPTED:
            return None
        self.state = ReceiptState.ACCEPTED
        return FiscalReceiptAccepted(self.invoice_id, self.id, self.kind)

    def issue(self, fiscal_code: str, link: str) -> Event | None:
        if self.state is ReceiptState.DONE:
            return None
        self.state, self.fiscal_code, self.link = ReceiptState.DONE, fiscal_code, link
        self.next_try_at, self.reason = None, None
        return FiscalReceiptIssued(self.invoice_id, self.id, self.kind, fiscal_code, link,
                                   self.amount_minor, self.currency)

    def refuse(self, reason: str, *, errored: bool = False) -> Event:
        self.state, self.reason, self.next_try_at = ReceiptState.REFUSED, reason, None
        self.errored = errored
        return FiscalReceiptRefused(self.invoice_id, self.id, self.kind, self.amount_minor,
                                    self.currency, reason)

    def retry(self, now: datetime, by: str) -> Event | None:
        """After the seller fixed what the PRRO refused: the same receipt, the same id."""
        if self.state is not ReceiptState.REFUSED:
            return None
        self.state, self.next_try_at, self.reason = ReceiptState.QUEUED, now, None
        self.created_at = now  # a new offline window from the fix
        self.told_pending = False
        previous = self.id
        if self.errored:  # the PRRO keeps the failed one under the old id; it is not fiscal
            self.id, self.errored = str(uuid.uuid4()), False
        return FiscalReceiptRetried(self.invoice_id, self.id, self.kind, by, previous)


# -- the invoice's history -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FiscalReceiptQueued(Event):
    receipt_id: str
    kind: str
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class FiscalReceiptPending(Event):
    """The PRRO was unreachable; the seller hears "receipt pending" once."""
    receipt_id: str
    kind: str
    amount_minor: int
    currency: str
    reason: str
    next_try_at: str
    tell: bool = False

    @property
    def notifies_seller(self) -> bool:  # type: ignore[override]
        return self.tell


@dataclass(frozen=True, slots=True)
class FiscalReceiptAccepted(Event):
    receipt_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class FiscalReceiptIssued(Event):
    """Registered. The seller reads the number and link in a message of its own, unless the
    paid message itself gained them (`in_paid_message`: Telegram lets a bot edit it)."""
    receipt_id: str
    kind: str
    fiscal_code: str
    link: str
    amount_minor: int
    currency: str
    in_paid_message: bool = False

    @property
    def notifies_seller(self) -> bool:  # type: ignore[override]
        return not self.in_paid_message


@dataclass(frozen=True, slots=True)
class FiscalReceiptRefused(Event):
    receipt_id: str
    kind: str
    amount_minor: int
    currency: str
    reason: str
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class FiscalReceiptStuck(Event):
    """The PRRO took the receipt but never fiscalised it within its 36-hour window."""
    receipt_id: str
    kind: str
    amount_minor: int
    currency: str
    hours: int
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class FiscalReceiptRetried(Event):
    receipt_id: str
    kind: str
    by: str
    previous_id: str = ""  #: the id it had, when the PRRO's failed receipt needed a new one
