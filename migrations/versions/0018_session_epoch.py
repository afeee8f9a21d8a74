"""session epoch: the generation of each staff account's sessions (staff_account.session_epoch), so sign-out, a new
password and deactivation end every session of the account, and the addresses each account signed in from
(staff_sign_in_address), which other people's failed sign-ins do not slow down

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    op.create_table('staff_sign_in_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_account_id', sa.Integer(), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('last_signed_in_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_account_id'], ['staff_account.id'],
                            name=op.f('fk_staff_sign_in_address_staff_account_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sign_in_address')),
    sa.UniqueConstraint('staff_account_id', 'address_key', name=op.f('uq_staff_sign_in_address_staff_account_id'))
    )
    op.create_index(op.f('ix_staff_sign_in_address_staff_account_id'), 'staff_sign_in_address', ['staff_account_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_staff_sign_in_address_staff_account_id'), table_name='staff_sign_in_address')
    op.drop_table('staff_sign_in_address')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
