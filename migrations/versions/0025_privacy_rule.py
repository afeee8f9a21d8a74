"""privacy_rule: the ordinance sections and administrative rules a privacy decision may cite, with the appeal
time limit and the fines the city has published for each; empty when not specified (000; issue 17)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('privacy_rule',
    sa.Column('rule_ref', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('appeal_limit_days', sa.Integer(), nullable=True),
    sa.Column('fine_first', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('fine_repeat', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('fine_continuing', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('rule_ref', name=op.f('pk_privacy_rule'))
    )


def downgrade() -> None:
    op.drop_table('privacy_rule')
