"""verified identity: face verification, verified phone, relatives' authorisations, no-shows counted per accountable

Every existing profile stays unverified (verified_id_hash NULL): what it typed is a claim, and it keeps
working for what needs no verification (browsing, progress by reference, feedback). An existing
appointment's no-shows count against the person when booked for oneself, else against the booking
account (`account:<id>`), as new ones do.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 21:41:40.818990
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('face_verification',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('citizen_id', sa.BigInteger(), nullable=False),
    sa.Column('out_seq_no', sa.String(length=32), nullable=False),
    sa.Column('verify_id_enc', sa.Text(), nullable=False),
    sa.Column('real_name_enc', sa.Text(), nullable=False),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verify_ret', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'verified', 'failed')", name=op.f('ck_face_verification_status_known')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_face_verification_citizen_id_citizen'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_verification')),
    sa.UniqueConstraint('out_seq_no', name=op.f('uq_face_verification_out_seq_no'))
    )
    op.create_index('ix_face_verification_citizen_created', 'face_verification', ['citizen_id', 'created_at'], unique=False)
    op.create_index('ix_face_verification_id_hash_created', 'face_verification', ['id_number_hash', 'created_at'], unique=False)
    op.create_table('relative_authorisation',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('delegate_id', sa.BigInteger(), nullable=False),
    sa.Column('principal_name', sa.String(length=40), nullable=False),
    sa.Column('principal_id_enc', sa.Text(), nullable=False),
    sa.Column('principal_id_hash', sa.String(length=64), nullable=False),
    sa.Column('principal_citizen_id', sa.BigInteger(), nullable=True),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('scopes', postgresql.ARRAY(sa.String(length=16)), nullable=False),
    sa.Column('valid_days', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_via', sa.String(length=8), nullable=True),
    sa.Column('staff_id', sa.BigInteger(), nullable=True),
    sa.Column('staff_centre_id', sa.BigInteger(), nullable=True),
    sa.Column('paper_ref', sa.String(length=120), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=16), nullable=True),
    sa.CheckConstraint("confirmed_via IS NULL OR confirmed_via IN ('wechat', 'paper')", name=op.f('ck_relative_authorisation_confirmed_via_known')),
    sa.CheckConstraint("status IN ('pending', 'active', 'revoked')", name=op.f('ck_relative_authorisation_status_known')),
    sa.ForeignKeyConstraint(['delegate_id'], ['citizen.id'], name=op.f('fk_relative_authorisation_delegate_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['principal_citizen_id'], ['citizen.id'], name=op.f('fk_relative_authorisation_principal_citizen_id_citizen'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_centre_id'], ['centre.id'], name=op.f('fk_relative_authorisation_staff_centre_id_centre'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_relative_authorisation_staff_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative_authorisation')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_relative_authorisation_code_hash'))
    )
    op.create_index(op.f('ix_relative_authorisation_delegate_id'), 'relative_authorisation', ['delegate_id'], unique=False)
    op.create_index('ix_relative_authorisation_principal', 'relative_authorisation', ['principal_id_hash', 'status'], unique=False)
    op.create_index('uq_relative_authorisation_live', 'relative_authorisation', ['delegate_id', 'principal_id_hash'], unique=True, postgresql_where=sa.text("status IN ('pending', 'active')"))
    op.add_column('appointment', sa.Column('accountable_hash', sa.String(length=64), nullable=True))
    op.execute("UPDATE appointment SET accountable_hash = CASE WHEN proxy_relation IS NULL THEN person_hash "
               "ELSE 'account:' || citizen_id END")
    op.alter_column('appointment', 'accountable_hash', nullable=False)
    op.add_column('appointment', sa.Column('authorisation_id', sa.BigInteger(), nullable=True))
    op.create_index('ix_appointment_accountable_status', 'appointment', ['accountable_hash', 'status'], unique=False)
    op.create_foreign_key(op.f('fk_appointment_authorisation_id_relative_authorisation'), 'appointment', 'relative_authorisation', ['authorisation_id'], ['id'], ondelete='SET NULL')
    op.add_column('centre', sa.Column('allow_unverified_booking', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('citizen', sa.Column('verified_id_hash', sa.String(length=64), nullable=True))
    op.add_column('citizen', sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('citizen', sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f('uq_citizen_verified_id_hash'), 'citizen', ['verified_id_hash'])


def downgrade() -> None:
    op.drop_constraint(op.f('uq_citizen_verified_id_hash'), 'citizen', type_='unique')
    op.drop_column('citizen', 'phone_verified_at')
    op.drop_column('citizen', 'verified_at')
    op.drop_column('citizen', 'verified_id_hash')
    op.drop_column('centre', 'allow_unverified_booking')
    op.drop_constraint(op.f('fk_appointment_authorisation_id_relative_authorisation'), 'appointment', type_='foreignkey')
    op.drop_index('ix_appointment_accountable_status', table_name='appointment')
    op.drop_column('appointment', 'authorisation_id')
    op.drop_column('appointment', 'accountable_hash')
    op.drop_index('uq_relative_authorisation_live', table_name='relative_authorisation', postgresql_where=sa.text("status IN ('pending', 'active')"))
    op.drop_index('ix_relative_authorisation_principal', table_name='relative_authorisation')
    op.drop_index(op.f('ix_relative_authorisation_delegate_id'), table_name='relative_authorisation')
    op.drop_table('relative_authorisation')
    op.drop_index('ix_face_verification_id_hash_created', table_name='face_verification')
    op.drop_index('ix_face_verification_citizen_created', table_name='face_verification')
    op.drop_table('face_verification')
