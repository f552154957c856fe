"""manual payments: sellers' manual methods, the manual payments of invoices, invoices paid by hand

Revision ID: 0007_manual_payments
Revises: 0006
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0007_manual_payments'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'manual_methods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('comment_hint', sa.String(length=200), nullable=False),
        sa.Column('commission_percent', sa.String(length=16), nullable=False),
        sa.Column('fixed_fee_minor', sa.BigInteger(), nullable=False),
        sa.Column('fixed_fee_currency', sa.String(length=3), nullable=True),
        sa.Column('account_currency', sa.String(length=3), nullable=False),
        sa.Column('accepted_currencies', sa.String(length=64), nullable=False),
        sa.Column('charge_currency', sa.String(length=3), nullable=True),
        sa.Column('timeout_seconds', sa.Integer(), nullable=False),
        sa.Column('fiscal', sa.Boolean(), nullable=False),
        sa.Column('builtin', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('removed_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['seller_id'], ['sellers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_manual_methods_seller', 'manual_methods', ['seller_id', 'removed_at'])
    op.create_table(
        'manual_payments',
        sa.Column('id', sa.String(length=128), nullable=False),
        sa.Column('invoice_id', sa.String(length=32), nullable=False),
        sa.Column('seller_id', sa.Integer(), nullable=False),
        sa.Column('method_id', sa.Integer(), nullable=False),
        sa.Column('method_name', sa.String(length=64), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('paid_on', sa.String(length=10), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
        sa.ForeignKeyConstraint(['seller_id'], ['sellers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_manual_payments_invoice_id', 'manual_payments', ['invoice_id'])
    op.create_index('ix_manual_payments_due', 'manual_payments', ['state', 'expires_at'])
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('manual', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('manual')
    op.drop_index('ix_manual_payments_due', 'manual_payments')
    op.drop_index('ix_manual_payments_invoice_id', 'manual_payments')
    op.drop_table('manual_payments')
    op.drop_index('ix_manual_methods_seller', 'manual_methods')
    op.drop_table('manual_methods')
