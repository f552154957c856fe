"""Service functions: what the workers (and the web edge, for callbacks) do with a command.

Each is idempotent: a message delivered twice, or a fact applied twice, changes nothing the second
time and sends nothing twice. They return the ids of events the seller must hear about;
`deliver()` sends those right away and the outbox makes sure a lost one is found later.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from domain import commands
from domain.errors import (
    AccountRefused,
    CurrencyNotSupported,
    InvalidTransition,
    ProviderRejected,
    ProviderUnavailable,
)
from domain.i18n import format_money, status_word, t
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.polling import next_poll_at
from domain.ports import ProviderStatus
from storage.repository import Seller, new_code, new_id
from storage.uow import UnitOfWork
from workers import attempts, txn
from workers.account_checks import refuse_invoice
from workers.notify import Claimed, deliver, tell
from workers.runtime import Deps
from workers.txn import retrying

log = logging.getLogger(__name__)

WATCH_FIRST = timedelta(minutes=1)  #: first look at a closed invoice whose payment is in flight
DEFAULT_SETTLE_WINDOW = timedelta(days=7)  #: PROVIDER_SETTLE_WINDOW's default


def create_invoice(cmd: commands.CreateInvoice, d: Deps) -> str | None:
    """Store the invoice once per idempotency key, with its payable link, and show it to the
    seller. Returns its id, or None when its account is refused (nothing is made).

    The link is made in the same transaction: LiqPay's checkout link is signed here, without a
    network call, so an invoice is never stored half-made. Its account is checked before (see
    ProviderAccounts.ready_for_new_invoice), outside the transaction.
    """
    with d.uow().readonly() as uow:  # one read: the key, and the account with its last check
        made = uow.invoices.by_key(cmd.idempotency_key) is not None
        state = None if made else d.accounts.account_state(cmd.seller_id, uow)
    if not made:
        try:
            d.accounts.ready_for_new_invoice(cmd.seller_id, state)
        except AccountRefused as exc:
            refuse_invoice(cmd, exc, d)
            return None
    with d.uow() as uow:
        existing = uow.invoices.by_key(cmd.idempotency_key)
        if existing is not None:
            invoice = existing
        else:
            amount = Money(Decimal(cmd.amount), cmd.currency)
            provider, account_id = d.accounts.for_new_invoice(cmd.seller_id, uow)
            if amount.currency not in provider.currencies:
                raise CurrencyNotSupported(amount.currency, provider.currencies)
            created = txn.now()
            invoice = Invoice.create(
                id=new_id(), code=new_code(), seller_id=cmd.seller_id, amount=amount,
                description=cmd.description, provider=provider.name,
                idempotency_key=cmd.idempotency_key, created_at=created,
                expires_at=created + d.settings.invoice_ttl, channel=cmd.channel,
                chat_id=cmd.chat_id, account_id=account_id)
            seller = uow.seller_settings(cmd.seller_id).seller
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
    """Get the invoice's payable link (its first attempt's) from the provider."""
    attempts.issue_link(invoice, seller, d.accounts.for_invoice(invoice),
                        d.settings.public_base_url)



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
    claimed = retrying(attempt)
    if claimed is not None:
        try:
            deliver(claimed.ids, d, claimed=claimed)
        finally:
            _schedule(d, claimed.invoice, _first_poll(claimed.invoice))


def _schedule(d: Deps, invoice: Invoice, poll_at: datetime | None) -> None:
    """Queue the next poll and the expiry; if Redis loses them the reconciler finds them."""
    moment = txn.now()
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
            moment = txn.now()
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
    return retrying(attempt)


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
    if invoice.checkable(txn.now(), window):
        try:
            for fact in attempts.ask_about(d.accounts.for_attempts(invoice),
                                           attempts.to_check(invoice)):
                notified += apply_fact(fact, d.uow, window)
        except (ProviderUnavailable, ProviderRejected) as exc:
            # answered at once, saying the check could not be made: a seller's thread never
            # waits on retries, and "not paid yet" would hide that nobody was asked
            log.warning("Check of %s could not reach the provider: %s", invoice.order_id, exc)
            _check_failed(invoice, d, keys=isinstance(exc, AccountRefused))
            return
    if not notified:
        def attempt() -> list[int]:
            with d.uow() as uow:
                current = uow.invoices.by_code(cmd.code)
                assert current is not None
                current.note_unchanged()
                uow.invoices.save(current)
                uow.commit()
                return uow.notify_ids
        notified = retrying(attempt)
    deliver(notified, d)


def _check_failed(invoice: Invoice, d: Deps, *, keys: bool) -> None:
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(invoice.seller_id)
    lang = seller.language if seller else "uk"
    described = f" — {invoice.description}" if invoice.description else ""
    tell(d, invoice.channel, invoice.chat_id,
         t(lang, "check_failed_keys" if keys else "check_failed",
           amount=format_money(invoice.amount, lang), description=described))


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
            moment = txn.now()
            until = invoice.watch_until(window)
            uow.invoices.save(invoice, next_poll_at=(
                None if until is None else min(moment + WATCH_FIRST, until)))
            uow.commit()
            return uow.notify_ids, invoice
    notified, invoice = retrying(attempt)
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
    """Close a cancelled invoice's orders at the provider too (background: it may be slow);
    of a paid one, the attempts a provider keeps payable by an invoice of its own."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
    if invoice is None or invoice.status not in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID):
        return
    paid = invoice.status is InvoiceStatus.PAID
    for attempt in invoice.attempts_in_flight:
        if paid and not attempt.provider_ref:
            continue
        try:
            d.accounts.for_attempt(invoice, attempt).cancel(attempt.order_id)
        except ProviderRejected as exc:  # a late payment is still caught (paid late) by polls
            log.warning("Provider cancel of %s refused: %s.", attempt.order_id, exc)
