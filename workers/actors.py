"""Dramatiq actors: thin, take ids, call a handler. Declared on whichever broker the process built.

Policy lives in one place: `retry_when` below decides what is worth retrying, and a
rate-limited send comes back after exactly the wait the messenger asked for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from sqlalchemy.exc import OperationalError

from domain import commands
from domain.errors import (
    CurrencyNotSupported, MessengerRateLimited, MessengerUnavailable, ProviderUnavailable,
    ServiceUnavailable,
)
from domain.i18n import t
from storage.queue import QUEUE
from workers import handlers
from workers.runtime import deps

log = logging.getLogger(__name__)

#: failures worth another try; anything else (a refusal, a bug) is logged and dropped
TRANSIENT = (ProviderUnavailable, MessengerUnavailable, MessengerRateLimited, ServiceUnavailable,
             OperationalError, ConnectionError, TimeoutError, dramatiq.Retry)
MAX_RETRIES = 12


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
    handlers.create_invoice(commands.CreateInvoice.from_dict(payload), deps())  # type: ignore[arg-type]


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


def notify_seller(payload: dict[str, Any]) -> None:
    handlers.notify_seller(payload["event_id"], deps())


def tell_seller(payload: dict[str, Any]) -> None:
    handlers.tell(deps(), payload["channel"], payload["chat_id"], payload["text"])


def apply_provider_status(payload: dict[str, Any]) -> None:
    d = deps()
    fact = d.provider.parse_callback(payload["form"])
    handlers.deliver(handlers.apply_fact(fact, d.uow), d)


def invoice_creation_failed(message_data: dict[str, Any], exception_data: dict[str, Any]) -> None:
    """Every try to create an invoice failed: tell the seller plainly instead of leaving them waiting."""
    payload = message_data["args"][0]
    d = deps()
    with d.uow() as uow:
        seller = uow.sellers.get(payload["seller_id"])
    lang = seller.language if seller else "uk"
    if exception_data.get("type") == CurrencyNotSupported.__name__:
        text = t(lang, "currency_not_supported", currency=payload["currency"],
                 supported=", ".join(sorted(d.provider.currencies)))
    else:
        text = t(lang, "unavailable")
    log.warning("Invoice %s could not be created: %s.", payload["idempotency_key"],
                exception_data.get("message"))
    handlers.tell(d, payload["channel"], payload["chat_id"], text)


ACTORS = (create_invoice, issue_link, poll_invoice, expire_invoice, check_status, cancel_invoice,
          notify_seller, tell_seller, apply_provider_status)


def declare(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor]:  # type: ignore[type-arg]
    """Declare every actor on `broker` (the worker process's, or a test's)."""
    declared = {}
    for fn in ACTORS:
        declared[fn.__name__] = dramatiq.Actor(
            _actor(fn), broker=broker, actor_name=fn.__name__, queue_name=QUEUE, priority=0,
            options={"retry_when": retry_when})
    declared["invoice_creation_failed"] = dramatiq.Actor(
        invoice_creation_failed, broker=broker, actor_name="invoice_creation_failed",
        queue_name=QUEUE, priority=0, options={"max_retries": 3})
    return declared
