"""the seller's cabinet: one-time sign-in links, the daily report, and the indexes its totals
and list read by (a seller's invoices by creation and by payment time)

Revision ID: 0014_cabinet
Revises: 0009_fiscal
Create Date: 2026-12-07 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_cabinet'
down_revision = '0013_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invoices_seller_created', 'invoices', ['seller_id', 'created_at'])
    op.create_index('ix_invoices_seller_paid', 'invoices', ['seller_id', 'paid_at'])
    op.create_table(
        'cabinet_links',
        sa.Column('id', sa.String(length=32), primary_key=True),
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'report_settings',
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), primary_key=True),
        sa.Column('digest_hour', sa.Integer(), nullable=True),
    )
    op.create_table(
        'digest_claims',
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), primary_key=True),
        sa.Column('day', sa.String(length=10), primary_key=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('digest_claims')
    op.drop_table('report_settings')
    op.drop_table('cabinet_links')
    op.drop_index('ix_invoices_seller_paid', 'invoices')
    op.drop_index('ix_invoices_seller_created', 'invoices')
