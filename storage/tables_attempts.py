"""The card payment attempts of invoices (domain.attempts): one row per attempt, keyed by the
provider order id it is known by, so a callback or a poll finds its attempt, then its invoice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables_columns import _ts


class AttemptRow(SQLModel, table=True):
    __tablename__ = "invoice_attempts"
    __table_args__ = (UniqueConstraint("invoice_id", "number", name="uq_invoice_attempts_number"),)

    #: `{code}-{n}`; `cp-{invoice id}` for attempt 1 of an invoice made before attempts
    order_id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=32)
    number: int
    provider: str = Field(max_length=16)
    state: str = Field(max_length=16)
    pay_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    provider_status: str | None = Field(default=None, max_length=32)
    processing: bool = Field(default=False)
    decline_code: str | None = Field(default=None, max_length=64)
    decline_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    provider_payment_id: str | None = Field(default=None, max_length=64)
    #: the provider's own id of this order, when it makes one (monobank's invoiceId)
    provider_ref: str | None = Field(default=None, max_length=64)
    #: when the provider dated its last word about this order (monobank's modifiedDate)
    provider_modified_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: the merchant account this attempt is paid into (None: the invoice's)
    account_id: int | None = Field(default=None)
    created_at: datetime = Field(sa_column=_ts())
