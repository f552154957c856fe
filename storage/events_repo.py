"""The event repository: the audit trail and the seller-notification outbox."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.events import Event
from storage.tables import InvoiceEventRow


class EventRepository:
    """The audit trail and the seller-notification outbox."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, event: Event, status_from: str | None, status_to: str,
               at: datetime) -> InvoiceEventRow:
        row = InvoiceEventRow(invoice_id=event.invoice_id, name=event.name,
                              payload=json.dumps(event.payload(), default=str),
                              status_from=status_from, status_to=status_to, created_at=at,
                              notify=event.notifies_seller)
        self.session.add(row)
        return row

    def get(self, event_id: int) -> InvoiceEventRow | None:
        return self.session.get(InvoiceEventRow, event_id)

    def for_invoice(self, invoice_id: str) -> list[InvoiceEventRow]:
        return list(self.session.scalars(select(InvoiceEventRow).where(
            InvoiceEventRow.invoice_id == invoice_id).order_by(InvoiceEventRow.id)))

    def claim(self, event_id: int, now: datetime, stale_before: datetime) -> bool:
        """Take the right to send this event's message, counting the attempt; False if it was
        sent, is being sent, or has failed for good."""
        result = self.session.execute(
            update(InvoiceEventRow)
            .where(InvoiceEventRow.id == event_id, InvoiceEventRow.notify.is_(True),
                   InvoiceEventRow.notified_at.is_(None),
                   InvoiceEventRow.notify_failed_at.is_(None),
                   (InvoiceEventRow.notify_claimed_at.is_(None))
                   | (InvoiceEventRow.notify_claimed_at < stale_before))
            .values(notify_claimed_at=now,
                    notify_attempts=InvoiceEventRow.notify_attempts + 1))
        return result.rowcount == 1  # type: ignore[attr-defined]

    def mark_failed(self, event_id: int, now: datetime, reason: str) -> None:
        """Give up on this event's message: it is never retried again."""
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notify_failed_at=now, notify_error=reason[:1000],
                                     notify_claimed_at=None))

    def later_news(self, event: InvoiceEventRow) -> bool:
        """Whether a later event of the same invoice tells the seller something."""
        return self.session.scalar(
            select(InvoiceEventRow.id).where(
                InvoiceEventRow.invoice_id == event.invoice_id,
                InvoiceEventRow.id > event.id, InvoiceEventRow.notify.is_(True)).limit(1)
        ) is not None

    def failed_count(self) -> int:
        """Messages given up on after their bounded attempts (for /metrics)."""
        return self.session.scalar(select(func.count()).select_from(InvoiceEventRow).where(
            InvoiceEventRow.notify_failed_at.is_not(None))) or 0

    def mark_notified(self, event_id: int, now: datetime, message_id: str | None) -> None:
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notified_at=now, reply_message_id=message_id))

    def release(self, event_id: int) -> None:
        self.session.execute(update(InvoiceEventRow).where(InvoiceEventRow.id == event_id)
                             .values(notify_claimed_at=None))

    def unnotified(self, before: datetime, limit: int = 500) -> list[int]:
        """Events whose message was never sent (queue message lost) or whose sender died."""
        return [i for i in self.session.scalars(
            select(InvoiceEventRow.id).where(
                InvoiceEventRow.notify.is_(True), InvoiceEventRow.notified_at.is_(None),
                InvoiceEventRow.notify_failed_at.is_(None), InvoiceEventRow.created_at <= before,
                (InvoiceEventRow.notify_claimed_at.is_(None))
                | (InvoiceEventRow.notify_claimed_at <= before))
            .order_by(InvoiceEventRow.id).limit(limit)) if i is not None]
