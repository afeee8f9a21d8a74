"""instance monitoring: indexes for the instance list's order and filters (updated, started, next due)
and for counts per process version and status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 21:30:00
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_process_instance_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_process_instance_started', ['started_at'], unique=False)
        batch_op.create_index('ix_process_instance_next_due', ['next_due_at'], unique=False)
        batch_op.create_index('ix_process_instance_version_status', ['process_version_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_version_status')
        batch_op.drop_index('ix_process_instance_next_due')
        batch_op.drop_index('ix_process_instance_started')
        batch_op.drop_index('ix_process_instance_updated')
