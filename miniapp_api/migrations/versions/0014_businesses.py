"""businesses (市场主体) from the registry, keyed by the unified social credit code, and the links of verified
citizens who act for them (their representative, or an agent confirmed at a counter)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 07:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('industry_code', sa.String(length=5), nullable=False),
    sa.Column('size_class', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('representative_name', sa.String(length=40), nullable=False),
    sa.Column('representative_id_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('enterprise', 'individual')", name=op.f('ck_business_kind_known')),
    sa.CheckConstraint("size_class IN ('large', 'medium', 'small', 'micro')", name=op.f('ck_business_size_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_business_credit_code'))
    )
    op.create_index('ix_business_representative', 'business', ['representative_id_hash'], unique=False)
    op.create_table('business_link',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('business_id', sa.BigInteger(), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('representative', 'agent')", name=op.f('ck_business_link_role_known')),
    sa.CheckConstraint("source IN ('registry', 'counter')", name=op.f('ck_business_link_source_known')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_business_link_business_id_business'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_business_link_citizen_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_business_link_staff_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_link'))
    )
    op.create_index('ix_business_link_citizen', 'business_link', ['citizen_id'], unique=False)
    op.create_index('uq_business_link_live', 'business_link', ['business_id', 'citizen_id'], unique=True, postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_business_link_live', table_name='business_link', postgresql_where=sa.text('revoked_at IS NULL'))
    op.drop_index('ix_business_link_citizen', table_name='business_link')
    op.drop_table('business_link')
    op.drop_index('ix_business_representative', table_name='business')
    op.drop_table('business')
