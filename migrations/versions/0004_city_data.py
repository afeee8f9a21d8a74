"""city data (offices, custodians, fee schedules, exemptions, closures, letters) and the fee ledgers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('office',
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('official_custodian', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('office_key', name=op.f('pk_office'))
    )
    op.create_table('custodian_designation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('designated_by', sa.String(length=100), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_key'], ['office.office_key'], name=op.f('fk_custodian_designation_office_key_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custodian_designation'))
    )
    with op.batch_alter_table('custodian_designation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custodian_designation_office_key'), ['office_key'], unique=False)

    op.create_table('fee_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('search_rate_per_hour', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('minimum_search_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('free_below', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('copy_fee_per_page', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('prepayment_threshold', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('accident_report_copy_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('transmit_above', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_schedule')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_fee_schedule_effective_from'))
    )
    op.create_table('exemption',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('citation', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_exemption'))
    )
    op.create_table('city_closure',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_city_closure'))
    )
    op.create_table('letter_template',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_letter_template'))
    )
    op.create_table('city_data_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject_key', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_data_change'))
    )
    with op.batch_alter_table('city_data_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_data_change_at'), ['at'], unique=False)

    op.create_table('fee_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=20), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('requester_key', sa.String(length=200), nullable=False),
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('assessed_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('locating_cost', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('inspection_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('copy_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('mailing_fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('waived_amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('waiver_reason', sa.Text(), nullable=False),
    sa.Column('schedule_effective_from', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_assessment'))
    )
    with op.batch_alter_table('fee_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_assessment_assessed_at'), ['assessed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessment_requester_key'), ['requester_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_assessment_tracking_number'), ['tracking_number'], unique=False)

    op.create_table('fee_transmittal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('transmitted_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('transmitted_by', sa.String(length=100), nullable=False),
    sa.Column('received_at', engine.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('received_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_transmittal'))
    )
    with op.batch_alter_table('fee_transmittal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_transmittal_office_key'), ['office_key'], unique=False)

    op.create_table('fee_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=20), nullable=False),
    sa.Column('office_key', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('collected_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('collected_by', sa.String(length=100), nullable=False),
    sa.Column('transmittal_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['transmittal_id'], ['fee_transmittal.id'], name=op.f('fk_fee_collection_transmittal_id_fee_transmittal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_collection'))
    )
    with op.batch_alter_table('fee_collection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_collection_office_key'), ['office_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_collection_tracking_number'), ['tracking_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_collection_transmittal_id'), ['transmittal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fee_collection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_collection_transmittal_id'))
        batch_op.drop_index(batch_op.f('ix_fee_collection_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_fee_collection_office_key'))

    op.drop_table('fee_collection')
    with op.batch_alter_table('fee_transmittal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_transmittal_office_key'))

    op.drop_table('fee_transmittal')
    with op.batch_alter_table('fee_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_assessment_tracking_number'))
        batch_op.drop_index(batch_op.f('ix_fee_assessment_requester_key'))
        batch_op.drop_index(batch_op.f('ix_fee_assessment_assessed_at'))

    op.drop_table('fee_assessment')
    with op.batch_alter_table('city_data_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_data_change_at'))

    op.drop_table('city_data_change')
    op.drop_table('letter_template')
    op.drop_table('city_closure')
    op.drop_table('exemption')
    op.drop_table('fee_schedule')
    with op.batch_alter_table('custodian_designation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custodian_designation_office_key'))

    op.drop_table('custodian_designation')
    op.drop_table('office')
