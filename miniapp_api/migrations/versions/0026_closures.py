"""closures: a centre or some windows closed for a day or some hours, its slots marked, the closure lifted later

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 13:00:00

A closure used to be a day only, and the bookings already made for it stayed. It now names its hours and windows
(none: all), who made it and when, how many bookings it cancelled, and whether it was lifted; a slot it covers
carries its id and takes no booking. Existing closures mark their slots.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('centre_closure', sa.Column('from_time', sa.Time(), nullable=True))
    op.add_column('centre_closure', sa.Column('to_time', sa.Time(), nullable=True))
    op.add_column('centre_closure', sa.Column('window_ids', postgresql.ARRAY(sa.BigInteger()), nullable=True))
    op.add_column('centre_closure', sa.Column('created_by', sa.String(length=80), server_default='system',
                                              nullable=False))
    op.add_column('centre_closure', sa.Column('created_at', sa.DateTime(timezone=True),
                                              server_default=sa.text('now()'), nullable=False))
    op.add_column('centre_closure', sa.Column('cancelled', sa.Integer(), server_default='0', nullable=False))
    op.add_column('centre_closure', sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('centre_closure', sa.Column('lifted_by', sa.String(length=80), nullable=True))
    op.create_check_constraint(op.f('ck_centre_closure_hours_ordered'), 'centre_closure',
                               '(from_time IS NULL) = (to_time IS NULL) AND (from_time IS NULL OR from_time < to_time)')
    op.create_index('ix_centre_closure_centre_day', 'centre_closure', ['centre_id', 'day'], unique=False)
    op.add_column('slot', sa.Column('closure_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f('fk_slot_closure_id_centre_closure'), 'slot', 'centre_closure', ['closure_id'], ['id'],
                          ondelete='SET NULL')
    op.execute("""UPDATE slot s SET closure_id = c.id FROM centre_closure c
                  WHERE s.centre_id = c.centre_id AND (s.starts_at AT TIME ZONE 'Asia/Shanghai')::date = c.day""")


def downgrade() -> None:
    op.drop_constraint(op.f('fk_slot_closure_id_centre_closure'), 'slot', type_='foreignkey')
    op.drop_column('slot', 'closure_id')
    op.drop_index('ix_centre_closure_centre_day', table_name='centre_closure')
    op.drop_constraint(op.f('ck_centre_closure_hours_ordered'), 'centre_closure', type_='check')
    for column in ('lifted_by', 'lifted_at', 'cancelled', 'created_at', 'created_by', 'window_ids', 'to_time',
                   'from_time'):
        op.drop_column('centre_closure', column)
