"""SQLModel tables. Amounts are stored as integer minor units with their currency."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables_attempts import AttemptRow  # noqa: F401  (re-exported, like the features')
from storage.tables_cabinet import (  # noqa: F401  (re-exported: one module names every table)
    CabinetLinkRow,
    DigestClaimRow,
    ReportSettingsRow,
)
from storage.tables_columns import UTCDateTime, _ts  # noqa: F401  (UTCDateTime: migrations)
from storage.tables_features import (  # noqa: F401  (re-exported: one module names every table)
    AccountCheckRow,
    FiscalReceiptRow,
    FiscalSettingsRow,
    ManualMethodRow,
    ManualPaymentRow,
    SupportAgentRow,
    SupportAuditRow,
)


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
    #: *Shop name* (/shop): what buyers see on the pay page, in the SMS and e-mail
    shop_name: str | None = Field(default=None, max_length=64)


class InvoiceRow(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_seller_status", "seller_id", "status"),
        Index("ix_invoices_status_next_poll", "status", "next_poll_at"),
        Index("ix_invoices_status_expires", "status", "expires_at"),
        Index("ix_invoices_next_poll", "next_poll_at"),
        Index("ix_invoices_seller_created", "seller_id", "created_at"),  # the cabinet's list
        Index("ix_invoices_seller_paid", "seller_id", "paid_at"),  # the cabinet's totals
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
    state: str = Field(max_length=16, index=True)
    ours: bool = Field(default=True)
    #: a worker calls the provider for it until then (domain.refunds.REFUND_LEASE)
    lease_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    leases: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
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
