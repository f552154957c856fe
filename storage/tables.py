"""SQLModel tables. Amounts are stored as integer minor units with their currency."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC: SQLite would keep a +02:00 time's wall clock, offset lost."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


def _ts(nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(timezone=True), nullable=nullable, index=index)


class SellerRow(SQLModel, table=True):
    __tablename__ = "sellers"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_sellers_channel_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, max_length=3)
    language: str = Field(default="uk", max_length=8)
    subscribed: bool = Field(default=True)
    created_at: datetime = Field(sa_column=_ts())
    #: *Settings → Buyer details*: the pay page of each new invoice asks for these
    ask_buyer_name: bool = Field(default=False)
    ask_buyer_phone: bool = Field(default=False)


class InvoiceRow(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_seller_status", "seller_id", "status"),
        Index("ix_invoices_status_next_poll", "status", "next_poll_at"),
        Index("ix_invoices_status_expires", "status", "expires_at"),
        Index("ix_invoices_next_poll", "next_poll_at"),
    )

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(max_length=16, unique=True)
    seller_id: int = Field(foreign_key="sellers.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    provider: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=128, unique=True)
    status: str = Field(max_length=24)
    pay_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    provider_status: str | None = Field(default=None, max_length=32)
    provider_payment_id: str | None = Field(default=None, max_length=64)
    paid_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    paid_currency: str | None = Field(default=None, max_length=3)
    paid_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    paid_late: bool = Field(default=False)
    failure_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    refunded_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    amount_mismatch: bool = Field(default=False)
    in_flight: bool = Field(default=False)
    settling: bool = Field(default=False)
    #: comma-separated provider payment ids of successes after the first
    extra_payment_ids: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    message_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    next_poll_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    polls_done: int = Field(default=0)
    #: status calls in a row that failed (provider unreachable): the next poll backs off by them
    poll_errors: int = Field(default=0)
    #: when the reconciler last re-queued this invoice's overdue poll
    poll_requeued_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    version: int = Field(default=0)
    #: the merchant account the invoice is paid into; None: the platform's (LIQPAY_* settings)
    account_id: int | None = Field(default=None, foreign_key="merchant_accounts.id")
    #: what the buyer gave on the pay page: an address for the receipt, and their language
    buyer_email: str | None = Field(default=None, max_length=254)
    buyer_language: str | None = Field(default=None, max_length=8)
    buyer_name: str | None = Field(default=None, max_length=100)
    buyer_phone: str | None = Field(default=None, max_length=32)
    #: the seller's choice when the invoice was made: its pay page asks for the name / phone
    ask_name: bool = Field(default=False)
    ask_phone: bool = Field(default=False)
    manual: bool = Field(default=False)  #: paid by a manual payment the seller approved


class RefundRow(SQLModel, table=True):
    """One refund of an invoice (domain.refunds), keyed by our refund id. Its amount is in its
    own currency: a refund in another currency than was paid is kept as it came."""

    __tablename__ = "refunds"

    id: str = Field(primary_key=True, max_length=128)  #: e.g. "viber:{user}:rfc{token}"
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=32)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    state: str = Field(max_length=16)
    ours: bool = Field(default=True)
    provider_refund_id: str | None = Field(default=None, max_length=64)
    raw_status: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_ts())


class MerchantAccountRow(SQLModel, table=True):
    """A seller's own provider account. The private key is stored only encrypted (see
    storage.secrets); a disconnected account keeps its keys, so its invoices still verify."""

    __tablename__ = "merchant_accounts"
    __table_args__ = (Index("ix_merchant_accounts_seller", "seller_id", "disconnected_at"),)

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int | None = Field(default=None, foreign_key="sellers.id")
    provider: str = Field(default="liqpay", max_length=16)
    public_key: str = Field(max_length=128)
    private_key_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    disconnected_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class InvoiceEventRow(SQLModel, table=True):
    """The audit trail: one row per transition, with the event that caused it.

    Rows whose event tells the seller something double as an outbox: `notified_at` is set once
    the message went out, so a lost queue message is found and re-sent by the reconciler.
    """

    __tablename__ = "invoice_events"
    __table_args__ = (Index("ix_invoice_events_outbox", "notify", "notified_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(
        Integer, "sqlite"), primary_key=True, autoincrement=True))
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=32)
    name: str = Field(max_length=48)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    status_from: str | None = Field(default=None, max_length=24)
    status_to: str = Field(max_length=24)
    created_at: datetime = Field(sa_column=_ts())
    notify: bool = Field(default=False)
    notify_claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    notified_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    notify_attempts: int = Field(default=0)  #: sends tried; bounded, then the row is failed
    notify_failed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    notify_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reply_message_id: str | None = Field(default=None, max_length=64)


class WebhookEndpointRow(SQLModel, table=True):
    """A seller's shop URL. Its signing secret is stored only encrypted (storage.secrets); after
    a rotation the previous one keeps signing too until `previous_until`."""

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="sellers.id", unique=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    previous_secret_encrypted: str | None = Field(default=None,
                                                  sa_column=Column(Text, nullable=True))
    previous_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    state: str = Field(default="active", max_length=16)
    exhausted_streak: int = Field(default=0)  #: events in a row that failed every attempt
    #: its last attempt failed: its attempts count against the retry slots (it may hang)
    failing: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_ts())


class WebhookDeliveryRow(SQLModel, table=True):
    """One event for a shop, with its frozen body; the scheduler finds the due ones here, so a
    Redis restart loses none."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id")
    message_id: str = Field(max_length=64, unique=True)  #: the `webhook-id`
    event_type: str = Field(max_length=32)
    invoice_id: str | None = Field(default=None, max_length=32, index=True)
    sequence: int = Field(default=0)  #: per invoice, so a shop can order what it receives
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    single_attempt: bool = Field(default=False)
    next_attempt_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: a worker holds the attempt until then; a dead worker's claim simply runs out
    claimed_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: when the scheduler last queued its due attempt (not queued again for a while)
    queued_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(sa_column=_ts())


class WebhookAttemptRow(SQLModel, table=True):
    """Every POST to a shop: when, the status, how long, and the answer's first 256 bytes."""

    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", index=True)
    at: datetime = Field(sa_column=_ts())
    status_code: int | None = Field(default=None)
    duration_ms: int = Field(default=0)
    response: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ManualMethodRow(SQLModel, table=True):
    """A seller's manual payment method (domain.manual.ManualMethod). Removing one keeps its row
    (`removed_at`), so its payments still name it; *Cash* has a row once the seller edits it."""

    __tablename__ = "manual_methods"
    __table_args__ = (Index("ix_manual_methods_seller", "seller_id", "removed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="sellers.id")
    name: str = Field(max_length=64)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    comment_hint: str = Field(default="", max_length=200)
    #: a Decimal as text (e.g. "1.5"): never a float
    commission_percent: str = Field(default="0", max_length=16)
    fixed_fee_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    fixed_fee_currency: str | None = Field(default=None, max_length=3)
    account_currency: str = Field(max_length=3)
    accepted_currencies: str = Field(default="", max_length=64)  #: comma-separated
    charge_currency: str | None = Field(default=None, max_length=3)
    timeout_seconds: int = Field(default=30 * 86400)
    fiscal: bool = Field(default=False)
    builtin: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_ts())
    removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ManualPaymentRow(SQLModel, table=True):
    """A manual payment of an invoice (domain.manual.ManualPayment), version-checked: two
    approves racing write once."""

    __tablename__ = "manual_payments"
    __table_args__ = (Index("ix_manual_payments_due", "state", "expires_at"),)

    id: str = Field(primary_key=True, max_length=128)
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=32)
    seller_id: int = Field(foreign_key="sellers.id")
    method_id: int = Field(default=0)  #: 0: the built-in *Cash* the seller never edited
    method_name: str = Field(max_length=64)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    paid_on: str = Field(max_length=10)  #: ISO date
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_by: str | None = Field(default=None, max_length=64)
    version: int = Field(default=0)


class SupportAgentRow(SQLModel, table=True):
    """A support agent. Removing one stamps `removed_at` (the row stays), so SUPPORT_IDS, which
    only seeds ids never seen, does not bring a removed agent back at the next start."""

    __tablename__ = "support_agents"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_support_agents"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    source: str = Field(default="cli", max_length=16)  #: "setting" (SUPPORT_IDS) or "cli"
    added_at: datetime = Field(sa_column=_ts())
    removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SupportAuditRow(SQLModel, table=True):
    """The support audit log (domain.support.AuditEntry): only ever inserted."""

    __tablename__ = "support_audit"
    __table_args__ = (
        UniqueConstraint("action_id", "phase", name="uq_support_audit_action_phase"),
        Index("ix_support_audit_invoice", "invoice_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(max_length=200)
    agent: str = Field(max_length=80)
    action: str = Field(max_length=32)
    phase: str = Field(max_length=16)
    invoice_id: str | None = Field(default=None, max_length=32)
    seller_id: int | None = Field(default=None)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    at: datetime = Field(sa_column=_ts(index=True))


class FiscalSettingsRow(SQLModel, table=True):
    """*Settings → Fiscal receipts*: the seller's PRRO (Checkbox). The licence key and the
    cashier's PIN are stored only encrypted (storage.secrets), like the provider keys."""

    __tablename__ = "fiscal_settings"

    seller_id: int = Field(foreign_key="sellers.id", primary_key=True)
    provider: str = Field(default="checkbox", max_length=16)
    license_key_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pin_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    mode: str = Field(default="off", max_length=16)  #: "automatic" or "off"
    goods_name: str = Field(default="", max_length=128)  #: when an invoice has no description
    connected_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: a shift chatpay opened or used and has not closed; the scheduler closes it at day's end
    shift_opened_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    shift_closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class FiscalReceiptRow(SQLModel, table=True):
    """One fiscal receipt (domain.fiscal), keyed by our receipt id, made once per payment: one
    sale per invoice, one return per refund."""

    __tablename__ = "fiscal_receipts"
    __table_args__ = (
        UniqueConstraint("invoice_id", "kind", "refund_key", name="uq_fiscal_receipts_payment"),
        Index("ix_fiscal_receipts_due", "state", "next_try_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=32)
    seller_id: int = Field(foreign_key="sellers.id")
    kind: str = Field(max_length=8)  #: "sell" or "return"
    refund_key: str = Field(default="", max_length=128)  #: a return's refund id
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    card_mask: str | None = Field(default=None, max_length=32)
    payment_type: str = Field(default="CASHLESS", max_length=16)  #: CASHLESS or CASH
    auth_code: str | None = Field(default=None, max_length=32)
    related_id: str | None = Field(default=None, max_length=36)
    state: str = Field(max_length=16)
    fiscal_code: str | None = Field(default=None, max_length=64)
    link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = Field(default=0)
    told_pending: bool = Field(default=False)
    errored: bool = Field(default=False)  #: Checkbox's receipt under this id ended in ERROR
    next_try_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: a worker holds the receipt until then; a killed worker's claim simply runs out
    claimed_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(sa_column=_ts())
