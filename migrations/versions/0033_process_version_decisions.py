"""process_version.decisions: the DMN decision tables a version's business rule tasks call, kept with the
version (file name -> DMN XML) so the modeler opens exactly what was deployed (issue 18). The tables themselves
are also in the version's spec_json, which is what a running instance evaluates.

Revision ID: 0033
Revises: 0029
Create Date: 2026-12-07 11:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decisions', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('decisions')
