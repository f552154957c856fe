"""support: agents, and the append-only audit log of what they did

Revision ID: 0008_support
Revises: 0007_manual_payments
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_support'
down_revision = '0007_manual_payments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'support_agents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint('channel', 'external_id', name='uq_support_agents'),
    )
    op.create_table(
        'support_audit',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('action_id', sa.String(length=200), nullable=False),
        sa.Column('agent', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('invoice_id', sa.String(length=32), nullable=True),
        sa.Column('seller_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('action_id', 'phase', name='uq_support_audit_action_phase'),
    )
    op.create_index('ix_support_audit_invoice', 'support_audit', ['invoice_id', 'at'])
    op.create_index('ix_support_audit_at', 'support_audit', ['at'])


def downgrade() -> None:
    op.drop_index('ix_support_audit_at', 'support_audit')
    op.drop_index('ix_support_audit_invoice', 'support_audit')
    op.drop_table('support_audit')
    op.drop_table('support_agents')
