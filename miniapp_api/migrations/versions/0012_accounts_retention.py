"""注销 and retention: when a citizen asked to delete their account and when it was erased; the indexes the
retention purge and the erasure sweep read through (BRIN on the large, append-mostly tables)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 06:41:27.907876
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('brin_appointment_ends', 'appointment', ['ends_at'], unique=False, postgresql_using='brin')
    op.create_index('brin_audit_created', 'audit_log', ['created_at'], unique=False, postgresql_using='brin')
    op.create_index('ix_suspension_until', 'booking_suspension', ['until'], unique=False)
    op.add_column('citizen', sa.Column('deletion_requested_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('citizen', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_citizen_awaiting_erasure', 'citizen', ['deletion_requested_at'], unique=False, postgresql_where=sa.text('deletion_requested_at IS NOT NULL AND erased_at IS NULL'))
    op.create_index('brin_face_verification_created', 'face_verification', ['created_at'], unique=False, postgresql_using='brin')
    op.create_index('brin_notification_created', 'notification', ['created_at'], unique=False, postgresql_using='brin')
    op.create_index('brin_waitlist_date_to', 'waitlist_entry', ['date_to'], unique=False, postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('brin_waitlist_date_to', table_name='waitlist_entry', postgresql_using='brin')
    op.drop_index('brin_notification_created', table_name='notification', postgresql_using='brin')
    op.drop_index('brin_face_verification_created', table_name='face_verification', postgresql_using='brin')
    op.drop_index('ix_citizen_awaiting_erasure', table_name='citizen', postgresql_where=sa.text('deletion_requested_at IS NOT NULL AND erased_at IS NULL'))
    op.drop_column('citizen', 'erased_at')
    op.drop_column('citizen', 'deletion_requested_at')
    op.drop_index('ix_suspension_until', table_name='booking_suspension')
    op.drop_index('brin_audit_created', table_name='audit_log', postgresql_using='brin')
    op.drop_index('brin_appointment_ends', table_name='appointment', postgresql_using='brin')
