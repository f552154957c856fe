"""fiscal receipts: the sellers' PRRO settings and one receipt per payment

Revision ID: 0009_fiscal
Revises: 0008_support
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_fiscal'
down_revision = '0008_support'
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        'fiscal_settings',
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), primary_key=True),
        sa.Column('provider', sa.String(length=16), nullable=False, server_default='checkbox'),
        sa.Column('license_key_encrypted', sa.Text(), nullable=True),
        sa.Column('pin_encrypted', sa.Text(), nullable=True),
        sa.Column('mode', sa.String(length=16), nullable=False, server_default='off'),
        sa.Column('goods_name', sa.String(length=128), nullable=False, server_default=''),
        _ts('connected_at'), _ts('shift_opened_at'), _ts('shift_closed_at'),
    )
    op.create_table(
        'fiscal_receipts',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('invoice_id', sa.String(length=32), sa.ForeignKey('invoices.id'),
                  nullable=False),
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('refund_key', sa.String(length=128), nullable=False, server_default=''),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('card_mask', sa.String(length=32), nullable=True),
        sa.Column('payment_type', sa.String(length=16), nullable=False,
                  server_default='CASHLESS'),
        sa.Column('auth_code', sa.String(length=32), nullable=True),
        sa.Column('related_id', sa.String(length=36), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('fiscal_code', sa.String(length=64), nullable=True),
        sa.Column('link', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('told_pending', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('errored', sa.Boolean(), nullable=False, server_default=sa.false()),
        _ts('next_try_at'), _ts('claimed_until'),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('invoice_id', 'kind', 'refund_key',
                            name='uq_fiscal_receipts_payment'),
    )
    op.create_index('ix_fiscal_receipts_invoice_id', 'fiscal_receipts', ['invoice_id'])
    op.create_index('ix_fiscal_receipts_due', 'fiscal_receipts', ['state', 'next_try_at'])


def downgrade() -> None:
    op.drop_index('ix_fiscal_receipts_due', table_name='fiscal_receipts')
    op.drop_index('ix_fiscal_receipts_invoice_id', table_name='fiscal_receipts')
    op.drop_table('fiscal_receipts')
    op.drop_table('fiscal_settings')
