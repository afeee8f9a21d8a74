"""task notes: comments and attachments (placeholder, filled by the task page work)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 20:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('request_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('written_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_request_comment_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_comment'))
    )
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_comment_instance_id'), ['instance_id'], unique=False)

    op.create_table('request_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('attached_by', sa.String(length=100), nullable=False),
    sa.Column('attached_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('form_field', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_request_attachment_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_attachment'))
    )
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_attachment_instance_id'), ['instance_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_attachment_instance_id'))

    op.drop_table('request_attachment')
    with op.batch_alter_table('request_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_comment_instance_id'))

    op.drop_table('request_comment')
