"""instance list: one version's instances newest first without sorting them all

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 22:20:00
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_process_instance_version_updated', ['process_version_id', 'updated_at', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_version_updated')
