"""instance search and soonest-due inbox: an index for "tracking number or title contains" and one
that gives each role's open tasks in due-date order

On PostgreSQL the search index is a pg_trgm GIN index (contains, prefix and any-case matches read
it). pg_trgm ships with PostgreSQL and is a trusted extension (13+), so the owner of the database
may create it; where it cannot be created (no CREATE privilege, extension not installed), the
index falls back to a b-tree on the same columns, which a search reads in full (as on SQLite,
where a search reads this b-tree instead of the far larger table).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 23:00:00
"""
from alembic import op
from sqlalchemy.exc import DBAPIError


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SEARCH_COLUMNS = ['business_key', 'title']


def _trigram_ready(bind) -> bool:
    """Whether pg_trgm is (or could now be made) available in this PostgreSQL database."""
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
        return True
    try:
        with bind.begin_nested():   # a failure must not abort the migration's transaction
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError:
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql' and _trigram_ready(bind):
        op.create_index('ix_process_instance_search', 'process_instance', SEARCH_COLUMNS, unique=False,
                        postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops' for column in SEARCH_COLUMNS})
    else:
        with op.batch_alter_table('process_instance', schema=None) as batch_op:
            batch_op.create_index('ix_process_instance_search', SEARCH_COLUMNS, unique=False)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_due', ['status', 'candidate_role', 'due_at', 'created_at', 'id'],
                              unique=False)


def downgrade() -> None:
    # pg_trgm stays installed: other database objects may use it, and it costs nothing unused.
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_due')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_search')
