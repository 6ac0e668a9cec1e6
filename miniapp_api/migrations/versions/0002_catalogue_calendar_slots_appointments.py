"""catalogue, calendar, slots, appointments, tickets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:01:05.888755
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=80), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_subject', 'audit_log', ['subject_type', 'subject_id'], unique=False)
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    op.create_table('calendar_warning',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('message', sa.String(length=200), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_warning'))
    )
    op.create_table('idempotency_record',
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('endpoint', sa.String(length=80), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=True),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('citizen_id', 'key', name=op.f('pk_idempotency_record'))
    )
    op.create_table('booking_suspension',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.String(length=80), nullable=True),
    sa.Column('lift_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_booking_suspension_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_suspension'))
    )
    op.create_index('ix_suspension_person_until', 'booking_suspension', ['person_hash', 'until'], unique=False)
    op.create_table('centre_closure',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_centre_closure_reason_given')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_centre_closure_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_closure'))
    )
    op.create_table('opening_period',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=True),
    sa.CheckConstraint('opens < closes', name=op.f('ck_opening_period_opens_before_closes')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_opening_period_weekday_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_opening_period_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_period'))
    )
    op.create_index(op.f('ix_opening_period_centre_id'), 'opening_period', ['centre_id'], unique=False)
    op.create_table('service_window',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('counters', sa.SmallInteger(), nullable=False),
    sa.Column('slot_minutes', sa.SmallInteger(), server_default='15', nullable=False),
    sa.CheckConstraint("kind IN ('general', 'express', 'complaints', 'proxy')", name=op.f('ck_service_window_kind_known')),
    sa.CheckConstraint('counters BETWEEN 1 AND 100', name=op.f('ck_service_window_counters_range')),
    sa.CheckConstraint('slot_minutes BETWEEN 5 AND 240', name=op.f('ck_service_window_slot_minutes_range')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_service_window_centre_id_centre'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_window'))
    )
    op.create_index(op.f('ix_service_window_centre_id'), 'service_window', ['centre_id'], unique=False)
    op.create_table('appointment',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('person_name', sa.String(length=40), nullable=False),
    sa.Column('proxy_id_number_enc', sa.Text(), nullable=True),
    sa.Column('proxy_phone_enc', sa.Text(), nullable=True),
    sa.Column('proxy_relation', sa.String(length=20), nullable=True),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('rescheduled_to_id', sa.BigInteger(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'checked_in', 'serving', 'served', 'cancelled', 'no_show')", name=op.f('ck_appointment_status_known')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_appointment_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_appointment_citizen_id_citizen'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rescheduled_to_id'], ['appointment.id'], name=op.f('fk_appointment_rescheduled_to_id_appointment')),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_appointment_window_id_service_window'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    op.create_index('ix_appointment_booked_end', 'appointment', ['ends_at'], unique=False, postgresql_where=sa.text("status = 'booked'"))
    op.create_index('ix_appointment_citizen_start', 'appointment', ['citizen_id', 'starts_at'], unique=False)
    op.create_index('ix_appointment_person_status', 'appointment', ['person_hash', 'status'], unique=False)
    op.create_table('slot',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.SmallInteger(), nullable=False),
    sa.Column('booked', sa.SmallInteger(), server_default='0', nullable=False),
    sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_slot_booked_within_capacity')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_slot_starts_before_ends')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_slot_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_slot_window_id_service_window'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot')),
    sa.UniqueConstraint('window_id', 'starts_at', name='uq_slot_window_start')
    )
    op.create_index('ix_slot_centre_start', 'slot', ['centre_id', 'starts_at'], unique=False)
    op.create_table('ticket_counter',
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_ticket_counter_window_id_service_window'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('window_id', 'service_date', name=op.f('pk_ticket_counter'))
    )
    op.create_table('window_item',
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_window_item_item_id_service_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_window_item_window_id_service_window'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('window_id', 'item_id', name=op.f('pk_window_item'))
    )
    op.create_index(op.f('ix_window_item_item_id'), 'window_item', ['item_id'], unique=False)
    op.create_table('appointment_item',
    sa.Column('appointment_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_appointment_item_appointment_id_appointment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_appointment_item_item_id_service_item'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('appointment_id', 'item_id', name=op.f('pk_appointment_item'))
    )
    op.create_index('uq_active_booking_per_person_item_day', 'appointment_item', ['person_hash', 'item_id', 'service_date'], unique=True, postgresql_where=sa.text('active'))
    op.create_table('appointment_slot',
    sa.Column('appointment_id', sa.BigInteger(), nullable=False),
    sa.Column('slot_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_appointment_slot_appointment_id_appointment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_appointment_slot_slot_id_slot'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('appointment_id', 'slot_id', name=op.f('pk_appointment_slot'))
    )
    op.create_index(op.f('ix_appointment_slot_slot_id'), 'appointment_slot', ['slot_id'], unique=False)
    op.create_table('ticket',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('window_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('appointment_id', sa.BigInteger(), nullable=True),
    sa.Column('citizen_id', sa.BigInteger(), nullable=True),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('call_count', sa.SmallInteger(), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('serving_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'called', 'serving', 'served', 'missed')", name=op.f('ck_ticket_status_known')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_ticket_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_ticket_centre_id_centre'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_ticket_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_ticket_item_id_service_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['window_id'], ['service_window.id'], name=op.f('fk_ticket_window_id_service_window'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_ticket_appointment_id')),
    sa.UniqueConstraint('window_id', 'service_date', 'seq', name='uq_ticket_window_day_seq')
    )
    op.create_index('ix_ticket_window_day_status', 'ticket', ['window_id', 'service_date', 'status'], unique=False)
    op.add_column('centre', sa.Column('address', sa.String(length=200), nullable=True))
    op.add_column('centre', sa.Column('latitude', sa.Float(), nullable=True))
    op.add_column('centre', sa.Column('longitude', sa.Float(), nullable=True))
    op.add_column('centre', sa.Column('phone', sa.String(length=40), nullable=True))
    op.add_column('centre', sa.Column('booking_horizon_days', sa.SmallInteger(), server_default='7', nullable=False))
    op.add_column('centre', sa.Column('min_notice_minutes', sa.SmallInteger(), server_default='30', nullable=False))
    op.add_column('centre', sa.Column('cancel_cutoff_minutes', sa.SmallInteger(), server_default='60', nullable=False))
    op.add_column('centre', sa.Column('max_active_per_person', sa.SmallInteger(), server_default='3', nullable=False))
    op.add_column('centre', sa.Column('no_show_limit', sa.SmallInteger(), server_default='3', nullable=False))
    op.add_column('centre', sa.Column('no_show_window_days', sa.SmallInteger(), server_default='90', nullable=False))
    op.add_column('centre', sa.Column('suspension_days', sa.SmallInteger(), server_default='30', nullable=False))
    op.add_column('centre', sa.Column('no_show_grace_minutes', sa.SmallInteger(), server_default='15', nullable=False))
    op.add_column('service_item', sa.Column('category', sa.String(length=40), nullable=True))
    op.add_column('service_item', sa.Column('pinyin_initials', sa.String(length=80), server_default='', nullable=False))
    op.add_column('service_item', sa.Column('duration_minutes', sa.SmallInteger(), server_default='15', nullable=False))
    op.add_column('service_item', sa.Column('time_limit_working_days', sa.SmallInteger(), nullable=True))
    op.add_column('service_item', sa.Column('guide', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.add_column('service_item', sa.Column('materials', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False))
    op.create_index(op.f('ix_service_item_pinyin_initials'), 'service_item', ['pinyin_initials'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_service_item_pinyin_initials'), table_name='service_item')
    op.drop_column('service_item', 'materials')
    op.drop_column('service_item', 'guide')
    op.drop_column('service_item', 'time_limit_working_days')
    op.drop_column('service_item', 'duration_minutes')
    op.drop_column('service_item', 'pinyin_initials')
    op.drop_column('service_item', 'category')
    op.drop_column('centre', 'no_show_grace_minutes')
    op.drop_column('centre', 'suspension_days')
    op.drop_column('centre', 'no_show_window_days')
    op.drop_column('centre', 'no_show_limit')
    op.drop_column('centre', 'max_active_per_person')
    op.drop_column('centre', 'cancel_cutoff_minutes')
    op.drop_column('centre', 'min_notice_minutes')
    op.drop_column('centre', 'booking_horizon_days')
    op.drop_column('centre', 'phone')
    op.drop_column('centre', 'longitude')
    op.drop_column('centre', 'latitude')
    op.drop_column('centre', 'address')
    op.drop_index('ix_ticket_window_day_status', table_name='ticket')
    op.drop_table('ticket')
    op.drop_index(op.f('ix_appointment_slot_slot_id'), table_name='appointment_slot')
    op.drop_table('appointment_slot')
    op.drop_index('uq_active_booking_per_person_item_day', table_name='appointment_item', postgresql_where=sa.text('active'))
    op.drop_table('appointment_item')
    op.drop_index(op.f('ix_window_item_item_id'), table_name='window_item')
    op.drop_table('window_item')
    op.drop_table('ticket_counter')
    op.drop_index('ix_slot_centre_start', table_name='slot')
    op.drop_table('slot')
    op.drop_index('ix_appointment_person_status', table_name='appointment')
    op.drop_index('ix_appointment_citizen_start', table_name='appointment')
    op.drop_index('ix_appointment_booked_end', table_name='appointment', postgresql_where=sa.text("status = 'booked'"))
    op.drop_table('appointment')
    op.drop_index(op.f('ix_service_window_centre_id'), table_name='service_window')
    op.drop_table('service_window')
    op.drop_index(op.f('ix_opening_period_centre_id'), table_name='opening_period')
    op.drop_table('opening_period')
    op.drop_table('centre_closure')
    op.drop_index('ix_suspension_person_until', table_name='booking_suspension')
    op.drop_table('booking_suspension')
    op.drop_table('idempotency_record')
    op.drop_table('calendar_warning')
    op.drop_table('calendar_override')
    op.drop_index('ix_audit_subject', table_name='audit_log')
    op.drop_table('audit_log')
