"""called_version: the version of each process an instance calls from another file, pinned when it starts
(issue 18, call activities)

Revision ID: 0032
Revises: 0033
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('called_version',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_called_version_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_version.id'],
                            name=op.f('fk_called_version_process_version_id_process_version')),
    sa.PrimaryKeyConstraint('instance_id', 'process_key', name=op.f('pk_called_version'))
    )
    op.create_index(op.f('ix_called_version_process_version_id'), 'called_version', ['process_version_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_called_version_process_version_id'), table_name='called_version')
    op.drop_table('called_version')
