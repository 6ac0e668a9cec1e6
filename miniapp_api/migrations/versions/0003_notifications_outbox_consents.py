"""notifications outbox and subscription consents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:25:37.956756
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=True),
    sa.Column('subject_id', sa.BigInteger(), nullable=True),
    sa.Column('cause_marker', sa.String(length=60), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('page', sa.String(length=200), nullable=True),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deliver_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('deferrals', sa.SmallInteger(), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('wechat_msgid', sa.BigInteger(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped', 'cancelled')", name=op.f('ck_notification_status_known')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_notification_citizen_id_citizen'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('dedupe_key', name='uq_notification_dedupe_key')
    )
    op.create_index('ix_notification_citizen_visible', 'notification', ['citizen_id', 'deliver_after'], unique=False)
    op.create_index('ix_notification_due', 'notification', ['deliver_after'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notification_sending', 'notification', ['claimed_at'], unique=False, postgresql_where=sa.text("status = 'sending'"))
    op.create_index('ix_notification_subject', 'notification', ['subject_type', 'subject_id'], unique=False)
    op.create_table('subscription_consent',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('long_term', sa.Boolean(), nullable=False),
    sa.Column('one_time_balance', sa.SmallInteger(), nullable=False),
    sa.Column('last_result', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("last_result IN ('accept', 'reject', 'ban', 'filter', 'refused_by_wechat')", name=op.f('ck_subscription_consent_result_known')),
    sa.CheckConstraint('one_time_balance >= 0', name=op.f('ck_subscription_consent_balance_not_negative')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_subscription_consent_citizen_id_citizen'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_consent')),
    sa.UniqueConstraint('citizen_id', 'template_id', name='uq_consent_citizen_template')
    )


def downgrade() -> None:
    op.drop_table('subscription_consent')
    op.drop_index('ix_notification_subject', table_name='notification')
    op.drop_index('ix_notification_sending', table_name='notification', postgresql_where=sa.text("status = 'sending'"))
    op.drop_index('ix_notification_due', table_name='notification', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_notification_citizen_visible', table_name='notification')
    op.drop_table('notification')
