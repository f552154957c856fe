"""SQLModel tables of the seller's cabinet: one-time sign-in links (Viber), the daily report's
setting, and the claim that sends each seller's digest once a day. storage.tables imports them."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.tables_columns import _ts


class CabinetLinkRow(SQLModel, table=True):
    """A signed one-time link to the cabinet (Viber has no Mini Apps). `used_at` is set by the
    one request that redeems it; the link then stops working."""

    __tablename__ = "cabinet_links"

    id: str = Field(primary_key=True, max_length=32)
    seller_id: int = Field(foreign_key="sellers.id")
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ReportSettingsRow(SQLModel, table=True):
    """*Settings → Daily report*: the hour (0–23, the seller's zone) of the digest; None: off."""

    __tablename__ = "report_settings"

    seller_id: int = Field(foreign_key="sellers.id", primary_key=True)
    digest_hour: int | None = Field(default=None)


class DigestClaimRow(SQLModel, table=True):
    """One row per seller per local day: the scheduler that inserts it sends that digest; a
    second scheduler's insert fails on the key, so it sends nothing."""

    __tablename__ = "digest_claims"

    seller_id: int = Field(foreign_key="sellers.id", primary_key=True)
    day: str = Field(primary_key=True, max_length=10)  #: ISO date in the seller's zone
    claimed_at: datetime = Field(sa_column=_ts())
