"""SQLModel tables of the features beside card payments: manual payments, support, fiscal
receipts. storage.tables imports them, so SQLModel.metadata (Alembic, create_all) has them all."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables_columns import _ts


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
    rrn: str | None = Field(default=None, max_length=32)
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


class AccountCheckRow(SQLModel, table=True):
    """What the provider last said of a merchant account's keys: a seller's account
    (`account_id`) or the platform's (`platform_key`, its public key). A refused account takes
    no new invoice; `told_at` makes the seller hear of it once."""

    __tablename__ = "account_checks"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="merchant_accounts.id", unique=True)
    platform_key: str | None = Field(default=None, max_length=128, unique=True)
    checked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    refused_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    refused_reason: str | None = Field(default=None, max_length=64)  #: the provider's code
    told_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
