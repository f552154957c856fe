"""Dramatiq actors: thin, take ids, call a handler. Declared on whichever broker the process built.

Policy lives in one place: `retry_when` below decides what is worth retrying, and a
rate-limited send comes back after exactly the wait the messenger asked for.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

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
    receipts,
    refunds,
    reports,
    support,
)
from workers.fiscal import connect as fiscal_connect
from workers.fiscal import receipts as fiscal_receipts
from workers.fiscal import shifts as fiscal_shifts
from workers.runtime import deps

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


def _actor(fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def run(payload: dict[str, Any]) -> None:
        try:
            fn(payload)
        except MessengerRateLimited as exc:
            raise dramatiq.Retry(str(exc), delay=int(exc.retry_after * 1000)) from exc
    run.__name__ = fn.__name__
    return run


def create_invoice(payload: dict[str, Any]) -> None:
    """Make the invoice; if that takes more than a few seconds since the seller's tap (the
    database is away, and every retry waits for it), tell them once that it is still coming."""
    cmd: commands.CreateInvoice = commands.CreateInvoice.from_dict(payload)  # type: ignore[assignment]
    d = deps()
    message = CurrentMessage.get_current_message()
    sent_at = message.message_timestamp / 1000 if message is not None else time.time()
    timer = threading.Timer(max(0.0, sent_at + STILL_WORKING_AFTER - time.time()),
                            _still_working, args=(cmd, d))
    timer.daemon = True
    timer.start()
    try:
        handlers.create_invoice(cmd, d)
    finally:
        timer.cancel()


def _still_working(cmd: commands.CreateInvoice, d: Any) -> None:
    """Say once per invoice, whatever the number of retries, that it is still being made."""
    try:
        if d.redis.set(f"chatpay:still-working:{cmd.idempotency_key}", 1, nx=True,
                       ex=STILL_WORKING_TTL):
            handlers.tell(d, cmd.channel, cmd.chat_id, t(cmd.language, "still_working"))
    except Exception as exc:  # only a courtesy: the invoice itself is not affected
        log.info("Could not say 'still working' for %s: %s.", cmd.idempotency_key, exc)


def issue_link(payload: dict[str, Any]) -> None:
    handlers.issue_link(payload["invoice_id"], deps())


def poll_invoice(payload: dict[str, Any]) -> None:
    handlers.poll_invoice(payload["invoice_id"], deps())


def expire_invoice(payload: dict[str, Any]) -> None:
    handlers.expire_invoice(payload["invoice_id"], deps())


def check_status(payload: dict[str, Any]) -> None:
    handlers.check_status(commands.CheckStatus.from_dict(payload), deps())  # type: ignore[arg-type]


def cancel_invoice(payload: dict[str, Any]) -> None:
    handlers.cancel_invoice(commands.CancelInvoice.from_dict(payload), deps())  # type: ignore[arg-type]


def refund_invoice(payload: dict[str, Any]) -> None:
    refunds.refund_invoice(commands.RefundInvoice.from_dict(payload), deps())  # type: ignore[arg-type]


def reconcile_refunds(payload: dict[str, Any]) -> None:
    refunds.reconcile_refunds(payload["order_id"], deps())


def notify_seller(payload: dict[str, Any]) -> None:
    handlers.notify_seller(payload["event_id"], deps())


def trim_invoice_buttons(payload: dict[str, Any]) -> None:
    notify.trim_invoice_buttons(payload["invoice_id"], deps())


def tell_seller(payload: dict[str, Any]) -> None:
    handlers.tell(deps(), payload["channel"], payload["chat_id"], payload["text"])


def cancel_at_provider(payload: dict[str, Any]) -> None:
    handlers.cancel_at_provider(payload["invoice_id"], deps())


def connect_account(payload: dict[str, Any]) -> None:
    connect.connect_account(commands.ConnectAccount.from_dict(payload), deps())  # type: ignore[arg-type]


def deliver_webhook(payload: dict[str, Any]) -> None:
    deliveries.deliver_webhook(payload["delivery_id"], deps())


def manage_webhook(payload: dict[str, Any]) -> None:
    deliveries.manage(commands.ManageWebhook.from_dict(payload), deps())  # type: ignore[arg-type]


def send_link(payload: dict[str, Any]) -> None:
    links.send_link(commands.SendLink.from_dict(payload), deps())  # type: ignore[arg-type]


def send_receipt(payload: dict[str, Any]) -> None:
    receipts.send_receipt(payload["invoice_id"], deps(), payload.get("kind", "paid"))


def open_manual_payment(payload: dict[str, Any]) -> None:
    manual.open_by_seller(commands.OpenManualPayment.from_dict(payload), deps())  # type: ignore[arg-type]


def decide_manual_payment(payload: dict[str, Any]) -> None:
    manual.decide(commands.DecideManualPayment.from_dict(payload), deps())  # type: ignore[arg-type]


def record_manual_payment(payload: dict[str, Any]) -> None:
    manual.record(commands.RecordManualPayment.from_dict(payload), deps())  # type: ignore[arg-type]


def refund_manual_payment(payload: dict[str, Any]) -> None:
    manual.refund(commands.RefundManualPayment.from_dict(payload), deps())  # type: ignore[arg-type]


def support_act(payload: dict[str, Any]) -> None:
    support.support_act(commands.SupportAct.from_dict(payload), deps())  # type: ignore[arg-type]


def register_fiscal_receipt(payload: dict[str, Any]) -> None:
    fiscal_receipts.register_receipt(payload["receipt_id"], deps())


def close_fiscal_shift(payload: dict[str, Any]) -> None:
    fiscal_shifts.close_shift(payload["seller_id"], deps())


def connect_fiscal(payload: dict[str, Any]) -> None:
    fiscal_connect.connect_fiscal(commands.ConnectFiscal.from_dict(payload), deps())  # type: ignore[arg-type]


def answer_in_viber(payload: dict[str, Any]) -> None:
    answers.answer_in_viber(commands.AnswerInViber.from_dict(payload), deps())  # type: ignore[arg-type]


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
    handlers.tell(d, payload["channel"], payload["chat_id"], text)


def send_report(payload: dict[str, Any]) -> None:
    d = deps()
    reports.send_report(commands.SendReport.from_dict(payload), d, d.senders)  # type: ignore[arg-type]


ACTORS = (create_invoice, issue_link, poll_invoice, expire_invoice, check_status, cancel_invoice,
          notify_seller, trim_invoice_buttons, tell_seller, cancel_at_provider, connect_account, deliver_webhook,
          manage_webhook, send_link, send_receipt, refund_invoice, reconcile_refunds,
          open_manual_payment,
          decide_manual_payment, record_manual_payment, refund_manual_payment, support_act,
          register_fiscal_receipt, close_fiscal_shift, connect_fiscal, answer_in_viber,
          send_report)


def declare(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    """Declare every actor on `broker` (the worker process's, or a test's)."""
    declared = {}
    for fn in ACTORS:
        declared[fn.__name__] = dramatiq.Actor(
            _actor(fn), broker=broker, actor_name=fn.__name__, queue_name=queue_of(fn.__name__),
            priority=0,
            options={"retry_when": retry_when})
    declared["invoice_creation_failed"] = dramatiq.Actor(
        invoice_creation_failed, broker=broker, actor_name="invoice_creation_failed",
        queue_name=queue_of("invoice_creation_failed"), priority=0, options={"max_retries": 3})
    return declared
