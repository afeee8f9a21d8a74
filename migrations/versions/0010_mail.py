"""mail: the outbox of notifications, the dispatcher's cursors, staff e-mail and notification
preference, and the requester's optional e-mail address

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('private_link', sa.String(length=500), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', engine.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('dedupe_key', 'recipient', name=op.f('uq_mail_outbox_dedupe_key'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
    op.create_table('mail_cursor',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_mail_cursor'))
    )
    # An installation that already has tasks starts notifying from the next new one, not the backlog.
    op.execute("INSERT INTO mail_cursor (name, position) SELECT 'human_task', COALESCE(MAX(id), 0) FROM human_task")
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('notify', sa.String(length=20), server_default='immediate', nullable=False))
    with op.batch_alter_table('requester_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('requester_access', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_column('notify')
        batch_op.drop_column('email')
    op.drop_table('mail_cursor')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_status_next_attempt')

    op.drop_table('mail_outbox')
