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
    CurrencyNotSupported,
    InvalidTransition,
    MessengerError,
    MessengerRateLimited,
    MessengerUnavailable,
    ProviderRejected,
    ProviderUnavailable,
)
from domain.events import EVENT_TYPES
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
MAX_NOTIFY_ATTEMPTS = 10  #: sends of one message before it is marked failed for good
POLL_RETRY_BASE = 30  #: seconds; a poll the provider did not answer comes back after this, doubled
POLL_RETRY_MAX = 3600  #: seconds; ... up to this
WATCH_FIRST = timedelta(minutes=1)  #: first look at a closed invoice whose payment is in flight
DEFAULT_SETTLE_WINDOW = timedelta(days=7)  #: PROVIDER_SETTLE_WINDOW's default
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

    The link is made in the same transaction: LiqPay's checkout link is signed here, without a
    network call, so an invoice is never stored half-made.
    """
    with d.uow() as uow:
        existing = uow.invoices.by_key(cmd.idempotency_key)
        if existing is not None:
            invoice = existing
        else:
            amount = Money(Decimal(cmd.amount), cmd.currency)
            provider, account_id = d.accounts.for_new_invoice(cmd.seller_id, uow)
            if amount.currency not in provider.currencies:
                raise CurrencyNotSupported(amount.currency, provider.currencies)
            created = now()
            invoice = Invoice.create(
                id=new_id(), code=new_code(), seller_id=cmd.seller_id, amount=amount,
                description=cmd.description, provider=provider.name,
                idempotency_key=cmd.idempotency_key, created_at=created,
                expires_at=created + d.settings.invoice_ttl, channel=cmd.channel,
                chat_id=cmd.chat_id, account_id=account_id)
            seller = uow.sellers.get(cmd.seller_id)
            if seller is not None:  # the seller's *Buyer details* choice, for this invoice
                invoice.ask_name, invoice.ask_phone = seller.ask_buyer_name, seller.ask_buyer_phone
            _link(invoice, seller, d)
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
    link = d.accounts.for_invoice(invoice).create_link(PaymentRequest(
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


def apply_fact(fact: ProviderStatus, unit_of_work: Callable[[], UnitOfWork],
               settle_window: timedelta = DEFAULT_SETTLE_WINDOW) -> list[int]:
    """Apply a verified provider fact to its invoice and commit; returns events to notify.

    The web edge calls this too, so a callback is acknowledged only once its fact is stored. An
    invoice the fact leaves unwatched stops being polled; a closed one whose payment it shows in
    flight starts being watched (the reconciler picks up its first poll).
    """
    def attempt() -> list[int]:
        with unit_of_work() as uow:
            invoice = uow.invoices.by_order_id(fact.order_id, for_update=True)
            if invoice is None:
                log.warning("Provider fact for unknown order %s ignored.", fact.order_id)
                return []
            moment = now()
            if not invoice.apply(fact, moment):
                return []
            until = invoice.watch_until(settle_window)
            schedule: dict[str, object] = {}
            if until is None:
                schedule["next_poll_at"] = None
            elif uow.invoices.poll_state(invoice.id)[1] is None and moment < until:
                schedule["next_poll_at"] = min(moment + WATCH_FIRST, until)
            uow.invoices.save(invoice, **schedule)
            uow.commit()
            return uow.notify_ids
    return _retrying(attempt)


def _following(invoice: Invoice, polls_done: int, window: timedelta,
               moment: datetime) -> datetime | None:
    """When to ask the provider about this invoice next, or None.

    On the usual back-off until the invoice stops being watched; a settling or closed invoice
    whose payment is in flight gets one last look at the end of the settle window.
    """
    until = invoice.watch_until(window)
    if until is None:
        return None
    due = next_poll_at(invoice.created_at, polls_done, until)
    if due is None and (invoice.settling or not invoice.is_open) and moment < until:
        return until
    return due


def _publish_poll(d: Deps, invoice_id: str, at: datetime | None) -> None:
    if at is not None:
        d.bus.publish(commands.PollInvoice(invoice_id),
                      delay_ms=int((at - now()).total_seconds() * 1000))


def poll_invoice(invoice_id: str, d: Deps) -> None:
    """Ask the provider about a watched invoice when its poll is due, then plan the next one.

    A duplicate message (the reconciler re-queued one that was only late) finds the poll not yet
    due and does nothing. A provider that does not answer backs off for this invoice alone; one
    that refuses the call stops this invoice's polling and the seller is told.
    """
    window = d.settings.provider_settle_window
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None or invoice.watch_until(window) is None:
            return
        polls, due, errors = uow.invoices.poll_state(invoice_id)
    if due is None or due > now() + POLL_EARLY:
        return
    try:
        fact = d.accounts.for_invoice(invoice).fetch_status(invoice.order_id)
    except ProviderUnavailable as exc:
        _poll_failed(invoice, errors + 1, exc, d)
        return
    except ProviderRejected as exc:
        _stop_polling(invoice_id, str(exc), d)
        return

    def attempt() -> tuple[list[int], datetime | None]:
        """Apply the answer and plan the next poll in one transaction."""
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            if current is None:
                return [], None
            moment = now()
            changed = current.apply(fact, moment)
            if current.is_open and moment >= current.expires_at:
                changed = current.expire(moment, fact, window) or changed
            following = _following(current, polls + 1, window, moment)
            plan = dict(polls_done=polls + 1, next_poll_at=following, poll_errors=0,
                        poll_requeued_at=None)
            if changed:
                uow.invoices.save(current, **plan)
            else:  # the usual answer: nothing new, only the schedule moves on
                uow.invoices.schedule(invoice_id, **plan)
            uow.commit()
            return uow.notify_ids, following
    notified, following = _retrying(attempt)
    deliver(notified, d)
    _publish_poll(d, invoice_id, following)


def _poll_failed(invoice: Invoice, errors: int, exc: Exception, d: Deps) -> None:
    """The provider did not answer: try this invoice again later, doubling the wait each time."""
    moment = now()
    until = invoice.watch_until(d.settings.provider_settle_window)
    wait = timedelta(seconds=min(POLL_RETRY_BASE * 2 ** (errors - 1), POLL_RETRY_MAX))
    following = min(moment + wait, until) if until is not None and moment < until else None
    log.warning("Status of %s not known (%s); asking again in %d s.", invoice.order_id, exc,
                int(wait.total_seconds()))
    with d.uow() as uow:
        uow.invoices.schedule(invoice.id, poll_errors=errors, next_poll_at=following,
                              poll_requeued_at=None)
        uow.commit()
    _publish_poll(d, invoice.id, following)


def _stop_polling(invoice_id: str, reason: str, d: Deps) -> None:
    """The provider refuses status calls for this invoice: stop asking, and say why, once."""
    log.error("Polling of invoice %s stopped: %s", invoice_id, reason)

    def attempt() -> list[int]:
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            if current is None or uow.invoices.poll_state(invoice_id)[1] is None:
                return []
            current.stop_watching(reason)
            uow.invoices.save(current, next_poll_at=None)
            uow.commit()
            return uow.notify_ids
    deliver(_retrying(attempt), d)


def expire_invoice(invoice_id: str, d: Deps) -> None:
    """At expiry ask the provider first: a success pays, a payment still in progress keeps the
    invoice open (settling, polled until the settle window ends), anything else expires it.

    A provider that cannot be reached raises: the message is retried and the reconciler finds
    the invoice again, so an invoice is never closed blind.
    """
    window = d.settings.provider_settle_window
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
    if invoice is None or not invoice.is_open or invoice.settling or now() < invoice.expires_at:
        return
    answer: ProviderStatus | None = None
    if invoice.status is InvoiceStatus.PENDING:
        try:
            answer = d.accounts.for_invoice(invoice).fetch_status(invoice.order_id)
        except ProviderRejected as exc:  # it will never say: callbacks still apply if they come
            log.warning("Expiring %s without the provider's word: %s", invoice.order_id, exc)

    def attempt() -> tuple[list[int], datetime | None]:
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            moment = now()
            if current is None or not current.expire(moment, answer, window):
                return [], None
            polls = uow.invoices.poll_state(invoice_id)[0]
            following = _following(current, polls, window, moment)
            uow.invoices.save(current, next_poll_at=following, poll_requeued_at=None)
            uow.commit()
            return uow.notify_ids, following
    notified, following = _retrying(attempt)
    deliver(notified, d)
    _publish_poll(d, invoice_id, following)


def check_status(cmd: commands.CheckStatus, d: Deps) -> None:
    """The seller tapped *Check status*: ask the provider now and always answer.

    Expired, failed and cancelled invoices younger than the settle window are asked about too:
    a success found that way is applied as paid late.
    """
    window = d.settings.provider_settle_window
    with d.uow().readonly() as uow:
        invoice = uow.invoices.by_code(cmd.code)
    if invoice is None or invoice.seller_id != cmd.seller_id:
        return
    notified: list[int] = []
    if invoice.checkable(now(), window):
        try:
            provider = d.accounts.for_invoice(invoice)
            notified = apply_fact(provider.fetch_status(invoice.order_id), d.uow, window)
        except (ProviderUnavailable, ProviderRejected) as exc:
            # answered at once from what is stored: a seller's thread never waits on retries
            log.warning("Check of %s could not reach the provider: %s", invoice.order_id, exc)
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
    """The seller cancels an unpaid invoice. The provider is told in the background, and a
    payment already in flight stays watched: if it succeeds, the invoice becomes paid late."""
    window = d.settings.provider_settle_window

    def attempt() -> tuple[list[int], Invoice | None]:
        with d.uow() as uow:
            invoice = uow.invoices.by_code(cmd.code, for_update=True)
            if invoice is None or invoice.seller_id != cmd.seller_id:
                return [], None
            try:
                invoice.cancel()
            except InvalidTransition:
                return [], invoice
            moment = now()
            until = invoice.watch_until(window)
            uow.invoices.save(invoice, next_poll_at=(
                None if until is None else min(moment + WATCH_FIRST, until)))
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
        deliver(notified, d)
    finally:
        d.bus.publish(commands.CancelAtProvider(invoice.id))


def cancel_at_provider(invoice_id: str, d: Deps) -> None:
    """Close a cancelled invoice's order at the provider too (background: it may be slow)."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
    if invoice is None or invoice.status is not InvoiceStatus.CANCELLED:
        return
    try:
        d.accounts.for_invoice(invoice).cancel(invoice.order_id)
    except ProviderRejected as exc:  # a late payment is still caught (paid late) by polls
        log.warning("Provider cancel of %s refused: %s.", invoice.order_id, exc)


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
        uow.events.mark_notified(event_id, now(), message_id)
        if is_invoice_message and message_id:
            uow.invoices.schedule(invoice.id, message_id=message_id)
        uow.commit()
    if event_name in ("InvoicePaid", "InvoiceRefunded") and invoice.buyer_email:
        # once per invoice and kind: see receipts.py
        d.bus.publish(commands.SendReceipt(invoice.id, "paid" if event_name == "InvoicePaid"
                                           else "refunded"))


def _release(event_id: int, d: Deps) -> None:
    with d.uow() as uow:
        uow.events.release(event_id)
        uow.commit()


def _give_up(event_id: int, reason: str, d: Deps) -> None:
    log.error("Message of event %d failed for good: %s.", event_id, reason)
    with d.uow() as uow:
        uow.events.mark_failed(event_id, now(), reason)
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
        moment = now()
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
        seller = uow.sellers.get(invoice.seller_id)
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
