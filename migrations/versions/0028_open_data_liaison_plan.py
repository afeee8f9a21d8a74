"""open_data_liaison_department, open_data_plan_entry, open_data_plan_change: the departments' liaisons and their
open data plans, data that can be published with its proposed and agreed dates, data recommended not to publish
with its written justification, and every change (002; KCMO Sec. 2-2135; issue 16)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 11:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_data_liaison_department',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('assigned_by', sa.String(length=100), nullable=False),
    sa.Column('assigned_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'department', name=op.f('pk_open_data_liaison_department'))
    )
    op.create_table('open_data_plan_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('can_publish', 'exclusion', name='planentrykind', native_enum=False, length=20),
              nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kept_in', sa.Text(), nullable=False),
    sa.Column('proposed_date', sa.Date(), nullable=True),
    sa.Column('proposed_by', sa.String(length=100), nullable=True),
    sa.Column('awaiting_agreement', sa.Boolean(), nullable=False),
    sa.Column('agreed_date', sa.Date(), nullable=True),
    sa.Column('agreed_by', sa.String(length=100), nullable=True),
    sa.Column('agreement_note', sa.Text(), nullable=False),
    sa.Column('published_slug', sa.String(length=80), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('exclusion_reason', sa.String(length=40), nullable=True),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('review', sa.String(length=20), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', engine.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_plan_entry'))
    )
    with op.batch_alter_table('open_data_plan_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_data_plan_entry_department'), ['department'], unique=False)

    op.create_table('open_data_plan_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['open_data_plan_entry.id'],
                            name=op.f('fk_open_data_plan_change_entry_id_open_data_plan_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_plan_change'))
    )
    with op.batch_alter_table('open_data_plan_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_data_plan_change_entry_id'), ['entry_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('open_data_plan_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_data_plan_change_entry_id'))
    op.drop_table('open_data_plan_change')
    with op.batch_alter_table('open_data_plan_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_data_plan_entry_department'))
    op.drop_table('open_data_plan_entry')
    op.drop_table('open_data_liaison_department')
