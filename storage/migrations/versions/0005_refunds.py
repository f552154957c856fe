"""refunds: one row per refund, keyed by our refund id, in its own currency

Revision ID: 0005_refunds
Revises: 0004
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0005_refunds'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'refunds',
        sa.Column('id', sa.String(length=128), nullable=False),
        sa.Column('invoice_id', sa.String(length=32), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('ours', sa.Boolean(), nullable=False),
        sa.Column('provider_refund_id', sa.String(length=64), nullable=True),
        sa.Column('raw_status', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_refunds_invoice_id', 'refunds', ['invoice_id'])


def downgrade() -> None:
    op.drop_index('ix_refunds_invoice_id', 'refunds')
    op.drop_table('refunds')
