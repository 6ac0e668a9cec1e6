"""assistance: 帮办代办 requests, their timeline, the requester's grants to the helper, per-centre first-contact
limits; ratings may rate a request's helper

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 16:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assistance_request',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('business_id', sa.BigInteger(), nullable=True),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('situation', sa.Text(), nullable=True),
    sa.Column('content_check', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('helper_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('contact_days', sa.SmallInteger(), nullable=False),
    sa.Column('contact_due_on', sa.Date(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_noticed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'assigned', 'in_progress', 'closed', 'withdrawn')",
                       name=op.f('ck_assistance_request_status_known')),
    sa.CheckConstraint('item_id IS NOT NULL OR situation IS NOT NULL',
                       name=op.f('ck_assistance_request_about_something')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_assistance_request_business_id_business'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_assistance_request_centre_id_centre'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_assistance_request_citizen_id_citizen'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['helper_staff_id'], ['staff.id'],
                            name=op.f('fk_assistance_request_helper_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'],
                            name=op.f('fk_assistance_request_item_id_service_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_request'))
    )
    op.create_index('ix_assistance_request_inbox', 'assistance_request', ['centre_id', 'status', 'contact_due_on'],
                    unique=False)
    op.create_index(op.f('ix_assistance_request_citizen_id'), 'assistance_request', ['citizen_id'], unique=False)
    op.create_index('ix_assistance_request_contact_due', 'assistance_request', ['contact_due_on'], unique=False,
                    postgresql_where=sa.text("status IN ('submitted', 'assigned') AND first_contact_at IS NULL "
                                             "AND overdue_noticed_at IS NULL"))
    op.create_table('assistance_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('request_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('actor_name', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('visible_to_citizen', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['assistance_request.id'],
                            name=op.f('fk_assistance_event_request_id_assistance_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_event'))
    )
    op.create_index(op.f('ix_assistance_event_request_id'), 'assistance_event', ['request_id'], unique=False)
    op.create_table('assistance_grant',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('request_id', sa.BigInteger(), nullable=False),
    sa.Column('helper_staff_id', sa.BigInteger(), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=16)), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('valid_hours', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'active', 'revoked', 'ended')",
                       name=op.f('ck_assistance_grant_status_known')),
    sa.CheckConstraint('valid_hours BETWEEN 1 AND 720', name=op.f('ck_assistance_grant_valid_hours_range')),
    sa.ForeignKeyConstraint(['helper_staff_id'], ['staff.id'], name=op.f('fk_assistance_grant_helper_staff_id_staff'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['assistance_request.id'],
                            name=op.f('fk_assistance_grant_request_id_assistance_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_grant'))
    )
    op.create_index(op.f('ix_assistance_grant_request_id'), 'assistance_grant', ['request_id'], unique=False)
    op.create_index('uq_assistance_grant_live', 'assistance_grant', ['request_id'], unique=True,
                    postgresql_where=sa.text("status IN ('pending', 'active')"))
    op.create_table('assistance_sla',
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('contact_days', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('contact_days BETWEEN 1 AND 10', name=op.f('ck_assistance_sla_days_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_assistance_sla_centre_id_centre'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('centre_id', name=op.f('pk_assistance_sla'))
    )
    op.drop_constraint(op.f('ck_rating_target_known'), 'rating', type_='check')
    op.create_check_constraint(op.f('ck_rating_target_known'), 'rating',
                               "target_type IN ('appointment', 'application', 'bundle', 'feedback', 'assistance')")


def downgrade() -> None:
    op.execute("DELETE FROM rectification_event WHERE rectification_id IN (SELECT id FROM rectification WHERE "
               "rating_id IN (SELECT id FROM rating WHERE target_type = 'assistance'))")
    op.execute("DELETE FROM rectification WHERE rating_id IN (SELECT id FROM rating WHERE target_type = 'assistance')")
    op.execute("DELETE FROM rating WHERE target_type = 'assistance'")
    op.drop_constraint(op.f('ck_rating_target_known'), 'rating', type_='check')
    op.create_check_constraint(op.f('ck_rating_target_known'), 'rating',
                               "target_type IN ('appointment', 'application', 'bundle', 'feedback')")
    op.drop_table('assistance_sla')
    op.drop_index('uq_assistance_grant_live', table_name='assistance_grant',
                  postgresql_where=sa.text("status IN ('pending', 'active')"))
    op.drop_index(op.f('ix_assistance_grant_request_id'), table_name='assistance_grant')
    op.drop_table('assistance_grant')
    op.drop_index(op.f('ix_assistance_event_request_id'), table_name='assistance_event')
    op.drop_table('assistance_event')
    op.drop_index('ix_assistance_request_contact_due', table_name='assistance_request',
                  postgresql_where=sa.text("status IN ('submitted', 'assigned') AND first_contact_at IS NULL "
                                           "AND overdue_noticed_at IS NULL"))
    op.drop_index(op.f('ix_assistance_request_citizen_id'), table_name='assistance_request')
    op.drop_index('ix_assistance_request_inbox', table_name='assistance_request')
    op.drop_table('assistance_request')
