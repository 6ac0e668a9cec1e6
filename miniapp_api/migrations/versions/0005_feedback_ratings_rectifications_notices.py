"""feedback ratings rectifications notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 07:46:17.903519
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_sla',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('working_days', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('working_days BETWEEN 1 AND 60', name=op.f('ck_feedback_sla_days_range')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_feedback_sla'))
    )
    op.create_table('rating_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('staff_id', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('good', sa.Integer(), nullable=False),
    sa.Column('bad', sa.Integer(), nullable=False),
    sa.Column('rectified', sa.Integer(), nullable=False),
    sa.Column('level_sum', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'centre_id', 'window_id', 'item_id', 'staff_id', name=op.f('pk_rating_daily'))
    )
    op.create_table('staff_notice',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('staff_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_notice_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notice')),
    sa.UniqueConstraint('dedupe_key', name='uq_staff_notice_dedupe_key')
    )
    op.create_index(op.f('ix_staff_notice_staff_id'), 'staff_notice', ['staff_id'], unique=False)
    op.create_table('evaluation',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('target_type', sa.String(length=12), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=False),
    sa.Column('round', sa.SmallInteger(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('staff_id', sa.BigInteger(), nullable=True),
    sa.Column('validity', sa.String(length=24), nullable=False),
    sa.Column('invalidation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("target_type IN ('appointment', 'application', 'feedback')", name=op.f('ck_evaluation_target_known')),
    sa.CheckConstraint("validity IN ('valid', 'invalidation_requested', 'invalid')", name=op.f('ck_evaluation_validity_known')),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_evaluation_level_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_evaluation_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_evaluation_citizen_id_citizen'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_evaluation_item_id_service_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_evaluation_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_evaluation_window_id_service_window'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('target_type', 'target_id', 'round', name='uq_evaluation_target_round')
    )
    op.create_index('ix_evaluation_centre_created', 'evaluation', ['centre_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_evaluation_citizen_id'), 'evaluation', ['citizen_id'], unique=False)
    op.create_table('rectification',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('evaluation_id', sa.BigInteger(), nullable=True),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('staff_id', sa.BigInteger(), nullable=True),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('verify_due_on', sa.Date(), nullable=False),
    sa.Column('fix_due_on', sa.Date(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('category', sa.String(length=8), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revisits', sa.SmallInteger(), nullable=False),
    sa.Column('escalation_level', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IS NULL OR category IN ('立行立改', '限期整改', '解释说明')", name=op.f('ck_rectification_category_known')),
    sa.CheckConstraint("status IN ('open', 'fixed', 'revisited', 'invalid')", name=op.f('ck_rectification_status_known')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_rectification_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_rectification_citizen_id_citizen'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_rectification_evaluation_id_evaluation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification')),
    sa.UniqueConstraint('source_type', 'source_id', name='uq_rectification_source')
    )
    op.create_index('ix_rectification_centre_status', 'rectification', ['centre_id', 'status'], unique=False)
    op.create_index(op.f('ix_rectification_citizen_id'), 'rectification', ['citizen_id'], unique=False)
    op.create_table('feedback',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=True),
    sa.Column('window_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('appointment_id', sa.BigInteger(), nullable=True),
    sa.Column('application_id', sa.BigInteger(), nullable=True),
    sa.Column('location', sa.String(length=100), nullable=True),
    sa.Column('photos', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('contact_ok', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('content_check', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('assignee_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('sla_days', sa.SmallInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('remind_on', sa.Date(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.SmallInteger(), nullable=False),
    sa.Column('escalate_again_on', sa.Date(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('reopen_count', sa.SmallInteger(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_check IN ('pass', 'review', 'unchecked', 'risky')", name=op.f('ck_feedback_content_check_known')),
    sa.CheckConstraint("kind IN ('complaint', 'suggestion', 'consultation', 'praise', 'report')", name=op.f('ck_feedback_kind_known')),
    sa.CheckConstraint("status IN ('submitted', 'assigned', 'in_progress', 'answered', 'reopened', 'closed')", name=op.f('ck_feedback_status_known')),
    sa.ForeignKeyConstraint(['answered_by_staff_id'], ['staff.id'], name=op.f('fk_feedback_answered_by_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_feedback_application_id_application'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_feedback_appointment_id_appointment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_staff_id'], ['staff.id'], name=op.f('fk_feedback_assignee_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_feedback_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_feedback_citizen_id_citizen'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_feedback_item_id_service_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_feedback_window_id_service_window'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    op.create_index(op.f('ix_feedback_citizen_id'), 'feedback', ['citizen_id'], unique=False)
    op.create_index('ix_feedback_inbox', 'feedback', ['centre_id', 'status', 'due_on'], unique=False)
    op.create_index('ix_feedback_open_due', 'feedback', ['due_on'], unique=False, postgresql_where=sa.text("status IN ('submitted', 'assigned', 'in_progress', 'reopened')"))
    op.create_table('rectification_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('rectification_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['rectification_id'], ['rectification.id'], name=op.f('fk_rectification_event_rectification_id_rectification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_event'))
    )
    op.create_index(op.f('ix_rectification_event_rectification_id'), 'rectification_event', ['rectification_id'], unique=False)
    op.create_table('feedback_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('feedback_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('actor_name', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=True),
    sa.Column('visible_to_citizen', sa.Boolean(), nullable=False),
    sa.Column('public_note', sa.String(length=1000), nullable=True),
    sa.Column('internal_note', sa.String(length=500), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_feedback_event_feedback_id_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_event'))
    )
    op.create_index(op.f('ix_feedback_event_feedback_id'), 'feedback_event', ['feedback_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_event_feedback_id'), table_name='feedback_event')
    op.drop_table('feedback_event')
    op.drop_index(op.f('ix_rectification_event_rectification_id'), table_name='rectification_event')
    op.drop_table('rectification_event')
    op.drop_index('ix_feedback_open_due', table_name='feedback', postgresql_where=sa.text("status IN ('submitted', 'assigned', 'in_progress', 'reopened')"))
    op.drop_index('ix_feedback_inbox', table_name='feedback')
    op.drop_index(op.f('ix_feedback_citizen_id'), table_name='feedback')
    op.drop_table('feedback')
    op.drop_index(op.f('ix_rectification_citizen_id'), table_name='rectification')
    op.drop_index('ix_rectification_centre_status', table_name='rectification')
    op.drop_table('rectification')
    op.drop_index(op.f('ix_evaluation_citizen_id'), table_name='evaluation')
    op.drop_index('ix_evaluation_centre_created', table_name='evaluation')
    op.drop_table('evaluation')
    op.drop_index(op.f('ix_staff_notice_staff_id'), table_name='staff_notice')
    op.drop_table('staff_notice')
    op.drop_table('rating_daily')
    op.drop_table('feedback_sla')
