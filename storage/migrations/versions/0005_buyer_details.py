"""buyer details from the pay page: the receipt's address and the buyer's language

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('buyer_email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('buyer_language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('buyer_language')
        batch.drop_column('buyer_email')
