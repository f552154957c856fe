"""buyer details: what the pay page asks (the seller's choice) and what the buyer gave

Revision ID: 0006
Revises: 0005_refunds
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005_refunds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('buyer_email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('buyer_language', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('buyer_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('buyer_phone', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('ask_name', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('ask_phone', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('sellers') as batch:
        batch.add_column(sa.Column('ask_buyer_name', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('ask_buyer_phone', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('sellers') as batch:
        batch.drop_column('ask_buyer_phone')
        batch.drop_column('ask_buyer_name')
    with op.batch_alter_table('invoices') as batch:
        for column in ('ask_phone', 'ask_name', 'buyer_phone', 'buyer_name', 'buyer_language',
                       'buyer_email'):
            batch.drop_column(column)
