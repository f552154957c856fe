"""The seller's "paid" message gains a line with the fiscal number and the receipt's link, where
the messenger lets a bot edit its message (Telegram). Elsewhere, or when the edit cannot be
made (the paid message is not out yet, Telegram is away), the receipt comes as a reply."""
from __future__ import annotations

import logging
import time
from dataclasses import replace

from domain.errors import MessengerError
from domain.i18n import t
from domain.invoice import Invoice
from domain.messaging import OutboundMessage
from storage.repository import Seller
from workers.render import render_event
from workers.runtime import Deps

log = logging.getLogger(__name__)

PAID_MESSAGE_WAIT = 10.0  #: seconds the receipt's line waits for the paid message to be out


def add_to_paid_message(invoice: Invoice, fiscal_code: str, link: str, d: Deps) -> bool:
    """Whether the paid message now carries the receipt's line."""
    sender = d.senders.get(invoice.channel)
    edit = getattr(sender, "edit", None)
    if edit is None:
        return False
    found = _paid_message(invoice, d)
    if found is None:
        return False
    message, message_id, seller = found
    line = t(seller.language, "fiscal_paid_line", code=fiscal_code, link=link)
    message = replace(message, text=f"{message.text}\n\n{line}")
    try:
        edit(message, message_id)
    except MessengerError as exc:
        log.info("The paid message of %s did not take the receipt's line: %s.", invoice.code, exc)
        return False
    return True


def _paid_message(invoice: Invoice, d: Deps) -> tuple[OutboundMessage, str, Seller] | None:
    """The paid message as it was sent, and its id. It may still be on its way (it waits its
    turn behind the invoice message in the chat), so it is waited for, a few seconds at most."""
    deadline = time.monotonic() + PAID_MESSAGE_WAIT
    while True:
        with d.uow().readonly() as uow:
            paid = next((r for r in uow.events.for_invoice(invoice.id)
                         if r.name == "InvoicePaid"), None)
            if paid is not None and paid.reply_message_id:
                fresh = uow.invoices.get(invoice.id)
                seller = uow.sellers.get(invoice.seller_id)
                if fresh is None or seller is None:
                    return None
                return (render_event(paid, fresh, seller, d.settings.public_base_url),
                        str(paid.reply_message_id), seller)
            gone = paid is None or paid.notified_at is not None or paid.notify_failed_at
        if gone or time.monotonic() > deadline:
            return None  # not sent (unsubscribed, failed) or not yet: the receipt is a reply
        time.sleep(0.25)
