"""SMS as a second channel: how each message went out (channel, the provider's serial number) and the kinds a
citizen does not want by SMS

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 07:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('notification', sa.Column('channel', sa.String(length=8), nullable=True))
    op.add_column('notification', sa.Column('sms_serial', sa.String(length=64), nullable=True))
    # No backfill: a row sent without a channel went out on WeChat (delivery.py counts NULL as WeChat).
    op.create_table('sms_opt_out',
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_sms_opt_out_citizen_id_citizen'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('citizen_id', 'kind', name=op.f('pk_sms_opt_out'))
    )


def downgrade() -> None:
    op.drop_table('sms_opt_out')
    op.drop_column('notification', 'sms_serial')
    op.drop_column('notification', 'channel')
