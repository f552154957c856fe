"""attempts: each card payment attempt of an invoice, with its own provider order id

An invoice made before keeps working: its one order id (`cp-{id}`) becomes its attempt 1, with
what the invoice knew of it, so a callback or a poll for that order still finds the invoice.

Revision ID: 0013_attempts
Revises: 0009_fiscal
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0013_attempts'
down_revision = '0011_account_checks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invoice_attempts',
        sa.Column('order_id', sa.String(length=64), nullable=False),
        sa.Column('invoice_id', sa.String(length=32), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('pay_url', sa.Text(), nullable=True),
        sa.Column('provider_status', sa.String(length=32), nullable=True),
        sa.Column('processing', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('decline_code', sa.String(length=64), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('provider_payment_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
        sa.PrimaryKeyConstraint('order_id'),
        sa.UniqueConstraint('invoice_id', 'number', name='uq_invoice_attempts_number'),
    )
    op.create_index('ix_invoice_attempts_invoice_id', 'invoice_attempts', ['invoice_id'])
    # every invoice so far had one order, `cp-{id}`: it is attempt 1, in the state the invoice
    # knew it in (paid by card: paid; failed: declined; otherwise still in flight)
    op.execute(
        "INSERT INTO invoice_attempts (order_id, invoice_id, number, provider, state, pay_url,"
        " provider_status, processing, decline_code, decline_reason, provider_payment_id,"
        " created_at) "
        "SELECT 'cp-' || id, id, 1, provider,"
        " CASE WHEN status IN ('paid', 'refunded', 'partially_refunded') AND NOT manual"
        " THEN 'paid' WHEN status = 'failed' THEN 'declined' ELSE 'in_flight' END,"
        " pay_url, provider_status, in_flight, NULL, failure_reason,"
        " CASE WHEN manual THEN NULL ELSE provider_payment_id END, created_at "
        "FROM invoices")


def downgrade() -> None:
    op.drop_index('ix_invoice_attempts_invoice_id', 'invoice_attempts')
    op.drop_table('invoice_attempts')
