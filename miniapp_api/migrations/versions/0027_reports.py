"""reports: exports too large to answer at once, built by a job, kept for 24 hours

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 14:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_export',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('staff_id', sa.BigInteger(), nullable=False),
        sa.Column('made_by', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('centre_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column('item_id', sa.BigInteger(), nullable=True),
        sa.Column('date_from', sa.Date(), nullable=False),
        sa.Column('date_to', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('appointments', 'applications', 'feedback', 'ratings', 'rectifications', "
                           "'surveys')", name=op.f('ck_report_export_kind_known')),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_report_export_status_known')),
        sa.CheckConstraint('date_from <= date_to', name=op.f('ck_report_export_period_ordered')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_report_export_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_report_export_item_id_service_item'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_export')),
    )
    op.create_index('ix_report_export_staff', 'report_export', ['staff_id', 'id'], unique=False)
    op.create_index('ix_report_export_expires', 'report_export', ['expires_at'], unique=False,
                    postgresql_where=sa.text('storage_key IS NOT NULL'))
    op.create_index('ix_report_export_queued', 'report_export', ['created_at'], unique=False,
                    postgresql_where=sa.text("status = 'queued'"))


def downgrade() -> None:
    op.drop_index('ix_report_export_queued', table_name='report_export')
    op.drop_index('ix_report_export_expires', table_name='report_export')
    op.drop_index('ix_report_export_staff', table_name='report_export')
    op.drop_table('report_export')
