"""open_dataset_file: an earlier version of a data set can be withdrawn (withdrawn_at, withdrawn_reason): listed
in the data set's history with the date and the reason, its files no longer served (002, Sacramento's "promptly
correct or remove such data"; issue 16). A correction used to leave the version with the protected data
downloadable.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 11:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('open_dataset_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', engine.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('open_dataset_file', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
