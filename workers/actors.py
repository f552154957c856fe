"""Dramatiq actors: one body for every command, driven by COMMAND_HANDLERS (command class →
handler). Declared on whichever broker the process built.

Each command keeps its own actor name (`Command.actor`), the name its messages carry on the
wire, so messages queued before a deploy still run; the body behind every name is `_body`.

Policy lives in one place: `retry_when` below decides what is worth retrying, and a
rate-limited send comes back after exactly the wait the messenger asked for.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import dramatiq
import redis
from dramatiq.middleware import CurrentMessage
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain import commands
from domain.errors import (
    CurrencyNotSupported,
    MessengerRateLimited,
    MessengerUnavailable,
    NoPaymentAccount,
    ProviderUnavailable,
    ServiceUnavailable,
)
from domain.i18n import t
from storage.queue import queue_of
from workers import (
    answers,
    connect,
    deliveries,
    handlers,
    links,
    manual,
    notify,
    polls,
    receipts,
    refunds,
    reports,
    support,
)
from workers.fiscal import connect as fiscal_connect
from workers.fiscal import receipts as fiscal_receipts
from workers.fiscal import shifts as fiscal_shifts
from workers.runtime import Deps, deps

log = logging.getLogger(__name__)

#: failures worth another try; anything else (a refusal, a bug) is logged and dropped. The
#: database's are all here: a connection refused or dropped, and the pool's own time-out (not
#: the builtin TimeoutError)
TRANSIENT = (ProviderUnavailable, MessengerUnavailable, MessengerRateLimited, ServiceUnavailable,
             OperationalError, InterfaceError, DisconnectionError, PoolTimeout, redis.RedisError,
             ConnectionError, TimeoutError, dramatiq.Retry)
MAX_RETRIES = 12
STILL_WORKING_AFTER = 3.0  #: seconds after the seller's tap before they hear "still working on it"
STILL_WORKING_TTL = 24 * 3600  #: seconds the "told once" mark is kept


def retry_when(retries: int, exc: BaseException) -> bool:
    return retries < MAX_RETRIES and isinstance(exc, TRANSIENT)


C = TypeVar("C", bound=commands.Command)
Handler = Callable[[Any, Deps], object]


def _on(kind: type[C], handler: Callable[[C, Deps], object],
        ) -> tuple[type[commands.Command], Handler]:
    """One row of COMMAND_HANDLERS: the handler takes the command of exactly this class."""
    return kind, handler


#: Who carries out each command: a reader goes from a command here straight to its handler.
#: Each runs under the same policy (retry_when, the queue's time limit), on the queue that
#: `storage.queue.queue_of` gives the command's wire name.
COMMAND_HANDLERS: dict[type[commands.Command], Handler] = dict([
    _on(commands.CreateInvoice, handlers.create_invoice),
    _on(commands.IssueLink, lambda c, d: handlers.issue_link(c.invoice_id, d)),
    _on(commands.CheckStatus, handlers.check_status),
    _on(commands.CancelInvoice, handlers.cancel_invoice),
    _on(commands.CancelAtProvider, lambda c, d: handlers.cancel_at_provider(c.invoice_id, d)),
    _on(commands.PollInvoice, lambda c, d: polls.poll_invoice(c.invoice_id, d)),
    _on(commands.ExpireInvoice, lambda c, d: polls.expire_invoice(c.invoice_id, d)),
    _on(commands.NotifySeller, lambda c, d: notify.notify_seller(c.event_id, d)),
    _on(commands.TrimInvoiceButtons, lambda c, d: notify.trim_invoice_buttons(c.invoice_id, d)),
    _on(commands.TellSeller, lambda c, d: notify.tell(d, c.channel, c.chat_id, c.text)),
    _on(commands.ConnectAccount, connect.connect_account),
    _on(commands.DeliverWebhook, lambda c, d: deliveries.deliver_webhook(c.delivery_id, d)),
    _on(commands.ManageWebhook, deliveries.manage),
    _on(commands.SendLink, links.send_link),
    _on(commands.SendReceipt, lambda c, d: receipts.send_receipt(c.invoice_id, d, c.kind)),
    _on(commands.RefundInvoice, refunds.refund_invoice),
    _on(commands.ReconcileRefunds, lambda c, d: refunds.reconcile_refunds(c.order_id, d)),
    _on(commands.OpenManualPayment, manual.open_by_seller),
    _on(commands.DecideManualPayment, manual.decide),
    _on(commands.RecordManualPayment, manual.record),
    _on(commands.RefundManualPayment, manual.refund),
    _on(commands.SupportAct, support.support_act),
    _on(commands.RegisterFiscalReceipt,
        lambda c, d: fiscal_receipts.register_receipt(c.receipt_id, d)),
    _on(commands.CloseFiscalShift, lambda c, d: fiscal_shifts.close_shift(c.seller_id, d)),
    _on(commands.ConnectFiscal, fiscal_connect.connect_fiscal),
    _on(commands.AnswerInViber, answers.answer_in_viber),
    _on(commands.SendReport, lambda c, d: reports.send_report(c, d, d.senders)),
])

#: commands a seller is waiting on: after STILL_WORKING_AFTER they hear, once, that it is coming
SELLER_WAITS: frozenset[type[commands.Command]] = frozenset({commands.CreateInvoice})


def run(command: commands.Command) -> None:
    """Carry out one command in this process (what every actor does with its message)."""
    d = deps()
    handler = COMMAND_HANDLERS[type(command)]
    if type(command) not in SELLER_WAITS:
        handler(command, d)
        return
    message = CurrentMessage.get_current_message()
    sent_at = message.message_timestamp / 1000 if message is not None else time.time()
    timer = threading.Timer(max(0.0, sent_at + STILL_WORKING_AFTER - time.time()),
                            _still_working, args=(command, d))
    timer.daemon = True
    timer.start()
    try:
        handler(command, d)
    finally:
        timer.cancel()


def _still_working(cmd: Any, d: Deps) -> None:
    """Say once per command, whatever the number of retries, that it is still being done (the
    database is away, and every retry waits for it)."""
    try:
        if d.redis.set(f"chatpay:still-working:{cmd.idempotency_key}", 1, nx=True,
                       ex=STILL_WORKING_TTL):
            notify.tell(d, cmd.channel, cmd.chat_id, t(cmd.language, "still_working"))
    except Exception as exc:  # only a courtesy: the command itself is not affected
        log.info("Could not say 'still working' for %s: %s.", cmd.idempotency_key, exc)


def _body(kind: type[commands.Command]) -> Callable[[dict[str, Any]], None]:
    """The one actor body, for the messages of one command class: parse, run, and turn a
    messenger's "wait" into a retry after exactly that wait."""
    def perform(payload: dict[str, Any]) -> None:
        try:
            run(kind.from_dict(payload))
        except MessengerRateLimited as exc:
            raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from exc
    perform.__name__ = kind.actor
    return perform


def invoice_creation_failed(message_data: dict[str, Any], exception_data: dict[str, Any]) -> None:
    """Every try to create an invoice failed: tell the seller plainly instead of leaving them waiting."""
    payload = message_data["args"][0]
    d = deps()
    lang = payload.get("language") or "uk"  # from the command: the database may be what failed
    if exception_data.get("type") == CurrencyNotSupported.__name__:
        text = t(lang, "currency_not_supported", currency=payload["currency"],
                 supported=", ".join(sorted(d.accounts.currencies)))
    elif exception_data.get("type") == NoPaymentAccount.__name__:
        text = t(lang, "need_account_first")  # nothing to retry: the seller must connect one
    else:
        text = t(lang, "unavailable")
    log.warning("Invoice %s could not be created: %s.", payload["idempotency_key"],
                exception_data.get("message"))
    notify.tell(d, payload["channel"], payload["chat_id"], text)


def declare(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    """Declare every actor on `broker` (the worker process's, or a test's)."""
    declared: dict[str, Any] = {}
    for kind in COMMAND_HANDLERS:
        declared[kind.actor] = dramatiq.Actor(
            _body(kind), broker=broker, actor_name=kind.actor, queue_name=queue_of(kind.actor),
            priority=0, options={"retry_when": retry_when})
    declared["invoice_creation_failed"] = dramatiq.Actor(
        invoice_creation_failed, broker=broker, actor_name="invoice_creation_failed",
        queue_name=queue_of("invoice_creation_failed"), priority=0, options={"max_retries": 3})
    return declared
