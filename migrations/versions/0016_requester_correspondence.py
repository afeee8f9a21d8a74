"""requester correspondence: questions staff ask the requester, the answers and a withdrawal from the status
page (requester_message), and each download of a record released online (records_download)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('requester_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('written_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('answers_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answers_id'], ['requester_message.id'],
                            name=op.f('fk_requester_message_answers_id_requester_message')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_requester_message_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requester_message'))
    )
    op.create_index(op.f('ix_requester_message_instance_id'), 'requester_message', ['instance_id'], unique=False)
    op.create_table('records_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('downloaded_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_records_download_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records_download'))
    )
    op.create_index(op.f('ix_records_download_instance_id'), 'records_download', ['instance_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_records_download_instance_id'), table_name='records_download')
    op.drop_table('records_download')
    op.drop_index(op.f('ix_requester_message_instance_id'), table_name='requester_message')
    op.drop_table('requester_message')
