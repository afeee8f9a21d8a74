"""dashboards: read only the requests in range and, of their audit trails, the events carrying a fact

For city.reports.request_facts. On process_instance, (process_key, ended_at): the requests open or
ended since a day are found in the index, without reading every request's row. On audit_event, two
partial indexes: the completed tasks by time (a request's first step), and the events whose changes
carry received_at, response_due_at, custodian_role, office_key or deadline_watch (a few per request:
intake, routing, a referral, the step that acted on it). The predicates are the ones engine.models
declares (COMPLETED_WHERE, REPORT_FACT_WHERE), written out here as they were.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FACT_KEYS = ('received_at', 'response_due_at', 'custodian_role', 'office_key', 'deadline_watch')
SQLITE_FACT_WHERE = ("(json_valid(changes) AND ("
                     + " OR ".join(f"json_extract(changes, '$.{key}') IS NOT NULL" for key in FACT_KEYS) + "))")
POSTGRESQL_FACT_WHERE = "(" + " OR ".join(f"(changes ->> '{key}') IS NOT NULL" for key in FACT_KEYS) + ")"
COMPLETED_WHERE = "action = 'complete'"


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_process_instance_process_ended', ['process_key', 'ended_at'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_completed', ['instance_id', 'at'], unique=False,
                              sqlite_where=sa.text(COMPLETED_WHERE), postgresql_where=sa.text(COMPLETED_WHERE))
        batch_op.create_index('ix_audit_event_report_fact', ['instance_id', 'id'], unique=False,
                              sqlite_where=sa.text(SQLITE_FACT_WHERE),
                              postgresql_where=sa.text(POSTGRESQL_FACT_WHERE))


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_report_fact')
        batch_op.drop_index('ix_audit_event_completed')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_process_ended')
