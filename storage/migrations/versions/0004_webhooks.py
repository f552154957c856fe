"""seller webhooks: shop endpoints (encrypted secrets), deliveries and their attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('previous_secret_encrypted', sa.Text(), nullable=True),
        sa.Column('previous_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('exhausted_streak', sa.Integer(), nullable=False),
        sa.Column('failing', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['seller_id'], ['sellers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seller_id'),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=64), nullable=False),
        sa.Column('event_type', sa.String(length=32), nullable=False),
        sa.Column('invoice_id', sa.String(length=32), nullable=True),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('single_attempt', sa.Boolean(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('queued_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries',
                    ['status', 'next_attempt_at'])
    op.create_index('ix_webhook_deliveries_endpoint', 'webhook_deliveries', ['endpoint_id', 'id'])
    op.create_index('ix_webhook_deliveries_invoice_id', 'webhook_deliveries', ['invoice_id'])
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('response', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_attempts_delivery_id', 'webhook_attempts', ['delivery_id'])


def downgrade() -> None:
    op.drop_index('ix_webhook_attempts_delivery_id', 'webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_index('ix_webhook_deliveries_invoice_id', 'webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_endpoint', 'webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', 'webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
