"""open_data_setting: the city's open data settings, where the two cities' texts differ: who approves data sets and
decides reports (Records Manager or Open Data Officer), who catalogues and publishes them (IT Open Data Coordinator or
Open Data Officer), and the catalog's DCAT-US publisher name, bureauCode and programCode (002; issue 16)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_data_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approver_role', sa.String(length=40), nullable=False),
    sa.Column('publisher_role', sa.String(length=40), nullable=False),
    sa.Column('publisher_name', sa.String(length=200), nullable=False),
    sa.Column('bureau_code', sa.String(length=10), nullable=False),
    sa.Column('program_code', sa.String(length=10), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_setting'))
    )


def downgrade() -> None:
    op.drop_table('open_data_setting')
