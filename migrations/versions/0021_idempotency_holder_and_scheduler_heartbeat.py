"""an Idempotency-Key survives a crash of the request that held it, and the scheduler writes its heartbeat

api_idempotency.holder is the token of the request holding the key (a retry takes over a key whose request
died, and the dead request can no longer commit); api_idempotency.applied_at is written in the same
transaction as the request's effect, so a takeover knows whether the effect happened
(web/api/idempotency.py). scheduler_lease.renewed_at is when the leading scheduler last renewed its lease,
read by /healthz as its heartbeat.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-10 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_idempotency') as batch_op:
        batch_op.add_column(sa.Column('holder', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('applied_at', engine.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('scheduler_lease') as batch_op:
        batch_op.add_column(sa.Column('renewed_at', engine.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scheduler_lease') as batch_op:
        batch_op.drop_column('renewed_at')
    with op.batch_alter_table('api_idempotency') as batch_op:
        batch_op.drop_column('applied_at')
        batch_op.drop_column('holder')
