"""Service functions: what the workers (and the web edge, for callbacks) do with a command.

Each is idempotent: a message delivered twice, or a fact applied twice, changes nothing the second
time and sends nothing twice. They return the ids of events the seller must hear about;
`deliver()` sends those right away and the outbox makes sure a lost one is found later.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from domain import commands
from domain.errors import (
    CurrencyNotSupported, InvalidTransition, MessengerError, MessengerRateLimited,
    MessengerUnavailable, ProviderUnavailable, RecipientUnreachable,
)
from domain.i18n import status_word, t
from domain.invoice import Invoice, InvoiceStatus
from domain.messaging import OutboundMessage
from domain.money import Money
from domain.polling import next_poll_at
from domain.ports import PaymentRequest, ProviderStatus
from storage.repository import ConcurrentUpdate, Seller, new_code, new_id
from storage.tables import InvoiceEventRow
from storage.uow import UnitOfWork
from workers.render import pay_link, render_event
from workers.runtime import Deps

log = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=2)  #: a sender that died holding a claim is presumed dead after it
POLL_EARLY = timedelta(seconds=1)  #: a delayed message may arrive this much before its time
ATTEMPTS = 5  #: tries of a read-modify-write that lost a race
T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


def _retrying(fn: Callable[[], T]) -> T:
    """Run a read-modify-write again when another worker changed the invoice meanwhile."""
    for attempt in range(ATTEMPTS):
        try:
            return fn()
        except ConcurrentUpdate:
            if attempt == ATTEMPTS - 1:
                raise
            log.info("Invoice changed concurrently; trying again (attempt %d).", attempt + 2)
    raise AssertionError("unreachable")


def create_invoice(cmd: commands.CreateInvoice, d: Deps) -> str:
    """Store the invoice once per idempotency key, with its payable link, and show it to the
    seller. Returns its id.

    The link is made in the same transaction when the provider can make it; if the provider is
    unreachable the invoice is stored `created` and `issue_link` finishes it on a retry.
    """
    with d.uow() as uow:
        existing = uow.invoices.by_key(cmd.idempotency_key)
        if existing is not None:
            invoice = existing
        else:
            amount = Money(Decimal(cmd.amount), cmd.currency)
            if amount.currency not in d.provider.currencies:
                raise CurrencyNotSupported(amount.currency, d.provider.currencies)
            created = now()
            invoice = Invoice.create(
                id=new_id(), code=new_code(), seller_id=cmd.seller_id, amount=amount,
                description=cmd.description, provider=d.provider.name,
                idempotency_key=cmd.idempotency_key, created_at=created,
                expires_at=created + d.settings.invoice_ttl, channel=cmd.channel,
                chat_id=cmd.chat_id)
            seller = uow.sellers.get(cmd.seller_id)
            try:
                _link(invoice, seller, d)
            except ProviderUnavailable as exc:
                log.warning("Provider unreachable for %s; stored as created: %s.", invoice.id, exc)
            first_poll = _first_poll(invoice)
            try:
                uow.invoices.add(invoice, next_poll_at=first_poll)  # a duplicate key fails here
                uow.commit(claim=True)
            except IntegrityError:
                # the same command ran in another worker at the same moment: theirs stands
                log.info("Invoice for key %s was created concurrently.", cmd.idempotency_key)
                uow.session.rollback()
                existing = uow.invoices.by_key(cmd.idempotency_key)
                assert existing is not None
                return existing.id
            claimed = Claimed(uow.notify_rows, invoice, seller)
    if existing is None and invoice.status is InvoiceStatus.PENDING:
        # the seller waits for the QR; the poll and the expiry are due in seconds at the
        # earliest, and the reconciler schedules them from the database if this worker dies
        try:
            deliver(claimed.ids, d, claimed=claimed)
        finally:
            _schedule(d, invoice, first_poll)
    elif invoice.status is InvoiceStatus.CREATED:
        issue_link(invoice.id, d)
    return invoice.id


def _link(invoice: Invoice, seller: Seller | None, d: Deps) -> None:
    """Get the invoice's payable link from the provider (idempotent by order id)."""
    base = d.settings.public_base_url
    link = d.provider.create_link(PaymentRequest(
        order_id=invoice.order_id, amount=invoice.amount,
        description=invoice.description or f"chatpay {invoice.code}",
        expires_at=invoice.expires_at, server_url=f"{base}/callbacks/{invoice.provider}",
        result_url=f"{pay_link(base, invoice.code)}?back=1",
        language=seller.language if seller else "uk"))
    invoice.issue_link(link.url)


def _first_poll(invoice: Invoice) -> datetime | None:
    if invoice.status is not InvoiceStatus.PENDING:
        return None
    return next_poll_at(invoice.created_at, 0, invoice.expires_at)


def issue_link(invoice_id: str, d: Deps) -> None:
    """Finish an invoice stored as `created` (the provider was unreachable when it was made)."""
    def attempt() -> Claimed | None:
        with d.uow() as uow:
            invoice = uow.invoices.get(invoice_id, for_update=True)
            if invoice is None or invoice.status is not InvoiceStatus.CREATED:
                return None
            seller = uow.sellers.get(invoice.seller_id)
            _link(invoice, seller, d)
            uow.invoices.save(invoice, next_poll_at=_first_poll(invoice), polls_done=0)
            uow.commit(claim=True)
            return Claimed(uow.notify_rows, invoice, seller)
    claimed = _retrying(attempt)
    if claimed is not None:
        try:
            deliver(claimed.ids, d, claimed=claimed)
        finally:
            _schedule(d, claimed.invoice, _first_poll(claimed.invoice))


def _schedule(d: Deps, invoice: Invoice, poll_at: datetime | None) -> None:
    """Queue the next poll and the expiry; if Redis loses them the reconciler finds them."""
    moment = now()
    if poll_at is not None:
        d.bus.publish(commands.PollInvoice(invoice.id),
                      delay_ms=int((poll_at - moment).total_seconds() * 1000))
    d.bus.publish(commands.ExpireInvoice(invoice.id),
                  delay_ms=int((invoice.expires_at - moment).total_seconds() * 1000))


def apply_fact(fact: ProviderStatus, unit_of_work: Callable[[], UnitOfWork]) -> list[int]:
    """Apply a verified provider fact to its invoice and commit; returns events to notify.

    The web edge calls this too, so a callback is acknowledged only once its fact is stored.
    """
    def attempt() -> list[int]:
        with unit_of_work() as uow:
            invoice = uow.invoices.by_order_id(fact.order_id, for_update=True)
            if invoice is None:
                log.warning("Provider fact for unknown order %s ignored.", fact.order_id)
                return []
            if not invoice.apply(fact, now()):
                return []
            schedule = {} if invoice.is_open else {"next_poll_at": None}
            uow.invoices.save(invoice, **schedule)
            uow.commit()
            return uow.notify_ids
    return _retrying(attempt)


def poll_invoice(invoice_id: str, d: Deps) -> None:
    """Ask the provider about a pending invoice when its poll is due, then plan the next one.

    A duplicate message (the reconciler re-queued one that was only late) finds the poll not yet
    due and does nothing.
    """
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None or invoice.status is not InvoiceStatus.PENDING:
            return
        polls, due = uow.invoices.poll_state(invoice_id)
    if due is None or due > now() + POLL_EARLY:
        return
    fact = d.provider.fetch_status(invoice.order_id)
    following = next_poll_at(invoice.created_at, polls + 1, invoice.expires_at)

    def attempt() -> tuple[list[int], bool]:
        """Apply the answer and plan the next poll in one transaction; True: still pending."""
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            if current is None:
                return [], False
            changed = current.apply(fact, now())
            pending = current.status is InvoiceStatus.PENDING
            if pending and changed:
                uow.invoices.save(current, polls_done=polls + 1, next_poll_at=following)
            elif pending:  # the usual answer: nothing new, only the schedule moves on
                uow.invoices.schedule(invoice_id, polls_done=polls + 1, next_poll_at=following)
            elif changed:
                uow.invoices.save(current, **({} if current.is_open else {"next_poll_at": None}))
            else:
                return [], False
            uow.commit()
            return uow.notify_ids, pending
    notified, pending = _retrying(attempt)
    deliver(notified, d)
    if pending and following is not None:
        d.bus.publish(commands.PollInvoice(invoice_id),
                      delay_ms=int((following - now()).total_seconds() * 1000))


def expire_invoice(invoice_id: str, d: Deps) -> None:
    """At expiry ask the provider one last time (a success is never dropped), then expire."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
    if invoice is None or not invoice.is_open or now() < invoice.expires_at:
        return
    if invoice.status is InvoiceStatus.PENDING:
        deliver(apply_fact(d.provider.fetch_status(invoice.order_id), d.uow), d)

    def attempt() -> list[int]:
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            if current is None or not current.expire(now()):
                return []
            uow.invoices.save(current, next_poll_at=None)
            uow.commit()
            return uow.notify_ids
    deliver(_retrying(attempt), d)


def check_status(cmd: commands.CheckStatus, d: Deps) -> None:
    """The seller tapped *Check status*: ask the provider now and always answer."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.by_code(cmd.code)
    if invoice is None or invoice.seller_id != cmd.seller_id:
        return
    notified: list[int] = []
    if invoice.status is InvoiceStatus.PENDING:
        notified = apply_fact(d.provider.fetch_status(invoice.order_id), d.uow)
    if not notified:
        def attempt() -> list[int]:
            with d.uow() as uow:
                current = uow.invoices.by_code(cmd.code)
                assert current is not None
                current.note_unchanged()
                uow.invoices.save(current)
                uow.commit()
                return uow.notify_ids
        notified = _retrying(attempt)
    deliver(notified, d)


def cancel_invoice(cmd: commands.CancelInvoice, d: Deps) -> None:
    def attempt() -> tuple[list[int], Invoice | None]:
        with d.uow() as uow:
            invoice = uow.invoices.by_code(cmd.code, for_update=True)
            if invoice is None or invoice.seller_id != cmd.seller_id:
                return [], None
            try:
                invoice.cancel()
            except InvalidTransition:
                return [], invoice
            uow.invoices.save(invoice, next_poll_at=None)
            uow.commit()
            return uow.notify_ids, invoice
    notified, invoice = _retrying(attempt)
    if invoice is None:
        return
    if not notified:
        with d.uow().readonly() as uow:
            seller = uow.sellers.get(invoice.seller_id)
        lang = seller.language if seller else "uk"
        tell(d, invoice.channel, invoice.chat_id,
             t(lang, "cannot_cancel", status=status_word(invoice.status, lang)))
        return
    try:
        d.provider.cancel(invoice.order_id)
    except Exception as exc:  # a late payment is still caught (paid late) by callbacks/polls
        log.warning("Provider cancel of %s failed: %s.", invoice.order_id, exc)
    deliver(notified, d)


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
    """Send one event's message exactly once (claimed in the database before sending)."""
    loaded = claimed.loaded(event_id) if claimed is not None else None
    prepared = (_claim_and_render(event_id, d, claim=claimed is None) if loaded is None
                else _render(*loaded, d))
    if prepared is None:
        return  # sent, or being sent, by another worker
    message, invoice, seller, is_invoice_message = prepared
    message_id: str | None = None
    if not seller.subscribed:
        log.info("Seller %d unsubscribed on %s; event %d not sent.", seller.id, invoice.channel,
                 event_id)
    else:
        try:
            message_id = d.senders[invoice.channel].send(message)
        except RecipientUnreachable as exc:
            log.warning("Seller %d unreachable on %s: %s.", seller.id, invoice.channel, exc)
        except (MessengerRateLimited, MessengerUnavailable):
            with d.uow() as uow:  # another try later takes the claim again
                uow.events.release(event_id)
                uow.commit()
            raise
        except MessengerError as exc:  # refused for good: retrying would repeat the refusal
            log.error("%s refused event %d's message for good: %s.", invoice.channel, event_id, exc)
    with d.uow() as uow:
        uow.events.mark_notified(event_id, now(), message_id)
        if is_invoice_message and message_id:
            uow.invoices.schedule(invoice.id, message_id=message_id)
        uow.commit()


def _claim_and_render(event_id: int, d: Deps, *, claim: bool,
                      ) -> tuple[OutboundMessage, Invoice, Seller, bool] | None:
    """Take the right to send the event's message (unless the caller's transaction took it) and
    read what it says, in one transaction; None if another worker has it.

    Rendered before leaving the unit of work: a read-only one rolls back, which expires the rows.
    """
    unit = d.uow() if claim else d.uow().readonly()
    with unit as uow:
        if claim:
            moment = now()
            if not uow.events.claim(event_id, moment, moment - CLAIM_TTL):
                return None
        event = uow.events.get(event_id)
        assert event is not None
        invoice = uow.invoices.get(event.invoice_id)
        assert invoice is not None
        seller = uow.sellers.get(invoice.seller_id)
        assert seller is not None
        if claim:
            uow.commit()
        return _render(event, invoice, seller, d)


def _render(event: InvoiceEventRow, invoice: Invoice, seller: Seller,
            d: Deps) -> tuple[OutboundMessage, Invoice, Seller, bool]:
    """The event's message, and whether it is the invoice message (its id is kept for replies)."""
    message = render_event(event, invoice, seller, d.settings.public_base_url)
    return message, invoice, seller, event.name == "InvoiceLinkIssued"


def tell(d: Deps, channel: str, chat_id: str, text: str) -> None:
    d.senders[channel].send(OutboundMessage(channel=channel, chat_id=chat_id, text=text))
