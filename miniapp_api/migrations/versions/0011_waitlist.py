"""the waitlist (候补): entries in line per centre and item, offers holding freed seats for them; each centre's
hold time (15 minutes for every existing centre)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 06:28:48.436257
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waitlist_entry',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('person_name', sa.String(length=40), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('time_from', sa.Time(), nullable=True),
    sa.Column('time_to', sa.Time(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('appointment_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'booked', 'cancelled', 'lapsed', 'expired')", name=op.f('ck_waitlist_entry_status_known')),
    sa.CheckConstraint('date_from <= date_to', name=op.f('ck_waitlist_entry_dates_ordered')),
    sa.CheckConstraint('time_from IS NULL OR time_to IS NULL OR time_from < time_to', name=op.f('ck_waitlist_entry_times_ordered')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_waitlist_entry_appointment_id_appointment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_waitlist_entry_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_waitlist_entry_citizen_id_citizen'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_waitlist_entry_item_id_service_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entry'))
    )
    op.create_index('ix_waitlist_citizen', 'waitlist_entry', ['citizen_id', 'id'], unique=False)
    op.create_index('ix_waitlist_line', 'waitlist_entry', ['centre_id', 'id'], unique=False, postgresql_where=sa.text("status = 'waiting'"))
    op.create_index('ix_waitlist_waiting_until', 'waitlist_entry', ['date_to'], unique=False, postgresql_where=sa.text("status = 'waiting'"))
    op.create_index('uq_live_waitlist_per_person_item', 'waitlist_entry', ['person_hash', 'centre_id', 'item_id'], unique=True, postgresql_where=sa.text("status IN ('waiting', 'offered')"))
    op.create_table('waitlist_offer',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('slot_id', sa.BigInteger(), nullable=False),
    sa.Column('centre_id', sa.BigInteger(), nullable=False),
    sa.Column('chain_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appointment_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('held', 'confirmed', 'declined', 'expired', 'withdrawn')", name=op.f('ck_waitlist_offer_status_known')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_waitlist_offer_appointment_id_appointment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_waitlist_offer_centre_id_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entry.id'], name=op.f('fk_waitlist_offer_entry_id_waitlist_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_waitlist_offer_slot_id_slot'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_offer'))
    )
    op.create_index('ix_waitlist_offer_centre_created', 'waitlist_offer', ['centre_id', 'created_at'], unique=False)
    op.create_index('ix_waitlist_offer_held_expiry', 'waitlist_offer', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'held'"))
    op.create_index('ix_waitlist_offer_slot', 'waitlist_offer', ['slot_id'], unique=False)
    op.create_index('uq_one_held_offer_per_entry', 'waitlist_offer', ['entry_id'], unique=True, postgresql_where=sa.text("status = 'held'"))
    op.add_column('centre', sa.Column('waitlist_hold_minutes', sa.SmallInteger(), server_default='15', nullable=False))


def downgrade() -> None:
    op.drop_column('centre', 'waitlist_hold_minutes')
    op.drop_index('uq_one_held_offer_per_entry', table_name='waitlist_offer', postgresql_where=sa.text("status = 'held'"))
    op.drop_index('ix_waitlist_offer_slot', table_name='waitlist_offer')
    op.drop_index('ix_waitlist_offer_held_expiry', table_name='waitlist_offer', postgresql_where=sa.text("status = 'held'"))
    op.drop_index('ix_waitlist_offer_centre_created', table_name='waitlist_offer')
    op.drop_table('waitlist_offer')
    op.drop_index('uq_live_waitlist_per_person_item', table_name='waitlist_entry', postgresql_where=sa.text("status IN ('waiting', 'offered')"))
    op.drop_index('ix_waitlist_waiting_until', table_name='waitlist_entry', postgresql_where=sa.text("status = 'waiting'"))
    op.drop_index('ix_waitlist_line', table_name='waitlist_entry', postgresql_where=sa.text("status = 'waiting'"))
    op.drop_index('ix_waitlist_citizen', table_name='waitlist_entry')
    op.drop_table('waitlist_entry')
