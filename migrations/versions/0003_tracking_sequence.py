"""tracking numbers: the last number given per prefix and year

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tracking_sequence',
    sa.Column('prefix', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_tracking_sequence'))
    )


def downgrade() -> None:
    op.drop_table('tracking_sequence')
