"""refund lease: one worker at a time calls the provider for a refund, until its lease expires

Revision ID: 0010_refund_lease
Revises: 0009_fiscal
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0010_refund_lease'
down_revision = '0009_fiscal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('leases', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index('ix_refunds_state', ['state'])
    # a refund requested before this revision may have reached the provider: whoever takes it
    # over asks the provider what was refunded before sending anything
    op.execute("UPDATE refunds SET leases = 1 WHERE state = 'requested'")


def downgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_state')
        batch_op.drop_column('leases')
        batch_op.drop_column('lease_until')
