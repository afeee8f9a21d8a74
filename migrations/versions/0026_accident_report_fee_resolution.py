"""fee_schedule: the accident report copy fee is set by resolution (003, Art. 6; issue 15): it may be left empty
until the city enters the resolution's amount, which comes with the resolution's number and date. The 5.00 that
seeding made up (rows added by "setup") is emptied: no invented default.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fee_schedule', schema=None) as batch_op:
        batch_op.alter_column('accident_report_copy_fee', existing_type=sa.Numeric(10, 2), nullable=True)
        batch_op.add_column(sa.Column('accident_report_resolution', sa.String(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('accident_report_resolution_date', sa.Date(), nullable=True))
    op.execute("UPDATE fee_schedule SET accident_report_copy_fee = NULL WHERE created_by = 'setup'")


def downgrade() -> None:
    op.execute("UPDATE fee_schedule SET accident_report_copy_fee = 5.00 WHERE accident_report_copy_fee IS NULL")
    with op.batch_alter_table('fee_schedule', schema=None) as batch_op:
        batch_op.drop_column('accident_report_resolution_date')
        batch_op.drop_column('accident_report_resolution')
        batch_op.alter_column('accident_report_copy_fee', existing_type=sa.Numeric(10, 2), nullable=False)
