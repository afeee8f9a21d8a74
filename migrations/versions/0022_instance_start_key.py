"""instance_start_key: a caller's key for one start beside the instance it started, so that a form
submitted twice files one request (engine/start_keys.py)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-10 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instance_start_key',
    sa.Column('start_key', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_instance_start_key_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('start_key', name=op.f('pk_instance_start_key')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_instance_start_key_instance_id'))
    )


def downgrade() -> None:
    op.drop_table('instance_start_key')
