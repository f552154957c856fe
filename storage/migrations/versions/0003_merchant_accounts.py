"""merchant accounts: sellers' own provider keys (encrypted), and the account of each invoice

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'merchant_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), nullable=True),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('public_key', sa.String(length=128), nullable=False),
        sa.Column('private_key_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('disconnected_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['seller_id'], ['sellers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_merchant_accounts_seller', 'merchant_accounts',
                    ['seller_id', 'disconnected_at'])
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_invoices_account', 'merchant_accounts', ['account_id'],
                                 ['id'])


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.drop_constraint('fk_invoices_account', type_='foreignkey')
        batch.drop_column('account_id')
    op.drop_index('ix_merchant_accounts_seller', 'merchant_accounts')
    op.drop_table('merchant_accounts')
