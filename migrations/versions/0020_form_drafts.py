"""form drafts: a form saved in the forms editor is kept in the database (form_draft, one per
<process>/<file>, with who saved it and when), never written into the installation's forms/ folder; each
save and discard is recorded in form_draft_change (web/models_forms.py)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.String(length=160), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('saved_by', sa.String(length=100), nullable=False),
    sa.Column('saved_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_draft')),
    sa.UniqueConstraint('process', 'file_name', name=op.f('uq_form_draft_process'))
    )
    op.create_table('form_draft_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.String(length=160), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_draft_change'))
    )
    op.create_index('ix_form_draft_change_form', 'form_draft_change', ['process', 'file_name'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_form_draft_change_form', table_name='form_draft_change')
    op.drop_table('form_draft_change')
    op.drop_table('form_draft')
