"""The table of what follows each event (domain.reactions)."""
from __future__ import annotations

from domain import events
from domain.events import Event
from domain.reactions import EVENT_REACTIONS, Reaction, needed, reactions_of_kind, reactions_to
from domain.webhooks import SHOP_EVENTS

MONEY_MOVES = {events.InvoicePaid, events.ExtraPaymentReceived, events.InvoiceRefunded}


def with_reaction(reaction: Reaction) -> set[type[Event]]:
    return {kind for kind, follows in EVENT_REACTIONS.items() if reaction in follows}


def test_every_event_a_shop_hears_about_is_delivered_and_has_a_name_for_the_shop() -> None:
    assert {kind.__name__ for kind in with_reaction(Reaction.SHOP_DELIVERY)} == set(SHOP_EVENTS)


def test_every_movement_of_money_and_only_that_makes_a_fiscal_receipt() -> None:
    assert with_reaction(Reaction.FISCAL_RECEIPT) == MONEY_MOVES


def test_the_buyer_gets_a_receipt_for_a_payment_and_a_refund() -> None:
    assert with_reaction(Reaction.BUYER_RECEIPT) == {events.InvoicePaid, events.InvoiceRefunded}
    assert Reaction.BUYER_RECEIPT not in reactions_of_kind("ExtraPaymentReceived")


def test_telling_the_seller_follows_the_event_itself() -> None:
    paid = events.InvoicePaid("i", "10.00", "UAH", False, "success")
    assert reactions_to(paid) == {Reaction.TELL_SELLER, Reaction.SHOP_DELIVERY,
                                  Reaction.FISCAL_RECEIPT, Reaction.BUYER_RECEIPT}
    recorded = events.ManualPaymentOpened("i", "p", "Cash", "10", "UAH", "2026-01-01", "", "seller",
                                          asks=False)
    assert reactions_to(recorded) == frozenset()  # the seller's own record is not news to them
    assert needed([events.InvoiceLinkIssued("i"), events.InvoiceCreated("i", "1", "UAH")]) == {
        Reaction.TELL_SELLER}
