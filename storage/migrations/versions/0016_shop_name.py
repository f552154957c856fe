"""the seller's shop name: what buyers see on the pay page, in the SMS and e-mail

Revision ID: 0016_shop_name
Revises: 0009_fiscal
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_shop_name'
down_revision = '0014_cabinet'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sellers') as batch:
        batch.add_column(sa.Column('shop_name', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sellers') as batch:
        batch.drop_column('shop_name')
