"""account checks: what LiqPay last said of each merchant account's keys (refused, checked)

Revision ID: 0011_account_checks
Revises: 0009_fiscal
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0011_account_checks'
down_revision = '0010_refund_lease'
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        'account_checks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('merchant_accounts.id'),
                  nullable=True, unique=True),
        sa.Column('platform_key', sa.String(length=128), nullable=True, unique=True),
        _ts('checked_at'), _ts('refused_at'),
        sa.Column('refused_reason', sa.String(length=64), nullable=True),
        _ts('told_at'),
    )


def downgrade() -> None:
    op.drop_table('account_checks')
