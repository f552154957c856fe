"""Polling and expiry: asking the provider about watched invoices, backing off when it does
not answer, and closing an invoice at its expiry only on the provider's word."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain import commands
from domain.errors import AccountRefused, ProviderRejected, ProviderUnavailable
from domain.invoice import Invoice, InvoiceStatus
from domain.polling import next_poll_at
from domain.ports import ProviderStatus
from workers import txn
from workers.attempts import ask_about
from workers.notify import deliver
from workers.runtime import Deps
from workers.txn import retrying

log = logging.getLogger(__name__)

POLL_EARLY = timedelta(seconds=1)  #: a delayed message may arrive this much before its time
POLL_RETRY_BASE = 30  #: seconds; a poll the provider did not answer comes back after this, doubled
POLL_RETRY_MAX = 3600  #: seconds; ... up to this


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
                      delay_ms=int((at - txn.now()).total_seconds() * 1000))


def poll_invoice(invoice_id: str, d: Deps) -> None:
    """Ask the provider about a watched invoice when its poll is due, then plan the next one.

    A duplicate message (the reconciler re-queued one that was only late) finds the poll not yet
    due and does nothing. A provider that does not answer backs off for this invoice alone; one
    that refuses the call stops this invoice's polling and the seller is told.
    """
    window = d.settings.provider_settle_window
    with d.uow().readonly() as uow:
        # the schedule first: most polls find an invoice paid meanwhile (nothing due), and
        # that takes one look-up, not the invoice with its attempts and refunds
        state = uow.invoices.poll_state_of(invoice_id)
        if state is None:
            return
        polls, due, errors = state
        if due is None or due > txn.now() + POLL_EARLY:
            return
        invoice = uow.invoices.get(invoice_id)
        if invoice is None or invoice.watch_until(window) is None:
            return
    try:  # each attempt in flight (after a decline, none until the buyer tries again)
        facts = ask_about(d.accounts.for_attempts(invoice), invoice.attempts_in_flight)
    except (ProviderUnavailable, AccountRefused) as exc:
        # refused keys: the account is marked and its seller told once (not once per invoice);
        # the invoice stays watched, backing off, in case LiqPay takes the keys again
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
            moment = txn.now()
            changed = False
            for fact in facts:
                changed = current.apply(fact, moment) or changed
            if current.is_open and moment >= current.expires_at:
                changed = current.expire(moment, facts, window) or changed
            following = _following(current, polls + 1, window, moment)
            plan = dict(polls_done=polls + 1, next_poll_at=following, poll_errors=0,
                        poll_requeued_at=None)
            if changed:
                uow.invoices.save(current, **plan)
            else:  # the usual answer: nothing new, only the schedule moves on
                uow.invoices.schedule(invoice_id, **plan)
            uow.commit()
            return uow.notify_ids, following
    notified, following = retrying(attempt)
    deliver(notified, d)
    _publish_poll(d, invoice_id, following)


def _poll_failed(invoice: Invoice, errors: int, exc: Exception, d: Deps) -> None:
    """The provider did not answer: try this invoice again later, doubling the wait each time."""
    moment = txn.now()
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
    deliver(retrying(attempt), d)


def expire_invoice(invoice_id: str, d: Deps) -> None:
    """At expiry ask the provider first, about each attempt that has not paid: a success on
    any pays, a payment still in progress keeps the invoice open (settling, polled until the
    settle window ends), anything else expires it.

    A provider that cannot be reached raises: the message is retried and the reconciler finds
    the invoice again, so an invoice is never closed blind.
    """
    window = d.settings.provider_settle_window
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
    if invoice is None or not invoice.is_open or invoice.settling or txn.now() < invoice.expires_at:
        return
    answer: list[ProviderStatus] | None = None
    if invoice.status is InvoiceStatus.PENDING:
        try:  # about every attempt that has not paid: in flight, or declined and retried
            answer = ask_about(d.accounts.for_attempts(invoice), invoice.attempts_unpaid)
        except ProviderRejected as exc:  # it will never say: callbacks still apply if they come
            log.warning("Expiring %s without the provider's word: %s", invoice.order_id, exc)

    def attempt() -> tuple[list[int], datetime | None]:
        with d.uow() as uow:
            current = uow.invoices.get(invoice_id, for_update=True)
            moment = txn.now()
            if current is None or not current.expire(moment, answer, window):
                return [], None
            polls = uow.invoices.poll_state(invoice_id)[0]
            following = _following(current, polls, window, moment)
            uow.invoices.save(current, next_poll_at=following, poll_requeued_at=None)
            uow.commit()
            return uow.notify_ids, following
    notified, following = retrying(attempt)
    deliver(notified, d)
    _publish_poll(d, invoice_id, following)

