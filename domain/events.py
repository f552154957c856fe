"""Events: facts about an invoice, in the past tense. Each transition records one."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Event:
    invoice_id: str

    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if k != "invoice_id"}

    #: whether the seller is sent a message about it
    notifies_seller = False


@dataclass(frozen=True, slots=True)
class InvoiceCreated(Event):
    amount: str
    currency: str


@dataclass(frozen=True, slots=True)
class InvoiceLinkIssued(Event):
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class ProviderStatusRecorded(Event):
    """A non-final provider sub-status (processing, 3ds_verify, ...) was seen."""

    raw_status: str


@dataclass(frozen=True, slots=True)
class InvoicePaid(Event):
    amount: str
    currency: str
    late: bool
    raw_status: str
    provider_payment_id: str | None = None
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class InvoiceFailed(Event):
    raw_status: str
    reason: str | None = None
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class InvoiceExpired(Event):
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class InvoiceCancelled(Event):
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class InvoiceRefunded(Event):
    amount: str
    currency: str
    full: bool
    raw_status: str
    notifies_seller = True


@dataclass(frozen=True, slots=True)
class StatusUnchanged(Event):
    """A status check found nothing new; recorded so the seller is answered."""

    raw_status: str
    notifies_seller = True


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (InvoiceCreated, InvoiceLinkIssued, ProviderStatusRecorded, InvoicePaid,
                InvoiceFailed, InvoiceExpired, InvoiceCancelled, InvoiceRefunded, StatusUnchanged)
}
