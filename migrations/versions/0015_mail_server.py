"""mail server set on the Settings page: one row with the host, port, security, sign-in, sender and public
address, the password only as a Fernet token under a key derived from the app's secret key (docs/mail.md)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_server',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('port', sa.Integer(), nullable=True),
    sa.Column('security', sa.String(length=10), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('sender', sa.String(length=400), nullable=False),
    sa.Column('public_base_url', sa.String(length=500), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=True),
    sa.Column('updated_at', engine.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_server'))
    )


def downgrade() -> None:
    op.drop_table('mail_server')
