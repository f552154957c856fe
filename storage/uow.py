"""The unit of work: one transaction; leaving it without commit() rolls back.

On commit it writes every event the touched invoices recorded into the audit trail, and keeps
the ids of those that tell the seller something (`notify_ids`, and the rows as `notify_rows`)
so the caller can publish them. What else follows an event (a shop delivery, a fiscal receipt:
domain.reactions.EVENT_REACTIONS) is stored in the same transaction, when the seller uses it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from domain.invoice import Invoice, InvoiceStatus
from domain.reactions import Reaction, reactions_to
from domain.webhooks import SHOP_EVENTS
from storage.account_checks import AccountChecks
from storage.cabinet import CabinetQueries
from storage.db import READONLY
from storage.events_repo import EventRepository
from storage.fiscal import FiscalRepository
from storage.invoices_repo import InvoiceRepository
from storage.manual import ManualRepository
from storage.repository import MerchantAccountRepository, SellerRepository
from storage.seller_setup import SellerSetup, seller_setup
from storage.support import AuditLog, SupportAgents, SupportQueries
from storage.tables import InvoiceEventRow
from storage.webhooks import WebhookRepository, invoice_state

SHOP_DELIVERY, FISCAL_RECEIPT = Reaction.SHOP_DELIVERY, Reaction.FISCAL_RECEIPT


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session],
                 on_shop_deliveries: Callable[[list[int]], None] | None = None,
                 on_fiscal_receipts: Callable[[list[str]], None] | None = None) -> None:
        self._factory = session_factory
        self._readonly = False
        self.notify_rows: list[InvoiceEventRow] = []
        #: called after a commit that queued shop deliveries (to attempt them at once); the
        #: scheduler's scan finds them anyway
        self._on_shop_deliveries = on_shop_deliveries
        self._shop_ids: list[int] = []
        #: called after a commit that queued fiscal receipts (to register them at once)
        self._on_fiscal = on_fiscal_receipts
        self._fiscal_ids: list[str] = []

    @property
    def notify_ids(self) -> list[int]:
        """The ids of the events the last commit recorded that tell the seller something."""
        return [r.id for r in self.notify_rows if r.id is not None]

    def readonly(self) -> UnitOfWork:
        """Only read. On SQLite this takes no write lock, so it never queues behind writers."""
        self._readonly = True
        return self

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self._readonly:
            self.session.connection(execution_options={READONLY: True})
        self.invoices = InvoiceRepository(self.session)
        self.sellers = SellerRepository(self.session)
        self.events = EventRepository(self.session)
        self.accounts = MerchantAccountRepository(self.session)
        self.account_checks = AccountChecks(self.session)
        self.webhooks = WebhookRepository(self.session)
        self.manual = ManualRepository(self.session)
        self.agents = SupportAgents(self.session)
        self.audit = AuditLog(self.session)
        self.support = SupportQueries(self.session)
        self.fiscal = FiscalRepository(self.session, self.events)
        self.cabinet = CabinetQueries(self.session)
        self.notify_rows = []
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self, *, claim: bool = False) -> None:
        """Commit. `claim`: the caller sends the new events' messages itself, right after."""
        if self._readonly:
            raise RuntimeError("A read-only unit of work cannot commit.")
        now = datetime.now(UTC)
        rows = []
        for invoice, status_from in self.invoices.seen:
            for event in invoice.events:
                last = event is invoice.events[-1]
                status_to = str(invoice.status if last else _after(event, status_from))
                row = self.events.record(event, status_from, status_to, now)
                if claim and row.notify:
                    row.notify_claimed_at = now
                    row.notify_attempts = 1
                rows.append(row)
                status_from = status_to
            self._react(invoice, now)
            invoice.events.clear()
        self.session.flush()
        self.session.commit()
        shop_ids, self._shop_ids = self._shop_ids, []
        if shop_ids and self._on_shop_deliveries is not None:
            self._on_shop_deliveries(shop_ids)
        fiscal_ids, self._fiscal_ids = self._fiscal_ids, []
        if fiscal_ids and self._on_fiscal is not None:
            self._on_fiscal(fiscal_ids)
        self.notify_rows = [r for r in rows if r.notify and r.id is not None]
        # a later commit in the same unit of work records later transitions from here on
        self.invoices.seen[:] = [(inv, str(inv.status)) for inv, _ in self.invoices.seen]

    def _react(self, invoice: Invoice, now: datetime) -> None:
        """What follows the invoice's new events (domain.reactions), in this transaction: a
        delivery row for the seller's shop, a fiscal receipt. The seller's setup is read only
        when an event names one of these, and then once."""
        follows = [(e, reactions_to(e)) for e in invoice.events]
        wanted = frozenset().union(*(r for _, r in follows)) & {SHOP_DELIVERY, FISCAL_RECEIPT}
        if not wanted:
            return
        setup = self.seller_setup(invoice.seller_id)
        if setup.shop is not None:
            for event in (e for e, r in follows if SHOP_DELIVERY in r):
                self._shop_ids.append(self.webhooks.add_delivery(
                    setup.shop, SHOP_EVENTS[event.name], invoice_state(invoice), now,
                    invoice_id=invoice.id))
        if setup.fiscal_automatic:
            self._fiscal_ids += self.fiscal.queue_for(
                invoice, [e for e, r in follows if FISCAL_RECEIPT in r], str(invoice.status), now)

    def seller_setup(self, seller_id: int) -> SellerSetup:
        """The seller's shop endpoint and fiscal mode (storage.seller_setup)."""
        return seller_setup(self.session, seller_id)


def _after(event: object, status_from: str | None) -> str:
    """The state an event leaves the invoice in, for events that are not the latest."""
    fallback = status_from or InvoiceStatus.CREATED.value
    if type(event).__name__ == "InvoiceRefunded":  # one of several refunds a fact finished
        full = getattr(event, "full", False)
        return InvoiceStatus.REFUNDED if full else InvoiceStatus.PARTIALLY_REFUNDED
    return {
        "InvoiceCreated": InvoiceStatus.CREATED, "InvoiceLinkIssued": InvoiceStatus.PENDING,
        "InvoicePaid": InvoiceStatus.PAID, "InvoiceFailed": InvoiceStatus.FAILED,
        "InvoiceExpired": InvoiceStatus.EXPIRED, "InvoiceCancelled": InvoiceStatus.CANCELLED,
        "PaymentInProgress": InvoiceStatus.PENDING,
    }.get(type(event).__name__, fallback)
