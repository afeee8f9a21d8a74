"""the public portal: each online request's private status link (token hash) and the submission count

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:10:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('requester_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=20), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_requester_access_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requester_access')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_requester_access_instance_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_requester_access_token_hash')),
    sa.UniqueConstraint('tracking_number', name=op.f('uq_requester_access_tracking_number'))
    )
    op.create_table('portal_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_submission'))
    )
    with op.batch_alter_table('portal_submission', schema=None) as batch_op:
        batch_op.create_index('ix_portal_submission_client_at', ['client_key', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_submission_submitted_at'), ['submitted_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_submission_submitted_at'))
        batch_op.drop_index('ix_portal_submission_client_at')

    op.drop_table('portal_submission')
    op.drop_table('requester_access')
