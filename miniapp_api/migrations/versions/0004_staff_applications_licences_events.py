"""staff applications licences events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:24:13.289829
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('domain_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_event'))
    )
    op.create_index('ix_domain_event_undispatched', 'domain_event', ['created_at'], unique=False, postgresql_where=sa.text('dispatched_at IS NULL'))
    op.create_table('staff',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('roles', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.SmallInteger(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('cardinality(roles) > 0', name=op.f('ck_staff_has_a_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username'))
    )
    op.create_table('application_batch',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('business_name', sa.String(length=80), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('agent_citizen_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_citizen_id'], ['citizen.id'], name=op.f('fk_application_batch_agent_citizen_id_citizen'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_application_batch_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff.id'], name=op.f('fk_application_batch_created_by_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_application_batch_item_id_service_item'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_batch')),
    sa.UniqueConstraint('reference', name=op.f('uq_application_batch_reference'))
    )
    op.create_index(op.f('ix_application_batch_centre_id'), 'application_batch', ['centre_id'], unique=False)
    op.create_table('event_delivery',
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('consumer', sa.String(length=120), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['domain_event.id'], name=op.f('fk_event_delivery_event_id_domain_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'consumer', name=op.f('pk_event_delivery'))
    )
    op.create_table('licence',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('licence_type', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('holder_type', sa.String(length=10), nullable=False),
    sa.Column('holder_name', sa.String(length=80), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('contact_id_hash', sa.String(length=64), nullable=True),
    sa.Column('issuing_centre_id', sa.BigInteger(), nullable=False),
    sa.Column('renewal_item_id', sa.BigInteger(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('last_reminder_days', sa.SmallInteger(), nullable=True),
    sa.Column('next_reminder_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("holder_type IN ('person', 'business')", name=op.f('ck_licence_holder_type_known')),
    sa.CheckConstraint("status IN ('valid', 'revoked')", name=op.f('ck_licence_status_known')),
    sa.CheckConstraint('issued_on <= expires_on', name=op.f('ck_licence_issued_before_expiry')),
    sa.ForeignKeyConstraint(['issuing_centre_id'], ['centre.id'], name=op.f('fk_licence_issuing_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['renewal_item_id'], ['service_item.id'], name=op.f('fk_licence_renewal_item_id_service_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence')),
    sa.UniqueConstraint('licence_type', 'number', name='uq_licence_type_number')
    )
    op.create_index(op.f('ix_licence_contact_id_hash'), 'licence', ['contact_id_hash'], unique=False)
    op.create_index('ix_licence_next_reminder', 'licence', ['next_reminder_on'], unique=False, postgresql_where=sa.text('next_reminder_on IS NOT NULL'))
    op.create_table('staff_centre',
    sa.Column('staff_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_staff_centre_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_centre_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'centre_id', name=op.f('pk_staff_centre'))
    )
    op.create_index(op.f('ix_staff_centre_centre_id'), 'staff_centre', ['centre_id'], unique=False)
    op.create_table('staff_session',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('staff_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_session_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_session_token_hash'))
    )
    op.create_index(op.f('ix_staff_session_staff_id'), 'staff_session', ['staff_id'], unique=False)
    op.create_table('application',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('batch_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=True),
    sa.Column('handler_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('appointment_id', sa.BigInteger(), nullable=True),
    sa.Column('applicant_type', sa.String(length=10), nullable=False),
    sa.Column('applicant_name', sa.String(length=80), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_last4', sa.String(length=4), nullable=True),
    sa.Column('citizen_id', sa.BigInteger(), nullable=True),
    sa.Column('proxy_citizen_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('time_limit_days', sa.SmallInteger(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('promise_text', sa.Text(), nullable=True),
    sa.Column('delivery', sa.String(length=12), nullable=True),
    sa.Column('pickup_place', sa.String(length=200), nullable=True),
    sa.Column('pickup_hours', sa.String(length=100), nullable=True),
    sa.Column('carrier', sa.String(length=20), nullable=True),
    sa.Column('tracking_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("applicant_type = 'person' OR credit_code IS NOT NULL", name=op.f('ck_application_business_has_credit_code')),
    sa.CheckConstraint("applicant_type IN ('person', 'business')", name=op.f('ck_application_applicant_type_known')),
    sa.CheckConstraint("delivery IS NULL OR delivery IN ('pickup', 'mail', 'electronic')", name=op.f('ck_application_delivery_known')),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'accepted_pending_materials', 'in_review', 'needs_correction', 'approved', 'rejected', 'ready_for_pickup', 'mailed', 'completed')", name=op.f('ck_application_status_known')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_application_appointment_id_appointment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['application_batch.id'], name=op.f('fk_application_batch_id_application_batch'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_application_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_application_citizen_id_citizen'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handler_staff_id'], ['staff.id'], name=op.f('fk_application_handler_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_application_item_id_service_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proxy_citizen_id'], ['citizen.id'], name=op.f('fk_application_proxy_citizen_id_citizen'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_application_window_id_service_window'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('reference', name=op.f('uq_application_reference'))
    )
    op.create_index(op.f('ix_application_batch_id'), 'application', ['batch_id'], unique=False)
    op.create_index('ix_application_centre_status', 'application', ['centre_id', 'status'], unique=False)
    op.create_index(op.f('ix_application_citizen_id'), 'application', ['citizen_id'], unique=False)
    op.create_index(op.f('ix_application_credit_code'), 'application', ['credit_code'], unique=False)
    op.create_index('ix_application_due', 'application', ['due_on'], unique=False, postgresql_where=sa.text("status IN ('accepted', 'accepted_pending_materials', 'in_review')"))
    op.create_index(op.f('ix_application_id_number_hash'), 'application', ['id_number_hash'], unique=False)
    op.create_index(op.f('ix_application_proxy_citizen_id'), 'application', ['proxy_citizen_id'], unique=False)
    op.create_table('application_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('actor_name', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('visible_to_citizen', sa.Boolean(), nullable=False),
    sa.Column('public_note', sa.String(length=500), nullable=True),
    sa.Column('internal_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_event_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_event'))
    )
    op.create_index(op.f('ix_application_event_application_id'), 'application_event', ['application_id'], unique=False)
    op.create_table('application_material',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('citizen_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('citizen_note', sa.String(length=200), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_staff_id', sa.BigInteger(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('deferred', 'correction')", name=op.f('ck_application_material_kind_known')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_material_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_staff_id'], ['staff.id'], name=op.f('fk_application_material_received_by_staff_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_material'))
    )
    op.create_index(op.f('ix_application_material_application_id'), 'application_material', ['application_id'], unique=False)
    op.create_index('ix_material_outstanding', 'application_material', ['due_on'], unique=False, postgresql_where=sa.text("received_at IS NULL AND flagged_at IS NULL AND kind = 'deferred'"))


def downgrade() -> None:
    op.drop_index('ix_material_outstanding', table_name='application_material', postgresql_where=sa.text("received_at IS NULL AND flagged_at IS NULL AND kind = 'deferred'"))
    op.drop_index(op.f('ix_application_material_application_id'), table_name='application_material')
    op.drop_table('application_material')
    op.drop_index(op.f('ix_application_event_application_id'), table_name='application_event')
    op.drop_table('application_event')
    op.drop_index(op.f('ix_application_proxy_citizen_id'), table_name='application')
    op.drop_index(op.f('ix_application_id_number_hash'), table_name='application')
    op.drop_index('ix_application_due', table_name='application', postgresql_where=sa.text("status IN ('accepted', 'accepted_pending_materials', 'in_review')"))
    op.drop_index(op.f('ix_application_credit_code'), table_name='application')
    op.drop_index(op.f('ix_application_citizen_id'), table_name='application')
    op.drop_index('ix_application_centre_status', table_name='application')
    op.drop_index(op.f('ix_application_batch_id'), table_name='application')
    op.drop_table('application')
    op.drop_index(op.f('ix_staff_session_staff_id'), table_name='staff_session')
    op.drop_table('staff_session')
    op.drop_index(op.f('ix_staff_centre_centre_id'), table_name='staff_centre')
    op.drop_table('staff_centre')
    op.drop_index('ix_licence_next_reminder', table_name='licence', postgresql_where=sa.text('next_reminder_on IS NOT NULL'))
    op.drop_index(op.f('ix_licence_contact_id_hash'), table_name='licence')
    op.drop_table('licence')
    op.drop_table('event_delivery')
    op.drop_index(op.f('ix_application_batch_centre_id'), table_name='application_batch')
    op.drop_table('application_batch')
    op.drop_table('staff')
    op.drop_index('ix_domain_event_undispatched', table_name='domain_event', postgresql_where=sa.text('dispatched_at IS NULL'))
    op.drop_table('domain_event')
