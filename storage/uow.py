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
from storage.seller_settings import SellerSettings, SettingsCache, changed_in, load
from storage.support import AuditLog, SupportAgents, SupportQueries
from storage.tables import InvoiceEventRow
from storage.webhooks import WebhookRepository, invoice_state

SHOP_DELIVERY, FISCAL_RECEIPT = Reaction.SHOP_DELIVERY, Reaction.FISCAL_RECEIPT


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session],
                 on_shop_deliveries: Callable[[list[int]], None] | None = None,
                 on_fiscal_receipts: Callable[[list[str]], None] | None = None,
                 settings_cache: SettingsCache | None = None) -> None:
        self._factory = session_factory
        #: this process's cache of sellers' settings (None: always read from the database)
        self._settings = settings_cache
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
        self._settings_seen: dict[int, SellerSettings] = {}
        return self

    def seller_settings(self, seller_id: int) -> SellerSettings:
        """The seller's profile, LiqPay account, shop endpoint and Checkbox settings: cached in
        the process and checked current (storage/seller_settings.py), else read here."""
        seen = self._settings_seen.get(seller_id)  # asked twice in one unit: one Redis look
        if seen is None:
            seen = (load(self.session, seller_id) if self._settings is None
                    else self._settings.get(seller_id, lambda: load(self.session, seller_id)))
            self._settings_seen[seller_id] = seen
        return seen

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
        changed = changed_in(self.session)
        if changed:
            self._settings_seen.clear()
            if self._settings is not None:
                self._settings.changed(changed)  # before anything this commit leads to is read
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
        settings = self.seller_settings(invoice.seller_id)
        if settings.shop_active:
            assert settings.endpoint is not None
            for event in (e for e, r in follows if SHOP_DELIVERY in r):
                self._shop_ids.append(self.webhooks.add_delivery(
                    settings.endpoint, SHOP_EVENTS[event.name], invoice_state(invoice), now,
                    invoice_id=invoice.id))
        if settings.fiscal_automatic:
            self._fiscal_ids += self.fiscal.queue_for(
                invoice, [e for e, r in follows if FISCAL_RECEIPT in r], str(invoice.status), now)


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
