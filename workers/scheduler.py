"""The reconciler: the database is the source of truth, so work whose queue message was lost
(Redis restarted empty) or is due later than Dramatiq can delay is found here and re-queued.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from domain import commands
from storage.wiring import Wired
from workers import deliveries, manual, reports, support
from workers.fiscal import receipts as fiscal_receipts
from workers.fiscal import shifts as fiscal_shifts

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)  #: how late queued work may be before it is presumed lost
#: an overdue poll re-queued once is not re-queued again before this: a queue slowed by a hanging
#: provider is not flooded with copies, and a lost message still costs minutes, not money
REQUEUE_AFTER = timedelta(minutes=10)  #: the same for an expiry (it asks the provider first)


def reconcile(d: Wired, now: datetime | None = None) -> dict[str, int]:
    moment = now or datetime.now(UTC)
    with d.uow().readonly() as uow:
        # pending invoices, and closed ones whose payment is still in flight (settle window)
        polls = uow.invoices.due_for_poll(moment - GRACE, moment - REQUEUE_AFTER)
        expiries = uow.invoices.due_for_expiry(moment, moment - REQUEUE_AFTER)
        created = uow.invoices.stuck_created(moment - GRACE)
        unnotified = uow.events.unnotified(moment - GRACE)
        # refunds whose lease expired unanswered: LiqPay is asked first, then maybe sent
        refunds = uow.invoices.refunds_to_resume(moment)
    for invoice_id in polls:
        d.bus.publish(commands.PollInvoice(invoice_id))
    for invoice_id in expiries:
        d.bus.publish(commands.ExpireInvoice(invoice_id))
    if polls or expiries:
        with d.uow() as uow:  # marked once published: a scan Redis failed is simply done again
            uow.invoices.mark_requeued([*polls, *expiries], moment)
            uow.commit()
    for invoice_id in created:
        d.bus.publish(commands.IssueLink(invoice_id))
    for event_id in unnotified:
        d.bus.publish(commands.NotifySeller(event_id))
    for order_id in sorted({order_id for order_id, _ in refunds}):
        d.bus.publish(commands.ReconcileRefunds(order_id))
    webhooks = deliveries.scan(d, moment)  # the shop deliveries' schedule lives in the database
    # manual payments wait up to 30 days: found here, never by a long-delayed message
    rejected = manual.auto_reject(d, moment)
    counts = {"polls": len(polls), "expiries": len(expiries), "created": len(created),
              "notifications": len(unnotified), "refunds": len(refunds), "webhooks": webhooks,
              "manual_rejected": rejected, "support": support.requeue(d, moment),
              "fiscal_receipts": fiscal_receipts.scan(d, moment),
              "fiscal_shifts": fiscal_shifts.scan(d, moment),
              "daily_reports": reports.scan_digests(d, moment)}
    if any(counts.values()):
        log.info("Reconciler re-queued %s.", counts)
    return counts


def run_forever(d: Wired, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    log.info("Scheduler scanning every %.1f seconds.", d.settings.scheduler_interval)
    while not stop.is_set():
        try:
            reconcile(d)
        except Exception:  # the next scan tries again; an outage must not kill the scheduler
            log.exception("Reconciler scan failed; trying again in %.1f s.",
                          d.settings.scheduler_interval)
        stop.wait(d.settings.scheduler_interval)
