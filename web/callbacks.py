"""Provider callbacks: verified before anything is trusted, acknowledged only once stored.

A forged or malformed callback gets 403/400 and changes nothing. If the database cannot take
the fact, we answer 503 so the provider calls again: a confirmed payment is never dropped.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from domain.commands import NotifySeller, ReconcileRefunds
from domain.errors import ForgedCallback, ProviderUnavailable, ServiceUnavailable
from domain.ports import CallbackVerifier
from web import metrics

if TYPE_CHECKING:
    from web.app import WebDeps

log = logging.getLogger(__name__)


def accept_callback(provider: CallbackVerifier, form: dict[str, str],
                    deps: WebDeps) -> tuple[int, str]:
    signed_body = getattr(provider, "signed_body", None)
    if signed_body and not form.get("x_sign"):
        metrics.CALLBACKS.labels(provider.name, "forged").inc()
        return 403, "signature does not verify"
    if not signed_body and (not form.get("data") or not form.get("signature")):
        metrics.CALLBACKS.labels(provider.name, "malformed").inc()
        return 400, "data and signature are required"
    try:
        fact = provider.parse_callback(form)
    except ForgedCallback as exc:
        metrics.CALLBACKS.labels(provider.name, "forged").inc()
        log.warning("Refused a %s callback that does not verify: %s.", provider.name, exc)
        return 403, "signature does not verify"
    except ProviderUnavailable as exc:  # its key could not be fetched: verified when it retries
        metrics.CALLBACKS.labels(provider.name, "unverified").inc()
        log.warning("A %s callback could not be verified now (%s); it is retried.",
                    provider.name, exc)
        return 503, "temporarily unavailable"
    except SQLAlchemyError as exc:  # the invoice's account (whose keys verify it) was not found
        metrics.CALLBACKS.labels(provider.name, "unstored").inc()
        log.error("Callback not verified (database: %s); the provider will retry.", exc)
        return 503, "temporarily unavailable"
    try:
        notify = deps.apply_fact(fact, deps.uow, deps.settings.provider_settle_window)
    except SQLAlchemyError as exc:
        metrics.CALLBACKS.labels(provider.name, "unstored").inc()
        log.error("Callback for %s not stored (database: %s); the provider will retry.",
                  fact.order_id, exc)
        return 503, "temporarily unavailable"
    for event_id in notify:
        try:
            deps.bus.publish(NotifySeller(event_id))
        except ServiceUnavailable:
            # stored in the outbox: the reconciler sends it when Redis is back
            log.warning("Queue down; event %d will be sent by the reconciler.", event_id)
    if not notify and fact.outcome == "reversed" and fact.refund_total is None:
        # "reversed" without how much: after a partial refund it is not read as "all of it";
        # a worker asks LiqPay's status what was refunded (domain: needs_refund_status)
        try:
            deps.bus.publish(ReconcileRefunds(fact.order_id))
        except ServiceUnavailable:
            log.warning("Queue down; the refunds of %s are not asked about now.", fact.order_id)
    metrics.CALLBACKS.labels(provider.name, "applied" if notify else "unchanged").inc()
    return 200, "ok"
