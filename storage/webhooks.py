"""The webhook repository: shop endpoints, deliveries (the scheduler's source of truth) and the
attempt log. Secrets come in and go out encrypted; only workers/webhooks.py decrypts them."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased

from domain.invoice import Invoice
from domain.webhooks import Delivery, DeliveryStatus, Endpoint, EndpointState
from storage.repository import utc
from storage.tables import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow


@dataclass(frozen=True)
class EndpointSecrets:
    """The endpoint's signing secrets, still encrypted; `previous` signs too until its time."""
    current: str
    previous: str | None
    previous_until: datetime | None


def new_message_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def invoice_state(invoice: Invoice) -> dict[str, Any]:
    """The invoice's full current state, as a shop reads it."""
    paid = invoice.paid_amount
    refunded = invoice.refunded_amount
    return {
        "id": invoice.id, "code": invoice.code, "amount": str(invoice.amount.amount),
        "currency": invoice.amount.currency, "status": str(invoice.status),
        "paid_amount": str(paid.amount) if paid else None,
        "paid_currency": paid.currency if paid else None,
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "paid_late": invoice.paid_late, "amount_mismatch": invoice.amount_mismatch,
        "manual": invoice.manual,  #: paid by a manual payment the seller approved
        "refunded_amount": str(refunded.amount) if refunded else None,
        "description": invoice.description,
        "buyer": None,  # chatpay asks the buyer for nothing yet
        "provider": invoice.provider, "provider_payment_id": invoice.provider_payment_id,
        "created_at": invoice.created_at.isoformat(),
    }


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- endpoints ------------------------------------------------------------------------------

    def endpoint(self, seller_id: int) -> Endpoint | None:
        row = self._endpoint_row(seller_id)
        return endpoint_of(row) if row else None

    def _endpoint_row(self, seller_id: int) -> WebhookEndpointRow | None:
        return self.session.scalars(select(WebhookEndpointRow).where(
            WebhookEndpointRow.seller_id == seller_id)).first()

    def endpoint_by_id(self, endpoint_id: int) -> Endpoint | None:
        row = self.session.get(WebhookEndpointRow, endpoint_id)
        return endpoint_of(row) if row else None

    def secrets(self, endpoint_id: int) -> EndpointSecrets:
        row = self.session.get(WebhookEndpointRow, endpoint_id)
        assert row is not None
        return EndpointSecrets(row.secret_encrypted, row.previous_secret_encrypted,
                               utc(row.previous_until))

    def set_endpoint(self, seller_id: int, url: str, secret_encrypted: str,
                     at: datetime) -> Endpoint:
        """The seller's shop URL with a new secret, active, its failure streak forgotten."""
        row = self._endpoint_row(seller_id)
        if row is None:
            row = WebhookEndpointRow(seller_id=seller_id, url=url, created_at=at,
                                     secret_encrypted=secret_encrypted)
            self.session.add(row)
        row.url, row.secret_encrypted = url, secret_encrypted
        row.previous_secret_encrypted, row.previous_until = None, None
        row.state, row.exhausted_streak, row.failing = EndpointState.ACTIVE.value, 0, False
        self.session.flush()
        return endpoint_of(row)

    def rotate(self, endpoint_id: int, secret_encrypted: str, previous_until: datetime) -> None:
        row = self.session.get(WebhookEndpointRow, endpoint_id)
        assert row is not None
        row.previous_secret_encrypted = row.secret_encrypted
        row.previous_until = previous_until
        row.secret_encrypted = secret_encrypted

    def save_endpoint(self, endpoint: Endpoint) -> None:
        from storage.seller_settings import mark_changed
        mark_changed(self.session, endpoint.seller_id)  # a bulk UPDATE: no flush shows it
        self.session.execute(update(WebhookEndpointRow).where(
            WebhookEndpointRow.id == endpoint.id).values(
            state=endpoint.state.value, exhausted_streak=endpoint.exhausted_streak))

    def remove(self, seller_id: int) -> bool:
        row = self._endpoint_row(seller_id)
        if row is None:
            return False
        ids = select(WebhookDeliveryRow.id).where(WebhookDeliveryRow.endpoint_id == row.id)
        self.session.execute(delete(WebhookAttemptRow).where(
            WebhookAttemptRow.delivery_id.in_(ids)))
        self.session.execute(delete(WebhookDeliveryRow).where(
            WebhookDeliveryRow.endpoint_id == row.id))
        self.session.delete(row)
        return True

    def all_endpoint_ids(self) -> list[int]:
        return [i for i in self.session.scalars(select(WebhookEndpointRow.id)) if i is not None]

    def replace_encrypted(self, endpoint_id: int, current: str, previous: str | None) -> None:
        """The same secrets under another encryption (SECRET_KEY rotation)."""
        self.session.execute(update(WebhookEndpointRow).where(
            WebhookEndpointRow.id == endpoint_id).values(
            secret_encrypted=current, previous_secret_encrypted=previous))

    # -- deliveries -----------------------------------------------------------------------------

    def add_delivery(self, endpoint: Endpoint, event_type: str, data: dict[str, Any],
                     at: datetime, invoice_id: str | None = None,
                     single_attempt: bool = False) -> int:
        """Queue an event for the shop, due now; its body is frozen here."""
        sequence = 0
        if invoice_id is not None:
            sequence = (self.session.scalar(select(func.max(WebhookDeliveryRow.sequence)).where(
                WebhookDeliveryRow.invoice_id == invoice_id)) or 0) + 1
        message_id = new_message_id()
        body = {"type": event_type, "timestamp": at.isoformat(), "id": message_id,
                "sequence": sequence, "data": data}
        row = WebhookDeliveryRow(
            endpoint_id=endpoint.id, message_id=message_id, event_type=event_type,
            invoice_id=invoice_id, sequence=sequence, created_at=at, next_attempt_at=at,
            single_attempt=single_attempt,
            payload=json.dumps(body, separators=(",", ":"), ensure_ascii=False))
        self.session.add(row)
        self.session.flush()
        return row.id or 0

    def delivery(self, delivery_id: int) -> tuple[Delivery, str] | None:
        """The delivery and its body."""
        row = self.session.get(WebhookDeliveryRow, delivery_id)
        return (_delivery(row), row.payload) if row else None

    def claim(self, delivery_id: int, now: datetime, until: datetime,
              retry_slots: int) -> bool:
        """Take the right to make the delivery's due attempt (one worker at a time), unless
        another attempt to the same shop is under way, or it is a retry and `retry_slots`
        retries are under way already. So a hanging shop holds one worker thread, and hanging
        shops together at most `retry_slots`: first attempts, which healthy shops answer, and
        the other background work always have the rest."""
        busy = aliased(WebhookDeliveryRow)
        other_in_flight = select(busy.id).where(
            busy.endpoint_id == WebhookDeliveryRow.endpoint_id, busy.id != delivery_id,
            busy.claimed_until > now).exists()
        retries_in_flight = self._retries_in_flight(now, delivery_id)
        result = self.session.execute(update(WebhookDeliveryRow).where(
            ~other_in_flight,
            ~_suspect(WebhookDeliveryRow) | (retries_in_flight < retry_slots),
            WebhookDeliveryRow.id == delivery_id,
            WebhookDeliveryRow.status == DeliveryStatus.PENDING.value,
            WebhookDeliveryRow.next_attempt_at <= now,
            (WebhookDeliveryRow.claimed_until.is_(None))
            | (WebhookDeliveryRow.claimed_until < now)).values(claimed_until=until))
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def _retries_in_flight(self, now: datetime, but: int | None = None) -> Any:
        retrying = aliased(WebhookDeliveryRow)
        query = select(func.count(retrying.id)).where(retrying.claimed_until > now,
                                                      _suspect(retrying))
        if but is not None:
            query = query.where(retrying.id != but)
        return query.scalar_subquery()

    def retry_slots_free(self, now: datetime, retry_slots: int) -> int:
        return max(0, retry_slots - (self.session.scalar(
            select(self._retries_in_flight(now))) or 0))

    def mark_failing(self, endpoint_id: int, failing: bool) -> None:
        self.session.execute(update(WebhookEndpointRow).where(
            WebhookEndpointRow.id == endpoint_id).values(failing=failing))

    def save_delivery(self, delivery: Delivery) -> None:
        self.session.execute(update(WebhookDeliveryRow).where(
            WebhookDeliveryRow.id == delivery.id).values(
            status=delivery.status.value, attempts=delivery.attempts,
            single_attempt=delivery.single_attempt, next_attempt_at=delivery.next_attempt_at,
            claimed_until=None, queued_at=None))

    def log_attempt(self, delivery_id: int, at: datetime, status_code: int | None, body: str,
                    duration_ms: int, error: str | None) -> None:
        self.session.add(WebhookAttemptRow(delivery_id=delivery_id, at=at,
                                           status_code=status_code, response=body,
                                           duration_ms=duration_ms, error=error))

    def attempts(self, delivery_id: int) -> list[WebhookAttemptRow]:
        return list(self.session.scalars(select(WebhookAttemptRow).where(
            WebhookAttemptRow.delivery_id == delivery_id).order_by(WebhookAttemptRow.id)))

    def due(self, now: datetime, queued_before: datetime, limit: int = 500,
            endpoint_id: int | None = None, suspects: int = 500) -> list[int]:
        """For each shop with no attempt under way, its oldest delivery that is due, unless that
        was queued since `queued_before` (its message may still be waiting in the queue). One per
        shop: the next one is queued by the worker as soon as this one's attempt is done."""
        d = aliased(WebhookDeliveryRow)
        due_here = (d.endpoint_id == WebhookDeliveryRow.endpoint_id) \
            & (d.status == DeliveryStatus.PENDING.value) & (d.next_attempt_at <= now)
        oldest = select(func.min(d.id)).where(due_here).scalar_subquery()
        busy = aliased(WebhookDeliveryRow)
        in_flight = select(busy.id).where(
            busy.endpoint_id == WebhookDeliveryRow.endpoint_id,
            busy.claimed_until > now).exists()
        query = select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.id == oldest, ~in_flight,
            (WebhookDeliveryRow.queued_at.is_(None))
            | (WebhookDeliveryRow.queued_at < queued_before))
        if endpoint_id is not None:
            query = query.where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        ordered = query.order_by(WebhookDeliveryRow.next_attempt_at)
        # retries and failing shops' attempts only as many as there are free retry slots: the
        # rest would be refused by claim() and only churn the queue
        return [i for q in (ordered.where(~_suspect(WebhookDeliveryRow)).limit(limit),
                            ordered.where(_suspect(WebhookDeliveryRow)).limit(suspects))
                for i in self.session.scalars(q) if i is not None]

    def mark_queued(self, delivery_ids: list[int], at: datetime | None) -> None:
        """These deliveries' attempts were queued (at None: not any more, find them again)."""
        if delivery_ids:
            self.session.execute(update(WebhookDeliveryRow).where(
                WebhookDeliveryRow.id.in_(delivery_ids)).values(queued_at=at))

    def recent(self, endpoint_id: int, limit: int = 5) -> list[WebhookDeliveryRow]:
        return list(self.session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.endpoint_id == endpoint_id)
            .order_by(WebhookDeliveryRow.id.desc()).limit(limit)))

    def failed_since(self, endpoint_id: int, since: datetime | None = None) -> list[int]:
        query = select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.endpoint_id == endpoint_id,
            WebhookDeliveryRow.status == DeliveryStatus.FAILED.value)
        if since is not None:
            query = query.where(WebhookDeliveryRow.created_at >= since)
        return [i for i in self.session.scalars(query.order_by(WebhookDeliveryRow.id))
                if i is not None]


def _suspect(row: Any) -> Any:
    """A retry, or an attempt to a shop whose last attempt failed: it may hang for the whole
    timeout, so such attempts share a few slots (see claim)."""
    failing = select(WebhookEndpointRow.failing).where(
        WebhookEndpointRow.id == row.endpoint_id).scalar_subquery()
    return (row.attempts > 0) | (failing.is_(True))


def endpoint_of(row: WebhookEndpointRow) -> Endpoint:
    return Endpoint(id=row.id or 0, seller_id=row.seller_id, url=row.url,
                    state=EndpointState(row.state), exhausted_streak=row.exhausted_streak)


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(id=row.id or 0, endpoint_id=row.endpoint_id, message_id=row.message_id,
                    event_type=row.event_type, next_attempt_at=utc(row.next_attempt_at),
                    attempts=row.attempts, status=DeliveryStatus(row.status),
                    single_attempt=row.single_attempt)
