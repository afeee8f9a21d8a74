"""open_dataset, open_dataset_file, open_dataset_event: the open data catalog, every data set with its metadata,
its file versions (raw and processed) and its history (002; KCMO Sec. 2-2132(b), Sacramento's catalogue of
every data set; issue 16)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 08:40:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('quality', sa.Text(), nullable=False),
    sa.Column('update_frequency', sa.String(length=40), nullable=False),
    sa.Column('license', sa.String(length=300), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('issued_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('modified_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('published', 'withdrawn', 'removed', name='datasetstatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('approved_in', sa.Integer(), nullable=True),
    sa.Column('vetted_by', sa.String(length=100), nullable=True),
    sa.Column('vetted_at', engine.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_dataset')),
    sa.UniqueConstraint('slug', name=op.f('uq_open_dataset_slug'))
    )
    with op.batch_alter_table('open_dataset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_dataset_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_dataset_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_dataset_topic'), ['topic'], unique=False)

    op.create_table('open_dataset_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['open_dataset.id'], name=op.f('fk_open_dataset_event_dataset_id_open_dataset')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_dataset_event'))
    )
    with op.batch_alter_table('open_dataset_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_dataset_event_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('open_dataset_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('raw', 'processed', name='filekind', native_enum=False, length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('added_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('approved_in', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['open_dataset.id'], name=op.f('fk_open_dataset_file_dataset_id_open_dataset')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_dataset_file')),
    sa.UniqueConstraint('dataset_id', 'version', 'kind', 'filename', name='uq_open_dataset_file_version_kind_filename')
    )
    with op.batch_alter_table('open_dataset_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_dataset_file_dataset_id'), ['dataset_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('open_dataset_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_dataset_file_dataset_id'))

    op.drop_table('open_dataset_file')
    with op.batch_alter_table('open_dataset_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_dataset_event_dataset_id'))

    op.drop_table('open_dataset_event')
    with op.batch_alter_table('open_dataset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_dataset_topic'))
        batch_op.drop_index(batch_op.f('ix_open_dataset_status'))
        batch_op.drop_index(batch_op.f('ix_open_dataset_department'))

    op.drop_table('open_dataset')
