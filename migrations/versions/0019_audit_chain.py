"""audit chain: each audit event carries the hash of the one before it in its chain (audit_event.chain_hash),
and each instance the hash of its latest event (process_instance.audit_head), so an edited or removed
event is found (`clerkflow audit verify`; engine.audit_chain)

The existing events are chained here in id order, a batch at a time: one chain per instance, one per
process key for the deploys. The hash is engine.audit_chain.link, the same function the engine writes
with and verify checks with; a change to it needs a migration that chains the events again.
chain_hash is added NOT NULL with the server default '' (SQLite adds such a column without copying
the table); an event written without a hash would fail verification.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import engine.db
from engine.audit_chain import chain_key, link


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

PROCESS_CHAIN_WHERE = "instance_id IS NULL"
BATCH = 1000

audit_event = sa.table(
    'audit_event', sa.column('id', sa.Integer()), sa.column('instance_id', sa.Integer()),
    sa.column('process_key', sa.String()), sa.column('at', engine.db.UtcDateTime(timezone=True)),
    sa.column('actor', sa.String()), sa.column('action', sa.String()), sa.column('bpmn_id', sa.String()),
    sa.column('task_guid', sa.String()), sa.column('changes', sa.JSON()), sa.column('detail', sa.Text()),
    sa.column('chain_hash', sa.String()))
process_instance = sa.table('process_instance', sa.column('id', sa.Integer()), sa.column('audit_head', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.create_index('ix_audit_event_process_chain', ['process_key', 'id'], unique=False,
                              sqlite_where=sa.text(PROCESS_CHAIN_WHERE),
                              postgresql_where=sa.text(PROCESS_CHAIN_WHERE))
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head', sa.String(length=64), nullable=True))
    chain_existing_events(op.get_bind())


def chain_existing_events(connection) -> None:
    heads = {}
    set_hash = (sa.update(audit_event).where(audit_event.c.id == sa.bindparam('b_id'))
                .values(chain_hash=sa.bindparam('b_hash')))
    after = 0
    while True:
        rows = connection.execute(sa.select(audit_event).where(audit_event.c.id > after)
                                  .order_by(audit_event.c.id).limit(BATCH)).mappings().all()
        if not rows:
            break
        changed = []
        for row in rows:
            event = dict(row)
            key = chain_key(event)
            heads[key] = link(heads.get(key), event)
            changed.append({'b_id': event['id'], 'b_hash': heads[key]})
        connection.execute(set_hash, changed)
        after = rows[-1]['id']
    instance_heads = [{'b_id': key[1], 'b_head': head} for key, head in heads.items() if key[0] == 'instance']
    set_head = (sa.update(process_instance).where(process_instance.c.id == sa.bindparam('b_id'))
                .values(audit_head=sa.bindparam('b_head')))
    for start in range(0, len(instance_heads), BATCH):
        connection.execute(set_head, instance_heads[start:start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_process_chain')
        batch_op.drop_column('chain_hash')
