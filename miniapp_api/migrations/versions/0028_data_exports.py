"""data exports: 我的数据, a citizen's copy of their personal data (PIPL art. 45), built by a job into a JSON file and
a PDF kept for 24 hours

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 14:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_export',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('json_key', sa.String(length=80), nullable=True),
    sa.Column('pdf_key', sa.String(length=80), nullable=True),
    sa.Column('json_size', sa.Integer(), nullable=True),
    sa.Column('pdf_size', sa.Integer(), nullable=True),
    sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'building', 'done', 'expired', 'cancelled', 'failed')",
                       name=op.f('ck_data_export_state_known')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_data_export_citizen_id_citizen'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_export'))
    )
    op.create_index('uq_data_export_one_pending', 'data_export', ['citizen_id'], unique=True,
                    postgresql_where=sa.text("state IN ('queued', 'building')"))
    op.create_index('ix_data_export_citizen', 'data_export', ['citizen_id', 'id'], unique=False)
    op.create_index('ix_data_export_due', 'data_export', ['state', 'expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_data_export_due', table_name='data_export')
    op.drop_index('ix_data_export_citizen', table_name='data_export')
    op.drop_index('uq_data_export_one_pending', table_name='data_export')
    op.drop_table('data_export')
