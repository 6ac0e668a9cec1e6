"""surveys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:01:02.771474
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('questions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('code', 'version', name='uq_survey_code_version')
    )
    op.create_table('invitation_rule',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('survey_code', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('centre_id', sa.BigInteger(), nullable=True),
    sa.Column('delay_minutes', sa.Integer(), nullable=False),
    sa.Column('sample_rate', sa.Float(), nullable=False),
    sa.Column('contact_gap_days', sa.SmallInteger(), nullable=False),
    sa.Column('reminder_after_days', sa.SmallInteger(), nullable=False),
    sa.Column('expire_after_days', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("trigger IN ('application.completed', 'appointment.served', 'feedback.closed', 'rectification.fixed', 'monthly', 'audit')", name=op.f('ck_invitation_rule_trigger_known')),
    sa.CheckConstraint('sample_rate > 0 AND sample_rate <= 1', name=op.f('ck_invitation_rule_sample_rate_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_invitation_rule_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_invitation_rule_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_rule'))
    )
    op.create_table('survey_invitation',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('trigger_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rule_id', sa.BigInteger(), nullable=True),
    sa.Column('survey_id', sa.BigInteger(), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('skip_reason', sa.String(length=20), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_after_days', sa.SmallInteger(), nullable=False),
    sa.Column('expire_after_days', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'sent', 'reminded', 'answered', 'expired', 'skipped')", name=op.f('ck_survey_invitation_status_known')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_survey_invitation_citizen_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['invitation_rule.id'], name=op.f('fk_survey_invitation_rule_id_invitation_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_invitation_survey_id_survey'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitation')),
    sa.UniqueConstraint('token_hash', name='uq_invitation_token_hash'),
    sa.UniqueConstraint('trigger_key', name='uq_invitation_trigger_key')
    )
    op.create_index('ix_invitation_citizen_recent', 'survey_invitation', ['citizen_id', 'created_at'], unique=False)
    op.create_index('ix_invitation_due', 'survey_invitation', ['scheduled_for'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_index('ix_invitation_open', 'survey_invitation', ['sent_at'], unique=False, postgresql_where=sa.text("status IN ('sent', 'reminded')"))
    op.create_table('survey_answer',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('invitation_id', sa.BigInteger(), nullable=False),
    sa.Column('survey_id', sa.BigInteger(), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fixed', sa.Boolean(), nullable=True),
    sa.Column('lowest_score', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['survey_invitation.id'], name=op.f('fk_survey_answer_invitation_id_survey_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_answer_survey_id_survey'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_survey_answer_invitation_id'))
    )


def downgrade() -> None:
    op.drop_table('survey_answer')
    op.drop_index('ix_invitation_open', table_name='survey_invitation', postgresql_where=sa.text("status IN ('sent', 'reminded')"))
    op.drop_index('ix_invitation_due', table_name='survey_invitation', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_index('ix_invitation_citizen_recent', table_name='survey_invitation')
    op.drop_table('survey_invitation')
    op.drop_table('invitation_rule')
    op.drop_table('survey')
