"""What follows an event: the one table that says which reactions each kind of invoice event
starts. The unit of work carries them out in the transaction that records the event (so an
event and what follows it are stored together, or not at all: the outbox guarantee), and only
the reactions an event names cost anything: a seller with no shop and no register is never
asked about them.

- TELL_SELLER: the event's outbox row is marked to be sent to the seller (`notify`), as the
  event's `notifies_seller` says (for some kinds, per instance: a manual payment the seller
  recorded is not news to them).
- SHOP_DELIVERY: a delivery row for the seller's shop endpoint, when it is active
  (`domain.webhooks.SHOP_EVENTS` names it for the shop).
- FISCAL_RECEIPT: a receipt row for the seller's PRRO, when their receipts are automatic (a sale
  for a payment, a return for a refund).
- BUYER_RECEIPT: the buyer's e-mail receipt, when they gave an address; sent after the seller's
  message, which it rides on (a lost one is found with it).
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from domain.events import (
    Event,
    ExtraPaymentReceived,
    InvoiceCancelled,
    InvoiceExpired,
    InvoiceFailed,
    InvoicePaid,
    InvoiceRefunded,
)


class Reaction(StrEnum):
    TELL_SELLER = "tell_seller"
    SHOP_DELIVERY = "shop_delivery"
    FISCAL_RECEIPT = "fiscal_receipt"
    BUYER_RECEIPT = "buyer_receipt"


TELL, SHOP, FISCAL, BUYER = (Reaction.TELL_SELLER, Reaction.SHOP_DELIVERY,
                             Reaction.FISCAL_RECEIPT, Reaction.BUYER_RECEIPT)

#: what follows each kind of event besides telling the seller, which is the event's own
#: `notifies_seller` (an instance may decline it; see `reactions_to`). An event not here starts
#: nothing else.
EVENT_REACTIONS: dict[type[Event], frozenset[Reaction]] = {
    InvoicePaid: frozenset({SHOP, FISCAL, BUYER}),
    ExtraPaymentReceived: frozenset({FISCAL}),
    InvoiceRefunded: frozenset({SHOP, FISCAL, BUYER}),
    InvoiceFailed: frozenset({SHOP}),
    InvoiceExpired: frozenset({SHOP}),
    InvoiceCancelled: frozenset({SHOP}),
}


def reactions_to(event: Event) -> frozenset[Reaction]:
    """What follows this event."""
    told = frozenset({TELL}) if event.notifies_seller else frozenset()
    return told | EVENT_REACTIONS.get(type(event), frozenset())


def reactions_of_kind(name: str) -> frozenset[Reaction]:
    """What follows an event of this kind (by its stored name), apart from telling the seller."""
    return next((r for kind, r in EVENT_REACTIONS.items() if kind.__name__ == name),
                frozenset())


def needed(events: Iterable[Event]) -> frozenset[Reaction]:
    """Every reaction any of these events starts."""
    return frozenset().union(*(reactions_to(e) for e in events))
