"""the cash float the City Clerk gives each office for making change (003, Art. 6): not fee money

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:35:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cash_float',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('returned_at', engine.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('returned_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['office_key'], ['office.office_key'], name=op.f('fk_cash_float_office_key_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_float'))
    )
    with op.batch_alter_table('cash_float', schema=None) as batch_op:
        # One float in force per office: a partial unique index (SQLite and PostgreSQL both have them).
        batch_op.create_index('ix_cash_float_in_force', ['office_key'], unique=True,
                              sqlite_where=sa.text('returned_at IS NULL'),
                              postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_cash_float_office_key'), ['office_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cash_float', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cash_float_office_key'))
        batch_op.drop_index('ix_cash_float_in_force')

    op.drop_table('cash_float')
