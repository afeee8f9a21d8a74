"""fee_assessment.requested_at and on_behalf_of_key: the 24-hour rule counts requests by when they were made,
and a request made on behalf of someone counts for that person too (003, Art. 6 (b)(5); issue 15)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 08:40:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fee_assessment', schema=None) as batch_op:
        # Rows kept before this revision have neither: they count at their assessment, for their requester.
        batch_op.add_column(sa.Column('requested_at', engine.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('on_behalf_of_key', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_fee_assessment_on_behalf_of_key'), ['on_behalf_of_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fee_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_assessment_on_behalf_of_key'))
        batch_op.drop_column('on_behalf_of_key')
        batch_op.drop_column('requested_at')
