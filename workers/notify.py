"""Seller notification: sending the outbox's messages, each exactly once.

A transaction records events and returns their ids; `deliver()` sends those right away and the
outbox (the reconciler) makes sure a lost one is found later.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from domain import commands
from domain.errors import (
    MessengerError,
    MessengerRateLimited,
    MessengerUnavailable,
    ServiceUnavailable,
)
from domain.events import EVENT_TYPES
from domain.invoice import Invoice
from domain.messaging import OutboundMessage
from domain.reactions import Reaction, reactions_of_kind
from storage.repository import Seller
from storage.tables import InvoiceEventRow
from workers import txn
from workers.render import live_buttons, render_event
from workers.runtime import Deps

#: the news after which the QR message's buttons no longer all make sense
ENDING_NEWS = frozenset({"InvoicePaid", "InvoiceFailed", "InvoiceExpired", "InvoiceCancelled",
                         "InvoiceRefunded"})
TRIM_AFTER_MS = 1_500  #: the QR message's buttons are trimmed once the news has gone out
log = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=2)  #: a sender that died holding a claim is presumed dead after it
MAX_NOTIFY_ATTEMPTS = 10  #: sends of one message before it is marked failed for good


@dataclass(frozen=True)
class Claimed:
    """Events a transaction recorded and claimed for this worker, with the invoice and seller it
    has just read: their messages are rendered from these, without reading them again."""
    rows: list[InvoiceEventRow]
    invoice: Invoice
    seller: Seller | None

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows if r.id is not None]

    def loaded(self, event_id: int) -> tuple[InvoiceEventRow, Invoice, Seller] | None:
        row = next((r for r in self.rows if r.id == event_id), None)
        return None if row is None or self.seller is None else (row, self.invoice, self.seller)


def deliver(event_ids: list[int], d: Deps, *, claimed: Claimed | None = None) -> None:
    """Send these events' messages now; a failure leaves them queued for a retry.

    `claimed`: the transaction that recorded them also claimed them for this worker.
    """
    for event_id in event_ids:
        try:
            notify_seller(event_id, d, claimed=claimed)
        except (MessengerRateLimited, MessengerUnavailable) as exc:
            delay = getattr(exc, "retry_after", 1.0)
            log.info("Message for event %d deferred %.1f s: %s.", event_id, delay, exc)
            d.bus.publish(commands.NotifySeller(event_id), delay_ms=int(delay * 1000))


def notify_seller(event_id: int, d: Deps, *, claimed: Claimed | None = None) -> None:
    """Send one event's message exactly once (claimed in the database before sending).

    Each claim counts an attempt; a message the messenger keeps failing is marked failed after
    MAX_NOTIFY_ATTEMPTS, with the reason, instead of being retried forever. News of a state that
    a later message about the same invoice has overtaken is not sent at all.
    """
    loaded = claimed.loaded(event_id) if claimed is not None else None
    prepared = (_claim_and_render(event_id, d, claim=claimed is None) if loaded is None
                else (*_render(*loaded, d), 1))
    if prepared is None:
        return  # sent, being sent, given up on, or overtaken
    message, invoice, seller, event_name, attempts = prepared
    is_invoice_message = event_name == "InvoiceLinkIssued"
    message_id: str | None = None
    if not seller.subscribed:
        log.info("Seller %d unsubscribed on %s; event %d not sent.", seller.id, invoice.channel,
                 event_id)
    else:
        try:
            message_id = d.senders[invoice.channel].send(message)
        except MessengerRateLimited:
            _release(event_id, d)  # asked to wait: that is not a failed attempt
            raise
        except MessengerUnavailable as exc:
            if attempts >= MAX_NOTIFY_ATTEMPTS:
                _give_up(event_id, f"{attempts} attempts failed; last: {exc}", d)
                return
            _release(event_id, d)  # another try later takes the claim again
            raise
        except MessengerError as exc:  # refused for good (blocked, gone): retrying would repeat it
            _give_up(event_id, f"refused: {exc}", d)
            return
    with d.uow() as uow:
        uow.events.mark_notified(event_id, txn.now(), message_id)
        if is_invoice_message and message_id:
            uow.invoices.schedule(invoice.id, message_id=message_id)
        uow.commit()
    if seller.subscribed and event_name in ENDING_NEWS and invoice.message_id \
            and invoice.channel == "telegram":
        try:  # later, on the background queue: the seller's next message goes first
            d.bus.publish(commands.TrimInvoiceButtons(invoice.id), delay_ms=TRIM_AFTER_MS)
        except ServiceUnavailable:
            log.info("The buttons of invoice %s's message stay as they are.", invoice.code)
    if event_name == "InvoicePaid" and any(
            a.in_flight and a.provider_ref for a in invoice.attempts):
        try:  # paid another way: a provider's own invoice left payable is invalidated
            d.bus.publish(commands.CancelAtProvider(invoice.id))
        except ServiceUnavailable:
            log.info("Invoice %s's other attempts stay open at their provider.", invoice.code)
    if Reaction.BUYER_RECEIPT in reactions_of_kind(event_name) and invoice.buyer_email:
        # once per invoice and kind: see receipts.py
        d.bus.publish(commands.SendReceipt(invoice.id, "paid" if event_name == "InvoicePaid"
                                           else "refunded"))


def trim_invoice_buttons(invoice_id: str, d: Deps) -> None:
    """Under the QR message, only the actions that still make sense now (Telegram edits it;
    Viber cannot, and its event message carries them). A courtesy: the sender refuses while the
    chat is busy (MessengerRateLimited: the queue tries again later); a refusal for good is
    logged, not retried."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
        seller = uow.seller_settings(invoice.seller_id).seller if invoice else None
        buttons = live_buttons(invoice, seller.language) if invoice and seller else ()
    if invoice is None or seller is None or not invoice.message_id:
        return
    try:
        d.senders[invoice.channel].edit_buttons(invoice.chat_id, invoice.message_id, buttons)
    except MessengerRateLimited:
        raise
    except MessengerError as exc:
        log.info("The buttons of invoice %s's message were not trimmed: %s.", invoice.code, exc)


def _release(event_id: int, d: Deps) -> None:
    with d.uow() as uow:
        uow.events.release(event_id)
        uow.commit()


def _give_up(event_id: int, reason: str, d: Deps) -> None:
    log.error("Message of event %d failed for good: %s.", event_id, reason)
    with d.uow() as uow:
        uow.events.mark_failed(event_id, txn.now(), reason)
        uow.commit()


def _claim_and_render(event_id: int, d: Deps, *, claim: bool,
                      ) -> tuple[OutboundMessage, Invoice, Seller, str, int] | None:
    """Take the right to send the event's message (unless the caller's transaction took it) and
    read what it says, in one transaction; None if another worker has it, or if a later message
    about the invoice overtook this one (then it is marked done unsent).

    Rendered before leaving the unit of work: a read-only one rolls back, which expires the rows.
    """
    unit = d.uow() if claim else d.uow().readonly()
    with unit as uow:
        moment = txn.now()
        if claim and not uow.events.claim(event_id, moment, moment - CLAIM_TTL):
            return None
        event = uow.events.get(event_id)
        assert event is not None
        kind = EVENT_TYPES.get(event.name)
        if claim and kind is not None and kind.superseded_by_later_news \
                and uow.events.later_news(event):
            log.info("Event %d (%s) overtaken by later news; not sent.", event_id, event.name)
            uow.events.mark_notified(event_id, moment, None)
            uow.commit()
            return None
        invoice = uow.invoices.get(event.invoice_id)
        assert invoice is not None
        seller = uow.seller_settings(invoice.seller_id).seller
        assert seller is not None
        attempts = event.notify_attempts
        if claim:
            uow.commit()
        return (*_render(event, invoice, seller, d), attempts)


def _render(event: InvoiceEventRow, invoice: Invoice, seller: Seller,
            d: Deps) -> tuple[OutboundMessage, Invoice, Seller, str]:
    """The event's message, with the event's name (the invoice message's id is kept for
    replies; a paid one sends the buyer's receipt)."""
    message = render_event(event, invoice, seller, d.settings.public_base_url)
    return message, invoice, seller, event.name


def tell(d: Deps, channel: str, chat_id: str, text: str) -> None:
    d.senders[channel].send(OutboundMessage(channel=channel, chat_id=chat_id, text=text))
