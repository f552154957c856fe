"""Support agents' actions, performed by a worker: resend the link or the status, redeliver a
shop webhook, re-check with the provider.

An action is performed only if its `started` line is in the audit log (the bot writes it before
publishing), and its `done`/`failed` line follows. A worker killed mid-action leaves the action
recorded as started; Dramatiq gives the message to another worker, which finishes it once (each
action is idempotent by its tap: links by LinkSent's key, webhooks by their delivery's state).
"""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta

from domain import commands
from domain.errors import ProviderRejected, ProviderUnavailable, ServiceUnavailable
from domain.i18n import status_word, t
from domain.invoice import Invoice
from domain.support import AuditEntry, Phase
from storage.support import AlreadyRecorded
from storage.wiring import Wired
from workers import attempts, deliveries, handlers, links, notify
from workers.render import render_event
from workers.runtime import Deps

log = logging.getLogger(__name__)

REQUEUE_AFTER = timedelta(minutes=2)  #: a started action unfinished this long is queued again
REQUEUE_WITHIN = timedelta(days=1)  #: older unfinished actions stay as they are, recorded
CLAIM_TTL = 30  #: seconds a worker holds a status resend (a send times out well before)


def now() -> datetime:
    return datetime.now(UTC)


def support_act(cmd: commands.SupportAct, d: Deps) -> None:
    with d.uow().readonly() as uow:
        phases = {e.phase for e in uow.audit.for_action(cmd.action_id)}
        invoice = uow.invoices.get(cmd.invoice_id) if cmd.invoice_id else None
    if Phase.STARTED not in phases:
        log.error("Support action %s has no started line in the audit log; not performed.",
                  cmd.action_id)
        return
    if phases & {Phase.DONE, Phase.FAILED}:
        return  # finished already: a redelivered message
    lang = cmd.language
    try:
        ok, result = _perform(cmd, invoice, d)
    except (ProviderUnavailable, ProviderRejected) as exc:
        ok, result = False, t(lang, "sup_unavailable", reason=str(exc))
    with d.uow() as uow:
        try:
            uow.audit.append(AuditEntry(
                action_id=cmd.action_id, agent=cmd.agent, action=cmd.action,
                phase=Phase.DONE if ok else Phase.FAILED, at=now(), invoice_id=cmd.invoice_id,
                seller_id=cmd.seller_id, detail={"result": result}))
            uow.commit()
        except AlreadyRecorded:
            return
    code = invoice.code if invoice else ""
    action = t(lang, f"sup_act_{cmd.action}")
    text = (t(lang, "sup_done", action=action, code=code, result=result) if ok
            else t(lang, "sup_failed", action=action, code=code, reason=result))
    notify.tell(d, cmd.channel, cmd.chat_id, text)


def _perform(cmd: commands.SupportAct, invoice: Invoice | None,
             d: Deps) -> tuple[bool, str]:
    """Do it; (whether it worked, what to tell the agent in their language)."""
    lang = cmd.language
    if cmd.action == "redeliver_failed":
        assert cmd.seller_id is not None
        since = now() - timedelta(days=cmd.since_days)
        queued = deliveries.redeliver(cmd.seller_id, d, since=since)
        return True, t(lang, "sup_failed_queued", count=len(queued))
    assert invoice is not None
    if cmd.action == "resend_link":
        sent = links.deliver_link(commands.SendLink(
            idempotency_key=cmd.action_id, code=invoice.code, seller_id=invoice.seller_id,
            via=cmd.via, to=cmd.to), d)
        reason = sent[2] if sent is not None else _link_outcome(cmd.action_id, invoice.id, d)
        return not reason, reason or t(lang, "sup_sent_to", to=cmd.to)
    if cmd.action == "resend_status":
        return _resend_status(invoice, d, lang, cmd.action_id)
    if cmd.action == "redeliver_webhook":
        with d.uow().readonly() as uow:
            delivery = uow.support.latest_delivery(invoice.id)
        queued = deliveries.redeliver(invoice.seller_id, d, delivery_id=delivery) \
            if delivery is not None else []
        if not queued:
            return False, t(lang, "sup_no_webhook")
        return True, t(lang, "sup_webhook_queued", event=queued[0])
    if cmd.action == "recheck":
        return _recheck(invoice, d, lang)
    raise ValueError(f"Unknown support action {cmd.action!r}.")


def _link_outcome(key: str, invoice_id: str, d: Deps) -> str:
    """Why this tap's link was not sent ("" if it was), read from the invoice's history; while
    another worker still holds the tap, ServiceUnavailable (the message is retried)."""
    with d.uow().readonly() as uow:
        for row in uow.events.for_invoice(invoice_id):
            payload = json.loads(row.payload)
            if row.name == "LinkSent" and payload.get("key") == key:
                return "" if payload.get("ok") else str(payload.get("reason") or "?")
    raise ServiceUnavailable("The link is being sent by another worker.")


def requeue(d: Wired, moment: datetime) -> int:
    """Queue again the actions written `started` whose message was lost (Redis restarted
    empty): the database decides, as for every other kind of work. Each at most every
    REQUEUE_AFTER; the worker performs each once whatever the number of messages."""
    with d.uow().readonly() as uow:
        lost = [e for e in uow.audit.unfinished(moment - REQUEUE_AFTER)
                if e.at > moment - REQUEUE_WITHIN and "reply" in e.detail]
    queued = 0
    for entry in lost:
        if d.redis.set(f"chatpay:support:requeued:{entry.action_id}", 1, nx=True,
                       ex=int(REQUEUE_AFTER.total_seconds())):
            d.bus.publish(commands.command_of(entry))
            queued += 1
    return queued


def _resend_status(invoice: Invoice, d: Deps, lang: str, key: str) -> tuple[bool, str]:
    """The latest message the seller got about the invoice, again, marked as support's. Held in
    Redis while sending: a second message for the same tap waits (retried), never sends twice."""
    claim = f"chatpay:support:claim:{key}"
    if not d.redis.set(claim, 1, nx=True, ex=CLAIM_TTL):
        raise ServiceUnavailable("This resend is being made by another worker.")
    try:
        return _send_status(invoice, d, lang)
    except BaseException:
        d.redis.delete(claim)
        raise


def _send_status(invoice: Invoice, d: Deps, lang: str) -> tuple[bool, str]:
    with d.uow().readonly() as uow:
        notice = uow.support.latest_notice(invoice.id)
        seller = uow.sellers.get(invoice.seller_id)
        message = (render_event(notice, invoice, seller, d.settings.public_base_url)
                   if notice is not None and seller is not None else None)
    if message is None or seller is None:
        return False, t(lang, "sup_no_status")
    marked = dataclasses.replace(
        message, text=f"{t(seller.language, 'sup_resent_mark')}\n{message.text}", reply_to=None)
    d.senders[invoice.channel].send(marked)
    return True, t(lang, "sup_status_sent")


def _recheck(invoice: Invoice, d: Deps, lang: str) -> tuple[bool, str]:
    """The worker's own path: the provider's answer applied under the money-safety rules, the
    seller told whatever changed."""
    window = d.settings.provider_settle_window
    if not invoice.checkable(now(), window):
        return True, t(lang, "sup_not_checkable", status=status_word(invoice.status, lang))
    for fact in attempts.ask_about(d.accounts.for_attempts(invoice), attempts.to_check(invoice)):
        notify.deliver(handlers.apply_fact(fact, d.uow, window), d)
    with d.uow().readonly() as uow:
        current = uow.invoices.get(invoice.id)
    assert current is not None
    return True, t(lang, "sup_rechecked", status=status_word(current.status, lang))
