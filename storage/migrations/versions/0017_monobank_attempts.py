"""monobank: an attempt keeps the provider's own id of its order (monobank's invoiceId, which its
status, refund and remove calls take) and the date of the provider's last word about it (so a
webhook delivered late never overwrites a newer one)

Revision ID: 0017_monobank_attempts
Revises: 0016_shop_name
Create Date: 2026-12-07 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_monobank_attempts'
down_revision = '0016_shop_name'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoice_attempts') as batch:
        batch.add_column(sa.Column('provider_ref', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('provider_modified_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('fiscal_receipts') as batch:  # a card payment's RRN, when given
        batch.add_column(sa.Column('rrn', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fiscal_receipts') as batch:
        batch.drop_column('rrn')
    with op.batch_alter_table('invoice_attempts') as batch:
        batch.drop_column('account_id')
        batch.drop_column('provider_modified_at')
        batch.drop_column('provider_ref')
