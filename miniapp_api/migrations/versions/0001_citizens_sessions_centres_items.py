"""citizens, sessions, centres and items

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:47:09.415983
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('centre',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('brand', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('city', 'district', 'street', 'community')", name=op.f('ck_centre_level_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['centre.id'], name=op.f('fk_centre_parent_id_centre'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre')),
    sa.UniqueConstraint('name', name=op.f('uq_centre_name'))
    )
    op.create_index(op.f('ix_centre_parent_id'), 'centre', ['parent_id'], unique=False)
    op.create_table('citizen',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=True),
    sa.Column('session_key_enc', sa.Text(), nullable=True),
    sa.Column('real_name', sa.String(length=40), nullable=True),
    sa.Column('id_number_enc', sa.Text(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_enc', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen')),
    sa.UniqueConstraint('openid', name=op.f('uq_citizen_openid'))
    )
    op.create_index(op.f('ix_citizen_id_number_hash'), 'citizen', ['id_number_hash'], unique=False)
    op.create_index(op.f('ix_citizen_phone_hash'), 'citizen', ['phone_hash'], unique=False)
    op.create_index(op.f('ix_citizen_unionid'), 'citizen', ['unionid'], unique=False)
    op.create_table('service_item',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('high_frequency', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("audience IN ('citizen', 'business')", name=op.f('ck_service_item_audience_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_item')),
    sa.UniqueConstraint('code', name=op.f('uq_service_item_code')),
    sa.UniqueConstraint('name', name=op.f('uq_service_item_name'))
    )
    op.create_table('auth_session',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_auth_session_citizen_id_citizen'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_session_token_hash'))
    )
    op.create_index(op.f('ix_auth_session_citizen_id'), 'auth_session', ['citizen_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_auth_session_citizen_id'), table_name='auth_session')
    op.drop_table('auth_session')
    op.drop_table('service_item')
    op.drop_index(op.f('ix_citizen_unionid'), table_name='citizen')
    op.drop_index(op.f('ix_citizen_phone_hash'), table_name='citizen')
    op.drop_index(op.f('ix_citizen_id_number_hash'), table_name='citizen')
    op.drop_table('citizen')
    op.drop_index(op.f('ix_centre_parent_id'), table_name='centre')
    op.drop_table('centre')
