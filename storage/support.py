"""Support's storage: the agents, the append-only audit log, and the reads support's screens
need (find invoices, a seller's profile, platform figures)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.support import AuditEntry, Phase, agent_name
from storage.repository import utc
from storage.tables import (
    InvoiceEventRow,
    InvoiceRow,
    SellerRow,
    SupportAgentRow,
    SupportAuditRow,
    WebhookDeliveryRow,
)

INVOICE_ID = re.compile(r"[0-9a-f]{32}")
CODE = re.compile(r"[2-9a-zA-Z]{10}")
PHONE_TAIL = 9  #: digits a phone is matched on: the national number, whatever prefix was typed


class SupportAgents:
    """Who is support. Checked against the database at every tap."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, channel: str, external_id: str) -> SupportAgentRow | None:
        return self.session.scalars(select(SupportAgentRow).where(
            SupportAgentRow.channel == channel,
            SupportAgentRow.external_id == external_id)).first()

    def is_agent(self, channel: str, external_id: str) -> bool:
        row = self._row(channel, external_id)
        return row is not None and row.removed_at is None

    def add(self, channel: str, external_id: str, at: datetime, source: str = "cli") -> bool:
        """Make them an agent (again); False if they already were."""
        row = self._row(channel, external_id)
        if row is None:
            self.session.add(SupportAgentRow(channel=channel, external_id=external_id,
                                             source=source, added_at=at))
            self.session.flush()
            return True
        if row.removed_at is None:
            return False
        row.removed_at, row.added_at, row.source = None, at, source
        return True

    def remove(self, channel: str, external_id: str, at: datetime) -> bool:
        row = self._row(channel, external_id)
        if row is None or row.removed_at is not None:
            return False
        row.removed_at = at
        return True

    def seed(self, ids: list[tuple[str, str]], at: datetime) -> int:
        """Add the SUPPORT_IDS never seen before (a removed one stays removed); how many."""
        added = 0
        for channel, external_id in ids:
            if self._row(channel, external_id) is None:
                self.add(channel, external_id, at, source="setting")
                added += 1
        return added

    def active(self) -> list[str]:
        return [agent_name(r.channel, r.external_id) for r in self.session.scalars(
            select(SupportAgentRow).where(SupportAgentRow.removed_at.is_(None))
            .order_by(SupportAgentRow.channel, SupportAgentRow.external_id))]


class AlreadyRecorded(Exception):
    """Raised when an action's phase is in the log already (the same tap, twice)."""


class AuditLog:
    """Append and read. There is deliberately no way here to change or remove an entry."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, entry: AuditEntry) -> None:
        """Write one entry; AlreadyRecorded if this action already has this phase."""
        row = SupportAuditRow(action_id=entry.action_id, agent=entry.agent, action=entry.action,
                              phase=str(entry.phase), invoice_id=entry.invoice_id,
                              seller_id=entry.seller_id, at=entry.at,
                              detail=json.dumps(entry.detail, default=str))
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            raise AlreadyRecorded(f"{entry.action_id} {entry.phase}") from None

    def for_action(self, action_id: str) -> list[AuditEntry]:
        return self._read(SupportAuditRow.action_id == action_id)

    def for_invoice(self, invoice_id: str) -> list[AuditEntry]:
        return self._read(SupportAuditRow.invoice_id == invoice_id)

    def count(self, invoice_id: str, actions: frozenset[str], phase: Phase,
              since: datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(SupportAuditRow).where(
            SupportAuditRow.invoice_id == invoice_id, SupportAuditRow.action.in_(actions),
            SupportAuditRow.phase == str(phase), SupportAuditRow.at >= since)) or 0

    def unfinished(self, before: datetime, limit: int = 100) -> list[AuditEntry]:
        """Actions started before `before` with no done or failed line yet."""
        finished = select(SupportAuditRow.action_id).where(
            SupportAuditRow.phase.in_([str(Phase.DONE), str(Phase.FAILED)]))
        return self._read(SupportAuditRow.phase == str(Phase.STARTED),
                          SupportAuditRow.at < before,
                          SupportAuditRow.action_id.not_in(finished), limit=limit)

    def _read(self, *where: Any, limit: int | None = None) -> list[AuditEntry]:
        query = select(SupportAuditRow).where(*where).order_by(SupportAuditRow.id)
        return [_entry(r) for r in self.session.scalars(query.limit(limit))]


def _entry(row: SupportAuditRow) -> AuditEntry:
    return AuditEntry(action_id=row.action_id, agent=row.agent, action=row.action,
                      phase=Phase(row.phase), at=utc(row.at),  # type: ignore[arg-type]
                      invoice_id=row.invoice_id, seller_id=row.seller_id,
                      detail=json.loads(row.detail or "{}"))


@dataclass(frozen=True)
class Stats:
    invoices: int
    paid: int
    failed: int
    expired: int
    failed_messages: int
    failed_webhooks: int


class SupportQueries:
    """What support's screens read: across every seller, so only ever behind the agent check."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, text: str, offset: int, limit: int) -> list[str]:
        """Invoice ids matching a public code, an invoice id, a seller's or buyer's phone, or a
        buyer's e-mail, newest first."""
        text = text.strip()
        conditions: list[Any] = []
        if CODE.fullmatch(text):
            conditions.append(InvoiceRow.code == text)
        if INVOICE_ID.fullmatch(text.lower()):
            conditions.append(InvoiceRow.id == text.lower())
        if "@" in text:
            address = text.lower()
            sent_to = select(InvoiceEventRow.invoice_id).where(
                InvoiceEventRow.name == "LinkSent",
                InvoiceEventRow.payload.contains(json.dumps(address)))
            conditions += [func.lower(InvoiceRow.buyer_email) == address,
                           InvoiceRow.id.in_(sent_to)]
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) >= PHONE_TAIL and len(digits) == len(re.sub(r"[\s()+-]", "", text)):
            tail = f"%{digits[-PHONE_TAIL:]}"
            sellers = select(SellerRow.id).where(SellerRow.phone.like(tail))
            sent_to = select(InvoiceEventRow.invoice_id).where(
                InvoiceEventRow.name == "LinkSent",
                InvoiceEventRow.payload.contains(digits[-PHONE_TAIL:]))
            conditions += [InvoiceRow.seller_id.in_(sellers), InvoiceRow.buyer_phone.like(tail),
                           InvoiceRow.id.in_(sent_to)]
        if not conditions:
            return []
        return list(self.session.scalars(
            select(InvoiceRow.id).where(or_(*conditions))
            .order_by(InvoiceRow.created_at.desc(), InvoiceRow.id).offset(offset).limit(limit)))

    def sellers_by_phone(self, phone: str) -> list[int]:
        digits = "".join(c for c in phone if c.isdigit())
        if len(digits) < PHONE_TAIL:
            return []
        return list(self.session.scalars(select(SellerRow.id).where(
            SellerRow.phone.like(f"%{digits[-PHONE_TAIL:]}")).order_by(SellerRow.id)))

    def latest_invoices(self, seller_id: int, limit: int = 10) -> list[str]:
        return list(self.session.scalars(
            select(InvoiceRow.id).where(InvoiceRow.seller_id == seller_id)
            .order_by(InvoiceRow.created_at.desc(), InvoiceRow.id).limit(limit)))

    def latest_notice(self, invoice_id: str) -> InvoiceEventRow | None:
        """The invoice's latest event that told the seller something."""
        return self.session.scalars(select(InvoiceEventRow).where(
            InvoiceEventRow.invoice_id == invoice_id, InvoiceEventRow.notify.is_(True))
            .order_by(InvoiceEventRow.id.desc())).first()

    def latest_delivery(self, invoice_id: str) -> int | None:
        return self.session.scalars(select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.invoice_id == invoice_id)
            .order_by(WebhookDeliveryRow.id.desc())).first()

    def deliveries(self, invoice_id: str) -> list[WebhookDeliveryRow]:
        return list(self.session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.invoice_id == invoice_id).order_by(WebhookDeliveryRow.id)))

    def stats(self, since: datetime) -> Stats:
        def count(*where: Any, table: Any = InvoiceRow) -> int:
            return self.session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        made = InvoiceRow.created_at >= since
        return Stats(
            invoices=count(made),
            paid=count(InvoiceRow.paid_at >= since),
            failed=count(made, InvoiceRow.status == "failed"),
            expired=count(made, InvoiceRow.status == "expired"),
            failed_messages=count(InvoiceEventRow.notify_failed_at >= since,
                                  table=InvoiceEventRow),
            failed_webhooks=count(WebhookDeliveryRow.status == "failed",
                                  WebhookDeliveryRow.created_at >= since,
                                  table=WebhookDeliveryRow))


def week_start(moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())
