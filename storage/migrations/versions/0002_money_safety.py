"""money safety: mismatch and in-flight flags, settling, extra payments, poll back-off, bounded
notification attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('amount_mismatch', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('in_flight', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('settling', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('extra_payment_ids', sa.Text(), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('poll_errors', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('poll_requeued_at', UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_invoices_next_poll', 'invoices', ['next_poll_at'])
    with op.batch_alter_table('invoice_events') as batch:
        batch.add_column(sa.Column('notify_attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('notify_failed_at', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('notify_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoice_events') as batch:
        batch.drop_column('notify_error')
        batch.drop_column('notify_failed_at')
        batch.drop_column('notify_attempts')
    op.drop_index('ix_invoices_next_poll', 'invoices')
    with op.batch_alter_table('invoices') as batch:
        for name in ('poll_requeued_at', 'poll_errors', 'extra_payment_ids', 'settling',
                     'in_flight', 'amount_mismatch'):
            batch.drop_column(name)
