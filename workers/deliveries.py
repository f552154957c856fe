"""Service functions for sellers' shop webhooks: set, test, rotate, redeliver, remove, and make
a delivery's due attempt. The schedule lives in the database; the scheduler's scan queues what is
due, so a lost queue message only costs one scan."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import commands
from domain.errors import ChatpayError, WebhookUrlRefused
from domain.i18n import t
from domain.messaging import OutboundMessage
from domain.webhooks import PING, Attempt, Delivery, DeliveryStatus, Endpoint, EndpointNews
from storage.secrets import SecretBox
from storage.uow import UnitOfWork
from storage.wiring import Wired
from workers.runtime import Deps
from workers.webhooks import new_secret

log = logging.getLogger(__name__)

ROTATION_OVERLAP = timedelta(hours=24)  #: the old secret signs alongside the new one this long
CLAIM_MARGIN = timedelta(seconds=30)  #: beyond the client's timeout, before a claim runs out
REQUEUE_AFTER = timedelta(minutes=2)  #: a queued attempt not yet made is queued again after this
#: retry attempts (to shops that failed before: maybe hanging for the whole timeout) under way
#: at once, across all workers (one: `chatpay up` runs only two background threads); first
#: attempts are not limited. 240 hanging attempts an hour is 17,000 in the 3-day schedule
RETRY_SLOTS = 1


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    attempt: Attempt


def set_endpoint(seller_id: int, url: str, d: Deps) -> tuple[Endpoint, str, int]:
    """Check the URL, store it with a new secret (encrypted) and queue a ping.

    Returns the endpoint, the secret in clear (shown once) and the ping's delivery id;
    WebhookUrlRefused if the URL may not be used."""
    endpoint, secret, ping = _store_endpoint(seller_id, url, d)
    _queue(d, [ping])
    return endpoint, secret, ping


def _store_endpoint(seller_id: int, url: str, d: Deps) -> tuple[Endpoint, str, int]:
    """set_endpoint() without queueing the ping yet."""
    d.shops.check_url(url)
    secret = new_secret()
    with d.uow() as uow:
        endpoint = uow.webhooks.set_endpoint(seller_id, url.strip(),
                                             SecretBox.from_settings(d.settings).encrypt(secret),
                                             now())
        ping = _ping(uow, endpoint)
        uow.commit()
    return endpoint, secret, ping


def _ping(uow: UnitOfWork, endpoint: Endpoint) -> int:
    """A test event: answered now or not at all (one attempt)."""
    return uow.webhooks.add_delivery(endpoint, PING, {"url": endpoint.url}, now(),
                                     single_attempt=True)


def send_test(seller_id: int, d: Deps) -> int | None:
    """Queue a ping (a disabled endpoint too: an `ok` answer enables it again)."""
    with d.uow() as uow:
        endpoint = uow.webhooks.endpoint(seller_id)
        if endpoint is None:
            return None
        ping = _ping(uow, endpoint)
        uow.commit()
    _queue(d, [ping])
    return ping


def rotate_secret(seller_id: int, d: Deps) -> str | None:
    """A new secret; the old one keeps signing alongside it for ROTATION_OVERLAP."""
    secret = new_secret()
    with d.uow() as uow:
        endpoint = uow.webhooks.endpoint(seller_id)
        if endpoint is None:
            return None
        uow.webhooks.rotate(endpoint.id, SecretBox.from_settings(d.settings).encrypt(secret),
                            now() + ROTATION_OVERLAP)
        uow.commit()
    return secret


def remove_endpoint(seller_id: int, d: Deps) -> bool:
    with d.uow() as uow:
        removed = uow.webhooks.remove(seller_id)
        uow.commit()
    return removed


def redeliver(seller_id: int, d: Deps, *, delivery_id: int | None = None,
              since: datetime | None = None) -> list[int]:
    """One event again (any state but in progress), or every failed one since a time: one more
    attempt each, in the same log, with the same webhook-id."""
    moment = now()
    with d.uow() as uow:
        endpoint = uow.webhooks.endpoint(seller_id)
        if endpoint is None:
            return []
        ids = [delivery_id] if delivery_id is not None else uow.webhooks.failed_since(
            endpoint.id, since)
        queued = []
        for one in ids:
            loaded = uow.webhooks.delivery(one)
            if loaded is None or loaded[0].endpoint_id != endpoint.id:
                continue
            if loaded[0].redeliver(moment):
                uow.webhooks.save_delivery(loaded[0])
                queued.append(one)
        uow.commit()
    _queue(d, queued)
    return queued


def _queue(d: Wired, delivery_ids: list[int]) -> bool:
    """Publish the attempts; False if the queue could not be reached."""
    for delivery_id in delivery_ids:
        try:
            d.bus.publish(commands.DeliverWebhook(delivery_id))
        except ChatpayError as exc:  # the scheduler's scan finds it in the database
            log.info("Delivery %d left to the scheduler: %s.", delivery_id, exc)
            return False
    return True


def deliver_webhook(delivery_id: int, d: Deps) -> Outcome | None:
    """Make the delivery's due attempt, once (claimed in the database first); plan the next one
    or end it, and tell the seller what they must hear. A duplicate message does nothing."""
    box = SecretBox.from_settings(d.settings)
    moment = now()
    with d.uow() as uow:
        timeout = timedelta(seconds=d.shops.timeout)
        if not uow.webhooks.claim(delivery_id, moment, moment + timeout + CLAIM_MARGIN,
                                  RETRY_SLOTS):
            # not due, done, its shop busy, or the retry slots taken: the scan finds it again
            uow.webhooks.mark_queued([delivery_id], None)
            uow.commit()
            return None
        loaded = uow.webhooks.delivery(delivery_id)
        assert loaded is not None
        delivery, body = loaded
        endpoint = uow.webhooks.endpoint_by_id(delivery.endpoint_id)
        assert endpoint is not None
        stored = uow.webhooks.secrets(endpoint.id)
        uow.commit()
    keys = [box.decrypt(stored.current)]
    if stored.previous and stored.previous_until and stored.previous_until > moment:
        keys.append(box.decrypt(stored.previous))
    attempt = d.shops.post(endpoint.url, delivery.message_id, body, keys)
    status = delivery.record(attempt, d.settings.webhook_schedule)
    log.info("Webhook %s (%s) to seller %d: attempt %d %s.", delivery.message_id,
             delivery.event_type, endpoint.seller_id, delivery.attempts,
             "answered ok" if attempt.ok else f"failed ({_detail(attempt)})")
    with d.uow() as uow:
        uow.webhooks.log_attempt(delivery_id, attempt.at, attempt.status_code, attempt.body,
                                 attempt.duration_ms, attempt.error)
        uow.webhooks.save_delivery(delivery)
        current = uow.webhooks.endpoint_by_id(endpoint.id)
        if current is not None:
            if status is DeliveryStatus.DELIVERED:
                current.event_delivered(delivery.event_type)
            elif delivery.exhausted or (status is DeliveryStatus.FAILED
                                        and delivery.event_type == PING):
                current.event_exhausted(delivery.event_type)
            uow.webhooks.save_endpoint(current)
            endpoint = current
        uow.webhooks.mark_failing(endpoint.id, not attempt.ok)
        # the shop is free again: its next due delivery goes at once, not at the next scan
        following = uow.webhooks.due(
            attempt.at, attempt.at - REQUEUE_AFTER, endpoint_id=endpoint.id,
            suspects=uow.webhooks.retry_slots_free(attempt.at, RETRY_SLOTS))
        uow.webhooks.mark_queued(following, attempt.at)
        uow.commit()
    _queue(d, following)
    _tell(d, endpoint, delivery, attempt, body)
    return Outcome(delivery, attempt)


def _detail(attempt: Attempt) -> str:
    if attempt.error:
        return attempt.error
    return f"HTTP {attempt.status_code}, {attempt.body.strip()[:40]!r}"


def _tell(d: Deps, endpoint: Endpoint, delivery: Delivery, attempt: Attempt, body: str) -> None:
    """Say what the seller must hear: a test's answer, an event never confirmed, a change of the
    endpoint's state."""
    finished_test = delivery.event_type == PING and delivery.status is not DeliveryStatus.PENDING
    if not finished_test and not endpoint.news:
        return
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(endpoint.seller_id)
    if seller is None:
        return
    lang = seller.language
    texts = []
    if finished_test:
        texts.append(t(lang, "webhook_ping_ok") if attempt.ok
                     else t(lang, "webhook_ping_failed", detail=_detail(attempt)))
    for news in endpoint.news:
        texts.append(_news_text(news, endpoint, delivery, body, lang))
    endpoint.news.clear()
    for text in texts:
        if text:
            d.bus.publish(commands.TellSeller(seller.channel, seller.external_id, text))


def _news_text(news: EndpointNews, endpoint: Endpoint, delivery: Delivery, body: str,
               lang: str) -> str:
    if news.kind == "exhausted":
        if news.event_type == PING:
            return ""  # the test's own answer was told already
        code = (json.loads(body).get("data") or {}).get("code")
        return t(lang, "webhook_exhausted", event=news.event_type, attempts=delivery.attempts,
                 invoice=f" ({code})" if code else "")
    return t(lang, f"webhook_{news.kind}", url=endpoint.url)


def scan(d: Wired, moment: datetime | None = None, endpoint_id: int | None = None) -> int:
    """Queue the due attempts, one per shop not busy with another (the scheduler calls this
    each scan). Marked queued before they are published: a worker that makes the attempt at
    once clears the mark, and must not find it set again afterwards."""
    moment = moment or now()
    with d.uow() as uow:
        due = uow.webhooks.due(moment, moment - REQUEUE_AFTER, endpoint_id=endpoint_id,
                               suspects=uow.webhooks.retry_slots_free(moment, RETRY_SLOTS))
        if not due:
            return 0
        uow.webhooks.mark_queued(due, moment)
        uow.commit()
    if not _queue(d, due):  # Redis away: the next scan tries again
        with d.uow() as uow:
            uow.webhooks.mark_queued(due, None)
            uow.commit()
    return len(due)

def manage(cmd: commands.ManageWebhook, d: Deps) -> None:
    """What the seller asked for in the bot, done and answered in their chat."""
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(cmd.seller_id)
    if seller is None:
        return
    lang = seller.language

    def say(text: str) -> None:  # sent directly: a secret never sits in a queue message
        d.senders[seller.channel].send(OutboundMessage(seller.channel, seller.external_id, text))
    if cmd.action == "set":
        try:
            endpoint, secret, ping = _store_endpoint(cmd.seller_id, cmd.url, d)
        except WebhookUrlRefused as exc:
            say(t(lang, "webhook_refused", reason=str(exc)))
            return
        say(t(lang, "webhook_set", url=endpoint.url, secret=secret))
        _queue(d, [ping])  # its answer must come after the secret, never before
    elif cmd.action == "test":
        say(t(lang, "webhook_test_sent") if send_test(cmd.seller_id, d) is not None
            else t(lang, "webhook_none"))
    elif cmd.action == "rotate":
        rotated = rotate_secret(cmd.seller_id, d)
        say(t(lang, "webhook_rotated", secret=rotated) if rotated else t(lang, "webhook_none"))
    elif cmd.action == "redeliver":
        say(t(lang, "webhook_redelivered", count=len(redeliver(cmd.seller_id, d))))
    elif cmd.action == "remove":
        say(t(lang, "webhook_removed") if remove_endpoint(cmd.seller_id, d)
            else t(lang, "webhook_none"))
